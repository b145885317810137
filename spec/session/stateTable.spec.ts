/**
 * Session engine: the table of which packets each state accepts (ACCEPTS in session.ts, as
 * h11's _state.py). Dispatch consults it first: a packet outside its state's row takes the
 * one protocol-error path (MQTT_ERR_PROTOCOL, a log line, on 5.0 DISCONNECT 0x82 first).
 */
import { MQTT_ERR_PROTOCOL } from '../../lib/constants';
import type { Packet } from '../../lib/protocol/types';
import { ACCEPTS } from '../../lib/session/session';
import { ScriptedBroker } from './harness';

const T0 = 1_000_000;

const EVERY: Packet[] = [
  { type: 'connect', protocolVersion: 5, clientId: 'x', cleanSession: true, keepalive: 0 },
  { type: 'connack', sessionPresent: false, reasonCode: 0 },
  { type: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false },
  { type: 'puback', packetId: 1 },
  { type: 'pubrec', packetId: 1 },
  { type: 'pubrel', packetId: 1 },
  { type: 'pubcomp', packetId: 1 },
  { type: 'subscribe', packetId: 1, subscriptions: [{ topic: 'a', qos: 0 }] },
  { type: 'suback', packetId: 1, reasonCodes: [0] },
  { type: 'unsubscribe', packetId: 1, topics: ['a'] },
  { type: 'unsuback', packetId: 1, reasonCodes: [0] },
  { type: 'pingreq' },
  { type: 'pingresp' },
  { type: 'disconnect', reasonCode: 0 },
  { type: 'auth', reasonCode: 0x18, properties: { AuthenticationMethod: 'm' } },
];

function inState(state: 'connecting' | 'connected' | 'disconnecting'): ScriptedBroker {
  const b = new ScriptedBroker({ protocol: 5 }, T0);
  if (state === 'connecting') b.connect();
  else b.connectAndAccept();
  if (state === 'disconnecting') b.s.disconnect(b.now);
  b.sentPackets();
  b.events();
  return b;
}

describe('the state table', () => {
  it('before CONNACK only CONNACK and AUTH; after it everything the server may send but CONNACK', () => {
    expect([...ACCEPTS.connecting].sort()).toEqual(['auth', 'connack']);
    expect([...ACCEPTS.connected].sort()).toEqual(['auth', 'disconnect', 'pingresp', 'puback', 'pubcomp', 'publish', 'pubrec', 'pubrel', 'suback', 'unsuback']);
    expect(ACCEPTS.disconnecting).toEqual(ACCEPTS.connected);
    expect(ACCEPTS.idle).toEqual([]);
  });

  describe.each(['connecting', 'connected', 'disconnecting'] as const)('%s: every packet outside the row is a protocol error', (state) => {
    const refused = EVERY.filter((p) => !ACCEPTS[state].includes(p.type));
    it.each(refused.map((p) => [p.type.toUpperCase(), p] as const))('%s', (name, packet) => {
      const b = inState(state);
      b.brokerSends(packet);
      const reason = state === 'connecting' ? `${name} received before CONNACK`
        : packet.type === 'connack' ? 'CONNACK received twice' : `unexpected ${name} from the server`;
      expect(b.events()).toEqual([{ kind: 'close', rc: MQTT_ERR_PROTOCOL, reason }]);
      expect(b.sentPackets()).toEqual([{ type: 'disconnect', reasonCode: 0x82 }]);
      expect(b.s.state).toBe('disconnecting');
    });
  });
});
