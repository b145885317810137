/**
 * The life cycle over a byte stream (net.Socket, tls.TLSSocket): what tcp, tls and unix share
 * beyond the socket life cycle. They differ only in how they dial and how they write.
 */
import type * as net from 'node:net';
import { SocketTransport } from './socketLifecycle';

/**
 * Where the kernel's bytes land before they are copied out for the handler: one buffer for the
 * whole process. The event loop reads one socket at a time and the callback copies the bytes
 * out before it returns, so no connection ever sees another's bytes.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * The `onread` option of net.connect / tls.connect: the kernel's bytes skip the Readable
 * stream. Node's default read path allocates 64 KB per read, pushes the chunk through the
 * stream's buffer and schedules a nextTick to read more; here each read is copied into a
 * chunk of its size and emitted as the 'data' event at once. That costs ~2-3 µs less per
 * read here (a read-and-answer ping-pong over loopback, 8 alternated runs at nice -20:
 * medians 28.3 vs 31.1 µs per round trip). 'data' is still emitted, so a program that
 * watches the socket (on_socket_open, an external event loop) sees every read as before;
 * pause() and resume() still stop and start reading at once (net.Socket handles them for
 * this mode).
 */
export const DIRECT_READ = { buffer: READ_BUFFER, callback: onDirectRead };

function onDirectRead(this: net.Socket, n: number): boolean {
  const chunk = Buffer.allocUnsafe(n); // small reads come from Node's shared pool: no allocation of their own
  READ_BUFFER.copy(chunk, 0, 0, n);
  this.emit('data', chunk);
  return true;
}

export abstract class StreamTransport<S extends net.Socket> extends SocketTransport<S> {
  /** The socket of the connection (net.Socket, tls.TLSSocket), or null when closed. */
  get socket(): unknown {
    return this.conn;
  }

  get pendingBytes(): number {
    return this.conn?.writableLength ?? 0;
  }

  end(): void {
    const sock = this.conn;
    if (sock === null || !this.open_) return;
    this.open_ = false;
    // Close once our bytes are flushed rather than waiting for the peer's FIN: a broker
    // that never closes its side must not keep the socket (and the process) alive.
    sock.end(() => sock.destroy());
  }

  destroy(): void {
    this.open_ = false;
    this.conn?.destroy();
  }

  protected listen(sock: S): void {
    sock.setNoDelay(true);
    sock.on('data', SocketTransport.onData);
    sock.on('error', SocketTransport.onError);
    sock.on('close', SocketTransport.onClose);
    sock.on('drain', SocketTransport.onDrain);
  }

  protected unlisten(sock: S): void {
    sock.off('data', SocketTransport.onData);
    sock.off('error', SocketTransport.onError);
    sock.off('close', SocketTransport.onClose);
    sock.off('drain', SocketTransport.onDrain);
  }

  protected discard(sock: S): void {
    sock.destroy();
  }
}
