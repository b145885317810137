/**
 * MQTT topic names and topic filters: validation and matching.
 *
 * Pure functions over JS strings, no Node-only APIs, no regexes, no allocation on the
 * matching path: these run for every PUBLISH sent and every message dispatched.
 *
 * Rules (MQTT 3.1.1 §4.7, MQTT 5.0 §4.7 and §4.8.2):
 *  - a topic NAME (PUBLISH, will) is non-empty and has no '+' or '#';
 *  - a topic FILTER (SUBSCRIBE, UNSUBSCRIBE) is non-empty, '+' occupies a whole level,
 *    '#' is the whole last level; `$share/{group}/{filter}` is a shared subscription
 *    whose group is non-empty without '+', '#' or '/', followed by a non-empty valid filter;
 *  - both: no U+0000, at most 65535 bytes in UTF-8, and well-formed UTF-16 (an unpaired
 *    surrogate has no UTF-8 encoding: it would silently become U+FFFD on the wire).
 */
import { ValueError } from '../errors';

const SLASH = 0x2f; // '/'
const PLUS = 0x2b; // '+'
const HASH = 0x23; // '#'
const DOLLAR = 0x24; // '$'
const NUL = 0x00;

/** Longest string, in UTF-8 bytes, that an MQTT UTF-8 string field can hold. */
export const MAX_TOPIC_BYTES = 65535;
/** A JS string of at most this many UTF-16 units is at most 65535 bytes in UTF-8 (3 bytes per unit at most). */
const SAFE_UNITS = 21845;
const SHARE_PREFIX = '$share/';
const SHARE_PREFIX_LEN = 7;

const UNPAIRED = 'contains an unpaired surrogate (not encodable as UTF-8)';

function tooLong(bytes: number): string {
  return `is ${bytes} bytes in UTF-8, more than ${MAX_TOPIC_BYTES}`;
}

/**
 * Why `topic` is not a valid topic NAME (the topic of a PUBLISH or will), or `null` when it is.
 * Checks: non-empty, no '+' or '#', no U+0000, no unpaired surrogate, <= 65535 UTF-8 bytes.
 */
export function topicNameProblem(topic: string): string | null {
  const len = topic.length;
  if (len === 0) return 'is empty';
  if (len > MAX_TOPIC_BYTES) return tooLong(utf8Length(topic));
  let bytes = len;
  for (let i = 0; i < len; i++) {
    const c = topic.charCodeAt(i);
    if (c < 0x80) {
      if (c === PLUS) return "contains a wildcard '+'";
      if (c === HASH) return "contains a wildcard '#'";
      if (c === NUL) return 'contains a null character (U+0000)';
    } else if (c < 0x800) {
      bytes += 1;
    } else if ((c & 0xf800) === 0xd800) {
      // A surrogate: must be a high one followed by a low one (4 bytes for 2 units).
      if (c >= 0xdc00 || i + 1 === len || (topic.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) return UNPAIRED;
      bytes += 2;
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes > MAX_TOPIC_BYTES ? tooLong(bytes) : null;
}

/**
 * Why `filter` is not a valid topic FILTER (SUBSCRIBE / UNSUBSCRIBE), or `null` when it is.
 * Checks: non-empty; '+' only as a whole level; '#' only as the whole last level; no U+0000;
 * no unpaired surrogate; <= 65535 UTF-8 bytes; and for `$share/{group}/{filter}`: a non-empty
 * group without '+' or '#', and a non-empty filter after it that is itself valid.
 */
export function topicFilterProblem(filter: string): string | null {
  const len = filter.length;
  if (len === 0) return 'is empty';
  if (len > MAX_TOPIC_BYTES) return tooLong(utf8Length(filter));
  // Index where the (inner, for a shared subscription) filter starts.
  let start = 0;
  if (filter.charCodeAt(0) === DOLLAR && filter.startsWith(SHARE_PREFIX)) {
    const slash = filter.indexOf('/', SHARE_PREFIX_LEN);
    if (slash === SHARE_PREFIX_LEN || len === SHARE_PREFIX_LEN) return 'is a shared subscription with an empty group name';
    if (slash === -1 || slash + 1 === len) return 'is a shared subscription without a topic filter after the group name';
    for (let i = SHARE_PREFIX_LEN; i < slash; i++) {
      const c = filter.charCodeAt(i);
      if (c === PLUS || c === HASH) {
        return `is a shared subscription whose group name contains '${c === PLUS ? '+' : '#'}'`;
      }
    }
    start = slash + 1;
  }
  let bytes = len;
  for (let i = 0; i < len; i++) {
    const c = filter.charCodeAt(i);
    if (c < 0x80) {
      if (c === PLUS) {
        if (i !== start && filter.charCodeAt(i - 1) !== SLASH) return "has '+' that is not a whole level";
        if (i + 1 !== len && filter.charCodeAt(i + 1) !== SLASH) return "has '+' that is not a whole level";
      } else if (c === HASH) {
        if (i !== start && filter.charCodeAt(i - 1) !== SLASH) return "has '#' that is not a whole level";
        if (i + 1 !== len) return "has '#' that is not the last level";
      } else if (c === NUL) {
        return 'contains a null character (U+0000)';
      }
    } else if (c < 0x800) {
      bytes += 1;
    } else if ((c & 0xf800) === 0xd800) {
      if (c >= 0xdc00 || i + 1 === len || (filter.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) return UNPAIRED;
      bytes += 2;
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes > MAX_TOPIC_BYTES ? tooLong(bytes) : null;
}

/** Shows a (possibly huge) caller value in an error message. */
function show(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 61)}...` : value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'a Buffer/Uint8Array';
  return typeof value;
}

/**
 * Throws `ValueError` (`${argName}: ...`) unless `topic` is a string that is a valid topic NAME
 * (see {@link topicNameProblem}).
 */
export function validateTopicName(topic: unknown, argName = 'topic'): asserts topic is string {
  if (typeof topic !== 'string') throw new ValueError(`${argName}: must be a string, got ${describe(topic)}`);
  const problem = topicNameProblem(topic);
  if (problem !== null) throw new ValueError(`${argName}: ${problem}, got ${show(topic)}`);
}

/**
 * Throws `ValueError` (`${argName}: ...`) unless `filter` is a string that is a valid topic
 * FILTER (see {@link topicFilterProblem}).
 */
export function validateTopicFilter(filter: unknown, argName = 'topic'): asserts filter is string {
  if (typeof filter !== 'string') throw new ValueError(`${argName}: must be a string, got ${describe(filter)}`);
  const problem = topicFilterProblem(filter);
  if (problem !== null) throw new ValueError(`${argName}: ${problem}, got ${show(filter)}`);
}

/**
 * Whether the topic name `topic` matches the subscription filter `sub`, as paho's
 * `topic_matches_sub`:
 *  - '+' matches exactly one level, including an empty one (`a/+/b` matches `a//b`,
 *    `+` matches `` and `+/+` matches `/finance`);
 *  - '#' matches its parent level and any number of levels below (`sport/#` matches `sport`;
 *    `#` matches every topic, including ``);
 *  - a filter starting with a wildcard does not match a topic starting with '$'
 *    (`#` and `+/x` do not match `$SYS/x`; `$SYS/#` does);
 *  - matching is exact, case-sensitive, per UTF-16 unit.
 *
 * Differences from paho 1.6, by design:
 *  - paho never validates `sub`: it files it in a trie level by level, so an invalid filter
 *    such as `sport+`, `a/#/b` or `` silently behaves as literal text (`sport+` matches the
 *    topic `sport+`, `` matches ``). Here an invalid filter (any filter for which
 *    {@link topicFilterProblem} is not null) never matches: the result is `false`, nothing
 *    throws. So `true` also proves that `sub` is a valid filter.
 *  - a shared subscription `$share/{group}/{filter}` matches as `{filter}` (paho would treat
 *    `$share` as a literal first level), since that is what the server delivers for it.
 *
 * The topic is not validated: its characters, wildcards included, are compared literally.
 * Non-string arguments give `false`.
 */
export function topicMatchesSub(sub: string, topic: string): boolean {
  if (typeof sub !== 'string' || typeof topic !== 'string') return false;
  const slen = sub.length;
  if (slen === 0) return false;
  // si: start of the current filter level; ti: start of the current topic level.
  // A side is exhausted once its index is past its length (the last level was consumed).
  let si = 0;
  if (sub.charCodeAt(0) === DOLLAR && sub.startsWith(SHARE_PREFIX)) {
    si = sharedFilterStart(sub);
    if (si < 0) return false;
  }
  const tlen = topic.length;
  const first = sub.charCodeAt(si);
  if ((first === PLUS || first === HASH) && tlen > 0 && topic.charCodeAt(0) === DOLLAR) return false;
  let ti = 0;
  for (;;) {
    if (si > slen) {
      // Filter consumed: a match iff the topic is consumed too.
      return ti > tlen && (slen <= SAFE_UNITS || utf8Length(sub) <= MAX_TOPIC_BYTES);
    }
    const c = si < slen ? sub.charCodeAt(si) : -1;
    if (c === HASH) {
      // '#' must be the whole last level; it then matches the parent level and everything below.
      return si + 1 === slen && (slen <= SAFE_UNITS || utf8Length(sub) <= MAX_TOPIC_BYTES);
    }
    if (ti > tlen) return false; // Filter has a further level, the topic has none.
    if (c === PLUS) {
      if (si + 1 !== slen && sub.charCodeAt(si + 1) !== SLASH) return false; // 'a+' : invalid
      const end = topic.indexOf('/', ti);
      ti = end === -1 ? tlen + 1 : end + 1;
      si += 2;
      continue;
    }
    // A literal level: compare up to the filter's next '/'.
    while (si < slen) {
      const f = sub.charCodeAt(si);
      if (f === SLASH) break;
      if (f === PLUS || f === HASH || f === NUL) return false; // wildcard inside a level, or NUL: invalid
      if (ti === tlen || topic.charCodeAt(ti) !== f) return false;
      if ((f & 0xf800) === 0xd800) {
        // Must be a high surrogate followed by a low one, and the topic must carry the same pair.
        if (f >= 0xdc00 || si + 1 === slen) return false;
        const low = sub.charCodeAt(si + 1);
        if ((low & 0xfc00) !== 0xdc00 || topic.charCodeAt(ti + 1) !== low) return false;
        si++;
        ti++;
      }
      si++;
      ti++;
    }
    // The topic level must end here too.
    if (ti !== tlen && topic.charCodeAt(ti) !== SLASH) return false;
    si++;
    ti++;
  }
}

/**
 * For a string starting with `$share/`: the index where the filter after the group starts,
 * or -1 when the shared-subscription form is invalid (empty group, '+' / '#' / U+0000 or an
 * unpaired surrogate in the group, nothing after the group).
 */
function sharedFilterStart(sub: string): number {
  const len = sub.length;
  let i = SHARE_PREFIX_LEN;
  for (; i < len; i++) {
    const c = sub.charCodeAt(i);
    if (c === SLASH) break;
    if (c === PLUS || c === HASH || c === NUL) return -1;
    if ((c & 0xf800) === 0xd800) {
      if (c >= 0xdc00 || i + 1 === len || (sub.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) return -1;
      i++;
    }
  }
  if (i === SHARE_PREFIX_LEN || i + 1 >= len) return -1;
  return i + 1;
}

/**
 * Length of `s` in UTF-8 bytes (an unpaired surrogate counts 3, as the WHATWG / Node encoders
 * write U+FFFD for it).
 */
function utf8Length(s: string): number {
  const len = s.length;
  let bytes = len;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c < 0xdc00 && c >= 0xd800 && i + 1 < len && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // surrogate pair: 4 bytes for 2 units
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}
