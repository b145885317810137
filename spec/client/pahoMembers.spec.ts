/**
 * paho 2.1's Client members beyond §1 (API.md §1d) on the memory transport and the scripted
 * broker: the 14 decorator methods, the properties (readable, settable where and when paho's
 * are: paho 2.1 raises while its connection is not closed), userDataGet(), the manualAck
 * constructor option, and enableBridgeMode()'s CONNECT. What paho does was read from its
 * 2.1 source and checked by running it (property values without a will, setter refusals).
 */
import {
  CallbackAPIVersion, Client, MQTTMessage, MQTTv31, MQTTv311, MQTTv5, ValueError,
} from '../../lib';
import { encode } from '../../lib/protocol';
import { MemoryBroker, publishPacket } from '../support/memoryBroker';
import { settle, started } from '../support/wait';
import type { Fn } from '../../lib/client/callbacks';

async function disconnected(c: Client): Promise<void> {
  c.disconnect();
  await settle();
  await c.loopStop();
}

describe('decorators: client.xCallback()(fn) registers fn where paho\'s decorator does, and returns it', () => {
  const slots: Array<[keyof Client, string]> = [
    ['connectCallback', 'on_connect'], ['connectFailCallback', 'on_connect_fail'], ['disconnectCallback', 'on_disconnect'],
    ['logCallback', 'on_log'], ['messageCallback', 'on_message'], ['preConnectCallback', 'on_pre_connect'],
    ['publishCallback', 'on_publish'], ['subscribeCallback', 'on_subscribe'], ['unsubscribeCallback', 'on_unsubscribe'],
    ['socketOpenCallback', 'on_socket_open'], ['socketCloseCallback', 'on_socket_close'],
    ['socketRegisterWriteCallback', 'on_socket_register_write'], ['socketUnregisterWriteCallback', 'on_socket_unregister_write'],
  ];

  it.each(slots)('%s() sets %s', (method, slot) => {
    const c = new Client('deco');
    const fn = (): void => {};
    const decorator = (c[method] as () => (f: Fn) => Fn)();
    expect(typeof decorator).toBe('function');
    expect((c as unknown as Record<string, unknown>)[slot]).toBeNull(); // nothing happens before the function is given
    expect(decorator(fn)).toBe(fn);
    expect((c as unknown as Record<string, unknown>)[slot]).toBe(fn);
  });

  it('a decorator given something other than a function: ValueError, the slot unchanged', () => {
    const c = new Client('deco');
    expect(() => c.connectCallback()(null as unknown as Fn)).toThrow(new ValueError('callback: a decorator takes a function, got null'));
    expect(c.on_connect).toBeNull();
  });

  it('decorated callbacks are the ones called: connect, subscribe, message, topic callback, publish, disconnect', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ callbackApiVersion: CallbackAPIVersion.VERSION2 });
    const seen: string[] = [];
    c.connectCallback()((_c: Client, _u: unknown, flags: { session_present: boolean }, rc: number | { value: number }) => seen.push(`connect ${flags.session_present} ${typeof rc === 'number' ? rc : rc.value}`));
    c.subscribeCallback()((_c: Client, _u: unknown, mid: number) => seen.push(`subscribe ${mid}`));
    c.messageCallback()((_c: Client, _u: unknown, m: MQTTMessage) => seen.push(`message ${m.topic}`));
    const special = c.topicCallback('special/#')((_c: Client, _u: unknown, m: MQTTMessage) => seen.push(`topic callback ${m.topic}`));
    c.publishCallback()((_c: Client, _u: unknown, mid: number) => seen.push(`publish ${mid}`));
    c.disconnectCallback()(() => seen.push('disconnect'));
    expect(typeof special).toBe('function');
    await started(c);
    const [, mid] = c.subscribe('#', 1);
    await settle();
    broker.send({ type: 'suback', packetId: mid, reasonCodes: [1] });
    broker.send(publishPacket('plain/t', 'x', 0), publishPacket('special/t', 'y', 0));
    await settle();
    const info = c.publish('out', 'z', 0);
    await settle();
    await disconnected(c);
    expect(seen).toEqual(['connect false 0', `subscribe ${mid}`, 'message plain/t', 'topic callback special/t', `publish ${info.mid}`, 'disconnect']);
  });

  it('topicCallback(sub) checks sub at once (ValueError naming it), as messageCallbackAdd', () => {
    const c = new Client('deco');
    expect(() => c.topicCallback('a/#/b')).toThrow(ValueError);
    expect(() => c.topicCallback('a/#/b')).toThrow(/^sub: /);
  });
});

describe('userDataGet / callbackApiVersion', () => {
  it('userDataGet() returns what the constructor or userDataSet() gave, and callbacks receive it', () => {
    const c = new Client({ clientId: 'u', userdata: { n: 1 } as unknown });
    expect(c.userDataGet()).toEqual({ n: 1 });
    const next = ['x'];
    c.userDataSet(next);
    expect(c.userDataGet()).toBe(next);
    expect(new Client('v').userDataGet()).toBeNull();
  });

  it('callbackApiVersion: as constructed, read-only', () => {
    expect(new Client('a').callbackApiVersion).toBe(CallbackAPIVersion.VERSION1);
    expect(new Client(CallbackAPIVersion.VERSION2, 'b').callbackApiVersion).toBe(CallbackAPIVersion.VERSION2);
    const c = new Client({ clientId: 'c', callbackApiVersion: CallbackAPIVersion.VERSION2 });
    expect(c.callbackApiVersion).toBe(2);
    expect(() => { (c as unknown as { callbackApiVersion: number }).callbackApiVersion = 1; }).toThrow(TypeError);
  });
});

describe('properties (paho 2.x)', () => {
  it('values before anything is set, as paho 2.1 prints them', () => {
    const c = new Client('p');
    expect(c.willTopic).toBe('');
    expect(c.willPayload).toEqual(Buffer.alloc(0));
    expect(c.username).toBeNull();
    expect(c.password).toBeNull();
    expect(c.maxInflightMessages).toBe(20);
    expect(c.maxQueuedMessages).toBe(0);
    expect(c.logger).toBeNull();
  });

  it('willTopic / willPayload follow willSet() and willClear(); they are read-only', () => {
    const c = new Client('p');
    c.willSet('a/b', 'x', 1);
    expect(c.willTopic).toBe('a/b');
    expect(c.willPayload).toEqual(Buffer.from('x'));
    c.willClear();
    expect(c.willTopic).toBe('');
    expect(c.willPayload).toEqual(Buffer.alloc(0));
    expect(() => { (c as unknown as { willTopic: string }).willTopic = 'x'; }).toThrow(TypeError);
  });

  it('username / password: usernamePwSet() shows in them, setting them changes what CONNECT sends', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    c.usernamePwSet('first', 'pw1');
    expect([c.username, c.password]).toEqual(['first', 'pw1']);
    c.username = 'second';
    c.password = Buffer.from('pw2');
    expect([c.username, c.password]).toEqual(['second', 'pw2']);
    await started(c);
    const connect = broker.receivedOf('connect')[0];
    expect(connect.username).toBe('second');
    expect(Buffer.from(connect.password as Buffer).toString()).toBe('pw2');
    await disconnected(c);
    c.password = null;
    c.username = null;
    expect([c.username, c.password]).toEqual([null, null]);
    expect(() => { c.username = 5 as unknown as string; }).toThrow(new ValueError('username: must be a string or null, got number'));
  });

  it('maxInflightMessages / maxQueuedMessages: the *Set() values; setting them checks as the methods do', () => {
    const c = new Client('p');
    c.maxInflightMessagesSet(7);
    c.maxQueuedMessagesSet(9);
    expect([c.maxInflightMessages, c.maxQueuedMessages]).toEqual([7, 9]);
    c.maxInflightMessages = 3;
    c.maxQueuedMessages = 4;
    expect([c.maxInflightMessages, c.maxQueuedMessages]).toEqual([3, 4]);
    expect(() => { c.maxInflightMessages = -1; }).toThrow(new ValueError('maxInflightMessages: must be an integer from 0 to 65535, got -1'));
    expect(() => { c.maxQueuedMessages = -1; }).toThrow(new ValueError(`maxQueuedMessages: must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got -1`));
  });

  it('the queue bound set through the property is the one publish() applies', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    c.maxQueuedMessages = 1;
    expect(c.publish('q', '1', 1).rc).toBe(0);
    expect(c.publish('q', '2', 1).rc).toBe(15); // MQTT_ERR_QUEUE_SIZE
  });

  it('username, password, maxInflightMessages, maxQueuedMessages cannot be set from connect() until disconnect() closed the socket (paho raises)', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    const setters: Array<[string, () => void]> = [
      ['username', () => { c.username = 'x'; }],
      ['password', () => { c.password = 'x'; }],
      ['maxInflightMessages', () => { c.maxInflightMessages = 5; }],
      ['maxQueuedMessages', () => { c.maxQueuedMessages = 5; }],
    ];
    await started(c);
    for (const [name, set] of setters) expect(set).toThrow(new RegExp(`^${name}: cannot be changed while connecting or connected`));
    // A lost connection is not closed for paho either (it will reconnect).
    broker.peer.close();
    await settle();
    expect(c.isConnected()).toBe(false);
    for (const [, set] of setters) expect(set).toThrow(ValueError);
    await disconnected(c);
    for (const [, set] of setters) set();
    expect([c.username, c.password, c.maxInflightMessages, c.maxQueuedMessages]).toEqual(['x', 'x', 5, 5]);
  });

  it('connectAsync() makes them unsettable too (paho\'s MQTT_CS_CONNECT_ASYNC), reinitialise() settable again', () => {
    const c = new Client('p');
    c.connectAsync('broker', 1883);
    expect(() => { c.username = 'x'; }).toThrow(ValueError);
    c.reinitialise('p');
    c.username = 'x';
    expect(c.username).toBe('x');
  });

  it('transport: the constructor\'s value, settable while closed (paho 2.x), not while connected; a bad value is a ValueError', async () => {
    expect(new Client('t').transport).toBe('tcp');
    expect(new Client({ clientId: 't', transport: 'WebSockets' as 'websockets' }).transport).toBe('websockets');
    const broker = new MemoryBroker();
    const c = broker.client();
    c.transport = 'unix';
    expect(c.transport).toBe('unix');
    expect(() => { c.transport = 'udp' as 'tcp'; }).toThrow(new ValueError("transport: must be 'tcp', 'websockets' or 'unix', got udp"));
    c.transport = 'tcp';
    await started(c);
    expect(() => { c.transport = 'websockets'; }).toThrow(/^transport: cannot be changed while connecting or connected/);
    expect(c.transport).toBe('tcp');
    await disconnected(c);
    c.transport = 'websockets';
    expect(c.transport).toBe('websockets');
  });

  it('logger: enableLogger()/disableLogger() show in it; setting it routes the log lines; null turns it off', async () => {
    const c = new Client('p');
    c.enableLogger(console);
    expect(c.logger).toBe(console);
    c.disableLogger();
    expect(c.logger).toBeNull();
    const lines: string[] = [];
    const sink = { debug: (l: string) => lines.push(l), info: (l: string) => lines.push(l), warn: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
    const broker = new MemoryBroker();
    const d = broker.client();
    d.logger = sink;
    expect(d.logger).toBe(sink);
    await started(d);
    expect(lines.some((l) => l.includes('Sending CONNECT'))).toBe(true);
    d.logger = null;
    const before = lines.length;
    d.publish('t', 'x');
    await settle();
    expect(lines.length).toBe(before);
    expect(() => { d.logger = {} as unknown as Console; }).toThrow(/^logger: must have a debug\(\) method/);
    await disconnected(d);
  });
});

describe('new Client({ manualAck: true }) (paho 2.x manual_ack=True)', () => {
  it('QoS 1/2 messages are acknowledged only by ack(mid, qos): PUBACK, and for QoS 2 PUBCOMP (PUBREC goes out on receipt, as paho 2.x)', async () => {
    const broker = new MemoryBroker();
    const c = broker.client({ manualAck: true });
    const got: MQTTMessage[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => got.push(m);
    await started(c);
    broker.send(publishPacket('t', 'a', 1, 11), publishPacket('t', 'b', 2, 12), { type: 'pubrel', packetId: 12 });
    await settle();
    expect(got.map((m) => m.mid)).toEqual([11, 12]);
    expect(broker.receivedOf('puback')).toEqual([]);
    expect(broker.receivedOf('pubrec').map((p) => p.packetId)).toEqual([12]);
    expect(broker.receivedOf('pubcomp')).toEqual([]);
    expect(c.ack(11, 1)).toBe(0);
    expect(c.ack(12, 2)).toBe(0);
    await settle();
    expect(broker.receivedOf('puback').map((p) => p.packetId)).toEqual([11]);
    expect(broker.receivedOf('pubcomp').map((p) => p.packetId)).toEqual([12]);
    await disconnected(c);
  });

  it('without it (default) the ack goes after the handler; a non-boolean is a ValueError', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    c.on_message = () => {};
    await started(c);
    broker.send(publishPacket('t', 'a', 1, 21));
    await settle();
    expect(broker.receivedOf('puback').map((p) => p.packetId)).toEqual([21]);
    await disconnected(c);
    expect(() => new Client({ clientId: 'x', manualAck: 'yes' as unknown as boolean })).toThrow(new ValueError('manualAck: must be true or false, got string'));
  });
});

describe('enableBridgeMode()', () => {
  it.each([[MQTTv31, 0x83], [MQTTv311, 0x84], [MQTTv5, 0x85]])('protocol %i: CONNECT\'s protocol level byte is %i (top bit set), as paho sends', async (protocol, byte) => {
    const broker = new MemoryBroker(protocol as 3 | 4 | 5);
    const c = broker.client({ protocol });
    c.enableBridgeMode();
    await started(c);
    // The broker's decoder reports the top bit of the level byte as `bridge`, the rest as the level.
    const connect = broker.receivedOf('connect')[0];
    expect(connect.bridge).toBe(true);
    expect(connect.protocolVersion).toBe(protocol);
    // and the codec puts it at the level byte's place: after the fixed header and the protocol name.
    const bytes = encode(connect, protocol as 3 | 4 | 5);
    const nameLen = protocol === MQTTv31 ? 6 : 4;
    expect(bytes[2 + 2 + nameLen]).toBe(byte);
    await disconnected(c);
  });

  it('without it the level byte is plain, and reinitialise() turns it off', async () => {
    const broker = new MemoryBroker();
    const c = broker.client();
    c.enableBridgeMode();
    c.reinitialise({ clientId: 'flow', createTransport: () => broker.listener.createTransport(), clock: () => Date.now() });
    await started(c);
    expect(broker.receivedOf('connect')[0].bridge).toBeUndefined();
    await disconnected(c);
  });
});
