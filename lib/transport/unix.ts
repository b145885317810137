/**
 * Unix-domain socket transport (paho's transport="unix"): the TCP transport, connected to a
 * socket path instead of a host and port.
 */
import { TcpTransport } from './tcp';

export interface UnixTransportOptions {
  /** The socket's path, e.g. /run/mosquitto/mqtt.sock. */
  path: string;
  /** Gives up connecting after this many ms; 0 or absent: no limit. */
  connectTimeoutMs?: number;
}

export class UnixTransport extends TcpTransport {
  constructor(opts: UnixTransportOptions) {
    // host is only used in messages ("connect to <path>:0 ...").
    super({ host: opts.path, port: 0, path: opts.path, connectTimeoutMs: opts.connectTimeoutMs });
  }
}
