/**
 * A trie of MQTT topic filters, for dispatching a message to the callbacks registered per
 * filter (paho's `message_callback_add`).
 *
 * Why a trie: a daemon may register thousands of filters, and a linear scan calling
 * topicMatchesSub on each would make every message cost O(filters). Walking the trie costs
 * O(topic levels x branches that can match), whatever the number of filters.
 *
 * Semantics are exactly those of {@link topicMatchesSub}:
 *  - '+' matches one level, including an empty one; '#' matches its parent level and
 *    everything below;
 *  - a filter whose first level is a wildcard does not match a topic starting with '$';
 *  - `$share/{group}/{filter}` matches as `{filter}`, but is stored under its full text, so
 *    `$share/a/x` and `$share/b/x` (and `x`) are three different entries;
 *  - an invalid filter (topicFilterProblem() not null) is stored, so get/delete/size work on
 *    it, but it never matches: it is kept out of the trie. Callers that want an error for it
 *    validate before calling set().
 *
 * Order: match() yields values in the insertion order of their filters, as a Map iterates
 * (replacing the value of an existing filter keeps its place). paho yields them in trie
 * order, which no user can predict; insertion order is what users expect.
 */
import { topicFilterProblem } from './protocol/topics';

const DOLLAR = 0x24; // '$'
const PLUS = 0x2b; // '+'
const HASH = 0x23; // '#'
const SHARE_PREFIX = '$share/';

interface Entry<V> {
  readonly filter: string;
  value: V;
  /** Insertion sequence number: sorts matches into insertion order. */
  readonly seq: number;
  /** The node holding this entry, or null for an invalid filter (never matches). */
  readonly node: Node<V> | null;
  /** True when the filter ends in '#': the entry sits in node.hash, else in node.end. */
  readonly isHash: boolean;
}

class Node<V> {
  /** Literal child levels. Created on first use and dropped when emptied, to keep leaves small. */
  lit: Map<string, Node<V>> | null = null;
  /** The '+' child: kept apart from `lit` so match() tests it without a Map lookup. */
  plus: Node<V> | null = null;
  /** Filters that end at this node (`a/b` sits in the node reached by a, b). */
  end: Entry<V>[] | null = null;
  /** Filters that end with '#' below this node (`a/#` sits in node a; `#` in the root). */
  hash: Entry<V>[] | null = null;

  /** `key` is the literal level, or null for the '+' child (and the root). */
  constructor(readonly parent: Node<V> | null, readonly key: string | null) {}

  isEmpty(): boolean {
    return this.lit === null && this.plus === null && this.end === null && this.hash === null;
  }
}

function bySeq(a: Entry<unknown>, b: Entry<unknown>): number {
  return a.seq - b.seq;
}

function removeFrom<V>(list: Entry<V>[], entry: Entry<V>): Entry<V>[] | null {
  const i = list.indexOf(entry);
  if (i >= 0) list.splice(i, 1);
  return list.length === 0 ? null : list;
}

/** A trie of topic filters, each with a value; see the module comment for the semantics. */
export class TopicTree<V> {
  private root = new Node<V>(null, null);
  /** Every entry by its full filter text (shared prefix included), invalid ones too. */
  private entries = new Map<string, Entry<V>>();
  private seq = 0;
  private nodes = 0;
  // Reused by match() so a match allocates nothing once they have grown: match never calls
  // out to user code, so it cannot re-enter and find them in use.
  private readonly found: Entry<V>[] = [];
  private readonly stackNodes: Node<V>[] = [];
  private readonly stackIdx: number[] = [];

  /**
   * `pahoLevels` (MQTTMatcher): filters are taken as paho's MQTTMatcher takes them, level by
   * level with no validation: '$share/{group}/' is three literal levels, a '#' that is not
   * the last level is a literal level, any other text ('a+', '') is a literal level.
   */
  constructor(private readonly pahoLevels = false) {}

  /** Number of filters stored. */
  get size(): number {
    return this.entries.size;
  }

  /** Number of trie nodes besides the root; 0 when empty (specs check that deletion prunes). */
  nodeCount(): number {
    return this.nodes;
  }

  /** The value stored for exactly this filter text, if any. */
  get(filter: string): V | undefined {
    return this.entries.get(filter)?.value;
  }

  /** Stores `value` for `filter`, replacing (in place, keeping its order) the value of an equal filter. */
  set(filter: string, value: V): void {
    const existing = this.entries.get(filter);
    if (existing !== undefined) {
      existing.value = value;
      return;
    }
    const seq = this.seq++;
    const paho = this.pahoLevels;
    if (typeof filter !== 'string' || (!paho && topicFilterProblem(filter) !== null)) {
      this.entries.set(filter, { filter, value, seq, node: null, isHash: false });
      return;
    }
    // A valid shared filter has a non-empty group followed by '/': the inner filter starts after it.
    let i = !paho && filter.startsWith(SHARE_PREFIX) ? filter.indexOf('/', SHARE_PREFIX.length) + 1 : 0;
    let node = this.root;
    const len = filter.length;
    for (;;) {
      const slash = filter.indexOf('/', i);
      const e = slash === -1 ? len : slash;
      if (e === i + 1 && filter.charCodeAt(i) === HASH && (slash === -1 || !paho)) {
        const entry: Entry<V> = { filter, value, seq, node, isHash: true };
        (node.hash ??= []).push(entry);
        this.entries.set(filter, entry);
        return;
      }
      node = this.child(node, e === i + 1 && filter.charCodeAt(i) === PLUS ? null : filter.slice(i, e));
      if (slash === -1) break;
      i = slash + 1;
    }
    const entry: Entry<V> = { filter, value, seq, node, isHash: false };
    (node.end ??= []).push(entry);
    this.entries.set(filter, entry);
  }

  /** Removes `filter` (exact text); true when it was present. Prunes the nodes it leaves empty. */
  delete(filter: string): boolean {
    const entry = this.entries.get(filter);
    if (entry === undefined) return false;
    this.entries.delete(filter);
    let node = entry.node;
    if (node === null) return true;
    if (entry.isHash) node.hash = removeFrom(node.hash!, entry);
    else node.end = removeFrom(node.end!, entry);
    while (node.parent !== null && node.isEmpty()) {
      const parent: Node<V> = node.parent;
      if (node.key === null) {
        parent.plus = null;
      } else {
        parent.lit!.delete(node.key);
        if (parent.lit!.size === 0) parent.lit = null;
      }
      this.nodes--;
      node = parent;
    }
    return true;
  }

  /** Removes every filter. */
  clear(): void {
    this.root = new Node<V>(null, null);
    this.entries.clear();
    this.nodes = 0;
    this.seq = 0;
  }

  /**
   * Appends to `out` the value of every stored filter that matches the topic NAME `topic`
   * (exactly the filters for which topicMatchesSub(filter, topic) is true), in the insertion
   * order of the filters, and returns `out`. The topic is not validated (a '+' in it is a
   * literal character, as in topicMatchesSub).
   */
  match(topic: string, out: V[]): V[] {
    if (typeof topic !== 'string') return out;
    const tlen = topic.length;
    const found = this.found;
    const nodes = this.stackNodes;
    const idx = this.stackIdx;
    // Depth-first walk with an explicit stack (a valid filter may have 30,000 levels: too
    // deep to recurse). Each item is a node and the index where the next topic level starts;
    // an index past tlen means the topic is consumed.
    let sp = 0;
    const root = this.root;
    const dollar = tlen > 0 && topic.charCodeAt(0) === DOLLAR;
    nodes[sp] = root;
    idx[sp++] = 0;
    while (sp > 0) {
      const node = nodes[--sp];
      const ti = idx[sp];
      nodes[sp] = root; // drop the reference, so a pruned subtree can be collected
      // Filters whose first level is a wildcard do not see '$' topics.
      const wild = !(dollar && node === root);
      if (node.hash !== null && wild) for (const entry of node.hash) found.push(entry);
      if (ti > tlen) {
        if (node.end !== null) for (const entry of node.end) found.push(entry);
        continue;
      }
      let e = topic.indexOf('/', ti);
      if (e === -1) e = tlen;
      if (node.plus !== null && wild) {
        nodes[sp] = node.plus;
        idx[sp++] = e + 1;
      }
      if (node.lit !== null) {
        // The slice is the one allocation per level: Map lookup needs a string key.
        const child = node.lit.get(topic.slice(ti, e));
        if (child !== undefined) {
          nodes[sp] = child;
          idx[sp++] = e + 1;
        }
      }
    }
    if (found.length > 1) found.sort(bySeq);
    for (let i = 0; i < found.length; i++) out.push(found[i].value);
    found.length = 0;
    return out;
  }

  private child(node: Node<V>, key: string | null): Node<V> {
    let next = key === null ? node.plus : (node.lit?.get(key) ?? null);
    if (next === null) {
      next = new Node<V>(node, key);
      this.nodes++;
      if (key === null) node.plus = next;
      else (node.lit ??= new Map()).set(key, next);
    }
    return next;
  }
}
