/**
 * Session engine: CONNECT fields at protocol levels 3, 4 and 5, CONNACK handling and the
 * CONNACK deadline. The spec plays the broker (spec/session/harness.ts).
 */
import {
  MQTT_ERR_CONN_REFUSED, MQTT_ERR_KEEPALIVE, MQTT_ERR_NO_CONN, MQTT_ERR_PROTOCOL, MQTT_ERR_SUCCESS,
} from '../../lib/constants';
import { ScriptedBroker, types } from './harness';

const T0 = 1_000_000;

describe('CONNECT', () => {
  it('3.1.1: exact bytes of a minimal CONNECT (MQTT 3.1.1 §3.1)', () => {
    const b = new ScriptedBroker({ clientId: 'c1', keepalive: 60 });
    b.s.startConnection(b.now);
    expect(b.s.state).toBe('connecting');
    // 10 0e | 00 04 'MQTT' | level 4 | flags 0x02 (clean) | keepalive 60 | 00 02 'c1'
    expect(b.sentBytes()!.toString('hex')).toBe('100e00044d5154540402003c00026331');
  });

  it('3.1: protocol name "MQIsdp", level 3 (MQTT 3.1 §3.1)', () => {
    const b = new ScriptedBroker({ clientId: 'c1', keepalive: 60, protocol: 3 });
    b.s.startConnection(b.now);
    // 10 10 | 00 06 'MQIsdp' | level 3 | flags 0x02 | keepalive 60 | 00 02 'c1'
    expect(b.sentBytes()!.toString('hex')).toBe('101000064d514973647003' + '02003c00026331');
  });

  it('3.1.1: clean session off, will with qos/retain, username and password', () => {
    const b = new ScriptedBroker({
      clientId: 'sensor-1', cleanSession: false, keepalive: 15, username: 'user', password: Buffer.from('secret'),
      will: { topic: 'status/sensor-1', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    expect(b.connect()).toEqual([{
      type: 'connect', protocolVersion: 4, clientId: 'sensor-1', cleanSession: false, keepalive: 15,
      username: 'user', password: Buffer.from('secret'),
      will: { topic: 'status/sensor-1', payload: Buffer.from('offline'), qos: 1, retain: true },
    }]);
    // flags: username 0x80 | password 0x40 | will retain 0x20 | will qos 1 0x08 | will 0x04 | clean 0
    b.s.startConnection(b.now);
    const bytes = b.sentBytes()!;
    expect(bytes[9]).toBe(0xec);
  });

  it('3.1.1: will qos 2 without retain, clean session on', () => {
    const b = new ScriptedBroker({ will: { topic: 'w', payload: Buffer.alloc(0), qos: 2, retain: false } });
    b.s.startConnection(b.now);
    const bytes = b.sentBytes()!;
    expect(bytes[9]).toBe(0x02 | 0x04 | 0x10); // clean | will | will qos 2
  });

  it('keepalive goes into CONNECT as given, 0 included', () => {
    for (const keepalive of [0, 1, 60, 65535]) {
      const b = new ScriptedBroker({ keepalive });
      expect(b.connect()).toMatchObject([{ type: 'connect', keepalive }]);
    }
  });

  it('5.0: level 5, CONNECT properties, will properties', () => {
    const b = new ScriptedBroker({
      protocol: 5, clientId: 'c5', cleanSession: true, keepalive: 30,
      connectProperties: { SessionExpiryInterval: 3600, ReceiveMaximum: 10, UserProperty: [['a', 'b']] },
      will: { topic: 'w', payload: Buffer.from('x'), qos: 0, retain: false, properties: { WillDelayInterval: 5 } },
    });
    expect(b.connect()).toEqual([{
      type: 'connect', protocolVersion: 5, clientId: 'c5', cleanSession: true, keepalive: 30,
      properties: { SessionExpiryInterval: 3600, ReceiveMaximum: 10, UserProperty: [['a', 'b']] },
      will: { topic: 'w', payload: Buffer.from('x'), qos: 0, retain: false, properties: { WillDelayInterval: 5 } },
    }]);
  });

  it('CONNECT properties are not sent below level 5', () => {
    const b = new ScriptedBroker({ protocol: 4, connectProperties: { SessionExpiryInterval: 3600 } });
    const [connect] = b.connect();
    expect(connect).not.toHaveProperty('properties');
  });
});

describe('CONNACK', () => {
  it('accepted: a connack event, then the session is connected', () => {
    const b = new ScriptedBroker({}, T0);
    b.connect();
    expect(b.s.isConnected).toBe(false);
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0 });
    expect(b.events()).toEqual([{ kind: 'connack', sessionPresent: false, reasonCode: 0 }]);
    expect(b.s.state).toBe('connected');
    expect(b.s.isConnected).toBe(true);
    expect(b.sentPackets()).toEqual([]);
  });

  it('accepted with session present (clean session off)', () => {
    const b = new ScriptedBroker({ cleanSession: false });
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: true, reasonCode: 0 });
    expect(b.events()).toEqual([{ kind: 'connack', sessionPresent: true, reasonCode: 0 }]);
    expect(b.s.isConnected).toBe(true);
  });

  it('5.0: CONNACK properties reach the connack event', () => {
    const b = new ScriptedBroker({ protocol: 5 });
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0, properties: { AssignedClientIdentifier: 'x', ReceiveMaximum: 7 } });
    expect(b.events()).toEqual([{
      kind: 'connack', sessionPresent: false, reasonCode: 0, properties: { AssignedClientIdentifier: 'x', ReceiveMaximum: 7 },
    }]);
  });

  it('refused (rc 5, not authorised): connack event, then close with MQTT_ERR_CONN_REFUSED', () => {
    const b = new ScriptedBroker();
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 5 });
    const ev = b.events();
    expect(ev.map((e) => e.kind)).toEqual(['connack', 'close']);
    expect(ev[0]).toEqual({ kind: 'connack', sessionPresent: false, reasonCode: 5 });
    expect(ev[1]).toMatchObject({ kind: 'close', rc: MQTT_ERR_CONN_REFUSED });
    expect(b.s.isConnected).toBe(false);
    // 3.1.1: nothing is written back (a DISCONNECT would cancel the will).
    expect(b.sentPackets()).toEqual([]);
  });

  it.each([2, 3, 4])('refused with 3.1.1 return code %i: close with MQTT_ERR_CONN_REFUSED', (rc) => {
    const b = new ScriptedBroker();
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: rc });
    const ev = b.events();
    expect(ev.map((e) => e.kind)).toEqual(['connack', 'close']);
    expect(ev[1]).toMatchObject({ rc: MQTT_ERR_CONN_REFUSED });
  });

  it('3.1.1, return code 2 to an empty client id: no connack event, a close whose retry is a generated id (the driver retries as paho)', () => {
    const b = new ScriptedBroker({ clientId: '' });
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 2 });
    expect(b.events()).toEqual([expect.objectContaining({ kind: 'close', rc: MQTT_ERR_PROTOCOL, retry: 'generatedId' })]);
    expect(b.sentPackets()).toEqual([]);
    // An id of our own, or MQTT 5 (whose codes start at 0x80): an ordinary refusal.
    const own = new ScriptedBroker({ clientId: 'mine' });
    own.connect();
    own.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 2 });
    const ev = own.events();
    expect(ev.map((e) => e.kind)).toEqual(['connack', 'close']);
    expect(ev[1]).not.toHaveProperty('retry');
  });

  it('3.1.1, return code 1 (unacceptable protocol version): no connack event, a close whose retry is MQTT 3.1; not on 3.1 itself', () => {
    const b = new ScriptedBroker();
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 1 });
    expect(b.events()).toEqual([expect.objectContaining({ kind: 'close', rc: MQTT_ERR_PROTOCOL, retry: 'mqtt31' })]);
    const v31 = new ScriptedBroker({ protocol: 3 });
    v31.connect();
    v31.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 1 });
    const ev = v31.events();
    expect(ev.map((e) => e.kind)).toEqual(['connack', 'close']);
    expect(ev[1]).toMatchObject({ rc: MQTT_ERR_CONN_REFUSED });
    expect(ev[1]).not.toHaveProperty('retry');
  });

  it('5.0: reason code 0x87 (Not authorized) refuses, with rc MQTT_ERR_PROTOCOL as paho (only 3.x codes 1-5 are CONN_REFUSED); queued QoS 1 messages are not sent', () => {
    const b = new ScriptedBroker({ protocol: 5 });
    b.connect();
    const info = b.publish('a', 'x', 1);
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0x87 });
    const ev = b.events();
    expect(ev.map((e) => e.kind)).toEqual(['connack', 'close']);
    expect(ev[1]).toMatchObject({ rc: MQTT_ERR_PROTOCOL });
    expect(b.sentPackets()).toEqual([]);
    expect(info.rc).toBe(MQTT_ERR_SUCCESS);
    expect(info.isPublished()).toBe(false);
  });

  it('a second CONNACK is a protocol error (MQTT 3.1.1 §3.2; MQTT 5.0 [MQTT-3.2.0-2])', () => {
    const b = new ScriptedBroker();
    b.connectAndAccept();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0 });
    expect(b.events()).toEqual([expect.objectContaining({ kind: 'close', rc: MQTT_ERR_PROTOCOL })]);
  });

  it('5.0: Session Present 1 in answer to Clean Start 1 closes the connection (MQTT 5.0 §3.2.2.1.1 [MQTT-3.2.2-4])', () => {
    const b = new ScriptedBroker({ protocol: 5, cleanSession: true });
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: true, reasonCode: 0 });
    const ev = b.events();
    expect(ev).toContainEqual(expect.objectContaining({ kind: 'close', rc: MQTT_ERR_PROTOCOL }));
    expect(b.s.isConnected).toBe(false);
  });
});

describe('CONNACK deadline', () => {
  function waitsFor(config: ConstructorParameters<typeof ScriptedBroker>[0], ms: number) {
    const b = new ScriptedBroker(config, T0);
    b.connect();
    expect(b.s.nextDeadline()).toBe(T0 + ms);
    b.at(T0 + ms - 1);
    expect(b.events()).toEqual([]);
    expect(b.s.state).toBe('connecting');
    b.at(T0 + ms);
    const ev = b.events();
    expect(ev).toEqual([expect.objectContaining({ kind: 'close' })]);
    expect((ev[0] as { rc: number }).rc).toBe(MQTT_ERR_KEEPALIVE); // as paho, whose keepalive check notices it
    // nothing more after the close
    b.advance(10 * ms);
    expect(b.events()).toEqual([]);
  }

  it('defaults to the keepalive (60 s)', () => waitsFor({ keepalive: 60 }, 60_000));
  it('defaults to the keepalive (7 s)', () => waitsFor({ keepalive: 7 }, 7_000));
  it('connackTimeout wins over the keepalive', () => waitsFor({ keepalive: 60, connackTimeout: 5 }, 5_000));
  it('30 s when keepalive is 0', () => waitsFor({ keepalive: 0 }, 30_000));
  it('connackTimeout with keepalive 0', () => waitsFor({ keepalive: 0, connackTimeout: 3 }, 3_000));

  it('a CONNACK in time cancels it: the next deadline is the keepalive', () => {
    const b = new ScriptedBroker({ keepalive: 60, connackTimeout: 5 }, T0);
    b.connect();
    b.at(T0 + 4_000);
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0 });
    expect(b.events()).toEqual([expect.objectContaining({ kind: 'connack' })]);
    b.at(T0 + 5_000);
    expect(b.events()).toEqual([]);
    expect(b.s.nextDeadline()).toBe(T0 + 60_000); // 60 s after CONNECT, the last packet sent
  });

  it('an idle session has no deadline', () => {
    const b = new ScriptedBroker();
    expect(b.s.nextDeadline()).toBe(Infinity);
    b.connectAndAccept();
    b.s.connectionLost();
    expect(b.s.nextDeadline()).toBe(Infinity);
  });

  it('a new startConnection restarts the deadline from its own now', () => {
    const b = new ScriptedBroker({ connackTimeout: 5 }, T0);
    b.connect();
    b.s.connectionLost();
    b.at(T0 + 100_000);
    b.connect();
    expect(b.s.nextDeadline()).toBe(T0 + 105_000);
  });

  it('packets queued before CONNACK: only CONNECT goes out for QoS 1 (sent after CONNACK)', () => {
    const b = new ScriptedBroker();
    b.s.startConnection(b.now);
    b.publish('a', 'x', 1);
    expect(types(b.sentPackets())).toEqual(['connect']);
  });
});

describe('disconnect()', () => {
  it('queues DISCONNECT and returns MQTT_ERR_SUCCESS; no PINGREQ afterwards', () => {
    const b = new ScriptedBroker({ keepalive: 10 }, T0);
    b.connectAndAccept();
    expect(b.s.disconnect(b.now)).toBe(MQTT_ERR_SUCCESS);
    expect(b.sentPackets()).toEqual([{ type: 'disconnect', reasonCode: 0 }]);
    expect(b.s.isConnected).toBe(false);
    b.at(T0 + 100_000);
    expect(b.sentPackets()).toEqual([]);
  });

  it('5.0: carries the reason code and properties', () => {
    const b = new ScriptedBroker({ protocol: 5 }, T0);
    b.connectAndAccept();
    b.s.disconnect(b.now, 0x04, { SessionExpiryInterval: 0 });
    expect(b.sentPackets()).toEqual([{ type: 'disconnect', reasonCode: 0x04, properties: { SessionExpiryInterval: 0 } }]);
  });

  it('not connected: MQTT_ERR_NO_CONN, nothing queued', () => {
    const b = new ScriptedBroker({}, T0);
    expect(b.s.disconnect(b.now)).toBe(MQTT_ERR_NO_CONN);
    expect(b.s.takeOutgoing(b.now)).toBeNull();
  });
});
