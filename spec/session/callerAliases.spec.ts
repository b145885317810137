/**
 * Session engine: MQTT 5 topic aliases the caller sets paho's way (properties.TopicAlias on
 * publish, then an empty topic with the same alias). Checked at the call against the server's
 * Topic Alias Maximum and this connection's map; one scheme per connection (the caller's, or
 * automatic assignment); every message keeps its full topic, so what is resent after a
 * reconnect, or restored from a store, never uses an alias the new connection has not seen.
 * The spec plays the broker (spec/session/harness.ts) and asserts the exact PUBLISH bytes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS } from '../../lib/constants';
import { ValueError } from '../../lib/errors';
import type { Packet, PacketProperties, PublishPacket } from '../../lib/protocol/types';
import { publishPacketSize } from '../../lib/session/packetSize';
import { fileStore, FileStore } from '../../lib/store/file';
import { memoryStore } from '../../lib/store/memory';
import type { OutgoingStore, StoredMessage } from '../../lib/store/types';
import { pub, ScriptedBroker } from './harness';

const T0 = 1_000_000;

function connected(connackProps?: PacketProperties, config: ConstructorParameters<typeof ScriptedBroker>[0] = {}): ScriptedBroker {
  const b = new ScriptedBroker({ protocol: 5, ...config }, T0);
  expect(b.connectAndAccept(false, connackProps)).toEqual([]);
  return b;
}

const publishes = (packets: Packet[]): PublishPacket[] => packets.filter((p): p is PublishPacket => p.type === 'publish');
/** [topic on the wire, TopicAlias] of each PUBLISH. */
const wire = (packets: Packet[]): Array<[string, number | undefined]> => publishes(packets).map((p) => [p.topic, p.properties?.TopicAlias]);
const alias = (n: number, more: PacketProperties = {}): PacketProperties => ({ ...more, TopicAlias: n });

describe('caller topic aliases, paho\'s way (MQTT 5.0 §3.3.2.3.4)', () => {
  it('topic + TopicAlias 1, then an empty topic + TopicAlias 1 (exact bytes); both messages keep their full topic', () => {
    const b = connected({ TopicAliasMaximum: 10 });
    const first = b.publish('a/b', 'x', 1, false, alias(1));
    const second = b.publish('', 'y', 1, false, alias(1));
    expect([first.rc, second.rc]).toEqual([MQTT_ERR_SUCCESS, MQTT_ERR_SUCCESS]);
    // 32 0c | 00 03 'a/b' | 00 01 | props 03: 23 00 01 | 'x'
    // 32 09 | 00 00       | 00 02 | props 03: 23 00 01 | 'y'
    expect(b.sentBytes()!.toString('hex')).toBe('320c' + '0003612f62' + '0001' + '03230001' + '78' + '3209' + '0000' + '0002' + '03230001' + '79');
    expect(b.s.outgoing.get(first.mid)!.topic).toBe('a/b');
    expect(b.s.outgoing.get(second.mid)!.topic).toBe('a/b');
  });

  it('QoS 0 the same way; other properties go along', () => {
    const b = connected({ TopicAliasMaximum: 3 });
    b.publish('q/0', '1', 0, false, alias(3, { ContentType: 'text/plain' }));
    b.publish('', '2', 0, false, alias(3, { ContentType: 'text/plain' }));
    const sent = publishes(b.sentPackets());
    expect(sent.map((p) => [p.topic, p.properties])).toEqual([
      ['q/0', { ContentType: 'text/plain', TopicAlias: 3 }], ['', { ContentType: 'text/plain', TopicAlias: 3 }],
    ]);
  });

  it('re-pointing an alias sends the new topic with it; the empty topic then stands for the new one', () => {
    const b = connected({ TopicAliasMaximum: 2 });
    b.publish('one', '1', 0, false, alias(2));
    b.publish('two', '2', 0, false, alias(2));
    b.publish('', '3', 0, false, alias(2));
    expect(wire(b.sentPackets())).toEqual([['one', 2], ['two', 2], ['', 2]]);
  });

  it('the caller\'s properties object is copied at the call: changing it later does not change a queued message', () => {
    const b = new ScriptedBroker({ protocol: 5 }, T0);
    const props = alias(1);
    const info = b.publish('k', 'v', 1, false, props);
    props.TopicAlias = 2;
    expect(b.s.outgoing.get(info.mid)!.properties).toEqual({ TopicAlias: 1 });
  });

  describe('refused at the call with ValueError naming the argument, before any I/O', () => {
    function refused(b: ScriptedBroker, topic: string, props: PacketProperties | undefined, message: RegExp): void {
      expect(() => b.publish(topic, 'x', 1, false, props)).toThrow(ValueError);
      expect(() => b.publish(topic, 'x', 1, false, props)).toThrow(message);
      expect(() => b.publish(topic, 'x', 0, false, props)).toThrow(message);
      expect(b.sentPackets()).toEqual([]);
      expect(b.s.outgoing.size).toBe(0);
    }

    it('an alias above the server\'s Topic Alias Maximum', () => {
      refused(connected({ TopicAliasMaximum: 2 }), 'a', alias(3), /^properties: TopicAlias 3 is above the server's Topic Alias Maximum of 2$/);
    });

    it('any alias when the server set no Topic Alias Maximum (mosquitto\'s max_topic_alias 0 sends none)', () => {
      refused(connected(), 'a', alias(1), /^properties: TopicAlias 1: the server allows no topic aliases/);
      refused(connected({ TopicAliasMaximum: 0 }), 'a', alias(1), /^properties: TopicAlias 1: the server allows no topic aliases/);
    });

    it('alias 0, or not an integer in 1..65535', () => {
      const b = connected({ TopicAliasMaximum: 10 });
      for (const bad of [0, -1, 1.5, 65536, NaN]) refused(b, 'a', alias(bad), /^properties: TopicAlias must be an integer from 1 to 65535/);
    });

    it('an empty topic without an alias', () => {
      refused(connected({ TopicAliasMaximum: 10 }), '', undefined, /^topic: must not be empty/);
      refused(connected({ TopicAliasMaximum: 10 }), '', { ContentType: 'x' }, /^topic: must not be empty/);
    });

    it('an empty topic with an alias this connection never mapped', () => {
      const b = connected({ TopicAliasMaximum: 10 });
      b.publish('a', 'x', 0, false, alias(1));
      b.sentPackets();
      refused(b, '', alias(2), /^topic: empty, but TopicAlias 2 was never mapped on this connection/);
    });

    it('an alias on MQTT 3.1.1', () => {
      const b = new ScriptedBroker({ protocol: 4 }, T0);
      b.connectAndAccept();
      refused(b, 'a', alias(1), /^properties: TopicAlias is MQTT 5 only$/);
    });
  });

  describe('one scheme per connection', () => {
    it('automatic assignment, then a caller alias: automatic assignment stops; the caller\'s alias re-points', () => {
      const b = connected({ TopicAliasMaximum: 4 });
      b.publish('t1', '1', 0);
      b.publish('t2', '2', 0);
      b.publish('c', '3', 0, false, alias(1)); // alias 1 was t1's: re-pointed to c
      b.publish('t1', '4', 0); // automatic assignment is off: full topic, no alias
      b.publish('t2', '5', 0);
      b.publish('', '6', 0, false, alias(1));
      b.publish('t2', '7', 0, false, alias(2)); // the server knows alias 2 as t2 already: topic left out
      expect(wire(b.sentPackets())).toEqual([['t1', 1], ['t2', 2], ['c', 1], ['t1', undefined], ['t2', undefined], ['', 1], ['', 2]]);
    });

    it('autoTopicAlias: false: no alias unless the caller sets one (paho\'s wire); the caller\'s still work', () => {
      const b = connected({ TopicAliasMaximum: 4 }, { autoTopicAlias: false });
      b.publish('p', '1', 0);
      b.publish('p', '2', 0);
      b.publish('c', '3', 0, false, alias(2));
      b.publish('', '4', 0, false, alias(2));
      expect(wire(b.sentPackets())).toEqual([['p', undefined], ['p', undefined], ['c', 2], ['', 2]]);
    });

    it('a caller alias first: messages without one go out in full for the rest of the connection', () => {
      const b = connected({ TopicAliasMaximum: 4 });
      b.publish('c', '1', 0, false, alias(4));
      b.publish('p', '2', 0);
      b.publish('p', '3', 0);
      expect(wire(b.sentPackets())).toEqual([['c', 4], ['p', undefined], ['p', undefined]]);
    });

    it('automatic assignment stops at the call that sets a caller alias, even if that message waits for a window slot', () => {
      const b = connected({ TopicAliasMaximum: 4 }, { maxInflight: 1 });
      b.publish('w', '1', 1); // automatic alias 1; fills the window
      b.publish('c', '2', 1, false, alias(2)); // waits
      b.publish('w', '3', 0); // goes now: in full, automatic assignment is off
      expect(wire(b.sentPackets())).toEqual([['w', 1], ['w', undefined]]);
    });

    it('a caller alias queued offline sets the scheme of the connection that sends it', () => {
      const b = new ScriptedBroker({ protocol: 5 }, T0);
      b.publish('c', '1', 1, false, alias(1));
      b.publish('p', '2', 1);
      b.publish('p', '3', 1);
      expect(wire(b.connectAndAccept(false, { TopicAliasMaximum: 4 }))).toEqual([['c', 1], ['p', undefined], ['p', undefined]]);
    });

    it('a new connection starts with automatic assignment again', () => {
      const b = connected({ TopicAliasMaximum: 4 });
      b.publish('c', '1', 0, false, alias(1));
      b.sentPackets();
      b.s.connectionLost();
      b.connectAndAccept(false, { TopicAliasMaximum: 4 });
      b.publish('p', '2', 0);
      b.publish('p', '3', 0);
      expect(wire(b.sentPackets())).toEqual([['p', 1], ['', 1]]);
    });

    it('the scheme is decided by what was really sent: a QoS 0 message past a full window never uses an alias the server has not seen', () => {
      const b = connected({ TopicAliasMaximum: 4 }, { maxInflight: 1 });
      b.publish('q', '1', 1, false, alias(1));
      b.publish('r', '2', 1, false, alias(1)); // waits for a window slot
      b.publish('', '3', 0, false, alias(1)); // stands for r; goes now, before the QoS 1 message for r
      const first = b.sentPackets();
      expect(wire(first)).toEqual([['q', 1], ['r', 1]]);
      expect(publishes(first)[1].payload.toString()).toBe('3');
      b.brokerSends({ type: 'puback', packetId: publishes(first)[0].packetId! });
      expect(wire(b.sentPackets())).toEqual([['', 1]]); // the QoS 1 message for r: the server knows 1 as r now
    });
  });

  describe('aliases belong to one network connection', () => {
    it('resent after a reconnect: the first carries its full topic (and sets the alias up again), the rest use it', () => {
      const b = new ScriptedBroker({ protocol: 5, cleanSession: false }, T0);
      b.connectAndAccept(false, { TopicAliasMaximum: 10 });
      b.publish('a/b', '1', 1, false, alias(1));
      b.publish('', '2', 1, false, alias(1));
      b.publish('', '3', 2, false, alias(1));
      expect(wire(b.sentPackets())).toEqual([['a/b', 1], ['', 1], ['', 1]]);
      b.s.connectionLost();
      const resent = b.connectAndAccept(true, { TopicAliasMaximum: 10 });
      expect(resent).toEqual([
        pub('a/b', '1', 1, 1, { dup: true, properties: { TopicAlias: 1 } }),
        pub('', '2', 1, 2, { dup: true, properties: { TopicAlias: 1 } }),
        pub('', '3', 2, 3, { dup: true, properties: { TopicAlias: 1 } }),
      ]);
    });

    it('resent after a reconnect when only empty-topic messages are left: the first goes with its full topic', () => {
      const b = new ScriptedBroker({ protocol: 5, cleanSession: false }, T0);
      b.connectAndAccept(false, { TopicAliasMaximum: 10 });
      b.publish('a/b', '1', 1, false, alias(1));
      b.brokerSends({ type: 'puback', packetId: publishes(b.sentPackets())[0].packetId! }); // the mapping message is done
      b.publish('', '2', 1, false, alias(1));
      b.publish('', '3', 1, false, alias(1));
      expect(wire(b.sentPackets())).toEqual([['', 1], ['', 1]]);
      b.s.connectionLost();
      // 3a 0c | 00 03 'a/b' | 00 02 | props 03: 23 00 01 | '2'   (DUP, QoS 1)
      // 3a 09 | 00 00       | 00 03 | props 03: 23 00 01 | '3'
      b.connect();
      b.brokerSends({ type: 'connack', sessionPresent: true, reasonCode: 0, properties: { TopicAliasMaximum: 10 } });
      expect(b.sentBytes()!.toString('hex')).toBe('3a0c' + '0003612f62' + '0002' + '03230001' + '32' + '3a09' + '0000' + '0003' + '03230001' + '33');
    });

    it('resent to a server that allows fewer aliases (or none): full topics, no alias', () => {
      const b = new ScriptedBroker({ protocol: 5, cleanSession: false }, T0);
      b.connectAndAccept(false, { TopicAliasMaximum: 10 });
      b.publish('a/b', '1', 1, false, alias(5));
      b.publish('', '2', 1, false, alias(5));
      b.sentPackets();
      b.s.connectionLost();
      expect(wire(b.connectAndAccept(true, { TopicAliasMaximum: 4 }))).toEqual([['a/b', undefined], ['a/b', undefined]]);
      b.s.connectionLost();
      const again = publishes(b.connectAndAccept(true));
      expect(again.map((p) => [p.topic, p.dup, p.properties])).toEqual([['a/b', true, undefined], ['a/b', true, undefined]]);
    });

    it('the caller\'s map is cleared with the connection: an empty topic needs the alias mapped again', () => {
      const b = connected({ TopicAliasMaximum: 10 });
      b.publish('a/b', '1', 0, false, alias(1));
      b.sentPackets();
      b.s.connectionLost();
      expect(() => b.publish('', '2', 1, false, alias(1))).toThrow(/^topic: empty, but TopicAlias 1 was never mapped on this connection/);
      b.connectAndAccept(false, { TopicAliasMaximum: 10 });
      expect(() => b.publish('', '2', 0, false, alias(1))).toThrow(ValueError);
      b.publish('a/b', '3', 0, false, alias(1));
      b.publish('', '4', 0, false, alias(1));
      expect(wire(b.sentPackets())).toEqual([['a/b', 1], ['', 1]]);
    });

    it('published offline: the server\'s maximum is unknown, so any alias is accepted and checked when sent', () => {
      const b = new ScriptedBroker({ protocol: 5 }, T0);
      b.publish('a/b', '1', 1, false, alias(3));
      b.publish('', '2', 1, false, alias(3)); // mapped offline, for the next connection
      expect(b.publish('', '0', 0, false, alias(3)).rc).toBe(MQTT_ERR_NO_CONN); // QoS 0 offline: paho's refusal, as ever
      expect(wire(b.connectAndAccept(false, { TopicAliasMaximum: 3 }))).toEqual([['a/b', 3], ['', 3]]);
      // The same offline, to a server allowing 2: both go in full; later calls are checked against 2.
      const c = new ScriptedBroker({ protocol: 5 }, T0);
      c.publish('a/b', '1', 1, false, alias(3));
      c.publish('', '2', 1, false, alias(3));
      expect(wire(c.connectAndAccept(false, { TopicAliasMaximum: 2 }))).toEqual([['a/b', undefined], ['a/b', undefined]]);
      expect(() => c.publish('', '3', 1, false, alias(3))).toThrow(/^properties: TopicAlias 3 is above the server's Topic Alias Maximum of 2$/);
    });

    it('QoS 0 before CONNACK (CONNECT written, maximum unknown) goes in full, without the alias', () => {
      const b = new ScriptedBroker({ protocol: 5 }, T0);
      expect(b.connect().map((p) => p.type)).toEqual(['connect']);
      b.publish('a/b', '1', 0, false, alias(1));
      b.publish('', '2', 0, false, alias(1));
      expect(wire(b.sentPackets())).toEqual([['a/b', undefined], ['a/b', undefined]]);
    });

    it('the store gets the full topic (memory store and file store); a restarted client resends it in full', () => {
      const puts: StoredMessage[] = [];
      const mem = memoryStore();
      const recording: OutgoingStore = {
        load: () => mem.load(), put: (m) => { puts.push({ ...m }); }, setState: () => undefined, delete: () => undefined,
        clear: () => undefined, flush: () => undefined, close: () => undefined,
      };
      const b = connected({ TopicAliasMaximum: 10 }, { store: recording });
      b.publish('s/t', '1', 1, false, alias(2));
      b.publish('', '2', 1, false, alias(2));
      expect(puts.map((m) => [m.topic, m.properties?.TopicAlias])).toEqual([['s/t', 2], ['s/t', 2]]);

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-aliases-'));
      let store: FileStore | null = null;
      try {
        store = fileStore(dir);
        const first = new ScriptedBroker({ protocol: 5, cleanSession: false, store }, T0);
        first.connectAndAccept(false, { TopicAliasMaximum: 10 });
        first.publish('f/s', '1', 1, false, alias(1));
        first.publish('', '2', 1, false, alias(1));
        first.sentPackets();
        store.flush();
        store.close();
        store = fileStore(dir); // a restarted process
        const again = new ScriptedBroker({ protocol: 5, cleanSession: false, store }, T0);
        expect(publishes(again.connectAndAccept(true)).map((p) => [p.topic, p.dup, p.properties])).toEqual([
          ['f/s', true, undefined], ['f/s', true, undefined],
        ]);
      } finally {
        store?.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("a message that fits the server's Maximum Packet Size only without its alias goes in full; the alias is set up by the next one", () => {
    const size = publishPacketSize('lim', 20, 1, undefined, 5);
    const b = connected({ TopicAliasMaximum: 2, MaximumPacketSize: size });
    expect(b.publish('lim', Buffer.alloc(20), 1, false, alias(1)).rc).toBe(MQTT_ERR_SUCCESS);
    b.publish('', 'small', 1, false, alias(1));
    b.publish('', 'small', 1, false, alias(1));
    expect(wire(b.sentPackets())).toEqual([['lim', undefined], ['lim', 1], ['', 1]]);
  });

  it('incoming aliases (server to client) are a separate map and still work', () => {
    const b = connected({ TopicAliasMaximum: 10 }, { connectProperties: { TopicAliasMaximum: 5 } });
    b.publish('out', '1', 0, false, alias(1));
    b.brokerSends(pub('in', 'a', 0, undefined, { properties: { TopicAlias: 1 } }), pub('', 'b', 0, undefined, { properties: { TopicAlias: 1 } }));
    b.publish('', '2', 0, false, alias(1));
    const topics = b.events().flatMap((e) => (e.kind === 'message' ? [e.message.topic] : []));
    expect(topics).toEqual(['in', 'in']);
    expect(wire(b.sentPackets())).toEqual([['out', 1], ['', 1]]);
  });
});
