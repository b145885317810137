/**
 * The fault proxy (spec/support/faultProxy.ts), each mode checked with plain sockets: a target
 * server that records what it receives, and a raw client socket.
 */
import * as net from 'net';
import { performance } from 'perf_hooks';
import { encode } from '../../lib/protocol';
import type { Packet } from '../../lib/protocol/types';
import { FaultProxy, startFaultProxy } from './faultProxy';
import { waitFor } from './wait';

interface Conn {
  socket: net.Socket;
  data: Buffer[];
  closed: boolean;
  ended: boolean;
  bytes(): Buffer;
}

function track(socket: net.Socket): Conn {
  const c: Conn = {
    socket, data: [], closed: false, ended: false,
    bytes: () => Buffer.concat(c.data),
  };
  socket.on('data', (d) => c.data.push(d));
  socket.on('end', () => { c.ended = true; });
  socket.on('close', () => { c.closed = true; });
  socket.on('error', () => undefined);
  return c;
}

describe('fault proxy', () => {
  let server: net.Server;
  let conns: Conn[];
  let proxy: FaultProxy;
  const clients: net.Socket[] = [];

  beforeEach(async () => {
    conns = [];
    server = net.createServer((s) => conns.push(track(s)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    proxy = await startFaultProxy({ targetPort: (server.address() as net.AddressInfo).port });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await proxy.close();
    for (const c of conns) c.socket.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  async function connect(): Promise<{ client: Conn; target: Conn }> {
    const n = conns.length;
    const socket = net.connect(proxy.port, '127.0.0.1');
    clients.push(socket);
    const client = track(socket);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    await waitFor(() => conns.length > n, 5000, 'the target to accept');
    return { client, target: conns[n] };
  }

  const pkt = (p: Packet) => encode(p, 4);
  const publish = (n: number) => pkt({ type: 'publish', topic: 'a/b', payload: Buffer.alloc(n, 0x61), qos: 1, retain: false, dup: false, packetId: 7 });

  it('forwards both ways, in order, and a FIN after the data', async () => {
    const { client, target } = await connect();
    client.socket.write('hello ');
    client.socket.write('broker');
    await waitFor(() => target.bytes().toString() === 'hello broker');
    target.socket.write('hello client');
    await waitFor(() => client.bytes().toString() === 'hello client');
    client.socket.end('bye');
    await waitFor(() => target.ended);
    expect(target.bytes().toString()).toBe('hello brokerbye');
    expect(proxy.forwarded.toBroker).toBe(15);
    expect(proxy.forwarded.toClient).toBe(12);
  });

  it('dropAll() closes both sides of every link', async () => {
    const a = await connect();
    const b = await connect();
    expect(proxy.linkCount).toBe(2);
    proxy.dropAll();
    await waitFor(() => a.client.closed && a.target.closed && b.client.closed && b.target.closed, 5000, 'all four sockets to close');
    expect(proxy.linkCount).toBe(0);
  });

  it('stall() holds data both ways without closing; unstall() delivers it and goes on', async () => {
    const { client, target } = await connect();
    proxy.stall();
    client.socket.write('up');
    target.socket.write('down');
    // Absence check: a bounded wait during which nothing may arrive.
    await new Promise((r) => setTimeout(r, 300));
    expect(target.bytes().length).toBe(0);
    expect(client.bytes().length).toBe(0);
    expect(client.closed || target.closed).toBe(false);
    // A link opened while stalled is stalled too.
    const late = await connect();
    late.client.socket.write('late');
    await new Promise((r) => setTimeout(r, 100));
    expect(late.target.bytes().length).toBe(0);
    proxy.unstall();
    await waitFor(() => target.bytes().toString() === 'up' && client.bytes().toString() === 'down' && late.target.bytes().toString() === 'late');
    client.socket.write('!');
    await waitFor(() => target.bytes().toString() === 'up!');
  });

  it('stall(direction) holds one direction only; forwardedPackets / lastLinkPackets count whole packets, split across writes', async () => {
    const { client, target } = await connect();
    const ping = pkt({ type: 'pingreq' });
    const ack = pkt({ type: 'puback', packetId: 1 });
    proxy.stall('toBroker');
    client.socket.write(ping);
    target.socket.write(ack);
    await waitFor(() => client.bytes().length === ack.length, 5000, 'the other direction to flow');
    // Absence check: a bounded wait during which nothing may arrive.
    await new Promise((r) => setTimeout(r, 200));
    expect(target.bytes().length).toBe(0);
    expect(proxy.forwardedPackets).toEqual({ toBroker: 0, toClient: 1 });
    proxy.unstall();
    await waitFor(() => target.bytes().equals(ping));
    expect(proxy.forwardedPackets).toEqual({ toBroker: 1, toClient: 1 });
    // A PUBLISH written in two pieces, then a PINGRESP: each counts once it is complete.
    const big = publish(300);
    target.socket.write(big.subarray(0, 100));
    await waitFor(() => client.bytes().length === ack.length + 100);
    expect(proxy.forwardedPackets.toClient).toBe(1);
    target.socket.write(Buffer.concat([big.subarray(100), pkt({ type: 'pingresp' })]));
    await waitFor(() => client.bytes().length === ack.length + big.length + 2);
    expect(proxy.forwardedPackets.toClient).toBe(3);
    // A second link: lastLinkPackets counts it alone, forwardedPackets all links.
    const second = await connect();
    second.client.socket.write(ping);
    await waitFor(() => second.target.bytes().length === ping.length);
    expect(proxy.lastLinkPackets()).toEqual({ toBroker: 1, toClient: 0 });
    expect(proxy.forwardedPackets).toEqual({ toBroker: 2, toClient: 3 });
  });

  it('delay(ms) holds each chunk that long', async () => {
    const { client, target } = await connect();
    proxy.delay(250);
    const t0 = performance.now();
    client.socket.write('x');
    await waitFor(() => target.bytes().length === 1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(240);
    proxy.delay(0);
    const t1 = performance.now();
    client.socket.write('y');
    await waitFor(() => target.bytes().length === 2);
    expect(performance.now() - t1).toBeLessThan(200);
  });

  it('throttle(bps) limits the rate and keeps the bytes intact', async () => {
    const { client, target } = await connect();
    proxy.throttle(50_000);
    const data = Buffer.alloc(30_000);
    for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
    const t0 = performance.now();
    client.socket.write(data);
    await waitFor(() => target.bytes().length === data.length, 10_000, 'the throttled bytes');
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(500); // 30 KB at 50 KB/s: ~600 ms
    expect(ms).toBeLessThan(3000);
    expect(target.bytes().equals(data)).toBe(true);
  });

  it("cutMidPacket('toBroker'): forwards the packets before, then half of the next one (of the type asked), then destroys the link", async () => {
    const { client, target } = await connect();
    const connectPkt = pkt({ type: 'connect', protocolVersion: 4, clientId: 'x', cleanSession: true, keepalive: 10 });
    const ping = pkt({ type: 'pingreq' });
    const big = publish(1000);
    client.socket.write(connectPkt);
    await waitFor(() => target.bytes().length === connectPkt.length);
    const cut = proxy.cutMidPacket('toBroker', { type: 3 });
    // In one write: a PINGREQ (not the type asked: forwarded whole), then the PUBLISH, then more.
    client.socket.write(Buffer.concat([ping, big, ping]));
    const info = await cut;
    expect(info).toMatchObject({ direction: 'toBroker', packetType: 3, packetBytes: big.length, forwarded: Math.floor(big.length / 2) });
    await waitFor(() => target.closed && client.closed, 5000, 'both ends to close');
    expect(target.bytes().equals(Buffer.concat([connectPkt, ping, big.subarray(0, Math.floor(big.length / 2))]))).toBe(true);
  });

  it("cutMidPacket('toClient'): the packet may span chunks and start mid-chunk", async () => {
    const { client, target } = await connect();
    const suback = pkt({ type: 'suback', packetId: 1, reasonCodes: [1] });
    const big = publish(200_000);
    const cut = proxy.cutMidPacket('toClient');
    target.socket.write(suback.subarray(0, 1)); // the first packet is SUBACK: its header spans two chunks
    const info = await Promise.race([cut, new Promise<null>((r) => setTimeout(() => r(null), 100))]);
    expect(info).toBeNull(); // not cut before its header is complete
    target.socket.write(Buffer.concat([suback.subarray(1), big]));
    const got = await cut;
    expect(got).toMatchObject({ packetType: 9, packetBytes: suback.length, forwarded: 2 });
    await waitFor(() => client.closed);
    expect(client.bytes().equals(suback.subarray(0, 2))).toBe(true);
  });

  it('cuts the middle of a big PUBLISH that spans many chunks', async () => {
    const { client, target } = await connect();
    const first = publish(10);
    const big = publish(300_000);
    target.socket.write(first);
    await waitFor(() => client.bytes().length === first.length);
    const cut = proxy.cutMidPacket('toClient', { type: 3 });
    for (let i = 0; i < big.length; i += 7000) target.socket.write(big.subarray(i, i + 7000));
    const info = await cut;
    expect(info.packetBytes).toBe(big.length);
    await waitFor(() => client.closed);
    expect(client.bytes().equals(Buffer.concat([first, big.subarray(0, Math.floor(big.length / 2))]))).toBe(true);
  });

  it('a target that is down: the client connection is closed', async () => {
    const dead = await startFaultProxy({ targetPort: 1 }); // nothing listens on port 1
    try {
      const s = net.connect(dead.port, '127.0.0.1');
      const c = track(s);
      await waitFor(() => c.closed, 5000, 'the proxy to close the client side');
    } finally {
      await dead.close();
    }
  });
});
