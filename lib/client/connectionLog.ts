/**
 * The Client's log lines about the connection itself (not about packets), as paho 1.6.1 and
 * 2.1.0 write them, at paho's levels. paho writes no line where a connection fails to open
 * (connect() raises; loop_forever's retries say only "Connection failed, retrying"), where it
 * closes a connection it judged bad (the rc reaches on_disconnect), or while it waits to
 * reconnect; so neither does the Client.
 */
import { MQTT_LOG_DEBUG, MQTT_LOG_ERR } from '../constants';

export interface LogSink {
  log(level: number, text: string): void;
}

/** A background attempt whose socket could not be opened: after on_connect_fail, before the next wait. */
export function logRetrying(sink: LogSink): void {
  sink.log(MQTT_LOG_DEBUG, 'Connection failed, retrying');
}

/**
 * The socket failed under the connection (a read or write error, not an orderly close). paho
 * says "receive" for failed sends too; its `%s` of the OSError is the system's message, here Node's.
 */
export function logSocketError(sink: LogSink, error: Error): void {
  sink.log(MQTT_LOG_ERR, `failed to receive on socket: ${error.message}`);
}
