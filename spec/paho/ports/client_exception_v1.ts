// A callback that raises: paho logs "Caught exception in <callback>: <message>" at MQTT_LOG_ERR
// and, with suppress_exceptions, the loop goes on.
import * as mqtt from 'mqttloop';
import { print } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  function on_log(client: mqtt.Client, userdata: unknown, level: number, buf: string) {
    if (level !== mqtt.MQTT_LOG_DEBUG) {
      print(level, buf);
    }
  }

  function on_connect(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, rc: number) {
    client.subscribe(PREFIX + '/boom', 1);
    throw new Error('on_connect failed on purpose');
  }

  function on_subscribe(client: mqtt.Client, userdata: unknown, mid: number, granted_qos: number[]) {
    client.publish(PREFIX + '/boom', 'x', 1);
  }

  function on_message(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    client.disconnect();
    throw new Error('on_message failed too');
  }

  const mqttc = new mqtt.Client({ clientId: PREFIX + '-exc' });
  mqttc.suppressExceptions = true;
  mqttc.on_log = on_log;
  mqttc.on_connect = on_connect;
  mqttc.on_subscribe = on_subscribe;
  mqttc.on_message = on_message;
  await mqttc.connect(HOST, PORT, 60);
  await mqttc.loopForever();
  print('loop ended');
}
main();
