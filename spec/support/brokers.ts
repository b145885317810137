/**
 * The broker table of the integration specs: every feature mosca can do (QoS 0/1, MQTT
 * 3.1/3.1.1) runs against both the embedded broker and mosquitto with `describeEachBroker`;
 * `describeEachTransport` (transports.ts, beside it) runs a suite over each transport. Mosquitto
 * rows go through `describeWithMosquitto`, so a machine without mosquitto skips them (and CI
 * fails them).
 */
import { startEmbeddedBroker } from './embeddedBroker';
import { describeWithMosquitto, MosquittoBroker, MosquittoOptions, startMosquitto } from './mosquitto';

export interface TestBroker {
  readonly kind: BrokerKind['name'];
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Set for mosquitto: the process handle (kill9, restart, log). */
  readonly mosquitto?: MosquittoBroker;
  stop(): Promise<void>;
}

export interface BrokerKind {
  name: 'mosca' | 'mosquitto';
  /** The broker completes QoS 2 flows (mosca grants QoS 1 and never completes a QoS 2 publish). */
  qos2: boolean;
  /**
   * The broker sets the RETAIN flag on a retained message it sends to a new subscriber.
   * mosca 2.8.3 does not: on the wire it sends `32 0b 00 03 72 2f 78 ...` (PUBLISH, QoS 1,
   * retain 0) for a retained message on subscribe (checked with raw sockets and mqtt-packet).
   */
  retainFlagOnSubscribe: boolean;
  start(opts?: MosquittoOptions): Promise<TestBroker>;
}

export const MOSCA: BrokerKind = {
  name: 'mosca',
  qos2: false,
  retainFlagOnSubscribe: false,
  async start() {
    const b = await startEmbeddedBroker();
    return { kind: 'mosca', host: '127.0.0.1', port: b.port, stop: () => b.close() };
  },
};

export const MOSQUITTO: BrokerKind = {
  name: 'mosquitto',
  qos2: true,
  retainFlagOnSubscribe: true,
  async start(opts?: MosquittoOptions) {
    const b = await startMosquitto(opts);
    return { kind: 'mosquitto', host: '127.0.0.1', port: b.port, mosquitto: b, stop: () => b.stop() };
  },
};

/** The shared table: every suite within mosca's reach runs on both. */
export const BROKER_KINDS: BrokerKind[] = [MOSCA, MOSQUITTO];

/**
 * `describe.each` over the broker table. The mosquitto row is wrapped in describeWithMosquitto
 * (skipped without the binary locally, failing under CI).
 */
export function describeEachBroker(title: string, fn: (kind: BrokerKind) => void, kinds: BrokerKind[] = BROKER_KINDS): void {
  describe.each(kinds)(`${title} [$name]`, (kind) => {
    if (kind.name === 'mosquitto') describeWithMosquitto('mosquitto', () => fn(kind));
    else fn(kind);
  });
}

/**
 * One broker per describe block: started in beforeAll, stopped in afterAll.
 * Returns a getter (the broker exists only once beforeAll ran).
 */
export function useBroker(kind: BrokerKind, opts?: MosquittoOptions): () => TestBroker {
  let broker: TestBroker | undefined;
  beforeAll(async () => {
    broker = await kind.start(opts);
  });
  afterAll(async () => {
    await broker?.stop();
    broker = undefined;
  });
  return () => {
    if (!broker) throw new Error(`${kind.name} broker is not running (beforeAll failed?)`);
    return broker;
  };
}
