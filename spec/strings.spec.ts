import { ValueError } from '../lib/errors';
import { connackString, errorString } from '../lib/strings';
import * as C from '../lib/constants';

describe('connackString (paho connack_string)', () => {
  const cases: Array<[number, string]> = [
    [C.CONNACK_ACCEPTED, 'Connection Accepted.'],
    [C.CONNACK_REFUSED_PROTOCOL_VERSION, 'Connection Refused: unacceptable protocol version.'],
    [C.CONNACK_REFUSED_IDENTIFIER_REJECTED, 'Connection Refused: identifier rejected.'],
    [C.CONNACK_REFUSED_SERVER_UNAVAILABLE, 'Connection Refused: broker unavailable.'],
    [C.CONNACK_REFUSED_BAD_USERNAME_PASSWORD, 'Connection Refused: bad user name or password.'],
    [C.CONNACK_REFUSED_NOT_AUTHORIZED, 'Connection Refused: not authorised.'],
    [6, 'Connection Refused: unknown reason.'],
    [255, 'Connection Refused: unknown reason.'],
    [0x87, 'Connection Refused: unknown reason.'],
    [-1, 'Connection Refused: unknown reason.'],
    [NaN, 'Connection Refused: unknown reason.'],
  ];
  it.each(cases)('connackString(%d) is %j', (rc, text) => {
    expect(connackString(rc)).toBe(text);
  });

  it('takes anything with a numeric value (MQTT 5 reason codes compare by value in paho)', () => {
    expect(connackString({ value: 0 })).toBe('Connection Accepted.');
    expect(connackString({ value: 5 })).toBe('Connection Refused: not authorised.');
    expect(connackString({ value: 0x87 })).toBe('Connection Refused: unknown reason.');
  });
});

describe('errorString (paho error_string)', () => {
  const cases: Array<[number, string]> = [
    [C.MQTT_ERR_SUCCESS, 'No error.'],
    [C.MQTT_ERR_NOMEM, 'Out of memory.'],
    [C.MQTT_ERR_PROTOCOL, 'A network protocol error occurred when communicating with the broker.'],
    [C.MQTT_ERR_INVAL, 'Invalid function arguments provided.'],
    [C.MQTT_ERR_NO_CONN, 'The client is not currently connected.'],
    [C.MQTT_ERR_CONN_REFUSED, 'The connection was refused.'],
    [C.MQTT_ERR_NOT_FOUND, 'Message not found (internal error).'],
    [C.MQTT_ERR_CONN_LOST, 'The connection was lost.'],
    [C.MQTT_ERR_TLS, 'A TLS error occurred.'],
    [C.MQTT_ERR_PAYLOAD_SIZE, 'Payload too large.'],
    [C.MQTT_ERR_NOT_SUPPORTED, 'This feature is not supported.'],
    [C.MQTT_ERR_AUTH, 'Authorisation failed.'],
    [C.MQTT_ERR_ACL_DENIED, 'Access denied by ACL.'],
    [C.MQTT_ERR_UNKNOWN, 'Unknown error.'],
    [C.MQTT_ERR_ERRNO, 'Error defined by errno.'],
    [C.MQTT_ERR_QUEUE_SIZE, 'Message queue full.'],
    [C.MQTT_ERR_KEEPALIVE, 'Client or broker did not communicate in the keepalive interval.'],
    [C.MQTT_ERR_AGAIN, 'Unknown error.'],
    [17, 'Unknown error.'],
    [99, 'Unknown error.'],
    [-2, 'Unknown error.'],
  ];
  it.each(cases)('errorString(%d) is %j', (errno, text) => {
    expect(errorString(errno)).toBe(text);
  });

  it('takes anything with a numeric value', () => {
    expect(errorString({ value: 7 })).toBe('The connection was lost.');
  });
});

describe('ValueError', () => {
  it('is an Error subclass named ValueError', () => {
    const e = new ValueError('qos: must be 0, 1 or 2, got 3');
    expect(e).toBeInstanceOf(ValueError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ValueError');
    expect(e.message).toBe('qos: must be 0, 1 or 2, got 3');
    expect(String(e)).toBe('ValueError: qos: must be 0, 1 or 2, got 3');
    expect(e.stack).toMatch(/^ValueError: qos: must be 0, 1 or 2, got 3/);
    expect(Object.prototype.toString.call(e)).toBe('[object Error]');
  });

  it('can be thrown and caught by class', () => {
    expect(() => {
      throw new ValueError('x: bad');
    }).toThrow(ValueError);
  });

  it('keeps a cause', () => {
    const cause = new Error('inner');
    expect(new ValueError('x: bad', { cause }).cause).toBe(cause);
  });
});
