// Probe profiles are data (probes/*.yaml), validated on load: a malformed file fails with the file,
// the line and what is wrong.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { type Expectation, UsageError } from './model.js';
import { CHECK_IDS } from './checks.js';
import { parseYaml } from './yaml.js';
import { PROVIDER_NAMES as PROVIDERS } from '../providers/registry.js';

export interface ProfileOptions {
  /** Size of the first multipart part, e.g. `8MiB`. */
  'part-size'?: string;
  /** Canned ACL sent on writes, e.g. `bucket-owner-full-control`. */
  acl?: string;
  /** Server-side encryption sent on writes: `aws:kms`, `AES256` (OSS: `KMS`, `AES256`). */
  sse?: string;
  'kms-key-id'?: string;
  'storage-class'?: string;
  /** `prefix-delimiter` (default: prefix and delimiter `/`) or `plain` (prefix only). */
  list?: 'prefix-delimiter' | 'plain';
}

export interface ProbeDefinition {
  name: string;
  description: string;
  /** The documentation (or client source) the requirements come from. */
  source: string;
  /** What the definition cannot promise: client versions it was compared with, requests no check
   * makes, behaviour of other versions. Printed by `probes show`. */
  caveats: string[];
  providers: string[];
  options: ProfileOptions;
  file: string;
  checks: Record<string, Expectation>;
}

const MAX_PROFILE_BYTES = 256 * 1024;
const EXPECTATIONS: Expectation[] = ['allow', 'deny', 'any'];
const TOP_KEYS = ['name', 'description', 'source', 'caveats', 'providers', 'options', 'checks'];
const REQUIRED = ['name', 'description', 'source', 'checks'];
/** A Map, not an object literal: an option named `constructor` or `__proto__` must not find a rule. */
const OPTION_RULES = new Map<string, RegExp>([
  ['part-size', /^\d+\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i],
  ['acl', /^(private|public-read|public-read-write|authenticated-read|aws-exec-read|bucket-owner-read|bucket-owner-full-control|default)$/],
  ['sse', /^(aws:kms|aws:kms:dsse|AES256|KMS|SM4)$/],
  ['kms-key-id', /^[\w:/+=,.@-]{1,2048}$/],
  ['storage-class', /^[A-Z_]{2,40}$/],
  ['list', /^(prefix-delimiter|plain)$/],
] satisfies [keyof ProfileOptions, RegExp][]);

/** probes/ ships at the package root: found upwards from this module (src/core/ or dist/). */
export function probesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'probes', 'default.yaml'))) return join(dir, 'probes');
    dir = dirname(dir);
  }
  throw new Error('the probes/ folder of backup-canary is missing from the installation');
}

export function resolveDefinition(nameOrFile: string, dir = probesDir()): string {
  if (nameOrFile.endsWith('.yaml') || nameOrFile.endsWith('.yml') || nameOrFile.includes('/')) {
    return isAbsolute(nameOrFile) ? nameOrFile : join(process.cwd(), nameOrFile);
  }
  if (!/^[a-z0-9-]+$/.test(nameOrFile)) throw new UsageError(`--probe: "${nameOrFile}" is not a probe name or file`);
  return join(dir, `${nameOrFile}.yaml`);
}

/** The shipped definitions, by name. */
export function listDefinitions(dir = probesDir()): ProbeDefinition[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => parseDefinition(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
}

export function loadDefinition(nameOrFile: string, dir?: string): ProbeDefinition {
  const file = resolveDefinition(nameOrFile, dir);
  if (!existsSync(file)) throw new UsageError(`--probe: no probe definition "${nameOrFile}" (${file} does not exist)`);
  const st = statSync(file);
  if (!st.isFile()) throw new UsageError(`--probe: ${file} is not a file`);
  if (st.size > MAX_PROFILE_BYTES) throw new UsageError(`${file}: a probe definition is at most ${MAX_PROFILE_BYTES} bytes`);
  try {
    return parseDefinition(readFileSync(file, 'utf8'), file);
  } catch (e) {
    // `--probe: /path/def.yaml:3: ...`: the flag, then the file and line as compilers print them
    if (e instanceof UsageError) throw new UsageError(`--probe: ${e.message}`);
    throw e;
  }
}

export function parseDefinition(text: string, file: string): ProbeDefinition {
  // size, nesting depth and value length are checked before the document is built
  const { doc, lc } = parseYaml(text, file, { what: 'probe definition', maxBytes: MAX_PROFILE_BYTES });
  /** The line of a node; an absent node (an empty document) is at line 1. */
  const lineOf = (node: Node | null | undefined) => (node?.range ? lc.linePos(node.range[0]).line : 1);
  function bad(node: Node | null | undefined, what: string): never {
    throw new UsageError(`${file}:${lineOf(node)}: ${what}`);
  }
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new UsageError(`${file}:${e.linePos?.[0]?.line ?? 1}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const root = doc.contents;
  if (!isMap(root)) return bad(root, 'a probe definition is a mapping with name, description, source and checks');
  /** A mapping entry: its key and value nodes, both as text, and `at`, the node a complaint about the value points to (the key when `? key` has no value). */
  const entry = (pair: Pair) => {
    const key = pair.key as Node | null;
    const value = pair.value as Node | null;
    return { key, value, name: isScalar(key) ? String(key.value) : '', text: isScalar(value) ? String(value.value) : '', at: value ?? key };
  };
  const out: Partial<ProbeDefinition> = { file };
  for (const pair of root.items) {
    const { key, value: v, name: k, at } = entry(pair);
    if (!TOP_KEYS.includes(k)) bad(key, `unknown key "${k}" (allowed: ${TOP_KEYS.join(', ')})`);
    if (k === 'providers') {
      if (!isSeq(v) || !v.items.length) bad(at, '"providers" must be a list such as [aws, alibaba]');
      out.providers = v.items.map((i) => {
        const name = isScalar(i) ? String(i.value) : '';
        if (!PROVIDERS.includes(name)) bad(i as Node, `unknown provider "${name}" (known: ${PROVIDERS.join(', ')})`);
        return name;
      });
    } else if (k === 'caveats') {
      if (!isSeq(v) || !v.items.length) bad(at, '"caveats" must be a list of sentences');
      out.caveats = v.items.map((i) => {
        if (!isScalar(i) || typeof i.value !== 'string' || !i.value.trim()) bad(i as Node, 'a caveat must be a non-empty string');
        return i.value.trim().replace(/\s+/g, ' ');
      });
    } else if (k === 'options') {
      if (!isMap(v)) bad(at, '"options" must be a mapping');
      const opts: Record<string, string> = {};
      for (const c of v.items) {
        const { key: optKey, name, text: val, at: valAt } = entry(c);
        const rule = OPTION_RULES.get(name);
        if (!rule) bad(optKey, `unknown option "${name}" (known: ${[...OPTION_RULES.keys()].join(', ')})`);
        if (!rule.test(val)) bad(valAt, `option "${name}": "${val}" is not valid`);
        opts[name] = val;
      }
      out.options = opts as ProfileOptions;
    } else if (k === 'checks') {
      if (!isMap(v)) bad(at, '"checks" must map check ids to allow, deny or any');
      const checks: Record<string, Expectation> = {};
      for (const c of v.items) {
        const { key: idKey, name: id, text: exp, at: expAt } = entry(c);
        if (!(CHECK_IDS as readonly string[]).includes(id)) bad(idKey, `unknown check "${id}" (known: ${CHECK_IDS.join(', ')})`);
        if (!EXPECTATIONS.includes(exp as Expectation)) bad(expAt, `check "${id}": expectation must be allow, deny or any, not "${exp}"`);
        checks[id] = exp as Expectation;
      }
      out.checks = checks;
    } else {
      if (!isScalar(v) || typeof v.value !== 'string' || !v.value.trim()) bad(at, `"${k}" must be a non-empty string`);
      (out as Record<string, unknown>)[k] = v.value.trim();
    }
  }
  for (const k of REQUIRED) if (!Object.hasOwn(out, k)) bad(root, `missing "${k}"`);
  out.providers ??= [...PROVIDERS];
  out.options ??= {};
  out.caveats ??= [];
  if (!Object.keys(out.checks!).length) bad(root, '"checks" is empty');
  return out as ProbeDefinition;
}
