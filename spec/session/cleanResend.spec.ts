/**
 * Session engine: what a clean session sends again after a lost connection.
 *
 * paho 1.6.1 and 2.1.0 (_messages_reconnect_reset_out, then _handle_connack) keep every
 * unfinished QoS 1/2 message across a lost connection, clean session or not, and send it
 * again after the next CONNACK: QoS 1 as PUBLISH with DUP; QoS 2 on a clean session from
 * PUBLISH with DUP, even past PUBREC (the new session has no record of it); QoS 2 past PUBREC
 * on a resumed session as PUBREL. Measured against both with a scripted broker: same packets,
 * same order. Incoming QoS 2 ids are forgotten on a clean session (_messages_reconnect_reset_in).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MQTT_ERR_SUCCESS } from '../../lib/constants';
import type { OutgoingState, OutgoingStore, StoredMessage } from '../../lib/store/types';
import { fileStore } from '../../lib/store/file';
import { ack, pub, ScriptedBroker, settled, types } from './harness';

const T0 = 1_000_000;

/**
 * paho's own scenario, as run against it: window 3; QoS 1 m1, QoS 2 m2 and m3 go out, m4
 * (QoS 2) and m5 (QoS 1) wait behind the window; the broker PUBRECs m3 (PUBREL goes out);
 * the connection drops.
 */
function pahoScenario(cleanSession: boolean, protocol: 4 | 5 = 4, store?: OutgoingStore) {
  const b = new ScriptedBroker({ cleanSession, protocol, maxInflight: 3, ...(store ? { store } : {}) }, T0);
  b.connectAndAccept();
  const infos = [b.publish('t', 'a', 1), b.publish('t', 'b', 2), b.publish('t', 'c', 2), b.publish('t', 'd', 2), b.publish('t', 'e', 1)];
  expect(b.sentPackets()).toEqual([pub('t', 'a', 1, 1), pub('t', 'b', 2, 2), pub('t', 'c', 2, 3)]);
  b.brokerSends({ type: 'pubrec', packetId: 3 });
  expect(b.sentPackets()).toEqual([ack('pubrel', 3)]);
  b.s.connectionLost();
  b.s.config.maxInflight = 0; // the whole resend in one go, as paho sends it
  return { b, infos };
}

describe('clean session: resend after a lost connection', () => {
  it('3.1.1: PUBLISH d1 m1, PUBLISH d1 m2, PUBLISH d1 m3 (was past PUBREC), then the never-sent m4, m5 with DUP 0', async () => {
    const { b, infos } = pahoScenario(true);
    for (const info of infos) {
      expect(info.rc).toBe(MQTT_ERR_SUCCESS);
      expect(info.isPublished()).toBe(false);
    }
    expect(b.connectAndAccept(false)).toEqual([
      pub('t', 'a', 1, 1, { dup: true }),
      pub('t', 'b', 2, 2, { dup: true }),
      pub('t', 'c', 2, 3, { dup: true }),
      pub('t', 'd', 2, 4),
      pub('t', 'e', 1, 5),
    ]);
    expect(await settled(infos[2].waitForPublish())).toBe('pending');
    // m3 goes through its whole QoS 2 flow again.
    b.brokerSends({ type: 'pubrec', packetId: 3 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 3)]);
    b.brokerSends({ type: 'pubcomp', packetId: 3 });
    await expect(infos[2].waitForPublish()).resolves.toBeUndefined();
  });

  it('5.0 with Clean Start 1: the same packets', () => {
    const { b } = pahoScenario(true, 5);
    const sent = b.connectAndAccept(false);
    expect(types(sent)).toEqual(['publish', 'publish', 'publish', 'publish', 'publish']);
    expect(sent.map((p) => (p.type === 'publish' ? p.dup : null))).toEqual([true, true, true, false, false]);
  });

  it('resumed session (contrast): m3 past PUBREC goes as PUBREL, as paho', () => {
    const { b } = pahoScenario(false);
    expect(b.connectAndAccept(true)).toEqual([
      pub('t', 'a', 1, 1, { dup: true }),
      pub('t', 'b', 2, 2, { dup: true }),
      ack('pubrel', 3),
      pub('t', 'd', 2, 4),
      pub('t', 'e', 1, 5),
    ]);
  });

  it('resumed session the broker lost (Session Present 0): the same resends, DUP 1 and PUBREL, as paho (it does not look at the flag)', () => {
    const { b } = pahoScenario(false);
    expect(b.connectAndAccept(false)).toEqual([
      pub('t', 'a', 1, 1, { dup: true }),
      pub('t', 'b', 2, 2, { dup: true }),
      ack('pubrel', 3),
      pub('t', 'd', 2, 4),
      pub('t', 'e', 1, 5),
    ]);
  });

  it('5.0, MQTT_CLEAN_START_FIRST_ONLY: the first connection is clean, the second resumes, so m3 goes as PUBREL', () => {
    const { b } = pahoScenario(true, 5);
    b.s.config.cleanSession = false; // what Client.reconnect() sets after the first CONNACK
    expect(types(b.connectAndAccept(true))).toEqual(['publish', 'publish', 'pubrel', 'publish', 'publish']);
  });

  it('lost again before CONNACK, and again after the resends were written: still PUBLISH with DUP for m3', () => {
    const { b } = pahoScenario(true);
    b.connect();
    b.s.connectionLost(); // no CONNACK
    b.connectAndAccept(false);
    b.brokerSends({ type: 'pubrec', packetId: 2 }); // m2 past PUBREC on this connection
    expect(b.sentPackets()).toEqual([ack('pubrel', 2)]);
    b.s.connectionLost();
    expect(b.connectAndAccept(false)).toEqual([
      pub('t', 'a', 1, 1, { dup: true }),
      pub('t', 'b', 2, 2, { dup: true }),
      pub('t', 'c', 2, 3, { dup: true }),
      pub('t', 'd', 2, 4, { dup: true }),
      pub('t', 'e', 1, 5, { dup: true }),
    ]);
  });

  it('incoming QoS 2 awaiting PUBREL is dropped (the broker forgot it too): a stray PUBREL is completed, the new session\'s message with the same id is delivered', () => {
    const b = new ScriptedBroker({ cleanSession: true }, T0);
    b.connectAndAccept();
    b.brokerSends(pub('in', 'x', 2, 11));
    expect(b.events().filter((e) => e.kind === 'message')).toHaveLength(0);
    b.s.connectionLost();
    expect(b.s.incomingQos2.size).toBe(1); // kept until we know the next session is clean (paho: at reconnect)
    b.connectAndAccept(false);
    expect(b.s.incomingQos2.size).toBe(0);
    b.sentPackets();
    b.brokerSends({ type: 'pubrel', packetId: 11 });
    expect(b.events().filter((e) => e.kind === 'message')).toHaveLength(0);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 11)]);
    b.brokerSends(pub('in', 'y', 2, 11), { type: 'pubrel', packetId: 11 });
    const got = b.events().flatMap((e) => (e.kind === 'message' ? [e.message] : []));
    expect(got.map((m) => m.payload.toString())).toEqual(['y']);
  });

  it('the store journals m3 back to "sent" (a restart resends it from PUBLISH too) and forgets each message once it completes', () => {
    const calls: Array<[string, number, OutgoingState?]> = [];
    const store: OutgoingStore = {
      load: () => [], put: (m: StoredMessage) => { calls.push(['put', m.mid]); }, setState: (mid, state) => { calls.push(['state', mid, state]); },
      delete: (mid) => { calls.push(['delete', mid]); }, clear: () => undefined, flush: () => undefined, close: () => undefined,
    };
    const { b } = pahoScenario(true, 4, store);
    calls.length = 0;
    b.connectAndAccept(false);
    expect(calls.filter((c) => c[0] === 'state' && c[1] === 3)[0]).toEqual(['state', 3, 'sent']);
    b.brokerSends(
      { type: 'puback', packetId: 1 }, { type: 'pubrec', packetId: 2 }, { type: 'pubrec', packetId: 3 },
      { type: 'pubrec', packetId: 4 }, { type: 'puback', packetId: 5 },
    );
    b.brokerSends(...[2, 3, 4].map((id) => ({ type: 'pubcomp' as const, packetId: id })));
    expect(calls.filter((c) => c[0] === 'delete').map((c) => c[1]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(b.s.outgoing.size).toBe(0);
  });

  it('file store: a process restarted with a clean session resends what the journal held, m3 from PUBLISH', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-clean-'));
    try {
      const first = fileStore(dir);
      pahoScenario(true, 4, first);
      first.flush();
      first.close(); // the process ends with five unfinished messages
      const second = fileStore(dir);
      const b = new ScriptedBroker({ cleanSession: true, store: second }, T0);
      expect(b.connectAndAccept(false)).toEqual([
        pub('t', 'a', 1, 1, { dup: true }),
        pub('t', 'b', 2, 2, { dup: true }),
        pub('t', 'c', 2, 3, { dup: true }),
        pub('t', 'd', 2, 4),
        pub('t', 'e', 1, 5),
      ]);
      second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
