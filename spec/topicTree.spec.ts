import fc from 'fast-check';
import { topicMatchesSub } from '../lib/protocol/topics';
import { TopicTree } from '../lib/topicTree';

/** A tree whose value for each filter is the filter itself, so matches read as filter lists. */
function treeOf(filters: string[]): TopicTree<string> {
  const tree = new TopicTree<string>();
  for (const f of filters) tree.set(f, f);
  return tree;
}

const matches = (tree: TopicTree<string>, topic: string): string[] => tree.match(topic, []);

describe('TopicTree.match', () => {
  const filters = [
    'sport/tennis/player1/#', 'sport/#', '#', 'sport/tennis/+', '+/+', '+', '/+', 'a/+/b', 'a//b',
    '$SYS/#', '$SYS/+', '+/monitor', '$share/g1/sport/#', '$share/g2/sport/#', 'finance', '/', '//',
  ];
  const tree = treeOf(filters);
  const cases: Array<[string, string[]]> = [
    ['sport/tennis/player1', ['sport/tennis/player1/#', 'sport/#', '#', 'sport/tennis/+', '$share/g1/sport/#', '$share/g2/sport/#']],
    ['sport/tennis/player1/score/wimbledon', ['sport/tennis/player1/#', 'sport/#', '#', '$share/g1/sport/#', '$share/g2/sport/#']],
    ['sport', ['sport/#', '#', '+', '$share/g1/sport/#', '$share/g2/sport/#']],
    ['sport/', ['sport/#', '#', '+/+', '$share/g1/sport/#', '$share/g2/sport/#']],
    ['sports', ['#', '+']],
    ['/finance', ['#', '+/+', '/+']],
    ['finance', ['#', '+', 'finance']],
    ['', ['#', '+']],
    ['/', ['#', '+/+', '/+', '/']],
    ['//', ['#', '//']],
    ['a//b', ['#', 'a/+/b', 'a//b']],
    ['a/x/b', ['#', 'a/+/b']],
    ['a/x/y/b', ['#']],
    // '$' topics are not seen by filters whose first level is a wildcard
    ['$SYS/monitor', ['$SYS/#', '$SYS/+']],
    ['$SYS', ['$SYS/#']],
    ['$SYS/a/b', ['$SYS/#']],
    ['x/monitor', ['#', '+/+', '+/monitor']],
    ['$', []],
    // wildcard characters in a topic are literal
    ['sport/+', ['sport/#', '#', '+/+', '$share/g1/sport/#', '$share/g2/sport/#']],
  ];
  it.each(cases)('topic %j -> %j', (topic, expected) => {
    expect(matches(tree, topic)).toEqual(expected);
    // and exactly as topicMatchesSub says
    expect(expected).toEqual(filters.filter((f) => topicMatchesSub(f, topic)));
  });

  it('appends to `out` and returns it', () => {
    const out = ['x'];
    expect(tree.match('finance', out)).toBe(out);
    expect(out).toEqual(['x', '#', '+', 'finance']);
  });

  it('returns matches in insertion order, whatever the trie shape', () => {
    const t = treeOf(['a/b', '#', 'a/+', '+/b', 'a/#', '+/+']);
    expect(matches(t, 'a/b')).toEqual(['a/b', '#', 'a/+', '+/b', 'a/#', '+/+']);
  });

  it('keeps its place when a filter is replaced, goes last when deleted and re-added', () => {
    const t = new TopicTree<number>();
    t.set('a', 1);
    t.set('#', 2);
    t.set('+', 3);
    t.set('a', 10);
    expect(t.match('a', [])).toEqual([10, 2, 3]);
    expect(t.size).toBe(3);
    t.delete('a');
    t.set('a', 11);
    expect(t.match('a', [])).toEqual([2, 3, 11]);
  });

  it('stores invalid filters (get/delete/size) but never matches them, as topicMatchesSub', () => {
    const invalid = ['', 'sport+', 'a/#/b', 'a#', '$share//a', '$share/g', '$share/g+/a', 'a\u0000', '\ud800'];
    const t = treeOf([...invalid, 'a']);
    expect(t.size).toBe(invalid.length + 1);
    expect(t.nodeCount()).toBe(1);
    for (const f of invalid) {
      expect(t.get(f)).toBe(f);
      expect(matches(t, f)).toEqual([]);
    }
    expect(matches(t, 'sport+')).toEqual([]);
    for (const f of invalid) expect(t.delete(f)).toBe(true);
    expect(t.size).toBe(1);
  });

  it('keys shared subscriptions by their full text', () => {
    const t = treeOf(['x/+', '$share/a/x/+', '$share/b/x/+']);
    expect(t.size).toBe(3);
    expect(t.nodeCount()).toBe(2); // one path x, + for all three
    expect(matches(t, 'x/1')).toEqual(['x/+', '$share/a/x/+', '$share/b/x/+']);
    expect(t.delete('$share/a/x/+')).toBe(true);
    expect(matches(t, 'x/1')).toEqual(['x/+', '$share/b/x/+']);
    expect(t.get('$share/b/x/+')).toBe('$share/b/x/+');
    expect(t.get('$share/a/x/+')).toBeUndefined();
  });

  it('applies the $ rule to the inner filter of a shared subscription', () => {
    const t = treeOf(['$share/g/#', '$share/g/$SYS/#']);
    expect(matches(t, '$SYS/x')).toEqual(['$share/g/$SYS/#']);
    expect(matches(t, 'x')).toEqual(['$share/g/#']);
  });

  it('handles filters too deep to recurse on', () => {
    const deep = '/'.repeat(30000);
    const t = treeOf([deep, `${'+/'.repeat(20000)}#`]);
    expect(matches(t, deep)).toEqual([deep, `${'+/'.repeat(20000)}#`]);
    expect(matches(t, deep.slice(1))).toEqual([`${'+/'.repeat(20000)}#`]);
    t.delete(deep);
    t.delete(`${'+/'.repeat(20000)}#`);
    expect(t.nodeCount()).toBe(0);
  });

  it('costs about the same with 10,000 filters as with a few, when only a few match', () => {
    // A linear scan would run 10,000 x 20,000 = 2e8 topicMatchesSub calls here (seconds);
    // the trie looks at a few nodes per message (milliseconds). The bound is very loose.
    const t = new TopicTree<number>();
    for (let i = 0; i < 10000; i++) t.set(`site/${i}/sensor/+`, i);
    t.set('site/#', -1);
    const out: number[] = [];
    const start = process.hrtime.bigint();
    for (let i = 0; i < 20000; i++) {
      out.length = 0;
      t.match(`site/${i % 10000}/sensor/temp`, out);
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    expect(out).toEqual([9999, -1]);
    expect(ms).toBeLessThan(1000);
  });
});

describe('TopicTree bookkeeping', () => {
  it('get / size / delete / clear', () => {
    const t = new TopicTree<number>();
    expect(t.size).toBe(0);
    expect(t.get('a')).toBeUndefined();
    expect(t.delete('a')).toBe(false);
    t.set('a/b', 1);
    t.set('a/#', 2);
    expect(t.get('a/b')).toBe(1);
    expect(t.get('a/#')).toBe(2);
    expect(t.size).toBe(2);
    expect(t.delete('a/b')).toBe(true);
    expect(t.delete('a/b')).toBe(false);
    expect(t.match('a/b', [])).toEqual([2]);
    t.clear();
    expect(t.size).toBe(0);
    expect(t.nodeCount()).toBe(0);
    expect(t.match('a/b', [])).toEqual([]);
    t.set('a', 3);
    expect(t.match('a', [])).toEqual([3]);
  });

  it('prunes every node when 10,000 random filters are added then deleted', () => {
    const level = fc.constantFrom('a', 'b', 'c', '', '+', '$', 'é', 'x1', 'x2', 'x3');
    const filter = fc.tuple(fc.array(level, { minLength: 1, maxLength: 6 }), fc.boolean(), fc.boolean())
      .map(([ls, hash, shared]) => `${shared ? '$share/g/' : ''}${ls.join('/')}${hash ? '/#' : ''}`);
    const filters = fc.sample(filter, { numRuns: 10000, seed: 42 });
    const t = new TopicTree<number>();
    filters.forEach((f, i) => t.set(f, i));
    expect(t.nodeCount()).toBeGreaterThan(100);
    // delete in a different order than added, interleaved with matches
    const order = [...new Set(filters)].sort();
    order.forEach((f, i) => {
      expect(t.delete(f)).toBe(true);
      if (i % 1000 === 0) t.match('a/b/c', []);
    });
    expect(t.size).toBe(0);
    expect(t.nodeCount()).toBe(0);
    // and cycles do not grow it
    for (let round = 0; round < 3; round++) {
      for (const f of order) t.set(f, round);
      for (const f of order) t.delete(f);
      expect(t.nodeCount()).toBe(0);
    }
  });
});

describe('TopicTree.match property', () => {
  const level = fc.constantFrom('a', 'b', '', '$', '$SYS', 'é', '😀', '+');
  const structured = fc.tuple(fc.array(level, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.constantFrom('', '$share/g/', '$share/h/'))
    .map(([ls, hash, prefix]) => `${prefix}${ls.join('/')}${hash ? '/#' : ''}`);
  const unit = fc.constantFrom('a', '/', '/', '+', '#', '$', '\u0000', '\ud83d', '\ude00');
  const junk = fc.string({ unit, maxLength: 6 });
  const filterArb = fc.oneof({ weight: 4, arbitrary: structured }, { weight: 1, arbitrary: junk }, { weight: 1, arbitrary: fc.constantFrom('#', '+', '+/#', '$share/g/#') });
  const topicArb = fc.oneof(
    fc.array(fc.constantFrom('a', 'b', '', '$', '$SYS', 'é', '😀', '+', '#'), { minLength: 1, maxLength: 6 }).map((ls) => ls.join('/')),
    junk,
  );
  // Each op: add a filter, or delete one chosen by index among those ever added.
  const op = fc.oneof({ weight: 3, arbitrary: filterArb.map((f) => ({ add: f })) }, { weight: 1, arbitrary: fc.nat().map((n) => ({ del: n })) });

  it('returns exactly the filters topicMatchesSub accepts, in insertion order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.array(topicArb, { minLength: 1, maxLength: 8 }), (ops, topics) => {
        const tree = new TopicTree<string>();
        const model = new Map<string, string>(); // Map keeps insertion order, and replace in place
        const seen: string[] = [];
        for (const o of ops) {
          if ('add' in o) {
            tree.set(o.add, o.add);
            model.set(o.add, o.add);
            seen.push(o.add);
          } else if (seen.length > 0) {
            const f = seen[o.del % seen.length];
            expect(tree.delete(f)).toBe(model.delete(f));
          }
        }
        expect(tree.size).toBe(model.size);
        for (const topic of topics) {
          const expected = [...model.keys()].filter((f) => topicMatchesSub(f, topic));
          expect(tree.match(topic, [])).toEqual(expected);
        }
        for (const f of [...model.keys()]) tree.delete(f);
        expect(tree.nodeCount()).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
