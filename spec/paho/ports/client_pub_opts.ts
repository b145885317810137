// Publishing with every option: MQTT 5, qos, retain, message properties, a will, credentials
// flags and keepalive; a second client reads the retained message back with its properties.
import * as mqtt from 'mqttloop';
import { PacketTypes } from 'mqttloop';
import { print, str } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];
  const TOPIC = PREFIX + '/opts';

  const props = new mqtt.Properties(PacketTypes.PUBLISH);
  props.MessageExpiryInterval = 300;
  props.ContentType = 'text/plain';
  props.PayloadFormatIndicator = 1;
  props.UserProperty = ['origin', 'pub_opts'];
  props.UserProperty = [['n', '1'], ['quote', "it's"]];
  print('props', props);

  const pub = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { clientId: PREFIX + '-pub', protocol: mqtt.MQTTv5 });
  pub.willSet(PREFIX + '/will', 'gone', 1, false);
  pub.usernamePwSet('someone', 'secret');
  print('connect', await pub.connect(HOST, PORT, 30, '', 0, true));
  const info = pub.publish(TOPIC, 'hello with options', 1, true, props);
  print('publish', info.rc, info.mid);
  pub.loopStart();
  await info.waitForPublish();
  print('published', info.isPublished());

  function on_connect(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    print('sub connected', reason_code, flags.sessionPresent);
    client.subscribe(TOPIC, new mqtt.SubscribeOptions(1, true, false, 0));
  }

  function on_subscribe(client: mqtt.Client, userdata: unknown, mid: number, reason_code_list: mqtt.ReasonCodes[], properties: mqtt.Properties) {
    print('sub subscribed', mid, reason_code_list.map((rc) => str(rc)), reason_code_list.map((rc) => rc.value));
  }

  function on_message(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    print('message', msg.topic, msg.payload, msg.qos, msg.retain);
    // The broker counts the expiry down in whole seconds, so its value depends on timing: only its bound is printed.
    print('content type', msg.properties!.ContentType, msg.properties!.PayloadFormatIndicator);
    print('user properties', msg.properties!.UserProperty!.map(([k, v]) => k + '=' + v));
    print('expiry set', msg.properties!.MessageExpiryInterval! <= 300);
    client.publish(TOPIC, null, 1, true);
    client.disconnect(new mqtt.ReasonCodes(PacketTypes.DISCONNECT, 'Normal disconnection'));
  }

  function on_disconnect(client: mqtt.Client, userdata: unknown, flags: mqtt.DisconnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    print('sub disconnected', reason_code);
  }

  const sub = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { clientId: PREFIX + '-sub', protocol: mqtt.MQTTv5 });
  sub.on_connect = on_connect;
  sub.on_subscribe = on_subscribe;
  sub.on_message = on_message;
  sub.on_disconnect = on_disconnect;
  await sub.connect(HOST, PORT, 30);
  await sub.loopForever();

  pub.disconnect();
  await pub.loopStop();
  print('done');
}
main();
