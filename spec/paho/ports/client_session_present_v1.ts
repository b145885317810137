// paho 1.6 style persistent session: flags["session present"] on each connect.
import * as mqtt from 'mqttloop';
import { print } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  function on_connect(client: mqtt.Client, userdata: { n: number }, flags: mqtt.ConnectFlags, rc: number) {
    print('connect', userdata['n'], 'rc', rc, 'session present', flags['session present']);
    if (userdata['n'] === 1) {
      client.subscribe(PREFIX + '/keep', 1);
    } else {
      client.disconnect();
    }
  }

  function on_subscribe(client: mqtt.Client, userdata: { n: number }, mid: number, granted_qos: number[]) {
    client.disconnect();
  }

  function on_disconnect(client: mqtt.Client, userdata: { n: number }, rc: number) {
    print('disconnect', userdata['n'], 'rc', rc);
  }

  const userdata = { 'n': 1 };
  const mqttc = new mqtt.Client({ clientId: PREFIX + '-keep', cleanSession: false, userdata: userdata });
  mqttc.on_connect = on_connect;
  mqttc.on_subscribe = on_subscribe;
  mqttc.on_disconnect = on_disconnect;
  await mqttc.connect(HOST, PORT, 60);
  await mqttc.loopForever();
  userdata['n'] = 2;
  await mqttc.reconnect();
  await mqttc.loopForever();

  const cleaner = new mqtt.Client({ clientId: PREFIX + '-keep', cleanSession: true });
  cleaner.on_connect = (client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, rc: number) => client.disconnect();
  await cleaner.connect(HOST, PORT, 60);
  await cleaner.loopForever();
  print('done');
}
main();
