/**
 * mqttloop: public exports only (the contract is shared/API.md).
 * Where things live: protocol/ (codec), session/ (sans-I/O engine), transport/ (sockets),
 * client.ts + client/ (the paho-style Client, its pump and collaborators), aio/ (MQTTClient), helpers/, cli/.
 */
export * from './constants';
export { ValueError } from './errors';
export { connackString, errorString } from './strings';
export {
  topicMatchesSub, validateTopicName, validateTopicFilter, topicNameProblem, topicFilterProblem,
} from './protocol/topics';
export { ProtocolError } from './protocol/errors';
export { Client } from './client';
export type { ClientOptions, ConnectFlags, ConnectTarget, Logger } from './client';
export type { QueuePolicy } from './session/queueLimits';
export { Properties } from './mqtt5/properties';
export { PacketTypes } from './mqtt5/packetTypes';
export { SubscribeOptions } from './mqtt5/subscribeOptions';
export { ReasonCodes, ReasonCode } from './mqtt5/reasonCodes';
export { CallbackAPIVersion } from './mqtt5/callbackApi';
export type { CallbackAPIVersionValue, DisconnectFlags } from './mqtt5/callbackApi';
export type { PacketProperties } from './protocol/types';
export { MQTTMessage, MQTTMessageInfo, PublishError } from './message';
export { memoryStore } from './store/memory';
export { fileStore, FileStore } from './store/file';
export type { FileStoreOptions, CorruptRecord } from './store/file';
export type { OutgoingStore, StoredMessage, OutgoingState } from './store/types';
export type { Transport, TransportHandlers } from './transport/types';
export { CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED, TLSError } from './transport/tlsOptions';
export type { TlsSetOptions } from './transport/tlsOptions';
export { WebSocketHandshakeError } from './transport/websocket';
export type { WsHeaders } from './transport/websocket';
export { ProxyError } from './transport/proxyDial';
export type { ProxyArgs, ProxyType } from './transport/proxyArgs';
export { MQTTClient } from './aio/mqttClient';
export type { MQTTClientConfig, MQTTClientWill, MQTTClientBroker } from './aio/mqttClient';
export { ClientError, ConnectError, TimeoutError } from './aio/errors';
export { ApplicationMessage, IncomingApplicationMessage, OutgoingApplicationMessage } from './aio/message';
export type { PublishPacketView, PublishFixedHeader } from './aio/message';
