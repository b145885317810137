/**
 * MQTT 5 enhanced authentication, the Client's side: the server's AUTH goes to on_auth (and
 * the 'auth' event); for 0x18 (Continue authentication) on_auth's answer, now or from a
 * promise, goes back to the session, or abandons the connection when there is none.
 */
import { MQTT_LOG_ERR } from '../constants';
import { PacketTypes } from '../mqtt5/packetTypes';
import { Properties } from '../mqtt5/properties';
import type { PacketProperties } from '../protocol/types';
import type { Callbacks } from './callbacks';
import type { ClientLink } from './link';
import { checkProperties } from './mqtt5Args';

/** The server's AUTH goes to on_auth; for 0x18 its answer (now or from a promise) goes back to the session. */
export function answerAuth(link: ClientLink, callbacks: Callbacks, reasonCode: number, received?: PacketProperties): void {
  const owner = callbacks.owner;
  const properties = Properties._wrap(PacketTypes.AUTH, received);
  if (owner.listenerCount('auth') > 0) callbacks.safeEmit('auth', reasonCode, properties);
  if (reasonCode !== 0x18) {
    if (owner.on_auth !== null) callbacks.invoke('on_auth', owner.on_auth, [owner, callbacks.userdata, reasonCode, properties]);
    return;
  }
  const transport = link.transport;
  const answer = (props: unknown): void => {
    if (link.transport !== transport || transport === null) return; // that connection is gone
    let checked: PacketProperties | null = null;
    try {
      checked = props === null || props === undefined ? null : checkProperties(props, PacketTypes.AUTH, true) ?? {};
    } catch (e) {
      callbacks.callbackFailed('on_auth', e); // an answer that is not valid AUTH properties
    }
    link.session.continueAuth(checked, link.clock());
    link.dispatch();
    link.scheduleFlush();
  };
  if (owner.on_auth === null) {
    link.log(MQTT_LOG_ERR, 'The server asked to continue enhanced authentication, but on_auth is not set');
    answer(null);
    return;
  }
  let result: unknown;
  try {
    result = owner.on_auth(owner, callbacks.userdata, reasonCode, properties);
  } catch (e) {
    callbacks.callbackFailed('on_auth', e);
    answer(null);
    return;
  }
  const thenable = result as { then?: unknown } | null | undefined;
  if (thenable !== null && typeof thenable === 'object' && typeof thenable.then === 'function') {
    (result as Promise<unknown>).then(answer, (e) => {
      callbacks.callbackFailed('on_auth', e);
      answer(null);
    });
  } else {
    answer(result);
  }
}
