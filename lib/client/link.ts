/**
 * The narrow view of a Client that its pump collaborators (delivery.ts, backpressure.ts) get:
 * the session and transport of the current connection, the undecoded inbox, and the few pump
 * steps they trigger. The Client builds it; nothing else of the Client is reachable from them.
 */
import type { Session } from '../session/session';
import type { Transport } from '../transport/types';

/** @internal */
export interface ClientLink {
  readonly session: Session;
  /** The open connection's transport, or null. */
  readonly transport: Transport | null;
  /** Received bytes not yet decoded. */
  inbox: Buffer[];
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
