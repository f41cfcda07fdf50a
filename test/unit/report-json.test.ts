// The JSON contract: a probe renders exactly its RunResult; a run renders the run document; every
// output validates against schema/result.schema.json, and the schema rejects what the contract does not allow.

import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import t from 'tap';
import type {
  CheckExplain,
  CheckResult,
  Denial,
  DenialCondition,
  DenialSource,
  DenialStage,
  DenialStatement,
  ExplainSummary,
  Expectation,
  Identity,
  Leftover,
  Outcome,
  RunResult,
  TargetDescription,
  Verdict,
} from '../../src/core/model.js';
import { RequestFailure } from '../../src/core/model.js';
import { loadDefinition } from '../../src/core/definition.js';
import { probe } from '../../src/core/probe.js';
import { aggregateVerdict, FORMATS, type ReportInput, singleRun } from '../../src/report/index.js';
import { renderJson, renderJsonReport } from '../../src/report/json.js';
import { denial, MemoryAdapter } from '../helpers/memory-adapter.js';
import { fixtureText, result, runDocument, runInput, schema } from '../fixtures/reports/load.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validate = ajv.compile(schema());
const errors = (doc: unknown): ErrorObject[] => (validate(doc) ? [] : [...(validate.errors ?? [])]);
const clone = <T>(x: T): T => structuredClone(x);

t.test('probe: the JSON is exactly the RunResult, as before', async (t) => {
  for (const name of ['pass', 'office-ip', 'oss-denied'] as const) {
    const r = result(name);
    const out = FORMATS.json!(singleRun(r), { color: false });
    t.equal(out, `${JSON.stringify(r, null, 2)}\n`, name);
    t.equal(out, renderJson(r), `${name}: renderJson unchanged`);
    t.equal(out, fixtureText(`${name}.json`), `${name}: byte for byte the fixture`);
    t.notOk('kind' in JSON.parse(out), `${name}: no run fields in a probe document`);
  }
  const two = { ...singleRun(result('pass')), results: [result('pass'), result('office-ip')] };
  t.throws(() => renderJsonReport(two), /exactly one result, not 2/);
  t.throws(() => renderJsonReport({ ...singleRun(result('pass')), results: [] }), /exactly one result, not 0/);
});

t.test('singleRun carries the result\'s verdict, start and duration', async (t) => {
  const r = result('office-ip');
  t.same(singleRun(r), { kind: 'probe', results: [r], verdict: 'fail', durationMs: 311, startedAt: '2026-11-22T02:00:04.530Z' });
});

t.test('run: schemaVersion, kind, verdict, startedAt, durationMs, targets - in that order', async (t) => {
  const out = FORMATS.json!(runInput(), { color: false });
  t.equal(out, fixtureText('run-five.json'), 'the fixture is this renderer\'s output');
  const doc = JSON.parse(out) as Record<string, unknown>;
  t.same(Object.keys(doc), ['schemaVersion', 'kind', 'verdict', 'startedAt', 'durationMs', 'targets']);
  t.match(doc, { schemaVersion: 1, kind: 'run', verdict: 'error', durationMs: 3127 });
  t.same((doc.targets as RunResult[]).map((r) => r.target.name), ['db-nightly', 'dr-site', 'vault-append-only', 'vault-over-privileged', 'office-nas']);
  t.same((doc.targets as RunResult[]).map((r) => r.verdict), ['pass', 'error', 'pass', 'fail', 'fail']);
});

t.test('aggregateVerdict: error beats fail beats pass', async (t) => {
  const [pass, office] = [result('pass'), result('office-ip')];
  const err = { ...pass, verdict: 'error' as const };
  t.equal(aggregateVerdict([pass, pass]), 'pass');
  t.equal(aggregateVerdict([pass, office]), 'fail');
  t.equal(aggregateVerdict([office, err, pass]), 'error');
  t.equal(aggregateVerdict(runDocument().targets), runDocument().verdict);
});

t.test('every fixture validates against the schema', async (t) => {
  for (const name of ['pass', 'office-ip', 'oss-denied'] as const) t.same(errors(result(name)), [], name);
  t.same(errors(runDocument()), [], 'run-five');
  for (const [i, r] of runDocument().targets.entries()) t.same(errors(r), [], `run-five target ${i} alone is a probe document`);
});

// RunResults built here by the real core (plan, runner, verdict) on the in-memory store.
const DEFAULT = loadDefinition('default').checks;
async function probed(setup: (a: MemoryAdapter) => void, expectations: Record<string, Expectation> = DEFAULT, signal?: AbortSignal): Promise<RunResult> {
  const a = new MemoryAdapter();
  setup(a);
  return probe({
    adapter: a,
    target: { provider: 'aws', bucket: 'b', prefix: 'p/', region: 'eu-west-1', endpoint: null, role: 'arn:aws:iam::111122223333:role/r', probe: 'default' },
    version: '0.1.0-test',
    plan: { prefix: 'p/', runId: '20261122T000000Z-abcdef', partSize: 5 * 1024 * 1024, quick: true, assume: true, expectations },
    run: signal ? { signal } : {},
  });
}

function ossDenial(): Denial {
  return {
    ...denial('AccessDenied', 403),
    stage: 'object',
    source: 'identity-policy',
    explicit: false,
    requestId: '673F2C1B9E4D4730324E567A',
    hint: 'No RAM policy of role polardb-backup allows oss:PutObject (EC 0003-00000201)',
    ec: '0003-00000201',
    recommendDoc: 'https://api.aliyun.com/troubleshoot?q=0003-00000201',
    accessDeniedDetail: { PolicyType: 'AccountLevelIdentityBasedPolicy', NoPermissionType: 'ImplicitDeny', AuthAction: 'oss:PutObject' },
  };
}

t.test('outputs generated from real probes validate: pass, denial, error, over-privileged, interrupted, leftovers', async (t) => {
  const cases: [string, RunResult][] = [
    ['pass', await probed(() => {})],
    ['OSS denial with EC fields', await probed((a) => a.deny.set('putObject', new RequestFailure('denied', ossDenial())))],
    ['error with retries', await probed((a) => a.deny.set('listObjects', new RequestFailure('error', { ...denial('SlowDown', 503), stage: 'bucket' }, 2)))],
    ['leftovers', await probed((a) => {
      a.deny.set('deleteObject', new RequestFailure('denied', denial()));
      a.deny.set('abortMultipartUpload', new RequestFailure('denied', denial()));
    })],
    ['append-only (deny expected, leftovers expected)', await probed((a) => a.deny.set('deleteObject', new RequestFailure('denied', denial())), { ...DEFAULT, 'delete-object': 'deny', 'delete-multipart-object': 'deny' })],
    ['over-privileged', await probed(() => {}, { ...DEFAULT, 'delete-object': 'deny' })],
    ['verification error (no denial evidence from the store)', await probed((a) => (a.corrupt = true))],
  ];
  const ctl = new AbortController();
  cases.push(['interrupted', await probed((a) => (a.onCall = (op) => op === 'putObject' && ctl.abort('SIGINT')), DEFAULT, ctl.signal)]);

  const seen = new Set<string>();
  for (const [name, r] of cases) {
    t.same(errors(r), [], name);
    t.same(errors(JSON.parse(FORMATS.json!(singleRun(r), { color: false }))), [], `${name}: rendered`);
    for (const k of r.checks) seen.add(k.outcome);
  }
  t.same([...seen].sort(), ['allowed', 'denied', 'error', 'skipped'], 'every outcome was exercised');
  t.ok(cases.some(([, r]) => r.leftovers.length > 0) && cases.some(([, r]) => r.checks.some((k) => k.finding)) && cases.some(([, r]) => r.interrupted));
  const results = cases.map(([, r]) => r);
  const run: ReportInput = { kind: 'run', results, verdict: aggregateVerdict(results), durationMs: 99, startedAt: '2026-11-22T00:00:00.000Z' };
  t.same(errors(JSON.parse(FORMATS.json!(run, { color: false }))), [], 'a run of all of them');
});

t.test('the schema rejects what the contract does not allow', async (t) => {
  const office = result('office-ip');
  const oss = result('oss-denied');
  // documents broken on purpose: untyped
  const put = (r: any): any => r.checks.find((k: CheckResult) => k.id === 'put-object');
  const bad: [string, unknown, RegExp][] = [];
  const mutate = <T>(name: string, base: T, f: (x: any) => void, why: RegExp) => {
    const x = clone(base);
    f(x);
    bad.push([name, x, why]);
  };
  mutate('an unknown top-level field', office, (r) => (r.extra = 1), /additionalProperties/);
  mutate('an unknown check field', office, (r) => (put(r).color = 'red'), /additionalProperties/);
  mutate('an unknown denial field', office, (r) => (put(r).denial.policy = 'x'), /additionalProperties/);
  mutate('an outcome outside the enum', office, (r) => (put(r).outcome = 'forbidden'), /enum/);
  mutate('a stage outside the enum', office, (r) => (put(r).denial.stage = 'policy'), /enum/);
  mutate('a source outside the enum', office, (r) => (put(r).denial.source = 'bucket-policy'), /enum/);
  mutate('an expectation outside the enum', office, (r) => (put(r).expect = 'allowed'), /enum/);
  mutate('a verdict outside the enum', office, (r) => (r.verdict = 'ok'), /enum/);
  mutate('a denial without hint', office, (r) => delete put(r).denial.hint, /required/);
  mutate('a denied check without denial', office, (r) => delete put(r).denial, /required/);
  mutate('a skipped check without reason', office, (r) => delete r.checks.find((k: CheckResult) => k.outcome === 'skipped').reason, /required/);
  mutate('a skipped check that is ok', office, (r) => (r.checks.find((k: CheckResult) => k.outcome === 'skipped').ok = true), /const/);
  mutate('an interrupted run that passed', result('pass'), (r) => (r.interrupted = 'SIGINT'), /const/);
  mutate('a finding on a check that was denied', office, (r) => (put(r).finding = 'over-privileged'), /const/);
  mutate('a statement effect outside the enum', office, (r) => (put(r).explain.statement.effect = 'Maybe'), /enum/);
  mutate('a condition result outside the enum', office, (r) => (put(r).explain.conditions[0].result = 'maybe'), /enum/);
  mutate('a fix for an unknown policy', office, (r) => (put(r).explain.fix.policy = 'everything'), /enum/);
  mutate('a fix without snippet', office, (r) => delete put(r).explain.fix.snippet, /required/);
  mutate('a fix on the denial (it lives under explain)', office, (r) => (put(r).denial.fix = put(r).explain.fix), /additionalProperties/);
  mutate('an evaluation source outside the enum', office, (r) => (put(r).explain.source.source = 'magic'), /enum/);
  mutate('an explain decision outside the enum', office, (r) => (put(r).explain.decision = 'denied'), /enum/);
  mutate('explain.notVisible without why', office, (r) => delete r.explain.notVisible[0].why, /required/);
  mutate('an AccessDeniedDetail value that is not a string', oss, (r) => (put(r).denial.accessDeniedDetail.AuthPrincipalOwnerId = 1234567890123456), /type/);
  mutate('an EC that is not a string', oss, (r) => (put(r).denial.ec = 101), /type/);
  mutate('schemaVersion 2', office, (r) => (r.schemaVersion = 2), /const/);
  mutate('a run id in another format', office, (r) => (r.runId = 'run-1'), /pattern/);
  mutate('startedAt without zone', office, (r) => (r.startedAt = '2026-11-22T02:00:04'), /pattern|format/);
  mutate('startedAt on 30 February', office, (r) => (r.startedAt = '2026-02-30T02:00:04.000Z'), /format/);
  mutate('a fractional duration', office, (r) => (r.durationMs = 1.5), /type/);
  mutate('a target without role (null is required)', office, (r) => delete r.target.role, /required/);
  mutate('a probe document with kind', office, (r) => (r.kind = 'probe'), /additionalProperties/);
  mutate('a run with an unknown field', runDocument(), (d) => (d.tool = { name: 'backup-canary' }), /additionalProperties/);
  mutate('a run without targets', runDocument(), (d) => (d.targets = []), /minItems/);
  mutate('a run with an invalid target', runDocument(), (d) => (d.targets[1].checks[0].outcome = 'timeout'), /enum/);
  mutate('a run of kind probe', runDocument(), (d) => (d.kind = 'probe'), /const/);
  for (const [name, doc, why] of bad) {
    const e = errors(doc);
    t.ok(e.length > 0, `rejected: ${name}`);
    t.match(e.map((x) => x.keyword).join(' '), why, `${name}: ${e.map((x) => `${x.instancePath} ${x.message}`).slice(0, 3).join('; ')}`);
  }
});

// The schema follows the model: every field of each type (a new field in model.ts breaks this
// file's type-check until it is added here and to the schema) and every enum value.
const KEYS = {
  RunResult: { schemaVersion: 1, tool: 1, runId: 1, startedAt: 1, verdict: 1, target: 1, identity: 1, checks: 1, leftovers: 1, explain: 1, error: 1, interrupted: 1, shard: 1, changes: 1, policyChanges: 1, asBackup: 1, durationMs: 1 } satisfies Record<keyof RunResult, 1>,
  TargetDescription: { name: 1, provider: 1, bucket: 1, prefix: 1, region: 1, endpoint: 1, role: 1, probe: 1, versioning: 1, objectLock: 1, objectOwnership: 1, writer: 1, conditionalWrites: 1 } satisfies Record<keyof TargetDescription, 1>,
  CheckResult: { id: 1, action: 1, expect: 1, outcome: 1, ok: 1, durationMs: 1, key: 1, uploadId: 1, reason: 1, request: 1, note: 1, explain: 1, finding: 1, retries: 1, denial: 1, objectOwner: 1, ownership: 1, by: 1, caveat: 1 } satisfies Record<keyof CheckResult, 1>,
  Denial: {
    stage: 1, source: 1, explicit: 1, code: 1, message: 1, httpStatus: 1, requestId: 1, extendedRequestId: 1, hint: 1, rule: 1, ec: 1, recommendDoc: 1,
    accessDeniedDetail: 1,
  } satisfies Record<keyof Denial, 1>,
  DenialStatement: { policy: 1, sid: 1, index: 1, effect: 1 } satisfies Record<keyof DenialStatement, 1>,
  DenialCondition: { key: 1, operator: 1, policyValues: 1, requestValues: 1, result: 1 } satisfies Record<keyof DenialCondition, 1>,
  Fix: { summary: 1, remedy: 1, advice: 1, policy: 1, snippet: 1, sessionName: 1, safe: 1, proof: 1 } satisfies Record<keyof NonNullable<CheckExplain['fix']>, 1>,
  CheckExplain: { decision: 1, decidedBy: 1, summary: 1, undeterminedKeys: 1, mismatch: 1, unread: 1, notEvaluated: 1, error: 1, source: 1, statement: 1, conditions: 1, fix: 1, hingesOn: 1, sessionNames: 1, input: 1, kms: 1, serviceRole: 1, storeDiagnostic: 1 } satisfies Record<keyof CheckExplain, 1>,
  ExplainSummary: { read: 1, notVisible: 1, warnings: 1, digests: 1, policies: 1 } satisfies Record<keyof ExplainSummary, 1>,
  Leftover: { key: 1, uploadId: 1, versionId: 1, deleteMarker: 1, retainUntil: 1, mode: 1, why: 1, by: 1 } satisfies Record<keyof Leftover, 1>,
};
const IDENTITY_KEYS = { source: 1, assumedRoleArn: 1 } satisfies Record<keyof Identity, 1>;
const ENUMS = {
  Verdict: { pass: 1, fail: 1, error: 1 } satisfies Record<Verdict, 1>,
  Outcome: { allowed: 1, denied: 1, error: 1, skipped: 1, 'not-probed': 1, evaluated: 1 } satisfies Record<Outcome, 1>,
  Expectation: { allow: 1, deny: 1, any: 1 } satisfies Record<Expectation, 1>,
  stage: { credentials: 1, 'assume-role': 1, network: 1, bucket: 1, object: 1 } satisfies Record<DenialStage, 1>,
  source: {
    'trust-policy': 1, 'identity-policy': 1, 'resource-policy': 1, scp: 1, rcp: 1, 'permissions-boundary': 1, 'session-policy': 1,
    'vpc-endpoint-policy': 1, kms: 1, acl: 1, 'object-lock': 1, endpoint: 1, unknown: 1,
  } satisfies Record<DenialSource, 1>,
  decision: { allowed: 1, 'explicit-deny': 1, 'implicit-deny': 1, undetermined: 1 } satisfies Record<CheckExplain['decision'], 1>,
};

t.test('the schema has exactly the model\'s fields and enum values', async (t) => {
  const defs = schema().$defs as Record<string, { properties: Record<string, { enum?: unknown[] }>; required?: string[]; enum?: unknown[] }>;
  for (const [name, keys] of Object.entries(KEYS)) t.same(Object.keys(defs[name]!.properties).sort(), Object.keys(keys).sort(), name);
  const runResult = defs.RunResult!.properties as Record<string, { properties?: Record<string, unknown> }>;
  t.same(Object.keys(runResult.identity!.properties!).sort(), Object.keys(IDENTITY_KEYS).sort(), 'Identity');
  t.same(defs.Verdict!.enum, Object.keys(ENUMS.Verdict));
  t.same(defs.Outcome!.enum, Object.keys(ENUMS.Outcome));
  t.same(defs.Expectation!.enum, Object.keys(ENUMS.Expectation));
  t.same(defs.Denial!.properties.stage!.enum, Object.keys(ENUMS.stage));
  t.same(defs.Denial!.properties.source!.enum, Object.keys(ENUMS.source));
  t.same(defs.CheckExplain!.properties.decision!.enum, Object.keys(ENUMS.decision));
  // Optional in the model ⇔ not required in the schema.
  t.same(defs.RunResult!.required, ['schemaVersion', 'tool', 'runId', 'startedAt', 'verdict', 'target', 'identity', 'checks', 'leftovers', 'durationMs']);
  t.same(defs.CheckResult!.required, ['id', 'action', 'expect', 'outcome', 'ok', 'durationMs']);
  t.same(defs.Denial!.required, ['stage', 'source', 'explicit', 'code', 'message', 'httpStatus', 'requestId', 'hint']);
});
