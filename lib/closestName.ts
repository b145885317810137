/**
 * The one "did you mean ...?" used wherever options are checked (Client, tlsSet, MQTTClient's
 * config, the one-shot helpers): a misspelt or ported (snake_case) option name gets the known
 * name it was most likely meant to be.
 */

/** Lower case without '_' and '-': `client_id`, `clientId` and `CLIENTID` all read `clientid`. */
function folded(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

/** Edit distance with adjacent transpositions (optimal string alignment). */
function distance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name `name` was most likely meant to be, or undefined when none is close.
 * The same name in another case or spelling style (`clean_session` for `cleanSession`) wins;
 * otherwise the nearest by edit distance, within a third of the name's length (at least 1).
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const f = folded(name);
  const within = Math.max(1, Math.floor(f.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  let bestExact = Infinity;
  for (const candidate of known) {
    const d = distance(f, folded(candidate));
    if (d > within || d > bestDistance) continue;
    // A tie (keep_alive and keepAlive for keep_alve) goes to the one written the same way.
    const exact = distance(name, candidate);
    if (d < bestDistance || exact < bestExact) {
      best = candidate;
      bestDistance = d;
      bestExact = exact;
    }
  }
  return best;
}

/** ` (did you mean 'x'?)`, or '' when no known name is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const hint = closestName(name, known);
  return hint === undefined ? '' : ` (did you mean '${hint}'?)`;
}
