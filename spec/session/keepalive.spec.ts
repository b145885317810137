/**
 * Session engine: keepalive on a fake clock (plain numbers).
 *
 * MQTT 3.1.1 §3.1.2.10 / MQTT 5.0 §3.1.2.10: the Keep Alive is the longest time between the
 * end of one Control Packet the client SENDS and the start of the next; "in the absence of
 * sending any other Control Packets, the Client MUST send a PINGREQ Packet" [MQTT-3.1.2-23]
 * (3.1.1) / [MQTT-3.1.2-20] (5.0). So the ping timer runs from the last packet sent, and
 * incoming traffic does not reset it (user-pain.md §7: the QoS 0 subscriber dropped by its broker).
 */
import { MQTT_ERR_KEEPALIVE } from '../../lib/constants';
import { encode } from '../../lib/protocol';
import { ack, pub, ScriptedBroker, types } from './harness';

const T0 = 1_000_000;
const KA = 60_000;

function connected(config: ConstructorParameters<typeof ScriptedBroker>[0] = {}, connackProps?: Parameters<ScriptedBroker['connectAndAccept']>[1]) {
  const b = new ScriptedBroker({ keepalive: 60, ...config }, T0);
  b.connectAndAccept(false, connackProps); // CONNECT written at T0
  return b;
}

describe('PINGREQ', () => {
  it('goes out keepalive seconds after the last packet sent (the CONNECT)', () => {
    const b = connected();
    expect(b.s.nextDeadline()).toBe(T0 + KA);
    b.at(T0 + KA - 1);
    expect(b.sentPackets()).toEqual([]);
    b.at(T0 + KA);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
    expect(b.events()).toEqual([]);
  });

  it('a QoS 0 subscriber that never publishes still pings, though messages arrive every second', () => {
    const b = connected();
    for (let t = 1; t < 60; t++) {
      b.at(T0 + t * 1000);
      b.brokerSends(pub('sensors/temp', `${t}`, 0));
      expect(b.sentPackets()).toEqual([]);
      expect(b.s.nextDeadline()).toBe(T0 + KA);
    }
    expect(b.events().filter((e) => e.kind === 'message')).toHaveLength(59);
    b.at(T0 + KA);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
    // and the messages keep coming, the broker answers: no close, next ping one keepalive later
    b.at(T0 + KA + 500);
    b.brokerSends({ type: 'pingresp' });
    for (let t = 61; t < 120; t++) {
      b.at(T0 + t * 1000);
      b.brokerSends(pub('sensors/temp', `${t}`, 0));
      expect(b.sentPackets()).toEqual([]);
    }
    expect(b.events().filter((e) => e.kind === 'close')).toEqual([]);
    b.at(T0 + 2 * KA);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
  });

  it('a packet sent resets the timer: publishing at 30 s moves the ping to 90 s', () => {
    const b = connected();
    b.at(T0 + 30_000);
    b.publish('t', 'x', 0);
    expect(types(b.sentPackets())).toEqual(['publish']);
    expect(b.s.nextDeadline()).toBe(T0 + 30_000 + KA);
    b.at(T0 + KA);
    expect(b.sentPackets()).toEqual([]);
    b.at(T0 + 30_000 + KA);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
  });

  it('a PUBACK we send for an incoming QoS 1 message counts as a packet sent', () => {
    const b = connected();
    b.at(T0 + 50_000);
    b.brokerSends(pub('t', 'x', 1, 3));
    expect(b.sentPackets()).toEqual([ack('puback', 3)]);
    b.at(T0 + KA);
    expect(b.sentPackets()).toEqual([]);
    b.at(T0 + 50_000 + KA);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
  });

  it('PINGRESP clears it: no close, the next PINGREQ one keepalive after the last one', () => {
    const b = connected();
    b.at(T0 + KA);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
    b.at(T0 + KA + 100);
    b.brokerSends({ type: 'pingresp' });
    expect(b.events()).toEqual([]);
    expect(b.s.nextDeadline()).toBe(T0 + 2 * KA);
    b.at(T0 + KA * 1.5 + 1);
    expect(b.events()).toEqual([]);
    expect(b.sentPackets()).toEqual([]);
    b.at(T0 + 2 * KA);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
    b.brokerSends({ type: 'pingresp' });
    b.at(T0 + 3 * KA);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
    expect(b.events()).toEqual([]);
  });

  it('only one PINGREQ is outstanding at a time', () => {
    const b = connected();
    b.at(T0 + KA);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
    for (let t = KA + 1000; t < KA * 1.5; t += 1000) {
      b.at(T0 + t);
      expect(b.sentPackets()).toEqual([]);
    }
  });

  it('keepalive 0: never pings, no deadline once connected', () => {
    const b = connected({ keepalive: 0 });
    expect(b.s.nextDeadline()).toBe(Infinity);
    b.at(T0 + 10 * 3600_000);
    expect(b.sentPackets()).toEqual([]);
    expect(b.events()).toEqual([]);
  });

  it('5.0: a Server Keep Alive in CONNACK replaces the client keepalive (MQTT 5.0 §3.2.2.3.14 [MQTT-3.2.2-21])', () => {
    const b = connected({ protocol: 5, keepalive: 60 }, { ServerKeepAlive: 10 });
    expect(b.s.nextDeadline()).toBe(T0 + 10_000);
    b.at(T0 + 10_000);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
  });

  it('a fractional clock (performance.now()) gives whole-ms deadlines, at most 1 ms early (whole numbers stay unboxed: idle memory)', () => {
    const b = new ScriptedBroker({ keepalive: 60 }, T0 + 0.75);
    b.connectAndAccept(); // CONNECT written at T0 + 0.75
    expect(b.s.nextDeadline()).toBe(T0 + KA);
    b.at(T0 + 30_000.6);
    b.brokerSends(pub('t', 'x', 1, 1)); // received at 30,000.6; its PUBACK goes out then
    b.sentPackets();
    expect(b.s.nextDeadline()).toBe(T0 + 30_000 + KA);
    expect(b.s.lastReceived).toBe(T0 + 30_000);
    b.at(T0 + 30_000 + KA);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
  });

  it('5.0: a Server Keep Alive of 0 turns pings off (MQTT 5.0 §3.2.2.3.14 [MQTT-3.2.2-21])', () => {
    const b = connected({ protocol: 5, keepalive: 60 }, { ServerKeepAlive: 0 });
    b.at(T0 + 10 * KA);
    expect(b.sentPackets()).toEqual([]);
    expect(b.events()).toEqual([]);
  });
});

describe('missing PINGRESP', () => {
  it('nothing received after the PINGREQ: close with MQTT_ERR_KEEPALIVE at 1.5x keepalive after the last send', () => {
    const b = connected();
    b.at(T0 + KA);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
    expect(b.s.nextDeadline()).toBe(T0 + KA * 1.5);
    b.at(T0 + KA * 1.5 - 1);
    expect(b.events()).toEqual([]);
    b.at(T0 + KA * 1.5);
    expect(b.events()).toEqual([expect.objectContaining({ kind: 'close', rc: MQTT_ERR_KEEPALIVE })]);
    expect(b.s.isConnected).toBe(false);
    // reported once
    b.at(T0 + KA * 3);
    expect(b.events()).toEqual([]);
    expect(b.sentPackets()).toEqual([]);
  });

  it('a QoS 0 flow that stops: the close still comes', () => {
    const b = connected({ keepalive: 10 });
    for (let t = 1; t <= 10; t++) {
      b.at(T0 + t * 1000);
      b.brokerSends(pub('t', 'x', 0));
    }
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
    b.at(T0 + 15_000);
    expect(b.events().filter((e) => e.kind === 'close')).toEqual([expect.objectContaining({ rc: MQTT_ERR_KEEPALIVE })]);
  });

  it('bytes received after the PINGREQ (a large message arriving slowly) count as liveness and delay the close', () => {
    const b = connected();
    b.at(T0 + KA);
    expect(b.sentPackets()).toEqual([{ type: 'pingreq' }]);
    const big = encode(pub('big/file', Buffer.alloc(100_000, 7), 0), 4);
    const pieces = 10;
    const step = Math.ceil(big.length / pieces);
    // one piece every 20 s: each gap is shorter than half a keepalive, the whole transfer much longer
    let t = T0 + KA;
    for (let i = 0; i < pieces; i++) {
      t += 20_000;
      b.at(t);
      expect(b.events()).toEqual([]); // no close while the bytes keep coming
      b.brokerSendsRaw(big.subarray(i * step, (i + 1) * step));
    }
    const ev = b.events();
    expect(ev.map((e) => e.kind)).toEqual(['message']);
    // the PINGRESP queued behind the message arrives: all is well
    b.at(t + 1_000);
    b.brokerSends({ type: 'pingresp' });
    expect(b.events()).toEqual([]);
    expect(b.s.isConnected).toBe(true);
  });

  it('after the last received byte, silence for half a keepalive closes', () => {
    const b = connected();
    b.at(T0 + KA);
    b.sentPackets();
    b.at(T0 + KA + 25_000);
    b.brokerSendsRaw(Buffer.from([0x30])); // the first byte of a PUBLISH, then nothing
    b.at(T0 + KA * 1.5);
    expect(b.events()).toEqual([]);
    b.at(T0 + KA + 25_000 + KA / 2);
    expect(b.events()).toEqual([expect.objectContaining({ kind: 'close', rc: MQTT_ERR_KEEPALIVE })]);
  });
});
