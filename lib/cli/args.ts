/**
 * Command-line parsing for `mqttloop pub` / `mqttloop sub`, by hand (no dependency), with
 * mosquitto_pub / mosquitto_sub 2.0's flags and meanings (long forms too: --topic, --qos, ...).
 * A mistake throws UsageError; the caller prints it with the usage text and exits 1, as mosquitto.
 */
import { parseBrokerUri } from '../transport/uri';
import { MQTTv31, MQTTv311, MQTTv5 } from '../constants';
import { ValueError } from '../errors';
import { validateTopicFilter } from '../protocol/topics';
import { compileFormat, CompiledFormat, FormatError } from './format';
import { addProperty, CommandProperties, PropertyError } from './properties';


export type Command = 'pub' | 'sub';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliOptions {
  command: Command;
  help: boolean;
  host: string;
  /** Absent: 1883, 8883 with TLS (80/443 with --ws). */
  port?: number;
  topics: string[];
  qos: 0 | 1 | 2;
  clientId?: string;
  idPrefix?: string;
  username?: string;
  password?: string;
  keepalive: number;
  cleanSession: boolean;
  protocol: number;
  /** TLS: --cafile, --capath, --cert or an mqtts:// / wss:// -L URL. */
  tls: boolean;
  cafile?: string;
  capath?: string;
  cert?: string;
  key?: string;
  insecure: boolean;
  ws: boolean;
  debug: boolean;
  quiet: boolean;
  will?: { topic: string; payload?: string; qos: 0 | 1 | 2; retain: boolean };
  /** -x: CONNECT's session-expiry-interval (MQTT 5); absent: 0, or "never" with -c. */
  sessionExpiry?: number;
  /** -D: MQTT 5 properties by packet. */
  properties: CommandProperties;
  // pub
  /** Where the payload comes from: -m, -f, -l, -n, -s. */
  source?: { kind: 'm'; message: string } | { kind: 'f'; file: string } | { kind: 'l' } | { kind: 'n' } | { kind: 's' };
  retain: boolean;
  /** --repeat: how many times the message is published. */
  repeat: number;
  /** --repeat-delay, in seconds. */
  repeatDelay: number;
  // sub
  count?: number;
  verbose: boolean;
  noRetained: boolean;
  timeout?: number;
  noNewline: boolean;
  /** -F */
  format?: CompiledFormat;
  /** --pretty: JSON of %j / %J indented. */
  pretty: boolean;
  /** -T: topic filters left out of the output. */
  filterOut: string[];
  /** -U: topic filters unsubscribed from at start. */
  unsubscribe: string[];
  /** -E: exit once subscribed. */
  exitAfterSubscribe: boolean;
  /** --retained-only */
  retainedOnly: boolean;
}

/** Long forms of the flags (mosquitto's). */
const LONG: Record<string, string> = {
  '--host': '-h', '--port': '-p', '--topic': '-t', '--qos': '-q', '--id': '-i', '--id-prefix': '-I',
  '--username': '-u', '--pw': '-P', '--keepalive': '-k', '--protocol-version': '-V', '--url': '-L', '--debug': '-d',
  '--disable-clean-session': '-c', '--message': '-m', '--file': '-f', '--stdin-line': '-l', '--null-message': '-n',
  '--stdin-file': '-s', '--retain': '-r', '--verbose': '-v', '--filter-out': '-T', '--unsubscribe': '-U', '--property': '-D',
};

/** "Session expires never" in -x: -1, ∞ or 4294967295. */
export const SESSION_NEVER_EXPIRES = 0xffffffff;

/** Flags taking a value, and the commands they belong to. */
const VALUE_FLAGS: Record<string, Command[]> = {
  '-h': ['pub', 'sub'], '-p': ['pub', 'sub'], '-t': ['pub', 'sub'], '-q': ['pub', 'sub'], '-i': ['pub', 'sub'],
  '-I': ['pub', 'sub'], '-u': ['pub', 'sub'], '-P': ['pub', 'sub'], '-k': ['pub', 'sub'], '-V': ['pub', 'sub'],
  '-L': ['pub', 'sub'], '--cafile': ['pub', 'sub'], '--capath': ['pub', 'sub'], '--cert': ['pub', 'sub'],
  '--key': ['pub', 'sub'], '--will-topic': ['pub', 'sub'], '--will-payload': ['pub', 'sub'], '--will-qos': ['pub', 'sub'],
  '-x': ['pub', 'sub'],
  '-m': ['pub'], '-f': ['pub'], '--repeat': ['pub'], '--repeat-delay': ['pub'],
  '-C': ['sub'], '-W': ['sub'], '-F': ['sub'], '-T': ['sub'], '-U': ['sub'],
};
const BOOL_FLAGS: Record<string, Command[]> = {
  '-c': ['pub', 'sub'], '-d': ['pub', 'sub'], '--insecure': ['pub', 'sub'], '--ws': ['pub', 'sub'], '--quiet': ['pub', 'sub'],
  '--help': ['pub', 'sub'], '--will-retain': ['pub', 'sub'],
  '-l': ['pub'], '-n': ['pub'], '-s': ['pub'], '-r': ['pub'],
  '-v': ['sub'], '-R': ['sub'], '-N': ['sub'], '-E': ['sub'], '--retained-only': ['sub'], '--pretty': ['sub'],
};

function int(flag: string, value: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`Invalid value for ${flag}: '${value}' is not a number.`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`Invalid value for ${flag}: must be from ${min} to ${max}.`);
  return n;
}

function qosOf(flag: string, value: string): 0 | 1 | 2 {
  if (value !== '0' && value !== '1' && value !== '2') throw new UsageError(`Invalid QoS given with ${flag}: ${value}.`);
  return Number(value) as 0 | 1 | 2;
}

function sessionExpiryOf(value: string): number {
  if (value === '-1' || value === '\u221e') return SESSION_NEVER_EXPIRES;
  if (!/^\d+$/.test(value) || Number(value) > SESSION_NEVER_EXPIRES) throw new UsageError('session-expiry-interval not a number.');
  return Number(value);
}

/** A -T / -U topic filter, checked as mosquitto checks it. */
function filterOf(what: 'filter' | 'unsubscribe', value: string): string {
  try {
    validateTopicFilter(value);
  } catch {
    throw new UsageError(`Invalid ${what} topic '${value}', are all '+' and '#' wildcards correct?`);
  }
  return value;
}

function protocolOf(value: string): number {
  switch (value.toLowerCase()) {
    case 'mqttv31': case '31': return MQTTv31;
    case 'mqttv311': case '311': return MQTTv311;
    case 'mqttv5': case '5': return MQTTv5;
    default: throw new UsageError(`Invalid protocol version '${value}': use mqttv31, mqttv311 or mqttv5.`);
  }
}

/** Parses the arguments after the command name. Throws UsageError. */
export function parseArgs(command: Command, argv: string[]): CliOptions {
  const o: CliOptions = {
    command, help: false, host: 'localhost', topics: [], qos: 0, keepalive: 60, cleanSession: true, protocol: MQTTv311,
    tls: false, insecure: false, ws: false, debug: false, quiet: false, retain: false, verbose: false, noRetained: false,
    noNewline: false, properties: {}, repeat: 1, repeatDelay: 0, pretty: false, filterOut: [], unsubscribe: [],
    exitAfterSubscribe: false, retainedOnly: false,
  };
  let willPayload: string | undefined;
  let willQos: 0 | 1 | 2 = 0;
  let willRetain = false;
  let willTopic: string | undefined;
  const setSource = (s: NonNullable<CliOptions['source']>): void => {
    if (o.source !== undefined) throw new UsageError('Only one type of message can be sent at once (-f, -l, -m, -n, -s).');
    o.source = s;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = LONG[argv[i]] ?? argv[i];
    if (flag === '-D') {
      try {
        i += addProperty(o.properties, argv.slice(i + 1));
      } catch (e) {
        if (e instanceof PropertyError) throw new UsageError(e.message);
        throw e;
      }
      o.protocol = MQTTv5; // as mosquitto: properties mean MQTT 5 (a later -V may still change it)
      continue;
    }
    const takes = VALUE_FLAGS[flag];
    if (takes?.includes(command)) {
      if (i + 1 >= argv.length) throw new UsageError(`${flag} argument given but no value specified.`);
      const v = argv[++i];
      switch (flag) {
        case '-h': o.host = v; break;
        case '-p': o.port = int(flag, v, 1, 65535); break;
        case '-t':
          if (v === '') throw new UsageError('Invalid topic: empty.');
          o.topics.push(v);
          break;
        case '-q': o.qos = qosOf(flag, v); break;
        case '-i': o.clientId = v; break;
        case '-I': o.idPrefix = v; break;
        case '-u': o.username = v; break;
        case '-P': o.password = v; break;
        case '-k': o.keepalive = int(flag, v, 0, 65535); break;
        case '-V': o.protocol = protocolOf(v); break;
        case '-L': applyUrl(o, v); break;
        case '--cafile': o.cafile = v; o.tls = true; break;
        case '--capath': o.capath = v; o.tls = true; break;
        case '--cert': o.cert = v; o.tls = true; break;
        case '--key': o.key = v; break;
        case '--will-topic': willTopic = v; break;
        case '--will-payload': willPayload = v; break;
        case '--will-qos': willQos = qosOf(flag, v); break;
        case '-m': setSource({ kind: 'm', message: v }); break;
        case '-f': setSource({ kind: 'f', file: v }); break;
        case '-C': o.count = int(flag, v, 1, Number.MAX_SAFE_INTEGER); break;
        case '-W': o.timeout = int(flag, v, 1, 3_600_000); break;
        case '-x': o.sessionExpiry = sessionExpiryOf(v); break;
        case '--repeat':
          if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError('--repeat argument must be >0.');
          o.repeat = Number(v);
          break;
        case '--repeat-delay':
          if (!/^\d*\.?\d+$|^\d+\.$/.test(v)) throw new UsageError('--repeat-delay argument must be >=0.0.');
          o.repeatDelay = Number(v);
          break;
        case '-F':
          try {
            o.format = compileFormat(v);
          } catch (e) {
            if (e instanceof FormatError) throw new UsageError(e.message);
            throw e;
          }
          break;
        case '-T': o.filterOut.push(filterOf('filter', v)); break;
        case '-U': o.unsubscribe.push(filterOf('unsubscribe', v)); break;
      }
      continue;
    }
    if (BOOL_FLAGS[flag]?.includes(command)) {
      switch (flag) {
        case '-c': o.cleanSession = false; break;
        case '-d': o.debug = true; break;
        case '--insecure': o.insecure = true; break;
        case '--ws': o.ws = true; break;
        case '--quiet': o.quiet = true; break;
        case '--help': o.help = true; break;
        case '--will-retain': willRetain = true; break;
        case '-l': setSource({ kind: 'l' }); break;
        case '-n': setSource({ kind: 'n' }); break;
        case '-s': setSource({ kind: 's' }); break;
        case '-r': o.retain = true; break;
        case '-v': o.verbose = true; break;
        case '-R': o.noRetained = true; break;
        case '-N': o.noNewline = true; break;
        case '-E': o.exitAfterSubscribe = true; break;
        case '--retained-only': o.retainedOnly = true; break;
        case '--pretty': o.pretty = true; break;
      }
      continue;
    }
    throw new UsageError(`Unknown option '${flag}'.`);
  }
  if (o.help) return o;

  if (willTopic !== undefined) o.will = { topic: willTopic, payload: willPayload, qos: willQos, retain: willRetain };
  else if (willPayload !== undefined || willRetain) throw new UsageError('Will payload or retain given, but no will topic given.');
  if (o.password !== undefined && o.username === undefined) throw new UsageError('-P given without -u: a password needs a user name.');
  if (o.key !== undefined && o.cert === undefined) throw new UsageError('--key given without --cert.');
  if (o.cert !== undefined && o.key === undefined) throw new UsageError('--cert given without --key.');
  if (o.protocol === MQTTv5) {
    // As mosquitto: -c without -x keeps the session for good.
    if (!o.cleanSession && o.sessionExpiry === undefined) o.sessionExpiry = SESSION_NEVER_EXPIRES;
    if (o.sessionExpiry === SESSION_NEVER_EXPIRES && (o.clientId === undefined || o.clientId === '')) {
      throw new UsageError('You must provide a client id if you are using an infinite session expiry interval.');
    }
  } else if (!o.cleanSession && (o.clientId === undefined || o.clientId === '')) {
    throw new UsageError('You must provide a client id with -i if you are using the -c option.');
  }
  if (o.noRetained && o.retainedOnly) throw new UsageError("Combining '-R' and '--retained-only' makes no sense.");
  if (o.clientId !== undefined && o.idPrefix !== undefined) throw new UsageError('-i and -I cannot be used together.');
  if (command === 'pub') {
    if (o.topics.length === 0 || o.source === undefined) throw new UsageError('Both topic and message must be supplied.');
    if (o.topics.length > 1) throw new UsageError('Only one topic can be published to (-t given more than once).');
  } else if (o.topics.length === 0) {
    throw new UsageError('You must specify a topic to subscribe to (-t).');
  }
  return o;
}

/** -L mqtt(s)://[username[:password]@]host[:port]/topic (ws:// and wss:// too, for --ws). */
function applyUrl(o: CliOptions, url: string): void {
  let u;
  try {
    u = parseBrokerUri(url);
  } catch (e) {
    throw new UsageError(`Invalid URL for -L: ${(e as ValueError).message.replace(/^uri: /, '')}.`);
  }
  o.host = u.host;
  o.port = u.port; // the scheme's default when the URL has none: the same defaults as brokerUri()
  if (u.secure) o.tls = true;
  if (u.websocket) o.ws = true;
  if (u.username !== undefined) o.username = u.username;
  if (u.password !== undefined) o.password = u.password;
  const topic = decodeURIComponent(u.path.replace(/\?.*$/, '').slice(1));
  if (topic === '') throw new UsageError('Invalid URL for -L: topic missing (mqtt://host:port/topic).');
  o.topics.push(topic);
}

/** The broker URI for MQTTClient.connect(): scheme from TLS/--ws, credentials percent-encoded. */
export function brokerUri(o: CliOptions): string {
  const scheme = o.ws ? (o.tls ? 'wss' : 'ws') : o.tls ? 'mqtts' : 'mqtt';
  const port = o.port ?? (o.ws ? (o.tls ? 443 : 80) : o.tls ? 8883 : 1883);
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  let auth = '';
  if (o.username !== undefined) {
    auth = encodeURIComponent(o.username);
    if (o.password !== undefined) auth += `:${encodeURIComponent(o.password)}`;
    auth += '@';
  }
  return `${scheme}://${auth}${host}:${port}${o.ws ? '/mqtt' : '/'}`;
}
