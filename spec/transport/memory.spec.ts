import { MemoryListener, MemoryPeer, memoryPair } from '../../lib/transport/memory';
import type { TransportHandlers } from '../../lib/transport/types';

/** Lets every pending promise job run (deliveries are promise jobs, even under fake timers). */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function recorder() {
  const data: string[] = [];
  const closes: Array<Error | undefined> = [];
  const handlers: TransportHandlers = {
    data: (chunk) => data.push(chunk.toString()),
    close: (err) => closes.push(err),
  };
  return { handlers, data, closes };
}

async function openPair() {
  const { client, server } = memoryPair();
  const r = recorder();
  await client.open(r.handlers);
  return { client, server, r };
}

describe('memoryPair', () => {
  it('opens asynchronously and tells the server end', async () => {
    const { client, server } = memoryPair();
    expect(client.isOpen).toBe(false);
    expect(client.socket).toBeNull();
    const p = client.open(recorder().handlers);
    expect(client.isOpen).toBe(false);
    expect(server.isOpened).toBe(false);
    await p;
    await server.opened;
    expect(client.isOpen).toBe(true);
    expect(server.isOpened).toBe(true);
    expect(client.socket).toBe(server);
    await expect(client.open(recorder().handlers)).rejects.toThrow('open() called twice');
  });

  it('rejects open with openError or refuseOpen(err), and never calls close', async () => {
    for (const refuse of [(c: { openError?: Error }) => (c.openError = new Error('nope')), (_: unknown, s: MemoryPeer) => s.refuseOpen(new Error('nope'))]) {
      const { client, server } = memoryPair();
      refuse(client, server);
      const r = recorder();
      await expect(client.open(r.handlers)).rejects.toThrow('nope');
      await flush();
      expect(r.closes).toEqual([]);
      expect(client.isOpen).toBe(false);
      expect(client.write([Buffer.from('x')])).toBe(false);
      expect(server.isOpened).toBe(false);
      expect(server.clientClosed).toBe(true);
      expect(server.closed).toBe(true);
    }
  });

  it('delivers client writes later, in order, one entry per write, copied', async () => {
    const { client, server } = await openPair();
    const seen: string[] = [];
    server.onData((c) => seen.push(c.toString()));
    const reused = Buffer.from('ab');
    expect(client.write([reused, Buffer.from('c')])).toBe(true);
    reused.write('XX');
    expect(client.write([Buffer.from('d')])).toBe(true);
    expect(client.pendingBytes).toBe(4);
    expect(server.received).toEqual([]); // not inside write()
    const next = server.nextData();
    await flush();
    expect(await next).toEqual(Buffer.from('abc'));
    expect(server.received.map(String)).toEqual(['abc', 'd']);
    expect(seen).toEqual(['abc', 'd']);
    expect(client.pendingBytes).toBe(0);
    expect(server.takeReceived().toString()).toBe('abcd');
    expect(server.received).toEqual([]);
  });

  it('delivers server writes later, in order; bytes written before open wait for it', async () => {
    const { client, server } = memoryPair();
    server.write(Buffer.from('early'));
    const r = recorder();
    await client.open(r.handlers);
    server.write(Buffer.from('1'));
    server.write(Buffer.from('2'));
    expect(r.data).toEqual([]);
    await flush();
    expect(r.data).toEqual(['early', '1', '2']);
  });

  it('works under jest fake timers: only promise jobs are needed', async () => {
    jest.useFakeTimers();
    try {
      const { client, server, r } = await openPair();
      server.write(Buffer.from('x'));
      client.write([Buffer.from('y')]);
      await flush();
      expect(r.data).toEqual(['x']);
      expect(server.takeReceived().toString()).toBe('y');
    } finally {
      jest.useRealTimers();
    }
  });

  it('lets a handler write and destroy from inside data()', async () => {
    const { client, server } = memoryPair();
    const closes: unknown[] = [];
    await client.open({
      data: (c) => {
        client.write([Buffer.from(`re:${c}`)]);
        client.destroy();
      },
      close: (e) => closes.push(e),
    });
    server.write(Buffer.from('a'));
    server.write(Buffer.from('b')); // dropped: the client is destroyed after 'a'
    await flush();
    expect(server.received).toEqual([]); // destroy() drops writes not yet delivered
    expect(closes).toEqual([undefined]);
  });

  it('server close(): pending bytes first, then close once, later', async () => {
    const { client, server, r } = await openPair();
    const onClose = jest.fn();
    server.onClose(onClose);
    server.write(Buffer.from('last'));
    server.close();
    server.close();
    expect(r.closes).toEqual([]);
    expect(server.closed).toBe(true);
    expect(client.write([Buffer.from('x')])).toBe(false);
    await flush();
    expect(r.data).toEqual(['last']);
    expect(r.closes).toEqual([undefined]);
    expect(server.clientClosed).toBe(true);
    expect(client.isOpen).toBe(false);
    expect(client.socket).toBeNull();
    expect(onClose).toHaveBeenCalledTimes(1);
    server.write(Buffer.from('ignored'));
    await flush();
    expect(r.data).toEqual(['last']);
  });

  it('server close(error): drops undelivered bytes, close(error) even while paused', async () => {
    const { client, server, r } = await openPair();
    client.pause();
    server.write(Buffer.from('lost'));
    const err = new Error('reset');
    server.close(err);
    await flush();
    expect(r.data).toEqual([]);
    expect(r.closes).toEqual([err]);
  });

  it('server close() during open makes open reject', async () => {
    const { client, server } = memoryPair();
    const p = client.open(recorder().handlers);
    server.close(new Error('reset'));
    await expect(p).rejects.toThrow('reset');
  });

  it('client end(): delivers pending writes, then closes both ends', async () => {
    const { client, server, r } = await openPair();
    const onClose = jest.fn();
    server.onClose(onClose);
    client.write([Buffer.from('bye')]);
    client.end();
    expect(client.isOpen).toBe(false);
    expect(client.write([Buffer.from('x')])).toBe(false);
    await flush();
    expect(server.takeReceived().toString()).toBe('bye');
    expect(r.closes).toEqual([undefined]);
    expect(server.closed).toBe(true);
    expect(server.clientClosed).toBe(true);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('client destroy(): drops pending writes, closes once, later', async () => {
    const { client, server, r } = await openPair();
    client.write([Buffer.from('dropped')]);
    client.destroy();
    expect(r.closes).toEqual([]);
    expect(server.closed).toBe(true);
    client.destroy();
    await flush();
    expect(server.received).toEqual([]);
    expect(r.closes).toEqual([undefined]);
  });

  it('destroy() while opening makes open reject', async () => {
    const { client } = memoryPair();
    const p = client.open(recorder().handlers);
    client.destroy();
    await expect(p).rejects.toThrow('destroyed while opening');
  });

  it('pause() holds server bytes until resume(); a clean close waits behind them', async () => {
    const { client, server, r } = await openPair();
    client.pause();
    server.write(Buffer.from('held'));
    server.close();
    await flush();
    expect(r.data).toEqual([]);
    expect(r.closes).toEqual([]);
    client.resume();
    await flush();
    expect(r.data).toEqual(['held']);
    expect(r.closes).toEqual([undefined]);
  });
});

describe('MemoryListener', () => {
  it('hands out a fresh pair per transport and reports each connection at open', async () => {
    const listener = new MemoryListener();
    const seen: MemoryPeer[] = [];
    listener.onConnection((peer) => {
      seen.push(peer);
      peer.onData((c) => peer.write(Buffer.from(`echo:${c}`)));
    });
    const a = listener.createTransport();
    const b = listener.createTransport();
    expect(seen).toEqual([]); // not until open
    const ra = recorder();
    const rb = recorder();
    await a.open(ra.handlers);
    await b.open(rb.handlers);
    expect(seen).toHaveLength(2);
    expect(listener.peers).toEqual(seen);
    expect(listener.last).toBe(seen[1]);
    a.write([Buffer.from('1')]);
    b.write([Buffer.from('2')]);
    await flush();
    expect(ra.data).toEqual(['echo:1']);
    expect(rb.data).toEqual(['echo:2']);
  });

  it('lets onConnection refuse the open', async () => {
    const listener = new MemoryListener();
    let n = 0;
    listener.onConnection((peer) => {
      if (n++ === 0) peer.refuseOpen(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    });
    await expect(listener.createTransport().open(recorder().handlers)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(listener.createTransport().open(recorder().handlers)).resolves.toBeUndefined();
    expect(listener.peers).toHaveLength(2);
  });
});
