/**
 * Reference measurements over bare sockets, no client library: pre-encoded packets, minimal
 * parsing. They show the broker's ceiling and the machine's latency floor, against which the
 * client rows of spec/bench/run.ts can be judged.
 */
import { ACK_MS, latencyMeasure, Measure, now, QoS, result, STALL_MS, start, withBroker } from './measure';
import type { LatencyOpts } from './scenarios';
import {
  BenchError, gc, makePayload, paced, payloadSentAt, payloadSeq, PUBLISH_CHUNK, SeqCheck, withTimeout, yieldNow,
} from './support';

// ---- reference: raw pre-encoded QoS 0 PUBLISHes over bare sockets (the broker's ceiling) ----------

function rawConnectPacket(id: string): Buffer {
  const idBytes = Buffer.from(id);
  const varHeader = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 60]); // MQTT 3.1.1, clean, keepalive 60
  const b = Buffer.alloc(2 + varHeader.length + 2 + idBytes.length);
  b[0] = 0x10;
  b[1] = b.length - 2;
  varHeader.copy(b, 2);
  b.writeUInt16BE(idBytes.length, 12);
  idBytes.copy(b, 14);
  return b;
}

/** Writes `first` once connected and resolves with the socket once `expect` bytes arrived. */
async function rawSession(port: number, first: Buffer, expect: number): Promise<import('net').Socket> {
  const net = await import('net');
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.setNoDelay(true);
  await withTimeout(new Promise<void>((resolve, reject) => {
    let got = 0;
    sock.once('error', reject);
    sock.once('connect', () => sock.write(first));
    const onData = (d: Buffer): void => {
      got += d.length;
      if (got >= expect) {
        sock.off('data', onData);
        resolve();
      }
    };
    sock.on('data', onData);
  }), 10_000, 'raw socket handshake');
  return sock;
}

/** A bare-socket subscriber: connected as `id`, subscribed to `topic` at `qos` (packet id 1), SUBACK read. */
async function rawSubscriber(port: number, id: string, topic: Buffer, qos: QoS): Promise<import('net').Socket> {
  const sub = await rawSession(port, rawConnectPacket(id), 4);
  const subscribe = Buffer.alloc(2 + 2 + 2 + topic.length + 1);
  subscribe[0] = 0x82;
  subscribe[1] = subscribe.length - 2;
  subscribe.writeUInt16BE(1, 2);
  subscribe.writeUInt16BE(topic.length, 4);
  topic.copy(subscribe, 6);
  subscribe[subscribe.length - 1] = qos;
  await new Promise<void>((resolve) => {
    sub.write(subscribe);
    let got = 0;
    const onData = (d: Buffer): void => {
      got += d.length;
      if (got >= 5) { sub.off('data', onData); resolve(); }
    };
    sub.on('data', onData);
  });
  return sub;
}

/** Encodes a QoS 0 PUBLISH of `payload` to `topic` into `buf` at `at`; `len` is its remaining length (< 128). */
function writeRawPublish0(buf: Buffer, at: number, len: number, topic: Buffer, payload: Buffer): void {
  buf[at] = 0x30;
  buf[at + 1] = len;
  buf.writeUInt16BE(topic.length, at + 2);
  topic.copy(buf, at + 4);
  payload.copy(buf, at + 4 + topic.length);
}

/**
 * A 'data' handler for a QoS 0 subscriber's socket: frames PUBLISHes with one-byte remaining
 * lengths (a packet split across reads is kept for the next) and hands each payload to `onPayload`.
 */
function rawQos0Reader(onPayload: (payload: Buffer) => void): (d: Buffer) => void {
  let rest: Buffer | null = null;
  return (d: Buffer) => {
    const buf = rest === null ? d : Buffer.concat([rest, d]);
    let at = 0;
    while (buf.length - at >= 2 && buf.length - at >= 2 + buf[at + 1]) {
      const l = buf[at + 1];
      const tl = buf.readUInt16BE(at + 2);
      onPayload(buf.subarray(at + 4 + tl, at + 2 + l));
      at += 2 + l;
    }
    rest = at < buf.length ? buf.subarray(at) : null;
  };
}

/**
 * QoS 0, 64-byte-class payloads, as fast as the broker relays them: every PUBLISH encoded
 * before the clock starts, written PUBLISH_CHUNK at a time (one write each), and the
 * subscriber parsing only the fixed header. Shows how close a client can get to mosquitto's
 * own ceiling on this machine.
 */
export function rawQos0(n: number, size: number): Promise<Measure> {
  return withBroker(async (b) => {
    const topic = Buffer.from('bench/q0');
    const sub = await rawSubscriber(b.port, `raw-sub-${process.pid}`, topic, 0);
    const pub = await rawSession(b.port, rawConnectPacket(`raw-pub-${process.pid}`), 4);
    const len = 2 + topic.length + size;
    if (len > 127) throw new BenchError('rawQos0: payload too large for a one-byte remaining length');
    const chunks: Buffer[] = [];
    for (let i = 0; i < n; i += PUBLISH_CHUNK) {
      const k = Math.min(PUBLISH_CHUNK, n - i);
      const c = Buffer.alloc(k * (2 + len));
      for (let j = 0; j < k; j++) {
        writeRawPublish0(c, j * (2 + len), len, topic, makePayload(i + j, size));
      }
      chunks.push(c);
    }
    const check = new SeqCheck(n, size, 'raw subscriber');
    sub.on('data', rawQos0Reader((p) => check.add(p)));
    try {
      gc();
      const t0 = start();
      for (const c of chunks) {
        pub.write(c);
        await yieldNow();
      }
      await check.wait(STALL_MS);
      check.verify();
      return result(n, t0, check.lastAt, check);
    } finally {
      pub.destroy();
      sub.destroy();
    }
  });
}

/**
 * QoS 1 reference over bare sockets: `window` PUBLISHes outstanding (each PUBACK read lets the
 * next ones go, pre-encoded, written together), a subscriber that answers each PUBLISH with a
 * PUBACK (one write per read). Minimal client work: how fast this broker relays QoS 1 here.
 */
export function rawQos1(n: number, size: number, window: number): Promise<Measure> {
  return withBroker(async (b) => {
    const topic = Buffer.from('bench/q1');
    const sub = await rawSubscriber(b.port, `raw1-sub-${process.pid}`, topic, 1);
    const pub = await rawSession(b.port, rawConnectPacket(`raw1-pub-${process.pid}`), 4);
    const len = 2 + topic.length + 2 + size;
    if (len > 127) throw new BenchError('rawQos1: payload too large for a one-byte remaining length');
    const packets: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const p = Buffer.alloc(2 + len);
      p[0] = 0x32;
      p[1] = len;
      p.writeUInt16BE(topic.length, 2);
      topic.copy(p, 4);
      p.writeUInt16BE((i % 65535) + 1, 4 + topic.length);
      makePayload(i, size).copy(p, 6 + topic.length);
      packets.push(p);
    }
    const check = new SeqCheck(n, size, 'raw QoS 1 subscriber');
    // Subscriber: parse PUBLISH (QoS 1, one-byte length), answer all PUBACKs of a read in one write.
    let rest: Buffer | null = null;
    sub.on('data', (d: Buffer) => {
      const buf = rest === null ? d : Buffer.concat([rest, d]);
      let at = 0;
      const acks: number[] = [];
      while (buf.length - at >= 2 && buf.length - at >= 2 + buf[at + 1]) {
        const l = buf[at + 1];
        if ((buf[at] & 0xf0) === 0x30) {
          const tl = buf.readUInt16BE(at + 2);
          acks.push(buf.readUInt16BE(at + 4 + tl));
          check.add(buf.subarray(at + 6 + tl, at + 2 + l));
        }
        at += 2 + l;
      }
      rest = at < buf.length ? buf.subarray(at) : null;
      if (acks.length > 0) {
        const out = Buffer.alloc(4 * acks.length);
        for (let k = 0; k < acks.length; k++) {
          out[4 * k] = 0x40;
          out[4 * k + 1] = 2;
          out.writeUInt16BE(acks[k], 4 * k + 2);
        }
        sub.write(out);
      }
    });
    // Publisher: each read of PUBACKs releases as many new PUBLISHes, in one write.
    let next = 0;
    let acked = 0;
    let lastAck = 0n;
    let pubRest = 0;
    const allAcked = new Promise<void>((resolve) => {
      pub.on('data', (d: Buffer) => {
        const bytes = pubRest + d.length; // PUBACKs are 4 bytes each
        const k = Math.floor(bytes / 4);
        pubRest = bytes % 4;
        acked += k;
        if (acked >= n) {
          lastAck = now();
          resolve();
          return;
        }
        const m = Math.min(k, n - next);
        if (m > 0) {
          pub.write(m === 1 ? packets[next] : Buffer.concat(packets.slice(next, next + m)));
          next += m;
        }
      });
    });
    try {
      gc();
      const t0 = start();
      const first = Math.min(window, n);
      pub.write(Buffer.concat(packets.slice(0, first)));
      next = first;
      await withTimeout(allAcked, ACK_MS + n, 'raw QoS 1 publisher acknowledgements');
      await check.wait(STALL_MS);
      check.verify();
      const end = check.lastAt > lastAck ? check.lastAt : lastAck;
      return result(n, t0, end, check);
    } finally {
      pub.destroy();
      sub.destroy();
    }
  });
}

/** Writes the 4-byte acknowledgement packets `type` (first byte) for `ids` into one Buffer. */
function rawAcks(type: number, ids: number[]): Buffer {
  const out = Buffer.allocUnsafe(4 * ids.length);
  for (let k = 0; k < ids.length; k++) {
    out[4 * k] = type;
    out[4 * k + 1] = 2;
    out.writeUInt16BE(ids[k], 4 * k + 2);
  }
  return out;
}

/**
 * Frames the packets of one read (one-byte remaining lengths; a packet split across reads is kept
 * for the next) and hands each one's first byte and body to `onPacket`.
 */
function rawFramer(onPacket: (first: number, buf: Buffer, body: number, end: number) => void): (d: Buffer) => void {
  let rest: Buffer | null = null;
  return (d: Buffer) => {
    const buf = rest === null ? d : Buffer.concat([rest, d]);
    let at = 0;
    while (buf.length - at >= 2 && buf.length - at >= 2 + buf[at + 1]) {
      onPacket(buf[at], buf, at + 2, at + 2 + buf[at + 1]);
      at += 2 + buf[at + 1];
    }
    rest = at < buf.length ? buf.subarray(at) : null;
  };
}

/**
 * QoS 2 reference over bare sockets, the QoS 1 reference's shape with the four-packet flow:
 * `window` PUBLISHes outstanding until their PUBCOMP; each read of the publisher answers its
 * PUBRECs with PUBRELs and lets as many new PUBLISHes go as PUBCOMPs arrived, all in one write;
 * the subscriber answers PUBLISH with PUBREC and PUBREL with PUBCOMP, one write per read.
 */
export function rawQos2(n: number, size: number, window: number): Promise<Measure> {
  return withBroker(async (b) => {
    const topic = Buffer.from('bench/q2');
    const sub = await rawSubscriber(b.port, `raw2-sub-${process.pid}`, topic, 2);
    const pub = await rawSession(b.port, rawConnectPacket(`raw2-pub-${process.pid}`), 4);
    const len = 2 + topic.length + 2 + size;
    if (len > 127) throw new BenchError('rawQos2: payload too large for a one-byte remaining length');
    const packets: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const p = Buffer.alloc(2 + len);
      p[0] = 0x34;
      p[1] = len;
      p.writeUInt16BE(topic.length, 2);
      topic.copy(p, 4);
      p.writeUInt16BE((i % 65535) + 1, 4 + topic.length);
      makePayload(i, size).copy(p, 6 + topic.length);
      packets.push(p);
    }
    const check = new SeqCheck(n, size, 'raw QoS 2 subscriber');
    // Subscriber: PUBLISH -> PUBREC, PUBREL -> PUBCOMP, a read's answers in one write.
    let recs: number[] = [];
    let comps: number[] = [];
    const subRead = rawFramer((first, buf, body, end) => {
      if ((first & 0xf0) === 0x30) {
        const tl = buf.readUInt16BE(body);
        recs.push(buf.readUInt16BE(body + 2 + tl));
        check.add(buf.subarray(body + 4 + tl, end));
      } else if (first === 0x62) {
        comps.push(buf.readUInt16BE(body));
      }
    });
    sub.on('data', (d: Buffer) => {
      subRead(d);
      if (recs.length + comps.length === 0) return;
      const out = Buffer.concat([rawAcks(0x50, recs), rawAcks(0x70, comps)]);
      recs = [];
      comps = [];
      sub.write(out);
    });
    // Publisher: PUBREC -> PUBREL; each PUBCOMP frees a place in the window.
    let next = 0;
    let completed = 0;
    let lastAck = 0n;
    let rels: number[] = [];
    let freed = 0;
    const pubRead = rawFramer((first, buf, body) => {
      if (first === 0x50) rels.push(buf.readUInt16BE(body));
      else if (first === 0x70) freed++;
    });
    const allAcked = new Promise<void>((resolve) => {
      pub.on('data', (d: Buffer) => {
        pubRead(d);
        completed += freed;
        const m = Math.min(freed, n - next);
        freed = 0;
        if (completed >= n) {
          lastAck = now();
          resolve();
        }
        if (rels.length === 0 && m === 0) return;
        const parts = rels.length > 0 ? [rawAcks(0x62, rels)] : [];
        rels = [];
        for (let k = 0; k < m; k++) parts.push(packets[next + k]);
        next += m;
        pub.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
      });
    });
    try {
      gc();
      const t0 = start();
      const first = Math.min(window, n);
      pub.write(Buffer.concat(packets.slice(0, first)));
      next = first;
      await withTimeout(allAcked, ACK_MS + n, 'raw QoS 2 publisher completions');
      await check.wait(STALL_MS);
      check.verify();
      const end = check.lastAt > lastAck ? check.lastAt : lastAck;
      return result(n, t0, end, check);
    } finally {
      pub.destroy();
      sub.destroy();
    }
  });
}

/** Latency reference over bare sockets: same pacing, each PUBLISH encoded and written at its due time. */
export function rawLatency(o: LatencyOpts): Promise<Measure> {
  return withBroker(async (b) => {
    const topic = Buffer.from('bench/latency');
    const sub = await rawSubscriber(b.port, `rawl-sub-${process.pid}`, topic, 0);
    const pub = await rawSession(b.port, rawConnectPacket(`rawl-pub-${process.pid}`), 4);
    const len = 2 + topic.length + o.size;
    if (len > 127) throw new BenchError('rawLatency: payload too large for a one-byte remaining length');
    const total = o.warmup + o.n;
    const samples = new Float64Array(o.n);
    const check = new SeqCheck(total, o.size, 'raw subscriber');
    let t = 0n; // when the read being framed arrived
    const read = rawQos0Reader((p) => {
      check.add(p);
      const seq = payloadSeq(p);
      if (seq >= o.warmup && seq < total) samples[seq - o.warmup] = Number(t - payloadSentAt(p)) / 1e6;
    });
    sub.on('data', (d: Buffer) => {
      t = now();
      read(d);
    });
    try {
      gc();
      await paced(total, o.rateHz, (i) => {
        const p = Buffer.allocUnsafe(2 + len);
        writeRawPublish0(p, 0, len, topic, makePayload(i, o.size));
        pub.write(p);
      });
      await check.wait(STALL_MS);
      check.verify();
    } finally {
      pub.destroy();
      sub.destroy();
    }
    return latencyMeasure(samples, o.n);
  });
}
