// subscribe.simple with its defaults: a retained message counts (retained=True is paho's
// default), msg_count=1 returns the message itself.
import * as publish from 'mqttloop/publish';
import * as subscribe from 'mqttloop/subscribe';
import { print, str } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  await publish.single(PREFIX + '/simple/state', 'ready', { qos: 1, retain: true, hostname: HOST, port: PORT });

  const msg = await subscribe.simple(PREFIX + '/simple/#', { hostname: HOST, port: PORT });
  print(`${str(msg.topic)} ${str(msg.payload)} ${msg.qos} ${str(msg.retain)}`);

  const msgs = await subscribe.simple([PREFIX + '/simple/state', PREFIX + '/other'], { qos: 1, msgCount: 1, retained: true, hostname: HOST, port: PORT, clientId: PREFIX + '-simple', keepalive: 10 });
  print(msgs.topic, msgs.payload);

  await publish.single(PREFIX + '/simple/state', null, { qos: 1, retain: true, hostname: HOST, port: PORT });
}
main();
