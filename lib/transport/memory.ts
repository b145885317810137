/**
 * An in-memory transport pair for specs: the client end is a Transport the Client drives,
 * the server end (MemoryPeer) is a scripted broker's handle. No sockets, no ports, no timers.
 *
 * Timing: every delivery (bytes either way, open, close) happens later, never inside the
 * call that caused it, as with a socket, so specs see the same re-entrancy as production.
 * "Later" is a promise job (Promise.resolve().then), not queueMicrotask/setImmediate/
 * nextTick: jest's modern fake timers fake those three by default (checked with jest 30),
 * but never native promise jobs, so deliveries still flow under jest.useFakeTimers() and
 * a spec needs only `await` (e.g. `await flush()`), never a timer advance, to see them.
 *
 * Order: bytes arrive in write order; one client write() is one entry in `received`
 * (chunks concatenated), so a spec can count writes per pump turn. Bytes are copied at
 * write time, so a writer may reuse its buffers.
 */
import type { Transport, TransportHandlers } from './types';

const later = (job: () => void): void => {
  void Promise.resolve().then(job);
};

/** A close travelling to the client, behind the data sent before it. */
interface Closing {
  readonly error: Error | undefined;
}
const END = Symbol('end');

type ClientState = 'idle' | 'opening' | 'open' | 'ending' | 'closing' | 'closed';

/** The state of one connection, shared by its two ends. */
class Link {
  state: ClientState = 'idle';
  handlers: TransportHandlers | null = null;
  paused = false;
  /** Closed as seen from the server end: no more bytes either way. */
  serverClosed = false;
  /** The client's handlers.close ran, or its open() failed. */
  clientClosed = false;
  refusal: Error | undefined;
  closeError: Error | undefined;
  toClient: Array<Buffer | Closing> = [];
  toServer: Array<Buffer | typeof END> = [];
  pendingToServer = 0;
  pendingToClient = 0;
  /** Set by MemoryListener: told of the connection when the client opens. */
  onOpenAttempt: (() => void) | null = null;
  /** Called when the client has taken every byte sent to it (MemoryPeer.onClientDrain). */
  clientDrained: Array<() => void> = [];
  private clientScheduled = false;
  private serverScheduled = false;

  constructor(readonly peer: MemoryPeer) {}

  scheduleClient(): void {
    if (this.clientScheduled) return;
    this.clientScheduled = true;
    later(() => {
      this.clientScheduled = false;
      this.flushClient();
    });
  }

  scheduleServer(): void {
    if (this.serverScheduled) return;
    this.serverScheduled = true;
    later(() => {
      this.serverScheduled = false;
      this.flushServer();
    });
  }

  /** Delivers to the client, in order; re-checks state after each call into its handlers. */
  private flushClient(): void {
    while (this.toClient.length > 0) {
      const item = this.toClient[0];
      if (item instanceof Buffer) {
        // Data waits while paused or before open, as in the socket's receive buffer.
        if (this.paused || (this.state !== 'open' && this.state !== 'ending')) return;
        this.toClient.shift();
        this.pendingToClient -= item.length;
        this.handlers?.data(item);
      } else {
        this.finishClient((item as Closing).error);
        return;
      }
    }
    if (this.clientDrained.length > 0) for (const cb of this.clientDrained.splice(0)) cb();
  }

  private flushServer(): void {
    while (this.toServer.length > 0 && !this.serverClosed) {
      const item = this.toServer.shift()!;
      if (item === END) {
        // Client's end(): everything before it has arrived; now both ends are closed.
        this.closeServer();
        this.finishClient(undefined);
        return;
      }
      this.pendingToServer -= item.length;
      this.peer.deliver(item);
    }
    // The server took everything: as a socket's 'drain' after a write past its buffer.
    if (this.pendingToServer === 0 && !this.serverClosed) this.handlers?.drain?.();
  }

  /** Closes the server's view: drops bytes still travelling to it, tells its onClose callbacks. */
  closeServer(): void {
    if (this.serverClosed) return;
    this.serverClosed = true;
    this.toServer.length = 0;
    this.pendingToServer = 0;
    later(() => this.peer.closedNow());
  }

  /** Runs the client's handlers.close, once. */
  finishClient(error: Error | undefined): void {
    if (this.clientClosed) return;
    this.clientClosed = true;
    this.state = 'closed';
    this.toClient.length = 0;
    this.pendingToClient = 0;
    for (const cb of this.clientDrained.splice(0)) cb();
    const handlers = this.handlers;
    this.handlers = null;
    handlers?.close(error);
  }
}

/** The client end: a Transport. Set `openError` before open() to make it reject with it. */
export class MemoryTransport implements Transport {
  openError?: Error;

  /** @internal */
  constructor(private readonly link: Link) {}

  get isOpen(): boolean {
    return this.link.state === 'open' && !this.link.serverClosed;
  }

  /** The server peer while the connection is up (there is no socket), else null. */
  get socket(): unknown {
    return this.link.state === 'open' || this.link.state === 'ending' ? this.link.peer : null;
  }

  get pendingBytes(): number {
    return this.link.pendingToServer;
  }

  open(handlers: TransportHandlers): Promise<void> {
    const link = this.link;
    if (link.state !== 'idle') return Promise.reject(new Error('MemoryTransport: open() called twice'));
    link.state = 'opening';
    link.handlers = handlers;
    return new Promise<void>((resolve, reject) => {
      later(() => {
        link.onOpenAttempt?.();
        const error = link.state !== 'opening'
          ? new Error('MemoryTransport: destroyed while opening')
          : (this.openError ?? link.refusal ?? (link.serverClosed ? (link.closeError ?? new Error('MemoryTransport: closed by the server while opening')) : undefined));
        if (error !== undefined) {
          // A failed open is reported by the rejection only, never by handlers.close.
          link.state = 'closed';
          link.handlers = null;
          link.clientClosed = true;
          link.closeServer();
          reject(error);
          return;
        }
        link.state = 'open';
        link.peer.openedNow();
        resolve();
        link.scheduleClient(); // bytes the server wrote before open
      });
    });
  }

  write(chunks: Buffer[]): boolean {
    const link = this.link;
    if (link.state !== 'open' || link.serverClosed) return false;
    const buf = Buffer.concat(chunks);
    link.toServer.push(buf);
    link.pendingToServer += buf.length;
    link.scheduleServer();
    return true;
  }

  end(): void {
    const link = this.link;
    if (link.state !== 'open') return;
    link.state = 'ending';
    link.toServer.push(END);
    link.scheduleServer();
  }

  destroy(): void {
    const link = this.link;
    if (link.state === 'idle' || link.state === 'opening') {
      link.state = 'closed'; // a pending open() rejects
    } else if (link.state === 'open' || link.state === 'ending') {
      link.state = 'closing';
      link.closeServer();
      link.toClient = [{ error: undefined }];
      link.scheduleClient();
    }
  }

  pause(): void {
    this.link.paused = true;
  }

  resume(): void {
    this.link.paused = false;
    this.link.scheduleClient();
  }
}

/** The server end of a memory connection: what a scripted broker holds. */
export class MemoryPeer {
  /** Every client write() received, one entry per write, in order. */
  readonly received: Buffer[] = [];
  /** Resolves when the client's open() succeeds (never, when it is refused). */
  readonly opened: Promise<void>;
  private resolveOpened!: () => void;
  private opened_ = false;
  private readonly dataCallbacks: Array<(chunk: Buffer) => void> = [];
  private readonly closeCallbacks: Array<() => void> = [];
  private waiters: Array<(chunk: Buffer) => void> = [];
  /** @internal */
  link!: Link;

  constructor() {
    this.opened = new Promise<void>((resolve) => (this.resolveOpened = resolve));
  }

  /** True once the client's open() has succeeded. */
  get isOpened(): boolean {
    return this.opened_;
  }

  /** True once the client end is closed (its handlers.close ran) or its open() failed. */
  get clientClosed(): boolean {
    return this.link.clientClosed;
  }

  /** True once the connection is closed, by either end. */
  get closed(): boolean {
    return this.link.serverClosed;
  }

  /** Sends bytes to the client (delivered later, in order; held while it is paused). Ignored once closed. */
  write(buf: Buffer): void {
    if (this.link.serverClosed) return;
    this.link.toClient.push(Buffer.from(buf));
    this.link.pendingToClient += buf.length;
    this.link.scheduleClient();
  }

  /** Bytes written to the client that it has not taken yet (it may be paused). */
  get pendingToClient(): number {
    return this.link.pendingToClient;
  }

  /** True while the client end has paused reading. */
  get clientPaused(): boolean {
    return this.link.paused;
  }

  /**
   * Resolves once the client has taken every byte written to it so far (at once when it
   * has): a scripted broker feeding "as fast as the transport allows" waits on this.
   */
  clientDrained(): Promise<void> {
    if (this.link.pendingToClient === 0 || this.link.serverClosed) return Promise.resolve();
    return new Promise((resolve) => this.link.clientDrained.push(resolve));
  }

  /** Calls `cb` with each client write as it arrives (after it is appended to `received`). */
  onData(cb: (chunk: Buffer) => void): void {
    this.dataCallbacks.push(cb);
  }

  /** Calls `cb` once when the connection closes, from either end. */
  onClose(cb: () => void): void {
    this.closeCallbacks.push(cb);
  }

  /** The next client write to arrive (it is logged in `received` too). */
  nextData(): Promise<Buffer> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Everything received so far, concatenated; empties `received`. */
  takeReceived(): Buffer {
    const all = Buffer.concat(this.received);
    this.received.length = 0;
    return all;
  }

  /** Makes the client's open() reject with `err` (call before its open completes). */
  refuseOpen(err: Error): void {
    this.link.refusal = err;
  }

  /**
   * Closes both ends; the client's handlers.close(error) runs once, later. Without an error
   * (the server closed cleanly) bytes already written reach the client first, as a FIN
   * follows data (and waits, like it, while the client is paused); with one (a reset) bytes
   * not yet delivered are dropped and the close is delivered at once.
   */
  close(error?: Error): void {
    const link = this.link;
    if (link.serverClosed) return;
    link.closeError = error;
    link.closeServer();
    if (link.state === 'idle' || link.state === 'opening' || link.state === 'closed') return;
    if (error !== undefined) {
      link.toClient.length = 0;
      link.pendingToClient = 0;
    }
    link.toClient.push({ error });
    link.scheduleClient();
  }

  /** @internal */
  deliver(chunk: Buffer): void {
    this.received.push(chunk);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(chunk);
    for (const cb of this.dataCallbacks) cb(chunk);
  }

  /** @internal */
  openedNow(): void {
    this.opened_ = true;
    this.resolveOpened();
  }

  /** @internal */
  closedNow(): void {
    for (const cb of this.closeCallbacks.splice(0)) cb();
  }
}

/** A connected client end and server end. */
export function memoryPair(): { client: MemoryTransport; server: MemoryPeer } {
  const server = new MemoryPeer();
  const link = new Link(server);
  server.link = link;
  return { client: new MemoryTransport(link), server };
}

/**
 * A memory "server": hands out a fresh pair per createTransport() call (a Client that
 * reconnects gets a new connection each time) and reports each server end to onConnection
 * callbacks when its client opens, before the open completes (so a callback may refuseOpen).
 */
export class MemoryListener {
  /** Every server end that has seen an open attempt, oldest first. */
  readonly peers: MemoryPeer[] = [];
  private readonly callbacks: Array<(peer: MemoryPeer) => void> = [];

  onConnection(cb: (peer: MemoryPeer) => void): void {
    this.callbacks.push(cb);
  }

  createTransport(): MemoryTransport {
    const { client, server } = memoryPair();
    server.link.onOpenAttempt = () => {
      this.peers.push(server);
      for (const cb of this.callbacks) cb(server);
    };
    return client;
  }

  /** The most recent connection's server end. */
  get last(): MemoryPeer | undefined {
    return this.peers[this.peers.length - 1];
  }
}
