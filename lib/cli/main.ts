/**
 * The `mqttloop` command: `mqttloop pub` and `mqttloop sub`, mosquitto_pub / mosquitto_sub
 * work-alikes over MQTTClient. bin/mqttloop.js runs the compiled run().
 *
 * cli/ holds the command: main.ts (this file: the two commands, their output and exit codes)
 * and args.ts (the command-line parser and usage text).
 *
 * Exit codes (mosquitto's where there is one): 0 done; 1 connection or publish failure
 * ("Error: ..."); 2 bad command line (usage printed); the CONNACK return code when the broker
 * refuses the connection ("Connection error: Connection Refused: not authorised.", exit 5);
 * 27 when `sub -W` times out ("Timed out").
 */
import { readFileSync } from 'node:fs';
import * as readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ClientError, ConnectError } from '../aio/errors';
import { MQTTClient, MQTTClientConfig } from '../aio/mqttClient';
import type { Logger } from '../client';
import { brokerUri, CliOptions, Command, parseArgs, usage, UsageError } from './args';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Where SIGINT/SIGTERM handlers go (default: process); tests pass their own emitter or none. */
  signals?: { on(sig: 'SIGINT' | 'SIGTERM', fn: () => void): unknown; off(sig: 'SIGINT' | 'SIGTERM', fn: () => void): unknown } | null;
}

/** Exit code of `sub -W` running out, as mosquitto_sub. */
export const EXIT_TIMED_OUT = 27;

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === 'help') {
    io.stdout.write(usage());
    return 0;
  }
  if (command !== 'pub' && command !== 'sub') {
    io.stderr.write(command === undefined ? usage() : `Error: unknown command '${command}'.\n\n${usage()}`);
    return 2;
  }
  let opts: CliOptions;
  try {
    opts = parseArgs(command, rest);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`Error: ${e.message}\n\n${usage(command as Command)}`);
    return 2;
  }
  if (opts.help) {
    io.stdout.write(usage(command));
    return 0;
  }
  const err = (text: string): void => {
    if (!opts.quiet) io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  const client = new MQTTClient(opts.clientId ?? (opts.idPrefix !== undefined ? `${opts.idPrefix}${process.pid}` : undefined), clientConfig(opts, io));
  try {
    await client.connect(brokerUri(opts), opts.cleanSession, opts.cafile, opts.capath);
  } catch (e) {
    const code = reportConnectFailure(e, err);
    await client.disconnect();
    return code;
  }
  try {
    return command === 'pub' ? await publish(client, opts, io, err) : await subscribe(client, opts, io, err);
  } finally {
    await client.disconnect();
  }
}

function clientConfig(o: CliOptions, io: CliIo): MQTTClientConfig {
  const cfg: MQTTClientConfig = {
    // -k is the keepalive CONNECT carries, as mosquitto_pub's: nothing taken off (pingDelay 0).
    keepAlive: o.keepalive, pingDelay: 0, autoReconnect: false, reconnectRetries: -1, protocol: o.protocol,
    checkHostname: !o.insecure, certfile: o.cert, keyfile: o.key,
  };
  if (o.will) cfg.will = { topic: o.will.topic, message: o.will.payload ?? null, qos: o.will.qos, retain: o.will.retain };
  if (o.debug) cfg.logger = stderrLogger(io.stderr);
  return cfg;
}

function stderrLogger(out: Writable): Logger {
  const line = (...args: unknown[]): void => {
    out.write(`${args.map(String).join(' ')}\n`);
  };
  return { debug: line, info: line, warn: line, error: line };
}

function reportConnectFailure(e: unknown, err: (text: string) => void): number {
  if (e instanceof ConnectError && e.returnCode !== undefined) {
    err(`Connection error: ${e.message}`);
    return e.returnCode > 0 && e.returnCode < 256 ? e.returnCode : 1;
  }
  err(`Error: ${e instanceof ConnectError && e.cause instanceof Error ? e.cause.message : (e as Error).message}`);
  return 1;
}

// ---- pub ---------------------------------------------------------------------------------------

async function publish(client: MQTTClient, o: CliOptions, io: CliIo, err: (t: string) => void): Promise<number> {
  const topic = o.topics[0];
  const source = o.source!;
  const pending: Array<Promise<unknown>> = [];
  const send = (payload: Buffer | string): void => {
    const p = client.publish(topic, payload, o.qos, o.retain);
    p.catch(() => undefined); // reported below, once
    pending.push(p);
  };
  try {
    switch (source.kind) {
      case 'm': send(source.message); break;
      case 'n': send(Buffer.alloc(0)); break;
      case 'f': {
        let data: Buffer;
        try {
          data = readFileSync(source.file);
        } catch (e) {
          err(`Error: Unable to read file "${source.file}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
          return 1;
        }
        send(data);
        break;
      }
      case 's': send(await readAll(io.stdin)); break;
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

async function subscribe(client: MQTTClient, o: CliOptions, io: CliIo, err: (t: string) => void): Promise<number> {
  const codes = await client.subscribe(o.topics.map((t) => [t, o.qos] as [string, number]));
  if (codes.every((c) => c >= 0x80)) {
    err('All subscription requests were denied.');
    return 1;
  }
  let timedOut = false;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    void client.disconnect(); // ends the messages() iteration below
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
          if (o.noRetained && m.retain) continue;
          const parts: Buffer[] = [];
          if (o.verbose) parts.push(Buffer.from(`${m.topic} `));
          parts.push(m.data);
          if (!o.noNewline) parts.push(Buffer.from('\n'));
          io.stdout.write(Buffer.concat(parts));
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
