// Data-driven evaluator cases: every test/fixtures/explain/*.json file is loaded and each case runs
// as a named subtest. A malformed case file fails the run (it is never skipped).
//
// `store` (a case's, or the file's `defaults.store`) names the store whose semantics apply
// (src/explain/dialects/<d>/stores.ts: aws-s3, ceph-rgw, s3-compatible; oss): the evaluation runs as
// that store enforces the language, and so does a fix proof. `expect.fix` proves the fix for the
// case's denial (src/explain/proof.ts) and checks which candidate is shown and why the others are
// not; its own `store` names the store the fix is proven on when that differs from the one the
// denial is evaluated under (as a probe does: the denial is evaluated as the cloud documents it,
// src/explain/merge.ts, and the fix proven on the target store).

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { evaluate, PolicyError, provenFix, storeSemantics, summarise } from '../../src/explain/index.js';
import type { ConditionResult, EvaluateInput, EvaluationResult, FixRequest, PolicySet, RequestContext } from '../../src/explain/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'explain');

const DECISIONS = new Set(['allowed', 'explicit-deny', 'implicit-deny', 'undetermined']);
const LAYERS = new Set([
  'scp',
  'rcp',
  'resource-policy',
  'identity-policy',
  'permissions-boundary',
  'session-policy',
  'trust-policy',
  'kms-key-policy',
  'vpc-endpoint-policy',
]);
const CASE_KEYS = new Set(['name', 'source', 'dialect', 'store', 'request', 'policies', 'expect']);
const FIX_KEYS = new Set(['store', 'request', 'shown', 'rejected', 'anonymous', 'who']);
const PROOF_CHECKS = new Set(['role-allowed', 'others-unchanged', 'store-supports']);
const EXPECT_KEYS = new Set([
  'decision',
  'decidedBy',
  'sid',
  'sids',
  'policy',
  'conditions',
  'undeterminedKeys',
  'possibleDecisions',
  'crossAccount',
  'warnings',
  'error',
  'summaryIncludes',
  'unread',
  'notEvaluated',
  'noWarnings',
  'fix',
]);
const POLICY_KEYS = new Set(['identity', 'resource', 'trust', 'boundary', 'session', 'scp', 'rcp', 'kms', 'vpce', 'notVisible', 'lenient']);

interface ExpectedCondition {
  key: string;
  operator?: string;
  result: boolean | 'undetermined';
}

interface Expect {
  decision?: string;
  decidedBy?: string | null;
  sid?: string;
  sids?: string[];
  policy?: string;
  conditions?: ExpectedCondition[];
  undeterminedKeys?: string[];
  possibleDecisions?: string[];
  crossAccount?: boolean;
  warnings?: string[];
  error?: string;
  summaryIncludes?: string[];
  /** Names of the unread policies the result must report. */
  unread?: string[];
  /** `policy#index` of each statement reported as not evaluated. */
  notEvaluated?: string[];
  /** Substrings no warning may contain. */
  noWarnings?: string[];
  fix?: ExpectFix;
}

/** A fix proof: which candidate is shown, and why each earlier one was not. */
interface ExpectFix {
  /** The store the fix is proven on (default: the case's store). */
  store?: string;
  /** The fix request (FixRequest); `action` defaults to the case's request action. */
  request: Partial<FixRequest> & { roleArn: string; bucket: string };
  /** The form of the candidate shown, or null when none could be proven (nothing to apply). */
  shown: string | null;
  /** Candidates tried before, in order: the proof check that failed and a substring of its detail. */
  rejected: Array<{ form: string; check: string; detail: string }>;
  /** Whether the "others stay denied" evaluations include an anonymous caller. */
  anonymous?: boolean;
  /** Principals (substrings of `who`) that must be among the "others stay denied" evaluations. */
  who?: string[];
}

interface Case {
  name: string;
  source: string;
  dialect?: 'aws' | 'alibaba';
  store?: string;
  request?: Partial<RequestContext>;
  policies: PolicySet;
  expect: Expect;
}

interface CaseFile {
  topic: string;
  description?: string;
  defaults?: { dialect?: 'aws' | 'alibaba'; store?: string; request?: Partial<RequestContext> };
  cases: Case[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validate a case file's shape; returns a list of problems (empty when valid). */
function validate(file: string, data: unknown): string[] {
  const errs: string[] = [];
  if (!isObject(data)) return [`${file}: top level must be an object`];
  if (typeof data.topic !== 'string' || !data.topic) errs.push(`${file}: "topic" must be a non-empty string`);
  if (!Array.isArray(data.cases) || !data.cases.length) return [...errs, `${file}: "cases" must be a non-empty array`];
  const names = new Set<string>();
  data.cases.forEach((c: unknown, i: number) => {
    const at = `${file} cases[${i}]`;
    if (!isObject(c)) {
      errs.push(`${at}: must be an object`);
      return;
    }
    for (const k of Object.keys(c)) if (!CASE_KEYS.has(k)) errs.push(`${at}: unknown key "${k}"`);
    if (typeof c.name !== 'string' || !c.name) errs.push(`${at}: "name" required`);
    else if (names.has(c.name)) errs.push(`${at}: duplicate name "${c.name}"`);
    else names.add(c.name);
    if (typeof c.source !== 'string' || !c.source) errs.push(`${at}: "source" (documentation page title) required`);
    const dialect = (c.dialect ?? (isObject(data.defaults) ? data.defaults.dialect : undefined) ?? 'aws') as 'aws' | 'alibaba';
    const knownStore = (name: unknown, where: string) => {
      if (name === undefined) return;
      try {
        storeSemantics(dialect, name as string);
      } catch (err) {
        errs.push(`${at}: ${where}: ${(err as Error).message}`);
      }
    };
    knownStore(c.store ?? (isObject(data.defaults) ? data.defaults.store : undefined), '"store"');
    if (!isObject(c.policies)) errs.push(`${at}: "policies" must be an object`);
    else for (const k of Object.keys(c.policies)) if (!POLICY_KEYS.has(k)) errs.push(`${at}: unknown policy slot "${k}"`);
    if (!isObject(c.expect)) {
      errs.push(`${at}: "expect" must be an object`);
      return;
    }
    const e = c.expect;
    for (const k of Object.keys(e)) if (!EXPECT_KEYS.has(k)) errs.push(`${at}: unknown expect key "${k}"`);
    if (e.error === undefined) {
      if (typeof e.decision !== 'string' || !DECISIONS.has(e.decision)) errs.push(`${at}: expect.decision must be one of ${[...DECISIONS].join(', ')}`);
      if (!('decidedBy' in e) || (e.decidedBy !== null && !LAYERS.has(e.decidedBy as string))) {
        errs.push(`${at}: expect.decidedBy must be a layer or null`);
      }
    } else if (typeof e.error !== 'string') {
      errs.push(`${at}: expect.error must be a string`);
    }
    if (e.fix !== undefined) {
      const f = e.fix;
      if (!isObject(f)) errs.push(`${at}: expect.fix must be an object`);
      else {
        for (const k of Object.keys(f)) if (!FIX_KEYS.has(k)) errs.push(`${at}: unknown expect.fix key "${k}"`);
        knownStore(f.store, 'expect.fix.store');
        if (!isObject(f.request) || typeof f.request.roleArn !== 'string' || typeof f.request.bucket !== 'string') errs.push(`${at}: expect.fix.request needs roleArn and bucket`);
        if (!(f.shown === null || typeof f.shown === 'string')) errs.push(`${at}: expect.fix.shown must be a form or null`);
        if (!Array.isArray(f.rejected)) errs.push(`${at}: expect.fix.rejected must be an array`);
        else
          f.rejected.forEach((x: unknown, j: number) => {
            if (!isObject(x) || typeof x.form !== 'string' || !PROOF_CHECKS.has(x.check as string) || typeof x.detail !== 'string') {
              errs.push(`${at}: expect.fix.rejected[${j}] needs form, check (${[...PROOF_CHECKS].join('|')}) and detail`);
            }
          });
        if (f.who !== undefined && !(Array.isArray(f.who) && f.who.every((x: unknown) => typeof x === 'string'))) errs.push(`${at}: expect.fix.who must be an array of strings`);
        if (f.anonymous !== undefined && typeof f.anonymous !== 'boolean') errs.push(`${at}: expect.fix.anonymous must be a boolean`);
      }
    }
    if (e.conditions !== undefined) {
      if (!Array.isArray(e.conditions)) errs.push(`${at}: expect.conditions must be an array`);
      else
        e.conditions.forEach((x: unknown, j: number) => {
          if (!isObject(x) || typeof x.key !== 'string' || !(x.result === true || x.result === false || x.result === 'undetermined')) {
            errs.push(`${at}: expect.conditions[${j}] needs key and result (true|false|"undetermined")`);
          }
        });
    }
  });
  return errs;
}

/** Case request fields replace the file defaults field by field (principal and context are replaced whole). */
function merge(base: Partial<RequestContext> | undefined, over: Partial<RequestContext> | undefined): RequestContext {
  return { ...(base ?? {}), ...(over ?? {}) } as RequestContext;
}

function allConditions(r: EvaluationResult): ConditionResult[] {
  return [...r.statements.flatMap((s) => s.conditions), ...r.layers.flatMap((l) => l.statements.flatMap((s) => s.conditions))];
}

function checkFix(ct: Test, input: EvaluateInput, r: EvaluationResult, want: ExpectFix, caseStore: string | undefined): void {
  const store = storeSemantics(input.dialect, want.store ?? caseStore);
  const req = { action: input.request.action, ...want.request } as FixRequest;
  // every evaluation of the proof runs under the proving store; the denial stays as the case evaluated it
  const fix = provenFix(input, r, req, store);
  ct.ok(fix, 'a fix is proposed', { summary: summarise(r) });
  if (!fix) return;
  const tried = fix.proof.candidates;
  const info = { proof: tried.map((c) => ({ form: c.form, shown: c.shown, failed: c.checks.filter((k) => !k.ok).map((k) => `${k.check}: ${k.detail}`) })) };
  ct.equal(fix.proof.store, store.name, `proven on ${store.name}`);
  const shown = tried.find((c) => c.shown);
  ct.equal(shown?.form ?? null, want.shown, want.shown === null ? 'no candidate is shown' : `candidate ${want.shown} is shown`, info);
  ct.equal(fix.safe, want.shown !== null, 'safe', info);
  const rejected = tried.filter((c) => !c.shown);
  ct.same(rejected.map((c) => c.form), [...new Set(want.rejected.map((x) => x.form))], 'the candidates rejected, in order', info);
  for (const w of want.rejected) {
    const c = rejected.find((x) => x.form === w.form);
    const check = c?.checks.find((k) => k.check === w.check);
    ct.equal(check?.ok, false, `${w.form}: ${w.check} fails`, info);
    ct.ok(check?.detail.includes(w.detail), `${w.form}: ${w.check} says "${w.detail}"`, { detail: check?.detail });
  }
  if (want.shown === null) for (const w of want.rejected) ct.ok(fix.summary.includes(w.detail), `the summary gives the reason "${w.detail}"`, { summary: fix.summary });
  const whos = tried.flatMap((c) => c.checks.flatMap((k) => (k.check === 'others-unchanged' ? (k.evaluations ?? []).map((x) => x.who) : [])));
  for (const w of want.who ?? []) ct.ok(whos.some((x) => x.includes(w)), `${w} is among the others evaluated`, { whos: [...new Set(whos)] });
  if (want.anonymous !== undefined) {
    const anon = tried.some((c) => c.checks.some((k) => k.check === 'others-unchanged' && k.evaluations?.some((x) => /anonymous/.test(x.who))));
    ct.equal(anon, want.anonymous, want.anonymous ? 'an anonymous caller is among the others proven unchanged' : 'no anonymous caller is evaluated');
  }
}

const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();
let total = 0;
const perFile: Record<string, number> = {};

for (const file of files) {
  let data: CaseFile | null = null;
  let problems: string[];
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    problems = validate(file, parsed);
    if (!problems.length) data = parsed as CaseFile;
  } catch (err) {
    problems = [`${file}: ${(err as Error).message}`];
  }
  if (!data) {
    t.fail(`malformed case file ${file}`, { diagnostic: true, problems });
    continue;
  }
  const fileData = data;
  perFile[file] = fileData.cases.length;
  total += fileData.cases.length;
  t.test(`${fileData.topic} (${file})`, async (tt) => {
    for (const c of fileData.cases) {
      tt.test(c.name, async (ct) => {
        const dialect = c.dialect ?? fileData.defaults?.dialect ?? 'aws';
        const storeName = c.store ?? fileData.defaults?.store;
        const input: EvaluateInput = {
          dialect,
          request: merge(fileData.defaults?.request, c.request),
          policies: c.policies,
          ...(storeName !== undefined ? { store: storeSemantics(dialect, storeName) } : {}),
        };
        const e = c.expect;
        if (e.error !== undefined) {
          ct.throws(() => evaluate(input), PolicyError, 'throws a PolicyError');
          try {
            evaluate(input);
          } catch (err) {
            ct.match((err as Error).message, e.error, 'error message names the problem');
          }
          return;
        }
        const r = evaluate(input);
        const info = { summary: summarise(r), reason: r.reason, source: c.source };
        ct.equal(r.decision, e.decision, 'decision', info);
        ct.equal(r.decidedBy, e.decidedBy, 'decidedBy', info);
        if (e.sid !== undefined) ct.equal(r.statements[0]?.sid, e.sid, 'deciding statement Sid', info);
        if (e.sids !== undefined) ct.same(r.statements.map((s) => s.sid).sort(), [...e.sids].sort(), 'deciding statement Sids', info);
        if (e.policy !== undefined) ct.equal(r.statements[0]?.policy, e.policy, 'deciding policy', info);
        if (e.undeterminedKeys !== undefined) ct.same([...r.undeterminedKeys].sort(), [...e.undeterminedKeys].sort(), 'undetermined keys');
        if (e.possibleDecisions !== undefined) ct.same([...r.possibleDecisions].sort(), [...e.possibleDecisions].sort(), 'possible decisions');
        if (e.crossAccount !== undefined) ct.equal(r.crossAccount, e.crossAccount, 'crossAccount');
        if (e.decision === 'undetermined') ct.equal(r.undetermined, true, 'undetermined flag');
        for (const w of e.warnings ?? []) ct.ok(r.warnings.some((x) => x.includes(w)), `warning mentions "${w}"`, { warnings: r.warnings });
        for (const s of e.summaryIncludes ?? []) ct.ok(info.summary.includes(s), `summary includes "${s}"`, info);
        for (const w of e.noWarnings ?? []) ct.notOk(r.warnings.some((x) => x.includes(w)), `no warning mentions "${w}"`, { warnings: r.warnings });
        if (e.unread !== undefined) ct.same(r.unread.map((u) => u.policy).sort(), [...e.unread].sort(), 'unread policies reported', info);
        if (e.notEvaluated !== undefined) {
          ct.same(r.notEvaluated.map((k) => `${k.policy}#${k.index}`).sort(), [...e.notEvaluated].sort(), 'statements not evaluated', info);
        }
        const conds = allConditions(r);
        for (const want of e.conditions ?? []) {
          const found = conds.find((x) => x.key === want.key && (want.operator === undefined || x.operator === want.operator));
          ct.ok(found, `condition ${want.operator ?? ''} ${want.key} reported`, info);
          if (found) ct.equal(found.result, want.result, `condition ${found.operator} ${want.key} result`, { ...info, condition: found });
        }
        if (e.fix) checkFix(ct, input, r, e.fix, storeName);
      });
    }
  });
}

t.test('case count', async (tt) => {
  tt.comment(`explain cases: ${total} (${Object.entries(perFile).map(([f, n]) => `${f}: ${n}`).join(', ')})`);
  tt.ok(total >= 150, `at least 150 cases (got ${total})`);
});
