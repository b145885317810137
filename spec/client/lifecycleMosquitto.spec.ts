/**
 * Client ids, connection ends and loop()'s return codes against a real mosquitto, as paho
 * 1.6.1 and 2.1.0 were seen to behave against the same broker: no id given sends an empty one
 * on 3.1.1 and 5.0 (mosquitto names the connection auto-...), a generated 22-character one on
 * 3.1 or when the broker refuses the empty one; a port nobody listens on fires on_connect_fail;
 * the loop() call that completes a disconnect() returns MQTT_ERR_SUCCESS, later ones
 * MQTT_ERR_CONN_LOST. mosquitto's log says which id each connection had.
 */
import * as net from 'net';
import {
  CallbackAPIVersion, Client, MQTT_ERR_CONN_LOST, MQTT_ERR_SUCCESS, MQTTv31, MQTTv311, MQTTv5,
} from '../../lib';
import { single } from '../../lib/helpers/publish';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { freePorts } from '../support/ports';
import { Clients, waitFor } from './support';

/** The id mosquitto gave the connection from `localPort` ("New client connected from ... as ID (pN, ..."). */
function idSeenByBroker(broker: MosquittoBroker, localPort: number): { id: string; level: string } | undefined {
  const re = new RegExp(`New client connected from 127\\.0\\.0\\.1:${localPort} as (\\S+) \\(p(\\d)`);
  const m = re.exec(broker.log());
  return m ? { id: m[1], level: m[2] } : undefined;
}

function localPort(c: Client): number {
  return (c.socket() as net.Socket).localPort!;
}

/** Runs loop() until `cond` or `max` calls; returns every rc. */
async function loopUntil(c: Client, cond: () => boolean, max = 50): Promise<number[]> {
  const rcs: number[] = [];
  while (!cond() && rcs.length < max) rcs.push(await c.loop(0.1));
  return rcs;
}

describeWithMosquitto('client ids as paho [mosquitto]', () => {
  let broker: MosquittoBroker;
  let strict: MosquittoBroker; // refuses empty client ids, as a broker may
  const clients = new Clients();
  beforeAll(async () => {
    [broker, strict] = await Promise.all([startMosquitto(), startMosquitto({ extraConfig: 'allow_zero_length_clientid false' })]);
  });
  afterAll(async () => {
    await Promise.all([broker?.stop(), strict?.stop()]);
  });
  afterEach(async () => {
    await clients.cleanup();
  });

  test('3.1.1 without an id: CONNECT carries an empty one; mosquitto accepts it and names the client auto-...', async () => {
    const c = clients.make({ clientId: '' });
    const lines: string[] = [];
    c.on_log = (_c: Client, _u: unknown, _l: number, line: string) => lines.push(line);
    let rc: number | null = null;
    c.on_connect = (_c: Client, _u: unknown, _f: unknown, r: number) => { rc = r; };
    expect(c.clientId).toBe('');
    await c.connect(broker.host, broker.port, 60);
    await loopUntil(c, () => rc !== null);
    expect(rc).toBe(0);
    expect(lines.some((l) => l.startsWith('Sending CONNECT') && l.endsWith("client_id=b''"))).toBe(true);
    await waitFor(() => idSeenByBroker(broker, localPort(c)) !== undefined, 5000, 'the connection in mosquitto\'s log');
    expect(idSeenByBroker(broker, localPort(c))).toEqual({ id: expect.stringMatching(/^auto-/), level: '2' });
    expect(c.clientId).toBe('');
  });

  test('5.0 without an id: on_connect gets mosquitto\'s Assigned Client Identifier; clientId stays \'\' and a reconnect gets a new one (as paho 2.1)', async () => {
    const c = clients.make({ clientId: '', protocol: MQTTv5, callbackApiVersion: CallbackAPIVersion.VERSION2 });
    const assigned: string[] = [];
    c.on_connect = (_c: Client, _u: unknown, _f: unknown, _rc: unknown, props?: { AssignedClientIdentifier?: string }) => {
      assigned.push(props?.AssignedClientIdentifier ?? '(none)');
    };
    await c.connect(broker.host, broker.port, 60);
    await loopUntil(c, () => assigned.length === 1);
    const firstPort = localPort(c);
    expect(assigned[0]).toMatch(/^auto-/);
    expect(c.clientId).toBe('');
    await waitFor(() => idSeenByBroker(broker, firstPort) !== undefined, 5000, 'the first connection in mosquitto\'s log');
    expect(idSeenByBroker(broker, firstPort)).toEqual({ id: assigned[0], level: '5' });

    await c.reconnect();
    await loopUntil(c, () => assigned.length === 2);
    expect(assigned[1]).toMatch(/^auto-/);
    expect(assigned[1]).not.toBe(assigned[0]);
    await waitFor(() => idSeenByBroker(broker, localPort(c)) !== undefined, 5000, 'the second connection in mosquitto\'s log');
    expect(idSeenByBroker(broker, localPort(c))).toEqual({ id: assigned[1], level: '5' });
    expect(c.clientId).toBe('');
  });

  test('3.1 without an id: 22 random characters of [0-9a-zA-Z], the id mosquitto sees', async () => {
    const c = clients.make({ clientId: '', protocol: MQTTv31 });
    expect(c.clientId).toMatch(/^[0-9a-zA-Z]{22}$/);
    let rc: number | null = null;
    c.on_connect = (_c: Client, _u: unknown, _f: unknown, r: number) => { rc = r; };
    await c.connect(broker.host, broker.port, 60);
    await loopUntil(c, () => rc !== null);
    expect(rc).toBe(0);
    await waitFor(() => idSeenByBroker(broker, localPort(c)) !== undefined, 5000, 'the connection in mosquitto\'s log');
    expect(idSeenByBroker(broker, localPort(c))).toEqual({ id: c.clientId, level: '1' });
  });

  test('3.1.1 against a broker refusing empty ids: one retry with a generated id, one on_connect (rc 0), every loop() MQTT_ERR_SUCCESS', async () => {
    const c = clients.make({ clientId: '' });
    const seen: string[] = [];
    c.on_connect = (_c: Client, _u: unknown, _f: unknown, r: number) => seen.push(`connect ${r}`);
    c.on_disconnect = (_c: Client, _u: unknown, r: number) => seen.push(`disconnect ${r}`);
    await c.connect(strict.host, strict.port, 60);
    const rcs = await loopUntil(c, () => seen.length > 0);
    expect(seen).toEqual(['connect 0']);
    expect(rcs.every((rc) => rc === MQTT_ERR_SUCCESS)).toBe(true);
    expect(c.clientId).toMatch(/^[0-9a-zA-Z]{22}$/);
    await waitFor(() => idSeenByBroker(strict, localPort(c)) !== undefined, 5000, 'the retry in mosquitto\'s log');
    expect(idSeenByBroker(strict, localPort(c))).toEqual({ id: c.clientId, level: '2' });
  });

  test('the one-shot helpers without a clientId send an empty one too (as paho\'s publish.single)', async () => {
    await single('ids/helper', 'x', { hostname: broker.host, port: broker.port });
    await waitFor(() => /New client connected from \S+ as auto-\S+ \(p2, c1, k60\)/.test(broker.log()), 5000, 'the helper\'s connection in the log');
  });
});

describeWithMosquitto('connection ends and loop() return codes as paho [mosquitto]', () => {
  let broker: MosquittoBroker;
  const clients = new Clients();
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });
  afterEach(async () => {
    await clients.cleanup();
  });

  test('a port nobody listens on: loopStart() fires on_connect_fail per attempt, never on_disconnect; connect() rejects and calls nothing', async () => {
    const [port] = await freePorts(1);
    const c = clients.make();
    c.reconnectDelaySet(0.05, 0.05);
    const seen: string[] = [];
    c.on_connect_fail = () => seen.push('connect_fail');
    c.on_disconnect = () => seen.push('disconnect');
    await expect(c.connect('127.0.0.1', port, 60)).rejects.toThrow(/ECONNREFUSED/);
    expect(seen).toEqual([]);
    c.loopStart();
    await waitFor(() => seen.length >= 2, 5000, () => `two failed attempts (seen ${JSON.stringify(seen)})`);
    expect(new Set(seen)).toEqual(new Set(['connect_fail']));
  });

  test('manual loop(), disconnect() outside a callback: on_disconnect (rc 0) runs inside it, as paho\'s; loop() then returns MQTT_ERR_CONN_LOST; the DISCONNECT reaches mosquitto', async () => {
    const c = clients.make({ protocol: MQTTv311 });
    let connectedRc: number | null = null;
    let disconnectRc: number | null = null;
    c.on_connect = (_c: Client, _u: unknown, _f: unknown, r: number) => { connectedRc = r; };
    c.on_disconnect = (_c: Client, _u: unknown, r: number) => { disconnectRc = r; };
    await c.connect(broker.host, broker.port, 60);
    await loopUntil(c, () => connectedRc !== null);
    expect(connectedRc).toBe(0);
    const port = localPort(c);
    expect(c.disconnect()).toBe(MQTT_ERR_SUCCESS);
    expect(disconnectRc).toBe(0);
    expect(c.isConnected()).toBe(false);
    expect(await c.loop(0.01)).toBe(MQTT_ERR_CONN_LOST);
    expect(await c.loop(0.01)).toBe(MQTT_ERR_CONN_LOST);
    // mosquitto saw a DISCONNECT, not a lost connection.
    const id = idSeenByBroker(broker, port)!.id;
    await waitFor(() => broker.log().includes(`Received DISCONNECT from ${id}`), 5000, 'DISCONNECT in mosquitto\'s log');
  });

  test('loopStart(), then disconnect() and loopStop(): on_disconnect (rc 0) has run when loopStop() resolves', async () => {
    const c = clients.make();
    const seen: string[] = [];
    c.on_connect = (_c: Client, _u: unknown, _f: unknown, r: number) => seen.push(`connect ${r}`);
    c.on_disconnect = (_c: Client, _u: unknown, r: number) => seen.push(`disconnect ${r}`);
    await c.connect(broker.host, broker.port, 60);
    c.loopStart();
    await waitFor(() => seen.length > 0, 5000, 'on_connect');
    c.disconnect();
    expect(await c.loopStop()).toBe(MQTT_ERR_SUCCESS);
    expect(seen).toEqual(['connect 0', 'disconnect 0']);
  });

  test('disconnect() from on_message under a manual loop(): the call completing it returns MQTT_ERR_SUCCESS (on_disconnect rc 0), later ones MQTT_ERR_CONN_LOST', async () => {
    const c = clients.make({ protocol: MQTTv311 });
    let disconnectRc: number | null = null;
    c.on_connect = (cl: Client) => { cl.subscribe('ends/manual', 0); };
    c.on_message = (cl: Client) => { cl.disconnect(); };
    c.on_disconnect = (_c: Client, _u: unknown, r: number) => { disconnectRc = r; };
    await c.connect(broker.host, broker.port, 60);
    let port = 0;
    c.on_subscribe = (cl: Client) => { port = localPort(cl); cl.publish('ends/manual', 'bye'); };
    const rcs = await loopUntil(c, () => disconnectRc !== null);
    expect(disconnectRc).toBe(0);
    expect(rcs.every((rc) => rc === MQTT_ERR_SUCCESS)).toBe(true);
    expect(await c.loop(0.01)).toBe(MQTT_ERR_CONN_LOST);
    const id = idSeenByBroker(broker, port)!.id;
    await waitFor(() => broker.log().includes(`Received DISCONNECT from ${id}`), 5000, 'DISCONNECT in mosquitto\'s log');
  });
});
