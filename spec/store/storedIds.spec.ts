/**
 * Message ids read back from a caller's OutgoingStore are checked when the Client is made: an id
 * outside 1..65535 (or not an integer) is a ValueError naming the record, never a silently
 * wrapped id in the id table or in an acknowledgement's two bytes.
 */
import { Client, MQTTv311, ValueError } from '../../lib';
import type { OutgoingStore, StoredIncoming, StoredMessage } from '../../lib/store/types';

function storeWith(outgoing: Partial<StoredMessage>[], incoming: Partial<StoredIncoming>[] = []): OutgoingStore {
  const message = (m: Partial<StoredMessage>): StoredMessage => ({
    mid: 1, topic: 't', payload: Buffer.from('p'), qos: 1, retain: false, state: 'queued', everSent: false, ...m,
  } as StoredMessage);
  const stored = (m: Partial<StoredIncoming>): StoredIncoming => ({ mid: 1, topic: 'in', payload: Buffer.from('q'), retain: false, dup: false, ...m });
  return {
    load: () => outgoing.map(message), put: () => undefined, setState: () => undefined, delete: () => undefined,
    clear: () => undefined, flush: () => undefined, close: () => undefined,
    incoming: { load: () => incoming.map(stored), put: () => undefined, delete: () => undefined, clear: () => undefined },
  };
}

const make = (store: OutgoingStore) => new Client({ clientId: 'ids', cleanSession: false, protocol: MQTTv311, store });

describe('message ids from a store', () => {
  test.each([0, 65536, 70000, 1.5, -3, NaN])('an outgoing message with id %p: ValueError naming it', (mid) => {
    const store = storeWith([{ mid: 5 }, { mid, topic: 'bad/one' }]);
    expect(() => make(store)).toThrow(ValueError);
    expect(() => make(store)).toThrow(new RegExp(`^store: a stored outgoing message \\(topic "bad/one"\\) has message id ${String(mid).replace('.', '\\.')}; message ids are integers from 1 to 65535`));
  });

  test('an incoming QoS 2 message with id 65536: ValueError', () => {
    expect(() => make(storeWith([], [{ mid: 65536 }]))).toThrow(/^store: a stored incoming QoS 2 message has message id 65536;/);
  });

  test('ids 1 and 65535 are restored and held', () => {
    const c = make(storeWith([{ mid: 1 }, { mid: 65535 }], [{ mid: 65535 }]));
    const s = c.stats();
    expect(s.queued.messages).toBe(2);
    expect(s.inFlight.in).toBe(1);
  });
});
