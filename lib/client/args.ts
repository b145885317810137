/** Argument checks for the Client's public methods: each failure is a ValueError naming the argument. */
import { randomBytes } from 'node:crypto';
import { ValueError } from '../errors';
import { validateTopicFilter } from '../protocol/topics';
import type { QoS, Subscription } from '../protocol/types';

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

/**
 * paho's subscribe() forms: 'a/b' with `qos`; ['a/b', 1]; [['a/b', 0], ['c/#', 2]].
 * Returns the subscriptions, every filter and QoS checked.
 */
export function normalizeSubscriptions(topic: unknown, qos: unknown): Subscription[] {
  if (typeof topic === 'string') {
    validateTopicFilter(topic, 'topic');
    return [{ topic, qos: checkQos(qos) }];
  }
  if (!Array.isArray(topic)) throw new ValueError(`topic: must be a string, [topic, qos] or a list of them, got ${typeof topic}`);
  if (topic.length === 2 && typeof topic[0] === 'string' && !Array.isArray(topic[1])) {
    validateTopicFilter(topic[0], 'topic');
    return [{ topic: topic[0], qos: checkQos(topic[1], `qos of '${topic[0]}'`) }];
  }
  if (topic.length === 0) throw new ValueError('topic: the list of subscriptions is empty');
  return topic.map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2) throw new ValueError(`topic[${i}]: must be a [topic, qos] pair`);
    validateTopicFilter(entry[0], `topic[${i}]`);
    return { topic: entry[0] as string, qos: checkQos(entry[1], `topic[${i}] qos`) };
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

/** A random client id, 'mqttloop-' and 13 base-62 characters: 22 in all, within MQTT 3.1's limit of 23. */
export function randomClientId(): string {
  const bytes = randomBytes(13);
  let id = 'mqttloop-';
  for (let i = 0; i < 13; i++) id += BASE62[bytes[i] % 62];
  return id;
}
