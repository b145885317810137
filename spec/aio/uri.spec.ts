/*
 * Broker URIs (lib/transport/uri.ts) and the CONNACK texts of the promise API (lib/aio/errors.ts):
 * plain function tables, no broker.
 */
import { ClientError, ConnectError, MQTTv311, MQTTv5, TimeoutError, ValueError } from '../../lib';
import { connackReason, connackRefused } from '../../lib/aio/errors';
import { ApplicationMessage } from '../../lib/aio/message';
import { BoundedQueue } from '../../lib/aio/queue';
import { parseBrokerUri } from '../../lib/transport/uri';

describe('parseBrokerUri', () => {
  test.each([
    ['mqtt://localhost', { scheme: 'mqtt', host: 'localhost', port: 1883, secure: false, websocket: false, path: '/' }],
    ['mqtt://broker:1884/', { scheme: 'mqtt', host: 'broker', port: 1884 }],
    ['mqtts://broker', { scheme: 'mqtts', port: 8883, secure: true, websocket: false }],
    ['ws://broker', { scheme: 'ws', port: 80, secure: false, websocket: true, path: '/' }],
    ['wss://broker/mqtt?x=1', { scheme: 'wss', port: 443, secure: true, websocket: true, path: '/mqtt?x=1' }],
    ['ws://broker:9001/mqtt', { port: 9001, path: '/mqtt' }],
    ['mqtt://[::1]:1883/', { host: '::1', port: 1883 }],
    ['MQTT://Broker', { scheme: 'mqtt', host: 'Broker' }],
  ])('%s', (uri, expected) => {
    expect(parseBrokerUri(uri)).toMatchObject(expected);
  });

  test('credentials: user:password@, percent-decoded; user alone', () => {
    expect(parseBrokerUri('mqtt://us%20er:p%40ss%3Aw@h/')).toMatchObject({ username: 'us er', password: 'p@ss:w', host: 'h' });
    const u = parseBrokerUri('mqtt://user@h/');
    expect(u.username).toBe('user');
    expect(u.password).toBeUndefined();
    expect(parseBrokerUri('mqtt://h/').username).toBeUndefined();
  });

  test.each([
    ['', /non-empty/],
    ['localhost:1883', /must start with/],
    ['http://h', /unsupported scheme 'http'/],
    ['mqtt://', /no host/],
    ['mqtt://h:0', /port/],
    ['mqtt://h:70000', /port|not a valid/],
  ])('%j is a ValueError', (uri, message) => {
    expect(() => parseBrokerUri(uri)).toThrow(ValueError);
    expect(() => parseBrokerUri(uri)).toThrow(message);
  });

  test('a malformed URI with a password does not echo the password', () => {
    let msg = '';
    try {
      parseBrokerUri('mqtt://user:s3cret@h:99999999/');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).not.toBe('');
    expect(msg).not.toContain('s3cret');
  });
});

describe('errors', () => {
  test('ConnectError is a ClientError; TimeoutError is not', () => {
    const e = new ConnectError('Connection Refused: not authorised.', { returnCode: 5 });
    expect(e).toBeInstanceOf(ClientError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ConnectError');
    expect(e.returnCode).toBe(5);
    expect(new TimeoutError()).not.toBeInstanceOf(ClientError);
    expect(new TimeoutError().name).toBe('TimeoutError');
  });

  test('CONNACK reasons: paho texts for 3.1.1, reason names for MQTT 5', () => {
    expect(connackReason(5, MQTTv311)).toBe('Connection Refused: not authorised.');
    expect(connackReason(4)).toBe('Connection Refused: bad user name or password.');
    expect(connackReason(0x87, MQTTv5)).toBe('Connection Refused: Not authorized (0x87).');
    expect(connackRefused(0, MQTTv311)).toBe(false);
    expect(connackRefused(5, MQTTv311)).toBe(true);
    expect(connackRefused(0x80, MQTTv5)).toBe(true);
    expect(connackRefused(0, MQTTv5)).toBe(false);
  });
});

describe('ApplicationMessage', () => {
  test("amqtt's shape: publishPacket.variableHeader.topicName, publishPacket.payload.data, flags", () => {
    const m = new ApplicationMessage(7, 'a/b', 1, Buffer.from('x'), true, true);
    expect(m.publishPacket.variableHeader).toEqual({ topicName: 'a/b', packetId: 7 });
    expect(m.publishPacket.payload.data.toString()).toBe('x');
    expect(m.publishPacket.fixedHeader).toEqual({ packetType: 3, flags: 0b1011 });
    expect(m.publishPacket.qos).toBe(1);
    expect(m.publishPacket.retainFlag).toBe(true);
    expect(m.publishPacket.dupFlag).toBe(true);
  });
});

describe('BoundedQueue', () => {
  test('FIFO; when full the oldest is dropped and returned', () => {
    const q = new BoundedQueue<number>(3);
    expect([q.push(1), q.push(2), q.push(3)]).toEqual([undefined, undefined, undefined]);
    expect(q.push(4)).toBe(1);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([2, 3, 4, undefined]);
    expect(q.length).toBe(0);
  });

  test('stays compact over many cycles', () => {
    const q = new BoundedQueue<number>(10_000);
    for (let i = 0; i < 20_000; i++) {
      q.push(i);
      if (i % 3 !== 0) q.shift();
    }
    const n = q.length;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const v = q.shift()!;
      expect(v).toBeGreaterThan(last);
      last = v;
    }
    expect(q.length).toBe(0);
    expect((q as unknown as { items: unknown[] }).items.length).toBe(0);
  });
});
