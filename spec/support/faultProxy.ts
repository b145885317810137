/**
 * A TCP proxy between a client and a broker that injects network faults, for the reliability
 * specs. It listens on a free 127.0.0.1 port and opens one upstream connection per
 * accepted client connection (a "link"); each direction of a link is a pipe that forwards
 * chunks in order, subject to the faults in force:
 *
 *   dropAll()             destroy every link now (both sockets): a reset network
 *   stall() / unstall()   stop forwarding both ways without closing anything (a half-open link:
 *                         no data, no FIN, no RST); links opened while stalled stall too;
 *                         unstall() forwards what was held back and goes on
 *   stall(direction)      hold back one direction only (what arrives is read and kept; the
 *                         other direction flows); unstall() releases it
 *   delay(ms)             hold every chunk `ms` before forwarding it (0: off)
 *   throttle(bps)         forward at most `bps` bytes per second per direction (0: off)
 *   cutMidPacket(dir)     forward only the first half of the next MQTT packet seen in that
 *                         direction (optionally of one packet type), then destroy that link;
 *                         resolves with what was cut
 *
 * Packet boundaries come from the MQTT fixed header (type byte + Remaining Length), tracked
 * continuously in both directions of every link, so a cut lands inside exactly one packet.
 */
import * as net from 'net';

export type Direction = 'toBroker' | 'toClient';

export interface CutInfo {
  direction: Direction;
  /** MQTT packet type (first byte >> 4) of the packet cut: 3 = PUBLISH. */
  packetType: number;
  /** Total size of the packet, and how many of its bytes were forwarded. */
  packetBytes: number;
  forwarded: number;
  /** Link id (1, 2, ... in accept order). */
  link: number;
}

export interface FaultProxy {
  readonly port: number;
  readonly host: '127.0.0.1';
  /** Links currently open. */
  readonly linkCount: number;
  /** Links accepted so far. */
  readonly accepted: number;
  /** Bytes forwarded so far, per direction. */
  readonly forwarded: Record<Direction, number>;
  /** Whole MQTT packets forwarded so far (their last byte written on), per direction, over all links. */
  readonly forwardedPackets: Record<Direction, number>;
  /** The same for the link accepted last (open or not), or null before the first one. */
  lastLinkPackets(): Record<Direction, number> | null;
  close(): Promise<void>;
  dropAll(): void;
  /** Both directions (socket reads paused too), or only `direction`. */
  stall(direction?: Direction): void;
  unstall(): void;
  readonly stalled: boolean;
  delay(ms: number): void;
  throttle(bytesPerSecond: number): void;
  /**
   * Arms a one-shot cut for the next packet starting in `direction` (of type `opts.type`, if
   * given) on any link; resolves once the first half of it is forwarded and the link destroyed.
   */
  cutMidPacket(direction: Direction, opts?: { type?: number }): Promise<CutInfo>;
  /** Disarms a pending cut (its promise never resolves). */
  cancelCut(): void;
}

interface PendingCut {
  direction: Direction;
  type?: number;
  /** Stream position of each existing pipe when the cut was armed (later pipes: 0). */
  since: Map<unknown, number>;
  resolve(info: CutInfo): void;
}

/** Counts the MQTT packets a byte stream completes, chunk by chunk. */
class PacketCounter {
  private readonly framer = new Framer();
  /** Bytes still to come of a packet whose header was seen. */
  private pending = 0;

  /** How many packets end in `chunk`. */
  feed(chunk: Buffer): number {
    let done = 0;
    if (this.pending > 0) {
      const n = Math.min(this.pending, chunk.length);
      this.pending -= n;
      if (this.pending === 0) done++;
    }
    this.framer.walk(chunk, (offset, _type, total) => {
      const end = offset + total;
      if (end <= chunk.length) done++;
      else this.pending = end - chunk.length;
    });
    return done;
  }
}

/** Tracks MQTT packet boundaries in one direction of a byte stream. */
class Framer {
  /** Bytes left of the current packet's body; -1 while reading a fixed header. */
  private left = 0;
  private headerBytes: number[] = [];

  /**
   * Walks `chunk`; calls `onStart(offsetInChunk, type, totalSize)` for each packet whose first
   * byte is in the chunk (totalSize is known only once the whole fixed header is seen, so a
   * packet whose header spans chunks is reported when its header completes, with the offset
   * of its first byte, possibly negative).
   */
  walk(chunk: Buffer, onStart: (offset: number, type: number, total: number) => boolean | void): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.left > 0) {
        const n = Math.min(this.left, chunk.length - i);
        this.left -= n;
        i += n;
        continue;
      }
      // In a fixed header.
      this.headerBytes.push(chunk[i]);
      i++;
      const h = this.headerBytes;
      if (h.length >= 2 && (h[h.length - 1] & 0x80) === 0) {
        let rem = 0;
        for (let k = h.length - 1; k >= 1; k--) rem = rem * 128 + (h[k] & 0x7f);
        const total = h.length + rem;
        const startOffset = i - h.length;
        this.headerBytes = [];
        this.left = rem;
        if (onStart(startOffset, h[0] >> 4, total) === true) return;
      } else if (h.length === 5) {
        this.headerBytes = []; // not MQTT: give up framing this byte
      }
    }
  }
}

export async function startFaultProxy(opts: { targetPort: number; targetHost?: string }): Promise<FaultProxy> {
  const targetHost = opts.targetHost ?? '127.0.0.1';
  const links = new Set<Link>();
  let lastLink: Link | null = null;
  let stalled = false;
  /** One direction held back (stall(direction)), or null. */
  let held: Direction | null = null;
  let delayMs = 0;
  let rate = 0;
  let cut: PendingCut | null = null;
  let accepted = 0;
  const forwarded: Record<Direction, number> = { toBroker: 0, toClient: 0 };
  const forwardedPackets: Record<Direction, number> = { toBroker: 0, toClient: 0 };

  class Pipe {
    private queue: Array<{ buf: Buffer; at: number; cutAfter?: CutInfo }> = [];
    private timer: NodeJS.Timeout | null = null;
    private busyUntil = 0;
    private ended = false;
    private readonly framer = new Framer();
    private readonly written = new PacketCounter();
    /** Whole packets forwarded by this pipe. */
    packets = 0;
    /** Bytes of this direction still to forward before a cut takes effect. */
    private cutting: { remaining: number; info: CutInfo; resolve(i: CutInfo): void } | null = null;
    private dead = false;
    /** Bytes received from `src` so far. */
    pos = 0;

    constructor(readonly link: Link, readonly src: net.Socket, readonly dst: net.Socket, readonly dir: Direction) {}

    onData(chunk: Buffer): void {
      if (this.dead) return;
      if (this.cutting !== null) {
        this.takeUpToCut(chunk);
        return;
      }
      const base = this.pos;
      this.pos += chunk.length;
      const c = cut;
      let found: { offset: number; type: number; total: number } | null = null;
      this.framer.walk(chunk, (offset, type, total) => {
        if (c === null || c.direction !== this.dir) return false;
        // Only a packet that starts after the cut was armed (its header may span chunks: offset < 0).
        if (base + offset < (c.since.get(this) ?? 0) || (c.type !== undefined && type !== c.type)) return false;
        found = { offset, type, total };
        return true;
      });
      if (found !== null && c !== null) {
        const f = found as { offset: number; type: number; total: number };
        cut = null;
        const half = Math.max(1, Math.floor(f.total / 2));
        const info: CutInfo = { direction: this.dir, packetType: f.type, packetBytes: f.total, forwarded: half, link: this.link.id };
        this.cutting = { remaining: f.offset + half, info, resolve: c.resolve };
        this.takeUpToCut(chunk);
        return;
      }
      this.push(chunk);
    }

    private takeUpToCut(chunk: Buffer): void {
      const k = this.cutting!;
      const n = Math.max(0, Math.min(k.remaining, chunk.length));
      k.remaining -= n;
      if (k.remaining > 0) {
        this.push(chunk);
        return;
      }
      this.cutting = null;
      this.dead = true; // nothing more is read from this side
      this.src.pause();
      this.queue.push({ buf: chunk.subarray(0, n), at: Date.now() + delayMs, cutAfter: k.info });
      const resolve = k.resolve;
      this.link.onCut = () => resolve(k.info);
      this.pump();
    }

    private push(buf: Buffer): void {
      this.queue.push({ buf, at: Date.now() + delayMs });
      this.pump();
    }

    end(): void {
      this.ended = true;
      this.pump();
    }

    pump(): void {
      if (this.timer !== null || this.link.closed) return;
      while (this.queue.length > 0) {
        if (stalled || held === this.dir) return;
        const now = Date.now();
        const head = this.queue[0];
        if (head.at > now) return this.wait(head.at - now);
        if (rate > 0 && this.busyUntil > now) return this.wait(this.busyUntil - now);
        let buf = head.buf;
        if (rate > 0) {
          const slice = Math.max(1, Math.floor(rate / 50)); // 20 ms worth
          if (buf.length > slice) {
            head.buf = buf.subarray(slice);
            buf = buf.subarray(0, slice);
          } else {
            this.queue.shift();
          }
          this.busyUntil = Math.max(now, this.busyUntil) + (buf.length * 1000) / rate;
        } else {
          this.queue.shift();
        }
        forwarded[this.dir] += buf.length;
        const done = this.written.feed(buf);
        this.packets += done;
        forwardedPackets[this.dir] += done;
        if (head.cutAfter !== undefined && this.queue[0] !== head) {
          this.dst.write(buf, () => this.link.destroy(true));
          return;
        }
        this.dst.write(buf);
      }
      if (this.ended && this.queue.length === 0) this.dst.end();
    }

    private wait(ms: number): void {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, Math.max(1, Math.ceil(ms)));
    }

    stop(): void {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.queue = [];
    }
  }

  class Link {
    closed = false;
    readonly up: Pipe;
    readonly down: Pipe;
    onCut: (() => void) | null = null;

    constructor(readonly id: number, readonly client: net.Socket, readonly broker: net.Socket) {
      this.up = new Pipe(this, client, broker, 'toBroker');
      this.down = new Pipe(this, broker, client, 'toClient');
      client.on('data', (d: Buffer) => this.up.onData(d));
      broker.on('data', (d: Buffer) => this.down.onData(d));
      client.on('end', () => this.up.end());
      broker.on('end', () => this.down.end());
      for (const s of [client, broker]) {
        s.on('error', () => this.destroy(false));
        s.on('close', () => this.destroy(false));
      }
      if (stalled) this.pause();
    }

    pause(): void {
      this.client.pause();
      this.broker.pause();
    }

    resume(): void {
      this.client.resume();
      this.broker.resume();
      this.up.pump();
      this.down.pump();
    }

    destroy(isCut: boolean): void {
      if (this.closed) return;
      this.closed = true;
      links.delete(this);
      this.up.stop();
      this.down.stop();
      this.client.destroy();
      this.broker.destroy();
      if (isCut) {
        const f = this.onCut;
        this.onCut = null;
        f?.();
      }
    }
  }

  // Half-open allowed: a FIN from one side is forwarded (after the data before it) as a FIN.
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => {
    accepted++;
    const broker = net.connect({ host: targetHost, port: opts.targetPort, allowHalfOpen: true });
    broker.setNoDelay(true);
    client.setNoDelay(true);
    const link = new Link(accepted, client, broker);
    links.add(link);
    lastLink = link;
    if (!stalled) client.resume();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    host: '127.0.0.1',
    get linkCount() { return links.size; },
    get accepted() { return accepted; },
    forwarded,
    forwardedPackets,
    lastLinkPackets() {
      return lastLink === null ? null : { toBroker: lastLink.up.packets, toClient: lastLink.down.packets };
    },
    get stalled() { return stalled; },
    async close() {
      for (const l of [...links]) l.destroy(false);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    dropAll() {
      for (const l of [...links]) l.destroy(false);
    },
    stall(direction?: Direction) {
      if (direction !== undefined) {
        held = direction;
        return;
      }
      stalled = true;
      for (const l of links) l.pause();
    },
    unstall() {
      stalled = false;
      held = null;
      for (const l of [...links]) l.resume();
    },
    delay(ms: number) {
      delayMs = Math.max(0, ms);
    },
    throttle(bytesPerSecond: number) {
      rate = Math.max(0, bytesPerSecond);
      for (const l of [...links]) {
        l.up.pump();
        l.down.pump();
      }
    },
    cutMidPacket(direction: Direction, o: { type?: number } = {}) {
      return new Promise<CutInfo>((resolve) => {
        const since = new Map<unknown, number>();
        for (const l of links) since.set(direction === 'toBroker' ? l.up : l.down, (direction === 'toBroker' ? l.up : l.down).pos);
        cut = { direction, type: o.type, resolve, since };
      });
    },
    cancelCut() {
      cut = null;
    },
  };
}
