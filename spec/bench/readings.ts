/**
 * Memory readings for the bench's measuring child processes (idle.ts, many-child.ts): the
 * process's memory after the garbage collector settled, and the least-squares slope of such
 * readings over the number of connections held. Its own module so the children import nothing
 * else that would sit in the heap they measure.
 */

/** process.memoryUsage() after four full collections 50 ms apart (needs --expose-gc). */
export async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let k = 0; k < 4; k++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage();
}

/** Least-squares slope of y over x: memory per connection from readings taken as connections are added. */
export function slope(xy: Array<[number, number]>): number {
  const n = xy.length;
  const mx = xy.reduce((a, [x]) => a + x, 0) / n;
  const my = xy.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of xy) {
    num += (x - mx) * (y - my);
    den += (x - mx) * (x - mx);
  }
  return num / den;
}
