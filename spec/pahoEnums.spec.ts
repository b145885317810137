/**
 * paho 2.1's module-level names (API.md §1d): the enums, the packet-type constants, ConnectFlags /
 * DisconnectFlags, and the two reason-code conversions. Expected values were printed by the real
 * paho 2.1.0 (/work/venv-paho21: `{m.name: m.value for m in Enum}` and each conversion's
 * `(value, getName())` for every input below).
 */
import * as lib from '../lib';
import {
  ConnackCode, ConnectFlags, convertConnackRcToReasonCode, convertDisconnectErrorCodeToReasonCode, DisconnectFlags,
  LogLevel, MessageState, MessageType, MQTTErrorCode, MQTTProtocolVersion, PacketTypes, PahoClientMode, ReasonCodes,
} from '../lib';

type EnumObject = Record<string, string | number>;
const members = (e: EnumObject): Record<string, number> =>
  Object.fromEntries(Object.entries(e).filter(([, v]) => typeof v === 'number')) as Record<string, number>;

describe('paho 2.1 enums', () => {
  const paho: Array<[string, EnumObject, Record<string, number>]> = [
    ['MQTTErrorCode', MQTTErrorCode as unknown as EnumObject, {
      MQTT_ERR_AGAIN: -1, MQTT_ERR_SUCCESS: 0, MQTT_ERR_NOMEM: 1, MQTT_ERR_PROTOCOL: 2, MQTT_ERR_INVAL: 3, MQTT_ERR_NO_CONN: 4,
      MQTT_ERR_CONN_REFUSED: 5, MQTT_ERR_NOT_FOUND: 6, MQTT_ERR_CONN_LOST: 7, MQTT_ERR_TLS: 8, MQTT_ERR_PAYLOAD_SIZE: 9,
      MQTT_ERR_NOT_SUPPORTED: 10, MQTT_ERR_AUTH: 11, MQTT_ERR_ACL_DENIED: 12, MQTT_ERR_UNKNOWN: 13, MQTT_ERR_ERRNO: 14,
      MQTT_ERR_QUEUE_SIZE: 15, MQTT_ERR_KEEPALIVE: 16,
    }],
    ['MQTTProtocolVersion', MQTTProtocolVersion as unknown as EnumObject, { MQTTv31: 3, MQTTv311: 4, MQTTv5: 5 }],
    ['LogLevel', LogLevel as unknown as EnumObject, { MQTT_LOG_INFO: 1, MQTT_LOG_NOTICE: 2, MQTT_LOG_WARNING: 4, MQTT_LOG_ERR: 8, MQTT_LOG_DEBUG: 16 }],
    ['ConnackCode', ConnackCode as unknown as EnumObject, {
      CONNACK_ACCEPTED: 0, CONNACK_REFUSED_PROTOCOL_VERSION: 1, CONNACK_REFUSED_IDENTIFIER_REJECTED: 2,
      CONNACK_REFUSED_SERVER_UNAVAILABLE: 3, CONNACK_REFUSED_BAD_USERNAME_PASSWORD: 4, CONNACK_REFUSED_NOT_AUTHORIZED: 5,
    }],
    ['MessageType', MessageType as unknown as EnumObject, {
      CONNECT: 16, CONNACK: 32, PUBLISH: 48, PUBACK: 64, PUBREC: 80, PUBREL: 96, PUBCOMP: 112, SUBSCRIBE: 128, SUBACK: 144,
      UNSUBSCRIBE: 160, UNSUBACK: 176, PINGREQ: 192, PINGRESP: 208, DISCONNECT: 224, AUTH: 240,
    }],
    ['MessageState', MessageState as unknown as EnumObject, {
      MQTT_MS_INVALID: 0, MQTT_MS_PUBLISH: 1, MQTT_MS_WAIT_FOR_PUBACK: 2, MQTT_MS_WAIT_FOR_PUBREC: 3, MQTT_MS_RESEND_PUBREL: 4,
      MQTT_MS_WAIT_FOR_PUBREL: 5, MQTT_MS_RESEND_PUBCOMP: 6, MQTT_MS_WAIT_FOR_PUBCOMP: 7, MQTT_MS_SEND_PUBREC: 8, MQTT_MS_QUEUED: 9,
    }],
    ['PahoClientMode', PahoClientMode as unknown as EnumObject, { MQTT_CLIENT: 0, MQTT_BRIDGE: 1 }],
  ];

  it.each(paho)('%s: the same members, values and order as paho', (_name, e, expected) => {
    expect(members(e)).toEqual(expected);
    expect(Object.keys(members(e))).toEqual(Object.keys(expected));
  });

  it.each(paho)('%s: reverse lookup gives the member name (paho\'s .name)', (_name, e, expected) => {
    for (const [name, value] of Object.entries(expected)) expect(e[value]).toBe(name);
  });

  it.each(paho)('%s: frozen', (_name, e) => {
    expect(Object.isFrozen(e)).toBe(true);
    expect(() => { (e as Record<string, unknown>).MQTT_X = 1; }).toThrow(TypeError);
  });

  it('exported from the package root under paho\'s names', () => {
    for (const [name, e] of paho) expect((lib as unknown as Record<string, unknown>)[name]).toBe(e);
  });

  it('the plain constants are the same numbers as the enum members', () => {
    const l = lib as unknown as Record<string, number>;
    for (const [name, value] of Object.entries(members(MessageType as unknown as EnumObject))) expect(l[name]).toBe(value);
    for (const [name, value] of Object.entries(members(MQTTErrorCode as unknown as EnumObject))) expect(l[name]).toBe(value);
    for (const [name, value] of Object.entries(members(LogLevel as unknown as EnumObject))) expect(l[name]).toBe(value);
    for (const [name, value] of Object.entries(members(ConnackCode as unknown as EnumObject))) expect(l[name]).toBe(value);
    for (const [name, value] of Object.entries(members(PahoClientMode as unknown as EnumObject))) expect(l[name]).toBe(value);
    expect([l.MQTTv31, l.MQTTv311, l.MQTTv5]).toEqual([MQTTProtocolVersion.MQTTv31, MQTTProtocolVersion.MQTTv311, MQTTProtocolVersion.MQTTv5]);
    expect(MQTTErrorCode.MQTT_ERR_NO_CONN).toBe(4);
    // MessageType counts in fixed-header bytes; PacketTypes counts 1..15, as in paho.
    expect(MessageType.PUBLISH).toBe(PacketTypes.PUBLISH << 4);
  });
});

describe('ConnectFlags / DisconnectFlags (paho 2.x NamedTuples)', () => {
  it('ConnectFlags(sessionPresent): sessionPresent, paho\'s session_present and paho 1.x\'s \'session present\'', () => {
    const t = new ConnectFlags(true);
    expect([t.sessionPresent, t.session_present, t['session present']]).toEqual([true, true, 1]);
    const f = new ConnectFlags(false);
    expect([f.sessionPresent, f.session_present, f['session present']]).toEqual([false, false, 0]);
  });

  it('DisconnectFlags(isDisconnectPacketFromServer): both spellings', () => {
    const t = new DisconnectFlags(true);
    expect([t.isDisconnectPacketFromServer, t.is_disconnect_packet_from_server]).toEqual([true, true]);
    const f = new DisconnectFlags(false);
    expect([f.isDisconnectPacketFromServer, f.is_disconnect_packet_from_server]).toEqual([false, false]);
  });
});

describe('convertConnackRcToReasonCode / convertDisconnectErrorCodeToReasonCode: paho 2.1 input by input', () => {
  // [input, connack (value, name), disconnect (value, name)], as paho 2.1.0 printed them.
  const US = [128, 'Unspecified error'] as const;
  const cases: Array<[unknown, readonly [number, string], readonly [number, string]]> = [
    [-3, US, US], [-2, US, US], [-1, US, US],
    [0, [0, 'Success'], [0, 'Normal disconnection']],
    [1, [132, 'Unsupported protocol version'], US],
    [2, [133, 'Client identifier not valid'], US],
    [3, [136, 'Server unavailable'], US],
    [4, [134, 'Bad user name or password'], US],
    [5, [135, 'Not authorized'], US],
    [6, US, US], [7, US, US], [8, US, US], [9, US, US], [10, US, US], [11, US, US], [12, US, US], [13, US, US],
    [14, US, US], [15, US, US],
    [16, US, [141, 'Keep alive timeout']],
    [17, US, US], [18, US, US], [19, US, US], [128, US, US], [130, US, US], [132, US, US], [136, US, US], [255, US, US], [256, US, US],
    [1.0, [132, 'Unsupported protocol version'], US],
    [1.5, US, US],
    [true, [132, 'Unsupported protocol version'], US],
    [false, [0, 'Success'], [0, 'Normal disconnection']],
    [null, US, US], ['0', US, US], ['1', US, US],
    // a ReasonCode compares by value, as paho's ==
    [new ReasonCodes(PacketTypes.CONNACK, 'Success'), [0, 'Success'], [0, 'Normal disconnection']],
    [new ReasonCodes(PacketTypes.DISCONNECT, 'Keep alive timeout'), US, US],
    [new ReasonCodes(PacketTypes.SUBACK, 'Granted QoS 0'), [0, 'Success'], [0, 'Normal disconnection']],
  ];

  it.each(cases)('%p', (input, connack, disconnect) => {
    const c = convertConnackRcToReasonCode(input);
    expect(c).toBeInstanceOf(ReasonCodes);
    expect([c.packetType, c.value, c.getName()]).toEqual([PacketTypes.CONNACK, ...connack]);
    const d = convertDisconnectErrorCodeToReasonCode(input);
    expect(d).toBeInstanceOf(ReasonCodes);
    expect([d.packetType, d.value, d.getName()]).toEqual([PacketTypes.DISCONNECT, ...disconnect]);
  });

  it('MQTT_ERR_PROTOCOL gives Unspecified error (128), as paho\'s code (its docstring says 130)', () => {
    expect(convertDisconnectErrorCodeToReasonCode(MQTTErrorCode.MQTT_ERR_PROTOCOL).value).toBe(128);
  });

  it('each call returns a new object (paho\'s are mutable)', () => {
    const a = convertConnackRcToReasonCode(0);
    a.set('Banned');
    expect(convertConnackRcToReasonCode(0).getName()).toBe('Success');
  });

  it('compares by name with a ReasonCode made by hand, as paho\'s docstring advises', () => {
    const expected = new ReasonCodes(PacketTypes.CONNACK, 'Server unavailable');
    expect(convertConnackRcToReasonCode(ConnackCode.CONNACK_REFUSED_SERVER_UNAVAILABLE).equals(expected)).toBe(true);
  });
});
