/**
 * The `mqttloop` command: `mqttloop pub` and `mqttloop sub`, mosquitto_pub / mosquitto_sub
 * work-alikes over MQTTClient. bin/mqttloop.js runs the compiled run().
 *
 * cli/ holds the command: main.ts (this file: the two commands, their output and exit codes),
 * args.ts (the command-line parser) and usage.ts (its text), format.ts (sub -F, with
 * strftime.ts for its @ conversions and cjson.ts for %j), properties.ts (-D) and debug.ts (-d).
 *
 * Exit codes (mosquitto's): 0 done; 1 bad command line (usage printed), connection or publish
 * failure ("Error: ..."); the CONNACK return code when the broker
 * refuses the connection ("Connection error: Connection Refused: not authorised.", exit 5);
 * 27 when `sub -W` times out ("Timed out").
 */
import { readFileSync } from 'node:fs';
import * as readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientError, ConnectError } from '../aio/errors';
import type { ApplicationMessage } from '../aio/message';
import { MQTTClient, MQTTClientConfig } from '../aio/mqttClient';
import { MQTTv5 } from '../constants';
import { ReasonCodes } from '../mqtt5/reasonCodes';
import { SubscribeOptions } from '../mqtt5/subscribeOptions';
import { topicMatchesSub } from '../protocol/topics';
import type { PacketProperties } from '../protocol/types';
import { brokerUri, CliOptions, Command, parseArgs, UsageError } from './args';
import { MosquittoDebugLog } from './debug';
import { now, renderMessage } from './format';
import type { PropertyCommand } from './properties';
import { usage } from './usage';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Where SIGINT/SIGTERM handlers go (default: process); tests pass their own emitter or none. */
  signals?: { on(sig: 'SIGINT' | 'SIGTERM', fn: () => void): unknown; off(sig: 'SIGINT' | 'SIGTERM', fn: () => void): unknown } | null;
}

/** Exit code of `sub -W` running out, as mosquitto_sub. */
export const EXIT_TIMED_OUT = 27;

/** CONNACK's packet type, for its reason code names. */
const CONNACK = 2;

/** Exit code of a command-line mistake, as mosquitto_pub / mosquitto_sub. */
export const EXIT_USAGE = 1;

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === 'help') {
    io.stdout.write(usage());
    return 0;
  }
  if (command !== 'pub' && command !== 'sub') {
    io.stderr.write(command === undefined ? usage() : `Error: unknown command '${command}'.\n\n${usage()}`);
    return EXIT_USAGE;
  }
  let opts: CliOptions;
  try {
    opts = parseArgs(command, rest);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`Error: ${e.message}\n\n${usage(command as Command)}`);
    return EXIT_USAGE;
  }
  if (opts.help) {
    io.stdout.write(usage(command));
    return 0;
  }
  const err = (text: string): void => {
    if (!opts.quiet) io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  const clientId = opts.clientId ?? (opts.idPrefix !== undefined ? `${opts.idPrefix}${process.pid}` : undefined);
  const debug = opts.debug ? new MosquittoDebugLog(io.stderr) : undefined;
  const client = new MQTTClient(clientId, clientConfig(opts, debug));
  if (debug !== undefined) debug.clientId = client.clientId;
  try {
    await client.connect(brokerUri(opts), opts.cleanSession, opts.cafile, opts.capath, null, null, connectProperties(opts));
  } catch (e) {
    const code = reportConnectFailure(e, err, opts.protocol);
    await client.disconnect();
    return code;
  }
  try {
    return command === 'pub' ? await publish(client, opts, io, err) : await subscribe(client, opts, io, err, debug);
  } finally {
    await client.disconnect(v5Properties(opts, 'disconnect'));
  }
}

/** The -D properties of one packet, sent only with MQTT 5 (as mosquitto: a later -V 311 drops them). */
function v5Properties(o: CliOptions, command: PropertyCommand): PacketProperties | null {
  return o.protocol === MQTTv5 ? o.properties[command] ?? null : null;
}

/** CONNECT's MQTT 5 properties: -D connect, and -x's session-expiry-interval. */
function connectProperties(o: CliOptions): PacketProperties | null {
  if (o.protocol !== MQTTv5) return null;
  const props: PacketProperties = { ...o.properties.connect };
  if (o.sessionExpiry !== undefined && o.sessionExpiry > 0) props.SessionExpiryInterval = o.sessionExpiry;
  return Object.keys(props).length > 0 ? props : null;
}

function clientConfig(o: CliOptions, debug: MosquittoDebugLog | undefined): MQTTClientConfig {
  const cfg: MQTTClientConfig = {
    // -k is the keepalive CONNECT carries, as mosquitto_pub's: nothing taken off (pingDelay 0).
    keepAlive: o.keepalive, pingDelay: 0, autoReconnect: false, reconnectRetries: -1, protocol: o.protocol,
    checkHostname: !o.insecure, certfile: o.cert, keyfile: o.key,
  };
  if (o.will) cfg.will = { topic: o.will.topic, message: o.will.payload ?? null, qos: o.will.qos, retain: o.will.retain, properties: v5Properties(o, 'will') };
  if (debug !== undefined) cfg.logger = debug;
  return cfg;
}

function reportConnectFailure(e: unknown, err: (text: string) => void, protocol: number): number {
  if (e instanceof ConnectError && e.returnCode !== undefined) {
    // MQTT 5: mosquitto names the reason code alone ("Connection error: Not authorized").
    const v5Reason = protocol === MQTTv5 && e.returnCode >= 0x80 ? ReasonCodes._received(CONNACK, e.returnCode).getName() : undefined;
    err(`Connection error: ${v5Reason ?? e.message}`);
    return e.returnCode > 0 && e.returnCode < 256 ? e.returnCode : 1;
  }
  err(`Error: ${e instanceof ConnectError && e.cause instanceof Error ? e.cause.message : (e as Error).message}`);
  return 1;
}

// ---- pub ---------------------------------------------------------------------------------------

async function publish(client: MQTTClient, o: CliOptions, io: CliIo, err: (t: string) => void): Promise<number> {
  const topic = o.topics[0];
  const source = o.source!;
  const props = o.protocol === MQTTv5 ? o.properties.publish : undefined;
  const pending: Array<Promise<unknown>> = [];
  const send = (payload: Buffer | string): void => {
    const p = client.publish(topic, payload, o.qos, o.retain, null, props);
    p.catch(() => undefined); // reported below, once
    pending.push(p);
  };
  /**
   * --repeat: the same message N times; as mosquitto_pub, each once the one before has completed
   * its QoS flow, and --repeat-delay seconds after that.
   */
  const repeat = async (payload: Buffer | string): Promise<void> => {
    for (let i = 0; i < o.repeat; i++) {
      if (i > 0) {
        await Promise.all(pending);
        if (o.repeatDelay > 0) await sleep(o.repeatDelay * 1000);
      }
      send(payload);
    }
  };
  try {
    switch (source.kind) {
      case 'm': await repeat(source.message); break;
      case 'n': await repeat(Buffer.alloc(0)); break;
      case 'f': {
        let data: Buffer;
        try {
          data = readFileSync(source.file);
        } catch (e) {
          err(`Error: Unable to read file "${source.file}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
          return 1;
        }
        await repeat(data);
        break;
      }
      case 's': await repeat(await readAll(io.stdin)); break;
      case 'l': {
        const rl = readline.createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
        for await (const line of rl) {
          if (line !== '') send(line);
        }
        break;
      }
    }
    await Promise.all(pending);
  } catch (e) {
    err(`Error: publish failed: ${(e as Error).message}`);
    return 1;
  }
  return 0;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

// ---- sub ---------------------------------------------------------------------------------------

/** -R under MQTT 5 also asks the broker not to send retained messages (retain handling 2), as mosquitto_sub. */
function subscriptionOf(o: CliOptions): number | SubscribeOptions {
  return o.protocol === MQTTv5 && o.noRetained ? new SubscribeOptions(o.qos, false, false, SubscribeOptions.RETAIN_DO_NOT_SEND) : o.qos;
}

/** SUBSCRIBE (all -t in one packet) and one UNSUBSCRIBE per -U, sent together as mosquitto_sub does. */
async function subscribeAll(client: MQTTClient, o: CliOptions, debug: MosquittoDebugLog | undefined): Promise<number[]> {
  const sub = subscriptionOf(o);
  const options = typeof sub === 'number' ? 0 : SubscribeOptions.RETAIN_DO_NOT_SEND << 4; // what mosquitto's -d line shows
  debug?.expectSubscribe(o.topics.map((topic) => ({ topic, qos: o.qos, options })));
  const v5 = o.protocol === MQTTv5;
  const subscribed = client.subscribe(o.topics.map((t) => [t, sub] as [string, number | SubscribeOptions]), v5 ? o.properties.subscribe : null);
  const unsubscribed = o.unsubscribe.map((t) => {
    debug?.expectUnsubscribe([t]);
    return client.unsubscribe(t, v5Properties(o, 'unsubscribe'));
  });
  debug?.holdAfterSuback();
  let codes: number[] | null = null;
  try {
    [codes] = await Promise.all([subscribed, ...unsubscribed]);
    return codes;
  } finally {
    debug?.subscribed(codes);
  }
}

/** What mosquitto_sub prints for a message (nothing for an empty payload without -F or -v). */
function printMessage(m: ApplicationMessage, o: CliOptions, io: CliIo, err: (t: string) => void): void {
  const eol = o.noNewline ? [] : [Buffer.from('\n')];
  if (o.format !== undefined) {
    const r = renderMessage(o.format, { topic: m.topic, payload: m.data, qos: m.qos, retain: m.retain, mid: m.packetId ?? 0, properties: m.properties }, now(), o.pretty);
    for (const e of r.errors) err(e);
    io.stdout.write(Buffer.concat([r.out, ...eol]));
  } else if (o.verbose) {
    if (m.data.length > 0) io.stdout.write(Buffer.concat([Buffer.from(`${m.topic} `), m.data, ...eol]));
    else if (!o.noNewline) io.stdout.write(`${m.topic} (null)\n`);
  } else if (m.data.length > 0) {
    io.stdout.write(Buffer.concat([m.data, ...eol]));
  }
}

async function subscribe(client: MQTTClient, o: CliOptions, io: CliIo, err: (t: string) => void, debug?: MosquittoDebugLog): Promise<number> {
  const codes = await subscribeAll(client, o, debug);
  if (codes.every((c) => c >= 0x80)) {
    err('All subscription requests were denied.');
    return 1;
  }
  if (o.exitAfterSubscribe) return 0;
  let timedOut = false;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    void client.disconnect(v5Properties(o, 'disconnect')); // ends the messages() iteration below
  };
  const timer = o.timeout !== undefined ? setTimeout(() => { timedOut = true; stop(); }, o.timeout * 1000) : undefined;
  const signals = io.signals === undefined ? process : io.signals;
  signals?.on('SIGINT', stop);
  signals?.on('SIGTERM', stop);
  let received = 0;
  try {
    for (;;) {
      try {
        for await (const m of client.messages()) {
          if (o.retainedOnly && !m.retain) return 0;
          if (o.noRetained && m.retain) continue;
          if (o.filterOut.some((f) => topicMatchesSub(f, m.topic))) continue;
          printMessage(m, o, io, err);
          received++;
          if (o.count !== undefined && received >= o.count) return 0;
        }
        break; // disconnect(): a signal or -W
      } catch (e) {
        if (!(e instanceof ClientError) || stopped) throw e;
        // Connection lost: as mosquitto_sub, reconnect (and re-subscribe) until it works.
        err(`Connection lost (${e.message}); reconnecting.`);
        await client.reconnect();
      }
    }
  } catch (e) {
    if (!stopped) {
      err(`Error: ${(e as Error).message}`);
      return 1;
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signals?.off('SIGINT', stop);
    signals?.off('SIGTERM', stop);
  }
  if (timedOut) {
    err('Timed out');
    return EXIT_TIMED_OUT;
  }
  return 0;
}

function defaultIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, signals: process };
}

/** Entry point of the `mqttloop` bin: runs main() on process.argv and sets the exit code. */
export function run(argv: string[] = process.argv.slice(2)): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
      // Everything is closed by now; should a handle linger, do not hang the shell.
      setTimeout(() => process.exit(code), 2000).unref();
    },
    (e: unknown) => {
      process.stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) run();
