/**
 * The handlers the driver gives each transport it opens: one small object with its methods on
 * the prototype, not three closures and their context (idle memory per connection is a
 * benchmarked goal: this saves about 0.2 KB). Each call names the transport it came from, so
 * the driver ignores a transport it has already replaced.
 */
import type { Transport, TransportHandlers } from '../transport/types';

/** What the handlers call on the driver (client/driver.ts), their event target. */
export interface TransportEvents {
  onData(transport: Transport, chunk: Buffer): void;
  onTransportClose(transport: Transport, error?: Error): void;
  onTransportDrain(transport: Transport): void;
}

export class ClientTransportHandlers implements TransportHandlers {
  constructor(private readonly target: TransportEvents, private readonly transport: Transport) {}

  data(chunk: Buffer): void {
    this.target.onData(this.transport, chunk);
  }

  close(error?: Error): void {
    this.target.onTransportClose(this.transport, error);
  }

  drain(): void {
    this.target.onTransportDrain(this.transport);
  }
}
