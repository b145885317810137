/**
 * What an idle connection holds (idle memory per connection is benchmarked: spec/bench's idle
 * and many rows): connected clients that exchanged only CONNECT/CONNACK carry no per-client
 * object that only an active connection needs; each is made on first use, and works then.
 */
import { MemoryBroker, publishPacket } from '../support/memoryBroker';
import { settle, started, useFakeClock } from '../support/wait';
import { driverOf } from '../support/clientInternals';

useFakeClock();

async function twoIdle() {
  const brokers = [new MemoryBroker(), new MemoryBroker()];
  const clients = brokers.map((b) => b.client());
  for (const c of clients) await started(c, 60);
  return { brokers, clients, drivers: clients.map(driverOf) };
}

describe('an idle connection', () => {
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
