/**
 * MQTTClient's reconnection loop (amqtt's reconnect): up to `1 + reconnectRetries` attempts
 * (a negative count: no limit), min(reconnectMaxInterval, 2**n) seconds apart (spread by
 * reconnectJitter, as the Client's backoff: client/backoff.ts), then ConnectError. One loop at a time: a second reconnect() joins the one running. The backoff
 * sleep is cancellable: disconnect() and cancelTasks() wake it with their error.
 */
import { Jitter, jittered } from '../client/backoff';
import { asClientError, ConnectError } from './errors';
import { Settler, Waiters } from './waiters';

/** What the loop asks of the client it reconnects. */
export interface ReconnectSteps {
  /** One attempt: open, CONNECT, CONNACK; resolves with the CONNACK code. */
  attempt(): Promise<number>;
  /** True once disconnect() was called: the loop ends. */
  stopped(): boolean;
  /** The connection is gone for good: every waiter fails with `cause`. */
  giveUp(cause: unknown): void;
  log(level: 'debug' | 'warn', text: string): void;
}

interface Sleeper extends Settler {
  timer: NodeJS.Timeout;
}

export class Reconnection {
  private running: Promise<number> | null = null;
  private readonly sleepers = new Waiters<Sleeper>();

  constructor(
    private readonly retries: number,
    private readonly maxIntervalSeconds: number,
    private readonly jitter: Jitter = 'none',
    private readonly random: () => number = Math.random,
  ) {}

  /** Backoff sleeps in progress (0 or 1). */
  get sleeping(): number {
    return this.sleepers.size;
  }

  /** Starts the loop `start` makes, or joins the one running. */
  join(start: () => Promise<number>): Promise<number> {
    if (this.running !== null) return this.running;
    const p = start();
    this.running = p;
    const clear = (): void => {
      if (this.running === p) this.running = null;
    };
    p.then(clear, clear);
    return p;
  }

  /** The attempts and the backoff between them; gives up (steps.giveUp) before it rejects. */
  async loop(steps: ReconnectSteps): Promise<number> {
    const retries = this.retries;
    for (let attempt = 1; ; attempt++) {
      steps.log('debug', `Reconnect attempt ${attempt}`);
      try {
        return await steps.attempt();
      } catch (e) {
        if (steps.stopped()) throw asClientError(e, 'reconnect: disconnect() was called');
        steps.log('warn', `Reconnection attempt failed: ${(e as Error).message}`);
        if (retries >= 0 && retries < attempt) {
          const err = new ConnectError(`Too many failed attempts (${attempt}): ${(e as Error).message}`, {
            cause: e, returnCode: (e as ConnectError).returnCode, rc: (e as ConnectError).rc,
          });
          steps.giveUp(err);
          throw err;
        }
        const delay = jittered(Math.min(this.maxIntervalSeconds, 2 ** attempt), this.jitter, this.random);
        steps.log('debug', `Waiting ${delay} s before the next attempt`);
        try {
          await this.sleep(delay * 1000);
        } catch (cancelled) {
          steps.giveUp(cancelled);
          throw cancelled;
        }
      }
    }
  }

  /** Wakes the backoff sleep with `err`: the loop gives up with it. */
  cancel(err: Error): void {
    for (const s of this.sleepers.takeAll()) s.reject(err);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const s: Sleeper = {
        timer: setTimeout(() => { this.sleepers.take(s); resolve(); }, ms),
        resolve,
        reject: (e: unknown) => { clearTimeout(s.timer); this.sleepers.take(s); reject(e); },
      };
      this.sleepers.add(s);
    });
  }
}
