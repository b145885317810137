/**
 * A clean-session publisher, the broker SIGKILLed and restarted (with persistence) in the middle
 * of N QoS 1 + N QoS 2 messages. As paho 1.6 / 2.1 do, the publisher keeps every unfinished
 * message across the lost connection and sends it again after the next CONNACK: QoS 1 with DUP,
 * QoS 2 from PUBLISH with DUP (the new clean session has no record of it), past PUBREC too.
 * The subscriber keeps a persistent session (its side is whole across a kill: brokerKill.spec.ts).
 *
 * What "0 QoS 2 duplicated" needs. mosquitto 2.0 delivers an incoming QoS 2 message onward when
 * it gets the PUBREL, and keeps nothing of a clean session across a restart. Resending from
 * PUBLISH is therefore exact for a message whose PUBREL the broker never processed, and a
 * duplicate for one whose PUBREL it processed but whose PUBCOMP never reached the publisher: no
 * client can tell the two apart on a clean session (only a persistent session can: it resends
 * PUBREL). Likewise a QoS 1 message whose PUBACK was lost is delivered twice (at least once).
 *
 * 1. Killed while the publisher's packets are held in the network and every answer of the
 *    broker has reached it (no acknowledgement lost): 0 lost, 0 duplicated, both QoS.
 * 2. Killed while the broker's answers to the publisher are held (acknowledgements lost): 0 lost;
 *    the duplicates are exactly the QoS 2 messages past PUBREC whose PUBREL the broker had
 *    processed, and the QoS 1 messages it had received, as measured at the kill.
 *
 * Both wait for an exact quiet point before the kill (packets forwarded by the proxy = packets
 * mosquitto logged, answers mosquitto logged = packets the publisher logged), then make mosquitto
 * save (brokerSaved), so its database matches what it told the clients.
 */
import { Client } from '../../lib';
import type { OutMessage } from '../../lib/session/outgoing';
import { useClients } from '../client/support';
import type { Direction, FaultProxy } from '../support/faultProxy';
import { describeWithMosquitto, MosquittoBroker } from '../support/mosquitto';
import {
  brokerSaved, History, publishPaced, report, startStreamClient, StreamCounter, topicOf, uid, useProxiedBroker, waitFor,
} from './support';
import { debugSizes, sessionOf } from '../support/clientInternals';

const N = 2000;
const WINDOW = 20;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Packets mosquitto logged from (its CONNECT: `New client connected ... as id`, then `Received X
 * from id`) or to (`Sending X to id`) one client on its current connection.
 */
function brokerPackets(broker: MosquittoBroker, id: string, dir: Direction): number {
  const log = broker.log();
  const at = log.lastIndexOf(` as ${id} (`);
  if (at < 0) return 0;
  const since = log.slice(log.lastIndexOf('\n', at) + 1);
  const re = dir === 'toBroker' ? new RegExp(`: Received \\w+ from ${escape(id)}( |$)`, 'gm') : new RegExp(`: Sending \\w+ to ${escape(id)}( |$)`, 'gm');
  return (since.match(re)?.length ?? 0) + (dir === 'toBroker' ? 1 : 0);
}

/** A client's own packet log (paho's wording: `Sending PUBLISH ...`, `Received PUBACK ...`), counted per connection. */
function packetLog(c: Client): { sent: number; received: number } {
  const n = { sent: 0, received: 0 };
  c.on_log = (_c: Client, _u: unknown, _l: number, text: string) => {
    if (text.startsWith('Sending CONNECT')) {
      n.sent = 1;
      n.received = 0;
    } else if (text.startsWith('Sending ')) n.sent++;
    else if (text.startsWith('Received ')) n.received++;
  };
  return n;
}

/** The publisher's unfinished messages at this instant, by stream and state. */
function unfinished(pub: Client, run: string): { released2: number[]; sent2: number[]; sent1: number[]; total: number } {
  const msgs = [...(sessionOf(pub).outgoing.messages.values() as Iterable<OutMessage>)];
  const seqs = (qos: 1 | 2, state: string) => msgs.filter((m) => m.topic === topicOf(run, qos) && m.state === state).map((m) => Number(m.payload.toString())).sort((a, b) => a - b);
  return { released2: seqs(2, 'released'), sent2: seqs(2, 'sent'), sent1: seqs(1, 'sent'), total: msgs.length };
}

/** A client of the stream with its packet log, connected through `proxy`. */
interface Peer {
  client: Client;
  id: string;
  packets: { sent: number; received: number };
  h: History;
  proxy: FaultProxy;
}

async function startPeer(make: (o: { clientId: string; cleanSession: boolean }) => Client, id: string, cleanSession: boolean, proxy: FaultProxy, counter?: StreamCounter): Promise<Peer> {
  const client = make({ clientId: id, cleanSession });
  client.reconnectDelaySet(0.05, 0.2);
  counter?.attach(client);
  const packets = packetLog(client);
  const h: History = { connects: [], disconnects: [], fails: [] };
  client.on('connect', (flags, rc) => h.connects.push({ at: 0, sessionPresent: flags.sessionPresent, rc: rc as number })); // MQTT 3.1.1, VERSION1: a number
  client.on('disconnect', (rc) => h.disconnects.push({ at: 0, rc: rc as number }));
  await client.connect(proxy.host, proxy.port, 10);
  client.loopStart();
  if (counter !== undefined) await waitFor(() => counter.subacks >= 1, 5000, `${id} SUBACK`);
  else await waitFor(() => h.connects.length === 1, 5000, `${id} connected`);
  return { client, id, packets, h, proxy };
}

/**
 * The peer is quiet on its current connection, with its proxy holding `held`: mosquitto processed
 * every packet the proxy let through from it, it processed every packet let through to it, and
 * (answers held) wrote nothing the proxy has not let through; (its packets held) every answer
 * mosquitto logged got through.
 */
function quiet(broker: MosquittoBroker, p: Peer, held: Direction): boolean {
  const f = forwarded(p);
  if (f.toBroker !== brokerPackets(broker, p.id, 'toBroker') || f.toClient !== p.packets.received) return false;
  return held === 'toBroker' ? f.toClient === brokerPackets(broker, p.id, 'toClient') : p.packets.sent === f.toBroker;
}

/** Packets the proxy forwarded on the peer's current connection (each proxy serves one peer at a time). */
function forwarded(p: Peer): Record<Direction, number> {
  return p.proxy.lastLinkPackets() ?? { toBroker: 0, toClient: 0 };
}

function describeQuiet(broker: MosquittoBroker, p: Peer): string {
  return `${p.id}: proxy ${JSON.stringify(forwarded(p))}, mosquitto in ${brokerPackets(broker, p.id, 'toBroker')} out ${brokerPackets(broker, p.id, 'toClient')}, client ${JSON.stringify(p.packets)}`;
}

describeWithMosquitto('clean-session publisher, broker SIGKILL + restart mid-stream', () => {
  const clients = useClients();
  const net = useProxiedBroker();

  async function run(tag: string, pubHeld: Direction, markerBase: number) {
    const { broker, pubProxy, subProxy } = net;
    const counter = new StreamCounter(uid(tag), N);
    const make = (o: { clientId: string; cleanSession: boolean }) => clients.make(o);
    const sub = await startPeer(make, uid(`${tag}sub`), false, subProxy, counter);
    const pub = await startPeer(make, uid(`${tag}pub`), true, pubProxy);
    const { client: helper, h: helperH } = await startStreamClient(clients, { id: `${tag}help`, cleanSession: true, delays: [0.05, 0.2], at: broker, what: 'the helper' });

    const atKill: Array<ReturnType<typeof unfinished>> = [];
    let kills = 0;
    // Killed when the subscriber has a third, then two thirds, of the QoS 2 stream.
    const killAt = [N / 3, (2 * N) / 3].map(Math.floor);

    const killRestart = async (): Promise<void> => {
      // The subscriber's acknowledgements always flow (its PUBLISHes are held), so its side is exact too.
      pubProxy.stall(pubHeld);
      subProxy.stall('toClient');
      await waitFor(() => quiet(broker, pub, pubHeld) && quiet(broker, sub, 'toClient')
        && (pubHeld === 'toBroker' || debugSizes(pub.client).inflight === WINDOW), 10000,
      () => `the quiet point (${describeQuiet(broker, pub)}; ${describeQuiet(broker, sub)}; publisher ${JSON.stringify(debugSizes(pub.client))}; subscriber ${JSON.stringify(debugSizes(sub.client))})`);
      await brokerSaved(broker, helper, markerBase + kills);
      atKill.push(unfinished(pub.client, counter.run));
      await broker.kill9();
      kills++;
      pubProxy.dropAll();
      subProxy.dropAll();
      await waitFor(() => pub.h.disconnects.length >= kills && sub.h.disconnects.length >= kills, 5000, 'both clients to notice');
      await broker.restart();
      await waitFor(() => helperH.connects.length === kills + 1, 5000, 'the helper back');
      pubProxy.unstall();
      subProxy.unstall();
    };

    const publishing = publishPaced(pub.client, counter.run, N, 25, 30);
    for (const at of killAt) {
      await waitFor(() => counter.q2.distinct >= at, 30000, () => `${at} QoS 2 messages at the subscriber (${counter.describe()})`);
      await killRestart();
    }
    await publishing;
    await waitFor(() => counter.complete, 20000, () => counter.describe());
    await waitFor(() => debugSizes(pub.client).outgoing === 0, 10000, () => `the publisher to finish every flow (${JSON.stringify(debugSizes(pub.client))})`);
    // A QoS 2 message through the broker after the stream: anything still queued for the subscriber has arrived.
    await helper.publish(topicOf(counter.run, 2), 'end', 2).waitForPublish(5);
    await waitFor(() => counter.q2.strays.includes('end'), 5000, 'the end marker');
    return { counter, kills, atKill, pubH: pub.h, subH: sub.h };
  }

  it(`killed twice with the publisher's packets held, no acknowledgement lost: ${N} QoS 1 + ${N} QoS 2, 0 lost, 0 duplicated`, async () => {
    const { counter, kills, atKill, pubH, subH } = await run('cka', 'toBroker', 100);
    report('clean publisher, broker SIGKILL (publisher packets held)', counter, {
      kills, unfinishedAtKill: atKill.map((u) => ({ total: u.total, qos2PastPubrec: u.released2.length, qos2Sent: u.sent2.length, qos1Sent: u.sent1.length })),
    });
    expect(kills).toBe(2);
    expect(pubH.connects.every((c) => !c.sessionPresent)).toBe(true);
    expect(subH.connects.slice(1).every((c) => c.sessionPresent)).toBe(true);
    // Something was unfinished at each kill, QoS 2 past PUBREC included: the resend was exercised.
    for (const u of atKill) expect(u.total).toBeGreaterThan(0);
    expect(atKill.reduce((n, u) => n + u.released2.length, 0)).toBeGreaterThan(0);
    expect(counter.q1.missing()).toEqual([]);
    expect(counter.q2.missing()).toEqual([]);
    expect(counter.q1.duplicates()).toEqual([]);
    expect(counter.q2.duplicates()).toEqual([]);
  }, 60000);

  it(`killed twice with the broker's answers to the publisher held (acknowledgements lost): 0 lost; duplicated = exactly the messages the broker had taken`, async () => {
    const { counter, kills, atKill } = await run('ckb', 'toClient', 200);
    const expected2 = atKill.flatMap((u) => u.released2).sort((a, b) => a - b);
    const expected1 = atKill.flatMap((u) => u.sent1).sort((a, b) => a - b);
    const dups = (c: typeof counter.q1) => c.duplicates(N).map(([seq]) => seq);
    report('clean publisher, broker SIGKILL (answers to the publisher held)', counter, {
      kills, qos2PastPubrecAtKill: expected2, qos2SentAtKill: atKill.flatMap((u) => u.sent2), qos1SentAtKill: expected1,
      duplicatedQos2: dups(counter.q2), duplicatedQos1: dups(counter.q1),
    });
    expect(kills).toBe(2);
    expect(counter.q1.missing()).toEqual([]);
    expect(counter.q2.missing()).toEqual([]);
    // QoS 2 sent but not yet past PUBREC is not duplicated (mosquitto had not released it onward);
    // past PUBREC, the PUBREL was processed and the PUBCOMP lost: delivered again.
    expect(dups(counter.q2)).toEqual(expected2);
    expect(dups(counter.q1)).toEqual(expected1);
    expect(counter.q2.duplicates(N).every(([, times]) => times === 2)).toBe(true);
  }, 60000);
});

