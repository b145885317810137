/**
 * What an idle connection holds (idle memory per connection is benchmarked: spec/bench's idle
 * and many rows): connected clients that exchanged only CONNECT/CONNACK carry no per-client
 * object that only an active connection needs; each is made on first use, and works then.
 */
import { Client } from '../../lib';
import { MemoryBroker, publishPacket } from '../support/memoryBroker';
import { settle, started, useFakeClock } from '../support/wait';
import { driverOf } from '../support/clientInternals';

useFakeClock();

/**
 * The objects reachable from `root` through own properties (string and symbol keys, array
 * elements, Map/Set entries), not through prototypes or closures, stopping at `stop`: each with
 * the first path that reached it.
 */
function reach(root: object, stop: Set<unknown>): Map<object, string> {
  const seen = new Map<object, string>([[root, 'client']]);
  const queue: object[] = [root];
  const visit = (v: unknown, path: string) => {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || stop.has(v) || seen.has(v as object)) return;
    seen.set(v as object, path);
    queue.push(v as object);
  };
  while (queue.length > 0) {
    const o = queue.shift()!;
    const path = seen.get(o)!;
    if (o instanceof Map || o instanceof Set) for (const [k, v] of o.entries()) { visit(k, `${path}.<key>`); visit(v, `${path}.<value>`); }
    for (const key of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key)!;
      if ('value' in d) visit(d.value, `${path}.${String(key)}`);
    }
  }
  return seen;
}

/**
 * What one idle client holds that another does not: its own objects. The memory transport, its
 * socket and the spec's createTransport are left out (spec/bench measures TCP's).
 */
function ownObjects(a: Client, b: Client): string[] {
  const stop = new Set<unknown>();
  for (const d of [driverOf(a), driverOf(b)]) stop.add(d.transport).add(d.transport?.socket).add((d.connector as unknown as { transportFactory: unknown }).transportFactory);
  const shared = reach(b, stop);
  return [...reach(a, stop)].filter(([o]) => !shared.has(o)).map(([o, path]) => `${path} (${(o as object).constructor?.name ?? 'null-prototype'})`);
}

async function twoIdle() {
  const brokers = [new MemoryBroker(), new MemoryBroker()];
  const clients = brokers.map((b) => b.client());
  for (const c of clients) await started(c, 60);
  return { brokers, clients, drivers: clients.map(driverOf) };
}

describe('an idle connection', () => {
  test('holds few objects of its own: the Client, its driver and their few collaborators', async () => {
    const { clients, drivers } = await twoIdle();
    const own = ownObjects(clients[0], clients[1]);
    expect(drivers[0].transport).not.toBeNull();
    expect(own).toEqual(EXPECTED_OWN);
    for (const c of clients) c.disconnect();
  });

  test("the driver's delivery and backpressure reach their siblings through it: one pointer each, not one per sibling", async () => {
    const { clients, drivers } = await twoIdle();
    const d = drivers[0];
    const family = new Set<unknown>([clients[0], d, d.callbacks, d.flow, d.backpressure, d.delivery, d.connector, d.pump, d.session]);
    for (const part of [d.delivery, d.backpressure]) {
      expect(Object.values(part).filter((v) => family.has(v))).toEqual([d]);
    }
    // Read batching's brief pause is read batching's state, made with it: the backpressure holds the write mark, its counter and flag.
    expect(d.readBatching).toBeNull();
    expect(Object.keys(d.backpressure).filter((k) => /batch|timer/i.test(k))).toEqual([]);
    // The flow bookkeeping is the backpressure's base class: one object, not two.
    expect(d.flow).toBe(d.backpressure);
    for (const c of clients) c.disconnect();
  });

  test("a client with the defaults holds no rarely used connector state of its own (connectorFields.ts): one shared, frozen object", async () => {
    const [a, b] = [new Client(), new Client()];
    for (const c of [a, b]) c.connectAsync('127.0.0.1', 1883, 60);
    const rare = (c: Client) => (driverOf(c).connector as unknown as { rare: object }).rare;
    expect(rare(a)).toBe(rare(b));
    expect(Object.isFrozen(rare(a))).toBe(true);
    const own = Object.keys(driverOf(a).connector);
    for (const setting of ['transportKind', 'cleanStart', 'firstConnect', 'backoff', 'foreverRc', 'reconnectOnFailure', 'bindAddress']) expect(own).not.toContain(setting);
    a.reconnectDelaySet(1, 120); // default values write nothing
    expect(rare(a)).toBe(rare(b));
    a.connectAsync('127.0.0.1', 1883, 60, '127.0.0.1');
    expect(rare(a)).not.toBe(rare(b));
    expect([(rare(a) as { bindAddress: string }).bindAddress, (rare(b) as { bindAddress: string }).bindAddress]).toEqual(['127.0.0.1', '']);
  });

  test('holds no inbox array of its own (one shared empty one); received bytes make one, and it goes again', async () => {
    const { brokers, clients, drivers } = await twoIdle();
    expect(drivers[0].inbox).toBe(drivers[1].inbox);
    expect(drivers[0].inbox).toHaveLength(0);
    const got: string[] = [];
    clients[0].on_message = (_c: unknown, _u: unknown, m: { payload: Buffer }) => got.push(m.payload.toString());
    brokers[0].send(publishPacket('t', 'a', 0));
    brokers[0].send(publishPacket('t', 'b', 0));
    await settle();
    expect(got).toEqual(['a', 'b']);
    expect(drivers[0].inbox).toBe(drivers[1].inbox);
    for (const c of clients) c.disconnect();
  });
});

/** An idle connection's own objects, by path (a new one here is a new cost per connection: spec/bench's idle row). */
const EXPECTED_OWN: string[] = [
  'client (Client)',
  'client._events (null-prototype)',
  'client.driver (ClientDriver)',
  'client.driver.session (Session)',
  'client.driver.connector (Connector)',
  'client.driver.callbacks (Callbacks)',
  'client.driver.backpressure (Backpressure)',
  'client.driver.pump (PumpScheduler)',
  'client.driver.session.config (Object)',
  'client.driver.session.parser (Parser)',
  'client.driver.session.outgoingFlow (OutgoingFlow)',
  'client.driver.session.incomingFlow (IncomingFlow)',
  'client.driver.connector.rare (RareConnectorState)', // made by the memory transport's createTransport: a TCP client holds none (below)
];
