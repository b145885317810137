/**
 * mqttloop: public exports only; the names are a contract (shared/API.md), paho 2.1's names.
 *
 * Where things live (data flows down on publish, up on receive; no layer reaches upward):
 *   client.ts    Client, the paho facade: the public API, argument checks, JSDoc
 *   client/      the driver behind it: session + transport + inbox, the pump, reconnect,
 *                events -> callbacks, delivery, flow control
 *   aio/         MQTTClient (amqtt's promise API) over Client's public API
 *   helpers/     publish.single/multiple, subscribe.simple/callback (mqttloop/publish, /subscribe)
 *   cli/         the `mqttloop pub` / `mqttloop sub` command
 *   mqtt5/       paho's MQTT 5 objects: Properties, ReasonCodes, SubscribeOptions, CallbackAPIVersion
 *   session/     the sans-I/O protocol engine: bytes in -> events out, commands in -> bytes out
 *   protocol/    the packet codec, topic rules, v5 property rules: pure functions (mqttloop/protocol)
 *   transport/   tcp, tls, unix, websocket and in-memory transports behind one interface
 *   store/       outgoing-message stores: memory (the default) and file
 *
 * @module mqttloop
 */
export * from './constants';
export { ValueError } from './errors';
export { connackString, errorString } from './strings';
export {
  topicMatchesSub, validateTopicName, validateTopicFilter, topicNameProblem, topicFilterProblem,
} from './protocol/topics';
export { ProtocolError } from './protocol/errors';
import { Client as ClientClass } from './client';
import type { CallbackAPIVersionValue } from './mqtt5/callbackApi';
import type { ClientConstructor, ProtocolVersionValue } from './client/callbackTypes';
/**
 * The paho-style Client. `new Client(opts)` infers the callback API version, protocol and
 * userdata types from the options (default VERSION1, MQTTv311, as at run time), which type the
 * callback slots and events; `Client` as a type without arguments is a Client of any mode.
 *
 * For TypeDoc, this export is the class in lib/client.ts (its comment and members).
 *
 * @reexport
 */
export const Client: ClientConstructor = ClientClass;
export type Client<V extends CallbackAPIVersionValue = CallbackAPIVersionValue, P extends number = ProtocolVersionValue, U = unknown> =
  ClientClass<V, P, U>;
export type { ClientOptions, ConnectTarget, Logger } from './client';
export type { QueuePolicy } from './session/queueLimits';
export type { Jitter, ReconnectDelayOptions } from './client/backoff';
export type { ServerOption } from './client/servers';
export type { ClientStats, PacketTypeCounts, QosCounts } from './client/stats';
export type { ConnectTrace, DisconnectTrace, MessageTrace, PublishTrace } from './client/tracing';
export { Properties } from './mqtt5/properties';
export { PacketTypes } from './mqtt5/packetTypes';
export { SubscribeOptions } from './mqtt5/subscribeOptions';
export { ReasonCodes, ReasonCode } from './mqtt5/reasonCodes';
export { CallbackAPIVersion, ConnectFlags, DisconnectFlags } from './mqtt5/callbackApi';
export type { CallbackAPIVersionValue } from './mqtt5/callbackApi';
export { convertConnackRcToReasonCode, convertDisconnectErrorCodeToReasonCode } from './mqtt5/reasonCodeConversions';
export { MQTTErrorCode, MQTTProtocolVersion, MessageType, LogLevel, ConnackCode, MessageState, PahoClientMode } from './pahoEnums';
export { MQTTMatcher } from './matcher';
export type {
  CallbackOnConnect, CallbackOnConnect_v1, CallbackOnConnect_v1_mqtt3, CallbackOnConnect_v1_mqtt5, CallbackOnConnect_v2,
  CallbackOnConnectFail,
  CallbackOnDisconnect, CallbackOnDisconnect_v1, CallbackOnDisconnect_v1_mqtt3, CallbackOnDisconnect_v1_mqtt5, CallbackOnDisconnect_v2,
  CallbackOnLog, CallbackOnMessage, CallbackOnPreConnect,
  CallbackOnPublish, CallbackOnPublish_v1, CallbackOnPublish_v2,
  CallbackOnSocket,
  CallbackOnSubscribe, CallbackOnSubscribe_v1, CallbackOnSubscribe_v1_mqtt3, CallbackOnSubscribe_v1_mqtt5, CallbackOnSubscribe_v2,
  CallbackOnUnsubscribe, CallbackOnUnsubscribe_v1, CallbackOnUnsubscribe_v1_mqtt3, CallbackOnUnsubscribe_v1_mqtt5, CallbackOnUnsubscribe_v2,
  CallbackOnAuth, AuthAnswer, CallbackFor, ClientCallbacks, ClientConstructor, ClientEvents, ConnectFlagsV2, ProtocolVersionValue,
  SocketLike, TypedClientOptions,
} from './client/callbackTypes';
export type { PacketProperties } from './protocol/types';
export { MQTTMessage, MQTTMessageInfo, PublishError } from './message';
export { memoryStore } from './store/memory';
export { fileStore, FileStore } from './store/file';
export type { FileStoreOptions, CorruptRecord } from './store/file';
export type { OutgoingStore, StoredMessage, OutgoingState, IncomingStore, StoredIncoming } from './store/types';
export type { Transport, TransportHandlers } from './transport/types';
export { CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED, TLSError } from './transport/tlsOptions';
export type { TlsSetOptions } from './transport/tlsOptions';
export { WebSocketHandshakeError, WebsocketConnectionError } from './transport/websocket';
export type { WsHeaders } from './transport/websocket';
export { ProxyError } from './transport/proxyDial';
export type { ProxyArgs, ProxyType } from './transport/proxyArgs';
export { MQTTClient } from './aio/mqttClient';
export type { MQTTClientConfig, MQTTClientWill, MQTTClientBroker } from './aio/mqttClient';
export type { MQTTClientTopic, AmqttConfigKeys } from './aio/mqttClient';
export { ClientError, ConnectError, TimeoutError } from './aio/errors';
export { ApplicationMessage, IncomingApplicationMessage, OutgoingApplicationMessage } from './aio/message';
export type { PublishPacketView, PublishFixedHeader } from './aio/message';
