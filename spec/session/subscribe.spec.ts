/**
 * Session engine: SUBSCRIBE/SUBACK and UNSUBSCRIBE/UNSUBACK (MQTT 3.1.1 §3.8-3.11,
 * MQTT 5.0 §3.8-3.11).
 */
import { MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS, MQTT_LOG_WARNING } from '../../lib/constants';
import { ScriptedBroker } from './harness';

const T0 = 1_000_000;

function connected(config: ConstructorParameters<typeof ScriptedBroker>[0] = {}) {
  const b = new ScriptedBroker(config, T0);
  b.connectAndAccept();
  return b;
}

/** A subscription as the parser reports it (options filled in). */
function sub(topic: string, qos: 0 | 1 | 2) {
  return { topic, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 };
}

describe('SUBSCRIBE', () => {
  it('sends SUBSCRIBE; SUBACK gives a subscribed event with the granted codes, 0x80 included', () => {
    const b = connected();
    const [rc, mid] = b.s.subscribe([{ topic: 'a/#', qos: 1 }, { topic: 'b/+', qos: 2 }, { topic: 'denied', qos: 0 }], undefined, b.now);
    expect(rc).toBe(MQTT_ERR_SUCCESS);
    expect(mid).toBe(1);
    expect(b.sentPackets()).toEqual([{
      type: 'subscribe', packetId: 1, subscriptions: [sub('a/#', 1), sub('b/+', 2), sub('denied', 0)],
    }]);
    expect(b.s.pendingSubscribes.size).toBe(1);
    b.brokerSends({ type: 'suback', packetId: 1, reasonCodes: [1, 1, 0x80] });
    expect(b.events()).toEqual([{ kind: 'subscribed', mid: 1, reasonCodes: [1, 1, 0x80] }]);
    expect(b.s.pendingSubscribes.size).toBe(0);
    expect(b.sentPackets()).toEqual([]);
  });

  it('several subscribes in flight, acknowledged out of order', () => {
    const b = connected();
    const [, m1] = b.s.subscribe([{ topic: 'x', qos: 0 }], undefined, b.now);
    const [, m2] = b.s.subscribe([{ topic: 'y', qos: 1 }], undefined, b.now);
    expect(m1).not.toBe(m2);
    b.sentPackets();
    b.brokerSends({ type: 'suback', packetId: m2, reasonCodes: [1] }, { type: 'suback', packetId: m1, reasonCodes: [0] });
    expect(b.events()).toEqual([
      { kind: 'subscribed', mid: m2, reasonCodes: [1] },
      { kind: 'subscribed', mid: m1, reasonCodes: [0] },
    ]);
    expect(b.s.pendingSubscribes.size).toBe(0);
  });

  it('5.0: subscription options and properties go out; SUBACK reason codes and properties come back', () => {
    const b = connected({ protocol: 5 });
    const [rc, mid] = b.s.subscribe(
      [{ topic: 'a/#', qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 2 }],
      { SubscriptionIdentifier: 7, UserProperty: [['k', 'v']] }, b.now,
    );
    expect(rc).toBe(MQTT_ERR_SUCCESS);
    expect(b.sentPackets()).toEqual([{
      type: 'subscribe', packetId: mid,
      subscriptions: [{ topic: 'a/#', qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 2 }],
      properties: { SubscriptionIdentifier: 7, UserProperty: [['k', 'v']] },
    }]);
    b.brokerSends({ type: 'suback', packetId: mid, reasonCodes: [0x87], properties: { ReasonString: 'nope' } });
    expect(b.events()).toEqual([{ kind: 'subscribed', mid, reasonCodes: [0x87], properties: { ReasonString: 'nope' } }]);
  });

  it('not connected: [MQTT_ERR_NO_CONN, 0], nothing sent', () => {
    const b = new ScriptedBroker({}, T0);
    expect(b.s.subscribe([{ topic: 'a', qos: 0 }], undefined, b.now)).toEqual([MQTT_ERR_NO_CONN, 0]);
    expect(b.s.takeOutgoing(b.now)).toBeNull();
    expect(b.s.pendingSubscribes.size).toBe(0);
  });

  it('after the connection is lost: [MQTT_ERR_NO_CONN, 0]', () => {
    const b = connected();
    b.s.connectionLost();
    expect(b.s.subscribe([{ topic: 'a', qos: 0 }], undefined, b.now)).toEqual([MQTT_ERR_NO_CONN, 0]);
  });

  it('SUBACK for an unknown id is ignored (a log line only)', () => {
    const b = connected();
    b.s.logging = true;
    b.allEvents();
    b.brokerSends({ type: 'suback', packetId: 55, reasonCodes: [0] });
    const ev = b.allEvents();
    expect(ev.filter((e) => e.kind !== 'log')).toEqual([]);
    expect(ev).toContainEqual(expect.objectContaining({ kind: 'log', level: MQTT_LOG_WARNING }));
    expect(b.s.isConnected).toBe(true);
  });

  it('pending SUBSCRIBE/UNSUBSCRIBE are dropped when the connection is lost and not resent (MQTT 3.1.1 [MQTT-4.4.0-1] requires only PUBLISH/PUBREL)', () => {
    const b = connected({ cleanSession: false });
    b.s.subscribe([{ topic: 'a', qos: 0 }], undefined, b.now);
    b.s.unsubscribe(['a'], undefined, b.now);
    b.sentPackets();
    b.s.connectionLost();
    expect(b.s.pendingSubscribes.size).toBe(0);
    expect(b.s.pendingUnsubscribes.size).toBe(0);
    expect(b.connectAndAccept(true)).toEqual([]); // not resent
  });
});

describe('UNSUBSCRIBE', () => {
  it('sends UNSUBSCRIBE; UNSUBACK gives an unsubscribed event (3.1.1: no reason codes)', () => {
    const b = connected();
    const [rc, mid] = b.s.unsubscribe(['a/#', 'b'], undefined, b.now);
    expect(rc).toBe(MQTT_ERR_SUCCESS);
    expect(b.sentPackets()).toEqual([{ type: 'unsubscribe', packetId: mid, topics: ['a/#', 'b'] }]);
    expect(b.s.pendingUnsubscribes.size).toBe(1);
    b.brokerSends({ type: 'unsuback', packetId: mid });
    expect(b.events()).toEqual([{ kind: 'unsubscribed', mid, reasonCodes: [] }]);
    expect(b.s.pendingUnsubscribes.size).toBe(0);
  });

  it('5.0: UNSUBACK reason codes, one per filter', () => {
    const b = connected({ protocol: 5 });
    const [, mid] = b.s.unsubscribe(['a', 'b'], { UserProperty: [['x', 'y']] }, b.now);
    expect(b.sentPackets()).toEqual([{ type: 'unsubscribe', packetId: mid, topics: ['a', 'b'], properties: { UserProperty: [['x', 'y']] } }]);
    b.brokerSends({ type: 'unsuback', packetId: mid, reasonCodes: [0x00, 0x11] });
    expect(b.events()).toEqual([{ kind: 'unsubscribed', mid, reasonCodes: [0x00, 0x11] }]);
  });

  it('not connected: [MQTT_ERR_NO_CONN, 0]', () => {
    const b = new ScriptedBroker({}, T0);
    expect(b.s.unsubscribe(['a'], undefined, b.now)).toEqual([MQTT_ERR_NO_CONN, 0]);
    expect(b.s.takeOutgoing(b.now)).toBeNull();
  });

  it('UNSUBACK for an unknown id is ignored', () => {
    const b = connected();
    b.brokerSends({ type: 'unsuback', packetId: 9 });
    expect(b.events()).toEqual([]);
    expect(b.s.isConnected).toBe(true);
  });

  it('a SUBACK does not complete an UNSUBSCRIBE of the same id, nor the reverse', () => {
    const b = connected();
    const [, mid] = b.s.unsubscribe(['a'], undefined, b.now);
    b.brokerSends({ type: 'suback', packetId: mid, reasonCodes: [0] });
    expect(b.events()).toEqual([]);
    expect(b.s.pendingUnsubscribes.size).toBe(1);
  });
});
