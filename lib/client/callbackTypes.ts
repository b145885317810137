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

/** on_connect, VERSION1 on MQTT 3.1/3.1.1: `(client, userdata, flags, rc)`, rc the CONNACK return code (0 accepted). */
export type CallbackOnConnect_v1_mqtt3<C = Client, U = unknown> = S.CallbackOnConnect_v1_mqtt3<C, U>;
/** on_connect, VERSION1 on MQTT 5: `(client, userdata, flags, reasonCode, properties)`. */
export type CallbackOnConnect_v1_mqtt5<C = Client, U = unknown> = S.CallbackOnConnect_v1_mqtt5<C, U>;
/** on_connect under VERSION1, either protocol: `(client, userdata, flags, rc, properties?)`. */
export type CallbackOnConnect_v1<C = Client, U = unknown> = S.CallbackOnConnect_v1<C, U>;
/** on_connect under VERSION2: `(client, userdata, flags, reasonCode, properties)`; on 3.x the CONNACK code mapped to a ReasonCodes. */
export type CallbackOnConnect_v2<C = Client, U = unknown> = S.CallbackOnConnect_v2<C, U>;
/** on_connect in any mode (paho's union of the on_connect signatures). */
export type CallbackOnConnect<C = Client, U = unknown> = S.CallbackOnConnect<C, U>;
/** on_connect_fail: `(client, userdata)`, when a connection attempt of the loop cannot open its socket. */
export type CallbackOnConnectFail<C = Client, U = unknown> = S.CallbackOnConnectFail<C, U>;
/** on_disconnect, VERSION1 on MQTT 3.1/3.1.1: `(client, userdata, rc)`, rc an MQTT_ERR_* code (0 after disconnect()). */
export type CallbackOnDisconnect_v1_mqtt3<C = Client, U = unknown> = S.CallbackOnDisconnect_v1_mqtt3<C, U>;
/** on_disconnect, VERSION1 on MQTT 5: `(client, userdata, reasonCode, properties)`; a ReasonCodes and Properties when the broker sent DISCONNECT, else an MQTT_ERR_* number and undefined. */
export type CallbackOnDisconnect_v1_mqtt5<C = Client, U = unknown> = S.CallbackOnDisconnect_v1_mqtt5<C, U>;
/** on_disconnect under VERSION1, either protocol: `(client, userdata, rc, properties?)`. */
export type CallbackOnDisconnect_v1<C = Client, U = unknown> = S.CallbackOnDisconnect_v1<C, U>;
/** on_disconnect under VERSION2: `(client, userdata, flags, reasonCode, properties)`. */
export type CallbackOnDisconnect_v2<C = Client, U = unknown> = S.CallbackOnDisconnect_v2<C, U>;
/** on_disconnect in any mode: the third argument is an rc (VERSION1) or a DisconnectFlags (VERSION2). */
export type CallbackOnDisconnect<C = Client, U = unknown> = S.CallbackOnDisconnect<C, U>;
/** on_log: `(client, userdata, level, buf)`, level an MQTT_LOG_* value. */
export type CallbackOnLog<C = Client, U = unknown> = S.CallbackOnLog<C, U>;
/** on_message and messageCallbackAdd(): `(client, userdata, message)`; may return a promise (the message's ack waits for it). */
export type CallbackOnMessage<C = Client, U = unknown> = S.CallbackOnMessage<C, U>;
/** on_pre_connect: `(client, userdata)`, just before each connection attempt opens its socket. */
export type CallbackOnPreConnect<C = Client, U = unknown> = S.CallbackOnPreConnect<C, U>;
/** on_publish under VERSION1: `(client, userdata, mid)`. */
export type CallbackOnPublish_v1<C = Client, U = unknown> = S.CallbackOnPublish_v1<C, U>;
/** on_publish under VERSION2: `(client, userdata, mid, reasonCode, properties)`. */
export type CallbackOnPublish_v2<C = Client, U = unknown> = S.CallbackOnPublish_v2<C, U>;
/** on_publish in any mode: `(client, userdata, mid, reasonCode?, properties?)`. */
export type CallbackOnPublish<C = Client, U = unknown> = S.CallbackOnPublish<C, U>;
/** on_socket_open, on_socket_close, on_socket_register_write, on_socket_unregister_write: `(client, userdata, sock)`. */
export type CallbackOnSocket<C = Client, U = unknown> = S.CallbackOnSocket<C, U>;
/** on_subscribe, VERSION1 on MQTT 3.1/3.1.1: `(client, userdata, mid, grantedQos)`, 0x80 for a refused filter. */
export type CallbackOnSubscribe_v1_mqtt3<C = Client, U = unknown> = S.CallbackOnSubscribe_v1_mqtt3<C, U>;
/** on_subscribe, VERSION1 on MQTT 5: `(client, userdata, mid, reasonCodes, properties)`. */
export type CallbackOnSubscribe_v1_mqtt5<C = Client, U = unknown> = S.CallbackOnSubscribe_v1_mqtt5<C, U>;
/** on_subscribe under VERSION1, either protocol: `(client, userdata, mid, grantedQosOrReasonCodes, properties?)`. */
export type CallbackOnSubscribe_v1<C = Client, U = unknown> = S.CallbackOnSubscribe_v1<C, U>;
/** on_subscribe under VERSION2: `(client, userdata, mid, reasonCodes, properties)`. */
export type CallbackOnSubscribe_v2<C = Client, U = unknown> = S.CallbackOnSubscribe_v2<C, U>;
/** on_subscribe in any mode. */
export type CallbackOnSubscribe<C = Client, U = unknown> = S.CallbackOnSubscribe<C, U>;
/** on_unsubscribe, VERSION1 on MQTT 3.1/3.1.1: `(client, userdata, mid)`. */
export type CallbackOnUnsubscribe_v1_mqtt3<C = Client, U = unknown> = S.CallbackOnUnsubscribe_v1_mqtt3<C, U>;
/** on_unsubscribe, VERSION1 on MQTT 5: `(client, userdata, mid, properties, reasonCodes)`; one ReasonCodes for a one-filter UNSUBSCRIBE, else a list. */
export type CallbackOnUnsubscribe_v1_mqtt5<C = Client, U = unknown> = S.CallbackOnUnsubscribe_v1_mqtt5<C, U>;
/** on_unsubscribe under VERSION1, either protocol: `(client, userdata, mid, properties?, reasonCodes?)`. */
export type CallbackOnUnsubscribe_v1<C = Client, U = unknown> = S.CallbackOnUnsubscribe_v1<C, U>;
/** on_unsubscribe under VERSION2: `(client, userdata, mid, reasonCodes, properties)`; the list is empty on MQTT 3.x. */
export type CallbackOnUnsubscribe_v2<C = Client, U = unknown> = S.CallbackOnUnsubscribe_v2<C, U>;
/** on_unsubscribe in any mode. */
export type CallbackOnUnsubscribe<C = Client, U = unknown> = S.CallbackOnUnsubscribe<C, U>;
/** on_auth (MQTT 5 enhanced authentication): `(client, userdata, reasonCode, properties)`, answering with the next AUTH properties, or null to give up. */
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
  /** `new Client()`, `new Client('id')` or `new Client({ clientId, ... })`. */
  new <V extends CallbackAPIVersionValue = 1, P extends number = 4, U = unknown>(
    opts?: TypedClientOptions<V, P, U> | string): Client<V, P, UserdataOf<U>>;
  /** Client.prototype, for `instanceof` and subclassing. */
  readonly prototype: Client;
}
