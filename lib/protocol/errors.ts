/**
 * The one error the codec throws. `rule` names the rule that was broken (stable, for
 * programs); `reasonCode` is the MQTT 5 reason code a peer would send for it
 * (0x81 Malformed Packet, 0x82 Protocol Error, 0x95 Packet too large, ...).
 */
export class ProtocolError extends Error {
  /** Complete packets decoded from the same `feed()` call before the bad one. */
  packets: unknown[] = [];
  /** The fixed header's packet type number, for 'unknown-packet-type' from the decoder. */
  packetType?: number;
  /** The message is prefixed with the rule: `invalid-qos: ...`. */
  constructor(
    /** Which rule was broken (stable, for programs). */
    readonly rule: ProtocolRule,
    message: string,
    /** The MQTT 5 reason code a peer would send for it. */
    readonly reasonCode: number = MALFORMED_PACKET,
  ) {
    super(`${rule}: ${message}`);
    this.name = 'ProtocolError';
  }
}

/** MQTT 5 reason code 0x81 Malformed Packet. */
export const MALFORMED_PACKET = 0x81;
/** MQTT 5 reason code 0x82 Protocol Error. */
export const PROTOCOL_ERROR = 0x82;
/** MQTT 5 reason code 0x95 Packet too large. */
export const PACKET_TOO_LARGE = 0x95;

/**
 * Every `ProtocolError.rule` the codec uses. Parser and encoder share the names.
 *  - remaining-length-too-long  Remaining Length needs more than 4 bytes
 *  - packet-too-large           packet larger than maxPacketSize (seen in the fixed header) (0x95)
 *  - reserved-flags             fixed-header flag bits wrong for the packet type
 *  - unknown-packet-type        type 0, or AUTH (15) below MQTT 5
 *  - invalid-qos                QoS 3 (PUBLISH, will, subscription)
 *  - packet-id-zero             packet identifier 0 where one is required
 *  - invalid-utf8               a UTF-8 string field that is not well-formed UTF-8
 *  - null-character             U+0000 in a UTF-8 string field
 *  - string-too-long            a string or binary field over 65535 bytes (encoder)
 *  - topic-wildcard             '+' or '#' in a PUBLISH (or will) topic name
 *  - empty-topic                empty PUBLISH topic (without a Topic Alias on 5.0)
 *  - invalid-topic-filter       malformed topic filter in SUBSCRIBE / UNSUBSCRIBE
 *  - truncated                  a field runs past the end of the packet
 *  - trailing-bytes             bytes left over inside a packet after its last field
 *  - invalid-protocol           unknown protocol name or level in CONNECT
 *  - connect-flags              reserved CONNECT flag set, or will/password flags inconsistent
 *  - connack-flags              reserved CONNACK acknowledge flags set
 *  - empty-subscription         SUBSCRIBE / UNSUBSCRIBE / SUBACK without any entry
 *  - subscription-options       reserved subscription option bits, or Retain Handling 3
 *  - invalid-reason-code        a reason code not defined for that packet
 *  - unknown-property           MQTT 5 property identifier not defined
 *  - property-not-allowed       MQTT 5 property not allowed on that packet type (§2.2.2.2: Malformed, 0x81)
 *  - property-repeated          MQTT 5 property present twice where only once is allowed (0x82)
 *  - invalid-property-value     MQTT 5 property value out of range (e.g. Receive Maximum 0), or a property
 *                               that needs another (Authentication Data without Authentication Method) (0x82)
 *  - invalid-payload            a PUBLISH payload that is not bytes (encoder)
 *  - parser-failed              feed() after an earlier ProtocolError: the stream has lost framing
 */
export type ProtocolRule =
  | 'remaining-length-too-long' | 'packet-too-large' | 'reserved-flags' | 'unknown-packet-type'
  | 'invalid-qos' | 'packet-id-zero' | 'invalid-utf8' | 'null-character' | 'string-too-long'
  | 'topic-wildcard' | 'empty-topic' | 'invalid-topic-filter' | 'truncated' | 'trailing-bytes'
  | 'invalid-protocol' | 'connect-flags' | 'connack-flags' | 'empty-subscription'
  | 'subscription-options' | 'invalid-reason-code' | 'unknown-property' | 'property-not-allowed'
  | 'property-repeated' | 'invalid-property-value' | 'invalid-payload' | 'parser-failed';
