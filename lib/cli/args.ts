/**
 * Command-line parsing for `mqttloop pub` / `mqttloop sub`, by hand (no dependency), with
 * mosquitto_pub / mosquitto_sub's flags where they overlap. A mistake throws UsageError; the
 * caller prints it with the usage text and exits 2.
 */
import { parseBrokerUri } from '../transport/uri';
import { MQTTv31, MQTTv311, MQTTv5 } from '../constants';
import { ValueError } from '../errors';

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
  // pub
  /** Where the payload comes from: -m, -f, -l, -n, -s. */
  source?: { kind: 'm'; message: string } | { kind: 'f'; file: string } | { kind: 'l' } | { kind: 'n' } | { kind: 's' };
  retain: boolean;
  // sub
  count?: number;
  verbose: boolean;
  noRetained: boolean;
  timeout?: number;
  noNewline: boolean;
}

/** Flags taking a value, and the commands they belong to. */
const VALUE_FLAGS: Record<string, Command[]> = {
  '-h': ['pub', 'sub'], '-p': ['pub', 'sub'], '-t': ['pub', 'sub'], '-q': ['pub', 'sub'], '-i': ['pub', 'sub'],
  '-I': ['pub', 'sub'], '-u': ['pub', 'sub'], '-P': ['pub', 'sub'], '-k': ['pub', 'sub'], '-V': ['pub', 'sub'],
  '-L': ['pub', 'sub'], '--cafile': ['pub', 'sub'], '--capath': ['pub', 'sub'], '--cert': ['pub', 'sub'],
  '--key': ['pub', 'sub'], '--will-topic': ['pub', 'sub'], '--will-payload': ['pub', 'sub'], '--will-qos': ['pub', 'sub'],
  '-m': ['pub'], '-f': ['pub'], '-C': ['sub'], '-W': ['sub'],
};
const BOOL_FLAGS: Record<string, Command[]> = {
  '-c': ['pub', 'sub'], '-d': ['pub', 'sub'], '--insecure': ['pub', 'sub'], '--ws': ['pub', 'sub'], '--quiet': ['pub', 'sub'],
  '--help': ['pub', 'sub'], '--will-retain': ['pub', 'sub'],
  '-l': ['pub'], '-n': ['pub'], '-s': ['pub'], '-r': ['pub'],
  '-v': ['sub'], '-R': ['sub'], '-N': ['sub'],
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
    noNewline: false,
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
    const flag = argv[i];
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
  if (!o.cleanSession && (o.clientId === undefined || o.clientId === '')) {
    throw new UsageError('You must provide a client id with -i if you are using the -c option.');
  }
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

export function usage(command?: Command): string {
  const common = [
    ' -h : mqtt host to connect to. Defaults to localhost.',
    ' -p : network port to connect to. Defaults to 1883 for plain MQTT and 8883 for MQTT over TLS',
    '      (80 / 443 with --ws).',
    ' -t : mqtt topic' + (command === 'sub' ? ' to subscribe to. May be repeated.' : ' to publish to.'),
    ' -q : quality of service level to use. Defaults to 0.',
    ' -i : id to use for this client. Defaults to a random id.',
    ' -I : define the client id as id_prefix appended with the process id.',
    ' -u : provide a username.',
    ' -P : provide a password.',
    ' -k : keep alive in seconds for this client. Defaults to 60.',
    ' -c : disable clean session/enable persistent client mode (needs -i).',
    ' -V : MQTT protocol version: mqttv5, mqttv311 or mqttv31. Defaults to mqttv311.',
    ' -L : user, password, host, port and topic as a URL: mqtt(s)://[username[:password]@]host[:port]/topic',
    ' -d : enable debug messages (on stderr).',
    ' --cafile : path to a file of trusted CA certificates (turns TLS on).',
    ' --capath : path to a directory of trusted CA certificates (turns TLS on).',
    ' --cert : client certificate for authentication, with --key.',
    ' --key : client private key for authentication, with --cert.',
    ' --insecure : do not check that the server certificate hostname matches the remote hostname.',
    ' --ws : connect over WebSockets (ws://, or wss:// with TLS), path /mqtt.',
    ' --will-topic, --will-payload, --will-qos, --will-retain : the client Will.',
    " --quiet : don't print error messages.",
    ' --help : display this message.',
  ];
  const pub = [
    'mqttloop pub: publish a message on a topic and exit.',
    '',
    'Usage: mqttloop pub {[-h host] [-p port] [-u username] [-P password] -t topic | -L URL}',
    '                    {-f file | -l | -n | -m message | -s}',
    '                    [-c] [-k keepalive] [-q qos] [-r] [-i id] [-I id_prefix] [-V version]',
    '                    [--cafile file | --capath dir] [--cert file --key file] [--insecure] [--ws]',
    '                    [-d] [--quiet] [--will-topic topic [--will-payload payload] [--will-qos qos] [--will-retain]]',
    '',
    ' -m : message payload to send.',
    ' -f : send the contents of a file as the message.',
    ' -l : read messages from stdin, sending a separate message for each line (blank lines are skipped).',
    ' -n : send a null (zero length) message.',
    ' -s : read message from stdin, sending the entire input as a message.',
    ' -r : message should be retained.',
    ...common,
  ];
  const sub = [
    'mqttloop sub: subscribe to topics and print the messages received.',
    '',
    'Usage: mqttloop sub {[-h host] [-p port] [-u username] [-P password] -t topic ... | -L URL [-t topic]}',
    '                    [-c] [-k keepalive] [-q qos] [-C msg_count] [-R] [-W timeout_secs] [-N] [-v]',
    '                    [-i id] [-I id_prefix] [-V version]',
    '                    [--cafile file | --capath dir] [--cert file --key file] [--insecure] [--ws]',
    '                    [-d] [--quiet] [--will-topic topic [--will-payload payload] [--will-qos qos] [--will-retain]]',
    '',
    ' -C : disconnect and exit after receiving the msg_count messages.',
    ' -v : print published messages verbosely: "topic payload".',
    ' -R : do not print stale messages (those with retain set).',
    ' -W : stop and exit (code 27) if no -C count was reached after this many seconds.',
    ' -N : do not add an end of line character when printing the payload.',
    ...common,
  ];
  if (command === 'pub') return pub.join('\n') + '\n';
  if (command === 'sub') return sub.join('\n') + '\n';
  return [
    'mqttloop: MQTT command line client.',
    '',
    'Usage: mqttloop pub [options]   publish a message (see mqttloop pub --help)',
    '       mqttloop sub [options]   subscribe and print messages (see mqttloop sub --help)',
    '',
  ].join('\n');
}
