/**
 * Session engine, MQTT 5 protocol behaviour: session expiry, Maximum Packet Size both ways,
 * outgoing topic aliases, message expiry on queued messages, enhanced authentication, the
 * server-assigned client id, and reason strings in log lines. The spec plays the broker
 * (spec/session/harness.ts) on a plain-number clock.
 */
import {
  MQTT_ERR_NO_CONN, MQTT_ERR_NOT_FOUND, MQTT_ERR_PAYLOAD_SIZE, MQTT_ERR_PROTOCOL, MQTT_ERR_SUCCESS, MQTT_LOG_WARNING,
} from '../../lib/constants';
import { ValueError } from '../../lib/errors';
import { PublishError } from '../../lib/message';
import { encode, Parser } from '../../lib/protocol';
import type { Packet, PacketProperties, PublishPacket } from '../../lib/protocol/types';
import { publishPacketSize } from '../../lib/session/packetSize';
import { pub, ScriptedBroker, settled, types } from './harness';

const T0 = 1_000_000;

function connected(config: ConstructorParameters<typeof ScriptedBroker>[0] = {}, connackProps?: PacketProperties): ScriptedBroker {
  const b = new ScriptedBroker({ protocol: 5, ...config }, T0);
  expect(b.connectAndAccept(false, connackProps)).toEqual([]);
  return b;
}

const publishes = (packets: Packet[]): PublishPacket[] => packets.filter((p): p is PublishPacket => p.type === 'publish');
const logs = (b: ScriptedBroker): string[] => b.allEvents().flatMap((e) => (e.kind === 'log' ? [e.text] : []));

describe('session expiry (MQTT 5.0 §3.1.2.11.2, §3.2.2.3.2, §3.14.2.2.2)', () => {
  it('CONNECT carries the Session Expiry Interval; the CONNACK one, when sent, replaces it', () => {
    const b = new ScriptedBroker({ protocol: 5, connectProperties: { SessionExpiryInterval: 3600 } }, T0);
    expect(b.connect()).toMatchObject([{ type: 'connect', properties: { SessionExpiryInterval: 3600 } }]);
    expect(b.s.sessionExpiryInterval).toBe(3600);
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0, properties: { SessionExpiryInterval: 60 } });
    expect(b.s.sessionExpiryInterval).toBe(60);
  });

  it('without a CONNACK value, the CONNECT one stays', () => {
    const b = connected({ connectProperties: { SessionExpiryInterval: 120 } });
    expect(b.s.sessionExpiryInterval).toBe(120);
  });

  it('DISCONNECT may not set a non-zero interval when CONNECT had none: ValueError, nothing sent [MQTT-3.14.2-2]', () => {
    const b = connected();
    expect(() => b.s.disconnect(b.now, 0, { SessionExpiryInterval: 30 })).toThrow(ValueError);
    expect(() => b.s.disconnect(b.now, 0, { SessionExpiryInterval: 30 })).toThrow(/properties: SessionExpiryInterval/);
    expect(b.sentPackets()).toEqual([]);
    expect(b.s.state).toBe('connected');
    // Zero is always allowed; so is any value when CONNECT set one.
    expect(b.s.disconnect(b.now, 0, { SessionExpiryInterval: 0 })).toBe(MQTT_ERR_SUCCESS);
    const b2 = connected({ connectProperties: { SessionExpiryInterval: 10 } });
    expect(b2.s.disconnect(b2.now, 0, { SessionExpiryInterval: 300 })).toBe(MQTT_ERR_SUCCESS);
    expect(b2.sentPackets()).toEqual([{ type: 'disconnect', reasonCode: 0, properties: { SessionExpiryInterval: 300 } }]);
    expect(b2.s.sessionExpiryInterval).toBe(300);
  });

  it('the DISCONNECT rule is MQTT 5 only', () => {
    const b = new ScriptedBroker({ protocol: 4 }, T0);
    b.connectAndAccept();
    expect(() => b.s.checkDisconnect({ SessionExpiryInterval: 30 })).not.toThrow();
  });
});

describe('server-assigned client id (MQTT 5.0 §3.2.2.3.7)', () => {
  it('an empty client id stays empty: the Assigned Client Identifier is not reused by the next CONNECT (as paho 2.1)', () => {
    const b = new ScriptedBroker({ protocol: 5, clientId: '' }, T0);
    expect(b.connect()).toMatchObject([{ type: 'connect', clientId: '' }]);
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0, properties: { AssignedClientIdentifier: 'auto-1' } });
    expect(b.events()).toEqual([expect.objectContaining({ kind: 'connack', properties: { AssignedClientIdentifier: 'auto-1' } })]);
    expect(b.s.config.clientId).toBe('');
    b.s.connectionLost();
    expect(b.connect()).toMatchObject([{ type: 'connect', clientId: '' }]);
  });

  it('a client id we chose is kept even if the server names another', () => {
    const b = new ScriptedBroker({ protocol: 5, clientId: 'mine' }, T0);
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0, properties: { AssignedClientIdentifier: 'other' } });
    expect(b.s.config.clientId).toBe('mine');
  });
});

describe('Maximum Packet Size, ours (MQTT 5.0 §3.1.2.11.4, §4.13)', () => {
  it('the config value goes into CONNECT; a CONNECT property set by the user wins', () => {
    const b = new ScriptedBroker({ protocol: 5, maxPacketSize: 1024 }, T0);
    expect(b.connect()).toMatchObject([{ type: 'connect', properties: { MaximumPacketSize: 1024 } }]);
    const b2 = new ScriptedBroker({ protocol: 5, maxPacketSize: 1024, connectProperties: { MaximumPacketSize: 300, ReceiveMaximum: 5 } }, T0);
    expect(b2.connect()).toMatchObject([{ type: 'connect', properties: { MaximumPacketSize: 300, ReceiveMaximum: 5 } }]);
    const b3 = new ScriptedBroker({ protocol: 4, maxPacketSize: 1024 }, T0);
    expect(b3.connect()[0]).not.toHaveProperty('properties');
  });

  it('a packet up to the limit is accepted; one byte over closes with DISCONNECT 0x95 and MQTT_ERR_PROTOCOL', () => {
    const b = connected({ maxPacketSize: 50 });
    const fits = pub('t', Buffer.alloc(50 - encode(pub('t', '', 0), 5).length), 0);
    expect(encode(fits, 5).length).toBe(50);
    b.brokerSends(fits);
    expect(b.events()).toMatchObject([{ kind: 'message' }]);
    b.brokerSends(pub('t', Buffer.alloc(fits.payload.length + 1), 0));
    expect(b.sentPackets()).toEqual([{ type: 'disconnect', reasonCode: 0x95 }]);
    const ev = b.events();
    expect(ev).toMatchObject([{ kind: 'close', rc: MQTT_ERR_PROTOCOL }]);
    expect(ev.some((e) => e.kind === 'message')).toBe(false);
  });

  it('the CONNECT property is the limit the parser enforces', () => {
    const b = connected({ connectProperties: { MaximumPacketSize: 20 } });
    b.brokerSends(pub('t', Buffer.alloc(30), 0));
    expect(b.sentPackets()).toEqual([{ type: 'disconnect', reasonCode: 0x95 }]);
  });

  it('3.1.1: the limit holds too; the connection closes without DISCONNECT', () => {
    const b = new ScriptedBroker({ protocol: 4, maxPacketSize: 20 }, T0);
    b.connectAndAccept();
    b.brokerSends(pub('t', Buffer.alloc(30), 0));
    expect(b.sentPackets()).toEqual([]);
    expect(b.events()).toMatchObject([{ kind: 'close', rc: MQTT_ERR_PROTOCOL }]);
  });
});

describe("Maximum Packet Size, the server's (MQTT 5.0 §3.2.2.3.6 [MQTT-3.2.2-15])", () => {
  const props: PacketProperties = { UserProperty: [['k', 'v'.repeat(20)]], ContentType: 'text/plain' };

  it('counts the whole encoded packet, properties included: exactly at the limit is sent, one byte more is refused at the call', () => {
    for (const qos of [0, 1, 2] as const) {
      const size = publishPacketSize('s/t', 10, qos, props, 5);
      expect(size).toBe(encode({ ...pub('s/t', Buffer.alloc(10), qos, 1), properties: props }, 5).length);
      const b = connected({}, { MaximumPacketSize: size });
      b.s.logging = true;
      const ok = b.publish('s/t', Buffer.alloc(10), qos, false, props);
      expect(ok.rc).toBe(MQTT_ERR_SUCCESS);
      const over = b.publish('s/t', Buffer.alloc(11), qos, false, props);
      expect(over.rc).toBe(MQTT_ERR_PAYLOAD_SIZE);
      const sent = publishes(b.sentPackets());
      expect(sent.map((p) => p.payload.length)).toEqual([10]);
      expect(logs(b).join('\n')).toMatch(/over the server's Maximum Packet Size/);
    }
  });

  it('a message queued offline, too large for the server met later, fails with MQTT_ERR_PAYLOAD_SIZE and the rest go', async () => {
    const b = new ScriptedBroker({ protocol: 5 }, T0);
    const big = b.publish('t', Buffer.alloc(500), 1);
    const small = b.publish('t', 'x', 1);
    expect(big.rc).toBe(MQTT_ERR_SUCCESS);
    const sent = b.connectAndAccept(false, { MaximumPacketSize: 100 });
    expect(publishes(sent).map((p) => p.payload.toString())).toEqual(['x']);
    expect(await settled(big.waitForPublish())).toEqual({ rejected: new PublishError(MQTT_ERR_PAYLOAD_SIZE, big.mid) });
    expect(small.isPublished()).toBe(false);
  });
});

describe('outgoing topic aliases (MQTT 5.0 §3.3.2.3.4)', () => {
  it('none without a server Topic Alias Maximum: every PUBLISH carries its topic', () => {
    const b = connected();
    b.publish('a/b', '1', 0);
    b.publish('a/b', '2', 0);
    expect(publishes(b.sentPackets()).map((p) => [p.topic, p.properties])).toEqual([['a/b', undefined], ['a/b', undefined]]);
  });

  it('first PUBLISH: topic + alias; later ones: empty topic + alias (exact bytes)', () => {
    const b = connected({}, { TopicAliasMaximum: 2 });
    b.publish('a/b', 'x', 0);
    b.publish('a/b', 'y', 0);
    // 30 0a | 00 03 'a/b' | props 03: 23 00 01 | 'x'
    // 30 07 | 00 00       | props 03: 23 00 01 | 'y'
    expect(b.sentBytes()!.toString('hex')).toBe('300a' + '0003612f62' + '03230001' + '78' + '3007' + '0000' + '03230001' + '79');
  });

  it('QoS 1/2 too; aliases up to the maximum, further topics in full; user properties kept', () => {
    const b = connected({}, { TopicAliasMaximum: 2 });
    const user: PacketProperties = { UserProperty: [['k', 'v']] };
    for (const t of ['t1', 't2', 't3', 't1', 't2', 't3']) b.publish(t, t, 1, false, user);
    const sent = publishes(b.sentPackets());
    expect(sent.map((p) => [p.topic, p.properties?.TopicAlias])).toEqual([
      ['t1', 1], ['t2', 2], ['t3', undefined], ['', 1], ['', 2], ['t3', undefined],
    ]);
    expect(sent.every((p) => p.properties?.UserProperty?.[0][0] === 'k')).toBe(true);
  });

  it('the alias map starts over on a new connection; resent (DUP) messages carry their full topic', () => {
    const b = new ScriptedBroker({ protocol: 5, cleanSession: false }, T0);
    b.connectAndAccept(false, { TopicAliasMaximum: 5 });
    b.publish('x/y', '1', 1);
    b.publish('x/y', '2', 1);
    expect(publishes(b.sentPackets()).map((p) => p.topic)).toEqual(['x/y', '']);
    b.s.connectionLost();
    // The broker kept the session but no aliases: both come back with DUP and the topic.
    const resent = publishes(b.connectAndAccept(true, { TopicAliasMaximum: 5 }));
    expect(resent.map((p) => [p.topic, p.dup, p.properties?.TopicAlias])).toEqual([['x/y', true, 1], ['', true, 1]]);
    // A server without aliases on the next connection: full topics, no alias at all.
    b.s.connectionLost();
    const again = publishes(b.connectAndAccept(true));
    expect(again.map((p) => [p.topic, p.properties])).toEqual([['x/y', undefined], ['x/y', undefined]]);
  });

  it('the stored message is not changed by its alias', () => {
    const b = connected({}, { TopicAliasMaximum: 1 });
    const props = { ContentType: 'a' };
    const info = b.publish('k', 'v', 1, false, props);
    b.sentPackets();
    expect(props).toEqual({ ContentType: 'a' });
    expect(b.s.outgoing.get(info.mid)).toMatchObject({ topic: 'k', properties: { ContentType: 'a' } });
  });

  it('an alias is not spent on a packet the codec refused', () => {
    const b = connected({}, { TopicAliasMaximum: 1 });
    expect(b.publish('r', 'x', 0, false, { ResponseTopic: 'bad/#' }).rc).toBe(MQTT_ERR_PAYLOAD_SIZE);
    b.publish('r', 'y', 0);
    b.publish('r', 'z', 0);
    expect(publishes(b.sentPackets()).map((p) => [p.topic, p.properties?.TopicAlias])).toEqual([['r', 1], ['', 1]]);
  });

  it("a message exactly at the server's Maximum Packet Size goes without an alias rather than not at all", () => {
    const size = publishPacketSize('lim', 20, 1, undefined, 5);
    const b = connected({}, { TopicAliasMaximum: 2, MaximumPacketSize: size });
    const info = b.publish('lim', Buffer.alloc(20), 1);
    b.publish('lim', 'small', 1);
    const sent = publishes(b.sentPackets());
    expect(sent.map((p) => [p.topic, p.properties?.TopicAlias])).toEqual([['lim', undefined], ['lim', 1]]);
    expect(encode(sent[0], 5).length).toBe(size);
    expect(info.rc).toBe(MQTT_ERR_SUCCESS);
  });

  it("a TopicAlias set by the caller above the server's maximum is refused with ValueError (caller aliases: callerAliases.spec.ts)", () => {
    const b = connected({}, { TopicAliasMaximum: 5 });
    expect(() => b.publish('a', 'x', 1, false, { TopicAlias: 6 })).toThrow(ValueError);
    expect(() => b.publish('a', 'x', 1, false, { TopicAlias: 6 })).toThrow(/properties: TopicAlias/);
    expect(b.sentPackets()).toEqual([]);
    expect(b.s.outgoing.size).toBe(0);
  });
});

describe('message expiry on queued messages (MQTT 5.0 §3.3.2.3.3)', () => {
  it('queued offline longer than its interval: not sent, fails with MQTT_ERR_NOT_FOUND and a log line', async () => {
    const b = new ScriptedBroker({ protocol: 5 }, T0);
    b.s.logging = true;
    const stale = b.publish('e', 'stale', 1, false, { MessageExpiryInterval: 10 });
    const fresh = b.publish('e', 'fresh', 1, false, { MessageExpiryInterval: 60 });
    const forever = b.publish('e', 'forever', 1);
    b.now += 10_000;
    const sent = publishes(b.connectAndAccept());
    expect(sent.map((p) => [p.payload.toString(), p.properties])).toEqual([
      ['fresh', { MessageExpiryInterval: 50 }], ['forever', undefined],
    ]);
    expect(await settled(stale.waitForPublish())).toEqual({ rejected: new PublishError(MQTT_ERR_NOT_FOUND, stale.mid) });
    expect(stale.rc).toBe(MQTT_ERR_NOT_FOUND);
    expect(b.history.some((e) => e.kind === 'log' && e.level === MQTT_LOG_WARNING && /expired before it could be sent/.test(e.text))).toBe(true);
    expect(b.s.outgoing.size).toBe(2);
    void fresh; void forever;
  });

  it('the interval sent is reduced by the whole seconds waited; under a second, unchanged (same object)', () => {
    const b = connected({ maxInflight: 1 });
    const props = { MessageExpiryInterval: 30 };
    const first = b.publish('e', '1', 1);
    b.publish('e', '2', 1, false, props);
    expect(publishes(b.sentPackets()).map((p) => p.payload.toString())).toEqual(['1']);
    b.now += 2_999; // waits behind the full window
    b.brokerSends({ type: 'puback', packetId: first.mid });
    expect(publishes(b.sentPackets())).toMatchObject([{ payload: Buffer.from('2'), properties: { MessageExpiryInterval: 28 } }]);
    expect(props).toEqual({ MessageExpiryInterval: 30 });
    const b2 = connected();
    b2.publish('e', '3', 1, false, props);
    b2.now += 999;
    expect(publishes(b2.sentPackets())[0].properties).toEqual({ MessageExpiryInterval: 30 });
  });

  it('waiting behind the window past its interval: dropped when its turn comes, the next message goes', async () => {
    const b = connected({ maxInflight: 1 });
    const first = b.publish('e', '1', 1);
    const doomed = b.publish('e', '2', 1, false, { MessageExpiryInterval: 5 });
    const after = b.publish('e', '3', 1);
    b.sentPackets();
    b.now += 5_000;
    b.brokerSends({ type: 'puback', packetId: first.mid });
    expect(publishes(b.sentPackets()).map((p) => p.payload.toString())).toEqual(['3']);
    expect(doomed.rc).toBe(MQTT_ERR_NOT_FOUND);
    expect(await settled(doomed.waitForPublish())).toMatchObject({ rejected: { rc: MQTT_ERR_NOT_FOUND } });
    void after;
  });

  it('a message already sent is never dropped: its resend carries the reduced interval, at least 1', () => {
    const b = new ScriptedBroker({ protocol: 5, cleanSession: false }, T0);
    b.connectAndAccept();
    b.publish('e', 'a', 1, false, { MessageExpiryInterval: 20 });
    b.publish('e', 'b', 2, false, { MessageExpiryInterval: 5 });
    b.sentPackets();
    b.s.connectionLost();
    b.now += 8_000;
    const resent = publishes(b.connectAndAccept(true));
    expect(resent.map((p) => [p.payload.toString(), p.dup, p.properties?.MessageExpiryInterval])).toEqual([['a', true, 12], ['b', true, 1]]);
  });
});

describe('enhanced authentication (MQTT 5.0 §4.12)', () => {
  const method = 'SCRAM-SHA-1';
  const start = (): ScriptedBroker => {
    const b = new ScriptedBroker({ protocol: 5, connectProperties: { AuthenticationMethod: method, AuthenticationData: Buffer.from('client-first') } }, T0);
    expect(b.connect()).toMatchObject([{ type: 'connect', properties: { AuthenticationMethod: method, AuthenticationData: Buffer.from('client-first') } }]);
    return b;
  };

  it('AUTH 0x18 becomes an auth event; continueAuth answers with AUTH 0x18, the same method and our data; CONNACK ends it', () => {
    const b = start();
    b.brokerSends({ type: 'auth', reasonCode: 0x18, properties: { AuthenticationMethod: method, AuthenticationData: Buffer.from('server-first') } });
    expect(b.events()).toEqual([{ kind: 'auth', reasonCode: 0x18, properties: { AuthenticationMethod: method, AuthenticationData: Buffer.from('server-first') } }]);
    expect(b.s.state).toBe('connecting');
    expect(b.s.continueAuth({ AuthenticationData: Buffer.from('client-final') }, b.now)).toBe(MQTT_ERR_SUCCESS);
    expect(b.sentPackets()).toEqual([{ type: 'auth', reasonCode: 0x18, properties: { AuthenticationData: Buffer.from('client-final'), AuthenticationMethod: method } }]);
    // a second round
    b.brokerSends({ type: 'auth', reasonCode: 0x18, properties: { AuthenticationMethod: method, AuthenticationData: Buffer.from('again') } });
    expect(b.events()).toMatchObject([{ kind: 'auth', reasonCode: 0x18 }]);
    b.s.continueAuth({ AuthenticationData: Buffer.from('ok') }, b.now);
    expect(types(b.sentPackets())).toEqual(['auth']);
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0, properties: { AuthenticationMethod: method, AuthenticationData: Buffer.from('server-final') } });
    expect(b.events()).toMatchObject([{ kind: 'connack', reasonCode: 0, properties: { AuthenticationData: Buffer.from('server-final') } }]);
    expect(b.s.isConnected).toBe(true);
    expect(b.s.continueAuth({}, b.now)).toBe(MQTT_ERR_NO_CONN); // nothing waits for an answer any more
  });

  it('continueAuth(null) gives up: DISCONNECT 0x87 and a close', () => {
    const b = start();
    b.brokerSends({ type: 'auth', reasonCode: 0x18, properties: { AuthenticationMethod: method } });
    b.events();
    b.s.continueAuth(null, b.now);
    expect(b.sentPackets()).toEqual([{ type: 'disconnect', reasonCode: 0x87 }]);
    expect(b.events()).toMatchObject([{ kind: 'close' }]);
  });

  it('re-authentication: AUTH 0x19 with the method; the server continues (0x18), then succeeds (0x00)', () => {
    const b = start();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0, properties: { AuthenticationMethod: method } });
    b.events();
    expect(b.s.reauthenticate({ AuthenticationData: Buffer.from('r1') }, b.now)).toBe(MQTT_ERR_SUCCESS);
    expect(b.sentPackets()).toEqual([{ type: 'auth', reasonCode: 0x19, properties: { AuthenticationData: Buffer.from('r1'), AuthenticationMethod: method } }]);
    expect(() => b.s.reauthenticate({}, b.now)).toThrow(/already in progress/);
    b.brokerSends({ type: 'auth', reasonCode: 0x18, properties: { AuthenticationMethod: method, AuthenticationData: Buffer.from('c') } });
    expect(b.events()).toMatchObject([{ kind: 'auth', reasonCode: 0x18 }]);
    b.s.continueAuth({ AuthenticationData: Buffer.from('r2') }, b.now);
    expect(b.sentPackets()).toMatchObject([{ type: 'auth', reasonCode: 0x18 }]);
    b.brokerSends({ type: 'auth', reasonCode: 0x00, properties: { AuthenticationMethod: method } });
    expect(b.events()).toEqual([{ kind: 'auth', reasonCode: 0x00, properties: { AuthenticationMethod: method } }]);
    expect(b.s.isConnected).toBe(true);
    expect(b.s.reauthenticate(undefined, b.now)).toBe(MQTT_ERR_SUCCESS); // the next one may start
  });

  it('reauthenticate needs a connection that used enhanced auth, and the same method', () => {
    const plain = connected();
    expect(() => plain.s.reauthenticate({}, plain.now)).toThrow(ValueError);
    const b = start();
    expect(b.s.reauthenticate({}, b.now)).toBe(MQTT_ERR_NO_CONN); // not connected yet
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0 });
    expect(() => b.s.reauthenticate({ AuthenticationMethod: 'PLAIN' }, b.now)).toThrow(/AuthenticationMethod must stay/);
    const v4 = new ScriptedBroker({ protocol: 4 }, T0);
    expect(() => v4.s.reauthenticate({}, v4.now)).toThrow(/needs MQTT 5/);
  });

  const violations: Array<[string, (b: ScriptedBroker) => void, () => ScriptedBroker]> = [
    ['AUTH when CONNECT named no method', (b) => b.brokerSends({ type: 'auth', reasonCode: 0x18, properties: { AuthenticationMethod: method } }),
      () => { const b = new ScriptedBroker({ protocol: 5 }, T0); b.connect(); return b; }],
    ['AUTH with another method', (b) => b.brokerSends({ type: 'auth', reasonCode: 0x18, properties: { AuthenticationMethod: 'PLAIN' } }), start],
    ['AUTH without a method', (b) => b.brokerSends({ type: 'auth', reasonCode: 0x18 }), start],
    ['AUTH 0x00 before CONNACK', (b) => b.brokerSends({ type: 'auth', reasonCode: 0x00, properties: { AuthenticationMethod: method } }), start],
    ['AUTH 0x19 from the server', (b) => b.brokerSends({ type: 'auth', reasonCode: 0x19, properties: { AuthenticationMethod: method } }), start],
    ['CONNACK with another method', (b) => b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0, properties: { AuthenticationMethod: 'PLAIN' } }), start],
  ];
  it.each(violations)('%s: protocol error, DISCONNECT 0x82', (_name, act, make) => {
    const b = make();
    b.sentPackets();
    act(b);
    expect(b.sentPackets()).toEqual([{ type: 'disconnect', reasonCode: 0x82 }]);
    expect(b.events()).toMatchObject([{ kind: 'close', rc: MQTT_ERR_PROTOCOL }]);
  });

  it('AuthenticationData is never written to the log', () => {
    const b = start();
    b.s.logging = true;
    b.brokerSends({ type: 'auth', reasonCode: 0x18, properties: { AuthenticationMethod: method, AuthenticationData: Buffer.from('SECRET-server') } });
    b.s.continueAuth({ AuthenticationData: Buffer.from('SECRET-client') }, b.now);
    expect(logs(b).join('\n')).not.toMatch(/SECRET/);
  });
});

describe('reason strings and user properties in log lines', () => {
  it("acks, SUBACK, CONNACK and DISCONNECT from the server read as paho's lines (properties shown where paho shows them)", () => {
    const b = new ScriptedBroker({ protocol: 5 }, T0);
    b.s.logging = true;
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0, properties: { ReasonString: 'welcome', UserProperty: [['node', 'n1']] } });
    const m = b.publish('t', 'x', 1);
    const [, sub] = b.s.subscribe([{ topic: 's', qos: 0 }], undefined, b.now);
    b.sentPackets();
    b.brokerSends(
      { type: 'puback', packetId: m.mid, reasonCode: 0x10, properties: { ReasonString: 'no subscribers' } },
      { type: 'suback', packetId: sub, reasonCodes: [0x87], properties: { ReasonString: 'denied', UserProperty: [['acl', 'x']] } },
      { type: 'disconnect', reasonCode: 0x8b, properties: { ReasonString: 'shutting down' } },
    );
    const text = logs(b).join('\n');
    expect(text).toContain("Received CONNACK (0, Success) properties=[ReasonString : welcome, UserProperty : [('node', 'n1')]]");
    expect(text).toContain('Received PUBACK (Mid: 1)\n');
    expect(text).toContain('Received SUBACK\n');
    expect(text).toContain('Received DISCONNECT Server shutting down [ReasonString : shutting down]');
    const close = b.history.find((e) => e.kind === 'close');
    expect(close).toMatchObject({ reasonCode: 0x8b, properties: { ReasonString: 'shutting down' }, reason: expect.stringContaining("'shutting down'") });
  });

  it('a failure reason code on an ack is logged as a warning, with its reason string', () => {
    const b = connected();
    b.s.logging = true;
    const m = b.publish('secret/t', 'x', 1);
    b.sentPackets();
    b.brokerSends({ type: 'puback', packetId: m.mid, reasonCode: 0x87, properties: { ReasonString: 'acl' } });
    const warn = b.allEvents().find((e) => e.kind === 'log' && e.level === MQTT_LOG_WARNING);
    expect(warn).toMatchObject({ text: `Message ${m.mid} to 'secret/t' was refused by the broker: reason 0x87 reason string 'acl'` });
  });

  it('paho wording is unchanged when a packet carries nothing extra', () => {
    const b = new ScriptedBroker({ protocol: 5 }, T0);
    b.s.logging = true;
    b.connect();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0 });
    const m = b.publish('t', 'x', 1);
    b.sentPackets();
    b.brokerSends({ type: 'puback', packetId: m.mid });
    const text = logs(b);
    expect(text).toContain('Received CONNACK (0, Success) properties=[]');
    expect(text).toContain(`Received PUBACK (Mid: ${m.mid})`);
  });
});

describe('Parser limit plumbing', () => {
  it('a Parser built for a 5.0 session accepts what fits exactly', () => {
    const p = new Parser({ protocolVersion: 5, maxPacketSize: 10 });
    expect(() => p.feed(encode(pub('t', Buffer.alloc(10 - encode(pub('t', '', 0), 5).length), 0), 5))).not.toThrow();
  });
});
