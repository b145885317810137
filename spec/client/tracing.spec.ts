/**
 * Tracing through node:diagnostics_channel: the channels mqttloop:connect, mqttloop:disconnect,
 * mqttloop:publish and mqttloop:message fire with their documented shapes and in order
 * (connect before message, each before its callback; disconnect on a lost connection, on a
 * server's DISCONNECT and on disconnect()); with no subscriber no message object is built.
 * In-memory broker, fake clock.
 */
import * as dc from 'node:diagnostics_channel';
import { Client, MQTT_ERR_CONN_LOST, MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS, MQTTMessage, MQTTv311, MQTTv5 } from '../../lib';
import * as tracing from '../../lib/client/tracing';
import { MemoryBroker, publishPacket } from '../support/memoryBroker';
import { settle, started, useFakeClock } from '../support/wait';

useFakeClock();

const NAMES = ['mqttloop:connect', 'mqttloop:disconnect', 'mqttloop:publish', 'mqttloop:message'] as const;
type Name = typeof NAMES[number];

/** Subscribes to every channel; `events` records [channel, message] and what the callbacks saw, in order. */
function record(events: Array<[string, unknown]>): () => void {
  const subs = NAMES.map((name) => {
    const fn = (m: unknown) => { events.push([name, m]); };
    dc.subscribe(name, fn);
    return () => dc.unsubscribe(name, fn);
  });
  return () => subs.forEach((u) => u());
}

function of<T>(events: Array<[string, unknown]>, name: Name): T[] {
  return events.filter(([n]) => n === name).map(([, m]) => m as T);
}

describe('tracing channels', () => {
  test('the channels are the shared objects of lib/client/tracing.ts, named as API.md says', () => {
    expect(dc.channel('mqttloop:connect')).toBe(tracing.connectChannel);
    expect(dc.channel('mqttloop:disconnect')).toBe(tracing.disconnectChannel);
    expect(dc.channel('mqttloop:publish')).toBe(tracing.publishChannel);
    expect(dc.channel('mqttloop:message')).toBe(tracing.messageChannel);
  });

  test('connect, publish, message and disconnect: shapes, and each before its callback', async () => {
    const events: Array<[string, unknown]> = [];
    const stop = record(events);
    try {
      const b = new MemoryBroker(4, { clientId: 'traced', protocol: MQTTv311, clock: () => Date.now() });
      b.sessionPresent = false;
      const c = b.client();
      c.on_connect = () => { events.push(['on_connect', null]); };
      c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { events.push(['on_message', m.topic]); };
      c.on_disconnect = (_c: Client, _u: unknown, rc: number) => { events.push(['on_disconnect', rc]); };
      await started(c, 30);
      const info = c.publish('out/t', 'hello', 1, true);
      b.send(publishPacket('in/t', 'world', 1, 5));
      await settle();
      c.disconnect();
      await settle();
      await c.loopStop();

      expect(events.map(([n]) => n)).toEqual([
        'mqttloop:connect', 'on_connect', 'mqttloop:publish', 'mqttloop:message', 'on_message', 'mqttloop:disconnect', 'on_disconnect',
      ]);
      const [connect] = of<tracing.ConnectTrace>(events, 'mqttloop:connect');
      expect(connect).toEqual({ client: c, host: 'broker', port: 1883, clientId: 'traced', protocol: 4, reasonCode: 0, sessionPresent: false });
      const [pub] = of<tracing.PublishTrace>(events, 'mqttloop:publish');
      expect(pub).toEqual({ client: c, topic: 'out/t', qos: 1, retain: true, mid: info.mid, rc: MQTT_ERR_SUCCESS, payload: Buffer.from('hello'), payloadLength: 5 });
      const [msg] = of<tracing.MessageTrace>(events, 'mqttloop:message');
      expect(msg).toMatchObject({ client: c, topic: 'in/t', qos: 1, retain: false, mid: 5, payload: Buffer.from('world') });
      expect(msg.message).toBeInstanceOf(MQTTMessage);
      expect(msg.message.topic).toBe('in/t');
      const [disc] = of<tracing.DisconnectTrace>(events, 'mqttloop:disconnect');
      expect(disc).toEqual({ client: c, host: 'broker', port: 1883, rc: 0, reasonCode: undefined, error: undefined });
    } finally {
      stop();
    }
  });

  test('a refused publish is traced with its rc; a lost connection and a server DISCONNECT are traced with theirs', async () => {
    const events: Array<[string, unknown]> = [];
    const stop = record(events);
    try {
      const b = new MemoryBroker(5, { clientId: 'v5', protocol: MQTTv5, clock: () => Date.now() });
      const c = b.client({ reconnectOnFailure: false });
      expect(c.publish('t', 'x', 0).rc).toBe(MQTT_ERR_NO_CONN); // QoS 0 offline: paho refuses it
      expect(of<tracing.PublishTrace>(events, 'mqttloop:publish')[0]).toMatchObject({ topic: 't', qos: 0, rc: MQTT_ERR_NO_CONN, payloadLength: 1 });

      await started(c, 30);
      b.send({ type: 'disconnect', reasonCode: 0x8b }); // Server shutting down
      await settle();
      b.peer.close();
      await settle();
      const [first] = of<tracing.DisconnectTrace>(events, 'mqttloop:disconnect');
      expect(first).toMatchObject({ client: c, rc: MQTT_ERR_CONN_LOST, reasonCode: 0x8b });

      await c.reconnect();
      await settle();
      expect(of<tracing.ConnectTrace>(events, 'mqttloop:connect').map((m) => m.protocol)).toEqual([5, 5]);
      b.peer.close(); // a lost connection: no DISCONNECT, no reason code
      await settle();
      expect(of<tracing.DisconnectTrace>(events, 'mqttloop:disconnect')[1]).toMatchObject({ rc: MQTT_ERR_CONN_LOST, reasonCode: undefined });
      await c.loopStop();
    } finally {
      stop();
    }
  });

  test('a refused CONNACK is traced with its reason code', async () => {
    const events: Array<[string, unknown]> = [];
    const stop = record(events);
    try {
      const b = new MemoryBroker(4, { clientId: 'refused', protocol: MQTTv311, clock: () => Date.now() });
      b.connackCode = 5;
      const c = b.client({ reconnectOnFailure: false });
      await c.connect('broker', 1883, 30);
      c.loopStart();
      await settle();
      expect(of<tracing.ConnectTrace>(events, 'mqttloop:connect')).toEqual([
        { client: c, host: 'broker', port: 1883, clientId: 'refused', protocol: 4, reasonCode: 5, sessionPresent: false },
      ]);
      await c.loopStop();
    } finally {
      stop();
    }
  });

  test('nothing is built while no one subscribes: the builders run only between subscribe and unsubscribe', async () => {
    const builders = (['traceConnect', 'traceDisconnect', 'tracePublish', 'traceMessage'] as const).map((name) => jest.spyOn(tracing, name));
    const calls = () => builders.map((s) => s.mock.calls.length);
    try {
      const b = new MemoryBroker(4, { clientId: 'quiet', protocol: MQTTv311, clock: () => Date.now() });
      const c = b.client();
      c.on_message = () => {};
      const exchange = async () => {
        await c.connect('broker', 1883, 30);
        await settle();
        c.publish('t', 'x', 1);
        b.send(publishPacket('t', 'y', 0));
        await settle();
        c.disconnect();
        await settle();
      };
      c.loopStart();
      await exchange();
      expect(calls()).toEqual([0, 0, 0, 0]);

      const events: Array<[string, unknown]> = [];
      const stop = record(events);
      await exchange();
      stop();
      expect(calls()).toEqual([1, 1, 1, 1]);
      expect(events.length).toBe(4);

      await exchange();
      expect(calls()).toEqual([1, 1, 1, 1]); // unsubscribed: nothing built again
      await c.loopStop();
    } finally {
      builders.forEach((s) => s.mockRestore());
    }
  });
});
