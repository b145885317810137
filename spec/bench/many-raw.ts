/**
 * The reference side of the many-connections row (many-child.ts KIND raw): the same work as the
 * library sides with no MQTT library, bare `net.Socket`s and hand-written packets, so the row
 * shows the floor any Node client can reach against this broker.
 *
 * Each subscriber: connect, CONNECT (MQTT 3.1.1, clean session, keepalive KEEPALIVE_S), wait for
 * CONNACK (return code 0), SUBSCRIBE QoS 0 to the topic (packet id 1), wait for SUBACK (granted 0).
 * Read path: 'data' events (the socket in flowing mode: one Buffer per read from libuv), as the
 * other bare-socket references (reference.ts) do. After the handshake one 'data' handler serves
 * every socket (the socket's number and any partial packet ride on the socket, no closure per
 * socket): it frames packets with one-byte remaining lengths (all this row's packets), hands
 * each QoS 0 PUBLISH's payload to deliver(i, payload) and skips PINGRESPs; anything else is a
 * fault that fails the run.
 *
 * Keepalive: one process-wide timer sends PINGREQ to every socket once per keepalive period, a
 * tenth of them each tenth of it (spread, as the libraries' per-client pings are); so the idle
 * phase's keepalive CPU is measured for this side too, the same way: these raw PINGREQs and
 * their PINGRESPs.
 */
import * as net from 'net';

export interface RawOptions { host: string; port: number; topic: string; keepalive: number }

type RawSocket = net.Socket & { benchIndex: number; benchRest: Buffer | null };

/** Slices of the sockets the keepalive timer pings in turn, one per tick. */
const PING_SLICES = 10;
const PINGREQ = Buffer.from([0xc0, 0]);

/** MQTT 3.1.1 CONNECT, clean session, keepalive `keepalive` s, client id `id` (short: one length byte). */
function connectPacket(id: string, keepalive: number): Buffer {
  const idBytes = Buffer.from(id);
  const varHeader = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, keepalive >> 8, keepalive & 0xff]);
  const b = Buffer.alloc(2 + varHeader.length + 2 + idBytes.length);
  b[0] = 0x10;
  b[1] = b.length - 2;
  varHeader.copy(b, 2);
  b.writeUInt16BE(idBytes.length, 12);
  idBytes.copy(b, 14);
  return b;
}

/** SUBSCRIBE, packet id 1, one filter at QoS 0. */
function subscribePacket(topic: Buffer): Buffer {
  const b = Buffer.alloc(2 + 2 + 2 + topic.length + 1);
  b[0] = 0x82;
  b[1] = b.length - 2;
  b.writeUInt16BE(1, 2);
  b.writeUInt16BE(topic.length, 4);
  topic.copy(b, 6);
  b[b.length - 1] = 0;
  return b;
}

/**
 * The raw side in many-child.ts's Library shape. deliver(i, payload): a PUBLISH to socket i
 * (i = -1 for the one-time-costs subscriber and the publisher); fault(what): anything the row
 * does not expect (the child counts it as a bad delivery and fails).
 */
export function rawSide(o: RawOptions, deliver: (i: number, p: Buffer) => void, fault: (what: string) => void) {
  const topic = Buffer.from(o.topic);
  const subscribe = subscribePacket(topic);
  /** Every socket past its handshake, for the keepalive timer. */
  const sockets: RawSocket[] = [];
  let tick = 0;
  setInterval(() => {
    const slice = tick++ % PING_SLICES;
    for (let k = slice; k < sockets.length; k += PING_SLICES) if (!sockets[k].destroyed) sockets[k].write(PINGREQ);
  }, (o.keepalive * 1000) / PING_SLICES).unref();

  function onData(this: RawSocket, d: Buffer): void {
    const buf = this.benchRest === null ? d : Buffer.concat([this.benchRest, d]);
    let at = 0;
    while (buf.length - at >= 2) {
      const len = buf[at + 1];
      if (len > 127) { // a longer remaining length: no packet of this row has one
        fault(`socket ${this.benchIndex}: packet 0x${buf[at].toString(16)} with a multi-byte length`);
        this.destroy();
        return;
      }
      if (buf.length - at < 2 + len) break;
      const type = buf[at];
      if (type === 0x30) { // PUBLISH, QoS 0, no DUP or RETAIN: topic length, topic, payload
        deliver(this.benchIndex, buf.subarray(at + 4 + buf.readUInt16BE(at + 2), at + 2 + len));
      } else if (type !== 0xd0 || len !== 0) { // not a PINGRESP either
        fault(`socket ${this.benchIndex}: unexpected packet 0x${type.toString(16)}`);
      }
      at += 2 + len;
    }
    this.benchRest = at < buf.length ? buf.subarray(at) : null;
  }
  function onError(this: RawSocket): void {
    // A socket lost after its handshake: connected() reports it at the end of the idle phase.
  }

  /** Opens socket `i`: CONNECT / CONNACK, then (subscriber) SUBSCRIBE / SUBACK; then the shared handlers. */
  function open(i: number, id: string, subscriber: boolean): Promise<RawSocket> {
    const s = net.connect({ host: o.host, port: o.port }) as RawSocket;
    s.benchIndex = i;
    s.benchRest = null;
    s.setNoDelay(true);
    return new Promise<RawSocket>((resolve, reject) => {
      let buf: Buffer = Buffer.alloc(0);
      let connacked = false;
      const done = (e?: Error) => {
        s.off('data', onHandshake);
        s.off('error', done);
        s.off('close', onClose);
        if (e !== undefined) {
          s.destroy();
          reject(e);
          return;
        }
        s.on('error', onError);
        s.on('data', onData);
        sockets.push(s);
        if (buf.length > 0) onData.call(s, buf);
        resolve(s);
      };
      const onClose = () => done(new Error(`${id}: closed during the handshake`));
      const onHandshake = (d: Buffer) => {
        buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
        if (!connacked) {
          if (buf.length < 4) return;
          if (buf[0] !== 0x20 || buf[1] !== 2 || buf[3] !== 0) return done(new Error(`${id}: CONNACK ${buf.subarray(0, 4).toString('hex')}`));
          connacked = true;
          buf = buf.subarray(4);
          if (!subscriber) return done();
          s.write(subscribe);
        }
        if (buf.length < 5) return;
        if (buf[0] !== 0x90 || buf[1] !== 3 || buf.readUInt16BE(2) !== 1 || buf[4] !== 0) {
          return done(new Error(`${id}: SUBACK ${buf.subarray(0, 5).toString('hex')}`));
        }
        buf = buf.subarray(5);
        done();
      };
      s.once('connect', () => s.write(connectPacket(id, o.keepalive)));
      s.on('data', onHandshake);
      s.on('error', done);
      s.on('close', onClose);
    });
  }

  return {
    open: (i: number) => open(i, `many-r-${process.pid}-${i}`, true),
    connected: (s: unknown) => !(s as RawSocket).destroyed && (s as RawSocket).readyState === 'open',
    async publisher() {
      const s = await open(-1, `many-r-${process.pid}-pub`, false);
      const len = 2 + topic.length + 4;
      return {
        /** A QoS 0 PUBLISH of the 4-byte payload, encoded and written at once. */
        publish(p: Buffer): void {
          if (p.length !== 4) throw new Error('raw publisher: the row publishes 4-byte payloads');
          const b = Buffer.allocUnsafe(2 + len);
          b[0] = 0x30;
          b[1] = len;
          b.writeUInt16BE(topic.length, 2);
          topic.copy(b, 4);
          p.copy(b, 4 + topic.length);
          s.write(b);
        },
      };
    },
  };
}
