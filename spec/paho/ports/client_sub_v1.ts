// paho 1.6 style (callback API version 1): subscribe, print what arrives, disconnect.
import * as mqtt from 'mqttloop';
import { print, str } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  function on_connect(client: mqtt.Client, userdata: string[], flags: mqtt.ConnectFlags, rc: number) {
    print('Connected with result code ' + str(rc), flags['session present'], mqtt.connackString(rc));
    client.subscribe([[PREFIX + '/a/#', 0], [PREFIX + '/b', 2]]);
  }

  function on_subscribe(client: mqtt.Client, userdata: string[], mid: number, granted_qos: number[]) {
    print('Subscribed: ' + str(mid) + ' ' + str(granted_qos[0]) + ' ' + str(granted_qos[1]));
    client.publish(PREFIX + '/a/1', 'one', 1);
  }

  function on_message(client: mqtt.Client, userdata: string[], msg: mqtt.MQTTMessage) {
    print(msg.topic + ' ' + str(msg.qos) + ' ' + str(msg.payload) + ' ' + str(msg.retain));
    userdata.push(msg.topic);
    if (userdata.length === 1) {
      client.publish(PREFIX + '/b', 'two', 2);
    } else if (userdata.length === 2) {
      const [rc, mid] = client.unsubscribe(PREFIX + '/b');
      print('unsubscribe', rc, mid);
    }
  }

  function on_unsubscribe(client: mqtt.Client, userdata: string[], mid: number) {
    print('Unsubscribed: ' + str(mid));
    client.disconnect();
  }

  function on_disconnect(client: mqtt.Client, userdata: string[], rc: number) {
    print('Disconnected: ' + str(rc), mqtt.errorString(rc));
  }

  const mqttc = new mqtt.Client({ clientId: PREFIX + '-v1', userdata: [] });
  mqttc.on_connect = on_connect;
  mqttc.on_subscribe = on_subscribe;
  mqttc.on_message = on_message;
  mqttc.on_unsubscribe = on_unsubscribe;
  mqttc.on_disconnect = on_disconnect;
  await mqttc.connect(HOST, PORT, 60);
  await mqttc.loopForever();
  print('done');
}
main();
