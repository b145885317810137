/**
 * Read batching (lib/client/readBatching.ts) on the memory transport with jest's fake clock:
 * a dense QoS 0 stream pauses reading for maxDelayMs after each read and loses nothing; a
 * stream that thins out, any QoS 1/2 traffic, and readBatchingSet(0) read eagerly; a brief
 * pause never resumes reading that the incoming high-water mark paused.
 */
import { Client, MQTTMessage, ValueError } from '../../lib';
import { BACKLOG_MESSAGES, DENSE_GAP_MS, DENSE_TURNS, ReadBatching } from '../../lib/client/readBatching';
import { MemoryBroker, publishPacket } from '../support/memoryBroker';
import { advance, deferred, settle, started, useFakeClock } from '../support/wait';

useFakeClock();

/** Sends each message as its own chunk, read in its own turn (the fake clock stands still: every gap is 0). */
async function oneByOne(broker: MemoryBroker, from: number, count: number, qos: 0 | 1 = 0): Promise<void> {
  for (let i = from; i < from + count; i++) {
    broker.send(publishPacket('t', `m${i}`, qos, qos > 0 ? i + 1 : undefined));
    await settle(3);
  }
}

const names = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `m${from + i}`);

describe('ReadBatching (the policy)', () => {
  test('engages at the DENSE_TURNS-th dense turn in a row, stays while reads find a backlog, lets go when one does not', () => {
    const b = new ReadBatching();
    let t = 0;
    expect(b.afterRead(t, 1, 0)).toBe(false); // first read: no gap yet
    for (let i = 1; i < DENSE_TURNS; i++) expect(b.afterRead((t += DENSE_GAP_MS / 2), 1, 0)).toBe(false);
    expect(b.afterRead((t += DENSE_GAP_MS / 2), 1, 0)).toBe(true);
    expect(b.afterRead((t += 1), BACKLOG_MESSAGES, 0)).toBe(true); // after the pause: still a backlog
    expect(b.afterRead((t += 1), BACKLOG_MESSAGES - 1, 0)).toBe(false); // thinned out
    expect(b.afterRead((t += DENSE_GAP_MS / 2), 1, 0)).toBe(false); // counting starts again
  });

  test('a gap of DENSE_GAP_MS or more restarts the count; any packet but a QoS 0 PUBLISH disengages', () => {
    const b = new ReadBatching();
    let t = 0;
    for (let i = 0; i < DENSE_TURNS; i++) b.afterRead((t += DENSE_GAP_MS / 2), 1, 0);
    expect(b.afterRead((t += DENSE_GAP_MS), 1, 0)).toBe(false);
    for (let i = 1; i < DENSE_TURNS; i++) expect(b.afterRead((t += DENSE_GAP_MS / 2), 1, 0)).toBe(false);
    expect(b.afterRead((t += DENSE_GAP_MS / 2), 1, 0)).toBe(true);
    expect(b.afterRead((t += 1), 50, 1)).toBe(false); // a PUBACK, a QoS 1 PUBLISH, ...
    expect(b.afterRead((t += 1), 50, 0)).toBe(false); // not engaged any more: a new streak is needed
  });

  test('reads far apart that each hold a backlog count as dense too (a busy machine reads late, several messages at a time)', () => {
    const b = new ReadBatching();
    let t = 0;
    for (let i = 1; i < DENSE_TURNS; i++) expect(b.afterRead((t += 5), BACKLOG_MESSAGES, 0)).toBe(false);
    expect(b.afterRead((t += 5), BACKLOG_MESSAGES, 0)).toBe(true);
    const c = new ReadBatching();
    for (let i = 0; i < 3 * DENSE_TURNS; i++) expect(c.afterRead((t += 5), BACKLOG_MESSAGES - 1, 0)).toBe(false); // a paced stream
  });

  test('maxDelayMs 0: never', () => {
    const b = new ReadBatching();
    b.maxDelayMs = 0;
    for (let i = 0; i < 100; i++) expect(b.afterRead(i * 0.001, 5, 0)).toBe(false);
  });
});

describe('read batching in the Client', () => {
  test('a dense QoS 0 stream: reading pauses for 1 ms after each read, what arrives meanwhile is read together, nothing lost', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    const got: string[] = [];
    const perTurn: number[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m.payload.toString()); };
    await started(c);
    await oneByOne(broker, 0, DENSE_TURNS);
    expect(broker.peer.clientPaused).toBe(false);
    await oneByOne(broker, DENSE_TURNS, 1); // the DENSE_TURNS-th dense turn
    expect(broker.peer.clientPaused).toBe(true);
    const before = got.length;
    await oneByOne(broker, DENSE_TURNS + 1, 6); // held in the "socket" while paused
    expect(got.length).toBe(before);
    await advance(1);
    perTurn.push(got.length - before);
    expect(perTurn).toEqual([6]); // read in one go after the pause...
    expect(broker.peer.clientPaused).toBe(true); // ...which found a backlog: paused again
    await advance(1); // nothing arrived: reading resumes and stays on
    expect(broker.peer.clientPaused).toBe(false);
    await oneByOne(broker, DENSE_TURNS + 7, 1); // one message: below BACKLOG_MESSAGES, batching lets go
    expect(broker.peer.clientPaused).toBe(false);
    expect(got).toEqual(names(DENSE_TURNS + 8));
    c.disconnect();
  });

  test('a QoS 1 stream is read eagerly: its PUBACKs are never delayed', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    let n = 0;
    c.on_message = () => { n++; };
    await started(c);
    for (let i = 0; i < 3 * DENSE_TURNS; i++) {
      await oneByOne(broker, i, 1, 1);
      expect(broker.peer.clientPaused).toBe(false);
      expect(broker.receivedOf('puback').length).toBe(i + 1);
    }
    expect(n).toBe(3 * DENSE_TURNS);
    c.disconnect();
  });

  test('readBatchingSet(0) turns it off; bad values are a ValueError', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    expect(() => c.readBatchingSet(-1)).toThrow(ValueError);
    expect(() => c.readBatchingSet(1.5)).toThrow(ValueError);
    expect(() => c.readBatchingSet('1' as unknown as number)).toThrow(/maxDelayMs/);
    c.readBatchingSet(0);
    const got: string[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m.payload.toString()); };
    await started(c);
    for (let i = 0; i < 3 * DENSE_TURNS; i++) {
      await oneByOne(broker, i, 1);
      expect(broker.peer.clientPaused).toBe(false);
    }
    expect(got).toEqual(names(3 * DENSE_TURNS));
    c.disconnect();
  });

  test('readBatchingSet(5): the pause lasts 5 ms', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    c.readBatchingSet(5);
    let n = 0;
    c.on_message = () => { n++; };
    await started(c);
    await oneByOne(broker, 0, DENSE_TURNS + 1);
    expect(broker.peer.clientPaused).toBe(true);
    await oneByOne(broker, DENSE_TURNS + 1, 1);
    await advance(4);
    expect(broker.peer.clientPaused).toBe(true);
    expect(n).toBe(DENSE_TURNS + 1);
    await advance(1);
    expect(n).toBe(DENSE_TURNS + 2);
    c.disconnect();
  });

  test('the end of a brief pause does not resume reading that the incoming high-water mark paused', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    const gates: Array<ReturnType<typeof deferred>> = [];
    let slow = false;
    const got: string[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
      got.push(m.payload.toString());
      if (!slow) return undefined;
      const d = deferred();
      gates.push(d);
      return d.promise;
    };
    await started(c);
    await oneByOne(broker, 0, DENSE_TURNS + 1);
    expect(broker.peer.clientPaused).toBe(true); // batching
    slow = true; // from now on each handler waits for its gate
    await oneByOne(broker, DENSE_TURNS + 1, 6);
    await advance(1); // six arrive in one read: one handler runs, five wait; a backlog, so a brief pause again
    expect(c.incomingMessages).toBe(5);
    expect(broker.peer.clientPaused).toBe(true);
    expect(c.readingPaused).toBe(false);
    c.maxIncomingSet(3); // now over the mark: paused by flow control as well
    expect(c.readingPaused).toBe(true);
    await oneByOne(broker, DENSE_TURNS + 7, 1);
    await advance(5); // the brief pause is over, the mark's is not
    expect(broker.peer.clientPaused).toBe(true);
    expect(got.length).toBe(DENSE_TURNS + 2);
    for (let i = 0; i < 6; i++) {
      gates[i].resolve();
      await settle();
    }
    expect(c.readingPaused).toBe(false);
    expect(broker.peer.clientPaused).toBe(false);
    await settle();
    gates[6].resolve();
    await settle();
    expect(got).toEqual(names(DENSE_TURNS + 8));
    expect(c.incomingMessages).toBe(0);
    c.disconnect();
  });
});
