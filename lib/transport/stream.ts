/**
 * The life cycle over a byte stream (net.Socket, tls.TLSSocket): what tcp, tls and unix share
 * beyond the socket life cycle. They differ only in how they dial and how they write.
 */
import type * as net from 'node:net';
import { SocketTransport } from './socketLifecycle';

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
