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

/**
 * The hooks' state, kept on the driver (client/driver.ts) rather than in an object of its own:
 * two fields instead of a 56-byte object per connection (idle memory is benchmarked).
 */
export interface SocketHookState {
  /** The open connection's socket, from socketOpened() to socketClosing(): paho hands the same object to every hook, even once it has closed. */
  hookedSocket: unknown;
  /** register_write fired and unregister_write not yet since (paho's _registered_write). */
  writeRegistered: boolean;
  readonly callbacks: Callbacks;
  /** Whether loopStart()/loopForever() run the pump (then the client writes by itself). */
  runsInBackground(): boolean;
}

/** The caller's event loop does the writing (see the module comment). */
export function writesExternally(h: SocketHookState): boolean {
  return h.callbacks.owner.on_socket_register_write !== null && !h.runsInBackground();
}

/** A connection's socket is open. */
export function socketOpened(h: SocketHookState, sock: unknown): void {
  h.hookedSocket = sock ?? null;
  h.writeRegistered = false;
  if (h.hookedSocket !== null) h.callbacks.fire('on_socket_open', 'socket_open', h.hookedSocket);
}

/** Bytes were queued: register the socket for writing, once. */
export function registerForWrite(h: SocketHookState): void {
  if (h.writeRegistered || h.hookedSocket === null) return;
  h.writeRegistered = true;
  // Runs around every write: build the call only when someone listens.
  if (h.callbacks.wanted('on_socket_register_write', 'socket_register_write')) {
    h.callbacks.fire('on_socket_register_write', 'socket_register_write', h.hookedSocket);
  }
}

/** A write left nothing waiting: unregister the socket. */
export function wroteAll(h: SocketHookState): void {
  if (!h.writeRegistered || h.hookedSocket === null) return;
  h.writeRegistered = false;
  if (h.callbacks.wanted('on_socket_unregister_write', 'socket_unregister_write')) {
    h.callbacks.fire('on_socket_unregister_write', 'socket_unregister_write', h.hookedSocket);
  }
}

/** The client is about to let go of the socket (paho's _sock_close). */
export function socketClosing(h: SocketHookState): void {
  const sock = h.hookedSocket;
  if (sock === null) return;
  wroteAll(h);
  h.hookedSocket = null;
  h.writeRegistered = false;
  h.callbacks.fire('on_socket_close', 'socket_close', sock);
}
