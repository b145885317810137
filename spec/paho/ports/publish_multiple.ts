// One-shot publishing of several messages with publish.multiple (dicts and tuples mixed),
// read back with subscribe.simple(msg_count=3), then cleared the same way.
import * as publish from 'mqttloop/publish';
import * as subscribe from 'mqttloop/subscribe';
import { print } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  const msgs = [
    { 'topic': PREFIX + '/multi/1', 'payload': 'one', 'retain': true },
    [PREFIX + '/multi/2', 'two', 1, true],
    { 'topic': PREFIX + '/multi/3', 'payload': 'three', 'qos': 2, 'retain': true },
  ];
  await publish.multiple(msgs, { hostname: HOST, port: PORT, clientId: PREFIX + '-multi', keepalive: 30 });

  const got = await subscribe.simple(PREFIX + '/multi/#', { qos: 2, msgCount: 3, retained: true, hostname: HOST, port: PORT });
  for (const m of got) {
    print(m.topic, m.payload, m.qos, m.retain);
  }

  await publish.multiple(got.map((m) => [m.topic, null, 0, true]), { hostname: HOST, port: PORT });
  print('cleared', got.length);
}
main();
