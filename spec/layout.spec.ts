/**
 * The layout rules of lib/ (shared/DESIGN.md, "Layers"): no import cycles, type-only imports
 * included, and no file over 500 lines (a file that long mixes jobs). On failure the message
 * lists the offenders. `npm run check:cycles` prints the same cycles from the command line.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cycleGroups, describeCycles, importGraph, lineCount, longFiles } from '../tools/importGraph';

const LIB = path.join(__dirname, '..', 'lib');
const MAX_LINES = 500;

describe('lib/ layout', () => {
  it('has no import cycle (type-only imports count)', () => {
    const graph = importGraph(LIB);
    expect(describeCycles(LIB, graph, cycleGroups(graph))).toBe('');
  });

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = longFiles(LIB, MAX_LINES).map((f) => `${path.relative(LIB, f.file)}: ${f.lines} lines`);
    expect(long).toEqual([]);
  });
});

describe('the import-cycle check', () => {
  let dir: string;
  const write = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  const cycles = () => {
    const graph = importGraph(dir);
    return cycleGroups(graph).map((g) => g.map((f) => path.relative(dir, f)));
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-layout-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds none in an acyclic tree', () => {
    write('a.ts', "import { b } from './b';\nexport const a = b;\n");
    write('b.ts', "import * as fs from 'fs';\nexport const b = fs.constants.F_OK;\n");
    expect(cycles()).toEqual([]);
  });

  it('finds a cycle closed by a type-only import, through a folder index.ts', () => {
    write('a.ts', "import { B } from './sub';\nexport class A { b?: B }\n");
    write('sub/index.ts', "export { B } from './b';\n");
    write('sub/b.ts', "import type { A } from '../a';\nexport class B { a?: A }\n");
    write('c.ts', "import { A } from './a';\nexport const c = new A();\n");
    expect(cycles()).toEqual([['a.ts', 'sub/b.ts', 'sub/index.ts']]);
    const graph = importGraph(dir);
    const report = describeCycles(dir, graph, cycleGroups(graph));
    expect(report).toContain('sub/b.ts:1 imports a.ts (type only)');
    expect(report).toContain('a.ts:1 imports sub/index.ts');
  });

  it('counts import types, import() and require() as imports', () => {
    write('a.ts', "export function f(x: import('./b').B): void { void x; }\n");
    write('b.ts', "export interface B { n: number }\nexport const later = () => import('./c');\n");
    write('c.ts', "// eslint-disable-next-line\nconst a = require('./a');\nexport default a;\n");
    expect(cycles()).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('finds two separate cycles and a file that imports itself', () => {
    write('a.ts', "import './b';\n");
    write('b.ts', "import './a';\n");
    write('c.ts', "import type { D } from './d';\nexport type C = D;\n");
    write('d.ts', "export type { C as D } from './c';\n");
    write('e.ts', "export type E = import('./e').E[] | number;\n");
    expect(cycles()).toEqual([['a.ts', 'b.ts'], ['c.ts', 'd.ts'], ['e.ts']]);
  });

  it('counts lines as wc -l does', () => {
    expect(lineCount('')).toBe(0);
    expect(lineCount('a\n')).toBe(1);
    expect(lineCount('a\nb')).toBe(2);
    expect(lineCount('a\n\nb\n')).toBe(3);
  });
});
