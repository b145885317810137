import { CallbackAPIVersion, MQTT_CLEAN_START_FIRST_ONLY, PacketTypes, ReasonCode, ReasonCodes, SubscribeOptions, ValueError } from '../../lib';

describe('PacketTypes', () => {
  test('paho values', () => {
    expect([PacketTypes.CONNECT, PacketTypes.PUBLISH, PacketTypes.SUBACK, PacketTypes.DISCONNECT, PacketTypes.AUTH, PacketTypes.WILLMESSAGE])
      .toEqual([1, 3, 9, 14, 15, 99]);
    expect(CallbackAPIVersion).toEqual({ VERSION1: 1, VERSION2: 2 });
    expect(MQTT_CLEAN_START_FIRST_ONLY).toBe(3);
  });
});

describe('SubscribeOptions', () => {
  test('defaults, constants and validation', () => {
    const o = new SubscribeOptions();
    expect([o.QoS, o.noLocal, o.retainAsPublished, o.retainHandling]).toEqual([0, false, false, 0]);
    expect([SubscribeOptions.RETAIN_SEND_ON_SUBSCRIBE, SubscribeOptions.RETAIN_SEND_IF_NEW_SUB, SubscribeOptions.RETAIN_DO_NOT_SEND]).toEqual([0, 1, 2]);
    expect(new SubscribeOptions(2, true, true, 2).pack()).toBe(0x2e);
    expect(() => new SubscribeOptions(3)).toThrow(/qos/);
    expect(() => new SubscribeOptions(0, false, false, 3)).toThrow(/retainHandling/);
    expect(() => new SubscribeOptions(0, 1 as unknown as boolean)).toThrow(ValueError);
  });
});

describe('ReasonCodes', () => {
  test('by name and by number, with paho names per packet type', () => {
    expect(new ReasonCodes(PacketTypes.CONNACK).value).toBe(0);
    expect(new ReasonCodes(PacketTypes.DISCONNECT).getName()).toBe('Normal disconnection');
    expect(new ReasonCodes(PacketTypes.SUBACK, 'Granted QoS 1').value).toBe(1);
    expect(new ReasonCodes(PacketTypes.DISCONNECT, 'Disconnect with will message').value).toBe(4);
    expect(new ReasonCodes(PacketTypes.CONNACK, undefined, 0x86).getName()).toBe('Bad user name or password');
    expect(String(new ReasonCodes(PacketTypes.SUBACK, undefined, 0x87))).toBe('Not authorized');
    expect(() => new ReasonCodes(PacketTypes.SUBACK, 'Banned')).toThrow(ValueError);
    expect(() => new ReasonCodes(PacketTypes.CONNACK, undefined, 4)).toThrow(/identifier/);
    expect(ReasonCode).toBe(ReasonCodes);
  });

  test('isFailure, equality with numbers and names', () => {
    const ok = new ReasonCodes(PacketTypes.PUBACK);
    const bad = new ReasonCodes(PacketTypes.PUBACK, 'Not authorized');
    expect(ok.isFailure).toBe(false);
    expect(bad.isFailure).toBe(true);
    expect(bad.is_failure).toBe(true);
    // eslint-disable-next-line eqeqeq
    expect((ok as unknown as number) == 0).toBe(true);
    expect((bad as unknown as number) >= 0x80).toBe(true);
    expect(bad.equals(0x87)).toBe(true);
    expect(bad.equals('Not authorized')).toBe(true);
    expect(`${bad}`).toBe('Not authorized');
    expect(JSON.stringify({ rc: bad })).toBe('{"rc":"Not authorized"}');
  });
});
