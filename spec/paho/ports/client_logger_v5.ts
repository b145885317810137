// MQTT 5: paho's debug log through a standard logger: every packet sent and received, QoS 0, 1 and 2
// both ways, SUBSCRIBE/UNSUBSCRIBE and DISCONNECT. Each step starts from the callback of the
// one before, so the log's order is fixed.
import * as mqtt from 'mqttloop';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  const logger = console;

  const step = { 'n': 0 };

  function on_connect(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    client.subscribe([[PREFIX + '/a', 0], [PREFIX + '/b', 1]]);
  }

  function on_subscribe(client: mqtt.Client, userdata: unknown, mid: number, reason_code_list: mqtt.ReasonCodes[], properties: mqtt.Properties) {
    client.publish(PREFIX + '/a', 'zero', 0);
  }

  function on_message(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    step['n'] += 1;
    if (step['n'] === 1) {
      client.publish(PREFIX + '/b', 'one', 1, true);
    } else if (step['n'] === 2) {
      client.publish(PREFIX + '/b', null, 2, true);
    } else if (step['n'] === 3) {
      client.publish(PREFIX + '/b', 'two', 2);
    } else {
      client.unsubscribe([PREFIX + '/a', PREFIX + '/b']);
    }
  }

  function on_unsubscribe(client: mqtt.Client, userdata: unknown, mid: number, reason_code_list: mqtt.ReasonCodes[], properties: mqtt.Properties) {
    client.disconnect();
  }

  const mqttc = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { clientId: PREFIX + '-logger', protocol: mqtt.MQTTv5 });
  mqttc.enableLogger(logger);
  mqttc.usernamePwSet('user');
  mqttc.willSet(PREFIX + '/will', 'x', 2, true);
  mqttc.on_connect = on_connect;
  mqttc.on_subscribe = on_subscribe;
  mqttc.on_message = on_message;
  mqttc.on_unsubscribe = on_unsubscribe;
  await mqttc.connect(HOST, PORT, 45);
  await mqttc.loopForever();
}
main();
