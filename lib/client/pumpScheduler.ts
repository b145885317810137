/**
 * When the driver's pump turns run (DESIGN.md "the pump"): a data event runs one turn at the
 * end of its task (a microtask, coalesced), other wake-ups schedule one turn (setImmediate,
 * coalesced), a publish is written at once and what follows it in the same task at the end of
 * that task (a microtask: a burst of publishes is two writes), one timer waits for the
 * session's next deadline, and loop() waits here for activity. No polling tick. What a turn
 * does is the driver's.
 */
import { armDeadline, DeadlineEntry, disarmDeadline } from './deadlines';
import type { ClientLink } from './link';
import { TurnQueue } from './turnQueue';

/** The pump steps the scheduler runs: the driver's (client/driver.ts). */
export interface PumpSteps {
  /** loopStart()/loopForever() run the pump. */
  runsInBackground(): boolean;
  /** A background turn: loopRead() then loopMisc(). */
  readAndTick(): void;
  /** Hands the session's queued bytes to the transport (one write). */
  flush(): void;
}

export class PumpScheduler implements DeadlineEntry {
  private pumpScheduled = false;
  /** A background pump turn (or a flush task) is running: nothing may start another one inside it. */
  private inTurn = false;
  /** A flush task is queued (queueMicrotask) for what publish/subscribe queued in this task. */
  private flushQueued = false;
  /** The deadline timer: this pump's place among every Client's (deadlines.ts: no Timeout per Client), or -1 while none is armed. */
  deadlineSlot = -1;
  /** When the armed timer is due, in whole ms (a small integer: no heap number per Client); meaningless while none is. */
  private timerAt = 0;
  private waiter: (() => void) | null = null;

  // The turns every Client of the process waits for (turnQueue.ts): no closure per Client. The
  // globals are looked up at each call, as jest's fake timers replace them.
  private static readonly microtaskTurns = new TurnQueue<PumpScheduler>((drain) => queueMicrotask(drain), (s) => s.pumpTurn());
  private static readonly immediateTurns = new TurnQueue<PumpScheduler>((drain) => setImmediate(drain), (s) => s.pumpTurn());
  private static readonly flushTasks = new TurnQueue<PumpScheduler>((drain) => queueMicrotask(drain), (s) => s.runFlushTask());

  constructor(private readonly link: ClientLink, private readonly steps: PumpSteps) {}

  /** The deadline timer is armed (leak checks). */
  get timerArmed(): boolean {
    return this.deadlineSlot >= 0;
  }

  /** New input: run a pump turn (background) or end the wait of loop(). */
  wake(): void {
    if (this.steps.runsInBackground()) this.schedulePump();
    this.endWait();
  }

  /**
   * Bytes arrived (a transport's data event). In the background the turn runs at the end of
   * this task (a microtask), not in a setImmediate of its own: that hop cost a QoS 0 message
   * ~12 µs of its median latency here, and an Immediate per client when one message fans out
   * to thousands of clients in one process. Chunks a stream emits together in one task still
   * make one turn, and a turn already scheduled takes these bytes with it.
   */
  dataArrived(): void {
    // Only on an accepted connection: while connecting, the attempt's own promise steps
    // (connect, reconnect, loopForever's first connection) keep their order against the turn.
    if (this.steps.runsInBackground()) {
      if (!this.link.session.isConnected) {
        this.schedulePump();
      } else if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        PumpScheduler.microtaskTurns.add(this);
      }
    }
    this.endWait();
  }

  /** Ends the wait of loop(), if it is waiting. */
  private endWait(): void {
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w();
    }
  }

  schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    PumpScheduler.immediateTurns.add(this);
  }

  /**
   * A publish/subscribe queued bytes. The first of a task go out now, as paho's publish()
   * writes at once: waiting for the end of the caller's task cost a paced QoS 0 message ~9 µs
   * of its median latency here (the rest of the caller's task ran first). What is queued after
   * them in the same task leaves at its end (a microtask) in one write, which also runs the
   * callbacks (on_publish) and arms the timer, so no callback runs inside the caller's call.
   * Inside a pump turn, the turn's own flush writes them.
   */
  scheduleFlush(): void {
    if (this.link.transport === null || this.inTurn || this.flushQueued) return;
    this.flushQueued = true;
    PumpScheduler.flushTasks.add(this);
    this.inTurn = true;
    try {
      this.steps.flush();
    } finally {
      this.inTurn = false;
    }
  }

  private runFlushTask(): void {
    this.flushQueued = false;
    if (this.inTurn) return;
    this.inTurn = true;
    try {
      this.steps.flush(); // manual mode too: only write what publish() queued, as paho writes at once
      this.link.dispatch();
      this.armTimer();
    } finally {
      this.inTurn = false;
    }
    this.afterTurn();
  }

  private pumpTurn(): void {
    this.pumpScheduled = false;
    if (this.inTurn) return;
    this.inTurn = true;
    try {
      if (this.steps.runsInBackground()) {
        this.steps.readAndTick();
        this.armTimer();
      } else if (this.link.transport !== null) {
        this.steps.flush();
        this.link.dispatch();
      }
    } finally {
      this.inTurn = false;
    }
    this.afterTurn();
  }

  /** The deadline timer fired (deadlines.ts). */
  deadlineDue(): void {
    this.pumpTurn();
  }

  /** Callbacks at the end of a turn queued more bytes: write them in a turn of their own (never a synchronous loop). */
  private afterTurn(): void {
    if (this.link.transport !== null && this.link.session.pendingOutgoingBytes > 0) this.schedulePump();
  }

  /**
   * Keeps one timer for the next session deadline. A deadline that moved later (every write
   * moves the keepalive) keeps the armed timer: it fires early, finds nothing due, and arms
   * again; only an earlier deadline re-arms at once. This spares a clearTimeout/setTimeout per turn.
   */
  armTimer(): void {
    if (!this.steps.runsInBackground()) return;
    const at = this.link.session.nextDeadline();
    if (this.deadlineSlot >= 0 && this.timerAt <= at) return;
    if (at === Infinity) return this.clearTimer();
    this.timerAt = Math.floor(at);
    // Whole ms, as Node's timers count anyway (it truncates).
    armDeadline(this, Math.trunc(Math.max(0, at - this.link.clock())));
  }

  clearTimer(): void {
    disarmDeadline(this);
  }

  waitForActivity(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        if (this.waiter === done) this.waiter = null;
        resolve();
      }, ms);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.waiter = done;
    });
  }
}
