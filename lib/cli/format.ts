/**
 * `mqttloop sub -F FORMAT`: mosquitto_sub 2.0's output format language, checked when the command
 * line is read (same error texts) and printed byte for byte as mosquitto_sub prints it:
 * `%` fields with the `-`/`0` flags, width and precision, `@` strftime conversions (`@N`: the
 * nanoseconds), `\` escapes. Where mosquitto_sub has quirks (the width of %x counts hex digits
 * but cuts bytes; `%-p` pads with the payload's length), they are kept, so scripts see the same.
 */
import type { PacketProperties } from '../protocol/types';
import { JsonObject, JsonValue, parseJson, printJson } from './cjson';
import { strftime1, utcOffset } from './strftime';

/** A -F format that mosquitto_sub would refuse (the message is mosquitto's). */
export class FormatError extends Error {}

/** What a message gives the format. */
export interface FormatMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  /** Packet id; 0 for QoS 0. */
  mid: number;
  properties?: PacketProperties;
}

interface Field {
  conv: string;
  left: boolean;
  pad: ' ' | '0';
  width: number;
  /** -1: none. */
  precision: number;
}
type Piece = Buffer | Field | { time: string };

/** A checked format, ready to print messages. */
export interface CompiledFormat {
  readonly pieces: readonly Piece[];
}

const CONVERSIONS = new Set('%ACDEFIlmPpqRSrtjJUxX');
const ESCAPES: Record<string, string> = { '\\': '\\', 0: '\0', a: '\x07', e: '\x1b', n: '\n', r: '\r', t: '\t', v: '\v' };
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Checks `format` as mosquitto_sub's check_format() does and splits it into pieces. */
export function compileFormat(format: string): CompiledFormat {
  const s = Buffer.from(format, 'utf8').toString('latin1'); // byte offsets, as the C code walks it
  const pieces: Piece[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') pieces.push(Buffer.from(text, 'latin1'));
    text = '';
  };
  const incomplete = () => new FormatError('Incomplete format specifier.');
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%') {
      if (i === s.length - 1) throw incomplete();
      const f: Field = { conv: '', left: false, pad: ' ', width: 0, precision: -1 };
      if (s[i + 1] === '-') {
        f.left = true;
        i++;
      }
      // "%-040p" is accepted; the 0 is then ignored, as printf ignores it.
      if (s[i + 1] === '0') {
        f.pad = '0';
        i++;
      }
      if (i === s.length - 1) throw incomplete();
      while (isDigit(s[i + 1])) {
        f.width = f.width * 10 + Number(s[++i]);
        if (i === s.length - 1) throw incomplete();
      }
      if (s[i + 1] === '.') {
        i++;
        if (i === s.length - 1) throw incomplete();
        f.precision = 0;
        while (isDigit(s[i + 1])) {
          f.precision = f.precision * 10 + Number(s[++i]);
          if (i === s.length - 1) throw incomplete();
        }
      }
      const conv = s[++i];
      if (!CONVERSIONS.has(conv)) throw new FormatError(`Invalid format specifier '${conv}'.`);
      f.conv = conv;
      flush();
      pieces.push(f);
    } else if (c === '@') {
      if (i === s.length - 1) throw incomplete();
      const conv = s[++i];
      if (conv === '@') text += '@';
      else {
        flush();
        pieces.push({ time: conv });
      }
    } else if (c === '\\') {
      if (i === s.length - 1) throw new FormatError('Incomplete escape specifier.');
      const e = ESCAPES[s[++i]];
      if (e === undefined) throw new FormatError(`Invalid escape specifier '${s[i]}'.`);
      text += e;
    } else {
      text += c;
    }
  }
  flush();
  return { pieces };
}

/** The wall clock for one message: the time and its nanoseconds within the second. */
export interface Instant {
  date: Date;
  nanos: number;
}

export function now(): Instant {
  const ms = Date.now();
  const ns = process.hrtime.bigint() % 1_000_000n; // finer than the millisecond, as clock_gettime()
  return { date: new Date(ms), nanos: (ms % 1000) * 1_000_000 + Number(ns) };
}

/** Output of one message: the bytes for stdout and any errors for stderr (%J on a payload that is not JSON). */
export interface Rendered {
  out: Buffer;
  errors: string[];
}

/** Prints `m` with `format`, as mosquitto_sub's formatted_print() (no end of line: the caller adds it). */
export function renderMessage(format: CompiledFormat, m: FormatMessage, at: Instant, pretty = false): Rendered {
  const out: Buffer[] = [];
  const errors: string[] = [];
  for (const p of format.pieces) {
    if (Buffer.isBuffer(p)) out.push(p);
    else if ('time' in p) out.push(Buffer.from(p.time === 'N' ? String(at.nanos).padStart(9, '0') : strftime1(p.time, at.date), 'utf8'));
    else field(p, m, at, pretty, out, errors);
  }
  return { out: Buffer.concat(out), errors };
}

const str = (s: string) => Buffer.from(s, 'utf8');
const spaces = (n: number, c = ' ') => Buffer.from(n > 0 ? c.repeat(n) : '', 'latin1');

/** printf("%d") with the field's flags and width. */
function int(v: number, f: Field): Buffer {
  const s = String(v);
  if (f.width === 0) return str(s);
  if (f.left) return str(s.padEnd(f.width));
  if (f.pad === '0') return str(v < 0 ? `-${String(-v).padStart(f.width - 1, '0')}` : s.padStart(f.width, '0'));
  return str(s.padStart(f.width));
}

/** printf("%*.*s"): width and precision count bytes; the 0 flag does not apply. */
function text(value: Buffer, f: Field): Buffer {
  const v = f.precision >= 0 && value.length > f.precision ? value.subarray(0, f.precision) : value;
  const padLen = f.width - v.length;
  if (padLen <= 0) return v;
  return f.left ? Buffer.concat([v, spaces(padLen)]) : Buffer.concat([spaces(padLen), v]);
}

/** mosquitto_sub's write_payload(), quirks included. */
function payloadField(payload: Buffer, hex: 0 | 1 | 2, f: Field): Buffer {
  let len = payload.length;
  let padLen: number;
  if (f.width > 0) {
    if (len > f.width) len = f.width;
    if (hex > 0) {
      len = Math.floor(len / 2);
      padLen = f.width - len * 2;
    } else {
      padLen = f.width - len;
    }
  } else {
    padLen = f.width - len;
  }
  const bytes = payload.subarray(0, len);
  const body = hex === 0 ? bytes : str(hex === 1 ? bytes.toString('hex') : bytes.toString('hex').toUpperCase());
  if (!f.left) return Buffer.concat([spaces(padLen, f.pad), body]);
  // printf("%*s", padLen, "") with a negative width pads to |padLen| too.
  return Buffer.concat([body, spaces(Math.abs(padLen))]);
}

function firstSubscriptionId(p: PacketProperties | undefined): number | undefined {
  const s = p?.SubscriptionIdentifier;
  return Array.isArray(s) ? s[0] : s;
}

function field(f: Field, m: FormatMessage, at: Instant, pretty: boolean, out: Buffer[], errors: string[]): void {
  const p = m.properties;
  const intOrBlank = (v: number | undefined) => out.push(v === undefined ? spaces(f.width, f.pad) : int(v | 0, f));
  switch (f.conv) {
    case '%': out.push(str('%')); break;
    case 'A': intOrBlank(p?.TopicAlias); break;
    case 'C': out.push(p?.ContentType === undefined ? spaces(f.width) : text(str(p.ContentType), f)); break;
    case 'D': if (p?.CorrelationData !== undefined) out.push(p.CorrelationData); break;
    case 'E': intOrBlank(p?.MessageExpiryInterval); break;
    case 'F': intOrBlank(p?.PayloadFormatIndicator); break;
    case 'I': out.push(text(str(`${strftime1('F', at.date)}T${strftime1('T', at.date)}${utcOffset(at.date)}`), f)); break;
    case 'j': out.push(printJson(jsonOf(m, at, m.payload.length === 0 ? null : m.payload), pretty)); break;
    case 'J': {
      const payload = m.payload.length === 0 ? null : parseJson(m.payload);
      if (payload === undefined) errors.push(`Error: Message payload is not valid JSON on topic ${m.topic}.`);
      else out.push(printJson(jsonOf(m, at, payload), pretty));
      break;
    }
    case 'l': out.push(int(m.payload.length, f)); break;
    case 'm': out.push(int(m.mid, f)); break;
    case 'P': out.push(str((p?.UserProperty ?? []).map(([k, v]) => `${k}:${v}`).join(' '))); break;
    case 'p': out.push(payloadField(m.payload, 0, f)); break;
    case 'q': out.push(str(String(m.qos))); break;
    case 'R': if (p?.ResponseTopic !== undefined) out.push(text(str(p.ResponseTopic), f)); break;
    case 'r': out.push(str(m.retain ? '1' : '0')); break;
    case 'S': intOrBlank(firstSubscriptionId(p)); break;
    case 't': out.push(text(str(m.topic), f)); break;
    case 'U': out.push(str(`${Math.floor(at.date.getTime() / 1000)}.${String(at.nanos).padStart(9, '0')}`)); break;
    case 'x': out.push(payloadField(m.payload, 1, f)); break;
    case 'X': out.push(payloadField(m.payload, 2, f)); break;
  }
}

/** The `tst` of %j: local time with microseconds, then `Z` and the offset (mosquitto's own layout). */
function timestamp(at: Instant): string {
  const micros = String(Math.floor(at.nanos / 1000)).padStart(6, '0');
  return `${strftime1('F', at.date)}T${strftime1('T', at.date)}.${micros}Z${utcOffset(at.date)}`;
}

/** The properties object of %j, in the order the PUBLISH carried them (the decoder keeps it). */
function propertiesJson(p: PacketProperties): JsonObject | undefined {
  const members: Array<[string, JsonValue]> = [];
  let user: JsonObject | undefined;
  for (const [name, value] of Object.entries(p) as Array<[keyof PacketProperties, unknown]>) {
    if (value === undefined) continue;
    switch (name) {
      case 'PayloadFormatIndicator': members.push(['payload-format-indicator', value as number]); break;
      case 'MessageExpiryInterval': members.push(['message-expiry-interval', value as number]); break;
      case 'ContentType': members.push(['content-type', str(value as string)]); break;
      case 'ResponseTopic': members.push(['response-topic', str(value as string)]); break;
      case 'CorrelationData': members.push(['correlation-data', value as Buffer]); break;
      case 'SubscriptionIdentifier':
        for (const id of Array.isArray(value) ? value : [value]) members.push(['subscription-identifier', id as number]);
        break;
      // mosquitto reads the alias with the wrong property id and prints 0.
      case 'TopicAlias': members.push(['topic-alias', 0]); break;
      case 'UserProperty':
        if (user === undefined) {
          user = { members: [] };
          members.push(['user-properties', user]);
        }
        for (const [k, v] of value as Array<[string, string]>) user.members.push([k, str(v)]);
        break;
    }
  }
  return members.length > 0 ? { members } : undefined;
}

function jsonOf(m: FormatMessage, at: Instant, payload: JsonValue): JsonObject {
  const members: Array<[string, JsonValue]> = [
    ['tst', str(timestamp(at))], ['topic', str(m.topic)], ['qos', m.qos], ['retain', m.retain ? 1 : 0],
    ['payloadlen', m.payload.length],
  ];
  if (m.qos > 0) members.push(['mid', m.mid]);
  const props = m.properties === undefined ? undefined : propertiesJson(m.properties);
  if (props !== undefined) members.push(['properties', props]);
  members.push(['payload', payload]);
  return { members };
}
