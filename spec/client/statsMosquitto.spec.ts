/**
 * Client.stats() against real mosquitto: the bytes the client counts each way equal the bytes
 * a relay between it and the broker forwarded, and the packet counts by type equal the packets
 * framed in those bytes (a subscriber that publishes to itself at QoS 0, 1 and 2, MQTT 3.1.1 and 5).
 */
import * as net from 'net';
import { Client, MQTTv311, MQTTv5 } from '../../lib';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { waitFor } from '../support/wait';

/** The MQTT packet types framed in a byte stream, counted by type code. */
class Framer {
  private buf = Buffer.alloc(0);
  readonly byType = new Array<number>(16).fill(0);
  bytes = 0;

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      let rem = 0;
      let mul = 1;
      let i = 1;
      for (; i < this.buf.length && i <= 4; i++) {
        rem += (this.buf[i] & 0x7f) * mul;
        mul *= 128;
        if ((this.buf[i] & 0x80) === 0) break;
      }
      if (i >= this.buf.length) return;
      const total = i + 1 + rem;
      if (this.buf.length < total) return;
      this.byType[this.buf[0] >> 4]++;
      this.buf = this.buf.subarray(total);
    }
  }
}

/** A TCP relay to the broker that frames what it forwards each way. */
async function startRelay(port: number): Promise<{ port: number; toBroker: Framer; toClient: Framer; close(): Promise<void> }> {
  const toBroker = new Framer();
  const toClient = new Framer();
  const sockets: net.Socket[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('data', (d) => { toBroker.push(d); upstream.write(d); });
    upstream.on('data', (d) => { toClient.push(d); client.write(d); });
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port, toBroker, toClient,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const NAMES = ['', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback',
  'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth'];

describeWithMosquitto('Client.stats() against mosquitto', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => { broker = await startMosquitto(); });
  afterAll(async () => { await broker?.stop(); });

  test.each([['MQTT 3.1.1', MQTTv311], ['MQTT 5', MQTTv5]])('%s: bytes and packets by type each way equal what went through the relay', async (_name, protocol) => {
    const relay = await startRelay(broker.port);
    try {
      const c = new Client({ clientId: `stats-${protocol}-${process.pid}`, protocol });
      let received = 0;
      c.on_message = () => { received++; };
      await c.connect('127.0.0.1', relay.port, 1);
      c.loopStart();
      await waitFor(() => c.isConnected(), 5000, 'CONNACK');
      c.subscribe('stats/#', 2);
      await waitFor(() => c.stats().packetsIn.suback === 1, 5000, 'SUBACK');
      for (let qos = 0 as 0 | 1 | 2; qos <= 2; qos++) for (let i = 0; i < 5; i++) c.publish(`stats/${qos}`, `message ${i} at QoS ${qos}`.repeat(i + 1), qos);
      await waitFor(() => received === 15 && c.stats().inFlight.out === 0 && c.stats().inFlight.in === 0, 5000, () => `15 messages (${received})`);
      await waitFor(() => c.stats().pingRoundTripMs !== null, 3000, 'a PINGREQ round trip (keepalive 1 s)');
      c.disconnect();
      await c.loopStop();
      await waitFor(() => relay.toBroker.byType[14] === 1, 2000, 'the DISCONNECT through the relay');

      const s = c.stats();
      expect(s.messagesOut).toEqual({ qos0: 5, qos1: 5, qos2: 5 });
      expect(s.messagesIn).toEqual({ qos0: 5, qos1: 5, qos2: 5 });
      expect(s.bytesOut.total).toBe(relay.toBroker.bytes);
      expect(s.bytesIn.total).toBe(relay.toClient.bytes);
      for (let t = 1; t < 16; t++) {
        const name = NAMES[t] as Exclude<keyof typeof s.packetsOut, 'total'>;
        expect([name, s.packetsOut[name], s.packetsIn[name]]).toEqual([name, relay.toBroker.byType[t], relay.toClient.byType[t]]);
      }
      expect(s.pingRoundTripMs).toBeGreaterThanOrEqual(0);
      expect(s.pingRoundTripMs).toBeLessThan(1000);
      expect([s.attempts, s.connects, s.failures]).toEqual([1, 1, 0]);
    } finally {
      await relay.close();
    }
  });
});
