/**
 * The session's events turned into the Client's callbacks and events: a received message to
 * its handlers (delivery.ts), PUBACK/PUBCOMP to on_publish, CONNACK to on_connect, SUBACK and
 * UNSUBACK to on_subscribe/on_unsubscribe, the end of a connection to on_disconnect, AUTH to
 * on_auth (auth.ts), with the arguments of the Client's callback mode (callbackArgs.ts).
 * Functions of the driver's state, not an object of their own: idle memory per connection is a
 * benchmarked goal.
 */
import type { PacketProperties } from '../protocol/types';
import type { SessionEvent } from '../session/session';
import { answerAuth } from './auth';
import { CallbackMode, connectArgs, disconnectArgs, publishArgs, subscribeArgs, unsubscribeArgs } from './callbackArgs';
import type { Callbacks } from './callbacks';
import type { Delivery } from './delivery';
import type { ClientLink } from './link';
import { connectChannel, messageChannel, traceConnect, traceMessage } from './tracing';

/** What the events need of the driver, beyond its link: its collaborators and its callback mode. */
export interface EventsHost extends ClientLink {
  /** Which callback signatures to use (callbackArgs.ts). */
  readonly mode: CallbackMode;
  /** Callbacks of session events are running (dispatchEvents()): paho's "inside a callback". */
  dispatchDepth: number;
  readonly callbacks: Callbacks;
  readonly delivery: Delivery;
  readonly connector: ConnectionEvents;
  /** Hands the session's queued bytes to the transport. */
  flush(): void;
  /** The connection is over: tear it down, tell the user, reconnect in the background modes. */
  connectionLost(rc: number, error?: Error, properties?: PacketProperties, serverReason?: number): void;
}

/** What the events tell the connector (reconnect.ts). */
export interface ConnectionEvents {
  /** The server in use (the tracing channels report it). */
  readonly host: string;
  readonly port: number;
  connackReceived(reasonCode: number, properties?: PacketProperties): void;
  retriesRefusals(): boolean;
  retryRefused(kind: 'generatedId' | 'mqtt31'): void;
}

/** Runs the callbacks for the session's events, after its transitions are complete. */
export function dispatchEvents(d: EventsHost): void {
  // Lines the callbacks cause are logged at once, between the queued lines of what arrived (paho's order).
  const session = d.session;
  const outer = session.logTarget;
  session.logTarget = d;
  d.dispatchDepth++;
  try {
    for (;;) {
      const events = session.takeEvents();
      if (events.length === 0) return;
      for (let i = 0; i < events.length; i++) handleEvent(d, events[i]);
    }
  } finally {
    d.dispatchDepth--;
    session.logTarget = outer;
  }
}

function handleEvent(d: EventsHost, ev: SessionEvent): void {
  const mode = d.mode;
  switch (ev.kind) {
    case 'message':
      if (mode.v5) ev.message._v5 = true;
      if (messageChannel.hasSubscribers) traceMessage(d, ev.message);
      return d.delivery.deliver(ev.message);
    case 'published':
      if (!mode.v2) return d.callbacks.fireOne('on_publish', 'publish', ev.mid);
      return d.callbacks.fireArgs('on_publish', 'publish', publishArgs(ev.mid, ev.reasonCode, ev.properties));
    case 'connack':
      d.connector.connackReceived(ev.reasonCode, ev.properties);
      if (connectChannel.hasSubscribers) traceConnect(d, ev.reasonCode, ev.sessionPresent);
      return d.callbacks.fireArgs('on_connect', 'connect', connectArgs(mode, ev.sessionPresent, ev.reasonCode, ev.properties));
    case 'subscribed': return d.callbacks.fireArgs('on_subscribe', 'subscribe', subscribeArgs(mode, ev.mid, ev.reasonCodes, ev.properties));
    case 'unsubscribed': return d.callbacks.fireArgs('on_unsubscribe', 'unsubscribe', unsubscribeArgs(mode, ev.mid, ev.reasonCodes, ev.properties));
    case 'log': return d.log(ev.level, ev.text);
    case 'close':
      if (ev.retry !== undefined && d.connector.retriesRefusals()) return d.connector.retryRefused(ev.retry);
      // No line of its own, as paho: the rc reaches on_disconnect, what caused it was logged already.
      d.flush();
      d.connectionLost(ev.rc, undefined, ev.properties, ev.reasonCode);
      return;
    case 'auth': return answerAuth(d, d.callbacks, ev.reasonCode, ev.properties);
    case 'pubrec': return d.session.sendPubrec(ev.mid);
  }
}

/** The connection ended: on_disconnect with `rc` (0 after disconnect()), in the mode's signature. */
export function fireDisconnect(d: EventsHost, rc: number, properties: PacketProperties | undefined, serverReason: number | undefined): void {
  const mode = d.mode;
  if (!mode.v5 && !mode.v2) d.callbacks.fire('on_disconnect', 'disconnect', rc, properties);
  else d.callbacks.fireArgs('on_disconnect', 'disconnect', disconnectArgs(mode, rc, serverReason, properties));
}
