/**
 * MQTT 5 helpers for Client specs. `setConnectProperties` puts CONNECT properties (Session
 * Expiry Interval, Authentication Method, ...) into the client's session config, where the
 * engine reads them; once `connect(..., cleanStart, properties)` exists, specs may pass them
 * there instead.
 */
import type { Client } from '../../lib';
import type { PacketProperties } from '../../lib/protocol/types';
import type { Session } from '../../lib/session/session';

export function sessionOf(client: Client): Session {
  return (client as unknown as { session: Session }).session;
}

export function setConnectProperties(client: Client, properties: PacketProperties | undefined): void {
  sessionOf(client).config.connectProperties = properties;
}
