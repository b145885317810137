/**
 * How a Client calls user code: its callback slots (on_connect, ...) and the EventEmitter
 * events of the same names, message handlers, log lines (on_log, enableLogger's logger, the
 * 'log' event). A throwing or rejecting callback never breaks the loop: it is logged as paho's
 * one line (the message only), emitted as 'error' (the Error, with its stack), and with
 * suppressExceptions false kept to be rethrown by loop()/loopForever().
 */
import type EventEmitter from 'eventemitter3';
import { MQTT_LOG_ERR, MQTT_LOG_INFO, MQTT_LOG_NOTICE, MQTT_LOG_WARNING } from '../constants';
import type { MQTTMessage } from '../message';
import type { Logger } from './options';

export type Fn = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

export const SLOTS = ['on_connect', 'on_connect_fail', 'on_disconnect', 'on_message', 'on_publish', 'on_subscribe',
  'on_unsubscribe', 'on_log', 'on_pre_connect', 'on_auth',
  'on_socket_open', 'on_socket_close', 'on_socket_register_write', 'on_socket_unregister_write'] as const;
export type SlotName = typeof SLOTS[number];

/**
 * The Client as user code sees it: its slots, its events and suppressExceptions (all public).
 * Callbacks read the slots from it and pass it as the first argument, as paho passes `self`.
 */
/**
 * The facade as its collaborators see it: the callback slots and events user code is called
 * through, and its public reconnect(), which background reconnects call as paho's loops call
 * self.reconnect() (so a subclass that overrides it sees them).
 */
export type CallbackSource = EventEmitter & { [K in SlotName]: Fn | null } & { suppressExceptions: boolean; reconnect(): Promise<number> };

/** Told when a callback failed with suppressExceptions false: loopForever() ends with the error (reconnect.ts). */
export interface CallbackFailureSink {
  callbackErrorPending(): void;
}

export class Callbacks {
  userdata: unknown = null;
  logger: Logger | null = null;
  private pendingError: unknown = null;

  constructor(readonly owner: CallbackSource, private readonly failures: CallbackFailureSink) {}

  /** reinitialise(): no logger (userdata comes with the new options). */
  reset(): void {
    this.logger = null;
  }

  /** Runs a callback slot, then emits its event. */
  fire(slot: SlotName, event: string, ...args: unknown[]): void {
    const fn = this.owner[slot];
    if (fn !== null) this.invoke(slot, fn, [this.owner, this.userdata, ...args]);
    if (this.owner.listenerCount(event) > 0) this.safeEmit(event, ...args);
  }

  /**
   * fire() with one argument (on_publish's mid, once per QoS 1/2 message): no rest and
   * argument arrays per call.
   */
  fireOne(slot: SlotName, event: string, arg: unknown): void {
    const fn = this.owner[slot];
    if (fn !== null) {
      try {
        this.settle(slot, fn(this.owner, this.userdata, arg));
      } catch (e) {
        this.callbackFailed(slot, e);
      }
    }
    if (this.owner.listenerCount(event) > 0) this.safeEmit(event, arg);
  }

  /** fire() with the arguments in an array (the MQTT 5 / VERSION2 forms). */
  fireArgs(slot: SlotName, event: string, args: unknown[]): void {
    const fn = this.owner[slot];
    if (fn !== null) this.invoke(slot, fn, [this.owner, this.userdata, ...args]);
    if (this.owner.listenerCount(event) > 0) this.safeEmit(event, ...args);
  }

  safeEmit(event: string, ...args: unknown[]): void {
    try {
      this.owner.emit(event, ...args);
    } catch (e) {
      this.callbackFailed(`'${event}' listener`, e);
    }
  }

  /**
   * Runs a message handler. Returns undefined for a sync handler (the fast path: no promise
   * made); for a thenable, a promise that fulfils when it settles (a rejection is logged
   * like a throwing callback).
   */
  /** `name`: the slot's, or null for a messageCallbackAdd callback (named only if it fails). */
  invokeHandler(name: string | null, fn: Fn, msg: MQTTMessage): PromiseLike<unknown> | undefined {
    try {
      const r = fn(this.owner, this.userdata, msg) as { then?: unknown } | undefined;
      if (r !== null && r !== undefined && (typeof r === 'object' || typeof r === 'function') && typeof r.then === 'function') {
        return Promise.resolve(r).then(undefined, (e) => this.callbackFailed(name ?? filterCallbackName(fn), e));
      }
    } catch (e) {
      this.callbackFailed(name ?? filterCallbackName(fn), e);
    }
    return undefined;
  }

  /** Whether a slot or event has anyone to call (skips building arguments for nobody). */
  wanted(slot: SlotName, event: string): boolean {
    return this.owner[slot] !== null || this.owner.listenerCount(event) > 0;
  }

  invoke(name: string, fn: Fn, args: unknown[]): void {
    try {
      this.settle(name, fn(...args));
    } catch (e) {
      this.callbackFailed(name, e);
    }
  }

  /** A callback returned `r`: a rejected promise is reported as a throw would be. */
  private settle(name: string, r: unknown): void {
    if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
      (r as Promise<unknown>).then(undefined, (e) => this.callbackFailed(name, e));
    }
  }

  callbackFailed(name: string, e: unknown): void {
    // paho's line ('%s' of the exception: its message); the Error with its stack goes to 'error'.
    const text = e instanceof Error ? e.message : String(e);
    this.log(MQTT_LOG_ERR, `Caught exception in ${name}: ${text}`);
    if (this.owner.listenerCount('error') > 0) {
      try { this.owner.emit('error', e); } catch { /* an 'error' listener that throws must not loop */ }
    }
    // paho never raises an exception from on_connect_fail out of its loop, even with
    // suppress_exceptions False: it only logs it, and the loop goes on retrying.
    if (!this.owner.suppressExceptions && this.pendingError === null && name !== 'on_connect_fail') {
      this.pendingError = e;
      this.failures.callbackErrorPending();
    }
  }

  takePendingError(): unknown {
    const e = this.pendingError;
    this.pendingError = null;
    return e;
  }

  throwPendingError(): void {
    if (this.pendingError !== null) throw this.takePendingError();
  }

  /** Someone listens to log lines (the session formats them only then). */
  get logging(): boolean {
    return this.owner.on_log !== null || this.logger !== null || this.owner.listenerCount('log') > 0;
  }

  log(level: number, text: string): void {
    if (this.owner.on_log !== null) {
      const fn = this.owner.on_log;
      try { fn(this.owner, this.userdata, level, text); } catch { /* a failing logger must not break the loop */ }
    }
    const lg = this.logger;
    if (lg !== null) {
      // The bare message, as paho hands its logger (the logger adds its own prefix).
      const line = text;
      if (level === MQTT_LOG_ERR) lg.error(line);
      else if (level === MQTT_LOG_WARNING) lg.warn(line);
      else if (level === MQTT_LOG_INFO || level === MQTT_LOG_NOTICE) lg.info(line);
      else lg.debug(line);
    }
    if (this.owner.listenerCount('log') > 0) {
      try { this.owner.emit('log', level, text); } catch { /* same */ }
    }
  }
}

/** paho's name for a messageCallbackAdd callback in its 'Caught exception in ...' line. */
function filterCallbackName(fn: Fn): string {
  return `user defined callback function ${fn.name || '<lambda>'}`;
}
