/**
 * JSON text as cJSON prints it (mosquitto_sub's %j / %J go through cJSON): strings are C
 * strings (cut at the first NUL byte), only `"`, `\` and control characters are escaped (bytes
 * from 0x80 pass through), numbers print as `%d` or `%1.15g`, and --pretty is cJSON_Print's
 * tab layout. A JSON payload (%J) is parsed and printed again the same way.
 */

/** A JSON value with object members in order (cJSON keeps duplicate keys). */
export type JsonValue = null | boolean | number | Buffer | JsonValue[] | JsonObject;
export interface JsonObject {
  members: Array<[string, JsonValue]>;
}

function cString(b: Buffer): Buffer {
  const nul = b.indexOf(0);
  return nul < 0 ? b : b.subarray(0, nul);
}

/** cJSON's print_string_ptr, byte by byte. */
function quote(bytes: Buffer, out: Buffer[]): void {
  const b = cString(bytes);
  const parts: string[] = ['"'];
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    let esc: string | undefined;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c === 0x08) esc = '\\b';
    else if (c === 0x0c) esc = '\\f';
    else if (c === 0x0a) esc = '\\n';
    else if (c === 0x0d) esc = '\\r';
    else if (c === 0x09) esc = '\\t';
    else if (c < 0x20) esc = `\\u${c.toString(16).padStart(4, '0')}`;
    if (esc !== undefined) {
      if (i > start) parts.push(b.subarray(start, i).toString('latin1'));
      parts.push(esc);
      start = i + 1;
    }
  }
  if (b.length > start) parts.push(b.subarray(start).toString('latin1'));
  parts.push('"');
  out.push(Buffer.from(parts.join(''), 'latin1'));
}

/** C's printf("%1.<p>g", d). */
function gFormat(d: number, p: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(d.toPrecision(p)))));
  let s: string;
  if (exp < -4 || exp >= p) {
    const [mant, e] = d.toExponential(p - 1).split('e');
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const n = Number(e);
    s = `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  } else {
    s = d.toFixed(Math.max(0, p - 1 - exp));
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  }
  return s;
}

/** cJSON's print_number. */
function numberText(d: number): string {
  if (!Number.isFinite(d)) return 'null';
  const asInt = d >= 2147483647 ? 2147483647 : d <= -2147483648 ? -2147483648 : Math.trunc(d);
  if (d === asInt) return String(asInt);
  const short = gFormat(d, 15);
  return Number(short) === d ? short : gFormat(d, 17);
}

function print(v: JsonValue, pretty: boolean, depth: number, out: Buffer[]): void {
  if (v === null) out.push(Buffer.from('null'));
  else if (typeof v === 'boolean') out.push(Buffer.from(v ? 'true' : 'false'));
  else if (typeof v === 'number') out.push(Buffer.from(numberText(v)));
  else if (Buffer.isBuffer(v)) quote(v, out);
  else if (Array.isArray(v)) {
    out.push(Buffer.from('['));
    v.forEach((item, i) => {
      if (i > 0) out.push(Buffer.from(pretty ? ', ' : ','));
      print(item, pretty, depth + 1, out);
    });
    out.push(Buffer.from(']'));
  } else {
    const inner = '\t'.repeat(depth + 1);
    out.push(Buffer.from(pretty ? '{\n' : '{'));
    v.members.forEach(([k, item], i) => {
      if (pretty) out.push(Buffer.from(inner));
      quote(Buffer.from(k, 'utf8'), out);
      out.push(Buffer.from(pretty ? ':\t' : ':'));
      print(item, pretty, depth + 1, out);
      if (i < v.members.length - 1) out.push(Buffer.from(','));
      if (pretty) out.push(Buffer.from('\n'));
    });
    if (pretty) out.push(Buffer.from('\t'.repeat(depth)));
    out.push(Buffer.from('}'));
  }
}

/** cJSON_PrintUnformatted (or cJSON_Print when `pretty`) of `v`. */
export function printJson(v: JsonValue, pretty: boolean): Buffer {
  const out: Buffer[] = [];
  print(v, pretty, 0, out);
  return Buffer.concat(out);
}

/** Converts what JSON.parse gives into a JsonValue (strings as UTF-8 bytes). */
function fromParsed(x: unknown): JsonValue {
  if (x === null || typeof x === 'boolean' || typeof x === 'number') return x;
  if (typeof x === 'string') return Buffer.from(x, 'utf8');
  if (Array.isArray(x)) return x.map(fromParsed);
  return { members: Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, fromParsed(v)] as [string, JsonValue]) };
}

/** The payload as a JSON value, or undefined when it is not one JSON text (cJSON_ParseWithOpts, null-terminated). */
export function parseJson(payload: Buffer): JsonValue | undefined {
  if (payload.includes(0)) return undefined; // cJSON stops at the NUL, short of the payload's end
  try {
    return fromParsed(JSON.parse(payload.toString('utf8')));
  } catch {
    return undefined;
  }
}
