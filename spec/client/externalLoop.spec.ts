/**
 * A Client driven by the program's own event loop, as paho's examples/loop_asyncio.py drives
 * paho (and loop_select.py without hooks), against mosquitto: the program never calls loop(),
 * loopStart() or loopForever(). on_socket_open starts watching the socket (its 'data' and
 * 'close' events call loopRead()) and a timer calling loopMisc(); on_socket_register_write
 * starts calling loopWrite() (Node's socket is always writable: once per turn) until
 * on_socket_unregister_write; on_socket_close stops it all.
 *
 * paho 2.1 running the same program (subscribe, publish QoS 0/1/2, receive them, disconnect)
 * against mosquitto gave: open, register, unregister, connect, register, unregister, subscribe,
 * register, publish, unregister, message, message, register, publish, unregister, register,
 * unregister, register, unregister, publish, message, register, disconnect, unregister, close.
 */
import * as net from 'net';
import { CallbackAPIVersion, Client, MQTTMessage, ReasonCodes } from '../../lib';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { within } from './support';

/** The program's side: the hooks of loop_asyncio.py in Node terms. */
class ExternalLoop {
  readonly seq: string[] = [];
  /** Socket writes seen outside loopWrite() (there must be none). */
  readonly strayWrites: number[] = [];
  private sock: net.Socket | null = null;
  private misc: NodeJS.Timeout | null = null;
  private writing = false;
  private inLoopWrite = false;
  private readonly onReadable = (): void => { this.client.loopRead(); };

  constructor(readonly client: Client) {
    client.on_socket_open = (c: Client, _u: unknown, sock: net.Socket) => {
      this.seq.push('open');
      this.sock = sock;
      sock.on('data', this.onReadable);
      sock.on('close', this.onReadable);
      const write = sock.write;
      // Every byte must leave through loopWrite().
      sock.write = ((...args: Parameters<net.Socket['write']>) => {
        if (!this.inLoopWrite) this.strayWrites.push(Buffer.byteLength(args[0] as Buffer));
        return write.apply(sock, args);
      }) as net.Socket['write'];
      this.misc = setInterval(() => c.loopMisc(), 1000);
    };
    client.on_socket_close = (_c: Client, _u: unknown, sock: net.Socket) => {
      this.seq.push('close');
      sock.off('data', this.onReadable);
      sock.off('close', this.onReadable);
      if (this.misc !== null) clearInterval(this.misc);
      this.misc = null;
      this.writing = false;
    };
    client.on_socket_register_write = () => {
      this.seq.push('register');
      this.writing = true;
      setImmediate(this.writeTurn);
    };
    client.on_socket_unregister_write = () => {
      this.seq.push('unregister');
      this.writing = false;
    };
  }

  private readonly writeTurn = (): void => {
    if (!this.writing) return;
    this.inLoopWrite = true;
    try {
      this.client.loopWrite();
    } finally {
      this.inLoopWrite = false;
    }
    if (this.writing) setImmediate(this.writeTurn);
  };

  stop(): void {
    if (this.misc !== null) clearInterval(this.misc);
    this.sock?.destroy();
  }
}

describeWithMosquitto('a Client driven from an external event loop (socket hooks) against mosquitto', () => {
  let broker: MosquittoBroker;
  const loops: ExternalLoop[] = [];
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterEach(() => {
    for (const l of loops.splice(0)) l.stop();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  test.each([CallbackAPIVersion.VERSION1, CallbackAPIVersion.VERSION2])('callback API %i: subscribes, publishes QoS 0/1/2, receives them, disconnects; hooks open first, register/unregister in pairs, close last', async (api) => {
    const c = new Client({ clientId: `ext-loop-${api}`, callbackApiVersion: api });
    const loop = new ExternalLoop(c);
    loops.push(loop);
    const { seq } = loop;
    const got: Array<[string, string, number]> = [];
    const published: number[] = [];
    let done!: (rc: unknown) => void;
    const disconnected = new Promise((resolve) => { done = resolve; });
    c.on_connect = (cl: Client) => {
      seq.push('connect');
      cl.subscribe('ext/#', 2);
    };
    c.on_subscribe = (cl: Client) => {
      seq.push('subscribe');
      for (const q of [0, 1, 2]) published.push(cl.publish(`ext/${q}`, `m${q}`, q).mid);
    };
    c.on_publish = (_c: Client, _u: unknown, mid: number) => seq.push(`publish ${mid}`);
    c.on_message = (cl: Client, _u: unknown, m: MQTTMessage) => {
      seq.push(`message ${m.qos}`);
      got.push([m.topic, m.payload.toString(), m.qos]);
      if (got.length === 3) cl.disconnect();
    };
    c.on_disconnect = (...args: unknown[]) => {
      seq.push('disconnect');
      done(args[api === CallbackAPIVersion.VERSION2 ? 3 : 2]);
    };

    await c.connect(broker.host, broker.port, 60);
    const rc = await within(disconnected, 10_000, `the program to finish (hooks and callbacks so far: ${seq.join(', ')})`);

    expect(api === CallbackAPIVersion.VERSION2 ? (rc as ReasonCodes).value : rc).toBe(0);
    expect(got.sort()).toEqual([['ext/0', 'm0', 0], ['ext/1', 'm1', 1], ['ext/2', 'm2', 2]]);
    expect(seq.filter((s) => s.startsWith('publish ')).map((s) => Number(s.slice(8))).sort()).toEqual([...published].sort());
    expect(loop.strayWrites).toEqual([]);
    const hooks = seq.filter((s) => ['open', 'close', 'register', 'unregister'].includes(s));
    expect(hooks[0]).toBe('open');
    expect(hooks[hooks.length - 1]).toBe('close');
    const pairs = hooks.slice(1, -1);
    expect(pairs.length % 2).toBe(0);
    pairs.forEach((h, i) => expect(h).toBe(i % 2 === 0 ? 'register' : 'unregister'));
    // CONNECT, SUBSCRIBE, the three PUBLISHes, PUBREL, the PUBACK/PUBREC/PUBCOMP of what came in, DISCONNECT: several write rounds.
    expect(pairs.length).toBeGreaterThanOrEqual(10);
    // The order of the callbacks, and paho's ending.
    expect(seq.slice(0, 4)).toEqual(['open', 'register', 'unregister', 'connect']);
    expect(seq.indexOf('subscribe')).toBeGreaterThan(seq.indexOf('connect'));
    // disconnect() registers (or finds the socket registered); loopWrite() writes DISCONNECT, then as paho:
    expect(seq.slice(-3)).toEqual(['disconnect', 'unregister', 'close']);
    if (process.env.SHOW_SEQ) console.log(seq.join(', '));
    expect(c.socket()).toBeNull();
    expect(c.isConnected()).toBe(false);
  });

  test('the broker goes away: loopRead() on the socket\'s close gives close, then on_disconnect with MQTT_ERR_CONN_LOST', async () => {
    const c = new Client({ clientId: 'ext-loop-lost' });
    const loop = new ExternalLoop(c);
    loops.push(loop);
    const { seq } = loop;
    let done!: (rc: unknown) => void;
    const lost = new Promise((resolve) => { done = resolve; });
    let connected!: () => void;
    const up = new Promise<void>((resolve) => { connected = resolve; });
    c.on_connect = () => { seq.push('connect'); connected(); };
    c.on_disconnect = (_c: Client, _u: unknown, rc: number) => { seq.push('disconnect'); done(rc); };
    const other = await startMosquitto();
    try {
      await c.connect(other.host, other.port, 60);
      await within(up, 10_000, 'CONNACK');
      await other.kill9();
      expect(await within(lost, 10_000, 'on_disconnect')).toBe(7); // MQTT_ERR_CONN_LOST
    } finally {
      await other.stop();
    }
    expect(seq).toEqual(['open', 'register', 'unregister', 'connect', 'close', 'disconnect']);
  });
});
