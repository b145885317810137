/*
 * on_log's order is paho's: paho handles one packet at a time (log the packet, run its
 * callbacks, which log what they send), so a callback's "Sending ..." line comes before the next
 * packet's "Received ..." line, even when both packets arrived in one read.
 */
import { Client } from '../../lib';
import { MemoryBroker, publishPacket } from '../support/memoryBroker';
import { settle } from '../support/wait';

test("a callback's Sending line comes before the next packet's Received line, when both packets came in one read", async () => {
  const broker = new MemoryBroker();
  const c = broker.client();
  const lines: string[] = [];
  c.on_log = (_c: Client, _u: unknown, _l: number, text: string) => lines.push(text);
  c.on_message = (client: Client, _u: unknown, msg) => { client.publish('reply', msg.payload, 0); };
  await c.connect('broker', 1883, 0);
  c.loopStart();
  await settle();
  lines.length = 0;
  // Two packets in one chunk, so in one read.
  broker.send(publishPacket('in/a', 'A', 1, 5), publishPacket('in/b', 'B', 0));
  await settle();
  expect(lines).toEqual([
    "Received PUBLISH (d0, q1, r0, m5), 'in/a', ...  (1 bytes)",
    "Sending PUBLISH (d0, q0, r0, m1), 'b'reply'', ... (1 bytes)",
    'Sending PUBACK (Mid: 5)',
    "Received PUBLISH (d0, q0, r0, m0), 'in/b', ...  (1 bytes)",
    "Sending PUBLISH (d0, q0, r0, m2), 'b'reply'', ... (1 bytes)",
  ]);
  c.disconnect();
  await c.loopStop();
});
