/**
 * MQTT 5 helpers for Client specs: the Client's engine, for what the public surface does
 * not reach (SUBSCRIBE with raw Subscription objects, limits adopted from CONNACK).
 */
export { sessionOf } from './clientInternals';
