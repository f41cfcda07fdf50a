// Run files for `backup-canary run`: many targets with shared defaults, validated on load. Every
// problem names the file, the line and the field; nothing runs until the whole file is valid.

import { readFileSync, statSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { UsageError } from './model.js';
import { own } from './own.js';

/** Keys a target (or `defaults`) may set: the `probe` command's flags. */
const KEYS: Record<string, 'string' | 'boolean' | 'number'> = {
  name: 'string',
  provider: 'string',
  role: 'string',
  bucket: 'string',
  prefix: 'string',
  'allow-bucket-root': 'boolean',
  region: 'string',
  endpoint: 'string',
  'sts-endpoint': 'string',
  'path-style': 'boolean',
  internal: 'boolean',
  probe: 'string',
  'session-name': 'string',
  'external-id': 'string',
  duration: 'number',
  'session-policy': 'string',
  profile: 'string',
  timeout: 'number',
  'max-attempts': 'number',
  'part-size': 'string',
  quick: 'boolean',
  assume: 'boolean',
};

export const MAX_TARGETS = 10_000;
const MAX_BYTES = 10 * 1024 * 1024;

export type TargetEntry = Record<string, string | boolean | number> & { name: string };

export interface RunFile {
  file: string;
  targets: TargetEntry[];
  /** Line of each target, for errors found later (e.g. a bad ARN). */
  lines: number[];
}

export function loadRunFile(file: string): RunFile {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch (e) {
    throw new UsageError(`${file}: cannot read the run file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!st.isFile()) throw new UsageError(`${file}: the run file is not a regular file`);
  const size = st.size;
  if (size > MAX_BYTES) throw new UsageError(`${file}: the run file has ${size} bytes; at most ${MAX_BYTES}`);
  return parseRunFile(readFileSync(file, 'utf8'), file);
}

export function parseRunFile(text: string, file: string): RunFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  const lineOf = (n: Node | null | undefined) => (n?.range ? lc.linePos(n.range[0]).line : 0);
  const bad = (n: Node | null | undefined, what: string): never => {
    throw new UsageError(`${file}${n?.range ? `:${lineOf(n)}` : ''}: ${what}`);
  };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new UsageError(`${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const root = doc.contents;
  if (!isMap(root)) return bad(root, 'a run file is a mapping with "targets" (and optional "defaults")');
  let defaults: Record<string, string | boolean | number> = {};
  let targetsNode: Node | null = null;
  for (const pair of root.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    if (k === 'defaults') defaults = entry(pair.value as Node, 'defaults', bad);
    else if (k === 'targets') targetsNode = pair.value as Node;
    else bad(pair.key as Node, `unknown key "${k}" (allowed: defaults, targets)`);
  }
  if (!isSeq(targetsNode) || targetsNode.items.length === 0) return bad(targetsNode ?? root, '"targets" must be a non-empty list');
  if (targetsNode.items.length > MAX_TARGETS) bad(targetsNode, `${targetsNode.items.length} targets; at most ${MAX_TARGETS} in one run file`);
  if ('name' in defaults) bad(root, '"name" belongs to each target, not to defaults');
  const names = new Set<string>();
  const targets: TargetEntry[] = [];
  const lines: number[] = [];
  targetsNode.items.forEach((item, i) => {
    const e = { ...defaults, ...entry(item as Node, `targets[${i}]`, bad) };
    const name = typeof e.name === 'string' ? e.name : `target-${i + 1}`;
    if (names.has(name)) bad(item as Node, `target name "${name}" is used twice`);
    names.add(name);
    if (typeof e.bucket !== 'string') bad(item as Node, `targets[${i}] (${name}): "bucket" is required`);
    targets.push({ ...e, name });
    lines.push(lineOf(item as Node));
  });
  return { file, targets, lines };
}

function entry(node: Node | null, where: string, bad: (n: Node | null | undefined, what: string) => never): Record<string, string | boolean | number> {
  if (!isMap(node)) return bad(node, `${where} must be a mapping of option: value`);
  const out: Record<string, string | boolean | number> = {};
  for (const pair of (node as YAMLMap).items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    const type = own(KEYS, k);
    if (!type) bad(pair.key as Node, `${where}: unknown option "${k}"`);
    const v = isScalar(pair.value) ? pair.value.value : undefined;
    if (type === 'string' && typeof v !== 'string' && typeof v !== 'number') bad(pair.value as Node, `${where}: "${k}" must be a string`);
    if (type === 'boolean' && typeof v !== 'boolean') bad(pair.value as Node, `${where}: "${k}" must be true or false`);
    if (type === 'number' && typeof v !== 'number') bad(pair.value as Node, `${where}: "${k}" must be a number`);
    out[k] = type === 'string' ? String(v) : (v as boolean | number);
  }
  return out;
}
