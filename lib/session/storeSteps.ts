/**
 * The outgoing flow's steps in the outgoing-message store, once or twice per QoS 1/2 message
 * (sent, released, done). As session.journal(), a failure is reported and never thrown, but
 * without the closure journal() takes for each call.
 */
import type { SessionHost } from './types';

export function storeState(s: SessionHost, mid: number, state: 'sent' | 'released'): void {
  try {
    s.config.store.setState(mid, state, true);
  } catch (e) {
    s.storeFailed(e);
  }
}

export function storeDelete(s: SessionHost, mid: number): void {
  try {
    s.config.store.delete(mid);
  } catch (e) {
    s.storeFailed(e);
  }
}
