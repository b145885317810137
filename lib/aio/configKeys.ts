/**
 * The names MQTTClient's config accepts: amqtt's own keys as a ported program writes them
 * (`keep_alive`, `default_qos`, ...) and their camelCase forms, turned into the one
 * camelCase MQTTClientConfig. An unknown key (at the top or inside `will`, `broker`,
 * `topics`) is a ValueError naming the closest known one; the same setting given in both
 * spellings with different values is a ValueError too.
 */
import { didYouMean } from '../closestName';
import { ValueError } from '../errors';
import type { MQTTClientBroker, MQTTClientConfig } from './config';

/** amqtt's spellings of the config keys, so a config dict ported from Python type-checks as it is. */
export interface AmqttConfigKeys {
  /** amqtt's spelling of `keepAlive`. */
  keep_alive?: number;
  /** amqtt's spelling of `pingDelay`. */
  ping_delay?: number;
  /** amqtt's spelling of `defaultQos`. */
  default_qos?: number;
  /** amqtt's spelling of `defaultRetain`. */
  default_retain?: boolean;
  /** amqtt's spelling of `autoReconnect`. */
  auto_reconnect?: boolean;
  /** amqtt's spelling of `reconnectMaxInterval`. */
  reconnect_max_interval?: number;
  /** amqtt's spelling of `reconnectRetries`. */
  reconnect_retries?: number;
  /** amqtt's spelling of `connectionTimeout`. */
  connection_timeout?: number;
  /** amqtt's spelling of `checkHostname`. */
  check_hostname?: boolean;
  /** amqtt's spelling of `verifyCert`. */
  verify_cert?: boolean;
  /** amqtt ≥ 0.11's name of `broker`. */
  connection?: MQTTClientBroker;
}

/** amqtt's key -> the camelCase key (keys that are one word in amqtt are the same in both). */
const AMQTT_NAMES: Readonly<Record<string, keyof MQTTClientConfig>> = {
  keep_alive: 'keepAlive',
  ping_delay: 'pingDelay',
  default_qos: 'defaultQos',
  default_retain: 'defaultRetain',
  auto_reconnect: 'autoReconnect',
  reconnect_max_interval: 'reconnectMaxInterval',
  reconnect_retries: 'reconnectRetries',
  connection_timeout: 'connectionTimeout',
  check_hostname: 'checkHostname',
  verify_cert: 'verifyCert',
};

/** Every camelCase key: amqtt's (camelCased) and mqttloop's own. */
const CONFIG_KEYS: ReadonlySet<string> = new Set<keyof MQTTClientConfig>([
  'keepAlive', 'pingDelay', 'defaultQos', 'defaultRetain', 'autoReconnect', 'reconnectMaxInterval', 'reconnectRetries',
  'reconnectJitter', 'connectionTimeout', 'checkHostname', 'verifyCert', 'cleansession', 'will', 'broker', 'topics', 'certfile', 'keyfile',
  'protocol', 'store', 'maxInflightMessages', 'maxBufferedMessages', 'logger', 'connectProperties',
]);

/** amqtt keys that have no counterpart here: refused with the reason rather than ignored. */
const REFUSED: Readonly<Record<string, string>> = {
  plugins: 'amqtt plugins are Python classes and have no counterpart in mqttloop (for packet logs give `logger`)',
  qos1_puback_timeout: 'not supported: give publish() an ackTimeout instead',
  qos1PubackTimeout: 'not supported: give publish() an ackTimeout instead',
};

const WILL_KEYS = ['topic', 'message', 'qos', 'retain', 'properties'];
/** amqtt's `broker` section, also named `connection` since amqtt 0.11 (with the client's certfile/keyfile). */
const BROKER_KEYS = ['uri', 'cafile', 'capath', 'cadata', 'certfile', 'keyfile'];
const TOPIC_KEYS = ['qos', 'retain'];

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function checkSection(value: unknown, known: string[], where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValueError(`${where}: must be an object with the keys ${known.join(', ')}`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ValueError(`${where}: unknown key '${key}'${didYouMean(key, known)}; keys are ${known.join(', ')}`);
  }
  return value as Record<string, unknown>;
}

/** Sets `key` once: a second spelling of the same setting must agree with the first. */
function put(out: Record<string, unknown>, key: string, value: unknown, given: string, seen: Map<string, string>): void {
  const first = seen.get(key);
  if (first !== undefined && !same(out[key], value)) {
    throw new ValueError(`config: '${given}' and '${first}' are the same setting with different values`);
  }
  seen.set(key, given);
  out[key] = value;
}

/**
 * The camelCase config from a config written with amqtt's keys, camelCase keys or both.
 * `connection` is taken as `broker`; certfile/keyfile inside it as the top-level ones.
 * `spelling` (when given) gets, for each key, the name the caller wrote.
 */
export function readConfigKeys(config: object, spelling?: Map<string, string>): MQTTClientConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ValueError('config: must be an object');
  const out: Record<string, unknown> = {};
  const seen = new Map<string, string>();
  for (const [given, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (given in REFUSED) throw new ValueError(`${given}: ${REFUSED[given]}`);
    const key = AMQTT_NAMES[given] ?? (given === 'connection' ? 'broker' : given);
    if (!CONFIG_KEYS.has(key)) {
      throw new ValueError(`config: unknown key '${given}'${didYouMean(given, [...CONFIG_KEYS, ...Object.keys(AMQTT_NAMES), 'connection'])}`);
    }
    put(out, key, value, given, seen);
  }
  if (out.will !== undefined && out.will !== null) checkSection(out.will, WILL_KEYS, 'will');
  if (out.broker !== undefined && out.broker !== null) {
    const where = seen.get('broker')!;
    const broker = { ...checkSection(out.broker, BROKER_KEYS, where) };
    for (const file of ['certfile', 'keyfile'] as const) {
      if (broker[file] === undefined || broker[file] === null) continue;
      put(out, file, broker[file], `${where}.${file}`, seen);
      delete broker[file];
    }
    out.broker = broker;
  }
  if (out.topics !== undefined && out.topics !== null) {
    const topics = checkSection(out.topics, Object.keys(out.topics as object), 'topics');
    for (const [topic, settings] of Object.entries(topics)) checkSection(settings, TOPIC_KEYS, `topics['${topic}']`);
  }
  if (spelling) for (const [key, given] of seen) spelling.set(key, given);
  return out as MQTTClientConfig;
}

/** Runs the value checks; their ValueError names the key as the caller wrote it (`default_qos: ...`). */
export function inCallersWords<T>(spelling: Map<string, string>, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    const key = /^[A-Za-z]+/.exec(e.message)?.[0];
    const given = key === undefined ? undefined : spelling.get(key);
    if (given === undefined || given === key) throw e;
    throw new ValueError(given + e.message.slice(key!.length), { cause: e.cause });
  }
}
