/*
 * Packet -> on_log line, table-driven. Each expected line is what paho 1.6.1 and 2.1.0 log for
 * the same packet (their `_easy_log` formats are identical; lines captured from both running
 * against mosquitto 2.0.11). The differential suite (spec/paho/) checks the same lines end to end.
 */
import { describeReceived, describeSent } from '../../lib/session/log';
import type { Packet, ProtocolLevel } from '../../lib/protocol/types';

const buf = (s: string) => Buffer.from(s, 'utf8');

const sent: Array<[string, ProtocolLevel, Packet, string]> = [
  ['CONNECT 3.1.1 with user, password and will', 4,
    { type: 'connect', protocolVersion: 4, clientId: 'probe', cleanSession: true, keepalive: 2, username: 'u', password: 'p',
      will: { topic: 'w/t', payload: buf('bye'), qos: 1, retain: true } },
    "Sending CONNECT (u1, p1, wr1, wq1, wf1, c1, k2) client_id=b'probe'"],
  ['CONNECT 3.1.1 bare', 4, { type: 'connect', protocolVersion: 4, clientId: '', cleanSession: false, keepalive: 60 },
    "Sending CONNECT (u0, p0, wr0, wq0, wf0, c0, k60) client_id=b''"],
  ['CONNECT 5.0 without properties', 5,
    { type: 'connect', protocolVersion: 5, clientId: 'probe', cleanSession: true, keepalive: 2, username: 'u', password: 'p',
      will: { topic: 'w/t', payload: buf('bye'), qos: 1, retain: true } },
    "Sending CONNECT (u1, p1, wr1, wq1, wf1, c1, k2) client_id=b'probe' properties=None"],
  ['CONNECT 5.0 with properties', 5,
    { type: 'connect', protocolVersion: 5, clientId: 'c', cleanSession: true, keepalive: 60, properties: { SessionExpiryInterval: 30, UserProperty: [['a', "it's"]] } },
    `Sending CONNECT (u0, p0, wr0, wq0, wf0, c1, k60) client_id=b'c' properties=[SessionExpiryInterval : 30, UserProperty : [('a', "it's")]]`],
  ['PUBLISH 3.1.1 QoS 0', 4, { type: 'publish', topic: 'p/a', payload: buf('hi'), qos: 0, retain: false, dup: false },
    "Sending PUBLISH (d0, q0, r0, m0), 'b'p/a'', ... (2 bytes)"],
  ['PUBLISH 3.1.1 QoS 2 empty payload', 4, { type: 'publish', topic: 'p/b', payload: buf(''), qos: 2, retain: true, dup: true, packetId: 4 },
    "Sending PUBLISH (d1, q2, r1, m4), 'b'p/b'' (NULL payload)"],
  ['PUBLISH 5.0 without properties', 5, { type: 'publish', topic: 'p/a', payload: buf('hi'), qos: 1, retain: false, dup: false, packetId: 2 },
    "Sending PUBLISH (d0, q1, r0, m2), 'b'p/a'', properties=None, ... (2 bytes)"],
  ['PUBLISH 5.0 empty payload', 5, { type: 'publish', topic: 'p/b', payload: buf(''), qos: 2, retain: false, dup: false, packetId: 4 },
    "Sending PUBLISH (d0, q2, r0, m4), 'b'p/b'', properties=None (NULL payload)"],
  ['PUBLISH 5.0 with properties', 5,
    { type: 'publish', topic: 'rpc/q', payload: buf('[1]'), qos: 1, retain: false, dup: false, packetId: 3,
      properties: { ResponseTopic: 'rpc/r', CorrelationData: buf('x\n1') } },
    "Sending PUBLISH (d0, q1, r0, m3), 'b'rpc/q'', properties=[ResponseTopic : rpc/r, CorrelationData : b'x\\n1'], ... (3 bytes)"],
  ['SUBSCRIBE 3.1.1', 4, { type: 'subscribe', packetId: 1, subscriptions: [{ topic: 'p/a', qos: 0 }, { topic: 'p/b', qos: 2 }] },
    "Sending SUBSCRIBE (d0, m1) [(b'p/a', 0), (b'p/b', 2)]"],
  ['SUBSCRIBE 5.0', 5, { type: 'subscribe', packetId: 1, subscriptions: [{ topic: 'p/a', qos: 0 }, { topic: 'p/b', qos: 2, noLocal: true, retainHandling: 2 }] },
    "Sending SUBSCRIBE (d0, m1) [(b'p/a', {QoS=0, noLocal=False, retainAsPublished=False, retainHandling=0}), " +
    "(b'p/b', {QoS=2, noLocal=True, retainAsPublished=False, retainHandling=2})]"],
  ['UNSUBSCRIBE 3.1.1', 4, { type: 'unsubscribe', packetId: 6, topics: ['p/a', 'p/b'] }, "Sending UNSUBSCRIBE (d0, m6) [b'p/a', b'p/b']"],
  ['UNSUBSCRIBE 5.0', 5, { type: 'unsubscribe', packetId: 6, topics: ['p/a', 'p/b'] }, "Sending UNSUBSCRIBE (d0, m6) None [b'p/a', b'p/b']"],
  ['PUBACK', 4, { type: 'puback', packetId: 1 }, 'Sending PUBACK (Mid: 1)'],
  ['PUBREC', 5, { type: 'pubrec', packetId: 2, reasonCode: 0 }, 'Sending PUBREC (Mid: 2)'],
  ['PUBREL', 4, { type: 'pubrel', packetId: 4 }, 'Sending PUBREL (Mid: 4)'],
  ['PUBCOMP', 5, { type: 'pubcomp', packetId: 3 }, 'Sending PUBCOMP (Mid: 3)'],
  ['PINGREQ', 4, { type: 'pingreq' }, 'Sending PINGREQ'],
  ['DISCONNECT 3.1.1', 4, { type: 'disconnect' }, 'Sending DISCONNECT'],
  ['DISCONNECT 5.0 without arguments', 5, { type: 'disconnect' }, 'Sending DISCONNECT reasonCode=None properties=None'],
  ['DISCONNECT 5.0 with a reason code and properties', 5,
    { type: 'disconnect', reasonCode: 0x04, properties: { SessionExpiryInterval: 0 } },
    'Sending DISCONNECT reasonCode=Disconnect with will message properties=[SessionExpiryInterval : 0]'],
];

const received: Array<[string, ProtocolLevel, Packet, string]> = [
  ['CONNACK 3.1.1', 4, { type: 'connack', sessionPresent: false, reasonCode: 0 }, 'Received CONNACK (0, 0)'],
  ['CONNACK 3.1.1 session present', 4, { type: 'connack', sessionPresent: true, reasonCode: 0 }, 'Received CONNACK (1, 0)'],
  ['CONNACK 3.1.1 refused', 4, { type: 'connack', sessionPresent: false, reasonCode: 5 }, 'Received CONNACK (0, 5)'],
  ['CONNACK 5.0', 5, { type: 'connack', sessionPresent: false, reasonCode: 0, properties: { ReceiveMaximum: 20, TopicAliasMaximum: 10 } },
    'Received CONNACK (0, Success) properties=[ReceiveMaximum : 20, TopicAliasMaximum : 10]'],
  ['CONNACK 5.0 refused, no properties', 5, { type: 'connack', sessionPresent: false, reasonCode: 0x87 },
    'Received CONNACK (0, Not authorized) properties=[]'],
  ['PUBLISH 3.1.1', 4, { type: 'publish', topic: 'p/b', payload: buf('x'), qos: 1, retain: false, dup: false, packetId: 1 },
    "Received PUBLISH (d0, q1, r0, m1), 'p/b', ...  (1 bytes)"],
  ['PUBLISH 3.1.1 empty retained', 4, { type: 'publish', topic: 'p/b', payload: buf(''), qos: 0, retain: true, dup: false },
    "Received PUBLISH (d0, q0, r1, m0), 'p/b', ...  (0 bytes)"],
  ['PUBLISH 5.0 without properties', 5, { type: 'publish', topic: 'p/a', payload: buf('hi'), qos: 0, retain: false, dup: false },
    "Received PUBLISH (d0, q0, r0, m0), 'p/a', properties=[], ...  (2 bytes)"],
  ['PUBLISH 5.0 with properties', 5,
    { type: 'publish', topic: 'p/a', payload: buf('hi'), qos: 2, retain: false, dup: true, packetId: 9,
      properties: { SubscriptionIdentifier: [3], UserProperty: [['k', 'v']] } },
    "Received PUBLISH (d1, q2, r0, m9), 'p/a', properties=[SubscriptionIdentifier : [3], UserProperty : [('k', 'v')]], ...  (2 bytes)"],
  ['PUBACK', 4, { type: 'puback', packetId: 3 }, 'Received PUBACK (Mid: 3)'],
  ['PUBACK 5.0 with a reason string', 5, { type: 'puback', packetId: 3, reasonCode: 0x10, properties: { ReasonString: 'none' } }, 'Received PUBACK (Mid: 3)'],
  ['PUBREC', 4, { type: 'pubrec', packetId: 4 }, 'Received PUBREC (Mid: 4)'],
  ['PUBREL', 5, { type: 'pubrel', packetId: 2 }, 'Received PUBREL (Mid: 2)'],
  ['PUBCOMP', 4, { type: 'pubcomp', packetId: 4 }, 'Received PUBCOMP (Mid: 4)'],
  ['SUBACK', 4, { type: 'suback', packetId: 1, reasonCodes: [0, 2] }, 'Received SUBACK'],
  ['SUBACK 5.0', 5, { type: 'suback', packetId: 1, reasonCodes: [0x87], properties: { ReasonString: 'denied' } }, 'Received SUBACK'],
  ['UNSUBACK', 4, { type: 'unsuback', packetId: 6 }, 'Received UNSUBACK (Mid: 6)'],
  ['UNSUBACK 5.0', 5, { type: 'unsuback', packetId: 6, reasonCodes: [0, 0x11] }, 'Received UNSUBACK (Mid: 6)'],
  ['PINGRESP', 4, { type: 'pingresp' }, 'Received PINGRESP'],
  // paho shows the reason code only when the DISCONNECT carries properties (remaining length > 2).
  ['DISCONNECT 5.0 reason code only', 5, { type: 'disconnect', reasonCode: 0x8e }, 'Received DISCONNECT None None'],
  ['DISCONNECT 5.0 with properties', 5, { type: 'disconnect', reasonCode: 0x8b, properties: { ReasonString: 'bye' } },
    'Received DISCONNECT Server shutting down [ReasonString : bye]'],
];

describe("on_log lines read as paho's", () => {
  test.each(sent)('sent %s', (_name, protocol, packet, line) => {
    expect(describeSent(packet, protocol)).toBe(line);
  });
  test('a QoS 0 PUBLISH shows the mid paho gave the message (it numbers every publish)', () => {
    const p: Packet = { type: 'publish', topic: 'p/a', payload: buf('hi'), qos: 0, retain: false, dup: false };
    expect(describeSent(p, 4, 2)).toBe("Sending PUBLISH (d0, q0, r0, m2), 'b'p/a'', ... (2 bytes)");
    expect(describeSent({ ...p, qos: 1, packetId: 7 }, 4, 2)).toBe("Sending PUBLISH (d0, q1, r0, m7), 'b'p/a'', ... (2 bytes)");
  });
  test.each(received)('received %s', (_name, protocol, packet, line) => {
    expect(describeReceived(packet, protocol)).toBe(line);
  });

  test('AuthenticationData (the enhanced-auth secret) is never logged: only its size (paho would print it)', () => {
    const secret = buf('s3cr3t-proof');
    const connect: Packet = { type: 'connect', protocolVersion: 5, clientId: 'c', cleanSession: true, keepalive: 60,
      properties: { AuthenticationMethod: 'SCRAM-SHA-256', AuthenticationData: secret } };
    const connack: Packet = { type: 'connack', sessionPresent: false, reasonCode: 0,
      properties: { AuthenticationMethod: 'SCRAM-SHA-256', AuthenticationData: buf('server-final') } };
    const disconnect: Packet = { type: 'disconnect', reasonCode: 0x87, properties: { AuthenticationData: buf('x') } };
    const lines = [describeSent(connect, 5), describeReceived(connack, 5), describeSent(disconnect, 5), describeReceived(disconnect, 5)];
    expect(lines[0]).toBe("Sending CONNECT (u0, p0, wr0, wq0, wf0, c1, k60) client_id=b'c' properties=[AuthenticationMethod : SCRAM-SHA-256, AuthenticationData : <12 bytes, not logged>]");
    expect(lines[1]).toBe('Received CONNACK (0, Success) properties=[AuthenticationMethod : SCRAM-SHA-256, AuthenticationData : <12 bytes, not logged>]');
    for (const l of lines) expect(l).not.toMatch(/s3cr3t|server-final|b'x'/);
  });
});
