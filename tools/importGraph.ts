/**
 * The layout rules of lib/ as code: its import graph (built with TypeScript's own parser, so
 * every form of import counts, type-only ones included), the import cycles in it, and the files
 * that pass the size limit. Used by `npm run check:cycles` (tools/importCycles.ts) and by
 * spec/layout.spec.ts, which runs in `npm test` and so in CI.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** One import of one file by another, as written in the source. */
export interface ImportEdge {
  from: string;
  to: string;
  /** 1-based line of the module specifier in `from`. */
  line: number;
  /** `import type`, `export type ... from`, `import('./x').T` in a type: erased at run time, still a cycle. */
  typeOnly: boolean;
}

/** Absolute path -> the imports it makes of other .ts files under the same root. */
export type ImportGraph = Map<string, ImportEdge[]>;

/** Every .ts file under `dir`, sorted (so that reports read the same on every run). */
export function tsFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && p.endsWith('.ts')) out.push(p);
    }
  };
  walk(path.resolve(dir));
  return out.sort();
}

/** A relative specifier resolved as the compiler resolves it here: X.ts, X/index.ts (X.js names X.ts). */
function resolveRelative(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

interface Specifier { text: string; pos: number; typeOnly: boolean }

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (clause === undefined) return false; // `import './x'`: run for its effects
  if (clause.isTypeOnly) return true;
  // `import { type A, type B } from './x'` is erased too; a default or namespace import is not.
  const named = clause.namedBindings;
  return clause.name === undefined && named !== undefined && ts.isNamedImports(named) &&
    named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

/** Every module specifier in a source file: static imports and re-exports, import types, import() and require(). */
function specifiers(file: string, text: string): Specifier[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Specifier[] = [];
  const add = (lit: ts.Expression | undefined, typeOnly: boolean): void => {
    if (lit !== undefined && ts.isStringLiteralLike(lit)) found.push({ text: lit.text, pos: lit.getStart(sf), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, isTypeOnlyImport(node));
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const callee = node.expression;
      const dynamic = callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require');
      if (dynamic) add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The graph of relative imports between the .ts files under `dir` (packages are not followed). */
export function importGraph(dir: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of tsFiles(dir)) {
    const text = fs.readFileSync(file, 'utf8');
    const edges: ImportEdge[] = [];
    for (const s of specifiers(file, text)) {
      if (!s.text.startsWith('.')) continue;
      const to = resolveRelative(file, s.text);
      if (to === undefined) continue; // not a .ts file here (a .json, say): no module of ours
      edges.push({ from: file, to, line: lineOf(text, s.pos), typeOnly: s.typeOnly });
    }
    graph.set(file, edges);
  }
  return graph;
}

function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The import cycles: every strongly connected group of two or more files (Tarjan), and files
 * that import themselves. Each group is sorted, groups by their first file.
 */
export function cycleGroups(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const { to: w } of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    const selfImport = (graph.get(v) ?? []).some((e) => e.to === v);
    if (group.length > 1 || selfImport) groups.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return groups.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The imports that hold one cycle group together (both ends in the group). */
export function edgesWithin(graph: ImportGraph, group: string[]): ImportEdge[] {
  const members = new Set(group);
  return group.flatMap((f) => (graph.get(f) ?? []).filter((e) => members.has(e.to)));
}

/** A readable report of the cycles, paths relative to `root`; '' when there are none. */
export function describeCycles(root: string, graph: ImportGraph, groups: string[][]): string {
  const rel = (f: string) => path.relative(root, f);
  return groups.map((group) => {
    const lines = edgesWithin(graph, group).map((e) =>
      `    ${rel(e.from)}:${e.line} imports ${rel(e.to)}${e.typeOnly ? ' (type only)' : ''}`);
    return [`  cycle: ${group.map(rel).join(', ')}`, ...lines].join('\n');
  }).join('\n');
}

/** Lines in a file as `wc -l` counts them (a last line without a newline counts too). */
export function lineCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return text.length > 0 && !text.endsWith('\n') ? n + 1 : n;
}

/** The .ts files under `dir` longer than `maxLines`, longest first. */
export function longFiles(dir: string, maxLines: number): Array<{ file: string; lines: number }> {
  return tsFiles(dir)
    .map((file) => ({ file, lines: lineCount(fs.readFileSync(file, 'utf8')) }))
    .filter((f) => f.lines > maxLines)
    .sort((a, b) => b.lines - a.lines);
}
