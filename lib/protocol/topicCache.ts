/**
 * Encoded, validated topic names, cached. A client publishes to the same few topics all
 * day: caching their UTF-8 bytes skips both the validation scan and the encoding on the
 * hot path. Bounded: the cache is dropped whole when it fills, so a stream of unique
 * topics costs no more than no cache.
 */
import { ProtocolError } from './errors';
import { stringLength } from './writer';

const MAX_ENTRIES = 1024;
/** Topics longer than this are encoded each time rather than cached. */
const MAX_CACHED_LENGTH = 256;
let cache = new Map<string, Buffer>();

/** The UTF-8 bytes of a valid topic name; throws ProtocolError for an invalid one. */
export function topicBytes(topic: string): Buffer {
  const hit = cache.get(topic);
  if (hit !== undefined) return hit;
  const bytes = encodeTopicName(topic);
  if (topic.length <= MAX_CACHED_LENGTH) {
    if (cache.size >= MAX_ENTRIES) cache = new Map();
    cache.set(topic, bytes);
  }
  return bytes;
}

function encodeTopicName(topic: string): Buffer {
  if (typeof topic !== 'string') throw new ProtocolError('empty-topic', `topic must be a string, got ${typeof topic}`);
  if (topic.length === 0) throw new ProtocolError('empty-topic', 'topic name is empty');
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0x23 || c === 0x2b) {
      throw new ProtocolError('topic-wildcard', `topic name '${topic}' contains the wildcard '${topic[i]}'`);
    }
  }
  stringLength(topic, 'topic name');
  return Buffer.from(topic, 'utf8');
}
