// Finds retained messages under a filter and clears each by publishing an empty retained
// message to its topic.
import * as mqtt from 'mqttloop';
import * as publish from 'mqttloop/publish';
import { print } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  await publish.multiple([
    { 'topic': PREFIX + '/room/1', 'payload': '21.5', 'retain': true },
    { 'topic': PREFIX + '/room/2', 'payload': '19.0', 'retain': true, 'qos': 1 },
    [PREFIX + '/room/3', 'off', 2, true],
  ], { hostname: HOST, port: PORT });
  print('retained three');

  const cleared: string[] = [];
  const echoes: string[] = [];

  function on_connect(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    client.subscribe(PREFIX + '/room/#', 1);
  }

  function on_message(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    if (msg.retain) {
      print('Clearing topic', msg.topic, msg.payload);
      cleared.push(msg.topic);
      client.publish(msg.topic, null, 1, true);
    } else {
      echoes.push(msg.topic);
      if (echoes.length === 3) {
        client.disconnect();
      }
    }
  }

  const mqttc = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2);
  mqttc.on_connect = on_connect;
  mqttc.on_message = on_message;
  await mqttc.connect(HOST, PORT);
  await mqttc.loopForever();
  print('cleared', cleared.length, 'echoes', echoes.length);

  function on_connect_check(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    client.subscribe([[PREFIX + '/room/#', 1], [PREFIX + '/done', 0]]);
  }

  function on_subscribe_check(client: mqtt.Client, userdata: unknown, mid: number, reason_code_list: mqtt.ReasonCodes[], properties: mqtt.Properties) {
    client.publish(PREFIX + '/done', 'x');
  }

  function on_message_check(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    print('after clearing', msg.topic, msg.retain);
    client.disconnect();
  }

  const check = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2);
  check.on_connect = on_connect_check;
  check.on_subscribe = on_subscribe_check;
  check.on_message = on_message_check;
  check.messageCallbackAdd(PREFIX + '/done', on_message_check);
  await check.connect(HOST, PORT);
  await check.loopForever();
}
main();
