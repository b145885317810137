/**
 * A port of paho's client_sub.py: subscribe in on_connect (so a reconnect resubscribes),
 * print every message, run under loopForever (which reconnects by itself).
 *   npx tsx samples/subscriber.ts mqtt://localhost:1883 --topic '$SYS/#'     (Ctrl-C stops it)
 */
import { Client, MQTTMessage, connackString } from 'mqttloop';
import { sampleArgs } from './args';

const args = sampleArgs({ topic: '$SYS/#' });
const client = new Client();

client.on_connect = (c: Client, _userdata: unknown, flags: { sessionPresent: boolean }, rc: number) => {
  console.log(`connected: ${connackString(rc)} (session present: ${flags.sessionPresent})`);
  c.subscribe(args.topic, args.qos);
};
client.on_subscribe = (_c: Client, _u: unknown, mid: number, granted: number[]) => {
  console.log(`subscribed: mid ${mid}, granted QoS ${granted.join(', ')}`);
};
client.on_message = (_c: Client, _u: unknown, msg: MQTTMessage) => {
  console.log(`${msg.topic} ${msg.qos} ${msg.payload.toString()}`);
};
client.on_disconnect = (_c: Client, _u: unknown, rc: number) => console.log(`disconnected (rc ${rc})`);

process.on('SIGINT', () => client.disconnect());

client.connect(args.host, args.port, 60)
  .then(() => client.loopForever())
  .then(() => console.log('bye'))
  .catch((e) => {
    console.error(`cannot connect to ${args.host}:${args.port}: ${(e as Error).message}`);
    process.exit(1);
  });
