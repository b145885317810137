/** Argument checks for the Client's public methods: each failure is a ValueError naming the argument. */
import { randomBytes } from 'node:crypto';
import { ValueError } from '../errors';
import { validateTopicFilter } from '../protocol/topics';
import type { QoS, Subscription } from '../protocol/types';
import { SubscribeOptions } from '../mqtt5/subscribeOptions';

export function checkQos(qos: unknown, argName = 'qos'): QoS {
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new ValueError(`${argName}: must be 0, 1 or 2, got ${String(qos)}`);
  return qos;
}

export function checkInt(value: unknown, argName: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValueError(`${argName}: must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

export function checkNumber(value: unknown, argName: string, min: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw new ValueError(`${argName}: must be a number >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** One subscription from a filter and a QoS or (MQTT 5) SubscribeOptions. */
function subscription(topic: unknown, q: unknown, topicArg: string, qosArg: string, v5: boolean): Subscription {
  validateTopicFilter(topic as string, topicArg);
  if (q instanceof SubscribeOptions) {
    if (!v5) throw new ValueError(`${qosArg}: SubscribeOptions are MQTT 5 only; give a QoS number with MQTT 3.1/3.1.1`);
    return { topic: topic as string, qos: q.QoS, noLocal: q.noLocal, retainAsPublished: q.retainAsPublished, retainHandling: q.retainHandling };
  }
  return { topic: topic as string, qos: checkQos(q, qosArg) };
}

/**
 * paho's subscribe() forms: 'a/b' with `qos`; ['a/b', 1]; [['a/b', 0], ['c/#', 2]]. With
 * MQTT 5 (`v5`) a SubscribeOptions may stand wherever a QoS does.
 * Returns the subscriptions, every filter and QoS checked.
 */
export function normalizeSubscriptions(topic: unknown, qos: unknown, v5 = false): Subscription[] {
  if (typeof topic === 'string') return [subscription(topic, qos, 'topic', 'qos', v5)];
  if (!Array.isArray(topic)) throw new ValueError(`topic: must be a string, [topic, qos] or a list of them, got ${typeof topic}`);
  if (topic.length === 2 && typeof topic[0] === 'string' && !Array.isArray(topic[1])) {
    return [subscription(topic[0], topic[1], 'topic', `qos of '${topic[0]}'`, v5)];
  }
  if (topic.length === 0) throw new ValueError('topic: the list of subscriptions is empty');
  return topic.map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2) throw new ValueError(`topic[${i}]: must be a [topic, qos] pair`);
    return subscription(entry[0], entry[1], `topic[${i}]`, `topic[${i}] qos`, v5);
  });
}

export function normalizeUnsubscribe(topic: unknown): string[] {
  if (typeof topic === 'string') {
    validateTopicFilter(topic, 'topic');
    return [topic];
  }
  if (!Array.isArray(topic) || topic.length === 0) throw new ValueError('topic: must be a topic filter or a non-empty list of them');
  topic.forEach((t, i) => validateTopicFilter(t, `topic[${i}]`));
  return topic as string[];
}

const BASE62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * A random client id for MQTTClient (amqtt generates its own ids, never an empty one):
 * 'mqttloop-' and 13 base-62 characters, 22 in all.
 */
export function randomClientId(): string {
  return 'mqttloop-' + generatedClientId().slice(-13);
}

/**
 * The id the Client generates on MQTT 3.1 when given none (3.1 forbids an empty one), and on
 * 3.1.1 when the broker rejects the empty one: 22 characters of [0-9a-zA-Z], paho's form (a
 * random 128-bit number in base 62), within the 1-23 characters of that set every broker must
 * accept [MQTT-3.1.3-5].
 */
export function generatedClientId(): string {
  let n = BigInt('0x' + randomBytes(16).toString('hex'));
  let id = '';
  for (let i = 0; i < 22; i++) {
    id = BASE62[Number(n % 62n)] + id;
    n /= 62n;
  }
  return id;
}
