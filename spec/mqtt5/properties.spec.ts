import { encode, Parser } from '../../lib/protocol';
import { PacketTypes, Properties, ValueError } from '../../lib';

describe('Properties', () => {
  test('attributes with paho names, checked on assignment; isEmpty', () => {
    const p = new Properties(PacketTypes.PUBLISH);
    expect(p.isEmpty()).toBe(true);
    expect(p.packetType).toBe(PacketTypes.PUBLISH);
    p.MessageExpiryInterval = 30;
    p.ContentType = 'text/plain';
    p.ResponseTopic = 'reply/to';
    p.CorrelationData = Buffer.from('id-1');
    expect(p.isEmpty()).toBe(false);
    expect(p.MessageExpiryInterval).toBe(30);
    expect(p.CorrelationData).toEqual(Buffer.from('id-1'));
    expect(Object.keys(p)).toEqual(['MessageExpiryInterval', 'ContentType', 'ResponseTopic', 'CorrelationData']);
  });

  test('UserProperty appends on assignment, as paho (one pair or a list)', () => {
    const p = new Properties(PacketTypes.PUBLISH);
    p.UserProperty = [['a', '1']];
    p.UserProperty = ['b', '2'];
    p.UserProperty = [['c', '3'], ['a', '4']];
    expect(p.UserProperty).toEqual([['a', '1'], ['b', '2'], ['c', '3'], ['a', '4']]);
  });

  test('SubscriptionIdentifier: one number or a list, appended, read back as a list (as paho)', () => {
    const s = new Properties(PacketTypes.SUBSCRIBE);
    s.SubscriptionIdentifier = 5;
    expect(s.SubscriptionIdentifier).toEqual([5]);
    const bytes = encode({ type: 'subscribe', packetId: 1, subscriptions: [{ topic: 'a/#', qos: 0 }], properties: s }, 5);
    const [decoded] = new Parser({ protocolVersion: 5 }).feed(bytes);
    expect((decoded as { properties: unknown }).properties).toEqual({ SubscriptionIdentifier: 5 });
    const p = new Properties(PacketTypes.PUBLISH);
    p.SubscriptionIdentifier = [3, 4];
    p.SubscriptionIdentifier = 7;
    expect(p.SubscriptionIdentifier).toEqual([3, 4, 7]);
    expect(() => { p.SubscriptionIdentifier = 0; }).toThrow(/SubscriptionIdentifier/);
  });

  test('a property the packet type does not allow throws ValueError naming it', () => {
    const p = new Properties(PacketTypes.PUBLISH);
    expect(() => { p.SessionExpiryInterval = 10; }).toThrow(ValueError);
    expect(() => { p.SessionExpiryInterval = 10; }).toThrow(/SessionExpiryInterval.*PUBLISH/);
    const w = new Properties(PacketTypes.WILLMESSAGE);
    w.WillDelayInterval = 5;
    expect(() => { new Properties(PacketTypes.CONNECT).WillDelayInterval = 5; }).toThrow(/WillDelayInterval/);
  });

  test('bad values and unknown names throw ValueError', () => {
    const p = new Properties(PacketTypes.CONNECT);
    expect(() => { p.ReceiveMaximum = 0; }).toThrow(/ReceiveMaximum/);
    expect(() => { p.RequestProblemInformation = 2; }).toThrow(/RequestProblemInformation/);
    expect(() => { p.SessionExpiryInterval = -1; }).toThrow(ValueError);
    expect(() => { p.SessionExpiryInterval = 2 ** 32; }).toThrow(ValueError);
    expect(() => { (p as unknown as Record<string, unknown>).AuthenticationMethod = 5; }).toThrow(/AuthenticationMethod/);
    expect(() => { (p as unknown as Record<string, unknown>).Bogus = 1; }).toThrow(/Bogus/);
    expect(() => new Properties(42)).toThrow(/packetType/);
  });

  test('an instance goes through the encoder as it is (round trip)', () => {
    const p = new Properties(PacketTypes.PUBLISH);
    p.PayloadFormatIndicator = 1;
    p.UserProperty = [['k', 'v']];
    p.CorrelationData = Buffer.from([1, 2, 3]);
    const bytes = encode({ type: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 1, retain: false, dup: false, packetId: 5, properties: p }, 5);
    const [decoded] = new Parser({ protocolVersion: 5 }).feed(bytes);
    expect((decoded as { properties: unknown }).properties).toEqual({
      PayloadFormatIndicator: 1, UserProperty: [['k', 'v']], CorrelationData: Buffer.from([1, 2, 3]),
    });
  });

  test('received properties wrap without copying and stay checked', () => {
    const raw = { ContentType: 'a' };
    const p = Properties._wrap(PacketTypes.PUBLISH, raw);
    expect(p).toBeInstanceOf(Properties);
    expect(p.ContentType).toBe('a');
    expect(p.packetType).toBe(PacketTypes.PUBLISH);
    expect(() => { p.ServerKeepAlive = 3; }).toThrow(ValueError);
    expect(Properties._wrap(PacketTypes.CONNACK, undefined).isEmpty()).toBe(true);
  });
});
