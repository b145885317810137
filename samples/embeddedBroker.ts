/*
 * An in-process MQTT 3.1/3.1.1 broker (mosca 2.8.3, a dev dependency; QoS 0/1 only) on a free
 * loopback port: the demo's broker, so `npm run demo` needs nothing installed. The specs take
 * it from here too (spec/support/embeddedBroker.ts), for suites that need a broker but not
 * mosquitto's MQTT 5 / QoS 2 / TLS features.
 */

/** The small part of mosca's API used here (mosca ships no types). */
interface MoscaServer {
  servers: Array<{ address(): { port: number } | string | null }>;
  on(event: 'ready', cb: () => void): this;
  on(event: 'error', cb: (err: Error) => void): this;
  once(event: 'ready', cb: () => void): this;
  once(event: 'error', cb: (err: Error) => void): this;
  removeListener(event: string, cb: (...args: any[]) => void): this;
  close(cb?: () => void): void;
}
interface MoscaModule {
  Server: new (opts: Record<string, unknown>) => MoscaServer;
  persistence: { Memory: unknown };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mosca = require('mosca') as MoscaModule;

export interface EmbeddedBroker {
  host: '127.0.0.1';
  port: number;
  /** Resolves once mosca has closed every client, listener and its persistence. Idempotent. */
  close(): Promise<void>;
}

export async function startEmbeddedBroker(): Promise<EmbeddedBroker> {
  // Port 0 is race-free: the kernel picks the port at bind time. (mosca does
  // `iface.port || opts.port`, so 0 falls through to listen(undefined), which
  // is also an ephemeral port; the real one is read back below.)
  const server = new mosca.Server({
    host: '127.0.0.1',
    port: 0,
    persistence: { factory: mosca.persistence.Memory },
    // pino 2 under the hood: 'fatal' keeps it quiet (mosca logs every connect at 'info').
    logger: { level: 'fatal' },
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      server.removeListener('ready', onReady);
      // a failed listen leaves mosca half started: release what it opened.
      server.close();
      reject(err);
    };
    const onReady = () => {
      server.removeListener('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('ready', onReady);
  });
  // Swallow late errors (e.g. a client socket reset while closing) instead of
  // crashing the jest worker with an unhandled 'error' event.
  server.on('error', () => undefined);

  const address = server.servers[0]?.address();
  if (!address || typeof address === 'string' || !address.port) {
    server.close();
    throw new Error(`mosca did not report a TCP port (got ${JSON.stringify(address)})`);
  }

  let closing: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
