/**
 * A port of amqtt's uptime subscriber (the MQTTClient "Subscriber" example): subscribe to
 * $SYS/broker/uptime (QoS 1) and $SYS/broker/load/# (QoS 2), print the first messages,
 * unsubscribe, disconnect.
 *   npx tsx samples/uptime.ts mqtt://localhost:1883/ [--count 10]
 * mosquitto publishes $SYS topics every sys_interval seconds (10 by default).
 */
import { ClientError, MQTTClient, QOS_1, QOS_2 } from 'mqttloop';
import { aioSampleArgs } from './aioArgs';

async function uptimeCoro(): Promise<void> {
  const args = aioSampleArgs({ count: 10 });
  const C = new MQTTClient();
  await C.connect(args.uri);
  // Subscribe to '$SYS/broker/uptime' with QOS=1
  // Subscribe to '$SYS/broker/load/#' with QOS=2
  await C.subscribe([
    ['$SYS/broker/uptime', QOS_1],
    ['$SYS/broker/load/#', QOS_2],
  ]);
  try {
    for (let i = 1; i <= args.count; i++) {
      const message = await C.deliverMessage();
      const packet = message.publishPacket;
      console.log(`${i}: ${packet.variableHeader.topicName} => ${packet.payload.data.toString()}`);
    }
    await C.unsubscribe(['$SYS/broker/uptime', '$SYS/broker/load/#']);
    await C.disconnect();
  } catch (ce) {
    if (!(ce instanceof ClientError)) throw ce;
    console.error(`Client exception: ${ce.message}`);
    process.exitCode = 1;
  }
}

uptimeCoro().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
