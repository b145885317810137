/**
 * Python's str()/repr() of the values paho prints (bytes, str, lists of tuples, Properties),
 * so that our log lines and printed objects read exactly as paho's do.
 */
import type { PacketProperties, PropertyName } from '../protocol/types';

/** Property names in paho's order (its `names` table, i.e. by identifier). */
const ORDER: readonly PropertyName[] = [
  'PayloadFormatIndicator', 'MessageExpiryInterval', 'ContentType', 'ResponseTopic', 'CorrelationData',
  'SubscriptionIdentifier', 'SessionExpiryInterval', 'AssignedClientIdentifier', 'ServerKeepAlive',
  'AuthenticationMethod', 'AuthenticationData', 'RequestProblemInformation', 'WillDelayInterval',
  'RequestResponseInformation', 'ResponseInformation', 'ServerReference', 'ReasonString', 'ReceiveMaximum',
  'TopicAliasMaximum', 'TopicAlias', 'MaximumQoS', 'RetainAvailable', 'UserProperty', 'MaximumPacketSize',
  'WildcardSubscriptionAvailable', 'SubscriptionIdentifierAvailable', 'SharedSubscriptionAvailable',
];

/** Python's quoting: single quotes unless the text has a ' and no ". */
function quote(body: string, raw: string): string {
  const q = raw.includes("'") && !raw.includes('"') ? '"' : "'";
  return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
}

/** repr(bytes): b'...' with Python's escapes. */
export function bytesRepr(b: Uint8Array): string {
  let body = '';
  let raw = '';
  for (const c of b) {
    raw += String.fromCharCode(c);
    if (c === 0x5c) body += '\\\\';
    else if (c === 0x09) body += '\\t';
    else if (c === 0x0a) body += '\\n';
    else if (c === 0x0d) body += '\\r';
    else if (c < 0x20 || c >= 0x7f) body += `\\x${c.toString(16).padStart(2, '0')}`;
    else body += String.fromCharCode(c);
  }
  return 'b' + quote(body, raw);
}

/** repr(str) for printable text (what topics and property strings are). */
export function strRepr(s: string): string {
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return quote(body, s);
}

/** repr() of a value inside a container (list or tuple). */
function repr(v: unknown): string {
  if (typeof v === 'string') return strRepr(v);
  if (v instanceof Uint8Array) return bytesRepr(v);
  if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
  return String(v);
}

/** str() of a property value: text as is, bytes as b'...', UserProperty as [('k', 'v')], lists as [...]. */
function propertyValueStr(name: PropertyName, v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return bytesRepr(v);
  if (name === 'UserProperty') return `[${(v as [string, string][]).map(([k, x]) => `(${strRepr(k)}, ${strRepr(x)})`).join(', ')}]`;
  if (name === 'SubscriptionIdentifier') return repr(Array.isArray(v) ? v : [v]);
  return repr(v);
}

/** str(Properties) as paho: `[ReceiveMaximum : 20, TopicAliasMaximum : 10]`, `[]` when empty. */
export function propertiesStr(props: PacketProperties | undefined): string {
  if (props === undefined) return '[]';
  const rec = props as Record<string, unknown>;
  const parts: string[] = [];
  for (const name of ORDER) {
    const v = rec[name];
    if (v !== undefined) parts.push(`${name} : ${propertyValueStr(name, v)}`);
  }
  return `[${parts.join(', ')}]`;
}
