/**
 * npm run demo: starts the embedded broker (mosca, in-process), then a subscriber and a
 * publisher speaking MQTT 3.1.1 through mqttloop's codec over plain sockets, prints what
 * flows, and exits 0 once every message has arrived.
 */
import * as net from 'node:net';
import { encode, Parser, Packet } from '../lib/protocol';
import { startEmbeddedBroker } from '../spec/support/embeddedBroker';

const TOPIC = 'demo/greetings';
const MESSAGES = ['hello', 'from', 'mqttloop'];

/** One raw MQTT 3.1.1 connection: send packets, await the next packet of a given type. */
function connection(port: number, clientId: string) {
  const socket = net.connect(port, '127.0.0.1');
  const parser = new Parser({ protocolVersion: 4 });
  const inbox: Packet[] = [];
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk) => {
    inbox.push(...parser.feed(chunk));
    waiters.splice(0).forEach((w) => w());
  });
  const next = async <T extends Packet['type']>(type: T): Promise<Extract<Packet, { type: T }>> => {
    for (;;) {
      const i = inbox.findIndex((p) => p.type === type);
      if (i >= 0) return inbox.splice(i, 1)[0] as Extract<Packet, { type: T }>;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const send = (p: Packet) => socket.write(encode(p, 4));
  send({ type: 'connect', protocolVersion: 4, clientId, cleanSession: true, keepalive: 30 });
  return { send, next, end: () => socket.end() };
}

async function main(): Promise<void> {
  const broker = await startEmbeddedBroker();
  console.log(`embedded broker on 127.0.0.1:${broker.port}`);
  const sub = connection(broker.port, 'demo-sub');
  console.log(`subscriber CONNACK rc=${(await sub.next('connack')).reasonCode}`);
  sub.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topic: 'demo/#', qos: 1 }] });
  console.log(`subscriber SUBACK granted=${JSON.stringify((await sub.next('suback')).reasonCodes)}`);

  const pub = connection(broker.port, 'demo-pub');
  await pub.next('connack');
  for (const [i, text] of MESSAGES.entries()) {
    pub.send({ type: 'publish', topic: TOPIC, payload: Buffer.from(text), qos: 1, retain: false, dup: false, packetId: i + 1 });
    console.log(`published  ${TOPIC} '${text}' (QoS 1, PUBACK for id ${(await pub.next('puback')).packetId})`);
  }
  for (let i = 0; i < MESSAGES.length; i++) {
    const m = await sub.next('publish');
    console.log(`received   ${m.topic} '${m.payload.toString()}' (QoS ${m.qos})`);
    if (m.qos > 0) sub.send({ type: 'puback', packetId: m.packetId! });
  }
  sub.send({ type: 'disconnect' });
  pub.send({ type: 'disconnect' });
  sub.end();
  pub.end();
  await broker.close();
  console.log('demo done');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
