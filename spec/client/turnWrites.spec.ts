/**
 * What one background pump turn writes (memory transport, fake clock): everything a turn
 * produces leaves in one write. The acknowledgements of every packet the turn answered
 * (PUBACK, PUBREC, PUBCOMP, and the publisher's PUBREL) and the PUBLISHes its callbacks made
 * share it, in order; and since the acks of a turn are written into one run of the shared
 * block (protocol/outputRuns.ts), the transport is handed a single chunk for them.
 */
import { Client, MQTTMessage } from '../../lib';
import { encode, Packet, Parser } from '../../lib/protocol';
import type { Transport } from '../../lib/transport/types';
import { MemoryBroker, publishPacket } from '../support/memoryBroker';
import { promiseJobs, started, useFakeClock } from '../support/wait';

useFakeClock();

/** A broker that records each write() of the client: its chunks, and the packets in them. */
function recording(): { broker: MemoryBroker; writes: Buffer[][]; client(): Client } {
  const broker = new MemoryBroker();
  const writes: Buffer[][] = [];
  const createTransport = (): Transport => {
    const t = broker.listener.createTransport();
    const write = t.write.bind(t);
    t.write = (chunks: Buffer[]) => {
      writes.push(chunks.map((c) => Buffer.from(c)));
      return write(chunks);
    };
    return t;
  };
  return { broker, writes, client: () => broker.client({ createTransport }) };
}

const packetsOf = (chunks: Buffer[]): string[] =>
  new Parser({ protocolVersion: 4 }).feed(Buffer.concat(chunks))
    .map((p) => `${p.type} ${(p as { packetId?: number }).packetId ?? ''}`.trim());

/** One data event carrying `packets`, the way a broker's one write arrives. */
function sendTogether(broker: MemoryBroker, ...packets: Packet[]): void {
  broker.peer.write(Buffer.concat(packets.map((p) => encode(p, 4))));
}

describe('one pump turn, one write', () => {
  test('the PUBACKs of a turn are one chunk of one write', async () => {
    const { broker, writes, client } = recording();
    const c = client();
    await started(c);
    writes.length = 0;
    sendTogether(broker, publishPacket('t', 'a', 1, 1), publishPacket('t', 'b', 1, 2), publishPacket('t', 'c', 1, 3));
    await promiseJobs();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(1);
    expect(packetsOf(writes[0])).toEqual(['puback 1', 'puback 2', 'puback 3']);
    c.disconnect();
  });

  test("the PUBLISHes on_message makes leave with the turn's acks, in order, in one write", async () => {
    const { broker, writes, client } = recording();
    const c = client();
    c.on_message = (cl: Client, _u: unknown, m: MQTTMessage) => { cl.publish('echo', m.payload, 1); };
    await started(c);
    writes.length = 0;
    sendTogether(broker, publishPacket('t', 'a', 1, 1), publishPacket('t', 'b', 2, 2));
    await promiseJobs();
    expect(writes).toHaveLength(1);
    // QoS 1: the handler ran (its PUBLISH), then its PUBACK; QoS 2: the PUBREC, after the acks of the messages before it.
    expect(packetsOf(writes[0])).toEqual(['publish 1', 'puback 1', 'pubrec 2']);
    c.disconnect();
  });

  test("the publisher's PUBRELs and the window's next PUBLISHes leave in one write", async () => {
    const { broker, writes, client } = recording();
    const c = client();
    c.maxInflightMessagesSet(2);
    await started(c);
    for (let i = 0; i < 4; i++) c.publish('t', `m${i}`, 2);
    await promiseJobs();
    writes.length = 0;
    sendTogether(broker, { type: 'pubrec', packetId: 1 }, { type: 'pubcomp', packetId: 1 }, { type: 'pubrec', packetId: 2 });
    await promiseJobs();
    expect(writes).toHaveLength(1);
    expect(packetsOf(writes[0])).toEqual(['pubrel 1', 'publish 3', 'pubrel 2']);
    c.disconnect();
  });
});
