/**
 * What loopForever() resolves with, as paho's loop_forever returns (1.6.1 and 2.1.0 alike): the
 * rc of its last network step. Once the connection is gone, that step is a select() on no socket,
 * MQTT_ERR_CONN_LOST; so disconnect() (from a callback or anywhere else), a failed reconnect
 * attempt and a lost keepalive all end it with MQTT_ERR_CONN_LOST. A connection lost with
 * reconnect_on_failure false (or lost while disconnect() came during the backoff that followed)
 * ends it with the rc of the step that lost it: MQTT_ERR_PROTOCOL for bad bytes,
 * MQTT_ERR_CONN_REFUSED for a refusing MQTT 3.x CONNACK, ...
 */
import { MQTT_ERR_CONN_LOST, MQTT_ERR_KEEPALIVE, MQTT_ERR_SUCCESS } from '../constants';

/** The rc loopForever() ends with after a connection closed with `rc` (`expected`: after disconnect()). */
export function foreverRcAfterClose(rc: number, expected: boolean): number {
  // paho's keepalive check reports MQTT_ERR_KEEPALIVE to on_disconnect but returns MQTT_ERR_CONN_LOST.
  if (expected || rc === MQTT_ERR_SUCCESS || rc === MQTT_ERR_KEEPALIVE) return MQTT_ERR_CONN_LOST;
  return rc;
}

/** Before any step, and after an attempt whose socket could not be opened. */
export const FOREVER_RC_NO_CONNECTION = MQTT_ERR_CONN_LOST;
