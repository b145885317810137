// paho's debug log through a standard logger: every packet sent and received (QoS 0, 1 and 2 out,
// QoS 0 and 1 in, SUBSCRIBE, UNSUBSCRIBE, DISCONNECT). Only one exchange is in flight at a time
// (each step starts from the callback that ends the one before; a silent helper client sends the
// incoming messages), so the log's order is fixed.
import * as mqtt from 'mqttloop';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  const logger = console;

  const outgoing: Array<[string | null, number, boolean]> = [['zero', 0, false], ['one', 1, true], [null, 2, true], ['two', 2, false]];
  const incoming: Array<[string, number]> = [['in zero', 0], ['in one', 1], ['', 1]];

  const helper = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { clientId: PREFIX + '-helper' });
  await helper.connect(HOST, PORT, 60);
  helper.loopStart();

  function on_connect(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    const [payload, qos, retain] = outgoing.shift()!;
    client.publish(PREFIX + '/out', payload, qos, retain);
  }

  function on_publish(client: mqtt.Client, userdata: unknown, mid: number, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    if (outgoing.length) {
      const [payload, qos, retain] = outgoing.shift()!;
      client.publish(PREFIX + '/out', payload, qos, retain);
    } else {
      client.subscribe([[PREFIX + '/in/a', 0], [PREFIX + '/in/b', 1]]);
    }
  }

  function on_subscribe(client: mqtt.Client, userdata: unknown, mid: number, reason_code_list: mqtt.ReasonCodes[], properties: mqtt.Properties) {
    const [payload, qos] = incoming.shift()!;
    helper.publish(PREFIX + '/in/b', payload, qos);
  }

  function on_message(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    if (incoming.length) {
      const [payload, qos] = incoming.shift()!;
      helper.publish(PREFIX + '/in/b', payload, qos);
    } else {
      client.unsubscribe([PREFIX + '/in/a', PREFIX + '/in/b']);
    }
  }

  function on_unsubscribe(client: mqtt.Client, userdata: unknown, mid: number, reason_code_list: mqtt.ReasonCodes[], properties: mqtt.Properties) {
    client.disconnect();
  }

  const mqttc = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { clientId: PREFIX + '-logger' });
  mqttc.enableLogger(logger);
  mqttc.usernamePwSet('user');
  mqttc.willSet(PREFIX + '/will', 'x', 2, true);
  mqttc.on_connect = on_connect;
  mqttc.on_publish = on_publish;
  mqttc.on_subscribe = on_subscribe;
  mqttc.on_message = on_message;
  mqttc.on_unsubscribe = on_unsubscribe;
  await mqttc.connect(HOST, PORT, 45);
  await mqttc.loopForever();

  helper.publish(PREFIX + '/out', null, 0, true);
  helper.disconnect();
  await helper.loopStop();
}
main();
