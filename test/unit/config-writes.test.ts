// Configuration writes a backup service performs (issue 15 item 2): put-bucket-notification and
// put-inventory-configuration are never sent. The runner calls no adapter method for them (asserted on
// an adapter that records every method called); without --explain they are `not-probed` (they do not
// fail the verdict, and every format says they were not probed); with --explain the request each
// describes (action, bucket ARN, context) is evaluated over the policies read: outcome `evaluated`, a
// denied or undetermined evaluation fails the verdict. Recorded inputs: policies as readAwsPolicies
// returns them (test/integration/sources-rgw.test.ts runs it on a real RGW).
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Explainer } from '../../src/core/explainer.js';
import type { RunResult } from '../../src/core/model.js';
import { probe } from '../../src/core/probe.js';
import { generatePolicy } from '../../src/policy/generate.js';
import { replay } from '../../src/explain/replay.js';
import { afterExplain } from '../../src/explain/after-run.js';
import { loadDefinition } from '../../src/core/definition.js';
import type { AwsAdapter } from '../../src/providers/aws/adapter.js';
import { AwsExplainer, type AwsExplainOptions } from '../../src/providers/aws/explain.js';
import type { ReadPolicies } from '../../src/providers/aws/policies.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderPrometheus } from '../../src/report/prometheus.js';
import { singleRun } from '../../src/report/common.js';
import { renderText } from '../../src/report/text.js';
import { MemoryAdapter } from '../helpers/memory-adapter.js';
import { REPORT_FIXTURES, schema } from '../fixtures/reports/load.js';

const xsdDir = mkdtempSync(join(tmpdir(), 'junit-xsd-'));
t.teardown(() => rmSync(xsdDir, { recursive: true, force: true }));
/** xmllint against the JUnit schema CI servers read (as test/unit/report-junit.test.ts does). */
function junitValid(xml: string): string {
  const file = join(xsdDir, `r${Math.random().toString(16).slice(2)}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', join(REPORT_FIXTURES, 'junit.xsd'), file], { encoding: 'utf8' });
  return r.status === 0 ? 'valid' : `${r.status}: ${r.stderr}${r.error ? String(r.error) : ''}`;
}
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validate = ajv.compile(schema());

const ROLE = 'arn:aws:iam::000000000000:role/r';
const WRITES = ['put-bucket-notification', 'put-inventory-configuration'] as const;
const expectations = { 'head-bucket': 'allow', 'put-bucket-notification': 'allow', 'put-inventory-configuration': 'allow' } as const;
const target = { provider: 'aws', bucket: 'mem', prefix: 'p/', region: null, endpoint: null, role: ROLE, probe: 'aws-backup-s3' };

/** Every method the runner calls on the adapter, by name (describeRequest and identity are bookkeeping). */
function recording(a: MemoryAdapter): { adapter: MemoryAdapter; called: string[] } {
  const called: string[] = [];
  const adapter = new Proxy(a, {
    get(obj, name, recv) {
      const v = Reflect.get(obj, name, recv) as unknown;
      if (typeof v !== 'function' || name === 'describeRequest' || name === 'identity') return v;
      return (...args: unknown[]) => {
        called.push(String(name));
        return (v as (...x: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
  return { adapter, called };
}

function explainerWith(read: ReadPolicies): Explainer {
  const options: AwsExplainOptions = {
    bucket: 'mem', prefix: 'p/', region: 'us-east-1', endpoint: null, pathStyle: false, timeoutMs: 1000, roleArn: ROLE, sessionName: 's',
    externalId: null, sessionPolicy: null, explainProfile: null, sourceIp: '192.0.2.1', sourceVpc: null, sourceVpce: null, callerArn: null,
    scpFiles: [], rcpFiles: [],
  };
  const aws = { assumedRoleId: () => 'AROAEXAMPLE:s', sourceCredentialsForExplain: () => ({ accessKeyId: 'x', secretAccessKey: 'y' }) } as unknown as AwsAdapter;
  const e = new AwsExplainer(aws, options);
  return { explain: async (r: RunResult) => e.explainRead(r, read) };
}

function readOf(actions: string[]): ReadPolicies {
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket', ...actions], Resource: 'arn:aws:s3:::mem' }] };
  return { bucketPolicy: null, trust: null, boundary: null, identity: [{ name: 'role-inline:backup', document: JSON.stringify(doc) }], read: ['role-inline:backup'], notVisible: [] };
}

async function run(explainer?: Explainer, ex: Record<string, 'allow' | 'deny' | 'any'> = expectations) {
  const { adapter, called } = recording(new MemoryAdapter());
  const r = await probe({
    adapter,
    target,
    version: 't',
    plan: { prefix: 'p/', runId: '20261202T000000Z-abcdef', partSize: 5 << 20, quick: true, assume: true, expectations: ex },
    ...(explainer ? { explainer } : {}),
  });
  return { r, called, by: Object.fromEntries(r.checks.map((c) => [c.id, c])) };
}

t.test('never sent: no adapter method is called for a configuration write; without --explain: not probed, not a failure', async (t) => {
  const { r, called, by } = await run();
  t.same(called, ['assumeRole', 'headBucket'], 'only the checks that are sent reach the adapter');
  for (const id of WRITES) {
    t.match(by[id], { outcome: 'not-probed', ok: true, durationMs: 0, reason: /never sent.*--explain evaluates it/ }, id);
    t.notOk(by[id]!.denial || by[id]!.explain, `${id}: no denial, no evaluation`);
  }
  t.same(by['put-bucket-notification']!.request, { action: 's3:PutBucketNotification', resource: 'arn:aws:s3:::mem', context: {} });
  t.same(by['put-inventory-configuration']!.request, { action: 's3:PutInventoryConfiguration', resource: 'arn:aws:s3:::mem', context: {} });
  t.equal(r.verdict, 'pass', 'not probed is not a failure');
  t.ok(validate(r), JSON.stringify(validate.errors));

  const text = renderText(r, { color: false });
  t.match(text, /○ s3:PutBucketNotification\s+put-bucket-notification\s+not probed: never sent/);
  t.match(text, /PASS .*2 not probed; every expectation met but 2 not probed \(never sent: --explain evaluates them\)/);
  const md = renderMarkdown(singleRun(r));
  t.match(md, /\| ⚪ \| `put-inventory-configuration` \| `s3:PutInventoryConfiguration` \| not probed \(expected allowed\) \| never sent/);
  const junit = renderJunit(singleRun(r), { hostname: 'h' });
  t.equal(junitValid(junit), 'valid', 'valid JUnit');
  t.match(junit, /<testcase classname="[^"]*" name="put-bucket-notification \(s3:PutBucketNotification\) \[not probed\]" time="0.000"\/>/);
  t.match(junit, /not probed: put-inventory-configuration \(s3:PutInventoryConfiguration\): never sent/);
  const prom = renderPrometheus(singleRun(r));
  t.notMatch(prom, /backup_canary_check_success\{[^}]*check="put-bucket-notification"/, 'no success sample: neither met nor failed');
  t.match(prom, /backup_canary_check_outcome\{[^}]*check="put-bucket-notification"[^}]*outcome="not-probed"\} 1/);
  t.match(prom, /backup_canary_success\{[^}]*\} 1/);
});

t.test('--explain: the request each describes is evaluated; allowed meets allow, a deny fails with the fix', async (t) => {
  const { r, called, by } = await run(explainerWith(readOf(['s3:PutBucketNotification'])));
  t.same(called, ['assumeRole', 'headBucket'], 'still never sent');
  t.match(by['put-bucket-notification'], { outcome: 'evaluated', ok: true, explain: { decision: 'allowed' }, reason: /never sent.*evaluated over the policies read, allowed/ });
  const inv = by['put-inventory-configuration']!;
  t.match(inv, { outcome: 'evaluated', ok: false, explain: { decision: 'implicit-deny', decidedBy: 'identity-policy' } });
  t.match(inv.explain!.fix, { policy: 'identity', safe: true, snippet: { Statement: [{ Effect: 'Allow', Action: ['s3:PutInventoryConfiguration'], Resource: 'arn:aws:s3:::mem' }] } }, 'a proven fix on the bucket ARN');
  t.same(inv.explain!.input!.request.action, 's3:PutInventoryConfiguration', 'the evaluated request is recorded (explain --replay)');
  t.equal(r.verdict, 'fail', 'an evaluated deny fails: a PASS must mean the backup succeeds');
  t.ok(validate(r), JSON.stringify(validate.errors));

  const text = renderText(r, { color: false });
  t.match(text, /✓ s3:PutBucketNotification\s+put-bucket-notification\s+evaluated: allowed \(never sent\)/);
  t.match(text, /✗ s3:PutInventoryConfiguration\s+put-inventory-configuration\s+evaluated: implicit-deny \(never sent\)\n\s+why: .*\n\s+fix: /);
  t.match(text, /1 evaluated|2 evaluated/);
  const junit = renderJunit(singleRun(r), { hostname: 'h' });
  t.equal(junitValid(junit), 'valid', 'valid JUnit');
  t.match(junit, /<failure type="evaluated-implicit-deny" message="s3:PutInventoryConfiguration \(never sent\) evaluates to implicit-deny, expected allowed/);
  t.notMatch(junit, /put-bucket-notification[^\n]*\n\s*<failure/, 'the allowed one passes');
  const md = renderMarkdown(singleRun(r));
  t.match(md, /evaluated: implicit-deny, never sent \(expected allowed\)/);
  t.match(md, /- `put-inventory-configuration` \(never sent\): /);
  const prom = renderPrometheus(singleRun(r));
  t.match(prom, /backup_canary_check_success\{[^}]*check="put-inventory-configuration"[^}]*\} 0/);
  t.match(prom, /backup_canary_check_outcome\{[^}]*check="put-bucket-notification"[^}]*outcome="evaluated"\} 1/);
});

t.test('--explain: both allowed passes; undetermined does not; expected deny and allowed is over-privileged', async (t) => {
  const both = await run(explainerWith(readOf(['s3:PutBucketNotification', 's3:PutInventoryConfiguration'])));
  t.equal(both.r.verdict, 'pass');
  for (const id of WRITES) t.match(both.by[id], { outcome: 'evaluated', ok: true }, id);

  // a condition on a key the tool cannot know (aws:SourceIp is unset in this explainer's run): undetermined
  const conditioned: ReadPolicies = readOf([]);
  conditioned.identity.push({
    name: 'role-inline:ip',
    document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Put*', Resource: 'arn:aws:s3:::mem', Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1' } } }] }),
  });
  const u = await run(explainerWith(conditioned));
  t.equal(u.by['put-bucket-notification']!.explain!.decision, 'undetermined');
  t.equal(u.by['put-bucket-notification']!.ok, false, 'undetermined does not meet allow');
  t.equal(u.r.verdict, 'fail');

  const over = await run(explainerWith(readOf(['s3:PutBucketNotification'])), { ...expectations, 'put-bucket-notification': 'deny', 'put-inventory-configuration': 'deny' });
  t.match(over.by['put-bucket-notification'], { outcome: 'evaluated', ok: false, finding: 'over-privileged' }, 'allowed where a denial is required');
  t.match(over.by['put-inventory-configuration'], { outcome: 'evaluated', ok: true }, 'denied as required');
  t.ok(validate(over.r), JSON.stringify(validate.errors));
});

t.test('explain --replay: a policy change that would deny an evaluated configuration write is named (newly-denied)', async (t) => {
  const { r } = await run(explainerWith(readOf(['s3:PutBucketNotification', 's3:PutInventoryConfiguration'])));
  afterExplain(r, undefined); // the documents go into the report once, as the probe command does (src/core/run.ts)
  const narrower = { name: 'identity:new.json', document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:PutInventoryConfiguration'], Resource: 'arn:aws:s3:::mem' }] }) };
  const out = replay([r], { identity: [narrower] });
  t.match(out.checks.find((c) => c.id === 'put-bucket-notification'), { before: 'allowed', after: 'implicit-deny', change: 'newly-denied' });
  t.match(out.checks.find((c) => c.id === 'put-inventory-configuration'), { change: 'unchanged' });
  t.equal(out.verdict, 'fail');
});

t.test('policy: aws-backup-s3 grants the two configuration writes on the bucket; a definition expecting them denied does not', async (t) => {
  const g = generatePolicy({ profile: loadDefinition('aws-backup-s3'), bucket: 'b', prefix: 'p/', provider: 'aws' });
  const bucketLevel = g.identity.Statement.find((s) => [s.Action].flat().includes('s3:PutBucketNotification'));
  t.same(bucketLevel?.Resource, 'arn:aws:s3:::b');
  t.ok([bucketLevel!.Action].flat().includes('s3:PutInventoryConfiguration'));
  const def = { ...loadDefinition('aws-backup-s3') };
  def.checks = { ...def.checks, 'put-bucket-notification': 'deny', 'put-inventory-configuration': 'deny' };
  const d = generatePolicy({ profile: def, bucket: 'b', prefix: 'p/', provider: 'aws' });
  t.notOk(d.identity.Statement.flatMap((s) => [s.Action].flat()).some((a) => /PutBucketNotification|PutInventoryConfiguration/.test(a)));
});
