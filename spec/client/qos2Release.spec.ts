/**
 * Incoming QoS 2 through the whole Client (memory transport, scripted broker, fake clock),
 * delivered as paho 1.6 / 2.x deliver it: PUBLISH -> PUBREC at once, no on_message; PUBREL
 * -> on_message, then PUBCOMP. Exactly once across resends and a resumed session; dropped
 * by a clean one; async handlers and maxIncoming backpressure with messages awaiting PUBREL.
 */
import { Client, MQTTMessage } from '../../lib';
import type { Packet } from '../../lib/protocol';
import { MemoryBroker, publishPacket } from '../support/memoryBroker';
import { advance, deferred, settle, started, useFakeClock } from '../support/wait';
import { debugSizes } from '../support/clientInternals';

useFakeClock();

const pubrel = (packetId: number): Packet => ({ type: 'pubrel', packetId });
/** What the client sent on the current connection after CONNECT, as `type:id`. */
const wire = (broker: MemoryBroker): string[] =>
  broker.received.filter((p) => p.type !== 'connect').map((p) => `${p.type}:${(p as { packetId?: number }).packetId ?? ''}`);

/** A client whose on_message records each message with what the broker had received when it ran. */
function recording(broker: MemoryBroker, opts: ConstructorParameters<typeof Client>[0] = {}) {
  const c = broker.client(opts as object);
  const got: Array<{ payload: string; mid: number; dup: boolean; wireAtCall: string[] }> = [];
  c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
    got.push({ payload: m.payload.toString(), mid: m.mid, dup: m.dup, wireAtCall: wire(broker) });
  };
  return { c, got };
}

/** Drops the connection and waits for the automatic reconnect (the broker says whether it kept the session). */
async function reconnect(broker: MemoryBroker, c: Client, sessionPresent: boolean): Promise<void> {
  const before = broker.packets.length;
  broker.sessionPresent = sessionPresent;
  broker.peer.close(new Error('reset'));
  await settle();
  await advance(1000);
  expect(broker.packets.length).toBe(before + 1);
  expect(c.isConnected()).toBe(true);
}

describe('incoming QoS 2, delivered at PUBREL (paho)', () => {
  test('PUBLISH -> PUBREC, no on_message; PUBREL -> on_message, then PUBCOMP', async () => {
    const broker = new MemoryBroker();
    const { c, got } = recording(broker);
    await started(c);
    broker.send(publishPacket('t', 'x', 2, 7));
    await settle();
    expect(got).toEqual([]);
    expect(wire(broker)).toEqual(['pubrec:7']);
    broker.send(pubrel(7));
    await settle();
    // on_message ran after PUBREC and before PUBCOMP was written.
    expect(got).toEqual([{ payload: 'x', mid: 7, dup: false, wireAtCall: ['pubrec:7'] }]);
    expect(wire(broker)).toEqual(['pubrec:7', 'pubcomp:7']);
    c.disconnect();
  });

  test('a DUP PUBLISH before PUBREL is answered with PUBREC and kept once: one on_message', async () => {
    const broker = new MemoryBroker();
    const { c, got } = recording(broker);
    await started(c);
    broker.send(publishPacket('t', 'x', 2, 7));
    await settle();
    broker.send({ ...publishPacket('t', 'x', 2, 7), dup: true } as Packet);
    await settle();
    expect(got).toEqual([]);
    broker.send(pubrel(7), pubrel(7));
    await settle();
    expect(got.map((g) => [g.payload, g.dup])).toEqual([['x', true]]);
    expect(wire(broker)).toEqual(['pubrec:7', 'pubrec:7', 'pubcomp:7', 'pubcomp:7']);
    expect(debugSizes(c).incomingQos2).toBe(0);
    c.disconnect();
  });

  test('resumed session: the message PUBREC\'d before the loss is delivered once at the PUBREL the broker resends', async () => {
    const broker = new MemoryBroker();
    const { c, got } = recording(broker, { clientId: 'keep', cleanSession: false });
    c.reconnectDelaySet(1, 1);
    await started(c);
    broker.send(publishPacket('t', 'kept', 2, 7));
    await settle();
    expect(wire(broker)).toEqual(['pubrec:7']);
    await reconnect(broker, c, true);
    expect(got).toEqual([]);
    expect(debugSizes(c).incomingQos2).toBe(1);
    broker.send(pubrel(7));
    await settle();
    expect(got.map((g) => g.payload)).toEqual(['kept']);
    expect(wire(broker)).toEqual(['pubcomp:7']);
    // Our PUBCOMP lost as well: the next PUBREL is completed, not delivered again.
    await reconnect(broker, c, true);
    broker.send(pubrel(7));
    await settle();
    expect(got).toHaveLength(1);
    expect(wire(broker)).toEqual(['pubcomp:7']);
    c.disconnect();
  });

  test('clean session: the message awaiting PUBREL is dropped (the broker forgot it); a stray PUBREL is completed, not delivered', async () => {
    const broker = new MemoryBroker();
    const { c, got } = recording(broker, { clientId: 'clean', cleanSession: true });
    c.reconnectDelaySet(1, 1);
    await started(c);
    broker.send(publishPacket('t', 'gone', 2, 7));
    await settle();
    await reconnect(broker, c, false);
    expect(debugSizes(c).incomingQos2).toBe(0);
    broker.send(pubrel(7), publishPacket('t', 'new', 2, 7), pubrel(7));
    await settle();
    expect(got.map((g) => g.payload)).toEqual(['new']);
    expect(wire(broker)).toEqual(['pubcomp:7', 'pubrec:7', 'pubcomp:7']);
    c.disconnect();
  });

  test('an async handler holds the PUBCOMP until its promise settles; a resent PUBREL meanwhile is not answered; a released message waiting for the handler survives the reconnect', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ clientId: 'async2', cleanSession: false });
    c.reconnectDelaySet(1, 1);
    const gate = deferred();
    const got: string[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m.payload.toString()); return gate.promise; };
    await started(c);
    broker.send(publishPacket('t', 'slow', 2, 9), pubrel(9), publishPacket('t', 'next', 2, 10), pubrel(10));
    await settle();
    expect(got).toEqual(['slow']);
    expect(c.incomingMessages).toBe(1); // 'next' waits for the handler slot
    expect(wire(broker)).toEqual(['pubrec:9', 'pubrec:10']);
    // The connection drops while the handler runs; the resumed session's broker resends the PUBRELs.
    await reconnect(broker, c, true);
    broker.send(pubrel(9), pubrel(10));
    await settle();
    expect(wire(broker)).toEqual([]);
    gate.resolve();
    await settle();
    expect(got).toEqual(['slow', 'next']); // each once: the broker will not send 'next' again
    expect(wire(broker)).toEqual(['pubcomp:9', 'pubcomp:10']);
    c.disconnect();
  });

  test('maxIncoming does not count messages awaiting PUBREL: reading goes on, so their PUBRELs arrive', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    c.maxIncomingSet(2);
    const gate = deferred();
    const got: string[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m.payload.toString()); return gate.promise; };
    await started(c);
    for (let i = 1; i <= 10; i++) broker.send(publishPacket('t', String(i), 2, i));
    await settle();
    expect(c.readingPaused).toBe(false);
    expect(c.incomingMessages).toBe(0);
    expect(wire(broker)).toEqual(Array.from({ length: 10 }, (_, i) => `pubrec:${i + 1}`));
    for (let i = 1; i <= 10; i++) broker.send(pubrel(i));
    await settle();
    // Delivered ones count: the first runs, the rest wait, and reading pauses at the mark.
    expect(got).toEqual(['1']);
    expect(c.readingPaused).toBe(true);
    gate.resolve();
    await settle();
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));
    expect(wire(broker).filter((w) => w.startsWith('pubcomp'))).toEqual(Array.from({ length: 10 }, (_, i) => `pubcomp:${i + 1}`));
    expect(debugSizes(c).incomingQos2).toBe(0);
    c.disconnect();
  });
});
