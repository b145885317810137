/**
 * A connection's life cycle as paho reports it, on the memory transport with a scripted broker
 * and jest's fake clock: what fires when a connection ends before its CONNACK (closed by the
 * broker, malformed or refusing CONNACK, none in time), per callback API version and protocol,
 * under loop(), loopStart() and loopForever(); what loop() returns around a disconnect(); and
 * the client id CONNECT carries when none was given.
 *
 * The expected callbacks are what paho 1.6.1 and 2.1.0 were seen to do against the same
 * scripted servers (a socket that opened and ended before CONNACK: on_disconnect, never
 * on_connect_fail).
 */
import {
  CallbackAPIVersion, Client, MQTT_ERR_CONN_LOST, MQTT_ERR_CONN_REFUSED, MQTT_ERR_KEEPALIVE, MQTT_ERR_PROTOCOL, MQTT_ERR_SUCCESS,
  MQTTv31, MQTTv311, MQTTv5, ValueError,
} from '../../lib';
import { encode, Parser } from '../../lib/protocol';
import type { PacketProperties, ProtocolLevel } from '../../lib/protocol/types';
import type { MemoryPeer } from '../../lib/transport/memory';
import { ConnectPacket, MemoryBroker } from '../support/memoryBroker';
import { advance, settle, useFakeClock } from '../support/wait';
import { debugSizes } from '../support/clientInternals';

type Answer = 'accept' | 'close' | 'malformed' | 'refuse' | 'silent' | 'rejectEmptyId' | 'rejectAnyId' | 'mqtt31Only';

/** The in-memory broker, answering each CONNECT as `answer` says. */
class Broker extends MemoryBroker {
  answer: Answer = 'accept';
  /** MQTT 5: accept with an Assigned Client Identifier, auto-1, auto-2, ... per CONNECT. */
  assignIds = false;

  constructor(level: ProtocolLevel) {
    super(level);
  }

  protected override answerConnect(connect: ConnectPacket, peer: MemoryPeer): void {
    const connack = (reasonCode: number, level = this.level, properties?: PacketProperties) =>
      peer.write(encode({ type: 'connack', sessionPresent: false, reasonCode, properties }, level));
    const v5 = this.level === 5;
    switch (this.answer) {
      case 'accept': return connack(0, this.level, this.assignIds ? { AssignedClientIdentifier: `auto-${this.connects.length}` } : undefined);
      case 'close': return peer.close();
      case 'malformed': return peer.write(Buffer.from([0x20, 0x01, 0x00])); // remaining length 1: no CONNACK is that short
      case 'refuse': return connack(v5 ? 0x87 : 5);
      case 'silent': return;
      case 'mqtt31Only': // a broker that predates 3.1.1: return code 1 to anything newer
        return connack(connect.protocolVersion === 3 ? 0 : 1, 3);
      case 'rejectAnyId': return connack(2);
      case 'rejectEmptyId': // as mosquitto with allow_zero_length_clientid false
        return connack(connect.clientId === '' ? 2 : 0);
    }
  }

  /** A client of this broker: `protocol`, paho 2.x callbacks (`v2`) or 1.x. */
  clientOf(protocol: number, v2: boolean, clientId = 'life'): Client {
    return this.client({ clientId, protocol, callbackApiVersion: v2 ? CallbackAPIVersion.VERSION2 : CallbackAPIVersion.VERSION1 });
  }
}

/** Each callback as a line: its name and its arguments after (client, userdata). */
function record(c: Client): string[] {
  const seen: string[] = [];
  const show = (a: unknown): string => {
    if (a === undefined) return 'undefined';
    if (a === null) return 'null';
    const o = a as { constructor?: { name?: string }; getName?: () => string; isDisconnectPacketFromServer?: boolean };
    if (typeof o.getName === 'function') return `RC(${o.getName()})`;
    if (o.isDisconnectPacketFromServer !== undefined) return `DF(${o.isDisconnectPacketFromServer})`;
    if (o.constructor?.name === 'Properties') return 'Props';
    return JSON.stringify(a);
  };
  c.on_connect = (_c: Client, _u: unknown, _flags: unknown, ...rest: unknown[]) => seen.push(`connect ${rest.map(show).join(' ')}`.trim());
  c.on_disconnect = (_c: Client, _u: unknown, ...rest: unknown[]) => seen.push(`disconnect ${rest.map(show).join(' ')}`.trim());
  c.on_connect_fail = () => seen.push('connect_fail');
  return seen;
}

useFakeClock();

const KEEPALIVE = 5;

/** What paho 1.6.1/2.1.0 call back for each way an attempt ends before CONNACK (seen against scripted servers). */
const EXPECTED: Record<Exclude<Answer, 'accept' | 'rejectEmptyId' | 'rejectAnyId' | 'mqtt31Only'>, Record<'v311 V1' | 'v5 V1' | 'v311 V2' | 'v5 V2', string[]>> = {
  close: {
    'v311 V1': ['disconnect 7 undefined'], 'v5 V1': ['disconnect 7 undefined'],
    'v311 V2': ['disconnect DF(false) RC(Unspecified error) Props'], 'v5 V2': ['disconnect DF(false) RC(Unspecified error) Props'],
  },
  malformed: {
    'v311 V1': ['disconnect 2 undefined'], 'v5 V1': ['disconnect 2 undefined'],
    'v311 V2': ['disconnect DF(false) RC(Unspecified error) Props'], 'v5 V2': ['disconnect DF(false) RC(Unspecified error) Props'],
  },
  refuse: {
    'v311 V1': ['connect 5 undefined', 'disconnect 5 undefined'],
    'v5 V1': ['connect RC(Not authorized) Props', 'disconnect 2 undefined'],
    'v311 V2': ['connect RC(Not authorized) Props', 'disconnect DF(false) RC(Unspecified error) Props'],
    'v5 V2': ['connect RC(Not authorized) Props', 'disconnect DF(false) RC(Unspecified error) Props'],
  },
  silent: {
    'v311 V1': ['disconnect 16 undefined'], 'v5 V1': ['disconnect 16 undefined'],
    'v311 V2': ['disconnect DF(false) RC(Keep alive timeout) Props'], 'v5 V2': ['disconnect DF(false) RC(Keep alive timeout) Props'],
  },
};

/** loop()'s return in the turn where the attempt ends (paho's, except 'silent': see the README). */
const LOOP_RC: Record<Exclude<Answer, 'accept' | 'rejectEmptyId' | 'rejectAnyId' | 'mqtt31Only'>, Record<'v311' | 'v5', number>> = {
  close: { v311: MQTT_ERR_CONN_LOST, v5: MQTT_ERR_CONN_LOST },
  malformed: { v311: MQTT_ERR_PROTOCOL, v5: MQTT_ERR_PROTOCOL },
  refuse: { v311: MQTT_ERR_CONN_REFUSED, v5: MQTT_ERR_PROTOCOL },
  silent: { v311: MQTT_ERR_KEEPALIVE, v5: MQTT_ERR_KEEPALIVE },
};

const CASES = (['close', 'malformed', 'refuse', 'silent'] as const).flatMap((answer) =>
  ([[MQTTv311, 'v311'], [MQTTv5, 'v5']] as const).flatMap(([protocol, p]) =>
    ([false, true] as const).map((v2) => ({ answer, protocol, p, v2, key: `${p} ${v2 ? 'V2' : 'V1'}` as const }))));

describe('a connection that ends before its CONNACK fires on_disconnect with paho\'s rc, never on_connect_fail', () => {
  test.each(CASES)('$answer, $key, under loop()', async ({ answer, protocol, p, v2, key }) => {
    const b = new Broker(protocol as ProtocolLevel);
    b.answer = answer;
    const c = b.clientOf(protocol, v2);
    const seen = record(c);
    expect(await c.connect('broker', 1883, KEEPALIVE)).toBe(MQTT_ERR_SUCCESS);
    const rcs: number[] = [];
    // Turns until the attempt is over; the fake clock moves while loop() waits.
    for (let i = 0; i < 10 && seen.every((s) => !s.startsWith('disconnect')); i++) {
      const turn = c.loop(KEEPALIVE);
      await advance(KEEPALIVE * 1000);
      rcs.push(await turn);
    }
    expect(seen).toEqual(EXPECTED[answer][key]);
    expect(rcs[rcs.length - 1]).toBe(LOOP_RC[answer][p]);
    expect(rcs.slice(0, -1).every((rc) => rc === MQTT_ERR_SUCCESS)).toBe(true);
    // No connection any more: as paho's select() on a closed socket, MQTT_ERR_CONN_LOST.
    expect(await c.loop(0)).toBe(MQTT_ERR_CONN_LOST);
    expect(c.isConnected()).toBe(false);
  });

  test.each(CASES)('$answer, $key, under loopStart(): on_disconnect, then it retries', async ({ answer, protocol, v2, key }) => {
    const b = new Broker(protocol as ProtocolLevel);
    b.answer = answer;
    const c = b.clientOf(protocol, v2);
    c.reconnectDelaySet(1, 1);
    const seen = record(c);
    c.connectAsync('broker', 1883, KEEPALIVE);
    c.loopStart();
    await advance(KEEPALIVE * 1000);
    expect(seen).toEqual(EXPECTED[answer][key]);
    await advance(1000);
    expect(b.connects).toHaveLength(2); // the retry after reconnectDelaySet's 1 s
    c.disconnect();
    await c.loopStop();
  });

  test.each(CASES)('$answer, $key, under loopForever(): on_disconnect, then it retries until disconnect()', async ({ answer, protocol, v2, key }) => {
    const b = new Broker(protocol as ProtocolLevel);
    b.answer = answer;
    const c = b.clientOf(protocol, v2);
    c.reconnectDelaySet(1, 1);
    const seen = record(c);
    c.connectAsync('broker', 1883, KEEPALIVE);
    const done = c.loopForever();
    await advance(KEEPALIVE * 1000);
    expect(seen).toEqual(EXPECTED[answer][key]);
    b.answer = 'accept';
    await advance(1000);
    expect(seen[seen.length - 1]).toMatch(/^connect (0|RC\(Success\))/);
    c.disconnect();
    await advance(0);
    await expect(done).resolves.toBe(MQTT_ERR_CONN_LOST); // paho's loop_forever after disconnect()
  });
});

describe('a socket that cannot be opened fires on_connect_fail (background modes only)', () => {
  function refusingBroker(): Broker {
    const b = new Broker(4);
    b.refuseSockets = Infinity;
    return b;
  }

  test('connect() rejects and calls nothing, as paho\'s raises', async () => {
    const c = refusingBroker().clientOf(MQTTv311, false);
    const seen = record(c);
    await expect(c.connect('broker', 1883, KEEPALIVE)).rejects.toThrow(/ECONNREFUSED/);
    expect(seen).toEqual([]);
  });

  test('loopForever() on the first connection: on_connect_fail, then it rejects with the error', async () => {
    const c = refusingBroker().clientOf(MQTTv311, false);
    const seen = record(c);
    c.connectAsync('broker', 1883, KEEPALIVE);
    const outcome = c.loopForever().then(() => 'resolved', (e: Error) => e.message);
    await settle();
    await expect(outcome).resolves.toMatch(/ECONNREFUSED/);
    expect(seen).toEqual(['connect_fail']);
  });

  test('loopStart(): on_connect_fail per attempt, retried with backoff', async () => {
    const c = refusingBroker().clientOf(MQTTv5, true);
    c.reconnectDelaySet(1, 1);
    const seen = record(c);
    c.connectAsync('broker', 1883, KEEPALIVE);
    c.loopStart();
    await advance(0);
    expect(seen).toEqual(['connect_fail']);
    await advance(1000);
    expect(seen).toEqual(['connect_fail', 'connect_fail']);
    c.disconnect();
    await c.loopStop();
  });
});

describe('disconnect() then loopStop(), as paho\'s disconnect(); loop_stop()', () => {
  test('on_disconnect (rc 0) has run when loopStop() resolves; the DISCONNECT went out', async () => {
    const b = new Broker(4);
    const c = b.clientOf(MQTTv311, false);
    const seen = record(c);
    await c.connect('broker', 1883, KEEPALIVE);
    c.loopStart();
    await settle();
    expect(seen).toEqual(['connect 0 undefined']);
    expect(c.disconnect()).toBe(MQTT_ERR_SUCCESS);
    expect(await c.loopStop()).toBe(MQTT_ERR_SUCCESS);
    expect(seen).toEqual(['connect 0 undefined', 'disconnect 0 undefined']);
    expect(new Parser({ protocolVersion: 4 }).feed(b.peer.takeReceived()).map((p) => p.type)).toEqual(['connect', 'disconnect']);
    expect(debugSizes(c).timers).toBe(0);
  });

  test('a DISCONNECT that never finishes flushing: after connectTimeout the socket is destroyed, on_disconnect (rc 0) runs and loopStop() resolves', async () => {
    const b = new Broker(4);
    let destroyed = 0;
    const c = new Client({
      clientId: 'stuck', protocol: MQTTv311, clock: () => Date.now(),
      createTransport: () => {
        const t = b.listener.createTransport();
        t.end = () => { /* a peer that stopped reading: the flush never completes */ };
        const destroy = t.destroy.bind(t);
        t.destroy = () => { destroyed++; destroy(); };
        return t;
      },
    });
    c.connectTimeout = 5;
    const seen = record(c);
    await c.connect('broker', 1883, KEEPALIVE);
    c.loopStart();
    await settle();
    c.disconnect();
    let stopped = false;
    const stop = c.loopStop().then((rc) => { stopped = true; return rc; });
    await advance(4_000);
    expect([stopped, destroyed]).toEqual([false, 0]);
    await advance(1_000);
    expect(await stop).toBe(MQTT_ERR_SUCCESS);
    expect(destroyed).toBe(1);
    expect(seen).toEqual(['connect 0 undefined', 'disconnect 0 undefined']);
  });

  test('without disconnect(), loopStop() leaves the connection open and calls nothing', async () => {
    const b = new Broker(4);
    const c = b.clientOf(MQTTv311, false);
    const seen = record(c);
    await c.connect('broker', 1883, KEEPALIVE);
    c.loopStart();
    await settle();
    expect(await c.loopStop()).toBe(MQTT_ERR_SUCCESS);
    expect(seen).toEqual(['connect 0 undefined']);
    expect(c.isConnected()).toBe(true);
    c.disconnect();
  });
});

describe('loop() around disconnect() (paho\'s return codes)', () => {
  test('disconnect() outside a callback: on_disconnect (rc 0) runs inside it, as paho\'s; loop() then returns MQTT_ERR_CONN_LOST', async () => {
    const b = new Broker(4);
    const c = b.clientOf(MQTTv311, false);
    const seen = record(c);
    expect(await c.loop(0)).toBe(MQTT_ERR_CONN_LOST); // before connect(): no connection
    await c.connect('broker', 1883, KEEPALIVE);
    const first = c.loop(1);
    await settle();
    expect(await first).toBe(MQTT_ERR_SUCCESS);
    expect(c.disconnect()).toBe(MQTT_ERR_SUCCESS);
    expect(seen).toEqual(['connect 0 undefined', 'disconnect 0 undefined']);
    expect(await c.loop(0)).toBe(MQTT_ERR_CONN_LOST);
    await settle();
    // The DISCONNECT was written before the socket closed on its own.
    expect(new Parser({ protocolVersion: 4 }).feed(b.peer.takeReceived()).map((p) => p.type)).toEqual(['connect', 'disconnect']);
    expect(b.peer.closed).toBe(true);
    expect(await c.loop(0)).toBe(MQTT_ERR_CONN_LOST);
    // The separate steps report no connection as paho's do.
    expect([c.loopRead(), c.loopWrite(), c.loopMisc()]).toEqual([4, 4, 4]);
  });

  test('disconnect() from on_connect: that call and the one completing it return MQTT_ERR_SUCCESS, later ones MQTT_ERR_CONN_LOST', async () => {
    const b = new Broker(4);
    const c = b.clientOf(MQTTv311, false);
    const seen = record(c);
    c.on_connect = (cl: Client) => { seen.push(`disconnect() ${cl.disconnect()}`); };
    await c.connect('broker', 1883, KEEPALIVE);
    const rcs: number[] = [];
    while (!seen.includes('disconnect 0 undefined') && rcs.length < 5) {
      const turn = c.loop(1);
      await settle();
      rcs.push(await turn);
    }
    expect(seen).toEqual(['disconnect() 0', 'disconnect 0 undefined']);
    expect(rcs.every((rc) => rc === MQTT_ERR_SUCCESS)).toBe(true);
    expect(await c.loop(0)).toBe(MQTT_ERR_CONN_LOST);
  });

  test('a broker that closes an accepted connection: that call returns MQTT_ERR_CONN_LOST, and so do later ones', async () => {
    const b = new Broker(4);
    const c = b.clientOf(MQTTv311, false);
    const seen = record(c);
    await c.connect('broker', 1883, KEEPALIVE);
    const first = c.loop(1);
    await settle();
    expect(await first).toBe(MQTT_ERR_SUCCESS);
    b.peer.close();
    const second = c.loop(1);
    await settle();
    expect(await second).toBe(MQTT_ERR_CONN_LOST);
    expect(seen).toEqual(['connect 0 undefined', 'disconnect 7 undefined']);
    expect(await c.loop(0)).toBe(MQTT_ERR_CONN_LOST);
  });
});

describe('the client id CONNECT carries when none is given (paho\'s rules)', () => {
  async function sentId(protocol: number): Promise<{ sent: string; getter: string }> {
    const b = new Broker(protocol as ProtocolLevel);
    const c = new Client({ protocol, createTransport: () => b.listener.createTransport(), clock: () => Date.now() });
    const before = c.clientId;
    await c.connect('broker', 1883, KEEPALIVE);
    const turn = c.loop(1);
    await settle();
    await turn;
    expect(c.clientId).toBe(before); // never changed by connecting
    c.disconnect();
    return { sent: b.connects[0].clientId, getter: before };
  }

  test('3.1.1 and 5.0: an empty id (the broker assigns one); clientId is \'\'', async () => {
    expect(await sentId(MQTTv311)).toEqual({ sent: '', getter: '' });
    expect(await sentId(MQTTv5)).toEqual({ sent: '', getter: '' });
  });

  test('3.1: 22 random characters of [0-9a-zA-Z], made at construction, new for each client and reinitialise()', async () => {
    const { sent, getter } = await sentId(MQTTv31);
    expect(sent).toMatch(/^[0-9a-zA-Z]{22}$/);
    expect(getter).toBe(sent);
    const c = new Client({ protocol: MQTTv31 });
    expect(c.clientId).toMatch(/^[0-9a-zA-Z]{22}$/);
    expect(c.clientId).not.toBe(sent);
    const first = c.clientId;
    c.reinitialise({ protocol: MQTTv31 });
    expect(c.clientId).toMatch(/^[0-9a-zA-Z]{22}$/);
    expect(c.clientId).not.toBe(first);
    c.reinitialise(); // as paho's reinitialise(): back to the default protocol, 3.1.1
    expect(c.clientId).toBe('');
  });

  test('an id given is sent as given; an empty one with cleanSession false is a ValueError naming cleanSession', () => {
    expect(new Client('given').clientId).toBe('given');
    for (const protocol of [MQTTv31, MQTTv311]) {
      expect(() => new Client({ protocol, cleanSession: false })).toThrow(ValueError);
      expect(() => new Client({ protocol, clientId: '', cleanSession: false })).toThrow(/^cleanSession: /);
    }
  });

  test('5.0: the Assigned Client Identifier reaches on_connect but is not reused: a reconnect sends the empty id again (as paho 2.1)', async () => {
    const b = new Broker(5);
    const assigned: unknown[] = [];
    const c = new Client({ protocol: MQTTv5, createTransport: () => b.listener.createTransport(), clock: () => Date.now() });
    c.on_connect = (_c: Client, _u: unknown, _f: unknown, _rc: unknown, props: { AssignedClientIdentifier?: string }) => {
      assigned.push(props.AssignedClientIdentifier);
    };
    b.assignIds = true;
    await c.connect('broker', 1883, KEEPALIVE);
    let turn = c.loop(1);
    await settle();
    await turn;
    await c.reconnect();
    turn = c.loop(1);
    await settle();
    await turn;
    expect(assigned).toEqual(['auto-1', 'auto-2']);
    expect(b.connects.map((p) => p.clientId)).toEqual(['', '']);
    expect(c.clientId).toBe('');
    c.disconnect();
  });
});

describe('MQTT 3.1.1, a broker that rejects the empty client id (CONNACK 2): paho retries at once with a generated one', () => {
  async function turns(c: Client, n: number): Promise<number[]> {
    const rcs: number[] = [];
    for (let i = 0; i < n; i++) {
      const turn = c.loop(1);
      await advance(1000);
      rcs.push(await turn);
    }
    return rcs;
  }

  test('under loop(): no callback for the refused attempt, every call MQTT_ERR_SUCCESS, then connected with a 22-character id', async () => {
    const b = new Broker(4);
    b.answer = 'rejectEmptyId';
    const c = b.clientOf(MQTTv311, false, '');
    const seen = record(c);
    const lines: string[] = [];
    c.on_log = (_c: Client, _u: unknown, _l: number, line: string) => lines.push(line);
    await c.connect('broker', 1883, KEEPALIVE);
    expect(await turns(c, 3)).toEqual([MQTT_ERR_SUCCESS, MQTT_ERR_SUCCESS, MQTT_ERR_SUCCESS]);
    expect(seen).toEqual(['connect 0 undefined']);
    expect(b.connects.map((p) => p.clientId)).toEqual(['', c.clientId]);
    expect(c.clientId).toMatch(/^[0-9a-zA-Z]{22}$/);
    expect(lines).toContain('Received CONNACK (0, 2), attempting to use non-empty CID');
    expect(c.isConnected()).toBe(true);
    c.disconnect();
  });

  test('under loop(), with a retry that takes time to open: the next loop() call waits for it, as paho\'s retry is made within the call', async () => {
    const b = new Broker(4);
    b.answer = 'rejectEmptyId';
    const slowSecondOpen = () => {
      const t = b.listener.createTransport();
      if (b.connects.length === 0) return t;
      const open = t.open.bind(t);
      t.open = (handlers) => new Promise<void>((resolve) => setTimeout(resolve, 500)).then(() => open(handlers));
      return t;
    };
    const c = new Client({ createTransport: slowSecondOpen, clock: () => Date.now() });
    const seen = record(c);
    await c.connect('broker', 1883, KEEPALIVE);
    const first = c.loop(1);
    await settle(); // no clock movement: the retry's open is still pending when this call returns
    expect(await first).toBe(MQTT_ERR_SUCCESS);
    expect(c.isConnected()).toBe(false);
    const second = c.loop(1);
    await advance(1000);
    expect(await second).toBe(MQTT_ERR_SUCCESS);
    expect(seen).toEqual(['connect 0 undefined']);
    expect(b.connects.map((p) => p.clientId)).toEqual(['', c.clientId]);
    c.disconnect();
  });

  test('under loopStart(): the same, in the background', async () => {
    const b = new Broker(4);
    b.answer = 'rejectEmptyId';
    const c = b.clientOf(MQTTv311, true, '');
    const seen = record(c);
    c.connectAsync('broker', 1883, KEEPALIVE);
    c.loopStart();
    await advance(0);
    expect(seen).toEqual(['connect RC(Success) Props']);
    expect(b.connects.map((p) => p.clientId)).toEqual(['', c.clientId]);
    expect(c.isConnected()).toBe(true);
    c.disconnect();
    await c.loopStop();
  });

  test('with reconnectOnFailure false: no on_connect, on_disconnect with MQTT_ERR_PROTOCOL', async () => {
    const b = new Broker(4);
    b.answer = 'rejectEmptyId';
    const c = new Client({ reconnectOnFailure: false, createTransport: () => b.listener.createTransport(), clock: () => Date.now() });
    const seen = record(c);
    await c.connect('broker', 1883, KEEPALIVE);
    expect(await turns(c, 1)).toEqual([MQTT_ERR_PROTOCOL]);
    expect(seen).toEqual(['disconnect 2 undefined']);
    expect(b.connects).toHaveLength(1);
    expect(c.clientId).toBe('');
  });

  test('an id of our own that the broker rejects is an ordinary refusal (on_connect 2, on_disconnect MQTT_ERR_CONN_REFUSED)', async () => {
    const b = new Broker(4);
    b.answer = 'rejectAnyId';
    const c = b.clientOf(MQTTv311, false, 'mine');
    const seen = record(c);
    await c.connect('broker', 1883, KEEPALIVE);
    expect(await turns(c, 1)).toEqual([MQTT_ERR_CONN_REFUSED]);
    expect(seen).toEqual(['connect 2 undefined', 'disconnect 5 undefined']);
    expect(b.connects).toHaveLength(1);
  });
});

describe('MQTT 3.1.1 refused with return code 1 (protocol version): paho retries at once with MQTT 3.1', () => {
  test('under loop(): no callback for the refused attempt, then connected on 3.1, which later connections keep', async () => {
    const b = new Broker(4);
    b.answer = 'mqtt31Only';
    const c = b.clientOf(MQTTv311, false, 'old-broker');
    const seen = record(c);
    const lines: string[] = [];
    c.on_log = (_c: Client, _u: unknown, _l: number, line: string) => lines.push(line);
    await c.connect('broker', 1883, KEEPALIVE);
    const rcs: number[] = [];
    while (seen.length === 0 && rcs.length < 5) {
      const turn = c.loop(1);
      await advance(1000);
      rcs.push(await turn);
    }
    expect(rcs.every((rc) => rc === MQTT_ERR_SUCCESS)).toBe(true);
    expect(seen).toEqual(['connect 0 undefined']);
    expect(b.connects.map((p) => [p.protocolVersion, p.clientId])).toEqual([[4, 'old-broker'], [3, 'old-broker']]);
    expect(lines).toContain('Received CONNACK (0, 1), attempting downgrade to MQTT v3.1.');
    expect(c.protocol).toBe(MQTTv31);
    await c.reconnect();
    expect(b.connects[2].protocolVersion).toBe(3);
    c.disconnect();
  });

  test('with reconnectOnFailure false: no on_connect, on_disconnect with MQTT_ERR_PROTOCOL, still 3.1.1', async () => {
    const b = new Broker(4);
    b.answer = 'mqtt31Only';
    const c = new Client({ clientId: 'x', reconnectOnFailure: false, createTransport: () => b.listener.createTransport(), clock: () => Date.now() });
    const seen = record(c);
    await c.connect('broker', 1883, KEEPALIVE);
    const turn = c.loop(1);
    await advance(1000);
    expect(await turn).toBe(MQTT_ERR_PROTOCOL);
    expect(seen).toEqual(['disconnect 2 undefined']);
    expect(c.protocol).toBe(MQTTv311);
  });
});
