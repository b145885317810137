/**
 * paho 2.x's hooks for driving a Client from an external event loop (paho's loop_select.py and
 * loop_asyncio.py examples): on_socket_open, on_socket_close, on_socket_register_write and
 * on_socket_unregister_write, each `(client, userdata, sock)` and each also an event
 * ('socket_open', ...) with `(sock)`. They fire when paho fires them:
 *  - open: the socket of a new connection is open, before CONNECT is queued;
 *  - register_write: bytes wait to be written and the socket was not registered already;
 *  - unregister_write: a write left nothing waiting (and it was registered);
 *  - close: the client lets go of the socket (unregister_write first if still registered).
 *
 * Who writes: with on_socket_register_write set and no background pump (loopStart/loopForever),
 * queued bytes wait for the caller's loopWrite(), as paho then leaves writing to the external
 * loop; otherwise the client writes by itself as before, and the pair still fires around each
 * write. "Waiting" counts the bytes the client still has to hand to the socket; Node's socket
 * drains its own buffer, so nothing in it needs a loopWrite().
 */
import type { Callbacks } from './callbacks';

/** Whether loopStart()/loopForever() run the pump (then the client writes by itself). */
export interface PumpMode {
  runsInBackground(): boolean;
}

export class SocketHooks {
  /** The open connection's socket, from opened() to closing(): paho hands the same object to every hook, even once it has closed. */
  private sock: unknown = null;
  /** register_write fired and unregister_write not yet since (paho's _registered_write). */
  private registered = false;

  constructor(private readonly callbacks: Callbacks, private readonly pumpMode: PumpMode) {}

  /** The caller's event loop does the writing (see the module comment). */
  writesExternally(): boolean {
    return this.callbacks.owner.on_socket_register_write !== null && !this.pumpMode.runsInBackground();
  }

  /** A connection's socket is open. */
  opened(sock: unknown): void {
    this.sock = sock ?? null;
    this.registered = false;
    if (this.sock !== null) this.callbacks.fire('on_socket_open', 'socket_open', this.sock);
  }

  /** Bytes were queued: register the socket for writing, once. */
  wantWrite(): void {
    if (this.registered || this.sock === null) return;
    this.registered = true;
    // Runs around every write: build the call only when someone listens.
    if (this.callbacks.wanted('on_socket_register_write', 'socket_register_write')) {
      this.callbacks.fire('on_socket_register_write', 'socket_register_write', this.sock);
    }
  }

  /** A write left nothing waiting: unregister the socket. */
  wroteAll(): void {
    if (!this.registered || this.sock === null) return;
    this.registered = false;
    if (this.callbacks.wanted('on_socket_unregister_write', 'socket_unregister_write')) {
      this.callbacks.fire('on_socket_unregister_write', 'socket_unregister_write', this.sock);
    }
  }

  /** The client is about to let go of the socket (paho's _sock_close). */
  closing(): void {
    const sock = this.sock;
    if (sock === null) return;
    this.wroteAll();
    this.sock = null;
    this.registered = false;
    this.callbacks.fire('on_socket_close', 'socket_close', sock);
  }
}
