/**
 * mqttloop/publish: paho's `publish` module. One-shot publishing: connect, publish, wait
 * until every message has completed its QoS flow, disconnect cleanly.
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
 */
import { checkQos } from '../client/args';
import { closeClient } from '../client/close';
import { PayloadLike, toPayload } from '../client/payload';
import { MQTT_ERR_CONN_LOST, MQTT_ERR_SUCCESS } from '../constants';
import { ValueError } from '../errors';
import { PublishError } from '../message';
import { validateTopicName } from '../protocol/topics';
import { errorString } from '../strings';
import { ClientError } from '../aio/errors';
import { checkKeys, HelperOptions, makeClient, openConnection, target, waitConnack } from './options';

export type { HelperAuth, HelperOptions, HelperTls, HelperWill } from './options';
export { ClientError, ConnectError } from '../aio/errors';

/** A message for multiple(): `{ topic, payload?, qos?, retain? }` or `[topic, payload?, qos?, retain?]`. */
export type PublishMessage =
  | { topic: string; payload?: PayloadLike; qos?: number; retain?: boolean }
  | [string, PayloadLike?, number?, boolean?];

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
}

function normalize(msg: PublishMessage, i: number): Normalized {
  let topic: unknown;
  let payload: PayloadLike;
  let qos: unknown;
  let retain: unknown;
  if (Array.isArray(msg)) {
    [topic, payload, qos, retain] = msg;
  } else if (msg !== null && typeof msg === 'object') {
    if (!('topic' in msg)) throw new ValueError(`msgs[${i}]: the 'topic' key is required`);
    ({ topic, payload, qos, retain } = msg);
  } else {
    throw new ValueError(`msgs[${i}]: must be { topic, payload, qos, retain } or [topic, payload, qos, retain]`);
  }
  validateTopicName(topic as string, `msgs[${i}].topic`);
  return {
    topic: topic as string,
    payload: toPayload(payload, `msgs[${i}].payload`),
    qos: checkQos(qos ?? 0, `msgs[${i}].qos`),
    retain: !!retain,
  };
}

/**
 * Publishes several messages over one connection, then disconnects cleanly (paho's
 * publish.multiple). All are handed to the Client at once (the in-flight window paces
 * QoS 1/2); resolves when every one has completed.
 *
 * @param msgs each `{ topic, payload?, qos?, retain? }` or `[topic, payload?, qos?, retain?]`.
 * @param opts hostname, port, clientId, keepalive, will, auth, tls, protocol, transport, cleanSession, store.
 */
export async function multiple(msgs: Iterable<PublishMessage>, opts: HelperOptions = {}): Promise<void> {
  if (msgs === null || msgs === undefined || typeof (msgs as Iterable<PublishMessage>)[Symbol.iterator] !== 'function') {
    throw new ValueError('msgs: must be a list of messages');
  }
  checkKeys(opts, [], 'multiple');
  const list = [...msgs].map(normalize);
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
  const msg = normalize({ topic, payload, qos, retain }, 0);
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
    const infos = list.map((m) => client.publish(m.topic, m.payload, m.qos, m.retain));
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
