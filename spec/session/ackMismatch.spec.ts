/**
 * Session engine: a broker that answers with the other QoS's acknowledgement.
 *
 * RabbitMQ's MQTT plugin (3.10) grants QoS 1 for QoS 2 and answers a QoS 2 PUBLISH with a
 * PUBACK. paho 1.6.1 and 2.1.0 (_handle_pubackcomp) go by the packet id alone: a PUBACK or a
 * PUBCOMP for any unfinished message ends its flow and fires on_publish (measured against both
 * with a scripted broker: PUBACK for a QoS 2 message, PUBCOMP for a QoS 1 message); a PUBREC
 * for a QoS 1 message gets a PUBREL (_handle_pubrec). The flow ends, the in-flight slot and the
 * store entry are freed, and a warning says the broker downgraded (or upgraded) it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MQTT_LOG_WARNING } from '../../lib/constants';
import { fileStore } from '../../lib/store/file';
import type { OutgoingStore } from '../../lib/store/types';
import { ack, pub, ScriptedBroker } from './harness';

const T0 = 1_000_000;

function connected(config: ConstructorParameters<typeof ScriptedBroker>[0] = {}) {
  const b = new ScriptedBroker(config, T0);
  b.s.logging = true;
  b.connectAndAccept();
  return b;
}

function warnings(b: ScriptedBroker): string[] {
  return b.allEvents().filter((e) => e.kind === 'log' && e.level === MQTT_LOG_WARNING).map((e) => (e as { text: string }).text);
}

describe('PUBACK for a QoS 2 message (a broker that downgrades QoS 2 to 1)', () => {
  it('completes it: published event, waitForPublish resolves, a warning, state freed', async () => {
    const b = connected();
    const info = b.publish('a/b', 'x', 2);
    expect(b.sentPackets()).toEqual([pub('a/b', 'x', 2, 1)]);
    b.brokerSends({ type: 'puback', packetId: 1 });
    expect(b.sentPackets()).toEqual([]); // no PUBREL: the flow is over
    const ev = b.s.takeEvents();
    expect(ev.filter((e) => e.kind !== 'log')).toEqual([{ kind: 'published', mid: 1, reasonCode: 0 }]);
    expect(ev.filter((e) => e.kind === 'log' && e.level === MQTT_LOG_WARNING).map((e) => (e as { text: string }).text))
      .toEqual(["Received PUBACK for QoS 2 message 1 to 'a/b': the broker handled it as QoS 1"]);
    await expect(info.waitForPublish()).resolves.toBeUndefined();
    expect(info.isPublished()).toBe(true);
    expect(b.s.outgoing.size).toBe(0);
    expect(b.s.outgoing.inflight).toBe(0);
  });

  it('frees its in-flight slot: with a window of 1 the next message goes out', () => {
    const b = connected({ maxInflight: 1 });
    b.publish('a/b', 'x', 2);
    b.publish('a/b', 'y', 2);
    expect(b.sentPackets()).toEqual([pub('a/b', 'x', 2, 1)]);
    b.brokerSends({ type: 'puback', packetId: 1 });
    expect(b.sentPackets()).toEqual([pub('a/b', 'y', 2, 2)]);
    b.brokerSends({ type: 'puback', packetId: 2 });
    expect(b.s.outgoing.size).toBe(0);
  });

  it('5.0: the PUBACK reason code reaches the published event', () => {
    const b = connected({ protocol: 5 });
    b.publish('a/b', 'x', 2);
    b.sentPackets();
    b.brokerSends({ type: 'puback', packetId: 1, reasonCode: 0x10 });
    expect(b.events()).toEqual([{ kind: 'published', mid: 1, reasonCode: 0x10 }]);
  });

  it('the store forgets it (a journal of calls)', () => {
    const deleted: number[] = [];
    const store: OutgoingStore = {
      load: () => [], put: () => undefined, setState: () => undefined, delete: (mid) => { deleted.push(mid); },
      clear: () => undefined, flush: () => undefined, close: () => undefined,
    };
    const b = connected({ store });
    b.publish('a/b', 'x', 2);
    b.sentPackets();
    b.brokerSends({ type: 'puback', packetId: 1 });
    expect(deleted).toEqual([1]);
  });

  it('the file store forgets it: nothing is resent after a restart', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-ackmismatch-'));
    try {
      const store = fileStore(dir);
      const b = connected({ cleanSession: false, store });
      b.publish('a/b', 'x', 2);
      b.publish('a/b', 'y', 1);
      b.sentPackets();
      expect(store.liveCount).toBe(2);
      b.brokerSends({ type: 'puback', packetId: 1 }, { type: 'pubcomp', packetId: 2 });
      expect(store.liveCount).toBe(0);
      store.flush();
      store.close();
      const again = fileStore(dir);
      expect(again.load()).toEqual([]);
      again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a second PUBACK, or a late PUBREC, for the finished id is treated as unknown', () => {
    const b = connected();
    b.publish('a/b', 'x', 2);
    b.sentPackets();
    b.brokerSends({ type: 'puback', packetId: 1 });
    b.allEvents();
    b.brokerSends({ type: 'puback', packetId: 1 });
    expect(warnings(b)).toEqual(['Received PUBACK for unknown message id 1']);
    b.brokerSends({ type: 'pubrec', packetId: 1 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 1)]); // released so the broker can finish its side
    expect(b.events()).toEqual([]);
  });
});

describe('PUBCOMP for a QoS 1 message', () => {
  it('completes it with a warning, as paho', async () => {
    const b = connected();
    const info = b.publish('a/b', 'x', 1);
    b.sentPackets();
    b.brokerSends({ type: 'pubcomp', packetId: 1 });
    const ev = b.s.takeEvents();
    expect(ev.filter((e) => e.kind !== 'log')).toEqual([{ kind: 'published', mid: 1, reasonCode: 0 }]);
    expect(ev.some((e) => e.kind === 'log' && e.text === "Received PUBCOMP for QoS 1 message 1 to 'a/b': the broker handled it as QoS 2")).toBe(true);
    await expect(info.waitForPublish()).resolves.toBeUndefined();
    expect(b.s.outgoing.size).toBe(0);
  });
});

describe('PUBREC for a QoS 1 message', () => {
  it('is answered with PUBREL (as paho); the PUBCOMP then completes it', async () => {
    const b = connected();
    const info = b.publish('a/b', 'x', 1);
    b.sentPackets();
    b.brokerSends({ type: 'pubrec', packetId: 1 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 1)]);
    expect(warnings(b)).toEqual(["Received PUBREC for QoS 1 message 1 to 'a/b': the broker handled it as QoS 2"]);
    expect(info.isPublished()).toBe(false);
    b.brokerSends({ type: 'pubcomp', packetId: 1 });
    await expect(info.waitForPublish()).resolves.toBeUndefined();
    expect(b.s.outgoing.size).toBe(0);
  });
});
