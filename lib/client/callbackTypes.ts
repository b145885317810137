/**
 * The public names of the Client's callback types: paho 2.1's 28 callback type names
 * (`CallbackOnConnect_v1_mqtt3`, ...) and mqttloop's own, each with the client type `C`
 * defaulting to Client; ClientCallbacks (the handler each slot takes on a Client<V, P, U>);
 * and the typed constructor the package exports. The signatures themselves are in
 * callbackSignatures.ts (which client.ts imports: no import cycle through this file).
 */
import type { Client } from '../client';
import type { CallbackAPIVersionValue } from '../mqtt5/callbackApi';
import type * as S from './callbackSignatures';
import type { SlotHandlers, TypedClientOptions } from './callbackSignatures';

export type { AuthAnswer, ClientEvents, ConnectFlagsV2, ProtocolVersionValue, SocketLike, TypedClientOptions } from './callbackSignatures';

// ---- paho 2.1's callback types, and on_auth's ---------------------------------------------------

export type CallbackOnConnect_v1_mqtt3<C = Client, U = unknown> = S.CallbackOnConnect_v1_mqtt3<C, U>;
export type CallbackOnConnect_v1_mqtt5<C = Client, U = unknown> = S.CallbackOnConnect_v1_mqtt5<C, U>;
export type CallbackOnConnect_v1<C = Client, U = unknown> = S.CallbackOnConnect_v1<C, U>;
export type CallbackOnConnect_v2<C = Client, U = unknown> = S.CallbackOnConnect_v2<C, U>;
export type CallbackOnConnect<C = Client, U = unknown> = S.CallbackOnConnect<C, U>;
export type CallbackOnConnectFail<C = Client, U = unknown> = S.CallbackOnConnectFail<C, U>;
export type CallbackOnDisconnect_v1_mqtt3<C = Client, U = unknown> = S.CallbackOnDisconnect_v1_mqtt3<C, U>;
export type CallbackOnDisconnect_v1_mqtt5<C = Client, U = unknown> = S.CallbackOnDisconnect_v1_mqtt5<C, U>;
export type CallbackOnDisconnect_v1<C = Client, U = unknown> = S.CallbackOnDisconnect_v1<C, U>;
export type CallbackOnDisconnect_v2<C = Client, U = unknown> = S.CallbackOnDisconnect_v2<C, U>;
export type CallbackOnDisconnect<C = Client, U = unknown> = S.CallbackOnDisconnect<C, U>;
export type CallbackOnLog<C = Client, U = unknown> = S.CallbackOnLog<C, U>;
export type CallbackOnMessage<C = Client, U = unknown> = S.CallbackOnMessage<C, U>;
export type CallbackOnPreConnect<C = Client, U = unknown> = S.CallbackOnPreConnect<C, U>;
export type CallbackOnPublish_v1<C = Client, U = unknown> = S.CallbackOnPublish_v1<C, U>;
export type CallbackOnPublish_v2<C = Client, U = unknown> = S.CallbackOnPublish_v2<C, U>;
export type CallbackOnPublish<C = Client, U = unknown> = S.CallbackOnPublish<C, U>;
export type CallbackOnSocket<C = Client, U = unknown> = S.CallbackOnSocket<C, U>;
export type CallbackOnSubscribe_v1_mqtt3<C = Client, U = unknown> = S.CallbackOnSubscribe_v1_mqtt3<C, U>;
export type CallbackOnSubscribe_v1_mqtt5<C = Client, U = unknown> = S.CallbackOnSubscribe_v1_mqtt5<C, U>;
export type CallbackOnSubscribe_v1<C = Client, U = unknown> = S.CallbackOnSubscribe_v1<C, U>;
export type CallbackOnSubscribe_v2<C = Client, U = unknown> = S.CallbackOnSubscribe_v2<C, U>;
export type CallbackOnSubscribe<C = Client, U = unknown> = S.CallbackOnSubscribe<C, U>;
export type CallbackOnUnsubscribe_v1_mqtt3<C = Client, U = unknown> = S.CallbackOnUnsubscribe_v1_mqtt3<C, U>;
export type CallbackOnUnsubscribe_v1_mqtt5<C = Client, U = unknown> = S.CallbackOnUnsubscribe_v1_mqtt5<C, U>;
export type CallbackOnUnsubscribe_v1<C = Client, U = unknown> = S.CallbackOnUnsubscribe_v1<C, U>;
export type CallbackOnUnsubscribe_v2<C = Client, U = unknown> = S.CallbackOnUnsubscribe_v2<C, U>;
export type CallbackOnUnsubscribe<C = Client, U = unknown> = S.CallbackOnUnsubscribe<C, U>;
export type CallbackOnAuth<C = Client, U = unknown> = S.CallbackOnAuth<C, U>;

/**
 * The handler each callback slot takes on a `Client<V, P, U>` (V: CallbackAPIVersion,
 * P: protocol level, U: userdata), as the runtime calls it in that mode. Decorator-style
 * registration (`connectCallback()`) and typed wrappers can look slots up here.
 */
export interface ClientCallbacks<V extends CallbackAPIVersionValue, P extends number, U> extends SlotHandlers<V, P, U, Client<V, P, U>> {}

/** The handler type of one slot on a Client<V, P, U>. */
export type CallbackFor<K extends keyof ClientCallbacks<1, 4, unknown>, V extends CallbackAPIVersionValue, P extends number, U> =
  ClientCallbacks<V, P, U>[K];

// ---- the constructor, typed per mode ----------------------------------------------------------

/** userdata given as null/undefined (paho's default None) is set later with userDataSet(): unknown. */
type UserdataOf<U> = [U] extends [null | undefined] ? unknown : U;

/**
 * `new Client(...)` as the package exports it: the Client's version, protocol and userdata
 * types come from the options, and default to the runtime's (VERSION1, MQTTv311), so
 * `new Client()` has paho 1.x's MQTT 3.1.1 callbacks and
 * `new Client({ callbackApiVersion: CallbackAPIVersion.VERSION2, protocol: MQTTv5 })` has
 * VERSION2's. A version or protocol held in a variable of a wider type gives the merged forms.
 */
export interface ClientConstructor {
  /** paho 2.x's positional form: `new Client(CallbackAPIVersion.VERSION2, 'id' | { ... })`. */
  new <V extends CallbackAPIVersionValue, P extends number = 4, U = unknown>(
    callbackApiVersion: V, more?: Omit<TypedClientOptions<V, P, U>, 'callbackApiVersion'> | string): Client<V, P, UserdataOf<U>>;
  // Last, so that ConstructorParameters<typeof Client> is the options form.
  new <V extends CallbackAPIVersionValue = 1, P extends number = 4, U = unknown>(
    opts?: TypedClientOptions<V, P, U> | string): Client<V, P, UserdataOf<U>>;
  readonly prototype: Client;
}
