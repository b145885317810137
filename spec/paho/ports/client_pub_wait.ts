// Publishes from the main thread with the network loop in the background, waiting for each
// message to be acknowledged (wait_for_publish), and reports on_publish.
import * as mqtt from 'mqttloop';
import { print, sleep, str } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  const published: number[] = [];
  // Set once on_connect has printed (paho's original waits on a threading.Event).
  let connected = false;

  function on_publish(client: mqtt.Client, userdata: unknown, mid: number, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    published.push(mid);
  }

  function on_connect(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    print('connected', reason_code);
    connected = true;
  }

  const mqttc = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { clientId: PREFIX + '-pub' });
  mqttc.on_publish = on_publish;
  mqttc.on_connect = on_connect;
  await mqttc.connect(HOST, PORT, 60);
  mqttc.loopStart();

  while (!connected) {
    await sleep(0.05);
  }

  for (const qos of [0, 1, 2]) {
    const msg_info = mqttc.publish(PREFIX + '/wait', 'qos ' + str(qos), qos);
    print('publish', msg_info.rc, msg_info.mid);
    await msg_info.waitForPublish();
    print('is_published', msg_info.isPublished());
  }

  print('on_publish mids', published);
  const infos = [...Array(5).keys()].map((i) => mqttc.publish(PREFIX + '/burst', i, 1));
  for (const info of infos) {
    await info.waitForPublish(5);
  }
  print('burst published', infos.map((info) => info.isPublished()), infos.map((info) => info.mid));

  mqttc.disconnect();
  await mqttc.loopStop();
  print('connected after stop', mqttc.isConnected());
}
main();
