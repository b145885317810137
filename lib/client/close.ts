/**
 * Ending a Client for good, shared by the drivers built on it (aio's MQTTClient and the
 * one-shot helpers): one copy, so a fix to the close sequence reaches both.
 */
import type { Client } from '../client';
import { MQTT_ERR_SUCCESS } from '../constants';
import type { PacketProperties } from '../protocol/types';

/** Longest wait for the broker to close the connection after DISCONNECT, in ms. */
export const DISCONNECT_WAIT_MS = 5000;

/**
 * Sends DISCONNECT (if connected), resolves once the connection is closed ('disconnect' or
 * 'connect_fail', at most `ms` later: 5 s by default), then stops the loop. `properties`: the
 * MQTT 5 DISCONNECT properties, checked by the caller (a throw here would leave the timer).
 */
export async function closeClient(client: Client, ms = DISCONNECT_WAIT_MS, properties?: PacketProperties): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      client.off('disconnect', done);
      client.off('connect_fail', done);
      resolve();
    }
    client.on('disconnect', done);
    client.on('connect_fail', done);
    if (client.disconnect(undefined, properties) !== MQTT_ERR_SUCCESS) done();
  });
  await client.loopStop();
}
