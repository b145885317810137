/**
 * Backpressure end to end on the memory transport (real timers): a scripted broker feeds
 * 1,000,000 messages as fast as the transport takes them, the consumer's async handler is
 * slow, and the process does not grow: reading pauses at the high-water mark, every message
 * arrives, in order. The heap is measured after a full GC before and after the run.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { Client } from '../../lib';
import { MQTTMessage } from '../../lib';
import { MemoryBroker } from '../support/memoryBroker';
import { debugSizes } from '../support/clientInternals';

/** A full GC, without --expose-gc on the jest worker's command line. */
function gcFunction(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const PAYLOAD = 64;
const PACKET = 2 + 2 + 1 + PAYLOAD;

/** `count` QoS 0 PUBLISHes to topic 't', 64-byte payloads starting with a big-endian sequence number, as one chunk. */
function publishChunk(first: number, count: number): Buffer {
  const b = Buffer.alloc(count * PACKET);
  for (let i = 0; i < count; i++) {
    const o = i * PACKET;
    b[o] = 0x30; // PUBLISH, QoS 0
    b[o + 1] = PACKET - 2; // remaining length: topic length (2) + topic (1) + payload
    b[o + 3] = 1;
    b[o + 4] = 0x74; // 't'
    b.writeUInt32BE(first + i, o + 5);
  }
  return b;
}

const TOTAL = 1_000_000;
const PER_CHUNK = 200; // about 14 KB, a typical socket read
/** Stated bound: heap growth over the run, after a full GC. */
const HEAP_BOUND = 8 * 1024 * 1024;

test(`1,000,000 messages through a slow async consumer: all arrive in order, the heap grows by less than ${HEAP_BOUND / 1048576} MiB`, async () => {
  const gc = gcFunction();
  const broker = new MemoryBroker();
  const c = broker.client({ clientId: 'heap' });
  c.maxIncomingSet(1000);
  let next = 0;
  let outOfOrder = 0;
  let maxWaiting = 0;
  let maxInbox = 0;
  let pauses = 0;
  let wasPaused = false;
  let peakGrowth = 0;
  let before = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  // Slow: every message is handled asynchronously, and every 100th waits for a macrotask turn.
  c.on_message = async (_c: Client, _u: unknown, m: MQTTMessage) => {
    if (m.payload.readUInt32BE(0) !== next) outOfOrder++;
    next++;
    if (next % 100 === 0) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const waiting = c.incomingMessages;
      if (waiting > maxWaiting) maxWaiting = waiting;
      const inbox = debugSizes(c).inbox;
      if (inbox > maxInbox) maxInbox = inbox;
      if (c.readingPaused && !wasPaused) pauses++;
      wasPaused = c.readingPaused;
    }
    // Mid-run heap after a full GC: what the backlog retains (the peak a flood would reach).
    if (next % 200_000 === 0) peakGrowth = Math.max(peakGrowth, heapAfterGc(gc) - before);
    if (next === TOTAL) done();
  };
  await c.connect('broker', 1883, 60);
  c.loopStart();
  await broker.peer.clientDrained();
  before = heapAfterGc(gc);
  const started = Date.now();
  // The broker: writes a chunk, waits until the client has taken it (a paused client takes nothing).
  for (let sent = 0; sent < TOTAL; sent += PER_CHUNK) {
    broker.peer.write(publishChunk(sent, PER_CHUNK));
    if (broker.peer.pendingToClient > 64 * 1024) await broker.peer.clientDrained();
  }
  await finished;
  const seconds = (Date.now() - started) / 1000;
  const after = heapAfterGc(gc);
  c.disconnect();
  await c.loopStop();
  // eslint-disable-next-line no-console
  console.log(`backpressure heap: before ${(before / 1048576).toFixed(1)} MiB, after ${(after / 1048576).toFixed(1)} MiB, ` +
    `growth ${((after - before) / 1048576).toFixed(2)} MiB, peak mid-run growth ${(peakGrowth / 1048576).toFixed(2)} MiB ` +
    `(bound ${HEAP_BOUND / 1048576} MiB); ${TOTAL} messages in ${seconds.toFixed(1)} s; ` +
    `max waiting ${maxWaiting}, max inbox chunks ${maxInbox}, pauses ${pauses}`);
  expect(next).toBe(TOTAL);
  expect(outOfOrder).toBe(0);
  expect(pauses).toBeGreaterThan(0); // the consumer was slow enough to stop the reader
  expect(maxWaiting).toBeLessThanOrEqual(1000 + PER_CHUNK);
  expect(after - before).toBeLessThan(HEAP_BOUND);
  expect(peakGrowth).toBeLessThan(HEAP_BOUND);
}, 60_000);
