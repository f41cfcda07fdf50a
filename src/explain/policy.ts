// Parse and validate a policy document (JSON text or object) into a normalised form:
// single values become arrays, condition operators are split into qualifier/base/IfExists, and
// every value an operator needs is checked up front. Invalid input raises PolicyError naming the
// policy and the path of the bad field; nothing here throws a raw TypeError.

import { rulesOf } from './dialects/index.js';
import { findDuplicateKey } from './json.js';
import { parseIpValue } from './ip.js';
import type { Dialect, PolicyKind } from './types.js';
import { parseTemplate, type Template } from './variables.js';
import { own } from '../core/own.js';

export class PolicyError extends Error {
  readonly policy: string;
  readonly path: string;
  constructor(policy: string, path: string, message: string) {
    super(`${policy}: ${path ? `${path}: ` : ''}${message}`);
    this.name = 'PolicyError';
    this.policy = policy;
    this.path = path;
  }
}

export type BaseOperator =
  | 'StringEquals'
  | 'StringEqualsIgnoreCase'
  | 'StringLike'
  | 'NumericEquals'
  | 'NumericLessThan'
  | 'NumericLessThanEquals'
  | 'NumericGreaterThan'
  | 'NumericGreaterThanEquals'
  | 'DateEquals'
  | 'DateLessThan'
  | 'DateLessThanEquals'
  | 'DateGreaterThan'
  | 'DateGreaterThanEquals'
  | 'Bool'
  | 'BinaryEquals'
  | 'IpAddress'
  | 'ArnLike'
  | 'Null';

/** Every operator as written, mapped to the positive operator it negates (or itself). */
const OPERATORS: Record<string, { base: BaseOperator; negated: boolean }> = {
  StringEquals: { base: 'StringEquals', negated: false },
  StringNotEquals: { base: 'StringEquals', negated: true },
  StringEqualsIgnoreCase: { base: 'StringEqualsIgnoreCase', negated: false },
  StringNotEqualsIgnoreCase: { base: 'StringEqualsIgnoreCase', negated: true },
  StringLike: { base: 'StringLike', negated: false },
  StringNotLike: { base: 'StringLike', negated: true },
  NumericEquals: { base: 'NumericEquals', negated: false },
  NumericNotEquals: { base: 'NumericEquals', negated: true },
  NumericLessThan: { base: 'NumericLessThan', negated: false },
  NumericLessThanEquals: { base: 'NumericLessThanEquals', negated: false },
  NumericGreaterThan: { base: 'NumericGreaterThan', negated: false },
  NumericGreaterThanEquals: { base: 'NumericGreaterThanEquals', negated: false },
  DateEquals: { base: 'DateEquals', negated: false },
  DateNotEquals: { base: 'DateEquals', negated: true },
  DateLessThan: { base: 'DateLessThan', negated: false },
  DateLessThanEquals: { base: 'DateLessThanEquals', negated: false },
  DateGreaterThan: { base: 'DateGreaterThan', negated: false },
  DateGreaterThanEquals: { base: 'DateGreaterThanEquals', negated: false },
  Bool: { base: 'Bool', negated: false },
  BinaryEquals: { base: 'BinaryEquals', negated: false },
  IpAddress: { base: 'IpAddress', negated: false },
  NotIpAddress: { base: 'IpAddress', negated: true },
  // ArnEquals and ArnLike behave the same: both take wildcards in each ARN segment.
  ArnEquals: { base: 'ArnLike', negated: false },
  ArnLike: { base: 'ArnLike', negated: false },
  ArnNotEquals: { base: 'ArnLike', negated: true },
  ArnNotLike: { base: 'ArnLike', negated: true },
  Null: { base: 'Null', negated: false },
};

/** Operator families whose values may hold policy variables (per the Condition operators page). */
const VARIABLE_BASES = new Set<BaseOperator>(['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'Bool', 'ArnLike']);

export interface ParsedCondition {
  /** As written, e.g. `ForAnyValue:StringLikeIfExists`. */
  operator: string;
  base: BaseOperator;
  negated: boolean;
  ifExists: boolean;
  set?: 'ForAllValues' | 'ForAnyValue';
  key: string;
  values: Template[];
}

export type PrincipalType = 'AWS' | 'Service' | 'Federated' | 'CanonicalUser' | 'RAM' | 'ID';

export interface ParsedPrincipal {
  /** `"*"`, `{"AWS": "*"}`, `["*"]` or (OSS) `[]`. */
  any: boolean;
  entries: Array<{ type: PrincipalType; value: string }>;
}

export interface ParsedStatement {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  action?: string[];
  notAction?: string[];
  /** Neither Resource nor NotResource (trust policies): the statement covers any resource. */
  resource?: Template[];
  notResource?: Template[];
  principal?: ParsedPrincipal;
  notPrincipal?: ParsedPrincipal;
  conditions: ParsedCondition[];
  /** The statement as written (for fix snippets). */
  raw: Record<string, unknown>;
}

export interface ParsedPolicy {
  name: string;
  kind: PolicyKind;
  dialect: Dialect;
  version: string | null;
  variables: boolean;
  statements: ParsedStatement[];
  warnings: string[];
  /** With `lenient`: statements that could not be parsed, so were not evaluated. */
  skipped: SkippedStatement[];
}

export interface SkippedStatement {
  index: number;
  /** The statement's Effect when it could be read (decides which way the unknown statement can tip). */
  effect: 'Allow' | 'Deny' | null;
  why: string;
}

const TOP_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
]);

const IDENTITY_KINDS = new Set<PolicyKind>(['identity', 'boundary', 'session', 'scp']);
/** Policies whose statements may name a Principal but need not (VPC endpoint policies). */
const OPTIONAL_PRINCIPAL_KINDS = new Set<PolicyKind>(['vpce']);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface ParseOptions {
  name: string;
  kind: PolicyKind;
  dialect: Dialect;
  /**
   * A statement that cannot be parsed is skipped (reported in `skipped`, never evaluated) instead of
   * failing the whole policy: for policies read from the cloud, where one odd statement must not
   * lose every other explanation. Policy files given on the command line are never lenient.
   */
  lenient?: boolean;
}

export function parsePolicy(document: unknown, opts: ParseOptions): ParsedPolicy {
  const { name, kind, dialect } = opts;
  const fail = (path: string, message: string): never => {
    throw new PolicyError(name, path, message);
  };
  const rules = rulesOf(dialect);
  let doc: unknown = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch (err) {
      fail('', `not valid JSON: ${(err as Error).message}`);
    }
    // JSON.parse keeps the last of two equal keys without a word: two "Statement" keys would
    // silently drop the first list. Refused, naming the key.
    const dup = findDuplicateKey(document as string);
    if (dup) fail(dup.path, `duplicate key ${JSON.stringify(dup.key)}: a policy must not repeat an element`);
  }
  if (!isPlainObject(doc)) return fail('', `a policy must be a JSON object, got ${describe(doc)}`);
  for (const k of Object.keys(doc)) {
    if (!TOP_KEYS.has(k)) fail(k, `unknown top-level element (expected Version, Id, Statement)`);
  }
  const warnings: string[] = [];
  let version: string | null = null;
  if (doc.Version !== undefined) {
    if (typeof doc.Version !== 'string' && typeof doc.Version !== 'number') {
      fail('Version', `must be a string, got ${describe(doc.Version)}`);
    }
    version = String(doc.Version);
  }
  const variables = rules.version(version, name, warnings, fail);
  if (doc.Statement === undefined) fail('Statement', 'missing required element');
  const rawStatements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  warnings.push(...rules.policyWarnings(kind, rawStatements, name));
  const statements: ParsedStatement[] = [];
  const skipped: SkippedStatement[] = [];
  rawStatements.forEach((s, i) => {
    const path = Array.isArray(doc.Statement) ? `Statement[${i}]` : 'Statement';
    try {
      statements.push(parseStatement(s, i, path, opts, variables, warnings));
    } catch (err) {
      if (!opts.lenient || !(err instanceof PolicyError)) throw err;
      const effect = isPlainObject(s) && (s.Effect === 'Allow' || s.Effect === 'Deny') ? s.Effect : null;
      skipped.push({ index: i, effect, why: err.message });
      warnings.push(`${name}: statement #${i} was not evaluated: ${err.message}`);
    }
  });
  return { name, kind, dialect, version, variables, statements, warnings, skipped };
}

function stringList(value: unknown, path: string, fail: (p: string, m: string) => never, allowEmpty = false): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (!list.length && !allowEmpty) fail(path, 'must not be an empty list');
  return list.map((v, i) => {
    if (typeof v !== 'string') return fail(Array.isArray(value) ? `${path}[${i}]` : path, `must be a string, got ${describe(v)}`);
    if (!v) return fail(Array.isArray(value) ? `${path}[${i}]` : path, 'must not be an empty string');
    return v;
  });
}

function parseStatement(
  s: unknown,
  index: number,
  path: string,
  opts: ParseOptions,
  variables: boolean,
  warnings: string[],
): ParsedStatement {
  const { name, kind, dialect } = opts;
  const rules = rulesOf(dialect);
  const fail = (p: string, message: string): never => {
    throw new PolicyError(name, p, message);
  };
  if (!isPlainObject(s)) return fail(path, `a statement must be an object, got ${describe(s)}`);
  for (const k of Object.keys(s)) {
    if (!STATEMENT_KEYS.has(k)) fail(`${path}.${k}`, 'unknown statement element');
    if (rules.undocumentedElements.has(k)) {
      warnings.push(`${name}: ${path} uses ${k}, which the ${dialect} policy documentation does not describe; evaluated as AWS defines it, but the service may reject or ignore it`);
    }
  }
  let sid: string | undefined;
  if (s.Sid !== undefined) {
    if (typeof s.Sid !== 'string') fail(`${path}.Sid`, `must be a string, got ${describe(s.Sid)}`);
    sid = s.Sid as string;
  }
  const at = sid ? `${path}(Sid=${sid})` : path;
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') {
    fail(`${at}.Effect`, `must be "Allow" or "Deny", got ${s.Effect === undefined ? 'nothing' : describe(s.Effect)}`);
  }
  const effect = s.Effect as 'Allow' | 'Deny';

  // Action / NotAction
  if (s.Action !== undefined && s.NotAction !== undefined) fail(at, 'has both Action and NotAction; use one');
  if (s.Action === undefined && s.NotAction === undefined) fail(at, 'needs an Action or NotAction element');
  const actionKey = s.Action !== undefined ? 'Action' : 'NotAction';
  const actions = stringList(s[actionKey], `${at}.${actionKey}`, fail);
  actions.forEach((a, i) => {
    if (a !== '*' && !/^[A-Za-z0-9_.*?-]+:[A-Za-z0-9_*?.-]+$/.test(a)) {
      fail(`${at}.${actionKey}[${i}]`, `${JSON.stringify(a)} is not an action (expected "service:Action" or "*")`);
    }
  });

  // Resource / NotResource
  if (s.Resource !== undefined && s.NotResource !== undefined) fail(at, 'has both Resource and NotResource; use one');
  let resource: Template[] | undefined;
  let notResource: Template[] | undefined;
  if (s.Resource !== undefined || s.NotResource !== undefined) {
    const key = s.Resource !== undefined ? 'Resource' : 'NotResource';
    const list = stringList(s[key], `${at}.${key}`, fail).map((r) => parseTemplate(r, variables));
    if (key === 'Resource') resource = list;
    else notResource = list;
  } else if (kind !== 'trust') {
    fail(at, 'needs a Resource or NotResource element');
  }

  // Principal / NotPrincipal
  if (s.Principal !== undefined && s.NotPrincipal !== undefined) fail(at, 'has both Principal and NotPrincipal; use one');
  let principal: ParsedPrincipal | undefined;
  let notPrincipal: ParsedPrincipal | undefined;
  if (IDENTITY_KINDS.has(kind) && (s.Principal !== undefined || s.NotPrincipal !== undefined)) {
    fail(`${at}.${s.Principal !== undefined ? 'Principal' : 'NotPrincipal'}`, `not allowed in ${kindLabel(kind)}`);
  }
  if (s.Principal !== undefined) principal = parsePrincipal(s.Principal, `${at}.Principal`, dialect, fail);
  if (s.NotPrincipal !== undefined) {
    if (kind === 'trust') fail(`${at}.NotPrincipal`, 'not allowed in a role trust policy');
    notPrincipal = parsePrincipal(s.NotPrincipal, `${at}.NotPrincipal`, dialect, fail);
    if (effect === 'Allow') {
      warnings.push(`${name}: ${at} uses NotPrincipal with Allow, which AWS does not support; it grants nothing here`);
    }
  }
  if ((kind === 'resource' || kind === 'trust' || kind === 'kms') && !principal && !notPrincipal && !OPTIONAL_PRINCIPAL_KINDS.has(kind)) {
    fail(at, `needs a Principal${kind === 'resource' ? ' or NotPrincipal' : ''} element in ${kindLabel(kind)}`);
  }

  const conditions = s.Condition === undefined ? [] : parseConditions(s.Condition, `${at}.Condition`, variables, dialect, fail);
  return {
    index,
    ...(sid !== undefined ? { sid } : {}),
    effect,
    ...(actionKey === 'Action' ? { action: actions } : { notAction: actions }),
    ...(resource ? { resource } : {}),
    ...(notResource ? { notResource } : {}),
    ...(principal ? { principal } : {}),
    ...(notPrincipal ? { notPrincipal } : {}),
    conditions,
    raw: s,
  };
}

function kindLabel(kind: PolicyKind): string {
  return {
    identity: 'an identity policy',
    resource: 'a resource policy',
    trust: 'a role trust policy',
    boundary: 'a permissions boundary',
    session: 'a session policy',
    scp: 'a service control policy',
    rcp: 'a resource control policy',
    kms: 'a KMS key policy',
    vpce: 'a VPC endpoint policy',
  }[kind];
}

function parsePrincipal(
  value: unknown,
  path: string,
  dialect: Dialect,
  fail: (p: string, m: string) => never,
): ParsedPrincipal {
  const rules = rulesOf(dialect);
  if (value === '*') return { any: true, entries: [] };
  if (Array.isArray(value)) {
    if (!rules.principalList) {
      return fail(path, 'must be "*" or an object such as {"AWS": ["arn:aws:iam::111122223333:role/Name"]}');
    }
    // OSS bucket policies: a list of UIDs, arn:sts role sessions or "*"; an empty list means everyone.
    const ids = stringList(value, path, fail, true);
    if (!ids.length || ids.includes('*')) return { any: true, entries: [] };
    return { any: false, entries: ids.map((v) => ({ type: 'ID', value: v })) };
  }
  if (!isPlainObject(value)) return fail(path, `must be "*" or an object, got ${describe(value)}`);
  const keys = Object.keys(value);
  if (!keys.length) fail(path, 'must name at least one principal');
  const allowed = rules.principalTypes;
  const entries: ParsedPrincipal['entries'] = [];
  let any = false;
  for (const k of keys) {
    if (!allowed.has(k)) fail(`${path}.${k}`, `unknown principal type (expected ${[...allowed].join(', ')})`);
    for (const v of stringList(value[k], `${path}.${k}`, fail)) {
      if (v === '*' && k === rules.everyoneType) any = true;
      else entries.push({ type: k as PrincipalType, value: v });
    }
  }
  return { any, entries };
}

function parseConditions(
  value: unknown,
  path: string,
  variables: boolean,
  dialect: Dialect,
  fail: (p: string, m: string) => never,
): ParsedCondition[] {
  const rules = rulesOf(dialect);
  if (!isPlainObject(value)) return fail(path, `must be an object of operators, got ${describe(value)}`);
  const out: ParsedCondition[] = [];
  for (const [operator, block] of Object.entries(value)) {
    const opPath = `${path}.${operator}`;
    const op = parseOperator(operator, opPath, rules.extraOperators as Record<string, { base: BaseOperator; negated: boolean }>, fail);
    if (!isPlainObject(block)) fail(opPath, `must be an object of condition keys, got ${describe(block)}`);
    const entries = Object.entries(block as Record<string, unknown>);
    if (!entries.length) fail(opPath, 'has no condition keys');
    for (const [key, raw] of entries) {
      const keyPath = `${opPath}.${JSON.stringify(key)}`;
      if (!key.trim()) fail(keyPath, 'empty condition key');
      const list = Array.isArray(raw) ? raw : [raw];
      if (!list.length) fail(keyPath, 'must have at least one value');
      const strings = list.map((v, i) => {
        const p = Array.isArray(raw) ? `${keyPath}[${i}]` : keyPath;
        if (typeof v === 'string') return v;
        if (typeof v === 'number' || typeof v === 'boolean') return String(v);
        return fail(p, `must be a string, number or boolean, got ${describe(v)}`);
      });
      strings.forEach((v, i) => checkValue(op.base, v, Array.isArray(raw) ? `${keyPath}[${i}]` : keyPath, operator, rules.ipWildcards, fail));
      const allowVars = variables && VARIABLE_BASES.has(op.base);
      out.push({ ...op, operator, key, values: strings.map((v) => parseTemplate(v, allowVars)) });
    }
  }
  return out;
}

function parseOperator(
  operator: string,
  path: string,
  extra: Record<string, { base: BaseOperator; negated: boolean }>,
  fail: (p: string, m: string) => never,
): Omit<ParsedCondition, 'operator' | 'key' | 'values'> {
  let name = operator;
  let set: ParsedCondition['set'];
  const colon = name.indexOf(':');
  if (colon >= 0) {
    const q = name.slice(0, colon);
    if (q !== 'ForAllValues' && q !== 'ForAnyValue') {
      fail(path, `unknown set operator ${JSON.stringify(q)} (expected ForAllValues or ForAnyValue)`);
    }
    set = q as ParsedCondition['set'];
    name = name.slice(colon + 1);
  }
  let ifExists = false;
  if (name.endsWith('IfExists')) {
    ifExists = true;
    name = name.slice(0, -'IfExists'.length);
  }
  const def = own(OPERATORS, name) ?? own(extra, name);
  if (!def) {
    const hint = [...Object.keys(OPERATORS), ...Object.keys(extra)].find((k) => k.toLowerCase() === name.toLowerCase());
    fail(path, `unknown condition operator ${JSON.stringify(operator)}${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
  if (def!.base === 'Null' && (ifExists || set)) fail(path, 'Null cannot take IfExists or a set operator');
  return { base: def!.base, negated: def!.negated, ifExists, ...(set ? { set } : {}) };
}

export function parseNumber(text: string): number | null {
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** ISO 8601 date/time, or epoch seconds. Returns milliseconds. */
export function parseDate(text: string): number | null {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

export function parseBool(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : null;
}

function checkValue(
  base: BaseOperator,
  v: string,
  path: string,
  operator: string,
  ipWildcards: boolean,
  fail: (p: string, m: string) => never,
): void {
  const bad = (what: string) => fail(path, `${JSON.stringify(v)} is not ${what} (operator ${operator})`);
  if (base.startsWith('Numeric') && parseNumber(v) === null) bad('a number');
  if (base.startsWith('Date') && parseDate(v) === null) bad('a date (ISO 8601 or epoch seconds)');
  if (base === 'IpAddress' && parseIpValue(v, ipWildcards) === null) {
    bad(ipWildcards ? 'an IP address, CIDR block or wildcard address such as 192.168.*' : 'an IP address or CIDR block');
  }
  if ((base === 'Null' || base === 'Bool') && parseBool(v) === null && !v.includes('${')) bad('"true" or "false"');
  if (base === 'BinaryEquals' && !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) bad('base64');
}
