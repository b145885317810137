/**
 * MQTTMatcher against paho 2.1's: the filters and topics below were loaded into the real
 * paho.mqtt.matcher.MQTTMatcher (each filter's value is the filter itself) and
 * `list(m.iter_match(topic))` printed; the expected lists are that output, order included.
 */
import { MQTTMatcher, ValueError } from '../lib';

const filters = ['sport/tennis/player1/#', 'sport/#', '#', 'sport/tennis/+', '+/+', '+', '/+', 'a/+/b', 'a//b', '$SYS/#', '$SYS/+',
  '+/monitor', '$share/g1/sport/#', 'finance', '/', '//', 'a/b', 'a/#', '+/b', 'a', 'a+', '', 'a/#/b', '$share/g1/sport/tennis'];

const paho: Array<[string, string[]]> = [
  ['sport/tennis/player1', ['sport/tennis/player1/#', 'sport/tennis/+', 'sport/#', '#']],
  ['sport/tennis/player1/score/wimbledon', ['sport/tennis/player1/#', 'sport/#', '#']],
  ['sport', ['sport/#', '+', '#']],
  ['sport/', ['sport/#', '+/+', '#']],
  ['sports', ['+', '#']],
  ['/finance', ['/+', '+/+', '#']],
  ['finance', ['finance', '+', '#']],
  ['', ['', '+', '#']],
  ['/', ['/', '/+', '+/+', '#']],
  ['//', ['//', '#']],
  ['a//b', ['a//b', 'a/+/b', 'a/#', '#']],
  ['a/x/b', ['a/+/b', 'a/#', '#']],
  ['a/b', ['a/b', 'a/#', '+/b', '+/+', '#']],
  ['a', ['a', 'a/#', '+', '#']],
  ['a+', ['a+', '+', '#']],
  ['a/#/b', ['a/#/b', 'a/+/b', 'a/#', '#']],
  ['$SYS/monitor', ['$SYS/+', '$SYS/#']],
  ['$SYS', ['$SYS/#']],
  ['$', []],
  ['x/monitor', ['+/monitor', '+/+', '#']],
  ['$share/g1/sport/tennis', ['$share/g1/sport/tennis', '$share/g1/sport/#']],
  ['sport/tennis', ['sport/#', '+/+', '#']],
];

function matcherOf(list: string[]): MQTTMatcher<string> {
  const m = new MQTTMatcher<string>();
  for (const f of list) m.set(f, f);
  return m;
}

describe('MQTTMatcher (paho\'s matcher)', () => {
  const m = matcherOf(filters);

  it.each(paho)('iterMatch(%j) yields what paho\'s iter_match does, in its order', (topic, expected) => {
    expect([...m.iterMatch(topic)]).toEqual(expected);
  });

  it('the order does not depend on insertion order', () => {
    const reversed = matcherOf([...filters].reverse());
    for (const [topic, expected] of paho) expect([...reversed.iterMatch(topic)]).toEqual(expected);
  });

  it('$share/{group}/{filter} is literal levels, as in paho (no shared-subscription rule)', () => {
    expect([...m.iterMatch('sport/x')]).not.toContain('$share/g1/sport/#');
  });

  it('get / has / set (replace) / delete, Map-style where paho raises KeyError', () => {
    const x = new MQTTMatcher<number>();
    x.set('a/+', 1);
    expect(x.get('a/+')).toBe(1);
    expect(x.has('a/+')).toBe(true);
    expect(x.get('a')).toBeUndefined();
    expect(x.has('a')).toBe(false);
    x.set('a/+', 2);
    expect([...x.iterMatch('a/b')]).toEqual([2]);
    expect(x.delete('a/+')).toBe(true);
    expect(x.delete('a/+')).toBe(false);
    expect(x.get('a/+')).toBeUndefined();
    expect([...x.iterMatch('a/b')]).toEqual([]);
  });

  it('deleting one filter leaves the filters that share its levels', () => {
    const x = matcherOf(['a/b/c', 'a/b', 'a/#']);
    x.delete('a/b');
    expect([...x.iterMatch('a/b')]).toEqual(['a/#']);
    expect([...x.iterMatch('a/b/c')]).toEqual(['a/b/c', 'a/#']);
  });

  it('a key or topic that is not a string is a ValueError naming it', () => {
    const x = new MQTTMatcher();
    expect(() => x.set(5 as unknown as string, 1)).toThrow(new ValueError('key: must be a string, got number'));
    expect(() => x.iterMatch(null as unknown as string).next()).toThrow(new ValueError('topic: must be a string, got object'));
  });
});
