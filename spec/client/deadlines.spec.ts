/**
 * The pumps' deadline timers behind one setTimeout (lib/client/deadlines.ts): a min-heap by due
 * time, with jest's fake clock. Each Client pings on its own keepalive; a client that stops
 * leaves the others' deadlines in place; an idle connection holds no Timeout of its own (idle
 * memory per connection is benchmarked).
 */
import { armDeadline, armedDeadlines, DeadlineEntry, disarmDeadline } from '../../lib/client/deadlines';
import { MemoryBroker } from '../support/memoryBroker';
import { advance, started, useFakeClock } from '../support/wait';
import { driverOf } from '../support/clientInternals';

useFakeClock();

/** An entry that records when (fake ms since the start) it ran. */
function entry(log: Array<[string, number]>, name: string, t0: number): DeadlineEntry {
  return { deadlineSlot: -1, deadlineDue: () => log.push([name, performance.now() - t0]) };
}

describe('the deadline heap', () => {
  test('runs each entry once, at its time, in time order; re-arming moves an entry, disarming drops it', async () => {
    const t0 = performance.now();
    const log: Array<[string, number]> = [];
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => entry(log, n, t0));
    armDeadline(a, 300);
    armDeadline(b, 100);
    armDeadline(c, 200);
    armDeadline(d, 50);
    armDeadline(c, 400); // moved later
    disarmDeadline(d);
    expect([a, b, c, d].map((e) => e.deadlineSlot >= 0)).toEqual([true, true, true, false]);
    expect(jest.getTimerCount()).toBe(1);
    await advance(1000);
    expect(log).toEqual([['b', 100], ['a', 300], ['c', 400]]);
    expect(armedDeadlines()).toBe(0);
    expect(jest.getTimerCount()).toBe(0); // none armed: no timer keeps the process alive
  });

  test('an entry re-armed while it runs waits for the next timer; one armed earlier than the head re-arms the timer', async () => {
    const t0 = performance.now();
    const log: Array<[string, number]> = [];
    const late = entry(log, 'late', t0);
    const again: DeadlineEntry = {
      deadlineSlot: -1,
      deadlineDue: () => {
        log.push(['again', performance.now() - t0]);
        if (log.length < 3) armDeadline(again, 0);
      },
    };
    armDeadline(late, 1000);
    armDeadline(again, 10);
    await advance(20);
    expect(log).toEqual([['again', 10], ['again', 11], ['again', 12]]); // a 0 ms timer takes 1 ms, as Node's own
    await advance(1000);
    expect(log.map(([n]) => n)).toEqual(['again', 'again', 'again', 'late']);
  });

  test('a timer armed under other timers (jest switched them) is replaced: the heap runs at once, nothing is stranded', async () => {
    const log: Array<[string, number]> = [];
    const a = entry(log, 'a', 0);
    armDeadline(a, 60_000);
    jest.useRealTimers();
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const b = entry(log, 'b', 0);
    armDeadline(b, 10);
    await advance(10);
    expect(log.map(([n]) => n).sort()).toEqual(['a', 'b']);
    expect(armedDeadlines()).toBe(0);
  });
});

describe('the deadline heap, as per-Client timers behaved', () => {
  test('an entry disarmed by the turn of another due at the same time does not run (as clearTimeout)', async () => {
    const t0 = performance.now();
    const log: Array<[string, number]> = [];
    const b = entry(log, 'b', t0);
    const c = entry(log, 'c', t0);
    const a: DeadlineEntry = {
      deadlineSlot: -1,
      deadlineDue: () => {
        log.push(['a', performance.now() - t0]);
        disarmDeadline(b); // e.g. a's callback stops client b
        armDeadline(c, 50); // and moves c later
      },
    };
    armDeadline(a, 10);
    armDeadline(b, 10);
    armDeadline(c, 10);
    await advance(100);
    expect(log).toEqual([['a', 10], ['c', 60]]);
    expect(armedDeadlines()).toBe(0);
  });

  test("a timer that fired vouches for its due time: a Client clock out of step with performance.now() still pings", async () => {
    // jest's fake timers with performance left real, and the client's clock Date.now (faked):
    // setTimeout and the client agree, performance.now() barely moves.
    jest.useRealTimers();
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'performance'] });
    const broker = new MemoryBroker(4, { clientId: 'clock', clock: () => Date.now() });
    const c = broker.client();
    await started(c, 10);
    for (let i = 0; i < 11; i++) await advance(1000);
    expect(broker.receivedOf('pingreq').length).toBe(1);
    c.disconnect();
    await c.loopStop();
  });
});

describe('Clients share the timer', () => {
  test('idle clients with different keepalives each ping on time, with one timer between them, and no Timeout of their own', async () => {
    const brokers = [new MemoryBroker(), new MemoryBroker(), new MemoryBroker()];
    const clients = brokers.map((b) => b.client());
    await started(clients[0], 10);
    const timersWithOne = jest.getTimerCount();
    await started(clients[1], 10);
    await started(clients[2], 25);
    expect(jest.getTimerCount()).toBe(timersWithOne);
    for (const c of clients) {
      const pump = driverOf(c).pump as unknown as Record<string, unknown>;
      expect(Object.values(pump).some((v) => v !== null && typeof v === 'object' && 'ref' in (v as object))).toBe(false);
      expect(driverOf(c).pump.timerArmed).toBe(true);
    }
    await advance(10_000);
    expect(brokers.map((b) => b.receivedOf('pingreq').length)).toEqual([1, 1, 0]);
    await advance(15_000);
    expect(brokers.map((b) => b.receivedOf('pingreq').length)).toEqual([2, 2, 1]);
    // One client stops: the others keep their deadlines.
    clients[0].disconnect();
    await clients[0].loopStop();
    expect(driverOf(clients[0]).pump.timerArmed).toBe(false);
    await advance(25_000);
    expect(brokers.map((b) => b.receivedOf('pingreq').length)).toEqual([2, 5, 2]);
    for (const c of clients.slice(1)) {
      c.disconnect();
      await c.loopStop();
    }
    expect(armedDeadlines()).toBe(0);
  });
});
