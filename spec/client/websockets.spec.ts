/*
 * The Client over WebSockets: against mosquitto, MQTT 3.1 (subprotocol mqttv3.1), wss://
 * certificate checks; against a scripted broker (a ws server in this file): CONNACK and
 * PUBLISHes re-chunked at random byte boundaries across binary frames (several packets per
 * frame, packets split over frames), wsSetOptions path and headers, a refused upgrade.
 * ws:// and wss:// pub/sub at QoS 0/1/2 (exactly once) runs with the other transports in
 * pubsub.spec.ts.
 */
import { once } from 'events';
import * as http from 'http';
import * as net from 'net';
import WebSocket, { WebSocketServer } from 'ws';
import {
  Client, MQTT_ERR_TLS, MQTT_LOG_ERR, MQTTMessage, MQTTv31, TLSError, WebSocketHandshakeError, WebsocketConnectionError,
} from '../../lib';
import { encode, Packet, Parser } from '../../lib/protocol';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { roundTrip, start } from '../support/transports';
import { useClients, waitFor } from './support';
import { seeded } from '../support/random';

describeWithMosquitto('Client over WebSockets [mosquitto]', () => {
  let broker: MosquittoBroker;
  const clients = useClients();
  beforeAll(async () => {
    broker = await startMosquitto({ tls: true, websockets: true });
  });
  afterAll(async () => broker?.stop());

  test('MQTT 3.1 over ws:// (subprotocol mqttv3.1), with a TCP publisher on the same broker', async () => {
    const sub = clients.make({ transport: 'websockets', protocol: MQTTv31 });
    const pub = clients.make();
    await start(sub, '127.0.0.1', broker.wsPort!, [['ws31/t', 2]]);
    await start(pub, '127.0.0.1', broker.port);
    await roundTrip(sub, pub, 'ws31/t', 2, 10);
  });

  test('wss:// with an unknown CA: connect() rejects with rc MQTT_ERR_TLS and an MQTT_LOG_ERR line', async () => {
    const c = clients.make({ transport: 'websockets' });
    c.tlsSet({ caCerts: broker.certs!.wrongCaFile });
    const lines: Array<[number, string]> = [];
    c.on_log = (_c: Client, _u: unknown, level: number, text: string) => lines.push([level, text]);
    const err = await c.connect('127.0.0.1', broker.wssPort!).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(TLSError);
    expect(err.rc).toBe(MQTT_ERR_TLS);
    expect(err.message).toMatch(/unknown CA/);
    expect(lines).toContainEqual([MQTT_LOG_ERR, `TLS error with 127.0.0.1:${broker.wssPort}: ${err.message}`]);
  });

  test('websockets to the plain MQTT port: rejected as a failed WebSocket handshake', async () => {
    const c = clients.make({ transport: 'websockets' });
    const err = await c.connect('127.0.0.1', broker.port).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(WebSocketHandshakeError);
    expect(err).toBeInstanceOf(WebsocketConnectionError); // what paho raises here
    expect(err.message).toMatch(new RegExp(`^WebSocket handshake with ws://127.0.0.1:${broker.port}/mqtt failed: `));
  });
});

// ---------------------------------------------------------------------------------------------
// A scripted broker over WebSockets

/** Cuts `bytes` at random boundaries: chunks of 1 to 2*avg bytes. */
function rechunk(bytes: Buffer, random: () => number, avg: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const len = 1 + Math.floor(random() * 2 * avg);
    out.push(bytes.subarray(at, at + len));
    at += len;
  }
  return out;
}

interface ScriptedBroker {
  port: number;
  requests: http.IncomingMessage[];
  /** Packets received from the client, per connection. */
  received: Packet[];
  stop(): Promise<void>;
}

/**
 * Answers CONNECT with `script()`'s bytes, sent as the frames `frames(bytes)` returns; records
 * the client's packets. `refuse` answers the HTTP upgrade with that status instead.
 */
async function scriptedBroker(opts: { script?: () => Buffer; frames?: (bytes: Buffer) => Buffer[]; refuse?: number }): Promise<ScriptedBroker> {
  const requests: http.IncomingMessage[] = [];
  const received: Packet[] = [];
  const sockets: WebSocket[] = [];
  const raw: net.Socket[] = [];
  const server = http.createServer();
  server.on('connection', (c: net.Socket) => {
    raw.push(c);
    c.on('error', () => {});
  });
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    requests.push(req);
    if (opts.refuse !== undefined) {
      socket.end(`HTTP/1.1 ${opts.refuse} ${http.STATUS_CODES[opts.refuse]}\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('error', () => {});
      const parser = new Parser({ protocolVersion: 4 });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        expect(isBinary).toBe(true);
        for (const p of parser.feed(data)) {
          received.push(p);
          if (p.type === 'connect' && opts.script) {
            for (const frame of (opts.frames ?? ((b) => [b]))(opts.script())) ws.send(frame, { binary: true });
          }
        }
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    received,
    stop: async () => {
      for (const ws of sockets) ws.terminate();
      for (const c of raw) c.destroy();
      wss.close();
      server.close();
      await once(server, 'close');
    },
  };
}

describe('Client over WebSockets [scripted broker]', () => {
  const clients = useClients();
  let broker: ScriptedBroker | undefined;
  afterEach(async () => {
    await clients.cleanup();
    await broker?.stop();
    broker = undefined;
  });

  /** How a framing cuts the packets: packets split over frames, frames holding 2+ packet starts. */
  function framing(packetLengths: number[], chunks: Buffer[]): { split: number; merged: number } {
    const starts: number[] = [];
    let at = 0;
    for (const len of packetLengths) {
      starts.push(at);
      at += len;
    }
    const cuts = new Set<number>();
    let c = 0;
    const chunkStarts: number[] = [];
    for (const ch of chunks) {
      chunkStarts.push(c);
      c += ch.length;
      cuts.add(c);
    }
    let split = 0;
    packetLengths.forEach((len, i) => {
      for (let b = starts[i] + 1; b < starts[i] + len; b++) if (cuts.has(b)) return void split++;
    });
    let merged = 0;
    chunkStarts.forEach((from, i) => {
      const to = from + chunks[i].length;
      if (starts.filter((s0) => s0 >= from && s0 < to).length >= 2) merged++;
    });
    return { split, merged };
  }

  /** CONNACK, then n PUBLISHes (QoS 0 and 1 alternating, payload sizes 8 B..~3 KB), as one byte stream. */
  function connackAndPublishes(n: number): Buffer {
    const packets: Buffer[] = [encode({ type: 'connack', sessionPresent: false, reasonCode: 0 }, 4)];
    lengths = [];
    for (let i = 0; i < n; i++) {
      const qos = (i % 2) as 0 | 1;
      const payload = Buffer.alloc(8 + ((i * 97) % 3000), i % 251);
      payload.write(`p${i}:`, 0);
      packets.push(encode({ type: 'publish', topic: `s/${i % 7}`, payload, qos, retain: false, dup: false, packetId: qos ? i + 1 : undefined }, 4));
    }
    lengths = packets.map((p) => p.length);
    return Buffer.concat(packets);
  }
  let lengths: number[] = [];

  test.each([
    ['tiny frames (1..8 bytes: every PUBLISH split)', 11, 4, { allSplit: true, merged: false }],
    ['medium frames (packets split and merged)', 23, 400, { allSplit: false, merged: true }],
    ['large frames (many packets per frame)', 37, 20_000, { allSplit: false, merged: true }],
  ])('decodes every packet whatever the framing: %s', async (_name, seed, avg, shape) => {
    const N = 120;
    const stream = connackAndPublishes(N);
    const chunks = rechunk(stream, seeded(seed), avg);
    expect(Buffer.concat(chunks).equals(stream)).toBe(true);
    const { split, merged } = framing(lengths, chunks);
    if (shape.allSplit) expect(split).toBeGreaterThanOrEqual(N); // every PUBLISH (the 4-byte CONNACK may fit a frame)
    else expect(split).toBeGreaterThan(0);
    if (shape.merged) expect(merged).toBeGreaterThan(0);
    broker = await scriptedBroker({ script: () => stream, frames: () => chunks });
    const c = clients.make({ transport: 'websockets' });
    const got: MQTTMessage[] = [];
    c.on_message = (_c: Client, _u: unknown, msg: MQTTMessage) => got.push(msg);
    await start(c, '127.0.0.1', broker.port);
    await waitFor(() => got.length >= N, 5000, () => `${N} messages (got ${got.length})`);
    expect(got.map((m) => m.payload.toString('latin1').split(':')[0])).toEqual(Array.from({ length: N }, (_, i) => `p${i}`));
    got.forEach((m, i) => {
      expect(m.topic).toBe(`s/${i % 7}`);
      expect(m.qos).toBe(i % 2);
      expect(m.payload.length).toBe(8 + ((i * 97) % 3000));
    });
    // Every QoS 1 PUBLISH acknowledged exactly once.
    const expectedAcks = Array.from({ length: N / 2 }, (_, k) => 2 * k + 2);
    await waitFor(() => broker!.received.filter((p) => p.type === 'puback').length >= expectedAcks.length, 5000, 'the PUBACKs');
    const acks = broker.received.filter((p) => p.type === 'puback').map((p) => (p as { packetId: number }).packetId);
    expect(acks.sort((a, b) => a - b)).toEqual(expectedAcks);
  });

  test('wsSetOptions: path and headers (a function of the defaults) reach the server; CONNECT arrives in binary frames', async () => {
    broker = await scriptedBroker({ script: () => encode({ type: 'connack', sessionPresent: false, reasonCode: 0 }, 4) });
    const c = clients.make({ transport: 'websockets', clientId: 'ws-headers' });
    let defaults: Record<string, string> | undefined;
    c.wsSetOptions('/custom/path', (d) => {
      defaults = d;
      return { ...d, Authorization: 'Bearer abc' };
    });
    await start(c, '127.0.0.1', broker.port);
    expect(defaults).toMatchObject({ Host: `127.0.0.1:${broker.port}`, 'Sec-WebSocket-Protocol': 'mqtt' });
    expect(broker.requests[0].url).toBe('/custom/path');
    expect(broker.requests[0].headers.authorization).toBe('Bearer abc');
    expect(broker.received[0]).toMatchObject({ type: 'connect', clientId: 'ws-headers', protocolVersion: 4 });
  });

  test('wsSetOptions checks its arguments', () => {
    const c = clients.make({ transport: 'websockets' });
    expect(() => c.wsSetOptions('mqtt')).toThrow(`path: must be a string starting with '/', got "mqtt"`);
    expect(() => c.wsSetOptions('/mqtt', 'x' as never)).toThrow('headers: must be an object or a function of the default headers');
  });

  test('a refused upgrade (HTTP 403): connect() rejects saying so, and on_connect_fail fires in the background', async () => {
    broker = await scriptedBroker({ refuse: 403 });
    const c = clients.make({ transport: 'websockets' });
    const err = await c.connect('127.0.0.1', broker.port).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(WebSocketHandshakeError);
    expect(err.status).toBe(403);
    expect(err.message).toBe(`WebSocket handshake with ws://127.0.0.1:${broker.port}/mqtt refused: HTTP 403 Forbidden (see wsSetOptions headers)`);

    const bg = clients.make({ transport: 'websockets' });
    bg.reconnectDelaySet(0.05, 0.05);
    let fails = 0;
    bg.on_connect_fail = () => fails++;
    bg.connectAsync('127.0.0.1', broker.port);
    bg.loopStart();
    await waitFor(() => fails >= 1, 5000, 'on_connect_fail');
  });
});
