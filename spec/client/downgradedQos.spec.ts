/**
 * A broker that downgrades QoS 2 (RabbitMQ's MQTT plugin 3.10 grants QoS 1 for QoS 2 and answers
 * a QoS 2 PUBLISH with a PUBACK), played by the scripted broker on the memory transport. As paho
 * 1.6 / 2.1 (_handle_pubackcomp goes by the id alone), the PUBACK completes the message: on_publish
 * fires, waitForPublish() resolves, the in-flight slot is freed; a warning says what happened.
 */
import { Client, MQTT_LOG_WARNING } from '../../lib';
import { MemoryBroker } from '../support/memoryBroker';
import { settle } from '../support/wait';
import { debugSizes } from '../support/clientInternals';

describe('a broker that answers a QoS 2 PUBLISH with PUBACK', () => {
  test('on_publish fires, waitForPublish() resolves, the window slot is freed, a warning is logged', async () => {
    const broker = new MemoryBroker();
    const c: Client = broker.client();
    c.maxInflightMessagesSet(1);
    const published: number[] = [];
    const warnings: string[] = [];
    c.on_publish = (_c: Client, _u: unknown, mid: number) => { published.push(mid); };
    c.on_log = (_c: Client, _u: unknown, level: number, text: string) => { if (level === MQTT_LOG_WARNING) warnings.push(text); };
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await settle();
    const first = c.publish('rabbit/t', 'one', 2);
    const second = c.publish('rabbit/t', 'two', 2);
    await settle();
    expect(broker.receivedOf('publish').map((p) => p.packetId)).toEqual([first.mid]); // window of 1
    broker.send({ type: 'puback', packetId: first.mid });
    await settle();
    await expect(first.waitForPublish()).resolves.toBeUndefined();
    expect(published).toEqual([first.mid]);
    expect(broker.receivedOf('pubrel')).toEqual([]);
    expect(broker.receivedOf('publish').map((p) => p.packetId)).toEqual([first.mid, second.mid]);
    broker.send({ type: 'puback', packetId: second.mid });
    await settle();
    await expect(second.waitForPublish()).resolves.toBeUndefined();
    expect(published).toEqual([first.mid, second.mid]);
    expect(warnings).toEqual([
      `Received PUBACK for QoS 2 message ${first.mid} to 'rabbit/t': the broker handled it as QoS 1`,
      `Received PUBACK for QoS 2 message ${second.mid} to 'rabbit/t': the broker handled it as QoS 1`,
    ]);
    expect(debugSizes(c)).toMatchObject({ outgoing: 0, inflight: 0 });
    c.disconnect();
    await c.loopStop();
  });
});
