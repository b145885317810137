// paho 1.6 style on_log: every line paho logs, with its level, while a QoS 2 message goes out
// and comes back (so the incoming QoS 2 exchange shows when on_message runs), then DISCONNECT.
import * as mqtt from 'mqttloop';
import { print } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  function on_log(client: mqtt.Client, userdata: unknown, level: number, buf: string) {
    print(level, buf);
  }

  function on_connect(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, rc: number) {
    print('on_connect', rc);
    client.subscribe(PREFIX + '/q2', 2);
  }

  function on_subscribe(client: mqtt.Client, userdata: unknown, mid: number, granted_qos: number[]) {
    print('on_subscribe', mid, granted_qos[0]);
    client.publish(PREFIX + '/q2', 'exactly once', 2);
  }

  function on_publish(client: mqtt.Client, userdata: unknown, mid: number) {
    print('on_publish', mid);
  }

  function on_message(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    print('on_message', msg.topic, msg.payload, msg.qos, msg.mid);
    client.disconnect();
  }

  function on_disconnect(client: mqtt.Client, userdata: unknown, rc: number) {
    print('on_disconnect', rc);
  }

  const mqttc = new mqtt.Client({ clientId: PREFIX + '-logger-v1' });
  mqttc.on_log = on_log;
  mqttc.on_connect = on_connect;
  mqttc.on_subscribe = on_subscribe;
  mqttc.on_publish = on_publish;
  mqttc.on_message = on_message;
  mqttc.on_disconnect = on_disconnect;
  await mqttc.connect(HOST, PORT, 60);
  await mqttc.loopForever();
}
main();
