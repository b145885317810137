// One-shot publishing with publish.single, read back with subscribe.simple, then cleared.
import * as publish from 'mqttloop/publish';
import * as subscribe from 'mqttloop/subscribe';
import { print } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  await publish.single(PREFIX + '/single', 'boiling', { qos: 1, retain: true, hostname: HOST, port: PORT, clientId: PREFIX + '-single' });
  const msg = await subscribe.simple(PREFIX + '/single', { qos: 1, retained: true, hostname: HOST, port: PORT });
  print(msg.topic, msg.payload, msg.qos, msg.retain);

  await publish.single(PREFIX + '/single', null, { qos: 0, retain: true, hostname: HOST, port: PORT });
  await publish.single(PREFIX + '/single', Buffer.from('\x00\x01', 'latin1'), { hostname: HOST, port: PORT, auth: { 'username': 'u', 'password': 'p' } });
  print('done');
}
main();
