/**
 * What Client specs reach behind the public API: the Client's driver (lib/client/driver.ts),
 * its session, and the sizes of its internal collections (leak checks in soak and reliability
 * specs). Test-only: the Client keeps its driver private.
 */
import type { Client } from '../../lib';
import type { ClientDriver } from '../../lib/client/driver';
import type { Session } from '../../lib/session/session';

export function driverOf(client: Client): ClientDriver {
  return (client as unknown as { driver: ClientDriver }).driver;
}

export function sessionOf(client: Client): Session {
  return driverOf(client).session;
}

/** Sizes of the client's internal collections: unfinished flows, undecoded chunks, armed timers. */
export function debugSizes(client: Client): Record<string, number> {
  const d = driverOf(client);
  const s = d.session;
  return {
    outgoing: s.outgoing.size, inflight: s.outgoing.inflight, incomingQos2: s.incomingQos2.size,
    pendingSubscribes: s.pendingSubscribes.size, pendingUnsubscribes: s.pendingUnsubscribes.size,
    inbox: d.inbox.length, timers: (d.pump.timerArmed ? 1 : 0) + (d.connector.reconnectTimerArmed ? 1 : 0),
  };
}
