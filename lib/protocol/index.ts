/**
 * mqttloop/protocol: the MQTT 3.1 / 3.1.1 / 5.0 packet codec. Pure: bytes <-> packet objects.
 * No sockets, no timers, no state beyond one parser's buffered bytes.
 *
 * What lives in protocol/: packet shapes (types.ts); the encoder (encode.ts over writer.ts);
 * the incremental decoder (parser.ts frames, decode.ts decodes through reader.ts, which also
 * holds the UTF-8 rules); the one table of MQTT 5 property rules (properties.ts); which reason
 * codes each packet may carry (reasonCodes.ts); topic validation and matching (topics.ts,
 * topicCache.ts); the codec's one error (errors.ts). This file is the package's public face.
 *
 *   encode(packet, level)  -> Buffer                          (encode.ts)
 *   new Parser(opts).feed(chunk) -> Packet[]                  (parser.ts frames, decode.ts decodes)
 *   ProtocolError with a stable `rule`                        (errors.ts)
 *
 * @module mqttloop/protocol
 */
export { encode } from './encode';
export { Parser } from './parser';
export type { ParserOptions } from './parser';
export { ProtocolError, MALFORMED_PACKET, PROTOCOL_ERROR, PACKET_TOO_LARGE } from './errors';
export type { ProtocolRule } from './errors';
export * from './types';
export { propertyNamesFor, isPropertyAllowed } from './properties';
export {
  topicMatchesSub, topicNameProblem, topicFilterProblem, validateTopicName, validateTopicFilter,
} from './topics';
