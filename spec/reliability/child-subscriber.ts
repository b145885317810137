/**
 * The subscriber process of spec/reliability/subscriberKill.spec.ts: a Client with
 * cleanSession false and a fileStore, subscribed at QoS 2, killed with SIGKILL by the spec
 * and started again with the same client id and directory.
 *
 *   node --import tsx spec/reliability/child-subscriber.ts host=H port=P id=ID dir=DIR topic=T hold=S,S,.. expect=N
 *
 * on_message prints the message; for a payload listed in `hold` it returns a promise that never
 * settles, so that message stays delivered with its PUBCOMP held (a handler still running when
 * the process dies). Once `expect` messages were delivered in this life and the store holds no
 * incoming record, it disconnects, closes the store and exits 0.
 *
 * Output lines (stdout; a pipe, written synchronously): `L <n>` incoming QoS 2 messages found
 * in the store at start; `C <rc> <sessionPresent>` per CONNACK; `S` per SUBACK; `M <payload>`
 * per delivery; `G <log line>` for the PUBLISH / PUBREC / PUBREL / PUBCOMP log lines; `DONE`.
 */
import { Client, fileStore } from '../../lib';
import type { MQTTMessage } from '../../lib/message';

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) {
  const i = a.indexOf('=');
  if (i > 0) args[a.slice(0, i)] = a.slice(i + 1);
}
for (const k of ['host', 'port', 'id', 'dir', 'topic', 'hold', 'expect']) {
  if (!(k in args)) {
    process.stderr.write(`child-subscriber: missing ${k}=...\n`);
    process.exit(2);
  }
}
const out = (line: string): void => { process.stdout.write(line + '\n'); };
const TRACED = /^(Received PUBLISH|Received PUBREL|Sending PUBREC|Sending PUBCOMP)/;

async function main(): Promise<void> {
  const store = fileStore(args.dir);
  out(`L ${store.incoming!.load().length}`);
  const hold = new Set(args.hold === '' ? [] : args.hold.split(','));
  const expected = Number(args.expect);
  let delivered = 0;
  const c = new Client({ clientId: args.id, cleanSession: false, store });
  c.reconnectDelaySet(0.05, 0.5);
  c.messageConcurrencySet(1000); // the held handlers must not keep the others waiting
  c.on_connect = (cl: Client, _u: unknown, flags: { sessionPresent: boolean }, rc: number) => {
    out(`C ${rc} ${flags.sessionPresent ? 1 : 0}`);
    cl.subscribe(args.topic, 2);
  };
  c.on_subscribe = () => out('S');
  c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
    const seq = m.payload.toString();
    out(`M ${seq}`);
    delivered++;
    if (hold.has(seq)) return new Promise<void>(() => undefined); // still running at the kill
    return undefined;
  };
  c.on_log = (_c: Client, _u: unknown, level: number, text: string) => {
    if (TRACED.test(text)) out(`G ${text}`);
    else if (level <= 2) process.stderr.write(`log ${level}: ${text}\n`); // MQTT_LOG_ERR / WARNING
  };
  c.connectAsync(args.host, Number(args.port), 10);
  c.loopStart();
  while (delivered < expected || store.incoming!.journal.liveCount > 0) await new Promise((r) => setTimeout(r, 10));
  c.disconnect();
  await c.loopStop();
  store.close();
  out('DONE');
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`child-subscriber failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
