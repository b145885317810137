/**
 * Python's select.select() for the ports, over Node sockets: a socket is readable when data
 * arrives (a 'data' listener sees it without taking it from the client's transport) or it
 * ends, and writable whenever asked (a connected Node socket always accepts a write).
 * Like Python's, it takes the objects as they come (mqttloop types the socket hooks' `sock`
 * as SocketLike, `unknown`) and refuses, at run time, one it cannot wait on.
 */
import { Socket } from 'net';

function sockets(list: unknown[], name: string): Socket[] {
  return list.map((s) => {
    if (!(s instanceof Socket)) throw new TypeError(`select(): ${name} holds something that is not a socket`);
    return s;
  });
}

export function select(rlist: unknown[], wlist: unknown[], xlist: unknown[], timeout: number): Promise<[unknown[], unknown[], unknown[]]> {
  const readable = sockets(rlist, 'rlist');
  if (sockets(wlist, 'wlist').length > 0) return Promise.resolve([[], wlist, []]);
  sockets(xlist, 'xlist');
  return new Promise((resolve) => {
    const cleanups: Array<() => void> = [];
    const done = (r: Socket[]) => {
      for (const c of cleanups) c();
      resolve([r, [], []]);
    };
    const timer = setTimeout(() => done([]), timeout * 1000);
    cleanups.push(() => clearTimeout(timer));
    for (const sock of readable) {
      const ready = () => done([sock]);
      sock.once('data', ready).once('end', ready).once('close', ready);
      cleanups.push(() => { sock.off('data', ready).off('end', ready).off('close', ready); });
    }
  });
}
