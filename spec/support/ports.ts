import * as net from 'net';

/**
 * Ask the kernel for `count` distinct free TCP ports on 127.0.0.1.
 *
 * All listeners are held open until every port is known, so the ports are
 * distinct from each other (closing one listener before asking for the next
 * could hand the same port out twice). They are closed before returning: the
 * caller must bind them promptly (there is an unavoidable window in which
 * another process could take one; startMosquitto retries on EADDRINUSE).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(
      servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))),
    );
  }
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read the port, close). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}
