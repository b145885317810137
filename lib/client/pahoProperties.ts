/**
 * The checks behind paho 2.x's settable Client properties (username, password,
 * maxInflightMessages, maxQueuedMessages). paho raises when one of them is set while the
 * connection is not closed, which in paho's state machine means: from connect() or
 * connectAsync() on (connecting, connected, and after a lost connection too, since it
 * reconnects) until disconnect() has closed the socket, or reinitialise().
 */
import { ValueError } from '../errors';

/** Throws when the connection is not closed (paho raises RuntimeError there). */
export function checkSettable(connectionClosed: boolean, name: string): void {
  if (!connectionClosed) {
    throw new ValueError(`${name}: cannot be changed while connecting or connected (paho raises RuntimeError); set it before connect() or after disconnect()`);
  }
}

/** A user name or password as paho's getters return it: the UTF-8 text, or null when unset. */
export function decodedOrNull(value: string | Buffer | undefined): string | null {
  if (value === undefined) return null;
  return typeof value === 'string' ? value : value.toString('utf8');
}

/** A logger for the `logger` property: null, or anything with debug/info/warn/error (console, pino). */
export function checkLogger<L>(value: L | null | undefined): L | null {
  if (value === null || value === undefined) return null;
  const l = value as unknown as Record<string, unknown>;
  for (const m of ['debug', 'info', 'warn', 'error']) {
    if (typeof l[m] !== 'function') throw new ValueError(`logger: must have a ${m}() method (console, pino, ...), or be null`);
  }
  return value;
}
