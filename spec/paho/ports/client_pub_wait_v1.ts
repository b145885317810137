// paho 1.6 style: loop_start, publish, wait_for_publish, on_publish(client, userdata, mid),
// then loop_stop; also a publish refused while not connected.
import * as mqtt from 'mqttloop';
import { print, sleep, str } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  const mids: number[] = [];

  function on_publish(client: mqtt.Client, userdata: unknown, mid: number) {
    mids.push(mid);
  }

  const mqttc = new mqtt.Client({ clientId: PREFIX + '-pubwait' });
  mqttc.on_publish = on_publish;
  print('not connected yet', mqttc.publish(PREFIX + '/early', 'x', 0).rc);
  await mqttc.connect(HOST, PORT, 60);
  mqttc.loopStart();
  while (!mqttc.isConnected()) {
    await sleep(0.05);
  }

  const infos: mqtt.MQTTMessageInfo[] = [];
  for (const i of [...Array(3).keys()]) {
    const info = mqttc.publish(PREFIX + '/pw', 'message ' + str(i), i);
    infos.push(info);
  }
  for (const info of infos) {
    await info.waitForPublish();
    print('published', info.mid, info.rc, info.isPublished());
  }
  print('mids seen by on_publish', [...mids].sort((a, b) => a - b));
  const [rc, mid] = mqttc.publish(PREFIX + '/pw', 'tuple', 1);
  print('tuple', rc, mid);
  mqttc.disconnect();
  await mqttc.loopStop();
  print('publish after disconnect', mqttc.publish(PREFIX + '/late', 'x', 1).rc);
}
main();
