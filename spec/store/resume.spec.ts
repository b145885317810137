/**
 * The session engine resuming from a fileStore after a crash: a new Session built on
 * the journal a dead process left resends, on CONNACK with Session Present, PUBLISH with DUP for
 * every message sent but not acknowledged, PUBREL (never PUBLISH) for QoS 2 messages past
 * PUBREC, and the never-sent ones without DUP, in publish order; acknowledged ones are gone.
 *
 * Two crash images: a copy of the store directory taken while the first store is still open
 * (what the kernel holds when the process dies: every write(2) done, no close), and a real
 * child process killed with SIGKILL (its lock is then stale and is taken over).
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MQTTMessageInfo } from '../../lib/message';
import type { Packet, QoS } from '../../lib/protocol/types';
import { fileStore, FileStore } from '../../lib/store/file';
import { ack, pub, ScriptedBroker } from '../session/harness';
import { useStoreDirs } from './support';
const { tmpDir, open, crashImage } = useStoreDirs('resume');

const QOS: QoS[] = [1, 2, 2, 1, 2, 1, 2];

/** The first life: see session-child.ts (the same steps, in this process). */
function firstLife(store: FileStore): { b: ScriptedBroker; infos: MQTTMessageInfo[] } {
  const b = new ScriptedBroker({ cleanSession: false, maxInflight: 5, store });
  b.connectAndAccept();
  const infos = QOS.map((q, i) => b.publish('t', `m${i + 1}`, q));
  expect(b.sentPackets()).toEqual([1, 2, 3, 4, 5].map((id) => pub('t', `m${id}`, QOS[id - 1], id)));
  store.flush();
  b.brokerSends({ type: 'puback', packetId: 1 }, { type: 'pubrec', packetId: 2 }, { type: 'pubrec', packetId: 5 });
  expect(b.sentPackets()).toEqual([pub('t', 'm6', 1, 6), ack('pubrel', 2), ack('pubrel', 5)]);
  store.flush();
  b.s.connectionLost();
  infos.push(b.publish('t', 'm8', 1));
  return { b, infos };
}

/** What the second life must send after CONNACK with Session Present. */
const RESUMED: Packet[] = [
  ack('pubrel', 2),
  pub('t', 'm3', 2, 3, { dup: true }),
  pub('t', 'm4', 1, 4, { dup: true }),
  ack('pubrel', 5),
  pub('t', 'm6', 1, 6, { dup: true }),
  pub('t', 'm7', 2, 7),
  pub('t', 'm8', 1, 8),
];

function secondLife(dir: string, sessionPresent = true): { b: ScriptedBroker; store: FileStore; sent: Packet[] } {
  const store = open(dir);
  expect(store.load().map((m) => [m.mid, m.state, m.everSent])).toEqual([
    [2, 'released', true], [3, 'sent', true], [4, 'sent', true], [5, 'released', true], [6, 'sent', true],
    [7, 'queued', false], [8, 'queued', false],
  ]);
  const b = new ScriptedBroker({ cleanSession: false, store });
  const sent = b.connectAndAccept(sessionPresent);
  return { b, store, sent };
}

/** Completes every flow as the broker would, and checks the journal ends empty. */
function finish(b: ScriptedBroker, store: FileStore, sent: Packet[], dir: string): void {
  b.ackAll(sent); // PUBACK, PUBREC, PUBCOMP
  b.ackAll(b.sentPackets()); // PUBCOMP for the PUBRELs those PUBRECs caused
  expect(b.sentPackets()).toEqual([]);
  expect(b.s.outgoing.size).toBe(0);
  expect(store.liveCount).toBe(0);
  store.close();
  const again = fileStore(dir);
  expect(again.load()).toEqual([]);
  again.close();
}

describe('resume from a crash image of the store', () => {
  it('Session Present: PUBREL past PUBREC, DUP PUBLISH for the sent ones, plain PUBLISH for the rest, in order', () => {
    const dir = tmpDir();
    firstLife(open(dir)); // never closed: the "process" dies here
    const image = crashImage(dir);
    const { b, store, sent } = secondLife(image);
    expect(sent).toEqual(RESUMED);
    finish(b, store, sent, image);
  });

  it('no Session Present: the broker lost our session; the same resends, DUP 1 and PUBRELs (as paho 1.6 / 2.1)', () => {
    const dir = tmpDir();
    firstLife(open(dir));
    const image = crashImage(dir);
    const { sent } = secondLife(image, false);
    expect(sent).toEqual(RESUMED);
    expect(sent.some((p) => p.type === 'publish' && p.dup)).toBe(true);
  });

  it('a second crash during the resumed session: what it acknowledged stays acknowledged', () => {
    const dir = tmpDir();
    firstLife(open(dir));
    const image = crashImage(dir);
    const { b, store, sent } = secondLife(image);
    // The broker completes 2 (PUBCOMP), acknowledges 3 (PUBREC) and 4 (PUBACK); then a crash.
    b.brokerSends({ type: 'pubcomp', packetId: 2 }, { type: 'pubrec', packetId: 3 }, { type: 'puback', packetId: 4 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 3)]);
    store.flush();
    void sent;
    const image2 = crashImage(image);
    const store3 = open(image2);
    const b3 = new ScriptedBroker({ cleanSession: false, store: store3 });
    expect(b3.connectAndAccept(true)).toEqual([
      ack('pubrel', 3),
      ack('pubrel', 5),
      pub('t', 'm6', 1, 6, { dup: true }),
      pub('t', 'm7', 2, 7, { dup: true }),
      pub('t', 'm8', 1, 8, { dup: true }),
    ]);
  });
});

describe('resume after a real SIGKILL of the process that owned the store', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  it('the new process takes over the stale lock and resumes the flows', async () => {
    const dir = tmpDir();
    const script = path.join(__dirname, 'session-child.ts');
    const c = spawn(process.execPath, ['--import', 'tsx', script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let out = '';
    let err = '';
    c.stderr!.on('data', (d) => { err += d; });
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      c.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('READY\n')) resolve();
      });
      c.once('exit', (code) => reject(new Error(`child exited (${code}) before READY: ${err}`)));
    });
    // While it lives, the directory is taken.
    expect(() => fileStore(dir)).toThrow(new RegExp(`process ${c.pid}`));
    process.kill(c.pid!, 'SIGKILL');
    await exited;
    expect(c.signalCode).toBe('SIGKILL');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'lock'), 'utf8')).pid).toBe(c.pid);
    const { b, store, sent } = secondLife(dir);
    expect(sent).toEqual(RESUMED);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'lock'), 'utf8')).pid).toBe(process.pid);
    finish(b, store, sent, dir);
  });
});
