/**
 * mqttloop/publish: paho's `publish` module. One-shot publishing: connect, publish, wait
 * until every message has completed its QoS flow, disconnect cleanly.
 *
 * helpers/ holds paho's two one-shot modules, each over Client's public API: publish.ts (this
 * file), subscribe.ts (mqttloop/subscribe), and options.ts, the options both take and the
 * Client they build from them.
 *
 * ```ts
 * import { single, multiple } from 'mqttloop/publish';
 * await single('paho/test/single', 'payload', { hostname: 'localhost', qos: 1 });
 * await multiple([{ topic: 'paho/test/multiple', payload: 'multiple 1' },
 *                 ['paho/test/multiple', 'multiple 2', 0, false]], { hostname: 'localhost' });
 * ```
 *
 * The promise resolves once the broker has acknowledged every message (QoS 0: once written)
 * and the connection is closed. It rejects with ConnectError when the connection cannot be
 * made or the broker refuses it (the message is the CONNACK reason in paho's words,
 * `returnCode` the code), with ClientError when the connection is lost before every message
 * is through (no silent partial success), and with ValueError for bad arguments, before
 * connecting.
 *
 * @module mqttloop/publish
 */
import { checkQos } from '../client/args';
import { closeClient } from '../client/close';
import { PayloadLike, toPayload } from '../client/payload';
import { MQTT_ERR_CONN_LOST, MQTT_ERR_SUCCESS, MQTTv5 } from '../constants';
import { ValueError } from '../errors';
import { PublishError } from '../message';
import { validateTopicName } from '../protocol/topics';
import { errorString } from '../strings';
import { PacketTypes } from '../mqtt5/packetTypes';
import { Properties } from '../mqtt5/properties';
import type { PacketProperties } from '../protocol/types';
import { ClientError } from '../aio/errors';
import { checkKeys, HelperOptions, makeClient, openConnection, target, waitConnack } from './options';

export type { HelperAuth, HelperOptions, HelperTls, HelperWill } from './options';
export { ClientError, ConnectError } from '../aio/errors';

/** A message for multiple() as a dict (paho's form): only `topic` is required. */
export interface PublishMessageDict {
  /** Topic to publish to. */
  topic: string;
  /** Payload (default empty). */
  payload?: PayloadLike;
  /** QoS (default 0). */
  qos?: number;
  /** Retain flag (default false). */
  retain?: boolean;
  /** MQTT 5: the message's properties (a Properties of PacketTypes.PUBLISH). */
  properties?: PacketProperties;
}

/** A message for multiple() as a tuple (paho's form): publish()'s arguments in its order. */
export type PublishMessageTuple = readonly [topic: string, payload?: PayloadLike, qos?: number, retain?: boolean, properties?: PacketProperties];

/**
 * The tuple form as TypeScript infers an array literal outside a call (`const m = [t, 'x', 1, true]`
 * is `(string | number | boolean)[]`): taken as the tuple, each item checked at the call.
 */
export type PublishMessageArray = readonly (PayloadLike | boolean | PacketProperties)[];

/** A message for multiple(): `{ topic, payload?, qos?, retain?, properties? }` or `[topic, payload?, qos?, retain?, properties?]`. */
export type PublishMessage = PublishMessageDict | PublishMessageTuple | PublishMessageArray;

/** Options of single(): the common ones plus the message's `qos` and `retain`. */
export interface SingleOptions extends HelperOptions {
  /** QoS of the message (default 0). */
  qos?: number;
  /** Retain flag of the message (default false). */
  retain?: boolean;
}

interface Normalized {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties: PacketProperties | undefined;
}

const DICT_KEYS = ['topic', 'payload', 'qos', 'retain', 'properties'];

/** One message of multiple(), checked as paho's publish(**msg) / publish(*msg) would take it (properties as the Client's publish() takes them). */
function normalize(msg: PublishMessage, i: number, v5: boolean): Normalized {
  let topic: unknown;
  let payload: unknown;
  let qos: unknown;
  let retain: unknown;
  let properties: unknown;
  if (Array.isArray(msg)) {
    if (msg.length < 1 || msg.length > 5) {
      throw new ValueError(`msgs[${i}]: a message tuple has 1 to 5 items [topic, payload, qos, retain, properties], got ${msg.length}`);
    }
    [topic, payload, qos, retain, properties] = msg;
  } else if (msg !== null && typeof msg === 'object') {
    if (!('topic' in msg)) throw new ValueError(`msgs[${i}]: the 'topic' key is required`);
    const unknown = Object.keys(msg).find((k) => !DICT_KEYS.includes(k));
    if (unknown !== undefined) throw new ValueError(`msgs[${i}]: unknown key '${unknown}'; the keys are ${DICT_KEYS.join(', ')}`);
    ({ topic, payload, qos, retain, properties } = msg as PublishMessageDict);
  } else {
    throw new ValueError(`msgs[${i}]: must be { topic, payload, qos, retain, properties } or [topic, payload, qos, retain, properties]`);
  }
  validateTopicName(topic as string, `msgs[${i}].topic`);
  return {
    topic: topic as string,
    payload: toPayload(payload as PayloadLike, `msgs[${i}].payload`),
    qos: checkQos(qos ?? 0, `msgs[${i}].qos`),
    retain: !!retain,
    properties: checkMessageProperties(properties, v5, `msgs[${i}].properties`),
  };
}

/** A message's properties: MQTT 5 only (empty ones are dropped), as the Client's publish() checks them. */
function checkMessageProperties(props: unknown, v5: boolean, argName: string): PacketProperties | undefined {
  if (props === undefined || props === null) return undefined;
  if (!v5) {
    if (props instanceof Properties && props.isEmpty()) return undefined;
    throw new ValueError(`${argName}: MQTT 5 only; this connection uses MQTT 3.1/3.1.1 (protocol option)`);
  }
  return Properties._from(props, PacketTypes.PUBLISH, argName);
}

/**
 * Publishes several messages over one connection, then disconnects cleanly (paho's
 * publish.multiple). All are handed to the Client at once (the in-flight window paces
 * QoS 1/2); resolves when every one has completed.
 *
 * @param msgs each `{ topic, payload?, qos?, retain?, properties? }` or `[topic, payload?, qos?, retain?, properties?]`.
 * @param opts hostname, port, clientId, keepalive, will, auth, tls, protocol, transport, cleanSession, store.
 */
export async function multiple(msgs: Iterable<PublishMessage>, opts: HelperOptions = {}): Promise<void> {
  if (msgs === null || msgs === undefined || typeof (msgs as Iterable<PublishMessage>)[Symbol.iterator] !== 'function') {
    throw new ValueError('msgs: must be a list of messages');
  }
  checkKeys(opts, [], 'multiple');
  const list = [...msgs].map((m, i) => normalize(m, i, opts.protocol === MQTTv5));
  if (list.length === 0) throw new ValueError('msgs: is empty (nothing to publish)'); // as paho 2.x
  await publishAll(list, opts);
}

/**
 * Publishes one message, then disconnects cleanly (paho's publish.single).
 *
 * @param topic the only required argument.
 * @param payload string, Buffer, number or null/undefined (an empty payload).
 * @param opts `qos`, `retain`, and hostname, port, clientId, keepalive, will, auth, tls,
 *   protocol, transport, cleanSession, store.
 */
export async function single(topic: string, payload?: PayloadLike, opts: SingleOptions = {}): Promise<void> {
  checkKeys(opts, ['qos', 'retain'], 'single');
  const { qos, retain, ...rest } = opts;
  const msg = normalize({ topic, payload, qos, retain }, 0, false);
  await publishAll([msg], rest);
}

async function publishAll(list: Normalized[], opts: HelperOptions): Promise<void> {
  const { host, port, keepalive } = target(opts);
  const client = makeClient(opts, null, false);
  client.loopStart();
  try {
    const acked = waitConnack(client, host, port, opts.protocol);
    acked.catch(() => undefined);
    await openConnection(client, host, port, keepalive);
    await acked;
    const infos = list.map((m) => client.publish(m.topic, m.payload, m.qos, m.retain, m.properties));
    const refused = infos.find((info) => info.rc !== MQTT_ERR_SUCCESS);
    if (refused) throw new ClientError(`publish: ${errorString(refused.rc)}`, { rc: refused.rc });
    // With cleanSession false the Client keeps unacknowledged messages for a later session
    // instead of failing them: a lost connection must end the wait here.
    let onLost: () => void = () => undefined;
    const lost = new Promise<never>((_, reject) => {
      onLost = () => reject(new ClientError('connection lost before every message was published', { rc: MQTT_ERR_CONN_LOST }));
      client.on('disconnect', onLost);
    });
    lost.catch(() => undefined);
    try {
      await Promise.race([Promise.all(infos.map((info) => info.waitForPublish())), lost]);
    } catch (e) {
      if (e instanceof PublishError) throw new ClientError(`message ${e.mid} was not published: ${errorString(e.rc)}`, { cause: e, rc: e.rc });
      throw e;
    } finally {
      client.off('disconnect', onLost);
    }
  } finally {
    await closeClient(client);
  }
}
