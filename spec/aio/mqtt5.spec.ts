/*
 * MQTTClient with protocol MQTTv5 against mosquitto: CONNECT properties, publish and
 * subscribe properties, SubscribeOptions, and m.properties on received messages.
 */
import { MQTTv5, PacketTypes, Properties, QOS_1, SubscribeOptions } from '../../lib';
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
});
