/**
 * Connecting, subscribing and closing with each client library, the same way for every
 * scenario of spec/bench/run.ts: MQTT 3.1.1, clean session, keepalive 60, 127.0.0.1.
 * The mqttloop functions take the build to use (builds.ts: this one or the baseline).
 */
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { Client, MQTTClient } from '../../dist';
import type { Build } from './builds';
import { BenchError, withTimeout } from './support';

const CONNECT_MS = 10_000;
export const HOST = '127.0.0.1';

let nextId = 0;
export function clientId(tag: string): string {
  return `bench-${tag}-${process.pid}-${nextId++}`;
}

// ---- mqttloop Client ---------------------------------------------------------------------------

export async function mlConnect(build: Build, port: number, tag: string, inflight?: number): Promise<Client> {
  const c = new build.Client({ clientId: clientId(tag), cleanSession: true, protocol: build.MQTTv311 });
  if (inflight !== undefined) c.maxInflightMessagesSet(inflight);
  const connected = new Promise<void>((resolve, reject) => {
    c.on_connect = (_c: unknown, _u: unknown, _f: unknown, rc: number) =>
      rc === 0 ? resolve() : reject(new BenchError(`mqttloop ${tag}: CONNACK rc ${rc}`));
    c.on_connect_fail = () => reject(new BenchError(`mqttloop ${tag}: connection failed`));
  });
  await c.connect(HOST, port, 60);
  c.loopStart();
  await withTimeout(connected, CONNECT_MS, `mqttloop ${tag} CONNACK`);
  c.on_connect = null;
  c.on_connect_fail = null;
  return c;
}

export async function mlSubscribe(c: Client, topic: string, qos: number): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    c.on_subscribe = (_c: unknown, _u: unknown, _mid: number, granted: number[]) =>
      granted[0] === qos ? resolve() : reject(new BenchError(`mqttloop: SUBACK granted ${granted[0]}, asked ${qos}`));
  });
  const [rc] = c.subscribe(topic, qos);
  if (rc !== 0) throw new BenchError(`mqttloop: subscribe rc ${rc}`);
  await withTimeout(done, CONNECT_MS, 'mqttloop SUBACK');
  c.on_subscribe = null;
}

export async function mlClose(c: Client): Promise<void> {
  const gone = new Promise<void>((resolve) => {
    c.on_disconnect = () => resolve();
  });
  if (c.disconnect() === 0) await withTimeout(gone, CONNECT_MS, 'mqttloop disconnect');
  await c.loopStop();
}

// ---- mqttloop MQTTClient -------------------------------------------------------------------------

export async function aioConnect(build: Build, port: number, tag: string, inflight: number): Promise<MQTTClient> {
  const c = new build.MQTTClient(clientId(tag), { keepAlive: 60, autoReconnect: false, maxInflightMessages: inflight });
  const rc = await withTimeout(c.connect(`mqtt://${HOST}:${port}/`), CONNECT_MS, 'MQTTClient connect');
  if (rc !== 0) throw new BenchError(`MQTTClient: CONNACK rc ${rc}`);
  return c;
}

export async function aioClose(c: MQTTClient): Promise<void> {
  await withTimeout(c.disconnect(), CONNECT_MS, 'MQTTClient disconnect');
}

// ---- MQTT.js -----------------------------------------------------------------------------------------

export async function mjConnect(port: number, tag: string): Promise<MqttClient> {
  const c = mqtt.connect(`mqtt://${HOST}:${port}`, {
    clientId: clientId(tag), protocolVersion: 4, clean: true, keepalive: 60, reconnectPeriod: 0,
  });
  await withTimeout(new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', (e) => reject(new BenchError(`MQTT.js ${tag}: ${e.message}`)));
  }), CONNECT_MS, `MQTT.js ${tag} CONNACK`);
  return c;
}

export async function mjSubscribe(c: MqttClient, topic: string, qos: 0 | 1 | 2): Promise<void> {
  const granted = await withTimeout(c.subscribeAsync(topic, { qos }), CONNECT_MS, 'MQTT.js SUBACK');
  if (granted[0]?.qos !== qos) throw new BenchError(`MQTT.js: SUBACK granted ${granted[0]?.qos}, asked ${qos}`);
}

export async function mjClose(c: MqttClient): Promise<void> {
  await withTimeout(c.endAsync(), CONNECT_MS, 'MQTT.js end');
}
