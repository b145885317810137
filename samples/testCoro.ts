/**
 * A port of amqtt's test_coro publisher: three messages, QoS 0, 1 and 2, published
 * concurrently (amqtt: asyncio.ensure_future + asyncio.wait; here: Promise.allSettled). The
 * three PUBLISHes go out together and the acknowledgements come back in parallel.
 *   npx tsx samples/testCoro.ts mqtt://localhost:1883/
 */
import { MQTTClient, QOS_1, QOS_2 } from 'mqttloop';
import { aioSampleArgs } from './aioArgs';

async function testCoro(): Promise<void> {
  const { uri } = aioSampleArgs();
  const C = new MQTTClient();
  await C.connect(uri);
  const tasks = [
    C.publish('a/b', Buffer.from('TEST MESSAGE WITH QOS_0')),
    C.publish('a/b', Buffer.from('TEST MESSAGE WITH QOS_1'), QOS_1),
    C.publish('a/b', Buffer.from('TEST MESSAGE WITH QOS_2'), QOS_2),
  ];
  const results = await Promise.allSettled(tasks); // asyncio.wait(tasks): wait for all, whatever the outcome
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  for (const f of failed) console.error(`publish failed: ${(f.reason as Error).message}`);
  console.log(failed.length === 0 ? 'messages published' : `${failed.length} message(s) not published`);
  await C.disconnect();
  if (failed.length > 0) process.exitCode = 1;
}

testCoro().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
