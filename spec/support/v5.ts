/**
 * MQTT 5 helpers for Client specs: the Client's engine, for what the public surface does
 * not reach (SUBSCRIBE with raw Subscription objects, limits adopted from CONNACK).
 */
import type { Client } from '../../lib';
import type { Session } from '../../lib/session/session';

export function sessionOf(client: Client): Session {
  return (client as unknown as { session: Session }).session;
}
