/**
 * The handlers a Client gives each transport it opens: one small object with its methods on
 * the prototype, not three closures and their context (idle memory per connection is a
 * benchmarked goal: this saves about 0.2 KB). Each call names the transport it came from, so
 * the Client ignores a transport it has already replaced.
 */
import type { Transport, TransportHandlers } from '../transport/types';

/** What the handlers call on their Client (not public; named by the handlers' declaration). */
export interface TransportEvents {
  onData(transport: Transport, chunk: Buffer): void;
  onTransportClose(transport: Transport, error?: Error): void;
  onTransportDrain(transport: Transport): void;
}

export class ClientTransportHandlers implements TransportHandlers {
  constructor(private readonly client: TransportEvents, private readonly transport: Transport) {}

  data(chunk: Buffer): void {
    this.client.onData(this.transport, chunk);
  }

  close(error?: Error): void {
    this.client.onTransportClose(this.transport, error);
  }

  drain(): void {
    this.client.onTransportDrain(this.transport);
  }
}
