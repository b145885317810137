/**
 * What the onread specs of tcp.spec.ts and tls.spec.ts watch on a transport's socket: whether
 * Node's Readable stream pushed anything (it must not: reads go past it), and what a program
 * watching the socket's 'data' events (an external event loop) sees.
 */
import type * as net from 'net';

export function watchReads(sock: net.Socket): { push: jest.SpyInstance; watched: string[] } {
  const push = jest.spyOn(sock, 'push');
  const watched: string[] = [];
  sock.on('data', (d: Buffer) => watched.push(d.toString()));
  return { push, watched };
}
