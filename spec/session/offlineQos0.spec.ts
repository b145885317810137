/**
 * Session engine, QoS 0 while offline. By default paho's refusal (MQTT_ERR_NO_CONN) stands;
 * with offlineQos0 (OutgoingLimits.offlineQos0) QoS 0 published with no accepted connection
 * waits in the bounded QoS 0 queue and goes out, in order, right after CONNACK: ahead of later
 * publishes and of the QoS 1/2 queue. A lost connection keeps what still waits.
 */
import {
  MQTT_ERR_CONN_LOST, MQTT_ERR_NO_CONN, MQTT_ERR_NOT_SUPPORTED, MQTT_ERR_QUEUE_SIZE, MQTT_ERR_SUCCESS,
} from '../../lib/constants';
import type { Packet } from '../../lib/protocol';
import { defaultOutgoingLimits, OutgoingLimits } from '../../lib/session/queueLimits';
import { ScriptedBroker } from './harness';

function offline(limits: Partial<OutgoingLimits> = {}, config: ConstructorParameters<typeof ScriptedBroker>[0] = {}) {
  return new ScriptedBroker({ ...config, limits: { ...defaultOutgoingLimits(), offlineQos0: true, ...limits } });
}

/** What the packets are: a PUBLISH as its payload (with its QoS when not 0), anything else by type. */
function payloads(packets: Packet[]): string[] {
  return packets.map((p) => (p.type !== 'publish' ? p.type : p.qos === 0 ? p.payload.toString() : `${p.payload.toString()}@${p.qos}`));
}

describe('QoS 0 while offline', () => {
  it('default: refused with MQTT_ERR_NO_CONN before connecting, written behind CONNECT while it is outstanding (paho)', () => {
    const b = new ScriptedBroker();
    const refused = b.publish('t', 'a', 0);
    expect(refused.rc).toBe(MQTT_ERR_NO_CONN);
    expect(b.s.qos0Waiting.length).toBe(0);
    b.s.startConnection(b.now);
    b.publish('t', 'b', 0);
    expect(payloads(b.sentPackets())).toEqual(['connect', 'b']);
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0 });
    expect(b.sentPackets()).toEqual([]);
  });

  it('offlineQos0: queued (rc MQTT_ERR_SUCCESS) before connecting and before CONNACK, sent in order after CONNACK, ahead of later publishes', async () => {
    const b = offline();
    const before = ['a', 'b'].map((p) => b.publish('t', p, 0));
    expect(before.map((i) => i.rc)).toEqual([MQTT_ERR_SUCCESS, MQTT_ERR_SUCCESS]);
    expect(new Set(before.map((i) => i.mid)).size).toBe(2); // QoS 0 has no packet id; paho still reports one
    expect([b.s.qos0Waiting.length, b.s.qos0Waiting.bytes]).toEqual([2, 4]);
    expect(before.some((i) => i.isPublished())).toBe(false);

    b.s.startConnection(b.now);
    const connecting = b.publish('t', 'c', 0); // CONNECT outstanding: it waits too, behind a and b
    expect(connecting.rc).toBe(MQTT_ERR_SUCCESS);
    expect(payloads(b.sentPackets())).toEqual(['connect']);

    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0 });
    const later = b.publish('t', 'd', 0);
    expect(payloads(b.sentPackets())).toEqual(['a', 'b', 'c', 'd']);
    expect(b.s.qos0Waiting.length).toBe(0);
    for (const info of [...before, connecting, later]) {
      expect(info.isPublished()).toBe(true);
      await info.waitForPublish();
    }
    const published = b.events().filter((e) => e.kind === 'published').map((e) => (e as { mid: number }).mid);
    expect(published).toEqual([...before, connecting, later].map((i) => i.mid));
  });

  it('QoS 0 queued offline goes out ahead of the QoS 1/2 queue, clean session or not', () => {
    for (const cleanSession of [true, false]) {
      const b = offline({}, { cleanSession });
      b.publish('t', 'a', 0);
      b.publish('t', 'x', 1);
      b.publish('t', 'b', 0);
      expect(payloads(b.connectAndAccept())).toEqual(['a', 'b', 'x@1']);
    }
  });

  it('bounded by count: reject-newest refuses with MQTT_ERR_QUEUE_SIZE and counts it', () => {
    const b = offline({ maxQueuedQos0: 2 });
    expect(b.publish('t', 'a', 0).rc).toBe(MQTT_ERR_SUCCESS);
    expect(b.publish('t', 'b', 0).rc).toBe(MQTT_ERR_SUCCESS);
    const full = b.publish('t', 'c', 0);
    expect(full.rc).toBe(MQTT_ERR_QUEUE_SIZE);
    expect(b.s.rejectedMessages).toBe(1);
    expect(payloads(b.connectAndAccept())).toEqual(['a', 'b']);
  });

  it('bounded by bytes (payload + topic)', () => {
    const b = offline({ maxQueuedQos0: 0, maxQueuedQos0Bytes: 100 });
    expect(b.publish('t', Buffer.alloc(60), 0).rc).toBe(MQTT_ERR_SUCCESS); // 61
    expect(b.publish('t', Buffer.alloc(39), 0).rc).toBe(MQTT_ERR_QUEUE_SIZE); // 61 + 40 > 100
    expect(b.publish('t', Buffer.alloc(38), 0).rc).toBe(MQTT_ERR_SUCCESS); // 61 + 39 = 100
    expect([b.s.qos0Waiting.length, b.s.qos0Waiting.bytes]).toEqual([2, 100]);
    expect(b.connectAndAccept().map((p) => (p.type === 'publish' ? p.payload.length : -1))).toEqual([60, 38]);
  });

  it('drop-oldest: the oldest queued fails with MQTT_ERR_QUEUE_SIZE, the newest is kept', async () => {
    const b = offline({ maxQueuedQos0: 2, policy: 'drop-oldest' });
    const [a, , c] = ['a', 'b', 'c'].map((p) => b.publish('t', p, 0));
    expect(c.rc).toBe(MQTT_ERR_SUCCESS);
    await expect(a.waitForPublish()).rejects.toEqual(expect.objectContaining({ rc: MQTT_ERR_QUEUE_SIZE }));
    expect(b.s.droppedMessages).toBe(1);
    expect(payloads(b.connectAndAccept())).toEqual(['b', 'c']);
  });

  it('a lost connection keeps what still waits (never written); what was handed to the writer fails with MQTT_ERR_CONN_LOST', async () => {
    const b = offline();
    b.connectAndAccept();
    const written = b.publish('t', 'w', 0); // in the output, not yet taken by the writer
    b.s.connectionLost();
    await expect(written.waitForPublish()).rejects.toEqual(expect.objectContaining({ rc: MQTT_ERR_CONN_LOST }));
    const during = b.publish('t', 'a', 0);
    expect(during.rc).toBe(MQTT_ERR_SUCCESS);
    b.s.startConnection(b.now);
    b.publish('t', 'b', 0);
    b.s.connectionLost(); // lost again before CONNACK: both wait on
    expect(b.s.qos0Waiting.length).toBe(2);
    expect(payloads(b.connectAndAccept())).toEqual(['a', 'b']);
    expect(during.isPublished()).toBe(true);
  });

  it('a refused CONNACK keeps them for the next connection', () => {
    const b = offline();
    b.publish('t', 'a', 0);
    b.s.startConnection(b.now);
    b.sentPackets();
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 5 }); // not authorised
    expect(b.sentPackets()).toEqual([]);
    b.s.connectionLost();
    expect(payloads(b.connectAndAccept())).toEqual(['a']);
  });

  it('a writer blocked at CONNACK: they wait until it drains, and later QoS 0 waits behind them', () => {
    const b = offline();
    b.publish('t', 'a', 0);
    b.s.startConnection(b.now);
    b.sentPackets();
    b.s.writeBlocked = true;
    b.brokerSends({ type: 'connack', sessionPresent: false, reasonCode: 0 });
    b.publish('t', 'b', 0);
    expect(b.sentPackets()).toEqual([]);
    b.s.writeUnblocked(b.now);
    expect(payloads(b.sentPackets())).toEqual(['a', 'b']);
  });

  it("dropWaitingQos0 (the user's disconnect()) fails what waits with MQTT_ERR_NO_CONN", async () => {
    const b = offline();
    const a = b.publish('t', 'a', 0);
    b.s.dropWaitingQos0(MQTT_ERR_NO_CONN);
    await expect(a.waitForPublish()).rejects.toEqual(expect.objectContaining({ rc: MQTT_ERR_NO_CONN }));
    expect(b.connectAndAccept()).toEqual([]);
  });

  it('MQTT 5: a retained message queued offline, to a broker without Retain Available, fails with MQTT_ERR_NOT_SUPPORTED', async () => {
    const b = offline({}, { protocol: 5 });
    const retained = b.publish('t', 'r', 0, true);
    const plain = b.publish('t', 'p', 0);
    expect(payloads(b.connectAndAccept(false, { RetainAvailable: 0 }))).toEqual(['p']);
    await expect(retained.waitForPublish()).rejects.toEqual(expect.objectContaining({ rc: MQTT_ERR_NOT_SUPPORTED }));
    expect(plain.isPublished()).toBe(true);
  });
});
