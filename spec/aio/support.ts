/*
 * Helpers for the MQTTClient, helper and CLI specs:
 * - `useMosquitto(opts)`: one mosquitto per describe block (beforeAll/afterAll).
 * - `useAioClients()`: MQTTClients made through it are disconnected after each test.
 * - `waitFor`, `within`, `outcome`: re-exported from spec/support/wait.ts (every wait helper).
 * - `startSilentBroker()`: a scripted TCP "broker" that answers CONNECT with CONNACK and
 *   then never says anything again (no PUBACK, no SUBACK, no PINGRESP).
 * - `brokerLogLines(broker, clientId)`: mosquitto's log lines about one client.
 */
import * as net from 'net';
import { MQTTClient, MQTTClientConfig } from '../../lib';
import type { AmqttConfigKeys } from '../../lib/aio/configKeys';
import { encode, Packet, Parser } from '../../lib/protocol';
import { MosquittoBroker, MosquittoOptions, startMosquitto } from '../support/mosquitto';
import { outcome, waitFor, within } from '../support/wait';

export { outcome, waitFor, within };

/** A mosquitto for the enclosing describe block; the getter is valid inside tests. */
export function useMosquitto(opts: MosquittoOptions = {}): () => MosquittoBroker {
  let broker: MosquittoBroker | undefined;
  beforeAll(async () => {
    broker = await startMosquitto(opts);
  });
  afterAll(async () => {
    await broker?.stop();
  });
  return () => {
    if (!broker) throw new Error('mosquitto not started');
    return broker;
  };
}

export function uriOf(b: MosquittoBroker, userPass = ''): string {
  return `mqtt://${userPass ? userPass + '@' : ''}${b.host}:${b.port}/`;
}

/** MQTTClients made here are disconnected (and checked for leftover timers) after each test. */
export function useAioClients(): (clientId?: string, config?: MQTTClientConfig & AmqttConfigKeys) => MQTTClient {
  const made: MQTTClient[] = [];
  afterEach(async () => {
    const all = made.splice(0);
    await Promise.all(all.map((c) => c.disconnect()));
    for (const c of all) expect(c._debugSizes().timers).toBe(0);
  });
  return (clientId?: string, config?: MQTTClientConfig & AmqttConfigKeys) => {
    const c = new MQTTClient(clientId, config);
    made.push(c);
    return c;
  };
}

/** mosquitto's log lines mentioning `clientId` (connection, packets to and from it). */
export function brokerLogLines(b: MosquittoBroker, clientId: string): string[] {
  return b.log().split('\n').filter((l) => l.includes(` ${clientId} `) || l.endsWith(` ${clientId}`) || l.includes(` ${clientId}.`) || l.includes(`as ${clientId} `));
}

let seq = 0;
/** A unique name per call (topics, client ids), so tests sharing a broker never see each other's traffic. */
export function unique(prefix: string): string {
  seq++;
  return `${prefix}-${process.pid}-${seq}`;
}

export interface SilentBroker {
  readonly port: number;
  /** Packets received from clients, in order. */
  readonly received: Packet[];
  close(): Promise<void>;
}

/**
 * Answers CONNECT with CONNACK (rc `connackRc`; null: no CONNACK at all), then stays silent
 * forever, except that with `suback` it answers SUBSCRIBE with SUBACK carrying those codes.
 */
export async function startSilentBroker(connackRc: number | null = 0, suback?: number[]): Promise<SilentBroker> {
  const received: Packet[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    const parser = new Parser({ protocolVersion: 4 });
    sock.on('data', (chunk) => {
      let packets: Packet[];
      try {
        packets = parser.feed(chunk);
      } catch {
        sock.destroy();
        return;
      }
      for (const p of packets) {
        received.push(p);
        if (p.type === 'connect' && connackRc !== null) sock.write(encode({ type: 'connack', sessionPresent: false, reasonCode: connackRc }, 4));
        if (p.type === 'subscribe' && suback) sock.write(encode({ type: 'suback', packetId: p.packetId, reasonCodes: suback }, 4));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
