/**
 * The topic aliases a caller sets paho's way (MQTT 5): `publish(topic, ..., props)` with
 * props.TopicAlias = n maps n to `topic`; `publish('', ..., props)` with the same n then
 * stands for that topic. This is the caller's side of the map, checked at the call so a bad
 * alias is a ValueError rather than a DISCONNECT from the broker (mosquitto closes with 0x94
 * for an alias above its maximum, 0x82 for an empty topic it cannot resolve).
 *
 * The map belongs to one network connection (aliases do in MQTT 5): it is cleared when the
 * connection is lost. What is published while no connection is up belongs to the next one.
 * Every message keeps its full topic (resolved here), so a resend after a reconnect, or a
 * message restored from a store, can always go out in full; topicAliases.ts decides, at send
 * time, whether the wire carries the topic, the alias, or both.
 */
import { ValueError } from '../errors';

export class CallerAliases {
  private byAlias: Map<number, string> | null = null; // created on the first caller alias (idle memory)

  /**
   * Checks publish()'s `topic` and `alias` (properties.TopicAlias) and returns the full topic.
   * `serverMax`: the server's Topic Alias Maximum on this connection, or null before its
   * CONNACK (unknown: any alias is accepted and one above the maximum is sent without it).
   * Throws ValueError naming the argument; records the mapping only when all checks pass.
   */
  resolve(topic: string, alias: number | undefined, v5: boolean, serverMax: number | null): string {
    if (alias === undefined) {
      if (topic === '') throw new ValueError('topic: must not be empty (with MQTT 5 an empty topic needs properties.TopicAlias set to an alias mapped on this connection)');
      return topic;
    }
    if (!v5) throw new ValueError('properties: TopicAlias is MQTT 5 only');
    if (!Number.isInteger(alias) || alias < 1 || alias > 0xffff) {
      throw new ValueError(`properties: TopicAlias must be an integer from 1 to 65535, got ${String(alias)}`);
    }
    if (serverMax !== null && alias > serverMax) {
      throw new ValueError(serverMax === 0
        ? `properties: TopicAlias ${alias}: the server allows no topic aliases on this connection (its CONNACK set no Topic Alias Maximum)`
        : `properties: TopicAlias ${alias} is above the server's Topic Alias Maximum of ${serverMax}`);
    }
    if (topic === '') {
      const mapped = this.byAlias?.get(alias);
      if (mapped === undefined) {
        throw new ValueError(`topic: empty, but TopicAlias ${alias} was never mapped on this connection; publish with the topic and the alias first (aliases do not outlive a connection)`);
      }
      return mapped;
    }
    (this.byAlias ??= new Map<number, string>()).set(alias, topic);
    return topic;
  }

  /** The connection is gone, and its aliases with it. */
  reset(): void {
    this.byAlias = null;
  }
}
