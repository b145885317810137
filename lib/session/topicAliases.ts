/**
 * Outgoing MQTT 5 topic aliases (spec §3.3.2.3.4). The server's CONNACK Topic Alias Maximum
 * says how many aliases we may use on this connection (absent or 0: none). The first PUBLISH
 * on a topic carries the topic and a new alias; later ones carry an empty topic and the alias.
 * Aliases belong to one network connection: the map starts empty on every connection, so a
 * message resent after a reconnect carries its full topic again.
 *
 * Policy: the first `max` distinct topics get aliases and keep them for the connection;
 * further topics go out in full. Re-pointing an alias would cost a full topic each time for a
 * client cycling through many topics, so it would save nothing.
 */
import type { PacketProperties, PublishPacket } from '../protocol/types';

export class TopicAliases {
  private readonly byTopic = new Map<string, number>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.byTopic.size;
  }

  /**
   * Rewrites `p` to use an alias when one is available: a new alias keeps the topic and
   * adds TopicAlias; a known one empties the topic. The properties object is copied, never
   * changed in place (it may be the stored message's, sent again on another connection).
   * Returns what it did: 'new' (an alias was set up), 'known', or null (none available).
   */
  apply(p: PublishPacket): 'new' | 'known' | null {
    let alias = this.byTopic.get(p.topic);
    const known = alias !== undefined;
    if (!known) {
      if (this.byTopic.size >= this.max) return null;
      alias = this.byTopic.size + 1;
      this.byTopic.set(p.topic, alias);
    }
    const props: PacketProperties = p.properties === undefined ? { TopicAlias: alias } : { ...p.properties, TopicAlias: alias };
    p.properties = props;
    if (known) p.topic = '';
    return known ? 'known' : 'new';
  }

  /** The packet `apply()` just gave a new alias is not sent with it: free the alias. */
  undoNew(topic: string): void {
    if (this.byTopic.get(topic) === this.byTopic.size) this.byTopic.delete(topic);
  }
}
