/**
 * mqttloop/protocol: the MQTT 3.1 / 3.1.1 / 5.0 packet codec. Pure: bytes <-> packet objects.
 *   encode(packet, level)  -> Buffer                          (encode.ts)
 *   new Parser(opts).feed(chunk) -> Packet[]                  (parser.ts frames, decode.ts decodes)
 *   ProtocolError with a stable `rule`                        (errors.ts)
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
