/**
 * Fuzzing the Client with random and mutated broker byte streams (see clientFuzz.ts for the
 * properties). `npm run fuzz` runs the same properties with many more runs (spec/fuzz-long).
 */
import { Client, MQTT_ERR_PROTOCOL } from '../../lib';
import { encode } from '../../lib/protocol';
import { MemoryListener, MemoryPeer } from '../../lib/transport/memory';
import { defineClientFuzz, runClient } from './clientFuzz';

jest.setTimeout(60000);

describe('Client fuzzing (memory transport)', () => {
  defineClientFuzz(300);
});

describe('Client fuzzing: cases kept as specs', () => {
  it('a PUBLISH with QoS 3 closes the connection with MQTT_ERR_PROTOCOL and delivers nothing', async () => {
    const r = await runClient(4, [Buffer.from([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01])]);
    expect(r.delivered).toEqual([]);
    expect(r.disconnectRc).toBe(MQTT_ERR_PROTOCOL);
  });

  it('under loopStart(), a stream of garbage ends in on_disconnect with an rc (no throw from the pump)', async () => {
    const listener = new MemoryListener();
    const c = new Client({ clientId: 'fz2', reconnectOnFailure: false, createTransport: () => listener.createTransport() });
    let rc: number | null = null;
    c.on_disconnect = (_c: Client, _u: unknown, r: number) => { rc = r; };
    await c.connect('fuzz.invalid', 1883, 60);
    c.loopStart();
    const peer = listener.last as MemoryPeer;
    peer.write(encode({ type: 'connack', sessionPresent: false, reasonCode: 0 }, 4));
    for (let i = 0; i < 50 && !c.isConnected(); i++) await new Promise((r2) => setImmediate(r2));
    expect(c.isConnected()).toBe(true);
    peer.write(Buffer.from([0x30, 0x03, 0x00, 0x01, 0x61, 0xff, 0xff, 0xff, 0xff, 0xff]));
    for (let i = 0; i < 50 && rc === null; i++) await new Promise((r2) => setImmediate(r2));
    expect(rc).toBe(MQTT_ERR_PROTOCOL);
    await c.loopStop();
  });

  it('memory: a broker claiming a 256 MB packet does not make the client reserve 256 MB', async () => {
    // Fixed header of a PUBLISH with Remaining Length 268,435,455 (the protocol maximum),
    // then a few bytes of it, and nothing more.
    const before = process.memoryUsage().arrayBuffers;
    const listener = new MemoryListener();
    const c = new Client({ clientId: 'fz3', reconnectOnFailure: false, createTransport: () => listener.createTransport() });
    await c.connect('fuzz.invalid', 1883, 60);
    const peer = listener.last as MemoryPeer;
    peer.write(encode({ type: 'connack', sessionPresent: false, reasonCode: 0 }, 4));
    for (let i = 0; i < 20 && !c.isConnected(); i++) await c.loop(0.01);
    peer.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x61]));
    for (let i = 0; i < 5; i++) await c.loop(0.005);
    const grew = process.memoryUsage().arrayBuffers - before;
    c.disconnect();
    for (let i = 0; i < 5; i++) await c.loop(0.005);
    expect(grew).toBeLessThan(16 * 1024 * 1024);
  });
});
