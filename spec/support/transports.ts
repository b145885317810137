/*
 * `describeEachTransport`: runs a suite once per transport (tcp, tls, ws, wss, unix), as
 * `describeEachBroker` (spec/client/support.ts) runs one per broker. All rows share one
 * mosquitto with five listeners: MQTT, MQTT over TLS, WebSockets, secure WebSockets and a Unix
 * socket (`listener 0 <path>`, which mosquitto 2.0 supports). The suite goes through
 * describeWithMosquitto: skipped without the binary locally, failing under CI.
 *
 * Each row hands the suite a TransportBroker: the broker as a client of that transport sees
 * it (host or socket path, port, client options, the test CA). `start()` and `roundTrip()` are
 * the steps the integration specs share.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client, ClientOptions, MQTT_ERR_SUCCESS, MQTTMessage, MQTTMessageInfo } from '../../lib';
import { Clients, connected, SeqCounter, subscribeAndWait, waitFor } from '../client/support';
import { describeWithMosquitto, MosquittoBroker, MosquittoOptions, startMosquitto } from './mosquitto';

export type TransportName = 'tcp' | 'tls' | 'ws' | 'wss' | 'unix';

export interface TransportKind {
  name: TransportName;
  /** The Client's `transport` option. */
  transport: 'tcp' | 'websockets' | 'unix';
  /** TLS under it (tlsSet with the test CA). */
  secure: boolean;
}

export const TRANSPORT_KINDS: TransportKind[] = [
  { name: 'tcp', transport: 'tcp', secure: false },
  { name: 'tls', transport: 'tcp', secure: true },
  { name: 'ws', transport: 'websockets', secure: false },
  { name: 'wss', transport: 'websockets', secure: true },
  { name: 'unix', transport: 'unix', secure: false },
];

/** The one mosquitto of a describeEachTransport suite, and its Unix socket. */
interface Listeners {
  broker: MosquittoBroker;
  socketPath: string;
}

/** The broker as a client of one transport sees it. */
export class TransportBroker {
  constructor(readonly kind: TransportKind, private readonly listeners: () => Listeners) {}

  get name(): TransportName {
    return this.kind.name;
  }

  get mosquitto(): MosquittoBroker {
    return this.listeners().broker;
  }

  /**
   * Where to connect: the socket path for unix, else 127.0.0.1; `byName` asks for 'localhost'
   * on the TLS rows (SNI and the certificate's DNS name checked, not its IP address).
   */
  host(byName = false): string {
    if (this.kind.transport === 'unix') return this.listeners().socketPath;
    return byName && this.kind.secure ? 'localhost' : '127.0.0.1';
  }

  get port(): number {
    const b = this.mosquitto;
    switch (this.kind.name) {
      case 'tls': return b.tlsPort!;
      case 'ws': return b.wsPort!;
      case 'wss': return b.wssPort!;
      default: return b.port; // unix: not used
    }
  }

  /** A client of this transport (registered in `clients`); TLS rows trust the test CA, given as a file or (`caPem`) as PEM text. */
  make(clients: Clients, opts: ClientOptions = {}, trust: { caPem?: boolean } = {}): Client {
    const c = clients.make({ ...opts, transport: this.kind.transport });
    if (this.kind.secure) {
      const certs = this.mosquitto.certs!;
      c.tlsSet({ caCerts: trust.caPem ? certs.caPem : certs.caFile });
    }
    return c;
  }

  /** The same broker through another transport. */
  over(name: TransportName): TransportBroker {
    return new TransportBroker(TRANSPORT_KINDS.find((k) => k.name === name)!, this.listeners);
  }

  /** start() to this transport's listener. */
  start(c: Client, subs: Array<[string, number]> = [], byName = false): Promise<void> {
    return start(c, this.host(byName), this.port, subs);
  }
}

/** One mosquitto with all five listeners for the suite: started in beforeAll, stopped in afterAll. */
function useAllListeners(opts: MosquittoOptions): () => Listeners {
  let listeners: Listeners | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-unix-'));
    const socketPath = path.join(dir, 'mqtt.sock');
    // extraConfig goes after the last listener: the Unix one is a listener block of its own.
    const extraConfig = `listener 0 ${socketPath}\n${opts.extraConfig ?? ''}`;
    listeners = { broker: await startMosquitto({ ...opts, tls: opts.tls ?? true, websockets: true, extraConfig }), socketPath };
  });
  afterAll(async () => {
    await listeners?.broker.stop();
    listeners = undefined;
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!listeners) throw new Error('mosquitto is not running (beforeAll failed?)');
    return listeners;
  };
}

/**
 * `describe.each` over the transports, against one mosquitto (with `broker` options, e.g.
 * persistence) listening on all of them.
 */
export function describeEachTransport(
  title: string,
  fn: (t: TransportBroker) => void,
  opts: { kinds?: TransportKind[]; broker?: MosquittoOptions } = {},
): void {
  describeWithMosquitto(`${title} [mosquitto, per transport]`, () => {
    const listeners = useAllListeners(opts.broker ?? {});
    describe.each(opts.kinds ?? TRANSPORT_KINDS)('over $name', (kind) => fn(new TransportBroker(kind, listeners)));
  });
}

/** connect() (rc MQTT_ERR_SUCCESS) + loopStart + CONNACK, then SUBACK for `subs` granting what was asked. */
export async function start(c: Client, host: string, port: number, subs: Array<[string, number]> = []): Promise<void> {
  const conn = connected(c);
  expect(await c.connect(host, port, 30)).toBe(MQTT_ERR_SUCCESS);
  c.loopStart();
  await conn;
  if (subs.length > 0) expect(await subscribeAndWait(c, subs)).toEqual(subs.map(([, q]) => q));
}

/** Publishes n messages + a sentinel at `qos`; checks each arrived exactly once, in order, with its qos. */
export async function roundTrip(sub: Client, pub: Client, topic: string, qos: number, n = 20): Promise<void> {
  const counter = new SeqCounter(n, 'm');
  const order: string[] = [];
  let sentinel = false;
  sub.on_message = (_c: Client, _u: unknown, msg: MQTTMessage) => {
    if (msg.payload.toString() === 'end') {
      sentinel = true;
      return;
    }
    expect(msg.qos).toBe(qos);
    order.push(msg.payload.toString());
    counter.add(msg.payload);
  };
  const infos: MQTTMessageInfo[] = [];
  for (let i = 0; i < n; i++) infos.push(pub.publish(topic, `m${i}`, qos));
  infos.push(pub.publish(topic, 'end', qos));
  await Promise.all(infos.map((i) => i.waitForPublish()));
  await waitFor(() => sentinel, 5000, () => `the sentinel; so far ${counter.describe()}`);
  expect(counter.missing()).toEqual([]);
  expect(counter.duplicates()).toEqual([]);
  expect(counter.total).toBe(n);
  expect(order).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
}
