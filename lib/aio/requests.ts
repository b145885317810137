/**
 * MQTTClient's SUBSCRIBE and UNSUBSCRIBE requests: sent through the Client, each waits for the
 * broker's SUBACK/UNSUBACK (acks.ts) and keeps the record of live subscriptions (filter -> QoS)
 * that a reconnection without a session re-issues.
 */
import type { Client } from '../client';
import { MQTT_ERR_SUCCESS } from '../constants';
import type { SubscribeOptions } from '../mqtt5/subscribeOptions';
import type { PacketProperties, Subscription } from '../protocol/types';
import { errorString } from '../strings';
import { AckWaits, subscribeQos } from './acks';
import { ClientError } from './errors';

/** Live subscriptions: topic filter -> QoS granted on request. */
export type LiveSubscriptions = Map<string, number>;

/** SUBSCRIBE; resolves with the SUBACK codes and records each filter the broker granted. */
export async function requestSubscribe(
  client: Client, acks: AckWaits, live: LiveSubscriptions, subs: Subscription[], properties?: PacketProperties,
): Promise<number[]> {
  const [rc, mid] = client.subscribe(subs.map((s) => [s.topic, subscribeQos(s)] as [string, number | SubscribeOptions]), 0, properties);
  if (rc !== MQTT_ERR_SUCCESS) throw new ClientError(`subscribe: ${errorString(rc)}`, { rc });
  const codes = await acks.wait(mid, 'subscribe');
  subs.forEach((s, i) => {
    const code = codes[i];
    if (code !== undefined && code < 0x80) live.set(s.topic, s.qos);
  });
  return codes;
}

/**
 * UNSUBSCRIBE (with MQTT 5 `properties`: ValueError on MQTT 3.x); resolves once UNSUBACK
 * arrives, and forgets the filters.
 */
export async function requestUnsubscribe(
  client: Client, acks: AckWaits, live: LiveSubscriptions, filters: string[], properties?: PacketProperties, what = 'unsubscribe',
): Promise<void> {
  const [rc, mid] = client.unsubscribe(filters, properties);
  if (rc !== MQTT_ERR_SUCCESS) throw new ClientError(`${what}: ${errorString(rc)}`, { rc });
  await acks.wait(mid, 'unsubscribe');
  for (const t of filters) live.delete(t);
}
