// Run files for `backup-canary run`: many targets with shared defaults, validated on load. Every
// problem names the file, the line and the field; nothing runs until the whole file is valid.
// Policy files a run file names (`scp`, `scp-level`'s FILE, `rcp`, `session-policy`, `kms-key-policy`, `vpce-policy`) are relative to the run file's
// directory, so a run file and its policies move together; they are read and checked when the
// targets are prepared (src/core/run.ts), before any request.

import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { UsageError } from './model.js';
import { EXPLAIN_EXTRAS, targetKeys } from './options.js';
import { own } from './own.js';
import { invisibleCharacter } from './target.js';
import { parseYaml, readYamlFile, type YamlLimits } from './yaml.js';

export const MAX_TARGETS = 10_000;
const MAX_BYTES = 10 * 1024 * 1024;
/** Size, nesting and value length, checked before the file is parsed. */
const LIMITS: YamlLimits = { what: 'run file', maxBytes: MAX_BYTES };

type Value = string | boolean | number | string[];
export type TargetEntry = Record<string, Value> & { name: string };

/** Keys naming policy files: resolved against the run file's directory. */
const POLICY_FILE_KEYS = ['scp', 'rcp', 'session-policy', 'kms-key-policy', 'vpce-policy'];
/** Keys whose values are LEVEL=FILE: the FILE part is resolved the same way. */
const LEVEL_FILE_KEYS = ['scp-level'];

export interface RunFile {
  file: string;
  targets: TargetEntry[];
  /** Line of each target, for errors found later (e.g. a bad ARN). */
  lines: number[];
}

export function loadRunFile(file: string): RunFile {
  return parseRunFile(readYamlFile(file, LIMITS), file);
}

export function parseRunFile(text: string, file: string): RunFile {
  const { doc, lc } = parseYaml(text, file, LIMITS);
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
  let defaults: Record<string, Value> = {};
  let defaultsNode: Node | null = null;
  let targetsNode: Node | null = null;
  for (const pair of root.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    if (k === 'defaults') {
      defaultsNode = pair.value as Node;
      defaults = entry(defaultsNode, 'defaults', bad);
    }
    else if (k === 'targets') targetsNode = pair.value as Node;
    else bad(pair.key as Node, `unknown key "${k}" (allowed: defaults, targets)`);
  }
  if (!isSeq(targetsNode) || targetsNode.items.length === 0) return bad(targetsNode ?? root, '"targets" must be a non-empty list');
  if (targetsNode.items.length > MAX_TARGETS) bad(targetsNode, `${targetsNode.items.length} targets; at most ${MAX_TARGETS} in one run file`);
  if ('name' in defaults) bad(root, '"name" belongs to each target, not to defaults');
  const names = new Set<string>();
  const targets: TargetEntry[] = [];
  const lines: number[] = [];
  if (defaults.explain === false) explainOff(defaults, defaultsNode, 'defaults', bad);
  targetsNode.items.forEach((item, i) => {
    const own = entry(item as Node, `targets[${i}]`, bad);
    // `explain: false` in a target drops the explain keys it inherits; its own need explain on
    if (own.explain === false) explainOff(own, item as Node, `targets[${i}]`, bad);
    const inherited = own.explain === false ? Object.fromEntries(Object.entries(defaults).filter(([k]) => !(EXPLAIN_EXTRAS as readonly string[]).includes(k))) : defaults;
    const e = { ...inherited, ...own };
    for (const k of POLICY_FILE_KEYS) {
      const v = e[k];
      if (typeof v === 'string') e[k] = resolve(dirname(file), v);
      else if (Array.isArray(v)) e[k] = v.map((f) => resolve(dirname(file), f));
    }
    for (const k of LEVEL_FILE_KEYS) {
      const v = e[k];
      // a value without "=" is left as written: explainFlags refuses it with the syntax
      const at = (lf: string) => (lf.indexOf('=') > 0 ? `${lf.slice(0, lf.indexOf('=') + 1)}${resolve(dirname(file), lf.slice(lf.indexOf('=') + 1))}` : lf);
      if (Array.isArray(v)) e[k] = v.map(at);
    }
    const name = typeof e.name === 'string' ? e.name : `target-${i + 1}`;
    if (names.has(name)) bad(item as Node, `target name "${name}" is used twice`);
    names.add(name);
    if (typeof e.bucket !== 'string') bad(item as Node, `targets[${i}] (${name}): "bucket" is required`);
    targets.push({ ...e, name });
    lines.push(lineOf(item as Node));
  });
  return { file, targets, lines };
}

/** A mapping that says `explain: false` may not also set what only explain uses. */
function explainOff(e: Record<string, Value>, node: Node | null, where: string, bad: (n: Node | null | undefined, what: string) => never): void {
  const extra = EXPLAIN_EXTRAS.find((k) => e[k] !== undefined);
  if (!extra) return;
  const pair = isMap(node) ? node.items.find((p) => isScalar(p.key) && p.key.value === extra) : undefined;
  bad((pair?.key as Node | undefined) ?? node, `${where}: "${extra}" goes with "explain: true", and this mapping says "explain: false"`);
}

function entry(node: Node | null, where: string, bad: (n: Node | null | undefined, what: string) => never): Record<string, Value> {
  if (!isMap(node)) return bad(node, `${where} must be a mapping of option: value`);
  const out: Record<string, Value> = {};
  const KEYS: Record<string, { type: string }> = { name: { type: 'string' }, ...targetKeys() };
  for (const pair of (node as YAMLMap).items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    const type = own(KEYS, k)?.type;
    if (!type) bad(pair.key as Node, `${where}: unknown option "${k}"`);
    if (type === 'list') {
      out[k] = fileList(pair.value as Node, `${where}: "${k}"`, bad);
      continue;
    }
    const v = isScalar(pair.value) ? pair.value.value : undefined;
    if (type === 'string' && typeof v !== 'string' && typeof v !== 'number') bad(pair.value as Node, `${where}: "${k}" must be a string`);
    if (type === 'boolean' && typeof v !== 'boolean') bad(pair.value as Node, `${where}: "${k}" must be true or false`);
    if (type === 'number' && typeof v !== 'number') bad(pair.value as Node, `${where}: "${k}" must be a number`);
    const hidden = type === 'string' ? invisibleCharacter(String(v)) : null;
    if (hidden) bad(pair.value as Node, `${where}: "${k}" contains ${hidden}; control and invisible characters are not allowed`);
    out[k] = type === 'string' ? String(v) : (v as boolean | number);
  }
  return out;
}

/** One file name or a list of them (`scp: a.json` or `scp: [a.json, b.json]`). */
function fileList(node: Node | null, where: string, bad: (n: Node | null | undefined, what: string) => never): string[] {
  const items = isSeq(node) ? node.items : [node];
  if (isSeq(node) && items.length === 0) bad(node, `${where} must name at least one file`);
  return items.map((n) => {
    const v = isScalar(n) ? n.value : undefined;
    if (typeof v !== 'string' || v === '') return bad(n as Node, `${where} must be a file name or a list of file names`);
    const hidden = invisibleCharacter(v);
    if (hidden) bad(n as Node, `${where} contains ${hidden}; control and invisible characters are not allowed`);
    return v;
  });
}
