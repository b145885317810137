/**
 * A port of amqtt's test_coro2 publisher: the same three messages (QoS 0, 1, 2), each
 * awaited before the next is sent, so the flows run one after another.
 *   npx tsx samples/testCoro2.ts mqtt://localhost:1883/
 */
import { ConnectError, MQTTClient, QOS_0, QOS_1, QOS_2 } from 'mqttloop';
import { aioSampleArgs } from './aioArgs';

async function testCoro2(): Promise<void> {
  const { uri } = aioSampleArgs();
  try {
    const C = new MQTTClient();
    await C.connect(uri);
    await C.publish('a/b', Buffer.from('TEST MESSAGE WITH QOS_0'), QOS_0);
    await C.publish('a/b', Buffer.from('TEST MESSAGE WITH QOS_1'), QOS_1);
    const message = await C.publish('a/b', Buffer.from('TEST MESSAGE WITH QOS_2'), QOS_2);
    console.log(`messages published (last: packet id ${message.packetId})`);
    await C.disconnect();
  } catch (ce) {
    if (!(ce instanceof ConnectError)) throw ce;
    console.error(`Connection failed: ${ce.message}`);
    process.exitCode = 1;
  }
}

testCoro2().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
