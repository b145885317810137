/**
 * paho's wording for packet traffic in on_log, so log-reading code ports unchanged.
 * Built only when somebody listens: the session checks `logging` before calling these.
 */
import type { Packet } from '../protocol/types';

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
      return `Received CONNACK (${b(p.sessionPresent)}, ${p.reasonCode})`;
    case 'publish':
      return `Received PUBLISH (d${b(p.dup)}, q${p.qos}, r${b(p.retain)}, m${p.packetId ?? 0}), '${p.topic}', ...  (${p.payload.length} bytes)`;
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return `Received ${p.type.toUpperCase()} (Mid: ${p.packetId})`;
    case 'unsuback':
      return `Received UNSUBACK (Mid: ${p.packetId})`;
    default:
      return `Received ${p.type.toUpperCase()}`;
  }
}
