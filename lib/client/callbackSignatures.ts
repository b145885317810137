/**
 * The signatures of the Client's callbacks, generic in the client type `C`: paho 2.1's callback
 * types, the handler each slot takes per callback API version and protocol (SlotHandlers), the
 * arguments each event carries (ClientEvents), and the typed constructor options. client.ts
 * types its slots with these; callbackTypes.ts gives the public names, whose `C` defaults to
 * Client (a file of its own so that client.ts and the types of its callbacks import no cycle).
 *
 * Each type has the parameters the runtime really passes in that mode (callbackArgs.ts),
 * which are paho's. Where paho names a union of signatures (`CallbackOnConnect`,
 * `CallbackOnConnect_v1`, ...), the type here is one signature whose parameters take every
 * mode's values: a handler written for any one of the modes fits it, and an unannotated arrow
 * function still gets parameter types (a union of function types would leave them implicitly any).
 *
 * Parameters are compared both ways, as methods' are (Bivariant): a handler may declare a
 * narrower type where paho's is Any or a union (`userdata: MyData`, `client: Client`, one
 * mode's `rc`), as Python lets it; a type unrelated to what is passed (`msg: string`,
 * `rc: ReasonCodes` where a number comes) still fails to compile.
 */
import type { CallbackAPIVersionValue, ConnectFlags, DisconnectFlags } from '../mqtt5/callbackApi';
import type { Properties } from '../mqtt5/properties';
import type { ReasonCodes } from '../mqtt5/reasonCodes';
import type { MQTTMessage } from '../message';
import type { PacketProperties } from '../protocol/types';
import type { ClientOptions } from './options';

/** A callback whose parameters are compared both ways, as methods' are (see above). */
type Bivariant<A extends unknown[], R = void> = { bivarianceHack(...args: A): R }['bivarianceHack'];

/** on_connect's flags under VERSION2, where paho 2.x's `session_present` is always there. */
export type ConnectFlagsV2 = ConnectFlags & {
  /** The server resumed a session it held for this client id. */
  session_present: boolean;
};

// ---- paho 2.1's callback types, as the runtime calls them ------------------------------------

/** on_connect, VERSION1 on MQTT 3.1/3.1.1: `rc` is the CONNACK return code (0 accepted). */
export type CallbackOnConnect_v1_mqtt3<C, U = unknown> =
  Bivariant<[client: C, userdata: U, flags: ConnectFlags, rc: number]>;
/** on_connect, VERSION1 on MQTT 5. */
export type CallbackOnConnect_v1_mqtt5<C, U = unknown> =
  Bivariant<[client: C, userdata: U, flags: ConnectFlags, reasonCode: ReasonCodes, properties: Properties]>;
/** on_connect under VERSION1, either protocol. */
export type CallbackOnConnect_v1<C, U = unknown> =
  Bivariant<[client: C, userdata: U, flags: ConnectFlags, rc: number | ReasonCodes, properties?: Properties]>;
/** on_connect under VERSION2 (every protocol; on 3.x the CONNACK code mapped to a ReasonCodes). */
export type CallbackOnConnect_v2<C, U = unknown> =
  Bivariant<[client: C, userdata: U, flags: ConnectFlagsV2, reasonCode: ReasonCodes, properties: Properties]>;
/** on_connect in any mode. */
export type CallbackOnConnect<C, U = unknown> = CallbackOnConnect_v1<C, U>;

export type CallbackOnConnectFail<C, U = unknown> =
  Bivariant<[client: C, userdata: U]>;

/** on_disconnect, VERSION1 on MQTT 3.1/3.1.1: `rc` is an MQTT_ERR_* code (0 after disconnect()). */
export type CallbackOnDisconnect_v1_mqtt3<C, U = unknown> =
  Bivariant<[client: C, userdata: U, rc: number]>;
/**
 * on_disconnect, VERSION1 on MQTT 5: a ReasonCodes and Properties when the broker sent
 * DISCONNECT, else an MQTT_ERR_* number and undefined (as paho 1.x).
 */
export type CallbackOnDisconnect_v1_mqtt5<C, U = unknown> =
  Bivariant<[client: C, userdata: U, reasonCode: ReasonCodes | number, properties: Properties | undefined]>;
export type CallbackOnDisconnect_v1<C, U = unknown> =
  Bivariant<[client: C, userdata: U, rc: number | ReasonCodes, properties?: Properties]>;
export type CallbackOnDisconnect_v2<C, U = unknown> =
  Bivariant<[client: C, userdata: U, flags: DisconnectFlags, reasonCode: ReasonCodes, properties: Properties]>;
/** on_disconnect in any mode: the third argument is an rc (VERSION1) or a DisconnectFlags (VERSION2). */
export type CallbackOnDisconnect<C, U = unknown> =
  Bivariant<[client: C, userdata: U, rcOrFlags: number | ReasonCodes | DisconnectFlags, propertiesOrReasonCode?: Properties | ReasonCodes, properties?: Properties]>;

export type CallbackOnLog<C, U = unknown> =
  Bivariant<[client: C, userdata: U, level: number, buf: string]>;
/** on_message and messageCallbackAdd(): a handler may return a promise (its ack waits for it). */
export type CallbackOnMessage<C, U = unknown> =
  Bivariant<[client: C, userdata: U, message: MQTTMessage]>;
export type CallbackOnPreConnect<C, U = unknown> =
  Bivariant<[client: C, userdata: U]>;

export type CallbackOnPublish_v1<C, U = unknown> =
  Bivariant<[client: C, userdata: U, mid: number]>;
export type CallbackOnPublish_v2<C, U = unknown> =
  Bivariant<[client: C, userdata: U, mid: number, reasonCode: ReasonCodes, properties: Properties]>;
export type CallbackOnPublish<C, U = unknown> =
  Bivariant<[client: C, userdata: U, mid: number, reasonCode?: ReasonCodes, properties?: Properties]>;

/** What Client.socket() returns (net.Socket or tls.TLSSocket for TCP/TLS, the WebSocket's socket, ...): any object, or null. */
export type SocketLike = unknown;
export type CallbackOnSocket<C, U = unknown> =
  Bivariant<[client: C, userdata: U, sock: SocketLike]>;

/** on_subscribe, VERSION1 on MQTT 3.1/3.1.1: the granted QoS per filter (0x80 for a refused one). */
export type CallbackOnSubscribe_v1_mqtt3<C, U = unknown> =
  Bivariant<[client: C, userdata: U, mid: number, grantedQos: number[]]>;
export type CallbackOnSubscribe_v1_mqtt5<C, U = unknown> =
  Bivariant<[client: C, userdata: U, mid: number, reasonCodes: ReasonCodes[], properties: Properties]>;
export type CallbackOnSubscribe_v1<C, U = unknown> =
  Bivariant<[client: C, userdata: U, mid: number, grantedQosOrReasonCodes: number[] | ReasonCodes[], properties?: Properties]>;
export type CallbackOnSubscribe_v2<C, U = unknown> =
  Bivariant<[client: C, userdata: U, mid: number, reasonCodes: ReasonCodes[], properties: Properties]>;
export type CallbackOnSubscribe<C, U = unknown> = CallbackOnSubscribe_v1<C, U>;

export type CallbackOnUnsubscribe_v1_mqtt3<C, U = unknown> =
  Bivariant<[client: C, userdata: U, mid: number]>;
/** on_unsubscribe, VERSION1 on MQTT 5: one ReasonCodes when the UNSUBSCRIBE had one filter, else a list (as paho 1.x). */
export type CallbackOnUnsubscribe_v1_mqtt5<C, U = unknown> =
  Bivariant<[client: C, userdata: U, mid: number, properties: Properties, reasonCodes: ReasonCodes | ReasonCodes[]]>;
export type CallbackOnUnsubscribe_v1<C, U = unknown> =
  Bivariant<[client: C, userdata: U, mid: number, properties?: Properties, reasonCodes?: ReasonCodes | ReasonCodes[]]>;
/** on_unsubscribe under VERSION2: the list is empty on MQTT 3.x (UNSUBACK carries no codes there). */
export type CallbackOnUnsubscribe_v2<C, U = unknown> =
  Bivariant<[client: C, userdata: U, mid: number, reasonCodes: ReasonCodes[], properties: Properties]>;
export type CallbackOnUnsubscribe<C, U = unknown> =
  Bivariant<[client: C, userdata: U, mid: number, propertiesOrReasonCodes?: Properties | ReasonCodes[], reasonCodesOrProperties?: ReasonCodes | ReasonCodes[] | Properties]>;

// ---- mqttloop's own ---------------------------------------------------------------------------

/** What on_auth answers a Continue authentication (0x18) with: the AUTH properties, or null to give up. */
export type AuthAnswer = Properties | PacketProperties | null | undefined;
/** on_auth (MQTT 5 enhanced authentication): `reasonCode` is the AUTH packet's (0x18 continue, 0x00 success). */
export type CallbackOnAuth<C, U = unknown> =
  Bivariant<[client: C, userdata: U, reasonCode: number, properties: Properties], AuthAnswer | PromiseLike<AuthAnswer> | void>;

// ---- per mode ---------------------------------------------------------------------------------

/** The protocol levels the Client takes: MQTTv31 (3), MQTTv311 (4), MQTTv5 (5). */
export type ProtocolVersionValue = 3 | 4 | 5;

/** 'v1' or 'v2' when the version is known statically, 'any' when it is a union (a variable). */
type ApiOf<V> = [V] extends [1] ? 'v1' : [V] extends [2] ? 'v2' : 'any';
/** 'mqtt3' / 'mqtt5' when the protocol is known statically, 'any' when not. */
type ProtoOf<P> = [P] extends [5] ? 'mqtt5' : [P] extends [3 | 4] ? 'mqtt3' : 'any';

/** Picks the handler type of a mode: by version, then (VERSION1) by protocol. */
type ByMode<V, P, V1M3, V1M5, V1Any, V2, Any> =
  ApiOf<V> extends 'v2' ? V2 : ApiOf<V> extends 'v1' ? (ProtoOf<P> extends 'mqtt3' ? V1M3 : ProtoOf<P> extends 'mqtt5' ? V1M5 : V1Any) : Any;

/**
 * The handler each callback slot takes on a `C` (V: CallbackAPIVersion,
 * P: protocol level, U: userdata), as the runtime calls it in that mode. Decorator-style
 * registration (`connectCallback()`) and typed wrappers can look slots up here.
 */
export interface SlotHandlers<V extends CallbackAPIVersionValue, P extends number, U, C> {
  /** When the broker answers CONNECT. */
  on_connect: ByMode<V, P, CallbackOnConnect_v1_mqtt3<C, U>, CallbackOnConnect_v1_mqtt5<C, U>,
    CallbackOnConnect_v1<C, U>, CallbackOnConnect_v2<C, U>, CallbackOnConnect<C, U>>;
  /** When the loop cannot open the socket of a connection attempt. */
  on_connect_fail: CallbackOnConnectFail<C, U>;
  /** When the connection ends. */
  on_disconnect: ByMode<V, P, CallbackOnDisconnect_v1_mqtt3<C, U>, CallbackOnDisconnect_v1_mqtt5<C, U>,
    CallbackOnDisconnect_v1<C, U>, CallbackOnDisconnect_v2<C, U>, CallbackOnDisconnect<C, U>>;
  /** For each message no messageCallbackAdd() filter matched. */
  on_message: CallbackOnMessage<C, U>;
  /** When a message has been sent (QoS 0) or acknowledged (QoS 1/2). */
  on_publish: ByMode<V, P, CallbackOnPublish_v1<C, U>, CallbackOnPublish_v1<C, U>,
    CallbackOnPublish_v1<C, U>, CallbackOnPublish_v2<C, U>, CallbackOnPublish<C, U>>;
  /** On SUBACK. */
  on_subscribe: ByMode<V, P, CallbackOnSubscribe_v1_mqtt3<C, U>, CallbackOnSubscribe_v1_mqtt5<C, U>,
    CallbackOnSubscribe_v1<C, U>, CallbackOnSubscribe_v2<C, U>, CallbackOnSubscribe<C, U>>;
  /** On UNSUBACK. */
  on_unsubscribe: ByMode<V, P, CallbackOnUnsubscribe_v1_mqtt3<C, U>, CallbackOnUnsubscribe_v1_mqtt5<C, U>,
    CallbackOnUnsubscribe_v1<C, U>, CallbackOnUnsubscribe_v2<C, U>, CallbackOnUnsubscribe<C, U>>;
  /** With each log line. */
  on_log: CallbackOnLog<C, U>;
  /** Just before each connection attempt opens its socket. */
  on_pre_connect: CallbackOnPreConnect<C, U>;
  /** MQTT 5 enhanced authentication: when the server sends AUTH. */
  on_auth: CallbackOnAuth<C, U>;
  /** When the socket has been opened. */
  on_socket_open: CallbackOnSocket<C, U>;
  /** When the socket is about to be closed. */
  on_socket_close: CallbackOnSocket<C, U>;
  /** When data is waiting to be written. */
  on_socket_register_write: CallbackOnSocket<C, U>;
  /** When nothing waits to be written any more. */
  on_socket_unregister_write: CallbackOnSocket<C, U>;
}

/** A slot's arguments after `client, userdata`: what its event carries. */
type EventArgs<F> = F extends (client: never, userdata: never, ...rest: infer R) => unknown ? R : never;

/**
 * The EventEmitter events of a Client<V, P, U> and their listeners' arguments: each callback's
 * event carries the callback's arguments without `client, userdata`; 'error' carries what a
 * callback threw.
 */
export interface ClientEvents<V extends CallbackAPIVersionValue, P extends number, U> {
  /** on_connect's arguments after `client, userdata`. */
  connect: EventArgs<SlotHandlers<V, P, U, unknown>['on_connect']>;
  /** on_connect_fail: no arguments. */
  connect_fail: [];
  /** on_disconnect's arguments after `client, userdata`. */
  disconnect: EventArgs<SlotHandlers<V, P, U, unknown>['on_disconnect']>;
  /** A message no messageCallbackAdd() filter matched. */
  message: [message: MQTTMessage];
  /** on_publish's arguments after `client, userdata`. */
  publish: EventArgs<SlotHandlers<V, P, U, unknown>['on_publish']>;
  /** on_subscribe's arguments after `client, userdata`. */
  subscribe: EventArgs<SlotHandlers<V, P, U, unknown>['on_subscribe']>;
  /** on_unsubscribe's arguments after `client, userdata`. */
  unsubscribe: EventArgs<SlotHandlers<V, P, U, unknown>['on_unsubscribe']>;
  /** A log line and its MQTT_LOG_* level. */
  log: [level: number, buf: string];
  /** on_pre_connect: no arguments. */
  pre_connect: [];
  /** on_auth's arguments after `client, userdata` (the answer is the slot's only). */
  auth: [reasonCode: number, properties: Properties];
  /** The socket that opened. */
  socket_open: [sock: SocketLike];
  /** The socket about to close. */
  socket_close: [sock: SocketLike];
  /** The socket with data waiting to be written. */
  socket_register_write: [sock: SocketLike];
  /** The socket with nothing left to write. */
  socket_unregister_write: [sock: SocketLike];
  /** What a callback threw (with suppressExceptions on). */
  error: [error: unknown];
}

// ---- the constructor, typed per mode ----------------------------------------------------------

/** Constructor options with the version, protocol and userdata as inferable types. */
export type TypedClientOptions<V extends CallbackAPIVersionValue, P extends number, U> =
  Omit<ClientOptions, 'callbackApiVersion' | 'protocol' | 'userdata'> & {
    /** CallbackAPIVersion.VERSION1 (default) or VERSION2: which callback signatures the Client calls. */
    callbackApiVersion?: V;
    /** MQTTv31, MQTTv311 (default) or MQTTv5. */
    protocol?: P;
    /** Passed to every callback as its second argument (paho's userdata). */
    userdata?: U;
  };
