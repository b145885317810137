// subscribe.callback: a handler for every message on several filters, with userdata; the
// handler ends the loop by disconnecting its client.
import * as publish from 'mqttloop/publish';
import * as subscribe from 'mqttloop/subscribe';
import { print, str } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  await publish.multiple([
    [PREFIX + '/cb/temp', '20', 1, true],
    [PREFIX + '/cb/humidity', '40', 1, true],
    [PREFIX + '/other/wind', '3', 1, true],
  ], { hostname: HOST, port: PORT });

  function on_message_print(client: subscribe.Client, userdata: { name: string; seen: string[] }, message: subscribe.MQTTMessage) {
    userdata['seen'].push(message.topic);
    print(`${str(message.topic)} ${str(message.payload.toString())}`, userdata['name'], userdata['seen'].length);
    if (userdata['seen'].length === 3) {
      client.disconnect();
    }
  }

  await subscribe.callback(on_message_print, [PREFIX + '/cb/#', PREFIX + '/other/#'], { qos: 1, userdata: { 'name': 'cb', 'seen': [] }, hostname: HOST, port: PORT });
  print('callback returned');

  await publish.multiple([[PREFIX + '/cb/temp', null, 1, true], [PREFIX + '/cb/humidity', null, 1, true], [PREFIX + '/other/wind', null, 1, true]], { hostname: HOST, port: PORT });
}
main();
