/**
 * The external event-loop hooks on the engine (memory transport, scripted broker, fake clock):
 * on_socket_open / close / register_write / unregister_write fire when paho 2.1 fires them,
 * and with on_socket_register_write set (no background pump) the client writes only in
 * loopWrite(), as paho leaves writing to the external loop. paho's own sequence for the
 * same program against mosquitto was: open, register, unregister, connect, register,
 * unregister, subscribe, ..., register, disconnect, unregister, close.
 */
import { Client, MQTT_ERR_SUCCESS, MQTTMessage } from '../../lib';
import { MemoryBroker, publishPacket } from '../support/memoryBroker';
import { settle, useFakeClock } from '../support/wait';

useFakeClock();

/** Records hooks and callbacks in one sequence; `sockets` the sock argument of each hook. */
function recorder(c: Client): { seq: string[]; sockets: unknown[] } {
  const seq: string[] = [];
  const sockets: unknown[] = [];
  const hook = (name: string) => (_c: Client, _u: unknown, sock: unknown) => {
    seq.push(name);
    sockets.push(sock);
  };
  c.on_socket_open = hook('open');
  c.on_socket_close = hook('close');
  c.on_socket_register_write = hook('register');
  c.on_socket_unregister_write = hook('unregister');
  c.on_connect = () => seq.push('connect');
  c.on_subscribe = (_c: Client, _u: unknown, mid: number) => seq.push(`subscribe ${mid}`);
  c.on_publish = (_c: Client, _u: unknown, mid: number) => seq.push(`publish ${mid}`);
  c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => seq.push(`message ${m.topic}`);
  c.on_disconnect = (_c: Client, _u: unknown, rc: number) => seq.push(`disconnect ${rc}`);
  return { seq, sockets };
}

describe('socket hooks with an external event loop (on_socket_register_write set, no loopStart)', () => {
  test('nothing is written until loopWrite(); each queued batch is one register, each loopWrite() that empties it one unregister', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ clientId: 'ext' });
    const { seq, sockets } = recorder(c);
    const received = (): number => broker.received.length;

    await c.connect('broker', 1883, 60);
    expect(seq).toEqual(['open', 'register']);
    expect(c.wantWrite()).toBe(true);
    await settle();
    expect(received()).toBe(0); // CONNECT waits for loopWrite()

    expect(c.loopWrite()).toBe(MQTT_ERR_SUCCESS);
    expect(seq).toEqual(['open', 'register', 'unregister']);
    await settle();
    expect(broker.receivedOf('connect')).toHaveLength(1);
    expect(c.wantWrite()).toBe(false);

    c.loopRead(); // CONNACK
    const [, subMid] = c.subscribe('t/#', 2);
    const [, unsubMid] = c.unsubscribe('other');
    await settle();
    expect(seq.slice(3)).toEqual(['connect', 'register']); // two packets queued, one register
    expect(received()).toBe(1);
    c.loopWrite();
    await settle();
    expect(broker.receivedOf('subscribe').map((p) => p.packetId)).toEqual([subMid]);
    expect(broker.receivedOf('unsubscribe').map((p) => p.packetId)).toEqual([unsubMid]);

    broker.send({ type: 'suback', packetId: subMid, reasonCodes: [2] });
    await settle();
    c.loopRead();
    const infos = [0, 1, 2].map((q) => c.publish(`t/${q}`, `m${q}`, q));
    expect(c.loopWrite()).toBe(MQTT_ERR_SUCCESS);
    await settle();
    expect(broker.receivedOf('publish').map((p) => p.qos)).toEqual([0, 1, 2]);
    // Acks: PUBACK, PUBREC (the client answers PUBREL on read: queued, registered, written by loopWrite()).
    broker.send({ type: 'puback', packetId: infos[1].mid, reasonCode: 0 }, { type: 'pubrec', packetId: infos[2].mid, reasonCode: 0 });
    await settle();
    c.loopRead();
    expect(seq[seq.length - 1]).toBe('register');
    await settle();
    expect(broker.receivedOf('pubrel')).toEqual([]);
    c.loopWrite();
    await settle();
    expect(broker.receivedOf('pubrel').map((p) => p.packetId)).toEqual([infos[2].mid]);
    broker.send({ type: 'pubcomp', packetId: infos[2].mid, reasonCode: 0 });
    // A QoS 1 message in: its PUBACK is queued after the handler, registered, written by loopWrite().
    broker.send(publishPacket('t/in', 'x', 1, 7));
    await settle();
    c.loopRead();
    await settle();
    expect(broker.receivedOf('puback')).toEqual([]);
    c.loopWrite();
    await settle();
    expect(broker.receivedOf('puback').map((p) => p.packetId)).toEqual([7]);

    // loopMisc() past the keepalive queues PINGREQ: registered, not written.
    jest.setSystemTime(Date.now() + 60_000);
    expect(c.loopMisc()).toBe(MQTT_ERR_SUCCESS);
    expect(seq[seq.length - 1]).toBe('register');
    await settle();
    expect(broker.receivedOf('pingreq')).toEqual([]);
    c.loopWrite();
    await settle();
    expect(broker.receivedOf('pingreq')).toHaveLength(1);
    c.loopRead(); // PINGRESP

    // disconnect(): DISCONNECT registered; loopWrite() writes it, then on_disconnect, unregister, close (paho's order).
    expect(c.disconnect()).toBe(MQTT_ERR_SUCCESS);
    expect(seq[seq.length - 1]).toBe('register');
    await settle();
    expect(broker.receivedOf('disconnect')).toEqual([]);
    c.loopWrite();
    expect(seq.slice(-4)).toEqual(['register', 'disconnect 0', 'unregister', 'close']);
    await settle();
    expect(broker.receivedOf('disconnect')).toHaveLength(1);

    expect(seq).toEqual([
      'open', 'register', 'unregister', 'connect', 'register', 'unregister',
      `subscribe ${subMid}`, 'register', 'unregister', `publish ${infos[0].mid}`,
      `publish ${infos[1].mid}`, 'register', 'unregister', `publish ${infos[2].mid}`, 'message t/in', 'register', 'unregister',
      'register', 'unregister',
      'register', 'disconnect 0', 'unregister', 'close',
    ]);
    // Every hook got the connection's socket object, the same one throughout.
    expect(new Set(sockets).size).toBe(1);
    expect(sockets[0]).toBe(broker.peer);
    expect(c.socket()).toBeNull();
  });

  test('the broker closes the connection: loopRead() gives unregister (if registered), close, then on_disconnect', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ clientId: 'ext' });
    const { seq } = recorder(c);
    await c.connect('broker', 1883, 60);
    c.loopWrite();
    await settle();
    c.loopRead();
    c.publish('t', 'x', 1); // registered, never written
    broker.peer.close();
    await settle();
    c.loopRead();
    expect(seq).toEqual(['open', 'register', 'unregister', 'connect', 'register', 'unregister', 'close', 'disconnect 7']);
  });

  test('reconnect() and reinitialise() close the old socket through the hooks first', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ clientId: 'ext' });
    const { seq, sockets } = recorder(c);
    await c.connect('broker', 1883, 60);
    c.loopWrite();
    await settle();
    c.loopRead();
    const first = broker.peer;
    await c.reconnect();
    expect(seq).toEqual(['open', 'register', 'unregister', 'connect', 'close', 'open', 'register']);
    expect(sockets[3]).toBe(first); // close: the old socket
    expect(sockets[4]).toBe(broker.peer); // open: the new one
    expect(sockets[4]).not.toBe(first);
    c.reinitialise('ext');
    expect(seq.slice(-2)).toEqual(['unregister', 'close']);
  });

  test('each hook is also an event with (sock); a throwing hook is logged and the loop goes on', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ clientId: 'ext' });
    const events: string[] = [];
    for (const e of ['socket_open', 'socket_close', 'socket_register_write', 'socket_unregister_write'] as const) {
      c.on(e, (sock: unknown) => events.push(`${e} ${sock === broker.peer}`));
    }
    const logs: string[] = [];
    c.on_log = (_c: Client, _u: unknown, _l: number, text: string) => logs.push(text);
    c.on_socket_open = () => { throw new Error('open hook failed'); };
    c.on_socket_register_write = () => {};
    await c.connect('broker', 1883, 60);
    c.loopWrite();
    await settle();
    c.loopRead();
    expect(c.isConnected()).toBe(true);
    expect(logs).toContain('Caught exception in on_socket_open: open hook failed'); // paho's line: str(err), the message
    expect(events).toEqual(['socket_open true', 'socket_register_write true', 'socket_unregister_write true']);
    c.disconnect();
    c.loopWrite();
    expect(events.slice(-3)).toEqual(['socket_register_write true', 'socket_unregister_write true', 'socket_close true']);
  });
});

describe('socket hooks with the client writing itself', () => {
  test('loopStart(): the client writes by itself; register/unregister still pair around its writes, open first, close last', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ clientId: 'bg' });
    const { seq } = recorder(c);
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await settle();
    expect(c.isConnected()).toBe(true);
    const info = c.publish('t', 'x', 1);
    await settle();
    expect(broker.receivedOf('publish')).toHaveLength(1); // written without loopWrite()
    broker.send({ type: 'puback', packetId: info.mid, reasonCode: 0 });
    await settle();
    c.disconnect();
    await settle();
    await c.loopStop();
    const hooks = seq.filter((s) => ['open', 'close', 'register', 'unregister'].includes(s));
    expect(hooks[0]).toBe('open');
    expect(hooks[hooks.length - 1]).toBe('close');
    const pairs = hooks.slice(1, -1);
    expect(pairs.length).toBeGreaterThanOrEqual(4);
    pairs.forEach((h, i) => expect(h).toBe(i % 2 === 0 ? 'register' : 'unregister'));
    // After disconnect() the unregister comes after on_disconnect, with the close.
    expect(seq.slice(-3)).toEqual(['disconnect 0', 'unregister', 'close']);
  });

  test('without on_socket_register_write the client writes at once, as paho does without it', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ clientId: 'noreg' });
    const opened: unknown[] = [];
    c.on_socket_open = (_c: Client, _u: unknown, sock: unknown) => opened.push(sock);
    await c.connect('broker', 1883, 0);
    await settle();
    expect(broker.receivedOf('connect')).toHaveLength(1);
    expect(opened).toEqual([broker.peer]);
    c.disconnect();
  });
});
