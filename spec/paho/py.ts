/**
 * The few Python built-ins a ported paho program prints with, so that its output is Python's:
 * `print(a, b)` and `str(x)` (Python's str() of JS values: Buffer -> b'...', true -> True,
 * null -> None, arrays -> [...] with repr() of the items, objects -> their toString()), and
 * `time.sleep(s)` as `await sleep(s)`. This is the porting table's only helper module; it knows
 * nothing about MQTT: how mqttloop's own objects print (ReasonCodes, Properties, ...) is theirs.
 */
import { bytesRepr, strRepr } from '../../lib/mqtt5/pythonText';

function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Python's repr(), for items inside lists and dicts. */
export function repr(x: unknown): string {
  if (typeof x === 'string') return strRepr(x);
  return str(x);
}

/** Python's str(). */
export function str(x: unknown): string {
  if (x === null || x === undefined) return 'None';
  if (x === true) return 'True';
  if (x === false) return 'False';
  if (typeof x === 'string') return x;
  if (x instanceof Uint8Array) return bytesRepr(x);
  if (Array.isArray(x)) return `[${x.map(repr).join(', ')}]`;
  if (typeof x === 'object' && isPlainObject(x)) {
    return `{${Object.entries(x).map(([k, v]) => `${strRepr(k)}: ${repr(v)}`).join(', ')}}`;
  }
  return String(x);
}

/** Python's print(): str() of each argument, joined by spaces. */
export function print(...args: unknown[]): void {
  process.stdout.write(args.map(str).join(' ') + '\n');
}

/** time.sleep(seconds), awaited. */
export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}
