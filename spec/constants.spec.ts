import * as C from '../lib/constants';

describe('constants (paho values, API.md §1)', () => {
  const table: Array<[keyof typeof C, number]> = [
    ['MQTTv31', 3],
    ['MQTTv311', 4],
    ['MQTTv5', 5],
    ['QOS_0', 0],
    ['QOS_1', 1],
    ['QOS_2', 2],
    ['MQTT_CLEAN_START_FIRST_ONLY', 3],
    ['MQTT_ERR_AGAIN', -1],
    ['MQTT_ERR_SUCCESS', 0],
    ['MQTT_ERR_NOMEM', 1],
    ['MQTT_ERR_PROTOCOL', 2],
    ['MQTT_ERR_INVAL', 3],
    ['MQTT_ERR_NO_CONN', 4],
    ['MQTT_ERR_CONN_REFUSED', 5],
    ['MQTT_ERR_NOT_FOUND', 6],
    ['MQTT_ERR_CONN_LOST', 7],
    ['MQTT_ERR_TLS', 8],
    ['MQTT_ERR_PAYLOAD_SIZE', 9],
    ['MQTT_ERR_NOT_SUPPORTED', 10],
    ['MQTT_ERR_AUTH', 11],
    ['MQTT_ERR_ACL_DENIED', 12],
    ['MQTT_ERR_UNKNOWN', 13],
    ['MQTT_ERR_ERRNO', 14],
    ['MQTT_ERR_QUEUE_SIZE', 15],
    ['MQTT_ERR_KEEPALIVE', 16],
    ['MQTT_LOG_INFO', 0x01],
    ['MQTT_LOG_NOTICE', 0x02],
    ['MQTT_LOG_WARNING', 0x04],
    ['MQTT_LOG_ERR', 0x08],
    ['MQTT_LOG_DEBUG', 0x10],
    ['CONNACK_ACCEPTED', 0],
    ['CONNACK_REFUSED_PROTOCOL_VERSION', 1],
    ['CONNACK_REFUSED_IDENTIFIER_REJECTED', 2],
    ['CONNACK_REFUSED_SERVER_UNAVAILABLE', 3],
    ['CONNACK_REFUSED_BAD_USERNAME_PASSWORD', 4],
    ['CONNACK_REFUSED_NOT_AUTHORIZED', 5],
    // paho 2.x's packet-type constants (= MessageType.*, read from paho 2.1's enums.py) and client modes
    ['CONNECT', 0x10],
    ['CONNACK', 0x20],
    ['PUBLISH', 0x30],
    ['PUBACK', 0x40],
    ['PUBREC', 0x50],
    ['PUBREL', 0x60],
    ['PUBCOMP', 0x70],
    ['SUBSCRIBE', 0x80],
    ['SUBACK', 0x90],
    ['UNSUBSCRIBE', 0xa0],
    ['UNSUBACK', 0xb0],
    ['PINGREQ', 0xc0],
    ['PINGRESP', 0xd0],
    ['DISCONNECT', 0xe0],
    ['AUTH', 0xf0],
    ['MQTT_CLIENT', 0],
    ['MQTT_BRIDGE', 1],
  ];

  it.each(table)('%s = %d', (name, value) => {
    expect(C[name]).toBe(value);
    expect(typeof C[name]).toBe('number');
  });

  it('exports exactly these names, all plain numbers', () => {
    expect(Object.keys(C).sort()).toEqual(table.map(([n]) => n).sort());
  });
});
