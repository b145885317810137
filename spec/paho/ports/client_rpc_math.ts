// MQTT 5 request/response: a math server answers requests on the request's ResponseTopic with
// its CorrelationData; the client sends two requests and matches the replies.
import * as mqtt from 'mqttloop';
import { PacketTypes } from 'mqttloop';
import { print, sleep } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  const replies: Record<string, number> = {};
  const ready: number[] = [];

  function on_server_connect(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    print('server connected', reason_code, properties);
    client.subscribe(PREFIX + '/requests/math/#', 1);
  }

  function on_server_message(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    const func = msg.topic.split('/').at(-1);
    const args: number[] = JSON.parse(msg.payload.toString());
    print('server got', func, args, msg.properties!.CorrelationData, msg.properties!.ResponseTopic === reply_to);
    let result: number;
    if (func === 'add') {
      result = args.reduce((a, b) => a + b, 0);
    } else {
      result = 1;
      for (const n of args) {
        result = result * n;
      }
    }
    const props = new mqtt.Properties(PacketTypes.PUBLISH);
    props.CorrelationData = msg.properties!.CorrelationData;
    client.publish(msg.properties!.ResponseTopic!, JSON.stringify(result), 1, false, props);
  }

  function on_client_connect(client: mqtt.Client, userdata: unknown, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    print('client connected', reason_code);
    client.subscribe(reply_to, 1);
  }

  function on_subscribe(client: mqtt.Client, userdata: unknown, mid: number, reason_code_list: mqtt.ReasonCodes[], properties: mqtt.Properties) {
    print('subscribed', reason_code_list[0]);
    ready.push(mid);
  }

  function on_client_message(client: mqtt.Client, userdata: unknown, msg: mqtt.MQTTMessage) {
    print('reply', msg.topic === reply_to, msg.payload, msg.properties);
    replies[msg.properties!.CorrelationData!.toString()] = JSON.parse(msg.payload.toString());
  }

  const reply_to = PREFIX + '/replies/math/client';

  const server = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { clientId: PREFIX + '-server', protocol: mqtt.MQTTv5 });
  server.on_connect = on_server_connect;
  server.on_message = on_server_message;
  server.on_subscribe = on_subscribe;
  await server.connect(HOST, PORT, 60, '', 0, true);
  server.loopStart();
  while (ready.length < 1) {
    await sleep(0.05);
  }

  const client = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { clientId: PREFIX + '-client', protocol: mqtt.MQTTv5 });
  client.on_connect = on_client_connect;
  client.on_message = on_client_message;
  client.on_subscribe = on_subscribe;
  await client.connect(HOST, PORT, 60, '', 0, true);
  client.loopStart();

  while (ready.length < 2) {
    await sleep(0.05);
  }

  for (const [corr_id, func, args] of [['1', 'add', [1, 2, 3]], ['2', 'mult', [2, 3, 4]]] as const) {
    const props = new mqtt.Properties(PacketTypes.PUBLISH);
    props.CorrelationData = Buffer.from(corr_id);
    props.ResponseTopic = reply_to;
    client.publish(PREFIX + '/requests/math/' + func, JSON.stringify(args), 1, false, props);
    while (!(corr_id in replies)) {
      await sleep(0.05);
    }
    print('Response:', replies[corr_id]);
  }

  client.disconnect();
  await client.loopStop();
  server.disconnect();
  await server.loopStop();
}
main();
