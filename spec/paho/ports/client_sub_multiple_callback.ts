// One client, three handlers: message_callback_add for two filters, on_message for the rest.
import * as mqtt from 'mqttloop';
import { print, str } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  let count = 0;

  function on_message_dogs(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    print('DOGS', msg.topic, msg.payload.toString());
    done(client);
  }

  function on_message_cats(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    print('CATS', msg.topic, msg.payload.toString());
    done(client);
  }

  function on_message(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    print('OTHER', msg.topic, msg.payload.toString());
    done(client);
  }

  function done(client: mqtt.Client) {
    count += 1;
    if (count === 4) {
      client.messageCallbackRemove(PREFIX + '/cats/#');
      client.publish(PREFIX + '/cats/after', 'removed', 1);
    } else if (count === 5) {
      client.disconnect();
    }
  }

  function on_connect(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    client.subscribe(PREFIX + '/#', 1);
  }

  function on_subscribe(client: mqtt.Client, userdata: unknown, mid: number, reason_code_list: mqtt.ReasonCodes[], properties: mqtt.Properties) {
    print('subscribed', reason_code_list.map((rc) => str(rc)));
    for (const topic of ['dogs/rex', 'cats/tom', 'birds/tweety', 'dogs/cats/both']) {
      client.publish(PREFIX + '/' + topic, topic.toUpperCase(), 1);
    }
  }

  const mqttc = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2);
  mqttc.messageCallbackAdd(PREFIX + '/dogs/#', on_message_dogs);
  mqttc.messageCallbackAdd(PREFIX + '/cats/#', on_message_cats);
  mqttc.on_message = on_message;
  mqttc.on_connect = on_connect;
  mqttc.on_subscribe = on_subscribe;
  await mqttc.connect(HOST, PORT, 60);
  await mqttc.loopForever();
  print('count', count);
}
main();
