/**
 * MQTTClient's configuration: amqtt's client config keys camelCased (plus a few of
 * mqttloop's own), their defaults and checks, and reading the CA certificates of
 * connect(cafile, capath, cadata). amqtt's own spellings (`keep_alive`, ...) are read
 * by configKeys.ts.
 */
import type { PacketProperties } from '../protocol/types';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../client';
import { checkInt, checkNumber, checkQos } from '../client/args';
import { checkJitter, Jitter } from '../client/backoff';
import type { PayloadLike } from '../client/payload';
import { MQTTv31, MQTTv311, MQTTv5 } from '../constants';
import { ValueError } from '../errors';
import { validateTopicName } from '../protocol/topics';
import type { OutgoingStore } from '../store/types';

/** The will, as amqtt's config: `{ topic, message, qos, retain }`, plus MQTT 5 `properties`. */
export interface MQTTClientWill {
  /** Topic of the will. */
  topic: string;
  /** Payload of the will (default empty). */
  message?: PayloadLike;
  /** QoS of the will (default 0). */
  qos?: number;
  /** Publish the will retained (default false). */
  retain?: boolean;
  /**
   * MQTT 5 will properties (PacketTypes.WILLMESSAGE: e.g. WillDelayInterval, MessageExpiryInterval,
   * ContentType, UserProperty); with MQTT 3.x a ValueError.
   */
  properties?: PacketProperties | null;
}

/** Default broker, as amqtt's `broker` config section. */
export interface MQTTClientBroker {
  /** Broker URI connect() uses when given none: `mqtt://`, `mqtts://`, `ws://` or `wss://`. */
  uri?: string;
  /** CA certificate file (PEM) to verify the broker with (mqtts/wss). */
  cafile?: string;
  /** A directory of CA certificate files (PEM); every file holding a certificate is read. */
  capath?: string;
  /** CA certificate(s) as PEM text. */
  cadata?: string;
  /** The client certificate, as the top-level `certfile` (amqtt ≥ 0.11 puts it here). */
  certfile?: string;
  /** The client private key, as the top-level `keyfile`. */
  keyfile?: string;
}

/** Per-topic publish defaults, as amqtt's `topics` section: `{ 'a/b': { qos: 1, retain: true } }`. */
export interface MQTTClientTopic {
  /** QoS of publish() to this topic when none is given. */
  qos?: number;
  /** Retain flag of publish() to this topic when none is given. */
  retain?: boolean;
}

/**
 * MQTTClient configuration: amqtt's client config keys, camelCased, and a few of mqttloop's
 * own (marked). Every key is optional. amqtt's own spellings are accepted too (`keep_alive`,
 * `ping_delay`, `default_qos`, `default_retain`, `auto_reconnect`, `reconnect_max_interval`,
 * `reconnect_retries`, `connection_timeout`, `check_hostname`, `verify_cert`, and `connection`
 * for `broker`), so a ported config dict can be passed as it is.
 */
export interface MQTTClientConfig {
  /** Keepalive in seconds (default 10, as amqtt); CONNECT carries `keepAlive - pingDelay`, as amqtt's does. 0: no keepalive. */
  keepAlive?: number;
  /**
   * Seconds taken off `keepAlive` (default 1, as amqtt): the keepalive sent in CONNECT, and so
   * the idle time after which the client pings, is `keepAlive - pingDelay` (amqtt's code), so
   * the ping goes out well before the broker's deadline. Ignored when `keepAlive` is 0.
   */
  pingDelay?: number;
  /** QoS of publish() when none is given (default 0). */
  defaultQos?: number;
  /** Retain flag of publish() when none is given (default false). */
  defaultRetain?: boolean;
  /** Reconnect when the connection is lost, and retry a failed connect() (default true, as amqtt). */
  autoReconnect?: boolean;
  /** Longest wait between reconnection attempts, in seconds (default 10). */
  reconnectMaxInterval?: number;
  /** Retries after the first failed attempt; negative: retry forever (default 2). */
  reconnectRetries?: number;
  /**
   * mqttloop: how each backoff wait is spread, as the Client's reconnectDelaySet(): 'none'
   * (default: amqtt's exact waits), 'full' (uniform in [0, wait]: a fleet cut off together does
   * not come back together) or 'equal' (wait/2 + uniform in [0, wait/2]).
   */
  reconnectJitter?: Jitter;
  /** Clean session flag of CONNECT (default true). */
  cleansession?: boolean;
  /** The will the client connects with (amqtt's `will` section). */
  will?: MQTTClientWill;
  /** The default broker and its TLS files (amqtt's `broker` section). */
  broker?: MQTTClientBroker;
  /** Client certificate (PEM file), for brokers that authenticate clients by certificate. */
  certfile?: string;
  /** Client private key (PEM file). */
  keyfile?: string;
  /** false: do not check that the broker's certificate names its host (the chain is still verified). Default true. */
  checkHostname?: boolean;
  /** false: do not verify the broker's certificate at all (amqtt ≥ 0.11; needs `checkHostname: false`, as Python's ssl). Default true. */
  verifyCert?: boolean;
  /** Per-topic defaults of publish() when it is given no qos / retain (amqtt's `topics`); they win over defaultQos/defaultRetain. */
  topics?: Record<string, MQTTClientTopic>;
  /** Seconds to wait for the connection and the CONNACK (default: keepAlive). */
  connectionTimeout?: number;
  /** mqttloop: MQTTv311 (default), MQTTv31 or MQTTv5. */
  protocol?: number;
  /** mqttloop: outgoing-message store for the Client (default: in memory). */
  store?: OutgoingStore;
  /**
   * mqttloop: most QoS 1/2 publishes in flight at once (the Client's window; 0 = no limit).
   * Default 20, paho's default and mosquitto's `max_inflight_messages`: concurrent publish()
   * calls overlap, 20 on the wire at a time, the rest wait their turn in the Client's queue
   * and go out as acknowledgements come back. amqtt has no window, but a larger one is not
   * safe by default: mosquitto 2.0 answers QoS 2 PUBLISHes beyond its quota with a PUBREC
   * that, on MQTT 3.1.1, cannot carry its "quota exceeded" code, and drops the message.
   * MQTT 5 brokers' Receive Maximum is honoured whatever this says.
   */
  maxInflightMessages?: number;
  /**
   * mqttloop: most received messages held for deliverMessage()/messages() (default 10000).
   * When full, the client stops taking messages from the connection (their QoS 1/2 acks wait
   * too, and the socket is no longer read, so TCP slows the broker) until a reader takes some:
   * backpressure, nothing is dropped.
   */
  maxBufferedMessages?: number;
  /** mqttloop: a logger (console, pino, ...) for the Client's and MQTTClient's log lines. */
  logger?: Logger;
  /** mqttloop, MQTT 5: CONNECT properties (a Properties of PacketTypes.CONNECT), sent on every attempt; connect()'s `properties` argument wins. */
  connectProperties?: PacketProperties;
}

/** amqtt's defaults (keepAlive 10, autoReconnect on, 2 retries, at most 10 s apart) and mqttloop's. */
export const DEFAULTS = {
  keepAlive: 10, pingDelay: 1, defaultQos: 0, defaultRetain: false, autoReconnect: true, reconnectMaxInterval: 10,
  reconnectRetries: 2, cleansession: true, maxInflightMessages: 20, maxBufferedMessages: 10_000,
};

/** The configuration in force: defaults filled in. */
export type ResolvedConfig = MQTTClientConfig & typeof DEFAULTS;

export function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

export function checkConfig<T extends MQTTClientConfig & typeof DEFAULTS>(c: T): T {
  if (typeof c !== 'object' || c === null) throw new ValueError('config: must be an object');
  checkInt(c.keepAlive, 'keepAlive', 0, 65535);
  checkInt(c.pingDelay, 'pingDelay', 0, 65535);
  // keepAlive - pingDelay goes in CONNECT: 0 there would turn the keepalive off without a word.
  if (c.keepAlive > 0 && c.pingDelay >= c.keepAlive) {
    throw new ValueError(`pingDelay: must be less than keepAlive (${c.keepAlive}): CONNECT carries keepAlive - pingDelay, got ${c.pingDelay} (give pingDelay: 0 to send keepAlive as it is)`);
  }
  if (c.verifyCert === false && c.checkHostname !== false) {
    throw new ValueError('verifyCert: false needs checkHostname: false too (as Python\'s ssl: no host name check without a verified certificate)');
  }
  for (const [topic, t] of Object.entries(c.topics ?? {})) {
    validateTopicName(topic, `topics['${topic}']`);
    if (t.qos !== undefined && t.qos !== null) checkQos(t.qos, `topics['${topic}'].qos`);
  }
  checkQos(c.defaultQos, 'defaultQos');
  checkNumber(c.reconnectMaxInterval, 'reconnectMaxInterval', 0);
  if (c.reconnectJitter !== undefined) checkJitter(c.reconnectJitter, 'reconnectJitter');
  if (typeof c.reconnectRetries !== 'number' || !Number.isInteger(c.reconnectRetries)) {
    throw new ValueError(`reconnectRetries: must be an integer (negative: retry forever), got ${String(c.reconnectRetries)}`);
  }
  checkInt(c.maxInflightMessages, 'maxInflightMessages', 0, 65535);
  checkInt(c.maxBufferedMessages, 'maxBufferedMessages', 1, Number.MAX_SAFE_INTEGER);
  if (c.connectionTimeout !== undefined) checkNumber(c.connectionTimeout, 'connectionTimeout', 0);
  if (c.protocol !== undefined && c.protocol !== MQTTv31 && c.protocol !== MQTTv311 && c.protocol !== MQTTv5) {
    throw new ValueError(`protocol: must be MQTTv31 (3), MQTTv311 (4) or MQTTv5 (5), got ${String(c.protocol)}`);
  }
  if (c.will !== undefined) {
    if (typeof c.will !== 'object' || c.will === null || typeof c.will.topic !== 'string') {
      throw new ValueError('will: must be { topic, message?, qos?, retain? }');
    }
    validateTopicName(c.will.topic, 'will.topic');
    checkQos(c.will.qos ?? 0, 'will.qos');
    if (c.will.properties !== undefined && c.will.properties !== null && c.protocol !== MQTTv5) {
      throw new ValueError('will.properties: MQTT 5 only; this client uses MQTT 3.1/3.1.1 (protocol option)');
    }
  }
  return c;
}

/** The keepalive CONNECT carries: amqtt's `keep_alive - ping_delay` (0 stays 0: no keepalive). */
export function connectKeepalive(c: ResolvedConfig): number {
  return c.keepAlive === 0 ? 0 : c.keepAlive - c.pingDelay;
}

/** publish()'s qos and retain when it is given none: the topic's entry in `topics`, else defaultQos / defaultRetain. */
export function publishDefaults(c: ResolvedConfig, topic: string): { qos: number; retain: boolean } {
  const t = c.topics?.[topic];
  return { qos: t?.qos ?? c.defaultQos, retain: t?.retain ?? c.defaultRetain };
}

/** The CA certificates for mqtts/wss from cafile, capath (every file holding a PEM certificate) and cadata; undefined: the system CAs. */
export function readCa(cafile?: string | null, capath?: string | null, cadata?: string | null): Buffer | undefined {
  const parts: Buffer[] = [];
  const read = (file: string, arg: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new ValueError(`${arg}: cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
  };
  if (cafile) parts.push(read(cafile, 'cafile'));
  if (capath) {
    let names: string[];
    try {
      names = readdirSync(capath);
    } catch (e) {
      throw new ValueError(`capath: cannot read directory '${capath}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
    for (const name of names.sort()) {
      const file = join(capath, name);
      try {
        if (!statSync(file).isFile()) continue;
      } catch {
        continue;
      }
      const pem = read(file, 'capath');
      if (pem.includes('-----BEGIN CERTIFICATE-----') || pem.includes('-----BEGIN TRUSTED CERTIFICATE-----')) parts.push(pem);
    }
    if (parts.length === 0 && !cadata) throw new ValueError(`capath: no PEM certificate in '${capath}'`);
  }
  if (cadata) parts.push(Buffer.from(cadata));
  if (parts.length === 0) return undefined;
  return Buffer.concat(parts.flatMap((p) => [p, Buffer.from('\n')]));
}
