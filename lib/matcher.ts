/**
 * paho's MQTTMatcher: topic filters (with wildcards) mapped to values, and iterMatch(topic)
 * over the values of every filter matching a topic name. The trie is lib/topicTree.ts (the one
 * messageCallbackAdd uses), in its paho mode, so filters mean what they mean to paho's
 * matcher: split on '/', '+' any one level, a last '#' the rest, no validation, and
 * '$share/g/x' three literal levels (paho's matcher has no shared-subscription rule).
 *
 * iterMatch yields in paho's trie order: at the first level where two matching filters
 * differ, a filter that ends there comes first, then a literal level, then '+', then '#'.
 *
 * Python's mapping protocol becomes Map's: `m[k] = v` is set(k, v), `m[k]` is get(k)
 * (undefined where paho raises KeyError), `del m[k]` is delete(k) (false where paho raises).
 */
import { ValueError } from './errors';
import { TopicTree } from './topicTree';

type Stored<V> = readonly [filter: string, value: V];

/** paho's MQTTMatcher: topic filters mapped to values; iterMatch(topic) yields the values of the filters that match. */
export class MQTTMatcher<V = unknown> {
  private readonly tree = new TopicTree<Stored<V>>(true);

  /** Associates `value` with the topic filter `key` (paho's `matcher[key] = value`). */
  set(key: string, value: V): void {
    checkString(key, 'key');
    this.tree.set(key, [key, value]);
  }

  /** The value of exactly this filter, or undefined (paho's `matcher[key]`, which raises KeyError instead). */
  get(key: string): V | undefined {
    checkString(key, 'key');
    return this.tree.get(key)?.[1];
  }

  /** True when `key` has a value. */
  has(key: string): boolean {
    checkString(key, 'key');
    return this.tree.get(key) !== undefined;
  }

  /** Removes the filter `key`; false when it had no value (paho's `del matcher[key]`, which raises KeyError instead). */
  delete(key: string): boolean {
    checkString(key, 'key');
    return this.tree.delete(key);
  }

  /** The values of every filter that matches the topic name `topic`, in paho's order. */
  *iterMatch(topic: string): IterableIterator<V> {
    checkString(topic, 'topic');
    const found = this.tree.match(topic, []);
    if (found.length > 1) found.sort(pahoOrder);
    for (const [, value] of found) yield value;
  }
}

function checkString(value: unknown, name: string): void {
  if (typeof value !== 'string') throw new ValueError(`${name}: must be a string, got ${typeof value}`);
}

/** Rank of a filter's level at the first difference: ended < literal < '+' < a last '#'. */
function rank(levels: string[], i: number): number {
  if (i >= levels.length) return 0;
  const l = levels[i];
  if (l === '+') return 2;
  if (l === '#' && i === levels.length - 1) return 3;
  return 1;
}

/** The order paho's recursive walk yields two filters that both match one topic. */
function pahoOrder(a: Stored<unknown>, b: Stored<unknown>): number {
  const la = a[0].split('/');
  const lb = b[0].split('/');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    const d = rank(la, i) - rank(lb, i);
    if (d !== 0) return d;
  }
  return 0;
}
