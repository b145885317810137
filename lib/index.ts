/**
 * mqttloop: public exports only (the contract is shared/API.md).
 * Where things live: protocol/ (codec), session/ (sans-I/O engine), transport/ (sockets),
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
export { MQTTMessage, MQTTMessageInfo, PublishError } from './message';
export { memoryStore } from './store/memory';
export type { OutgoingStore, StoredMessage, OutgoingState } from './store/types';
export type { Transport, TransportHandlers } from './transport/types';
export { CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED, TLSError } from './transport/tlsOptions';
export type { TlsSetOptions } from './transport/tlsOptions';
export { WebSocketHandshakeError } from './transport/websocket';
export type { WsHeaders } from './transport/websocket';
