/**
 * The layout rules of lib/ (shared/DESIGN.md, "Layers"): no import cycles, type-only imports
 * included, and no file over 500 lines (a file that long mixes jobs). And code speaks of itself:
 * no comment cites one of our tracker numbers. On failure the message lists the offenders.
 * `npm run check:cycles` prints the same cycles from the command line.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cycleGroups, describeCycles, importGraph, lineCount, longFiles, tsFiles } from '../tools/importGraph';

const ROOT = path.join(__dirname, '..');
const LIB = path.join(ROOT, 'lib');
const MAX_LINES = 500;
/** "issue 7", "(issue 8)", "Issue 9's", "issues #3": our own tracker; "paho issue 597" is a fact about paho. */
const TRACKER_NUMBER = /(?<!paho )\bissues? #?\d+/i;

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

describe('comments', () => {
  it('cite no tracker numbers (lib/, spec/, samples/, tools/)', () => {
    const cited: string[] = [];
    for (const dir of ['lib', 'spec', 'samples', 'tools']) {
      for (const file of tsFiles(path.join(ROOT, dir))) {
        if (file === __filename) continue; // it spells out what it looks for
        fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
          if (TRACKER_NUMBER.test(line)) cited.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(cited).toEqual([]);
  });

  it('the tracker-number pattern', () => {
    for (const hit of ['(issue 8)', 'issue 7 goals', "Issue 9's", 'issues #12 and']) expect(TRACKER_NUMBER.test(hit)).toBe(true);
    for (const miss of ['paho issue 597', 'user-pain.md §7', 'PKCS#8', 'the issue is']) expect(TRACKER_NUMBER.test(miss)).toBe(false);
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
