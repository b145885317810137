// Subscribes, prints what arrives (topic, qos, retain, payload), disconnects after three messages.
// Each message is published from the callback of the one before, so the order is fixed.
import * as mqtt from 'mqttloop';
import { print } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  const received: number[] = [];

  function on_connect(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    print('on_connect', reason_code, flags.sessionPresent);
    client.subscribe(PREFIX + '/#', 2);
  }

  function on_subscribe(client: mqtt.Client, userdata: unknown, mid: number, reason_code_list: mqtt.ReasonCodes[], properties: mqtt.Properties) {
    print('on_subscribe', mid, reason_code_list[0], properties);
    client.publish(PREFIX + '/a', 'first', 0);
  }

  function on_message(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    print('on_message', msg.topic, msg.qos, msg.retain, msg.payload, msg.mid);
    received.push(msg.payload.length);
    if (received.length === 1) {
      client.publish(PREFIX + '/b', Buffer.from('second\x00\xff', 'latin1'), 1);
    } else if (received.length === 2) {
      client.publish(PREFIX + '/c', '', 2);
    } else {
      client.disconnect();
    }
  }

  function on_disconnect(client: mqtt.Client, userdata: unknown, flags: mqtt.DisconnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    print('on_disconnect', reason_code, flags.isDisconnectPacketFromServer);
  }

  const mqttc = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { clientId: PREFIX + '-sub' });
  mqttc.on_connect = on_connect;
  mqttc.on_subscribe = on_subscribe;
  mqttc.on_message = on_message;
  mqttc.on_disconnect = on_disconnect;
  print('connect', await mqttc.connect(HOST, PORT, 60));
  print('loop_forever', await mqttc.loopForever());
  print('received', received);
}
main();
