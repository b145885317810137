import fc from 'fast-check';
import { ValueError } from '../../lib/errors';
import {
  MAX_TOPIC_BYTES, topicFilterProblem, topicMatchesSub, topicNameProblem, validateTopicFilter, validateTopicName,
} from '../../lib/protocol/topics';

/**
 * The reference matcher, written plainly: paho's trie semantics (split on '/', '+' one level,
 * '#' the parent and everything below, no wildcard first level for '$' topics), plus
 * `$share/{group}/` stripped. It does not validate; callers combine it with topicFilterProblem.
 */
function refMatch(sub: string, topic: string): boolean {
  let filter = sub;
  if (filter.startsWith('$share/')) filter = filter.split('/').slice(2).join('/');
  const f = filter.split('/');
  const t = topic.split('/');
  if ((f[0] === '+' || f[0] === '#') && topic.startsWith('$')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

const isWellFormed = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s;

describe('topicMatchesSub', () => {
  const cases: Array<[string, string, boolean]> = [
    // MQTT 3.1.1 §4.7.1.2 multi-level wildcard
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
    ['sport/tennis/player1/#', 'sport/tennis/player2', false],
    ['sport/tennis/player1/#', 'sport/tennis', false],
    ['sport/#', 'sport', true],
    ['sport/#', 'sports', false],
    ['#', 'sport/tennis/player1', true],
    ['#', '/', true],
    ['#', '', true],
    // invalid filters never match (paho would match them literally)
    ['sport/tennis#', 'sport/tennis#', false],
    ['sport/tennis#', 'sport/tennis', false],
    ['sport/#/ranking', 'sport/#/ranking', false],
    ['sport/#/ranking', 'sport/x/ranking', false],
    ['sport+', 'sport+', false],
    ['+a', '+a', false],
    ['', '', false],
    ['a\u0000b', 'a\u0000b', false],
    ['$share//a', 'a', false],
    ['$share/group', 'group', false],
    ['$share/group/', 'x', false],
    ['$share/g+/a', 'a', false],
    // MQTT 3.1.1 §4.7.1.3 single-level wildcard
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player2', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['+', '', true],
    ['+/+', '/', true],
    ['+/+/+', 'a/b/c', true],
    ['+/+', 'a/b/c', false],
    ['+/tennis/#', 'sport/tennis/player1', true],
    ['sport/+/player1', 'sport/tennis/player1', true],
    ['sport/+/player1', 'sport//player1', true],
    // MQTT 3.1.1 §4.7.2 topics beginning with '$'
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['$SYS/#', '$SYS', true],
    ['$SYS/+', '$SYS/uptime', true],
    ['#', '$SYS', false],
    ['#', '$SYS/broker/uptime', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
    ['+/#', '$SYS/x', false],
    ['+', '$', false],
    ['$foo', '$foo', true],
    ['foo/#', 'foo/$bar', true],
    // empty levels and exact matches
    ['a//b', 'a//b', true],
    ['a/+/b', 'a//b', true],
    ['a/+/b', 'a/b', false],
    ['a/#', 'a/', true],
    ['/#', '/a', true],
    ['/#', 'a', false],
    ['a/+/#', 'a/b', true],
    ['a/+/#', 'a', false],
    ['a/b', 'a/b', true],
    ['a/b', 'a/B', false],
    ['a/b', 'a/b/', false],
    ['a/b/', 'a/b', false],
    ['a/b', 'a', false],
    ['a', 'a/b', false],
    ['ab', 'a', false],
    ['a', 'ab', false],
    // paho's docstring examples
    ['foo/#', 'foo/bar', true],
    ['+/bar', 'foo/bar', true],
    ['non/+/+', 'non/matching', false],
    // the topic is compared literally
    ['a/+', 'a/+', true],
    ['a/#', 'a/#', true],
    // shared subscriptions match as the filter after the group
    ['$share/group/a/+', 'a/x', true],
    ['$share/group/a/+', 'a/x/y', false],
    ['$share/group/#', 'a/b', true],
    ['$share/group/#', '$SYS/x', false],
    ['$share/group/$SYS/#', '$SYS/x', true],
    ['$share/consumer1/sport/tennis/+', 'sport/tennis/player1', true],
    ['$share/group/a/b', '$share/group/a/b', false],
    // unicode
    ['température/+', 'température/salon', true],
    ['température/+', 'temperature/salon', false],
    ['日本/#', '日本/東京/渋谷', true],
    ['😀/+', '😀/x', true],
    ['😀', '😁', false],
    ['+/😀', 'é/😀', true],
  ];

  it.each(cases)('topicMatchesSub(%j, %j) is %s', (sub, topic, expected) => {
    expect(topicMatchesSub(sub, topic)).toBe(expected);
  });

  it('agrees with the reference matcher on every table row with a valid filter', () => {
    for (const [sub, topic, expected] of cases) {
      expect(topicFilterProblem(sub) === null && refMatch(sub, topic)).toBe(expected);
    }
  });

  it('returns false, without throwing, for non-strings', () => {
    expect(topicMatchesSub(undefined as unknown as string, 'a')).toBe(false);
    expect(topicMatchesSub('#', null as unknown as string)).toBe(false);
  });

  it('rejects a filter longer than 65535 bytes even when it would match', () => {
    const long = 'é'.repeat(32768); // 65536 bytes
    expect(topicMatchesSub(`${long}/#`, long)).toBe(false);
    const ok = 'é'.repeat(32766); // 65532 bytes, + '/#' = 65534
    expect(topicMatchesSub(`${ok}/#`, ok)).toBe(true);
  });

  const level = fc.constantFrom<string>('a', 'b', 'ab', '', '$', '$SYS', 'é', '😀');
  const levels = fc.array(level, { minLength: 1, maxLength: 6 });

  it('a filter made from a topic by replacing levels with + and truncating with # matches it', () => {
    fc.assert(
      fc.property(levels, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), fc.option(fc.nat(6)), fc.boolean(),
        (ls, plus, cut, shared) => {
          const topic = ls.join('/');
          let fl: string[] = ls.map((l, i) => (plus[i] ? '+' : l));
          if (cut !== null && cut <= fl.length) fl = [...fl.slice(0, cut), '#'];
          fc.pre(fl.join('/') !== ''); // the empty filter is invalid (the empty topic has other filters)
          const filter = (shared ? '$share/g/' : '') + fl.join('/');
          expect(topicFilterProblem(filter)).toBeNull();
          const blockedByDollar = topic.startsWith('$') && (fl[0] === '+' || fl[0] === '#');
          expect(topicMatchesSub(filter, topic)).toBe(!blockedByDollar);
          expect(refMatch(filter, topic)).toBe(!blockedByDollar);
        }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the reference matcher on random level-built filters and topics', () => {
    const filterLevel = fc.constantFrom('a', 'b', '', '$', '+', 'é', '😀');
    fc.assert(
      fc.property(fc.array(filterLevel, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.boolean(), levels,
        (fl, hash, shared, tl) => {
          const filter = (shared ? '$share/g/' : '') + (hash ? [...fl, '#'] : fl).join('/');
          const topic = tl.join('/');
          // Only the all-empty filter ('' or '$share/g/') is invalid here.
          expect(topicMatchesSub(filter, topic)).toBe(topicFilterProblem(filter) === null && refMatch(filter, topic));
        }),
      { numRuns: 5000 },
    );
  });

  it('on arbitrary strings: matches iff the filter is valid and the reference matcher matches', () => {
    const unit = fc.constantFrom('a', 'b', '/', '/', '+', '#', '$', 'é', '\u0000', '\ud83d', '\ude00');
    const str = fc.string({ unit, maxLength: 8 });
    const sub = fc.oneof(str, str.map((s) => `$share/${s}`));
    fc.assert(
      fc.property(sub, str, (s, t) => {
        expect(topicMatchesSub(s, t)).toBe(topicFilterProblem(s) === null && refMatch(s, t));
      }),
      { numRuns: 10000 },
    );
  });
});

describe('topicNameProblem', () => {
  const valid: Array<[string, string]> = [
    ['one level', 'a'],
    ['several levels', 'sport/tennis/player1'],
    ['a single /', '/'],
    ['empty levels', 'a//b/'],
    ['$SYS', '$SYS/broker/uptime'],
    ['spaces', 'a b/c d'],
    ['latin-1', 'température/salon'],
    ['CJK', '日本/東京'],
    ['astral', '😀/x'],
    ['65535 ASCII bytes', 'a'.repeat(65535)],
    ['65535 bytes of 2-byte chars', 'é'.repeat(32767) + 'a'],
    ['65535 bytes of 3-byte chars', '€'.repeat(21845)],
    ['65535 bytes with astral chars', '😀'.repeat(16383) + 'abc'],
  ];
  it.each(valid)('accepts %s', (_name, topic) => {
    expect(topicNameProblem(topic)).toBeNull();
    expect(() => validateTopicName(topic)).not.toThrow();
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['empty', '', /is empty/],
    ['+ in a level', 'sport+', /wildcard '\+'/],
    ['+ as a level', '+', /wildcard '\+'/],
    ['+ inside', 'sport/+/player1', /wildcard '\+'/],
    ['# as a level', '#', /wildcard '#'/],
    ['# at the end', 'sport/#', /wildcard '#'/],
    ['# in a level', 'sport/tennis#', /wildcard '#'/],
    ['U+0000', 'a/\u0000', /null character/],
    ['65536 ASCII bytes', 'a'.repeat(65536), /65536 bytes/],
    ['65536 bytes of 2-byte chars', 'é'.repeat(32768), /65536 bytes/],
    ['65538 bytes of 3-byte chars', '€'.repeat(21846), /65538 bytes/],
    ['65536 bytes with astral chars', '😀'.repeat(16384), /65536 bytes/],
    ['a lone high surrogate', 'a/\ud83d', /unpaired surrogate/],
    ['a lone low surrogate', 'a\ude00b', /unpaired surrogate/],
    ['reversed surrogates', '\ude00\ud83d', /unpaired surrogate/],
  ];
  it.each(invalid)('rejects %s', (_name, topic, reason) => {
    expect(topicNameProblem(topic)).toMatch(reason);
  });

  it('agrees with a plain definition on random strings (incl. lone surrogates)', () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('a', '/', '+', '#', '😀'),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), (s) => {
        const ok = s.length > 0 && !/[+#\u0000]/.test(s) && isWellFormed(s) && Buffer.byteLength(s) <= MAX_TOPIC_BYTES;
        expect(topicNameProblem(s) === null).toBe(ok);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('topicFilterProblem', () => {
  const valid: Array<[string]> = [
    ['sport/tennis/player1'],
    ['sport/tennis/player1/#'],
    ['sport/#'],
    ['#'],
    ['+'],
    ['+/+'],
    ['/+'],
    ['+/tennis/#'],
    ['sport/+/player1'],
    ['a//b'],
    ['/'],
    ['$SYS/#'],
    ['$SYS/monitor/+'],
    ['$share/group/a/+'],
    ['$share/group/#'],
    ['$share/consumer1/sport/tennis/+'],
    ['$share/g/$SYS/#'],
    ['$share'],
    ['$sharex/+'],
    ['température/+/😀'],
    ['a'.repeat(65535)],
    ['€'.repeat(21845)],
    ['a'.repeat(65533) + '/#'],
  ];
  it.each(valid)('accepts %j', (filter) => {
    expect(topicFilterProblem(filter)).toBeNull();
    expect(() => validateTopicFilter(filter)).not.toThrow();
  });

  const invalid: Array<[string, RegExp]> = [
    ['', /is empty/],
    ['sport/tennis#', /'#' that is not a whole level/],
    ['sport/#/ranking', /'#' that is not the last level/],
    ['#/', /'#' that is not the last level/],
    ['##', /'#'/],
    ['sport+', /'\+' that is not a whole level/],
    ['+a', /'\+' that is not a whole level/],
    ['a/b+/c', /'\+' that is not a whole level/],
    ['++', /'\+' that is not a whole level/],
    ['a/\u0000', /null character/],
    ['a'.repeat(65536), /65536 bytes/],
    ['€'.repeat(21845) + 'a', /65536 bytes/],
    ['é'.repeat(32767) + '/#', /65536 bytes/],
    ['a/\ud83d', /unpaired surrogate/],
    ['\ude00', /unpaired surrogate/],
    ['$share/', /empty group/],
    ['$share//a', /empty group/],
    ['$share/g', /without a topic filter/],
    ['$share/g/', /without a topic filter/],
    ['$share/g+/a', /group name contains '\+'/],
    ['$share/g#/a', /group name contains '#'/],
    ['$share/g/a#', /'#' that is not a whole level/],
    ['$share/g/a/+b', /'\+' that is not a whole level/],
    ['$share/g/\u0000', /null character/],
  ];
  it.each(invalid)('rejects %j', (filter, reason) => {
    expect(topicFilterProblem(filter)).toMatch(reason);
  });

  it('every valid topic name is a valid filter', () => {
    const unit = fc.constantFrom('a', '/', '$', 'é', '😀', '\u0000', '\ud83d');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 10 }), (s) => {
        if (topicNameProblem(s) === null) expect(topicFilterProblem(s)).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });
});

describe('validateTopicName / validateTopicFilter', () => {
  it('throw ValueError naming the argument', () => {
    expect(() => validateTopicName('a/+')).toThrow(ValueError);
    expect(() => validateTopicName('a/+')).toThrow(/^topic: contains a wildcard '\+', got "a\/\+"$/);
    expect(() => validateTopicName('', 'will topic')).toThrow(/^will topic: is empty/);
    expect(() => validateTopicFilter('a/#/b')).toThrow(/^topic: has '#' that is not the last level/);
    expect(() => validateTopicFilter('', 'sub')).toThrow(/^sub: is empty/);
  });

  it('reject non-strings', () => {
    for (const bad of [undefined, null, 42, {}, ['a'], Buffer.from('a')]) {
      expect(() => validateTopicName(bad)).toThrow(ValueError);
      expect(() => validateTopicName(bad)).toThrow(/^topic: must be a string, got /);
      expect(() => validateTopicFilter(bad, 'sub')).toThrow(/^sub: must be a string, got /);
    }
  });

  it('narrow the type (asserts)', () => {
    const x: unknown = 'a/b';
    validateTopicName(x);
    const s: string = x; // compiles only because of the assertion
    expect(s).toBe('a/b');
  });

  it('keep huge values short in the message', () => {
    let message = '';
    try {
      validateTopicName('a'.repeat(70000));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^topic: is 70000 bytes in UTF-8, more than 65535, got "a{61}\.\.\."$/);
  });
});
