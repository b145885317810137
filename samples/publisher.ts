/**
 * A port of paho's client_pub-wait.py: a background loop (loopStart), QoS 1 publishes, and
 * waitForPublish() on each before going on.
 *   npx tsx samples/publisher.ts mqtt://localhost:1883 --topic paho/test/topic --count 10
 */
import { Client } from 'mqttloop';
import { sampleArgs } from './args';

async function main(): Promise<void> {
  const args = sampleArgs();
  const client = new Client();
  client.on_publish = (_c: Client, _u: unknown, mid: number) => console.log(`published mid ${mid}`);
  await client.connect(args.host, args.port, 60);
  client.loopStart();
  for (let i = 0; i < args.count; i++) {
    const info = client.publish(args.topic, `message ${i}`, args.qos);
    await info.waitForPublish();
    console.log(`message ${i} is published: ${info.isPublished()}`);
  }
  client.disconnect();
  await client.loopStop();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

