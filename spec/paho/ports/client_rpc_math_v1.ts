// paho 1.6 style MQTT 5 (callback API version 1 with properties): one client answers its own
// request through ResponseTopic and CorrelationData.
import * as mqtt from 'mqttloop';
import { PacketTypes } from 'mqttloop';
import { print, str } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];
  const REQUESTS = PREFIX + '/requests/math/add';
  const REPLIES = PREFIX + '/replies/math';

  function on_connect(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, rc: mqtt.ReasonCodes, properties: mqtt.Properties) {
    print('connected', rc, rc.value, flags['session present'], properties);
    client.subscribe([[REQUESTS, 1], [REPLIES, 1]]);
  }

  function on_subscribe(client: mqtt.Client, userdata: unknown, mid: number, granted_qos: mqtt.ReasonCodes[], properties: mqtt.Properties) {
    print('subscribed', mid, granted_qos.map((q) => str(q)), granted_qos.map((q) => q.value));
    const props = new mqtt.Properties(PacketTypes.PUBLISH);
    props.ResponseTopic = REPLIES;
    props.CorrelationData = Buffer.from('req-1', 'latin1');
    client.publish(REQUESTS, JSON.stringify([2, 3, 5]), 1, false, props);
  }

  function on_message(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    print('message', msg.topic === REQUESTS, JSON.parse(msg.payload.toString()), msg.properties);
    if (msg.topic === REQUESTS) {
      const props = new mqtt.Properties(PacketTypes.PUBLISH);
      props.CorrelationData = msg.properties!.CorrelationData;
      client.publish(msg.properties!.ResponseTopic!, JSON.stringify((JSON.parse(msg.payload.toString()) as number[]).reduce((a, b) => a + b, 0)), 1, false, props);
    } else {
      print('Response:', JSON.parse(msg.payload.toString()), msg.properties!.CorrelationData);
      client.disconnect();
    }
  }

  function on_disconnect(client: mqtt.Client, userdata: unknown, rc: mqtt.ReasonCodes, properties: mqtt.Properties | null = null) {
    print('disconnected', rc);
  }

  const mqttc = new mqtt.Client({ clientId: PREFIX + '-rpc-v1', protocol: mqtt.MQTTv5 });
  mqttc.on_connect = on_connect;
  mqttc.on_subscribe = on_subscribe;
  mqttc.on_message = on_message;
  mqttc.on_disconnect = on_disconnect;
  await mqttc.connect(HOST, PORT, 60, '', 0, true);
  await mqttc.loopForever();
}
main();
