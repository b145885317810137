/**
 * Python's select.select() for the ports, over Node sockets: a socket is readable when data
 * arrives (a 'data' listener sees it without taking it from the client's transport) or it
 * ends, and writable whenever asked (a connected Node socket always accepts a write).
 */
import type { Socket } from 'net';

export function select(rlist: Socket[], wlist: Socket[], xlist: Socket[], timeout: number): Promise<[Socket[], Socket[], Socket[]]> {
  if (wlist.length > 0) return Promise.resolve([[], wlist, []]);
  return new Promise((resolve) => {
    const cleanups: Array<() => void> = [];
    const done = (r: Socket[]) => {
      for (const c of cleanups) c();
      resolve([r, [], []]);
    };
    const timer = setTimeout(() => done([]), timeout * 1000);
    cleanups.push(() => clearTimeout(timer));
    for (const sock of rlist) {
      const ready = () => done([sock]);
      sock.once('data', ready).once('end', ready).once('close', ready);
      cleanups.push(() => { sock.off('data', ready).off('end', ready).off('close', ready); });
    }
  });
}
