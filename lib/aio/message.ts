/**
 * Messages of the promise API in amqtt's shape (amqtt.session.ApplicationMessage):
 * `topic`, `data`, `qos`, `retain`, `packetId`, and `publishPacket` with
 * `variableHeader.topicName` / `variableHeader.packetId` and `payload.data`, so code written
 * against amqtt (`message.publish_packet.variable_header.topic_name`) ports by camel-casing.
 */
import type { MQTTMessage } from '../message';
import type { PacketProperties, QoS } from '../protocol/types';

/** PUBLISH fixed header: packet type 3 and the flags byte (DUP << 3 | QoS << 1 | RETAIN). */
export interface PublishFixedHeader {
  /** The PUBLISH packet type, 3. */
  readonly packetType: 3;
  /** The low nibble: DUP << 3 | QoS << 1 | RETAIN. */
  readonly flags: number;
}

/** amqtt's PublishPacket, reduced to what a PUBLISH carries. */
export interface PublishPacketView {
  /** Packet type and flags. */
  readonly fixedHeader: PublishFixedHeader;
  /** Topic name and packet identifier. */
  readonly variableHeader: {
    /** The topic the message was published to. */
    readonly topicName: string;
    /** Packet identifier; null for QoS 0. */
    readonly packetId: number | null;
  };
  /** The payload. */
  readonly payload: {
    /** The payload bytes. */
    readonly data: Buffer;
  };
  /** DUP flag: a QoS 1/2 message sent again. */
  readonly dupFlag: boolean;
  /** QoS of the delivery. */
  readonly qos: QoS;
  /** RETAIN flag. */
  readonly retainFlag: boolean;
  /** MQTT 5 properties, when there were any. */
  readonly properties?: PacketProperties;
}

/** A message as amqtt's ApplicationMessage. */
export class ApplicationMessage {
  /** The PUBLISH, amqtt-shaped: `publishPacket.variableHeader.topicName`, `publishPacket.payload.data`. */
  readonly publishPacket: PublishPacketView;

  /** Builds the message and its amqtt-shaped `publishPacket` view. */
  constructor(
    /** Packet identifier; null for QoS 0 (as amqtt). */
    readonly packetId: number | null,
    /** The topic the message was published to. */
    readonly topic: string,
    /** QoS of the delivery. */
    readonly qos: QoS,
    /** The payload bytes. */
    readonly data: Buffer,
    /** Retain flag. */
    readonly retain: boolean,
    /** DUP flag: a QoS 1/2 message sent again. */
    readonly dup = false,
    /** MQTT 5 properties, when there were any. */
    readonly properties?: PacketProperties,
  ) {
    const flags = (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
    this.publishPacket = {
      fixedHeader: { packetType: 3, flags },
      variableHeader: { topicName: topic, packetId },
      payload: { data },
      dupFlag: dup,
      qos,
      retainFlag: retain,
      properties,
    };
  }
}

/** A received message (what deliverMessage() and messages() give). */
export class IncomingApplicationMessage extends ApplicationMessage {
  /** The Client's MQTTMessage it was made from (paho's shape: `payload`, `mid`, `timestamp`). */
  readonly message: MQTTMessage;

  /** Wraps a Client message (packetId null for QoS 0). */
  constructor(msg: MQTTMessage) {
    super(msg.qos === 0 ? null : msg.mid, msg.topic, msg.qos, msg.payload, msg.retain, msg.dup, msg.properties);
    this.message = msg;
  }
}

/** A sent message (what publish() resolves to, as amqtt's OutgoingApplicationMessage). */
export class OutgoingApplicationMessage extends ApplicationMessage {}
