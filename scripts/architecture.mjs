#!/usr/bin/env node
// The structure of src/, measured: the import graph (type-only imports and dynamic imports count),
// its cycles, provider-name literals outside the provider folders, and file sizes.
// `node scripts/architecture.mjs` prints the report; test/unit/architecture.test.ts asserts on it.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where provider names belong: the provider folders and the evaluator's dialect rules. */
export const PROVIDER_HOMES = ['src/providers/', 'src/explain/dialects/'];
export const PROVIDER_NAMES = ['aws', 'alibaba'];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

/** Every .ts file under src/, relative to the repository ('src/core/run.ts'). */
export function sourceFiles(root = ROOT) {
  return walk(join(root, 'src')).map((f) => relative(root, f));
}

/** file -> the src files it imports (static, type-only, re-exports and dynamic imports). */
export function importGraph(root = ROOT) {
  const files = sourceFiles(root);
  const known = new Set(files);
  const graph = new Map();
  for (const f of files) {
    const info = ts.preProcessFile(readFileSync(join(root, f), 'utf8'), true, true);
    const deps = new Set();
    for (const imp of info.importedFiles) {
      if (!imp.fileName.startsWith('.')) continue;
      const target = relative(root, resolve(root, dirname(f), imp.fileName)).replace(/\.js$/, '.ts');
      if (known.has(target)) deps.add(target);
    }
    graph.set(f, [...deps].sort());
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself): the cycles. */
export function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** Provider-name string literals ('aws', "alibaba", `aws`) per file, outside PROVIDER_HOMES. */
export function providerLiterals(root = ROOT) {
  const counts = {};
  for (const f of sourceFiles(root)) {
    if (PROVIDER_HOMES.some((h) => f.startsWith(h))) continue;
    const sf = ts.createSourceFile(f, readFileSync(join(root, f), 'utf8'), ts.ScriptTarget.ES2022, true);
    let n = 0;
    const visit = (node) => {
      if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && PROVIDER_NAMES.includes(node.text)) n++;
      ts.forEachChild(node, visit);
    };
    visit(sf);
    if (n) counts[f] = n;
  }
  return counts;
}

/** Line counts of the files under src/. */
export function fileSizes(root = ROOT) {
  return Object.fromEntries(sourceFiles(root).map((f) => [f, readFileSync(join(root, f), 'utf8').split('\n').length - 1]));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // `node scripts/architecture.mjs [ROOT]`: ROOT is another checkout (e.g. an older commit's tree)
  const root = process.argv[2] ? resolve(process.argv[2]) : ROOT;
  const graph = importGraph(root);
  const cyc = cycles(graph);
  const lits = providerLiterals(root);
  const sizes = fileSizes(root);
  const edges = [...graph.values()].reduce((n, d) => n + d.length, 0);
  console.log(`files: ${graph.size}, import edges: ${edges}, cycles: ${cyc.length}`);
  for (const c of cyc) console.log(`  cycle: ${c.join(' <-> ')}`);
  const total = Object.values(lits).reduce((a, b) => a + b, 0);
  console.log(`provider-name literals outside ${PROVIDER_HOMES.join(', ')}: ${total}`);
  for (const [f, n] of Object.entries(lits)) console.log(`  ${String(n).padStart(3)} ${f}`);
  const big = Object.entries(sizes).filter(([, n]) => n > 400);
  console.log(`files over 400 lines: ${big.length}`);
  for (const [f, n] of big) console.log(`  ${String(n).padStart(4)} ${f}`);
}
