/*
 * MQTTClient with protocol MQTTv5 against mosquitto: CONNECT properties, publish and
 * subscribe properties, SubscribeOptions, and m.properties on received messages; will,
 * UNSUBSCRIBE and DISCONNECT properties (and ValueError for them on MQTT 3.1.1).
 */
import { MQTTClient, MQTTv311, MQTTv5, PacketTypes, Properties, QOS_1, SubscribeOptions, ValueError } from '../../lib';
import { describeWithMosquitto } from '../support/mosquitto';
import { unique, uriOf, useAioClients, useMosquitto } from './support';

describeWithMosquitto('MQTTClient with MQTT 5', () => {
  const broker = useMosquitto();
  const make = useAioClients();

  test('publish properties arrive as m.properties; SubscribeOptions noLocal; connect properties', async () => {
    const topic = unique('aio5/');
    const connectProps = new Properties(PacketTypes.CONNECT);
    connectProps.SessionExpiryInterval = 30;
    const sub = make(unique('sub'), { protocol: MQTTv5, autoReconnect: false, connectProperties: connectProps });
    expect(await sub.connect(uriOf(broker()))).toBe(0);
    const subProps = new Properties(PacketTypes.SUBSCRIBE);
    subProps.UserProperty = [['who', 'sub']];
    expect(await sub.subscribe([[topic, new SubscribeOptions(QOS_1, true)]], subProps)).toEqual([1]);

    const pub = make(unique('pub'), { protocol: MQTTv5, autoReconnect: false });
    await pub.connect(uriOf(broker()));
    const props = new Properties(PacketTypes.PUBLISH);
    props.ContentType = 'text/plain';
    props.UserProperty = [['k', 'v']];
    const out = await pub.publish(topic, 'hello', QOS_1, false, null, props);
    expect(out.properties).toBe(props);
    // noLocal: the subscriber's own publication does not come back; the publisher's does.
    await sub.publish(topic, 'own', QOS_1);
    await pub.publish(topic, 'second', QOS_1);
    const m1 = await sub.deliverMessage(5);
    expect(m1.data.toString()).toBe('hello');
    expect(m1.properties).toBeInstanceOf(Properties);
    expect(m1.properties!.ContentType).toBe('text/plain');
    expect(m1.properties!.UserProperty).toEqual([['k', 'v']]);
    expect(m1.publishPacket.properties!.ContentType).toBe('text/plain');
    const m2 = await sub.deliverMessage(5);
    expect(m2.data.toString()).toBe('second');
    await sub.unsubscribe([topic]);
  });

  /** Cuts the TCP connection under the client (no DISCONNECT), as a crash would. */
  const cut = (c: MQTTClient) => ((c as unknown as { client: { socket(): { destroy(): void } } }).client.socket()).destroy();

  test('will properties reach the subscriber of the will', async () => {
    const willTopic = unique('aio5will/');
    const watcher = make(unique('watch'), { protocol: MQTTv5, autoReconnect: false });
    await watcher.connect(uriOf(broker()));
    await watcher.subscribe([[willTopic, QOS_1]]);
    const willProps = new Properties(PacketTypes.WILLMESSAGE);
    willProps.UserProperty = [['k', 'v'], ['k', 'w']];
    willProps.MessageExpiryInterval = 600;
    willProps.ContentType = 'text/x';
    const c = make(unique('dies'), { protocol: MQTTv5, autoReconnect: false, will: { topic: willTopic, message: 'gone', qos: 1, properties: willProps } });
    await c.connect(uriOf(broker()));
    cut(c);
    const m = await watcher.deliverMessage(5);
    expect([m.topic, m.data.toString()]).toEqual([willTopic, 'gone']);
    expect(m.properties!.UserProperty).toEqual([['k', 'v'], ['k', 'w']]);
    expect(m.properties!.ContentType).toBe('text/x');
    expect(m.properties!.MessageExpiryInterval).toBeGreaterThan(590); // what is left of it
    expect(m.properties!.MessageExpiryInterval).toBeLessThanOrEqual(600);
  });

  test('unsubscribe() with properties: UNSUBACK, and the filter is gone', async () => {
    const topic = unique('aio5unsub/');
    const c = make(unique('unsub'), { protocol: MQTTv5, autoReconnect: false });
    await c.connect(uriOf(broker()));
    await c.subscribe([[topic, QOS_1], [`${topic}/sentinel`, QOS_1]]);
    const props = new Properties(PacketTypes.UNSUBSCRIBE);
    props.UserProperty = [['why', 'test']];
    await c.unsubscribe([topic], props);
    await c.publish(topic, 'not for us', QOS_1);
    await c.publish(`${topic}/sentinel`, 'end', QOS_1);
    expect((await c.deliverMessage(5)).topic).toBe(`${topic}/sentinel`);
    // A property UNSUBSCRIBE cannot carry: refused before anything is sent.
    await expect(c.unsubscribe([topic], { ContentType: 'x' })).rejects.toThrow(ValueError);
  });

  test('disconnect() with SessionExpiryInterval keeps the session a CONNECT of 1 s would have ended', async () => {
    const id = unique('keep');
    const topic = unique('aio5keep/');
    const connectProps = new Properties(PacketTypes.CONNECT);
    connectProps.SessionExpiryInterval = 1;
    const c = make(id, { protocol: MQTTv5, autoReconnect: false, connectProperties: connectProps });
    await c.connect(uriOf(broker()), false);
    await c.subscribe([[topic, QOS_1]]);
    const props = new Properties(PacketTypes.DISCONNECT);
    props.SessionExpiryInterval = 300;
    props.UserProperty = [['bye', 'now']];
    await c.disconnect(props);
    await new Promise((r) => setTimeout(r, 2500)); // past the CONNECT's 1 s
    const pub = make(unique('pub'), { protocol: MQTTv5, autoReconnect: false });
    await pub.connect(uriOf(broker()));
    await pub.publish(topic, 'queued', QOS_1);
    const again = make(id, { protocol: MQTTv5, autoReconnect: false });
    await again.connect(uriOf(broker()), false);
    const m = await again.deliverMessage(5);
    expect([m.topic, m.data.toString()]).toEqual([topic, 'queued']);
  });

  test('MQTT 3.1.1: properties for the will, UNSUBSCRIBE and DISCONNECT are a ValueError', async () => {
    expect(() => new MQTTClient(unique('v3'), { will: { topic: 'w', properties: { UserProperty: [['k', 'v']] } } })).toThrow(ValueError);
    const c = make(unique('v3'), { protocol: MQTTv311, autoReconnect: false });
    await c.connect(uriOf(broker()));
    await expect(c.unsubscribe(['a'], { UserProperty: [['k', 'v']] })).rejects.toThrow(ValueError);
    await expect(c.disconnect({ UserProperty: [['k', 'v']] })).rejects.toThrow(ValueError);
    expect(c.connected).toBe(true); // the refused disconnect() left the connection alone
    await c.ping();
  });
});
