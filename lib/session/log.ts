/**
 * paho's wording for packet traffic in on_log, so log-reading code ports unchanged: each line is
 * the text of the matching `_easy_log` call in paho's client.py (identical in 1.6.1 and 2.1.0),
 * with Python's str() of its arguments (topics and client ids are bytes there, hence `b'...'`).
 * Built only when somebody listens: the session checks `logging` before calling these.
 */
import { ReasonCodes } from '../mqtt5/reasonCodes';
import { bytesRepr, propertiesStr } from '../mqtt5/pythonText';
import type { Packet, PacketProperties, ProtocolLevel } from '../protocol/types';

const b = (v: boolean | undefined) => (v ? 1 : 0);
const utf8 = (s: string) => bytesRepr(Buffer.from(s, 'utf8'));

/** str() of an optional Properties argument: `None` when the caller passed none. */
/**
 * paho prints every property; AuthenticationData is the enhanced-authentication secret (a
 * SCRAM proof, a token), so the log shows only its size.
 */
function loggedProps(p: PacketProperties | undefined): string {
  if (p?.AuthenticationData === undefined) return propertiesStr(p);
  return propertiesStr({ ...p, AuthenticationData: `<${p.AuthenticationData.length} bytes, not logged>` as unknown as Buffer });
}
const optionalProps = (p: PacketProperties | undefined) => (p === undefined ? 'None' : loggedProps(p));

/** str(ReasonCode): its name for the packet type (14 = DISCONNECT, 2 = CONNACK). */
const reasonName = (packetType: number, value: number) => ReasonCodes._received(packetType, value).getName();

const subscribeOptionsStr = (s: { qos: number; noLocal?: boolean; retainAsPublished?: boolean; retainHandling?: number }) =>
  `{QoS=${s.qos}, noLocal=${s.noLocal ? 'True' : 'False'}, retainAsPublished=${s.retainAsPublished ? 'True' : 'False'}, retainHandling=${s.retainHandling ?? 0}}`;

/**
 * `mid`: the message's id when the packet has none (QoS 0): paho numbers every message it
 * publishes and logs that number.
 */
export function describeSent(p: Packet, protocol: ProtocolLevel, mid?: number): string {
  const v5 = protocol === 5;
  switch (p.type) {
    case 'connect': {
      const head = `Sending CONNECT (u${b(p.username !== undefined)}, p${b(p.password !== undefined)}, ` +
        `wr${b(p.will?.retain)}, wq${p.will?.qos ?? 0}, wf${b(p.will !== undefined)}, c${b(p.cleanSession)}, ` +
        `k${p.keepalive}) client_id=${utf8(p.clientId)}`;
      return v5 ? `${head} properties=${optionalProps(p.properties)}` : head;
    }
    case 'publish': {
      const head = `Sending PUBLISH (d${b(p.dup)}, q${p.qos}, r${b(p.retain)}, m${p.packetId ?? mid ?? 0}), '${utf8(p.topic)}'`;
      const props = v5 ? `, properties=${optionalProps(p.properties)}` : '';
      return p.payload.length === 0 ? `${head}${props} (NULL payload)` : `${head}${props}, ... (${p.payload.length} bytes)`;
    }
    case 'subscribe': {
      const topics = p.subscriptions.map((s) => `(${utf8(s.topic)}, ${v5 ? subscribeOptionsStr(s) : s.qos})`);
      return `Sending SUBSCRIBE (d0, m${p.packetId}) [${topics.join(', ')}]`;
    }
    case 'unsubscribe': {
      const topics = `[${p.topics.map(utf8).join(', ')}]`;
      return v5 ? `Sending UNSUBSCRIBE (d0, m${p.packetId}) ${optionalProps(p.properties)} ${topics}`
        : `Sending UNSUBSCRIBE (d0, m${p.packetId}) ${topics}`;
    }
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return `Sending ${p.type.toUpperCase()} (Mid: ${p.packetId})`;
    case 'disconnect':
      if (!v5) return 'Sending DISCONNECT';
      return `Sending DISCONNECT reasonCode=${p.reasonCode === undefined ? 'None' : reasonName(14, p.reasonCode)} ` +
        `properties=${optionalProps(p.properties)}`;
    case 'auth':
      // paho has no AUTH support: this line is ours.
      return `Sending AUTH${reasonCodeText(p.reasonCode)}`;
    default:
      return `Sending ${p.type.toUpperCase()}`;
  }
}

export function describeReceived(p: Packet, protocol: ProtocolLevel): string {
  const v5 = protocol === 5;
  switch (p.type) {
    case 'connack':
      return v5 ? `Received CONNACK (${b(p.sessionPresent)}, ${reasonName(2, p.reasonCode)}) properties=${loggedProps(p.properties)}`
        : `Received CONNACK (${b(p.sessionPresent)}, ${p.reasonCode})`;
    case 'publish': {
      const head = `Received PUBLISH (d${b(p.dup)}, q${p.qos}, r${b(p.retain)}, m${p.packetId ?? 0}), '${p.topic}'`;
      return v5 ? `${head}, properties=${loggedProps(p.properties)}, ...  (${p.payload.length} bytes)`
        : `${head}, ...  (${p.payload.length} bytes)`;
    }
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp': case 'unsuback':
      return `Received ${p.type.toUpperCase()} (Mid: ${p.packetId})`;
    case 'disconnect':
      // paho reads the reason code and properties only when the packet is longer than two
      // bytes, i.e. when it carries properties; otherwise it logs `None None`.
      return hasProperties(p.properties)
        ? `Received DISCONNECT ${reasonName(14, p.reasonCode ?? 0)} ${loggedProps(p.properties)}`
        : 'Received DISCONNECT None None';
    case 'auth':
      // paho has no AUTH support (it logs "Error: Unrecognised command 240" and drops the link): this line is ours.
      return `Received AUTH${reasonCodeText(p.reasonCode)}${reasonDetails(p.properties)}`;
    default:
      return `Received ${p.type.toUpperCase()}`;
  }
}

function hasProperties(props: PacketProperties | undefined): boolean {
  if (props === undefined) return false;
  for (const k in props) if ((props as Record<string, unknown>)[k] !== undefined) return true;
  return false;
}

/** ` reason 0xNN`, for a non-zero MQTT 5 reason code. */
function reasonCodeText(rc: number | undefined): string {
  return rc === undefined || rc === 0 ? '' : ` reason 0x${rc.toString(16).padStart(2, '0')}`;
}

/** paho's line for a fixed header whose packet type it has no handler for (its `command & 0xF0`). */
export function unrecognisedCommand(packetType: number): string {
  return `Error: Unrecognised command ${packetType << 4}`;
}

/**
 * What an MQTT 5 packet says about itself: its ReasonString and UserProperty pairs, as
 * ` reason string 'text' user properties [k=v, ...]`; '' when it carries neither.
 */
export function reasonDetails(props: PacketProperties | undefined): string {
  if (props === undefined) return '';
  let out = '';
  if (props.ReasonString !== undefined) out += ` reason string '${props.ReasonString}'`;
  const user = props.UserProperty;
  if (user !== undefined && user.length > 0) out += ` user properties [${user.map(([k, v]) => `${k}=${v}`).join(', ')}]`;
  return out;
}
