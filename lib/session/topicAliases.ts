/**
 * Outgoing MQTT 5 topic aliases on one network connection (spec §3.3.2.3.4), as they stand on
 * the wire. The server's CONNACK Topic Alias Maximum says how many aliases we may use on this
 * connection (absent or 0: none). A PUBLISH with a topic and an alias sets the alias; one with
 * an empty topic and the alias uses it. Aliases belong to one network connection: a new
 * TopicAliases is made for every connection, so a message resent after a reconnect carries
 * its full topic again.
 *
 * Two schemes, one per connection:
 *  - automatic (callers who set no TopicAlias): the first `max` distinct topics get aliases and
 *    keep them for the connection; further topics go out in full. Re-pointing an alias would
 *    cost a full topic each time for a client cycling through many topics, so it would save nothing.
 *  - the caller's (paho's way: properties.TopicAlias on publish()): the message carries the
 *    caller's alias; the topic goes along whenever the server does not already know the alias
 *    as that topic (first use, re-pointing, a new connection), else it is left out. The first
 *    caller alias on a connection turns automatic assignment off for the rest of it; the
 *    server simply sees those aliases re-pointed, so nothing sent before becomes wrong.
 * Either way the decision is made from what was really sent, so messages sent out of publish
 * order (QoS 0 past a full in-flight window) never use an alias the server has not seen.
 */
import type { PacketProperties, PublishPacket } from '../protocol/types';

/** `properties` without TopicAlias (the same object when it has none; undefined when nothing is left). */
export function withoutAlias(properties: PacketProperties | undefined): PacketProperties | undefined {
  if (properties?.TopicAlias === undefined) return properties;
  const { TopicAlias: _alias, ...rest } = properties;
  void _alias;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

export class TopicAliases {
  /** What the server knows on this connection: alias -> topic. */
  private readonly byAlias = new Map<number, string>();
  /** The automatic scheme's topic -> alias, or null once the caller set an alias on this connection. */
  private auto: Map<string, number> | null = new Map<string, number>();
  /** The mapping apply() replaced last, for undoNew(). */
  private lastAlias = 0;
  private lastPrevious: string | undefined = undefined;

  constructor(readonly max: number) {}

  /** Aliases the server knows on this connection. */
  get size(): number {
    return this.byAlias.size;
  }

  /** Whether automatic assignment is still on for this connection. */
  get automatic(): boolean {
    return this.auto !== null;
  }

  /** The caller set an alias: automatic assignment stays off for the rest of this connection. */
  useCallerScheme(): void {
    this.auto = null;
  }

  /**
   * Rewrites `p` for the wire: a new (or re-pointed) alias keeps the topic and carries
   * TopicAlias; a known one empties the topic. A caller's alias above the maximum is dropped
   * (the full topic goes). The properties object is copied, never changed in place (it may be
   * the stored message's, sent again on another connection).
   * Returns what it did: 'new' (an alias was set up), 'known', or null (no alias sent).
   */
  apply(p: PublishPacket): 'new' | 'known' | null {
    const wanted = p.properties?.TopicAlias;
    let alias: number | undefined;
    if (wanted !== undefined) {
      this.auto = null;
      if (wanted > this.max) {
        p.properties = withoutAlias(p.properties);
        return null;
      }
      alias = wanted;
    } else {
      const auto = this.auto;
      if (auto === null) return null;
      alias = auto.get(p.topic);
      if (alias === undefined) {
        if (auto.size >= this.max) return null;
        alias = auto.size + 1;
        auto.set(p.topic, alias);
      }
    }
    const known = this.byAlias.get(alias) === p.topic;
    if (!known) {
      this.lastAlias = alias;
      this.lastPrevious = this.byAlias.get(alias);
      this.byAlias.set(alias, p.topic);
    }
    if (wanted === undefined) p.properties = p.properties === undefined ? { TopicAlias: alias } : { ...p.properties, TopicAlias: alias };
    if (known) p.topic = '';
    return known ? 'known' : 'new';
  }

  /** The packet `apply()` just set an alias up for is not sent with it: the server's map stays as it was. */
  undoNew(): void {
    const alias = this.lastAlias;
    const topic = this.byAlias.get(alias);
    if (this.lastPrevious === undefined) this.byAlias.delete(alias);
    else this.byAlias.set(alias, this.lastPrevious);
    if (topic !== undefined && this.auto !== null && this.auto.get(topic) === alias && alias === this.auto.size) this.auto.delete(topic);
  }
}
