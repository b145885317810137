/**
 * What loopForever() resolves with, as paho's loop_forever returns (1.6.1 and 2.1.0 were run
 * against scripted servers doing the same, and agreed): MQTT_ERR_CONN_LOST after disconnect()
 * and after failed attempts; with reconnectOnFailure false, the rc of the step that lost the
 * connection (MQTT_ERR_CONN_LOST for a closed socket or a dead keepalive, MQTT_ERR_PROTOCOL for
 * bad bytes, MQTT_ERR_CONN_REFUSED for a refusing 3.x CONNACK). Memory transport, scripted
 * broker, fake clock.
 */
import {
  Client, MQTT_ERR_CONN_LOST, MQTT_ERR_CONN_REFUSED, MQTT_ERR_KEEPALIVE, MQTT_ERR_PROTOCOL, MQTTv311, MQTTv5,
} from '../../lib';
import type { ProtocolLevel } from '../../lib/protocol/types';
import { MemoryBroker } from '../support/memoryBroker';
import { advance, useFakeClock } from '../support/wait';

/** After its CONNACK: stay, close the socket, send bytes that are no packet, or answer nothing more. */
type Script = 'stay' | 'close' | 'garbage' | 'refuse' | 'silent';

/** The in-memory broker, told in one word what to do after its CONNACK. */
class Broker extends MemoryBroker {
  constructor(level: ProtocolLevel) {
    super(level, { clientId: 'forever', reconnectOnFailure: true, clock: () => Date.now() });
  }

  set script(s: Script) {
    this.connackCode = s === 'refuse' ? (this.level === 5 ? 0x87 : 5) : 0;
    this.afterConnack = s === 'close' ? 'close' : s === 'garbage' ? Buffer.from([0xf0, 0x00]) : 'stay'; // packet type 15 does not exist
    this.answerPings = s !== 'silent';
  }
}

useFakeClock();

describe('loopForever() resolves with paho loop_forever\'s rc', () => {
  test('disconnect() from a callback: MQTT_ERR_CONN_LOST; a second loopForever() after it too', async () => {
    const b = new Broker(4);
    const c = b.client({ protocol: MQTTv311 });
    const disconnects: number[] = [];
    c.on_connect = (client: Client) => { client.disconnect(); };
    c.on_disconnect = (_c: Client, _u: unknown, rc: number) => { disconnects.push(rc); };
    await c.connect('broker', 1883, 60);
    const done = c.loopForever();
    await advance(0);
    await expect(done).resolves.toBe(MQTT_ERR_CONN_LOST);
    expect(disconnects).toEqual([0]); // on_disconnect still says the disconnection was wanted
    await expect(c.loopForever()).resolves.toBe(MQTT_ERR_CONN_LOST);
  });

  test('disconnect() from outside any callback (a timer): MQTT_ERR_CONN_LOST', async () => {
    const b = new Broker(4);
    const c = b.client({ protocol: MQTTv311 });
    await c.connect('broker', 1883, 60);
    const done = c.loopForever();
    setTimeout(() => c.disconnect(), 500);
    await advance(1000);
    await expect(done).resolves.toBe(MQTT_ERR_CONN_LOST);
  });

  const LOST: [Script, number, number][] = [
    ['close', MQTTv311, MQTT_ERR_CONN_LOST],
    ['garbage', MQTTv311, MQTT_ERR_PROTOCOL],
    ['refuse', MQTTv311, MQTT_ERR_CONN_REFUSED],
    ['refuse', MQTTv5, MQTT_ERR_PROTOCOL],
  ];
  test.each(LOST)('reconnectOnFailure false, the broker does "%s" (protocol %i): the lost step\'s rc, %i', async (script, protocol, rc) => {
    const b = new Broker(protocol as ProtocolLevel);
    b.script = script;
    const c = b.client({ protocol, reconnectOnFailure: false });
    await c.connect('broker', 1883, 60);
    const done = c.loopForever();
    await advance(0);
    await expect(done).resolves.toBe(rc);
    expect(b.connects).toHaveLength(1);
  });

  test('reconnectOnFailure false, a dead keepalive: on_disconnect gets MQTT_ERR_KEEPALIVE, loopForever() MQTT_ERR_CONN_LOST', async () => {
    const b = new Broker(4);
    b.script = 'silent';
    const c = b.client({ protocol: MQTTv311, reconnectOnFailure: false });
    const disconnects: number[] = [];
    c.on_disconnect = (_c: Client, _u: unknown, rc: number) => { disconnects.push(rc); };
    await c.connect('broker', 1883, 2);
    const done = c.loopForever();
    let settled = false;
    void done.then(() => { settled = true; });
    for (let i = 0; i < 10 && !settled; i++) await advance(1000);
    await expect(done).resolves.toBe(MQTT_ERR_CONN_LOST);
    expect(disconnects).toEqual([MQTT_ERR_KEEPALIVE]);
  });

  test('a connection lost to bad bytes, then disconnect() during the backoff: MQTT_ERR_PROTOCOL, the rc of the loss', async () => {
    const b = new Broker(4);
    b.script = 'garbage';
    const c = b.client({ protocol: MQTTv311 });
    c.reconnectDelaySet(2, 2);
    await c.connect('broker', 1883, 60);
    const done = c.loopForever();
    await advance(0);
    expect(c.isConnected()).toBe(false);
    c.disconnect();
    await expect(done).resolves.toBe(MQTT_ERR_PROTOCOL);
    expect(b.connects).toHaveLength(1);
  });

  test('retryFirstConnection with sockets refused, then disconnect() during the backoff: MQTT_ERR_CONN_LOST', async () => {
    const b = new Broker(4);
    b.refuseSockets = Infinity;
    const c = b.client({ protocol: MQTTv311 });
    c.reconnectDelaySet(1, 1);
    let fails = 0;
    c.on_connect_fail = () => { fails++; };
    c.connectAsync('broker', 1883, 60);
    const done = c.loopForever(1, true);
    await advance(2500);
    expect(fails).toBeGreaterThanOrEqual(2);
    c.disconnect();
    await expect(done).resolves.toBe(MQTT_ERR_CONN_LOST);
  });
});
