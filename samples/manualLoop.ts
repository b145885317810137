/**
 * The hand-driven loop of paho's examples: `while run: client.loop()`. The program owns the
 * loop; the client reads, writes and keeps alive only when loop() is called. It subscribes,
 * publishes to itself, and stops after `--count` messages have come back.
 *   npx tsx samples/manualLoop.ts mqtt://localhost:1883 --count 5
 */
import { Client, MQTT_ERR_SUCCESS, MQTTMessage, errorString } from 'mqttloop';
import { sampleArgs } from './args';

async function main(): Promise<void> {
  const args = sampleArgs({ topic: `mqttloop/manual/${process.pid}` });
  const client = new Client();
  let received = 0;
  let run = true;
  client.on_connect = (c: Client) => c.subscribe(args.topic, args.qos);
  client.on_subscribe = (c: Client) => {
    for (let i = 0; i < args.count; i++) c.publish(args.topic, `ping ${i}`, args.qos);
  };
  client.on_message = (_c: Client, _u: unknown, msg: MQTTMessage) => {
    console.log(`${msg.topic} ${msg.payload.toString()}`);
    if (++received === args.count) run = false;
  };
  await client.connect(args.host, args.port, 60);
  while (run) {
    const rc = await client.loop(1.0);
    if (rc !== MQTT_ERR_SUCCESS) {
      console.error(`loop: ${errorString(rc)}`);
      process.exit(1);
    }
  }
  client.disconnect();
  await client.loop(0.1); // let the DISCONNECT go out and the close be seen
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
