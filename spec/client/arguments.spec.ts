/*
 * Caller mistakes throw ValueError at the call, naming the argument, before any I/O
 * (DESIGN.md "Rules of the road"). No broker needed except to check nothing reaches the wire.
 */
import { Client, MQTTv311, ValueError } from '../../lib';
import { MOSCA, startClient, useBroker, useClients } from './support';
import { debugSizes } from '../support/clientInternals';

/** Runs fn, expects a ValueError whose message starts by naming `arg`. */
function expectValueError(fn: () => unknown, arg: string | RegExp): ValueError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ValueError);
  expect(caught).toBeInstanceOf(Error);
  const err = caught as ValueError;
  expect(err.name).toBe('ValueError');
  if (typeof arg === 'string') expect(err.message.startsWith(`${arg}`)).toBe(true);
  else expect(err.message).toMatch(arg);
  return err;
}

describe('bad arguments throw ValueError naming the argument', () => {
  const clients = useClients();

  test.each([3, -1, 1.5, '1', null, NaN])('publish() with qos %p', (qos) => {
    const c = clients.make();
    const err = expectValueError(() => c.publish('a/b', 'x', qos as number), 'qos');
    if (qos === 3) expect(err.message).toContain('3');
  });

  test.each(['a/#', '#', 'a/+/b', '+', 'a/b#', ''])('publish() to the topic %p', (topic) => {
    const c = clients.make();
    expectValueError(() => c.publish(topic, 'x', 1), 'topic');
  });

  test('publish() with a topic that is not a string, or a payload of a bad type', () => {
    const c = clients.make();
    expectValueError(() => c.publish(42 as unknown as string, 'x'), 'topic');
    expectValueError(() => c.publish('a/b', { x: 1 } as unknown as string), 'payload');
    expectValueError(() => c.publish('a/b', Infinity), 'payload');
  });

  test('subscribe() with a bad qos or a bad filter', () => {
    const c = clients.make();
    expectValueError(() => c.subscribe('a/b', 3), 'qos');
    expectValueError(() => c.subscribe('', 0), 'topic');
    expectValueError(() => c.subscribe('a/#/b', 0), 'topic');
    expectValueError(() => c.subscribe('a/b+', 0), 'topic');
    expectValueError(() => c.subscribe(['a/b', 7]), /qos/);
    expectValueError(() => c.subscribe([['a/b', 0], ['c/d', 5]]), /qos/);
    expectValueError(() => c.subscribe([]), 'topic');
    expectValueError(() => c.unsubscribe(''), 'topic');
  });

  test("clientId '' (or absent) with cleanSession false", () => {
    expectValueError(() => new Client({ clientId: '', cleanSession: false }), /^(clientId|cleanSession)\b/);
    expectValueError(() => new Client({ cleanSession: false }), /^(clientId|cleanSession)\b/);
    expect(() => new Client({ clientId: 'named', cleanSession: false })).not.toThrow();
    expect(() => new Client({ clientId: '', cleanSession: true })).not.toThrow();
  });

  test('willSet() with a bad qos, an empty or wildcard topic', () => {
    const c = clients.make();
    expectValueError(() => c.willSet('w/t', 'x', 3), 'qos');
    expectValueError(() => c.willSet('', 'x', 0), 'topic');
    expectValueError(() => c.willSet('w/#', 'x', 0), 'topic');
    expectValueError(() => c.willSet('w/+', 'x', 0), 'topic');
  });

  test('connect() with a bad host, port or keepalive rejects or throws a ValueError before any socket', async () => {
    const c = clients.make();
    // connect() is async: a ValueError may be thrown synchronously or arrive as the rejection.
    const call = async (fn: () => Promise<number>) => {
      try {
        await fn();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    for (const [fn, arg] of [
      [() => c.connect('', 1883), 'host'],
      [() => c.connect('127.0.0.1', 0), 'port'],
      [() => c.connect('127.0.0.1', 70000), 'port'],
      [() => c.connect('127.0.0.1', 1883, -1), 'keepalive'],
    ] as Array<[() => Promise<number>, string]>) {
      const e = await call(fn);
      expect(e).toBeInstanceOf(ValueError);
      expect((e as Error).message.startsWith(arg)).toBe(true);
    }
    expect(c.socket()).toBeNull();
  });

  test('settings: reconnectDelaySet, maxInflightMessagesSet, new Client protocol/transport', () => {
    const c = clients.make();
    expectValueError(() => c.reconnectDelaySet(5, 1), 'minDelay');
    expectValueError(() => c.reconnectDelaySet(-1, 1), 'minDelay');
    expectValueError(() => c.maxInflightMessagesSet(-1), 'inflight');
    expectValueError(() => new Client({ protocol: 7 }), 'protocol');
    expectValueError(() => new Client({ transport: 'carrier-pigeon' as 'tcp' }), 'transport');
  });

  describe('on a connected client', () => {
    const broker = useBroker(MOSCA);

    test('a refused call sends nothing and leaves no state behind', async () => {
      const c = clients.make({ protocol: MQTTv311 });
      const sent: string[] = [];
      c.on_log = (_c: Client, _u: unknown, _l: number, buf: string) => { if (buf.startsWith('Sending')) sent.push(buf); };
      await startClient(c, broker());
      const before = debugSizes(c);
      sent.length = 0;
      expectValueError(() => c.publish('a/#', 'x', 1), 'topic');
      expectValueError(() => c.publish('a/b', 'x', 3), 'qos');
      expectValueError(() => c.subscribe('a/b', 3), 'qos');
      expect(debugSizes(c)).toEqual(before);
      // A valid publish right after gets the next packet id and is the only thing sent.
      const info = c.publish('args/ok', 'x', 1);
      await info.waitForPublish();
      expect(sent).toEqual([`Sending PUBLISH (d0, q1, r0, m${info.mid}), 'b'args/ok'', ... (1 bytes)`]);
      expect(c.isConnected()).toBe(true);
    });
  });
});
