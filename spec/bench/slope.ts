/**
 * Least-squares slope of y over x: memory per connection from readings taken as connections are
 * added. Its own module so the measuring child processes (idle.ts, many-child.ts) import nothing
 * else that would sit in the heap they measure.
 */
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
