/**
 * paho's wording for packet traffic in on_log, so log-reading code ports unchanged.
 * Built only when somebody listens: the session checks `logging` before calling these.
 */
import type { Packet, PacketProperties } from '../protocol/types';

const b = (v: boolean | undefined) => (v ? 1 : 0);

export function describeSent(p: Packet): string {
  switch (p.type) {
    case 'connect':
      return `Sending CONNECT (u${b(p.username !== undefined)}, p${b(p.password !== undefined)}, ` +
        `wr${b(p.will?.retain)}, wq${p.will?.qos ?? 0}, wf${b(p.will !== undefined)}, c${b(p.cleanSession)}, ` +
        `k${p.keepalive}) client_id=b'${p.clientId}'`;
    case 'publish':
      return `Sending PUBLISH (d${b(p.dup)}, q${p.qos}, r${b(p.retain)}, m${p.packetId ?? 0}), '${p.topic}', ... (${p.payload.length} bytes)`;
    case 'subscribe':
      return `Sending SUBSCRIBE (d0, m${p.packetId}) [${p.subscriptions.map((s) => `('${s.topic}', ${s.qos})`).join(', ')}]`;
    case 'unsubscribe':
      return `Sending UNSUBSCRIBE (d0, m${p.packetId}) [${p.topics.map((t) => `'${t}'`).join(', ')}]`;
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return `Sending ${p.type.toUpperCase()} (Mid: ${p.packetId})`;
    default:
      return `Sending ${p.type.toUpperCase()}`;
  }
}

export function describeReceived(p: Packet): string {
  switch (p.type) {
    case 'connack':
      return `Received CONNACK (${b(p.sessionPresent)}, ${p.reasonCode})${reasonDetails(p.properties)}`;
    case 'publish':
      return `Received PUBLISH (d${b(p.dup)}, q${p.qos}, r${b(p.retain)}, m${p.packetId ?? 0}), '${p.topic}', ...  (${p.payload.length} bytes)`;
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return `Received ${p.type.toUpperCase()} (Mid: ${p.packetId})${reasonCodeText(p.reasonCode)}${reasonDetails(p.properties)}`;
    case 'suback':
      return `Received SUBACK${reasonDetails(p.properties)}`;
    case 'unsuback':
      return `Received UNSUBACK (Mid: ${p.packetId})${reasonDetails(p.properties)}`;
    case 'disconnect': case 'auth':
      return `Received ${p.type.toUpperCase()}${reasonCodeText(p.reasonCode)}${reasonDetails(p.properties)}`;
    default:
      return `Received ${p.type.toUpperCase()}`;
  }
}

/** ` reason 0xNN`, for a non-zero MQTT 5 reason code. */
function reasonCodeText(rc: number | undefined): string {
  return rc === undefined || rc === 0 ? '' : ` reason 0x${rc.toString(16).padStart(2, '0')}`;
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
