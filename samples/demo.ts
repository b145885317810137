/**
 * npm run demo: starts the embedded broker (mosca, in-process, on a free port), then a
 * subscriber (on_connect subscribes, loopStart pumps in the background) and a publisher
 * (QoS 0 and QoS 1, waitForPublish), prints what flows, and exits 0 once every message
 * has arrived exactly once.
 */
import { Client, MQTTMessage, connackString } from 'mqttloop';
import { startEmbeddedBroker } from './embeddedBroker';

const MESSAGES: Array<[string, 0 | 1]> = [['hello', 0], ['from', 1], ['mqttloop', 1], ['bye', 0]];

async function main(): Promise<void> {
  const broker = await startEmbeddedBroker();
  console.log(`embedded broker on 127.0.0.1:${broker.port}`);

  const received: string[] = [];
  let allArrived!: () => void;
  const done = new Promise<void>((resolve) => { allArrived = resolve; });
  let subscribed!: () => void;
  const ready = new Promise<void>((resolve) => { subscribed = resolve; });

  const sub = new Client({ clientId: 'demo-sub' });
  sub.on_connect = (c: Client, _u: unknown, _flags: unknown, rc: number) => {
    console.log(`subscriber: ${connackString(rc)}`);
    c.subscribe('demo/#', 1);
  };
  sub.on_subscribe = (_c: Client, _u: unknown, mid: number, granted: number[]) => {
    console.log(`subscriber: subscribed to demo/# (mid ${mid}, granted QoS ${granted})`);
    subscribed();
  };
  sub.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
    console.log(`subscriber: ${m.topic} '${m.payload.toString()}' (QoS ${m.qos})`);
    received.push(m.payload.toString());
    if (received.length === MESSAGES.length) allArrived();
  };
  await sub.connect('127.0.0.1', broker.port, 30);
  sub.loopStart();
  await ready;

  const pub = new Client({ clientId: 'demo-pub' });
  await pub.connect('127.0.0.1', broker.port, 30);
  pub.loopStart();
  await new Promise<void>((resolve) => pub.once('connect', () => resolve()));
  for (const [text, qos] of MESSAGES) {
    const info = pub.publish('demo/greetings', text, qos);
    await info.waitForPublish();
    console.log(`publisher:  demo/greetings '${text}' (QoS ${qos}, mid ${info.mid}) published`);
  }
  await done;
  const expected = MESSAGES.map(([t]) => t).sort().join(',');
  if (received.slice().sort().join(',') !== expected) throw new Error(`received ${received.join(',')}`);

  pub.disconnect();
  sub.disconnect();
  await Promise.all([pub.loopStop(), sub.loopStop()]);
  await broker.close();
  console.log(`demo done: ${received.length} messages, each exactly once`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
