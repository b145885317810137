/**
 * The Client's pump and reconnect rules, driven deterministically: a memory transport with a
 * scripted broker on the other end, and jest's fake clock for every delay.
 */
import {
  Client, MQTT_ERR_CONN_LOST, MQTT_ERR_KEEPALIVE, MQTT_ERR_SUCCESS, MQTTMessage,
} from '../../lib';
import { encode, Parser } from '../../lib/protocol';
import { MemoryTransport } from '../../lib/transport/memory';
import { MemoryBroker } from '../support/memoryBroker';
import { advance, promiseJobs, settle, useFakeClock } from '../support/wait';
import { debugSizes } from '../support/clientInternals';

/** The in-memory broker; its clients have the client id 'pump' and the (fake) wall clock. */
class Broker extends MemoryBroker {
  constructor() {
    super(4, { clientId: 'pump', clock: () => Date.now() });
  }
}

useFakeClock();

describe('reconnect backoff (reconnectDelaySet)', () => {
  test('reconnects go through the public reconnect(), so a subclass that overrides it sees them (paho\'s loops call self.reconnect())', async () => {
    const broker = new Broker();
    const calls: number[] = [];
    class Counting extends Client {
      override reconnect(): Promise<number> {
        calls.push(Date.now());
        return super.reconnect();
      }
    }
    // An empty client id refused with CONNACK 2: paho's immediate retry with a generated id.
    broker.connackCode = 2;
    broker.onPacket = (p) => { if (p.type === 'connect') broker.connackCode = 0; };
    const c = new Counting({ clientId: '', clock: () => Date.now(), createTransport: () => broker.listener.createTransport() });
    await c.connect('broker', 1883, 0);
    expect(calls).toHaveLength(1); // connect() itself
    expect(c.loopStart()).toBe(MQTT_ERR_SUCCESS);
    await settle();
    expect(c.isConnected()).toBe(true);
    expect(broker.connects.map((p) => p.clientId === '')).toEqual([true, false]);
    expect(calls).toHaveLength(2); // the retry after CONNACK 2

    // A lost connection: the background reconnect after the backoff delay.
    const lostAt = Date.now();
    broker.peer.close();
    await settle();
    await advance(1000);
    await settle();
    expect(c.isConnected()).toBe(true);
    expect(calls).toEqual([expect.any(Number), expect.any(Number), lostAt + 1000]);
    c.disconnect();
    await c.loopStop();
  });

  test('waits min, then doubles per failed attempt up to max, and starts over after a CONNACK', async () => {
    const broker = new Broker();
    const c = broker.client();
    c.reconnectDelaySet(1, 8);
    const events: string[] = [];
    c.on_connect = () => events.push(`connect@${Date.now()}`);
    c.on_connect_fail = () => events.push(`fail@${Date.now()}`);
    c.on_disconnect = (_c: Client, _u: unknown, rc: number) => events.push(`disconnect rc=${rc}`);
    await c.connect('broker', 1883, 0);
    expect(c.loopStart()).toBe(MQTT_ERR_SUCCESS);
    await settle();
    expect(c.isConnected()).toBe(true);

    broker.refuseSockets = 5;
    const lostAt = Date.now();
    broker.peer.close();
    await settle();
    expect(events).toContain(`disconnect rc=${MQTT_ERR_CONN_LOST}`);
    await advance(1000 + 2000 + 4000 + 8000 + 8000 + 8000);
    await settle();
    const delays = broker.attempts.slice(1).map((t, i, a) => t - (i === 0 ? lostAt : a[i - 1]));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(events.filter((e) => e.startsWith('fail')).length).toBe(5);
    expect(c.isConnected()).toBe(true);

    // A CONNACK reset the backoff: the next loss waits the minimum again.
    const before = broker.attempts.length;
    const lost2 = Date.now();
    broker.peer.close();
    await settle();
    await advance(1000);
    await settle();
    expect(broker.attempts.length).toBe(before + 1);
    expect(broker.attempts[before] - lost2).toBe(1000);
    c.disconnect();
    await c.loopStop();
  });

  test('a CONNACK that never comes ends the connection after the keepalive with on_disconnect(MQTT_ERR_KEEPALIVE), as paho, and retries', async () => {
    const broker = new Broker();
    broker.connackCode = null;
    const c = broker.client();
    c.reconnectDelaySet(2, 2);
    const fails: number[] = [];
    let connectFails = 0;
    c.on_disconnect = (_c: Client, _u: unknown, rc: number) => { if (rc === MQTT_ERR_KEEPALIVE) fails.push(Date.now()); };
    c.on_connect_fail = () => connectFails++;
    const start = Date.now();
    await c.connect('broker', 1883, 5);
    c.loopStart();
    await advance(4999);
    expect(fails).toEqual([]);
    await advance(1);
    await settle();
    expect(fails).toEqual([start + 5000]);
    expect(connectFails).toBe(0); // the socket opened: not a failed attempt in paho's sense
    expect(broker.peer.closed).toBe(true);
    await advance(2000);
    await settle();
    expect(broker.attempts).toEqual([start, start + 7000]);
    c.disconnect();
    await c.loopStop();
  });
});

describe('the pump', () => {
  test('publishes made in one task leave in two socket writes: the first at once, the rest together', async () => {
    const broker = new Broker();
    const c = broker.client();
    await c.connect('broker', 1883, 60);
    c.loopStart();
    await settle();
    broker.peer.takeReceived();
    expect(broker.peer.received.length).toBe(0);
    for (let i = 0; i < 100; i++) c.publish('t', `m${i}`, 0);
    await settle();
    const parser = new Parser({ protocolVersion: 4 });
    const writes = broker.peer.received.map((w) => parser.feed(w).map((p) => (p.type === 'publish' ? p.payload.toString() : p.type)));
    expect(writes).toEqual([['m0'], Array.from({ length: 99 }, (_, i) => `m${i + 1}`)]);
    c.disconnect();
    await c.loopStop();
  });

  test('a message on an accepted connection is dispatched at the end of its data event: no timer, no setImmediate turn', async () => {
    const broker = new Broker();
    const c = broker.client();
    const got: string[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => got.push(m.payload.toString());
    await c.connect('broker', 1883, 60);
    c.loopStart();
    await settle();
    broker.peer.write(encode({ type: 'publish', topic: 'a', payload: Buffer.from('now'), qos: 0, retain: false, dup: false }, 4));
    const before = Date.now();
    await promiseJobs(); // the memory delivery and the microtasks after it: no setImmediate runs
    expect(got).toEqual(['now']);
    expect(Date.now()).toBe(before);
    c.disconnect();
    await c.loopStop();
  });

  test('chunks delivered together make one turn: the QoS 1 messages of three chunks are acknowledged in one write', async () => {
    const broker = new Broker();
    const c = broker.client();
    const got: string[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => got.push(m.payload.toString());
    await c.connect('broker', 1883, 60);
    c.loopStart();
    await settle();
    broker.peer.takeReceived();
    for (let i = 1; i <= 3; i++) {
      broker.peer.write(encode({ type: 'publish', topic: 'a', payload: Buffer.from(`m${i}`), qos: 1, retain: false, dup: false, packetId: i }, 4));
    }
    await promiseJobs();
    expect(got).toEqual(['m1', 'm2', 'm3']);
    expect(broker.peer.received.length).toBe(1);
    expect(new Parser({ protocolVersion: 4 }).feed(broker.peer.received[0]).map((p) => `${p.type} ${(p as { packetId?: number }).packetId}`))
      .toEqual(['puback 1', 'puback 2', 'puback 3']);
    c.disconnect();
    await c.loopStop();
  });

  test('the first publish of a task is written inside the call, the rest at the end of the task (a microtask); no callback runs inside publish()', async () => {
    const broker = new Broker();
    const c = broker.client();
    const published: number[] = [];
    c.on_publish = (_c: Client, _u: unknown, mid: number) => published.push(mid);
    await c.connect('broker', 1883, 60);
    c.loopStart();
    await settle();
    broker.peer.takeReceived();
    const writes = jest.spyOn(MemoryTransport.prototype, 'write');
    const first = c.publish('t', 'm0', 0);
    expect(writes).toHaveBeenCalledTimes(1); // inside the call (the memory transport delivers it in a promise job)
    expect(first.isPublished()).toBe(true); // a QoS 0 message is published once written...
    expect(published).toEqual([]); // ...but on_publish runs at the end of the task, not inside publish()
    for (let i = 1; i < 50; i++) c.publish('t', `m${i}`, i % 5 === 0 ? 1 : 0); // 9 QoS 1: within the window of 20
    expect(writes).toHaveBeenCalledTimes(1);
    await promiseJobs();
    expect(writes).toHaveBeenCalledTimes(2);
    writes.mockRestore();
    expect(published.length).toBe(41); // the QoS 0 ones: written; the QoS 1 ones wait for PUBACK
    const parser = new Parser({ protocolVersion: 4 });
    const sent = broker.peer.received.map((w) => parser.feed(w).map((p) => (p.type === 'publish' ? p.payload.toString() : p.type)));
    expect(sent).toEqual([['m0'], Array.from({ length: 49 }, (_, i) => `m${i + 1}`)]);
    c.disconnect();
    await c.loopStop();
  });

  test('publishes from on_message leave in the same write as the PUBACKs of the turn, and callbacks never re-enter it', async () => {
    const broker = new Broker();
    const c = broker.client();
    let depth = 0;
    let maxDepth = 0;
    c.on_message = (client: Client, _u: unknown, m: MQTTMessage) => {
      maxDepth = Math.max(maxDepth, ++depth);
      client.publish('echo', m.payload, 0);
      depth--;
    };
    await c.connect('broker', 1883, 60);
    c.loopStart();
    await settle();
    broker.peer.takeReceived();
    broker.peer.write(Buffer.concat([1, 2, 3].map((id) => encode({ type: 'publish', topic: 'a', payload: Buffer.from(`p${id}`), qos: 1, retain: false, dup: false, packetId: id }, 4))));
    await settle();
    expect(broker.peer.received.length).toBe(1);
    const sent = new Parser({ protocolVersion: 4 }).feed(broker.peer.received[0]);
    expect(sent.map((p) => (p.type === 'publish' ? `publish ${p.payload}` : `${p.type} ${(p as { packetId: number }).packetId}`)))
      .toEqual(['publish p1', 'puback 1', 'publish p2', 'puback 2', 'publish p3', 'puback 3']); // acks after their handlers (flow)
    expect(maxDepth).toBe(1);
    c.disconnect();
    await c.loopStop();
  });

  test('PINGREQ goes out keepalive seconds after the last packet sent, from the pump timer', async () => {
    const broker = new Broker();
    const c = broker.client();
    await c.connect('broker', 1883, 10);
    c.loopStart();
    await settle();
    await advance(9999);
    expect(broker.packets[0].filter((p) => p.type === 'pingreq').length).toBe(0);
    await advance(1);
    await settle();
    expect(broker.packets[0].filter((p) => p.type === 'pingreq').length).toBe(1);
    expect(c.isConnected()).toBe(true);
    c.disconnect();
    await c.loopStop();
  });

  test('writes do not re-arm the keepalive timer; one that fires early finds nothing due, and PINGREQ still goes out keepalive after the last write', async () => {
    const broker = new Broker();
    const c = broker.client();
    await c.connect('broker', 1883, 10);
    c.loopStart();
    await settle();
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    await advance(4000);
    for (let i = 0; i < 20; i++) {
      c.publish('t', `m${i}`, 0); // each publish its own write, each moving the keepalive deadline later
      await settle();
    }
    expect(setTimeoutSpy).not.toHaveBeenCalled();
    expect(debugSizes(c).timers).toBe(1);
    const lastWrite = Date.now();
    await advance(6000); // the timer armed for the CONNECT deadline fires: nothing due, so it arms again
    expect(broker.packets[0].filter((p) => p.type === 'pingreq').length).toBe(0);
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
    await advance(lastWrite + 10_000 - Date.now() - 1);
    expect(broker.packets[0].filter((p) => p.type === 'pingreq').length).toBe(0);
    await advance(1);
    expect(broker.packets[0].filter((p) => p.type === 'pingreq').length).toBe(1);
    setTimeoutSpy.mockRestore();
    c.disconnect();
    await c.loopStop();
  });

  test('loopForever resolves MQTT_ERR_CONN_LOST after disconnect(), as paho; DISCONNECT is sent and on_disconnect gets rc 0', async () => {
    const broker = new Broker();
    const c = broker.client();
    const rcs: number[] = [];
    c.on_disconnect = (_c: Client, _u: unknown, rc: number) => rcs.push(rc);
    c.on_connect = (client: Client) => client.disconnect();
    await c.connect('broker', 1883, 60);
    const done = c.loopForever();
    await settle();
    await expect(done).resolves.toBe(MQTT_ERR_CONN_LOST);
    expect(broker.packets[0].map((p) => p.type)).toEqual(['connect', 'disconnect']);
    expect(rcs).toEqual([0]);
  });

  test('with suppressExceptions = false, a callback error rejects loopForever', async () => {
    const broker = new Broker();
    const c = broker.client();
    c.suppressExceptions = false;
    c.on_connect = () => { throw new Error('boom in on_connect'); };
    await c.connect('broker', 1883, 60);
    const done = c.loopForever().then(() => 'resolved', (e: Error) => e.message);
    await settle();
    await expect(done).resolves.toBe('boom in on_connect');
    c.disconnect();
  });

  test('loop() returns MQTT_ERR_CONN_LOST before connect (as paho), and when the broker closes', async () => {
    const broker = new Broker();
    const c = broker.client();
    await expect(c.loop(0)).resolves.toBe(MQTT_ERR_CONN_LOST);
    await c.connect('broker', 1883, 60);
    const first = c.loop(1);
    await settle();
    await expect(first).resolves.toBe(MQTT_ERR_SUCCESS);
    expect(c.isConnected()).toBe(true);
    broker.peer.close();
    const second = c.loop(1);
    await settle();
    await expect(second).resolves.toBe(MQTT_ERR_CONN_LOST);
    await expect(c.loop(0)).resolves.toBe(MQTT_ERR_CONN_LOST);
  });
});
