/**
 * `-d`: packet traffic in mosquitto_pub/sub's words ("Client ID sending PUBLISH (d0, q1, r0, m1,
 * 'a/b', ... (5 bytes))"), made from the Client's log lines, which follow paho's wording
 * (lib/session/log.ts); lines that are not packet traffic are left out, as mosquitto's are.
 * SUBSCRIBE and UNSUBSCRIBE lines list the topics the CLI said it would send (expect*()), one
 * line per topic as libmosquitto prints them.
 */
import type { Writable } from 'node:stream';
import type { Logger } from '../client';
import { ReasonCodes } from '../mqtt5/reasonCodes';

export interface SubscribeLine {
  topic: string;
  qos: number;
  /** MQTT 5 subscription options without the QoS bits (no local, retain as published, retain handling). */
  options: number;
}

const PUBLISH_SENT = /^Sending PUBLISH \(d(\d), q(\d), r(\d), m(\d+)\), '(b(['"])[\s\S]*\6)'(, properties=[\s\S]*?)?(?: \(NULL payload\)|, \.\.\. \((\d+) bytes\))$/;
const TOPIC_ALIAS = /[[ ]TopicAlias : (\d+)[,\]]/;
const PUBLISH_RECEIVED = /^Received PUBLISH \(d(\d), q(\d), r(\d), m(\d+)\), '([\s\S]*?)'(?:, properties=[\s\S]*)?, \.\.\. {2}\((\d+) bytes\)$/;
const ACK = /^(Sending|Received) (PUBACK|PUBREC|PUBREL|PUBCOMP|UNSUBACK) \(Mid: (\d+)\)$/;
const CONNACK = /^Received CONNACK \(\d, ([^)]+)\)/;
const REQUEST = /^Sending (SUBSCRIBE|UNSUBSCRIBE) \(d0, m(\d+)\)/;

/** The bytes of a Python bytes repr (b'...'), as lib/mqtt5/pythonText.ts writes it, read back as UTF-8. */
function unrepr(repr: string): string {
  const body = repr.slice(2, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      bytes.push(c.charCodeAt(0));
      continue;
    }
    const e = body[++i];
    if (e === 'x') {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push({ t: 9, n: 10, r: 13 }[e as 't' | 'n' | 'r'] ?? e.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A Logger for the Client that writes mosquitto's -d lines to `out`. */
export class MosquittoDebugLog implements Logger {
  /** Packet id of the last SUBSCRIBE sent (for "Subscribed (mid: N): ..."). */
  lastSubscribeMid = 0;
  private readonly subscribes: SubscribeLine[][] = [];
  private readonly unsubscribes: string[][] = [];
  private lastSubscribe: SubscribeLine[] = [];
  /** Topic aliases the client set up (a PUBLISH that uses one has an empty topic; mosquitto prints the topic). */
  private readonly aliases = new Map<string, string>();

  /** The id the lines name (set once the client has one). */
  clientId = '(null)';

  constructor(private readonly out: Writable) {}

  /** The topics of the next SUBSCRIBE the CLI sends. */
  expectSubscribe(lines: SubscribeLine[]): void {
    this.subscribes.push(lines);
  }

  /** The topics of the next UNSUBSCRIBE the CLI sends. */
  expectUnsubscribe(topics: string[]): void {
    this.unsubscribes.push(topics);
  }

  /**
   * mosquitto_sub prints "Subscribed (mid: 1): 0" as the SUBACK arrives; the CLI learns the
   * granted QoS a little later, so lines after the first SUBACK wait here for subscribed().
   */
  private held: string[] | null = null;
  private awaitingSuback = false;

  /** The CLI is about to subscribe: hold the lines after its SUBACK until subscribed(). */
  holdAfterSuback(): void {
    this.awaitingSuback = true;
  }

  /** mosquitto_sub's "Subscribed (mid: 1): 0", then the lines held since the SUBACK. */
  subscribed(codes: number[] | null): void {
    const held = this.held ?? [];
    this.held = null;
    this.awaitingSuback = false;
    if (codes !== null) held.unshift(`Subscribed (mid: ${this.lastSubscribeMid}): ${codes.join(', ')}\n`);
    if (held.length > 0) this.out.write(held.join(''));
  }

  debug(...args: unknown[]): void {
    const lines = this.translate(String(args[0]));
    if (lines.length === 0) return;
    const text = lines.map((l) => `Client ${this.clientId} ${l}\n`).join('');
    if (this.held !== null) this.held.push(text);
    else this.out.write(text);
    if (this.awaitingSuback && lines[0] === 'received SUBACK') {
      this.awaitingSuback = false;
      this.held = [];
    }
  }

  info(): void {}
  warn(): void {}
  error(): void {}

  private translate(line: string): string[] {
    let m: RegExpExecArray | null;
    if (line.startsWith('Sending CONNECT ')) return ['sending CONNECT'];
    if ((m = CONNACK.exec(line)) !== null) return [`received CONNACK (${/^\d+$/.test(m[1]) ? m[1] : connackCode(m[1])})`];
    if ((m = PUBLISH_SENT.exec(line)) !== null) {
      let topic = unrepr(m[5]);
      const alias = m[7] === undefined ? null : TOPIC_ALIAS.exec(m[7]);
      if (alias !== null) {
        if (topic === '') topic = this.aliases.get(alias[1]) ?? '';
        else this.aliases.set(alias[1], topic);
      }
      return [`sending PUBLISH (d${m[1]}, q${m[2]}, r${m[3]}, m${m[4]}, '${topic}', ... (${m[8] ?? 0} bytes))`];
    }
    if ((m = PUBLISH_RECEIVED.exec(line)) !== null) {
      return [`received PUBLISH (d${m[1]}, q${m[2]}, r${m[3]}, m${m[4]}, '${m[5]}', ... (${m[6]} bytes))`];
    }
    if ((m = ACK.exec(line)) !== null) return [ackLine(m[1] === 'Sending', m[2], m[3])];
    if ((m = REQUEST.exec(line)) !== null) {
      const mid = m[2];
      if (m[1] === 'SUBSCRIBE') {
        this.lastSubscribeMid = Number(mid);
        // A re-subscription after a reconnect sends the last list again.
        this.lastSubscribe = this.subscribes.shift() ?? this.lastSubscribe;
        return this.lastSubscribe.map((s) => `sending SUBSCRIBE (Mid: ${mid}, Topic: ${s.topic}, QoS: ${s.qos}, Options: 0x${s.options.toString(16).padStart(2, '0')})`);
      }
      return (this.unsubscribes.shift() ?? []).map((t) => `sending UNSUBSCRIBE (Mid: ${mid}, Topic: ${t})`);
    }
    switch (line) {
      case 'Received SUBACK': return ['received SUBACK'];
      case 'Sending PINGREQ': return ['sending PINGREQ'];
      case 'Received PINGRESP': return ['received PINGRESP'];
    }
    if (line.startsWith('Sending DISCONNECT')) return ['sending DISCONNECT'];
    if (line.startsWith('Received DISCONNECT')) return ['received DISCONNECT'];
    return [];
  }
}

/** An MQTT 5 CONNACK reason code from its name in the log line (mosquitto prints the number). */
function connackCode(name: string): number | string {
  try {
    return new ReasonCodes(2, name).value;
  } catch {
    return name;
  }
}

/** libmosquitto's lines for the QoS 1/2 acknowledgements and UNSUBACK (reason codes: success). */
function ackLine(sent: boolean, type: string, mid: string): string {
  if (type === 'UNSUBACK') return 'received UNSUBACK';
  if (sent) return type === 'PUBACK' || type === 'PUBREC' ? `sending ${type} (m${mid}, rc0)` : `sending ${type} (m${mid})`;
  return type === 'PUBACK' || type === 'PUBCOMP' ? `received ${type} (Mid: ${mid}, RC:0)` : `received ${type} (Mid: ${mid})`;
}
