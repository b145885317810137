/**
 * The driver as its collaborators see it (delivery.ts, backpressure.ts, pumpScheduler.ts,
 * auth.ts, events.ts): the session and transport of the current connection, and the few pump
 * steps they trigger. The driver is their link itself: an adapter object would cost idle memory.
 */
import type { Session } from '../session/session';
import type { Transport } from '../transport/types';

export interface ClientLink {
  readonly session: Session;
  /** The open connection's transport, or null. */
  readonly transport: Transport | null;
  /** Received bytes not yet decoded. */
  readonly inbox: readonly Buffer[];
  clock(): number;
  /** Runs the callbacks for the session's events. */
  dispatch(): void;
  /** New input: a pump turn (background) or the end of loop()'s wait. */
  wake(): void;
  /** Writes what was queued at the end of this task. */
  scheduleFlush(): void;
  /** Runs a pump turn soon (setImmediate). */
  schedulePump(): void;
  log(level: number, text: string): void;
}
