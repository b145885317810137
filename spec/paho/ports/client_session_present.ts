// A persistent session: connect with clean_session False, subscribe, disconnect; connect again
// and see session_present, and the QoS 1 message queued for us while we were away.
import * as mqtt from 'mqttloop';
import { print } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  const state = { 'round': 1 };

  function on_connect(client: mqtt.Client, userdata: typeof state, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    print('round', userdata['round'], 'connected', reason_code, 'session_present', flags.sessionPresent);
    if (userdata['round'] === 1) {
      client.subscribe(PREFIX + '/queued', 1);
    } else {
      print('waiting for the queued message');
    }
  }

  function on_subscribe(client: mqtt.Client, userdata: typeof state, mid: number, reason_code_list: mqtt.ReasonCodes[], properties: mqtt.Properties) {
    print('subscribed', reason_code_list[0]);
    client.disconnect();
  }

  function on_message(client: mqtt.Client, userdata: typeof state, msg: mqtt.MQTTMessage) {
    print('message', msg.topic, msg.payload, msg.qos);
    client.disconnect();
  }

  function on_disconnect(client: mqtt.Client, userdata: typeof state, flags: mqtt.DisconnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    print('disconnected', reason_code);
  }

  let mqttc = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { clientId: PREFIX + '-session', cleanSession: false, userdata: state });
  mqttc.on_connect = on_connect;
  mqttc.on_subscribe = on_subscribe;
  mqttc.on_message = on_message;
  mqttc.on_disconnect = on_disconnect;
  await mqttc.connect(HOST, PORT, 60);
  await mqttc.loopForever();

  const other = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { clientId: PREFIX + '-other' });
  await other.connect(HOST, PORT, 60);
  other.loopStart();
  await other.publish(PREFIX + '/queued', 'while you were away', 1).waitForPublish();
  other.disconnect();
  await other.loopStop();

  state['round'] = 2;
  await mqttc.connect(HOST, PORT, 60);
  await mqttc.loopForever();

  // Leave nothing behind: a clean session ends the stored one.
  mqttc = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { clientId: PREFIX + '-session', cleanSession: true });
  mqttc.on_connect = (client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) => client.disconnect();
  await mqttc.connect(HOST, PORT, 60);
  await mqttc.loopForever();
  print('done');
}
main();
