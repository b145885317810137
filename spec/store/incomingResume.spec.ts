/**
 * The session engine with a fileStore and incoming QoS 2 messages (delivered at PUBREL, as
 * paho): a message PUBREC'd by a process that then died is journaled, so a new Session built
 * on the crash image delivers it once at the broker's resent PUBREL and answers PUBCOMP. A
 * message delivered but whose PUBCOMP the application still held at the crash is delivered
 * again (at least once at a crash, never lost). Session Present 0 or a clean session drops
 * them, from memory and from the store.
 */
import type { MQTTMessage } from '../../lib/message';
import { fileStore, FileStore } from '../../lib/store/file';
import { ack, pub, ScriptedBroker } from '../session/harness';
import { useStoreDirs } from './support';
const { tmpDir, open, crashImage } = useStoreDirs('inresume');

function delivered(b: ScriptedBroker): MQTTMessage[] {
  return b.events().flatMap((e) => (e.kind === 'message' ? [e.message] : []));
}

/**
 * First life: three QoS 2 messages arrive (1, 2, 3) and are PUBREC'd; the broker releases 1,
 * which is delivered and completed. 2 and 3 wait for their PUBREL when the process dies.
 */
function firstLife(store: FileStore, protocol: 4 | 5 = 4): ScriptedBroker {
  const b = new ScriptedBroker({ cleanSession: false, store, protocol });
  b.connectAndAccept();
  const props = protocol === 5 ? { UserProperty: [['k', 'v']] as Array<[string, string]> } : undefined;
  b.brokerSends(pub('in/1', 'one', 2, 1), pub('in/2', 'two', 2, 2, { properties: props }), pub('in/3', 'three', 2, 3, { retain: true, dup: true }));
  expect(b.sentPackets()).toEqual([ack('pubrec', 1), ack('pubrec', 2), ack('pubrec', 3)]);
  expect(delivered(b)).toEqual([]);
  b.brokerSends({ type: 'pubrel', packetId: 1 });
  expect(delivered(b).map((m) => m.payload.toString())).toEqual(['one']);
  expect(b.sentPackets()).toEqual([ack('pubcomp', 1)]);
  return b;
}

describe('incoming QoS 2 messages awaiting PUBREL across a crash (fileStore)', () => {
  it('are journaled before their PUBREC and forgotten once completed', () => {
    const dir = tmpDir();
    const store = open(dir);
    const b = new ScriptedBroker({ cleanSession: false, store });
    b.connectAndAccept();
    b.brokerSends(pub('in/1', 'one', 2, 1));
    // The record is there before the PUBREC is taken for the socket (the client syncs the store first).
    expect(store.incoming!.load().map((m) => m.mid)).toEqual([1]);
    expect(b.sentPackets()).toEqual([ack('pubrec', 1)]);
    b.brokerSends({ type: 'pubrel', packetId: 1 });
    expect(store.incoming!.load()).toEqual([]);
    expect(delivered(b)).toHaveLength(1);
  });

  it('Session Present 1: the resent PUBRELs deliver each once, with topic, payload, retain, DUP; then PUBCOMP', () => {
    const dir = tmpDir();
    firstLife(open(dir)); // never closed: the process dies here
    const image = crashImage(dir);
    const store = open(image);
    const b = new ScriptedBroker({ cleanSession: false, store });
    expect([...b.s.incomingQos2.keys()]).toEqual([2, 3]);
    expect(b.connectAndAccept(true)).toEqual([]);
    // The broker resends its PUBRELs (it had our PUBRECs), and one for 1, whose PUBCOMP it lost.
    b.brokerSends({ type: 'pubrel', packetId: 1 }, { type: 'pubrel', packetId: 2 }, { type: 'pubrel', packetId: 3 });
    const got = delivered(b);
    expect(got.map((m) => [m.topic, m.payload.toString(), m.qos, m.mid, m.retain, m.dup])).toEqual([
      ['in/2', 'two', 2, 2, false, false],
      ['in/3', 'three', 2, 3, true, true],
    ]);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 1), ack('pubcomp', 2), ack('pubcomp', 3)]);
    expect(b.s.incomingQos2.size).toBe(0);
    expect(store.incoming!.load()).toEqual([]);
    // A PUBREL resent again (our PUBCOMP lost) is completed without a second delivery.
    b.brokerSends({ type: 'pubrel', packetId: 2 });
    expect(delivered(b)).toEqual([]);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 2)]);
    store.close();
    expect(fileStore(image).incoming!.load()).toEqual([]);
  });

  it('a resent PUBLISH (the broker never got our PUBREC) replaces the journaled one; delivered once', () => {
    const dir = tmpDir();
    firstLife(open(dir));
    const store = open(crashImage(dir));
    const b = new ScriptedBroker({ cleanSession: false, store });
    b.connectAndAccept(true);
    b.brokerSends(pub('in/2', 'two', 2, 2, { dup: true }));
    expect(b.sentPackets()).toEqual([ack('pubrec', 2)]);
    expect(delivered(b)).toEqual([]);
    b.brokerSends({ type: 'pubrel', packetId: 2 }, { type: 'pubrel', packetId: 3 });
    expect(delivered(b).map((m) => [m.mid, m.dup])).toEqual([[2, true], [3, true]]);
    expect(store.incoming!.load()).toEqual([]);
  });

  it('MQTT 5 properties come back with the message', () => {
    const dir = tmpDir();
    firstLife(open(dir), 5);
    const store = open(crashImage(dir));
    const b = new ScriptedBroker({ cleanSession: false, store, protocol: 5 });
    b.connectAndAccept(true);
    b.brokerSends({ type: 'pubrel', packetId: 2, reasonCode: 0 });
    const [m] = delivered(b);
    expect(m.payload.toString()).toBe('two');
    m._v5 = true;
    expect(m.properties!.UserProperty).toEqual([['k', 'v']]);
  });

  it('Session Present 0: the broker lost our session; they are dropped, from the store too', () => {
    const dir = tmpDir();
    firstLife(open(dir));
    const image = crashImage(dir);
    const store = open(image);
    const b = new ScriptedBroker({ cleanSession: false, store });
    expect(b.s.incomingQos2.size).toBe(2);
    b.connectAndAccept(false);
    expect(b.s.incomingQos2.size).toBe(0);
    expect(store.incoming!.load()).toEqual([]);
    b.brokerSends({ type: 'pubrel', packetId: 2 }); // a stray one: completed, nothing delivered
    expect(delivered(b)).toEqual([]);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 2)]);
    store.close();
    expect(fileStore(image).incoming!.load()).toEqual([]);
  });

  it('a clean session loads none of them and clears the store at CONNECT', () => {
    const dir = tmpDir();
    firstLife(open(dir));
    const image = crashImage(dir);
    const store = open(image);
    const b = new ScriptedBroker({ cleanSession: true, store });
    expect(b.s.incomingQos2.size).toBe(0);
    b.connectAndAccept(false);
    expect(store.incoming!.load()).toEqual([]);
    store.close();
    expect(fileStore(image).incoming!.load()).toEqual([]);
  });

  it('holdAcks: delivered but its PUBCOMP still held at the crash -> delivered again after the restart; once acknowledged -> not', () => {
    const dir = tmpDir();
    const store = open(dir);
    const b = new ScriptedBroker({ cleanSession: false, store });
    b.s.holdAcks = true;
    b.connectAndAccept();
    b.brokerSends(pub('in/1', 'held', 2, 1), pub('in/2', 'acked', 2, 2));
    expect(b.sentPackets()).toEqual([ack('pubrec', 1), ack('pubrec', 2)]);
    b.brokerSends({ type: 'pubrel', packetId: 1 }, { type: 'pubrel', packetId: 2 });
    const [m1, m2] = delivered(b);
    b.s.holdAck(m1); // as the client does for a handler still running (an async one, manual ack)
    b.s.holdAck(m2);
    expect(b.sentPackets()).toEqual([]); // both PUBCOMPs wait for the application
    expect(b.s.ackMessage(m2, b.now)).toBe(true);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 2)]);
    void m1; // its handler never finished: the process dies now
    const store2 = open(crashImage(dir));
    const b2 = new ScriptedBroker({ cleanSession: false, store: store2 });
    b2.s.holdAcks = true;
    expect([...b2.s.incomingQos2.keys()]).toEqual([1]);
    b2.connectAndAccept(true);
    b2.brokerSends({ type: 'pubrel', packetId: 1 }, { type: 'pubrel', packetId: 2 });
    const again = delivered(b2);
    expect(again.map((m) => m.payload.toString())).toEqual(['held']);
    b2.s.holdAck(again[0]);
    expect(b2.sentPackets()).toEqual([ack('pubcomp', 2)]);
    b2.s.ackMessage(again[0], b2.now);
    expect(b2.sentPackets()).toEqual([ack('pubcomp', 1)]);
    expect(store2.incoming!.load()).toEqual([]);
  });

  it('holdAcks, acknowledged while offline: the owed PUBCOMP also removes the record', () => {
    const dir = tmpDir();
    const store = open(dir);
    const b = new ScriptedBroker({ cleanSession: false, store });
    b.s.holdAcks = true;
    b.connectAndAccept();
    b.brokerSends(pub('in/1', 'x', 2, 1));
    b.sentPackets();
    b.brokerSends({ type: 'pubrel', packetId: 1 });
    const [m] = delivered(b);
    b.s.holdAck(m);
    b.s.connectionLost();
    expect(store.incoming!.load().map((r) => r.mid)).toEqual([1]);
    expect(b.s.ackMessage(m, b.now)).toBe(true);
    expect(store.incoming!.load()).toEqual([]);
  });

  it('holdAcks, a handler that returned at once (ackNow): the record goes with its PUBCOMP', () => {
    const store = open(tmpDir());
    const b = new ScriptedBroker({ cleanSession: false, store });
    b.s.holdAcks = true;
    b.connectAndAccept();
    b.brokerSends(pub('in/1', 'x', 2, 1));
    b.sentPackets();
    b.brokerSends({ type: 'pubrel', packetId: 1 });
    const [m] = delivered(b);
    expect(store.incoming!.load().map((r) => r.mid)).toEqual([1]);
    b.s.ackNow(m);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 1)]);
    expect(store.incoming!.load()).toEqual([]);
  });
});
