/*
 * mqttloop/subscribe (paho's subscribe.simple / subscribe.callback) against mosquitto:
 * message counts, retained messages counted unless `retained: false` (paho's code), userdata, ending the callback
 * with client.disconnect() or an exception, auth refusals, the will and re-subscribing after
 * a dropped connection, TLS and WebSockets.
 */
import * as tls from 'node:tls';
import { Client, ConnectError, MQTTMessage, MQTTv31, MQTTv5, QOS_1, ValueError } from '../../lib';
import { multiple, single } from '../../lib/helpers/publish';
import { callback, simple } from '../../lib/helpers/subscribe';
import { outcome, unique, useAioClients, useMosquitto, waitFor, within } from '../aio/support';
import type { MosquittoBroker } from '../support/mosquitto';
import { describeWithMosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';

const AUTH = { username: 'u', password: 'p' };

/** Resolves once mosquitto has answered `n` SUBSCRIBEs from `clientId` (so publishing now reaches it). */
function subscribed(b: MosquittoBroker, clientId: string, n = 1): Promise<void> {
  return waitFor(() => b.log().split('\n').filter((l) => l.includes(`Sending SUBACK to ${clientId}`)).length >= n, 5000,
    `${n} SUBACK(s) to ${clientId}`);
}

describeWithMosquitto('mqttloop/subscribe', () => {
  const broker = useMosquitto({ users: { u: 'p' }, tls: true, websockets: true });
  const make = useAioClients();
  let abort = new AbortController();
  afterEach(() => {
    abort.abort(new Error('test over')); // a failed test leaves no helper running
    abort = new AbortController();
  });
  const opts = () => ({ hostname: '127.0.0.1', port: broker().port, auth: AUTH, signal: abort.signal });
  const pubOpts = () => ({ hostname: '127.0.0.1', port: broker().port, auth: AUTH });

  test('simple(): one message, as an MQTTMessage', async () => {
    const topic = unique('simple');
    const clientId = unique('s');
    const p = simple(topic, { ...opts(), clientId, qos: 1 });
    await subscribed(broker(), clientId);
    await single(topic, 'hello', { ...pubOpts(), qos: 1 });
    const m = await within(p, 5000, 'simple()');
    expect(m).toBeInstanceOf(MQTTMessage);
    expect([m.topic, m.payload.toString(), m.qos, m.retain]).toEqual([topic, 'hello', 1, false]);
  });

  test('simple(): msgCount > 1 gives an array; several topics; retained: false skips retained messages', async () => {
    const t = unique('many');
    await single(`${t}/old`, 'stale', { ...pubOpts(), qos: 1, retain: true });
    const clientId = unique('s');
    const p = simple([`${t}/a`, `${t}/old`], { ...opts(), clientId, qos: 1, msgCount: 3, retained: false });
    await subscribed(broker(), clientId); // one SUBSCRIBE for both filters
    await multiple([[`${t}/a`, 'one', 1], [`${t}/old`, 'fresh', 1], [`${t}/a`, 'three', 1]], pubOpts());
    const got = await within(p, 5000, 'simple()') as MQTTMessage[];
    expect(got.map((m) => m.payload.toString()).sort()).toEqual(['fresh', 'one', 'three']);
    await single(`${t}/old`, null, { ...pubOpts(), qos: 1, retain: true });
  });

  test('simple(): by default (as paho) a topic holding only a retained message gives it', async () => {
    const topic = unique('only-retained');
    await single(topic, 'kept', { ...pubOpts(), qos: 1, retain: true });
    const m = await within(simple(topic, opts()), 5000, 'simple() with the default retained');
    expect([m.topic, m.payload.toString(), m.retain]).toEqual([topic, 'kept', true]);
    await single(topic, null, { ...pubOpts(), qos: 1, retain: true });
  });

  test('simple(): retained: false skips the retained message and waits for a live one', async () => {
    const topic = unique('live');
    await single(topic, 'kept', { ...pubOpts(), qos: 1, retain: true });
    const clientId = unique('s');
    let settled = false;
    const p = simple(topic, { ...opts(), clientId, retained: false });
    p.then(() => { settled = true; }, () => { settled = true; });
    await subscribed(broker(), clientId);
    await waitFor(() => broker().log().includes(`Sending PUBLISH to ${clientId} (d0, q0, r1, m0, '${topic}'`), 5000, 'the retained message to be sent');
    await single(`${topic}/sentinel`, 'x', pubOpts()); // one more round trip through the broker
    expect(settled).toBe(false);
    await single(topic, 'live', pubOpts());
    const m = await within(p, 5000, 'simple() with retained: false');
    expect([m.payload.toString(), m.retain]).toEqual(['live', false]);
    await single(topic, null, { ...pubOpts(), qos: 1, retain: true });
  });

  test('simple(): retained: true counts retained messages', async () => {
    const topic = unique('ret');
    await single(topic, 'kept', { ...pubOpts(), qos: 1, retain: true });
    const m = await within(simple(topic, { ...opts(), retained: true }), 5000, 'simple()');
    expect([m.payload.toString(), m.retain]).toEqual(['kept', true]);
    await single(topic, null, { ...pubOpts(), qos: 1, retain: true });
  });

  test('callback(): gets (client, userdata, message); resolves when it calls client.disconnect()', async () => {
    const t = unique('cb');
    const clientId = unique('c');
    const seen: string[] = [];
    const p = callback((client: Client, userdata: { tag: string }, msg: MQTTMessage) => {
      seen.push(`${userdata.tag} ${msg.topic} ${msg.payload}`);
      if (msg.payload.toString() === 'stop') client.disconnect();
    }, [`${t}/x`, `${t}/y`], { ...opts(), clientId, userdata: { tag: 'U' }, qos: 1 });
    await subscribed(broker(), clientId);
    await multiple([[`${t}/x`, 'a', 1], [`${t}/y`, 'stop', 1]], pubOpts());
    await expect(within(p, 5000, 'callback()')).resolves.toBeUndefined();
    expect(seen).toEqual([`U ${t}/x a`, `U ${t}/y stop`]);
  });

  test.each([
    ['throws', () => { throw new Error('handler failed'); }],
    ['rejects', async () => { throw new Error('handler failed'); }],
  ])('callback(): a callback that %s ends it with that error', async (_how, cb) => {
    const topic = unique('boom');
    const clientId = unique('c');
    const p = outcome(callback(cb, topic, { ...opts(), clientId }));
    await subscribed(broker(), clientId);
    await single(topic, 'x', pubOpts());
    const r = await within(p, 5000, 'callback()');
    expect(!r.ok && r.error.message).toBe('handler failed');
    await waitFor(() => broker().log().includes(`Client ${clientId} disconnected.`), 5000, 'the connection to close');
  });

  test('refused connection: ConnectError with the CONNACK reason', async () => {
    const r = await outcome(simple('a/b', { ...opts(), auth: { username: 'u', password: 'bad' } }));
    expect(!r.ok && r.error).toBeInstanceOf(ConnectError);
    expect(!r.ok && r.error.message).toBe('Connection Refused: not authorised.');
    expect(!r.ok && (r.error as ConnectError).returnCode).toBe(5);
    const c = await outcome(callback(() => undefined, 'a/b', { hostname: '127.0.0.1', port: broker().port }));
    expect(!c.ok && (c.error as ConnectError).returnCode).toBe(5);
  });

  test('an AbortSignal stops simple() and callback(): disconnect, reject with its reason', async () => {
    const ac = new AbortController();
    const clientId = unique('abort');
    const p = outcome(simple(unique('never'), { ...opts(), clientId, signal: ac.signal }));
    await subscribed(broker(), clientId);
    ac.abort(new Error('enough'));
    const r = await within(p, 5000, 'simple() to stop');
    expect(!r.ok && r.error.message).toBe('enough');
    await waitFor(() => broker().log().includes(`Client ${clientId} disconnected.`), 5000, 'the connection to close');
    await expect(callback(() => undefined, 'a/b', { ...opts(), signal: ac.signal })).rejects.toThrow('enough');
  });

  test('bad arguments are ValueErrors', async () => {
    await expect(simple('a/b', { ...opts(), msgCount: 0 })).rejects.toThrow(ValueError);
    await expect(simple('a/b#', opts())).rejects.toThrow(ValueError);
    await expect(simple([], opts())).rejects.toThrow(ValueError);
    await expect(callback('nope' as never, 'a/b', opts())).rejects.toThrow(ValueError);
    await expect(callback(() => undefined, 'a/b', { ...opts(), msgCount: 2 } as never)).rejects.toThrow(/msgCount: not an option of callback/);
  });

  test("paho's arguments that are refused before connecting: ValueError naming them", async () => {
    const port = await freePort(); // nothing listens: a connection attempt would be a ConnectError
    const o = { hostname: '127.0.0.1', port, signal: abort.signal };
    const refused = async (p: Promise<unknown>, message: RegExp | string): Promise<void> => {
      const r = await outcome(p);
      expect(!r.ok && r.error).toBeInstanceOf(ValueError);
      if (!r.ok) expect(r.error.message).toMatch(message);
    };
    await refused(simple('a/b', { ...o, msg_count: 2 } as never), /^msg_count: not an option of simple\(\) \(did you mean 'msgCount'\?\)/);
    await refused(simple('a/b', { ...o, cleanSession: false }), /^cleanSession: false needs a clientId/); // paho: ValueError too
    await refused(simple('a/b', { ...o, will: { topic: 'w', qoss: 1 } as never }), /^will: unknown key 'qoss' \(did you mean 'qos'\?\)/);
    await refused(simple('a/b', { ...o, will: { payload: 'x' } as never }), "will: the 'topic' key is required");
    await refused(simple('a/b', { ...o, auth: { username: 'u', pasword: 'p' } as never }), /^auth: unknown key 'pasword' \(did you mean 'password'\?\)/);
    await refused(simple('a/b', { ...o, tls: { ca_certs: 'x' } as never }), /^ca_certs: not a tlsSet\(\) option \(did you mean caCerts\?\)/);
    await refused(callback(() => undefined, 'a/b', { ...o, protocol: MQTTv5, cleanSession: true }), /^cleanSession: not used with MQTTv5/);
  });

  test('clientId, keepalive, cleanSession and protocol reach the CONNECT (paho 1.6/2.1 arguments)', async () => {
    const ids = [unique('args'), unique('args')];
    const topic = unique('args');
    const p = simple(topic, { ...opts(), clientId: ids[0], keepalive: 17, cleanSession: false, protocol: MQTTv31 });
    await subscribed(broker(), ids[0]);
    await single(topic, 'x', { ...pubOpts(), clientId: ids[1], keepalive: 23 });
    await within(p, 5000, 'simple()');
    const connectLine = (id: string): string => broker().log().split('\n').find((l) => l.includes(`as ${id} `)) ?? '';
    expect(connectLine(ids[0])).toContain(`as ${ids[0]} (p1, c0, k17, u'u')`);
    expect(connectLine(ids[1])).toContain(`as ${ids[1]} (p2, c1, k23, u'u')`);
  });

  test('MQTTv5: simple() leaves cleanSession out (as paho 2.x); will properties and transport in any case', async () => {
    const topic = unique('v5');
    await single(topic, 'v5 kept', { ...pubOpts(), qos: 1, retain: true, protocol: MQTTv5 });
    const m = await within(simple(topic, { ...opts(), protocol: MQTTv5, cleanSession: true, transport: 'TCP' as never }), 5000, 'simple() over MQTT 5');
    expect([m.payload.toString(), m.retain]).toEqual(['v5 kept', true]);
    await single(topic, null, { ...pubOpts(), qos: 1, retain: true });
  });

  test('the will is published when the connection drops; the loop reconnects and subscribes again', async () => {
    const t = unique('will');
    const watcher = make(unique('watch'), { autoReconnect: false });
    await watcher.connect(`mqtt://u:p@127.0.0.1:${broker().port}/`);
    await watcher.subscribe([[`${t}/will`, QOS_1]]);
    const clientId = unique('dies');
    const seen: string[] = [];
    const p = callback((client: Client, _u: unknown, msg: MQTTMessage) => {
      seen.push(msg.payload.toString());
      if (msg.payload.toString() === 'drop') (client.socket() as { destroy(): void }).destroy(); // no DISCONNECT
      if (msg.payload.toString() === 'stop') client.disconnect();
    }, `${t}/cmd`, { ...opts(), clientId, qos: 1, will: { topic: `${t}/will`, payload: 'gone', qos: 1 } });
    await subscribed(broker(), clientId);
    await single(`${t}/cmd`, 'drop', { ...pubOpts(), qos: 1 });
    const will = await watcher.deliverMessage(5);
    expect(will.data.toString()).toBe('gone');
    await subscribed(broker(), clientId, 2); // reconnected and subscribed again (paho: in on_connect)
    await single(`${t}/cmd`, 'stop', { ...pubOpts(), qos: 1 });
    await within(p, 5000, 'callback()');
    expect(seen).toEqual(['drop', 'stop']);
  });

  test('TLS and WebSockets', async () => {
    const b = broker();
    const t = unique('tr');
    const ids = [unique('tls'), unique('ws')];
    const overTls = simple(`${t}/tls`, { hostname: '127.0.0.1', port: b.tlsPort, auth: AUTH, clientId: ids[0], tls: { caCerts: b.certs!.caFile }, signal: abort.signal });
    const overWs = simple(`${t}/ws`, { hostname: '127.0.0.1', port: b.wsPort, auth: AUTH, clientId: ids[1], transport: 'websockets', signal: abort.signal });
    await subscribed(b, ids[0]);
    await subscribed(b, ids[1]);
    await multiple([[`${t}/tls`, 'a'], [`${t}/ws`, 'b']], pubOpts());
    const [m1, m2] = await within(Promise.all([overTls, overWs]), 5000, 'both simple() calls');
    expect([m1.payload.toString(), m2.payload.toString()]).toEqual(['a', 'b']);
  });

  test("tls given as a ready tls.SecureContext (paho's SSLContext form)", async () => {
    const b = broker();
    const topic = unique('ctx');
    const clientId = unique('ctx');
    const ctx = tls.createSecureContext({ ca: b.certs!.caPem });
    const p = simple(topic, { hostname: '127.0.0.1', port: b.tlsPort, auth: AUTH, clientId, tls: ctx, signal: abort.signal });
    await subscribed(b, clientId);
    await single(topic, 'over a context', pubOpts());
    expect((await within(p, 5000, 'simple() over TLS')).payload.toString()).toBe('over a context');
    const wrong = await outcome(simple(topic, { hostname: '127.0.0.1', port: b.tlsPort, auth: AUTH, tls: tls.createSecureContext({ ca: b.certs!.wrongCaPem }), signal: abort.signal }));
    expect(!wrong.ok && wrong.error).toBeInstanceOf(ConnectError);
  });
});
