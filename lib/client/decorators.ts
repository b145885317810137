/**
 * paho 2.x's decorator methods (`@client.connect_callback()`, `@client.topic_callback(sub)`, ...).
 * Each Client method returns a function that registers the handler it is given and returns it,
 * so paho's
 *
 *     @client.connect_callback()
 *     def on_connect(client, userdata, flags, rc, properties): ...
 *
 * ports as `const onConnect = client.connectCallback()((client, userdata, flags, rc, properties) => { ... })`.
 * What each registers is what paho's does: the slot of the same name (connectCallback ->
 * on_connect), and topicCallback(sub) -> messageCallbackAdd(sub, fn).
 */
import { ValueError } from '../errors';
import type { Fn } from './callbacks';

/**
 * The function a decorator method returns: registers `fn`, returns it unchanged.
 *
 * @inline
 */
export type CallbackDecorator<H = Fn> = <F extends H>(fn: F) => F;

/** A decorator that assigns its function to the callback slot `slot` of `client`, as paho's `self.on_x = func`. */
export function slotDecorator<S extends string, H>(client: { [K in S]: H | null }, slot: S): CallbackDecorator<H> {
  return <F extends H>(fn: F): F => {
    checkCallback(fn);
    client[slot] = fn;
    return fn;
  };
}

/** topicCallback(sub): registers with messageCallbackAdd(sub, fn), which checks `sub`. */
export function topicDecorator<H>(add: (sub: string, fn: H) => void, sub: string): CallbackDecorator<H> {
  return <F extends H>(fn: F): F => {
    add(sub, fn);
    return fn;
  };
}

function checkCallback(fn: unknown): void {
  if (typeof fn !== 'function') throw new ValueError(`callback: a decorator takes a function, got ${fn === null ? 'null' : typeof fn}`);
}
