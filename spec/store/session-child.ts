/**
 * A child process for spec/store/resume.spec.ts: runs the session engine with a fileStore in
 * `dir` against a scripted broker, leaves QoS 1/2 flows at known points, prints READY and
 * waits to be SIGKILLed (it never closes its store, so the lock and journal are left as a
 * crash leaves them).
 *
 *   node --import tsx spec/store/session-child.ts DIR
 *
 * Flows left behind (window 5): messages 1..7 published as QoS [1,2,2,1,2,1,2]; 1..5 sent;
 * the broker PUBACKs 1 (finished, so 6 is sent in its slot) and PUBRECs 2 and 5 (PUBREL
 * sent); 7 waits behind the window; 8 (QoS 1) is published after the connection dropped.
 */
import { fileStore } from '../../lib/store/file';
import { ScriptedBroker } from '../session/harness';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: session-child.ts DIR\n');
  process.exit(2);
}
const store = fileStore(dir);
const b = new ScriptedBroker({ cleanSession: false, maxInflight: 5, store });
b.connectAndAccept();
const qos = [1, 2, 2, 1, 2, 1, 2] as const;
qos.forEach((q, i) => b.publish('t', `m${i + 1}`, q));
b.sentPackets();
store.flush(); // as the client does before writing a pump turn's packets
b.brokerSends({ type: 'puback', packetId: 1 }, { type: 'pubrec', packetId: 2 }, { type: 'pubrec', packetId: 5 });
b.sentPackets();
store.flush();
b.s.connectionLost();
b.publish('t', 'm8', 1);
process.stdout.write('READY\n');
setInterval(() => undefined, 60_000); // wait for SIGKILL
