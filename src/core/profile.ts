// Probe profiles are data (probes/*.yaml), validated on load: a malformed file fails with the file,
// the line and what is wrong.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { type Expectation, UsageError } from './model.js';
import { CHECK_IDS } from './plan.js';

export interface Profile {
  name: string;
  description: string;
  source: string;
  file: string;
  checks: Record<string, Expectation>;
}

const EXPECTATIONS: Expectation[] = ['allow', 'deny', 'any'];
const TOP_KEYS = ['name', 'description', 'source', 'checks'];

/** probes/ ships at the package root: found upwards from this module (src/core/ or dist/). */
export function probesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'probes', 'default.yaml'))) return join(dir, 'probes');
    dir = dirname(dir);
  }
  throw new Error('the probes/ folder of backup-canary is missing from the installation');
}

export function resolveProfile(nameOrFile: string, dir = probesDir()): string {
  if (nameOrFile.endsWith('.yaml') || nameOrFile.endsWith('.yml') || nameOrFile.includes('/')) {
    return isAbsolute(nameOrFile) ? nameOrFile : join(process.cwd(), nameOrFile);
  }
  if (!/^[a-z0-9-]+$/.test(nameOrFile)) throw new UsageError(`--probe: "${nameOrFile}" is not a probe name or file`);
  return join(dir, `${nameOrFile}.yaml`);
}

export function loadProfile(nameOrFile: string, dir?: string): Profile {
  const file = resolveProfile(nameOrFile, dir);
  if (!existsSync(file)) throw new UsageError(`--probe: no probe definition "${nameOrFile}" (${file} does not exist)`);
  return parseProfile(readFileSync(file, 'utf8'), file);
}

export function parseProfile(text: string, file: string): Profile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  const at = (node: Node | null | undefined) => (node?.range ? `:${lc.linePos(node.range[0]).line}` : '');
  const bad = (node: Node | null | undefined, what: string): never => {
    throw new UsageError(`${file}${at(node)}: ${what}`);
  };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new UsageError(`${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const root = doc.contents;
  if (!isMap(root)) return bad(root, 'a probe definition is a mapping with name, description, source and checks');
  const out: Partial<Profile> = { file };
  for (const pair of root.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    const v = pair.value as Node | null;
    if (!TOP_KEYS.includes(k)) bad(pair.key as Node, `unknown key "${k}" (allowed: ${TOP_KEYS.join(', ')})`);
    if (k === 'checks') {
      if (!isMap(v)) bad(v, '"checks" must map check ids to allow, deny or any');
      const checks: Record<string, Expectation> = {};
      for (const c of (v as { items: { key: unknown; value: unknown }[] }).items) {
        const id = isScalar(c.key) ? String(c.key.value) : '';
        const exp = isScalar(c.value) ? String(c.value.value) : '';
        if (!(CHECK_IDS as readonly string[]).includes(id)) bad(c.key as Node, `unknown check "${id}" (known: ${CHECK_IDS.join(', ')})`);
        if (!EXPECTATIONS.includes(exp as Expectation)) bad(c.value as Node, `check "${id}": expectation must be allow, deny or any, not "${exp}"`);
        checks[id] = exp as Expectation;
      }
      out.checks = checks;
    } else {
      if (!isScalar(v) || typeof v.value !== 'string' || !v.value.trim()) bad(v ?? (pair.key as Node), `"${k}" must be a non-empty string`);
      (out as Record<string, unknown>)[k] = ((v as { value: string }).value).trim();
    }
  }
  for (const k of TOP_KEYS) if (!(k in out)) bad(root, `missing "${k}"`);
  return out as Profile;
}
