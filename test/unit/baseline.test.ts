// --baseline: what changed since the last report (pure comparison of two reports).
import t from 'tap';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { applyBaseline, compareChecks, comparePolicies, matchTarget, parseBaseline, policyDigest, policyDigests, sinceLabel } from '../../src/core/baseline.js';
import type { RunResult } from '../../src/core/model.js';
import { renderJsonReport } from '../../src/report/json.js';
import { result, runDocument, schema } from '../fixtures/reports/load.js';

const later = (r: RunResult): RunResult => ({ ...structuredClone(r), startedAt: new Date(Date.parse(r.startedAt) + 86_400_000).toISOString() });

t.test('put-object allowed → denied, a check added and one gone', async (t) => {
  const before = result('pass');
  const now = later(before);
  const put = now.checks.find((c) => c.id === 'put-object')!;
  put.outcome = 'denied';
  put.ok = false;
  now.checks = now.checks.filter((c) => c.id !== 'abort-create');
  now.checks.push({ id: 'write-outside-prefix', action: 's3:PutObject', expect: 'deny', outcome: 'denied', ok: true, durationMs: 1 });
  t.same(compareChecks(now, before), [
    { check: 'put-object', action: 's3:PutObject', from: 'allowed', to: 'denied', since: before.startedAt },
    { check: 'write-outside-prefix', action: 's3:PutObject', from: 'absent', to: 'denied', since: before.startedAt },
    { check: 'abort-create', action: before.checks.find((c) => c.id === 'abort-create')!.action, from: 'allowed', to: 'absent', since: before.startedAt },
  ]);
  t.same(compareChecks(later(before), before), [], 'nothing changed: no changes');
});

t.test('targets match by run-file name, else by bucket, prefix, probe and role', async (t) => {
  const doc = runDocument();
  const named = doc.targets.find((r) => r.target.name)!;
  t.equal(matchTarget(later(named), doc.targets), named);
  const unnamed = result('pass');
  t.equal(matchTarget(later(unnamed), [unnamed]), unnamed);
  const other = later(unnamed);
  other.target.prefix = 'elsewhere/';
  t.equal(matchTarget(other, [unnamed]), undefined);
  const results = [later(unnamed)];
  applyBaseline(results, [unnamed]);
  t.same(results[0]!.changes, []);
  t.equal(results[0]!.policyChanges, undefined);
});

t.test('policy documents by digest, only when both runs had --explain', async (t) => {
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' }] };
  t.equal(policyDigest(doc), policyDigest(JSON.stringify({ Statement: doc.Statement, Version: doc.Version }, null, 2)), 'key order and spacing do not matter');
  t.match(policyDigest(doc), /^sha256:[0-9a-f]{64}$/);
  const before = result('office-ip');
  before.explain = { ...before.explain!, digests: policyDigests([{ name: 'bucket-policy', document: doc }, { name: 'role-inline:backup', document: doc }, null]) };
  const now = later(before);
  const changed = structuredClone(doc);
  changed.Statement.push({ Effect: 'Deny', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' });
  now.explain!.digests = policyDigests([{ name: 'bucket-policy', document: changed }, { name: 'role-inline:backup', document: doc }]);
  t.same(comparePolicies(now, before), [{ policy: 'bucket-policy', from: policyDigest(doc), to: policyDigest(changed), since: before.startedAt }]);
  const noExplain = later(before);
  delete noExplain.explain;
  t.same(comparePolicies(noExplain, before), [], 'no digests now: nothing is claimed');
});

t.test('a baseline file is a probe or run JSON report; anything else is a usage error', async (t) => {
  t.equal(parseBaseline(JSON.stringify(result('pass')), 'p.json').length, 1);
  t.equal(parseBaseline(JSON.stringify(runDocument()), 'r.json').length, runDocument().targets.length);
  t.throws(() => parseBaseline('{', 'x.json'), { name: 'UsageError', message: /"x.json" is not JSON/ });
  t.throws(() => parseBaseline('{"a":1}', 'x.json'), { name: 'UsageError', message: /not a backup-canary JSON report/ });
  t.equal(sinceLabel('2026-11-30T01:30:12.345Z'), '2026-11-30T01:30Z');
});

t.test('changes, policyChanges, digests and shard are in the JSON Schema', async (t) => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema());
  const before = result('office-ip');
  before.explain = { ...before.explain!, digests: policyDigests([{ name: 'bucket-policy', document: { Statement: [] } }]) };
  const now = later(before);
  now.explain!.digests = policyDigests([{ name: 'bucket-policy', document: { Statement: [{ Effect: 'Deny' }] } }]);
  before.checks = before.checks.slice(1); // a check the baseline run did not have: from "absent"
  now.shard = '0/2';
  applyBaseline([now], [before]);
  t.ok(now.changes!.length > 0 && now.policyChanges!.length === 1);
  t.ok(validate(JSON.parse(JSON.stringify(now))), JSON.stringify(validate.errors));
  const run = JSON.parse(renderJsonReport({ kind: 'run', results: [now], verdict: now.verdict, durationMs: 1, startedAt: now.startedAt }));
  t.equal(run.shard, '0/2');
  t.ok(validate(run), JSON.stringify(validate.errors));
  const broken = JSON.parse(JSON.stringify(now));
  broken.changes[0].from = 'gone';
  t.notOk(validate(broken), 'an unknown outcome is refused');
});
