/**
 * `npm run check:cycles [-- DIR]`: lists every import cycle among the .ts files under DIR
 * (default lib/), type-only imports included, with the import lines that close each cycle.
 * Exits 1 when there is one, 0 when there is none.
 */
import * as path from 'path';
import { cycleGroups, describeCycles, importGraph } from './importGraph';

const root = path.resolve(process.argv[2] ?? 'lib');
const rel = path.relative(process.cwd(), root);
const shown = rel === '' ? '.' : rel.startsWith('..') ? root : rel;
const graph = importGraph(root);
const groups = cycleGroups(graph);
if (groups.length === 0) {
  console.log(`no import cycles in ${shown} (${graph.size} files)`);
} else {
  console.log(`${groups.length} import cycle group${groups.length === 1 ? '' : 's'} in ${shown}:`);
  console.log(describeCycles(root, graph, groups));
  process.exitCode = 1;
}
