/**
 * The narrow view of a Client that its pump collaborators (delivery.ts, backpressure.ts) get:
 * the session and transport of the current connection, the undecoded inbox, and the few pump
 * steps they trigger. The Client is its own link (no adapter object: ~1 KB per idle client);
 * its members behind it are tagged internal, so the published types leave them out.
 */
import type { Session } from '../session/session';
import type { Transport } from '../transport/types';

/** Not public (index.ts does not export it), but not tagged internal: declarations of the collaborators name it. */
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
