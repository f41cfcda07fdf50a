// probe/run --explain with SCPs by organisation level (--scp-level LEVEL=FILE) and the VPC endpoint
// policy (--vpce-policy FILE) reach the AWS explainer's evaluation of each check (issue 12 items 4 and
// 8). The checks are recorded inputs (requests as the adapter records them, policies as
// readAwsPolicies returns them); test/integration/scp-levels-rgw.test.ts runs the same on a real RGW.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult, RunResult } from '../../src/core/model.js';
import { AwsExplainer, type AwsExplainOptions } from '../../src/providers/aws/explain.js';
import type { AwsAdapter } from '../../src/providers/aws/adapter.js';
import type { ReadPolicies } from '../../src/providers/aws/policies.js';
import { hoistPolicies } from '../../src/explain/record.js';
import { runCli } from '../helpers/cli.js';

const ACCT = '111122223333';
const ROLE = `arn:aws:iam::${ACCT}:role/backup`;
const SESSION = `arn:aws:sts::${ACCT}:assumed-role/backup/canary`;
const KEY = `arn:aws:kms:eu-west-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SSE = { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY };

const dir = mkdtempSync(join(tmpdir(), 'scp-levels-'));
const file = (name: string, statements: unknown[]) => {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify({ Version: '2012-10-17', Statement: statements }));
  return f;
};
const FULL = file('root.json', [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
const READS = file('ou.json', [{ Effect: 'Allow', Action: ['s3:Get*', 'kms:*'], Resource: '*' }]);
const WRITES = file('ou-writes.json', [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }]);
const KEY_POLICY = file('key.json', [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' }]);

function check(id: string, action: string, outcome: 'allowed' | 'denied', context: Record<string, string> = {}): CheckResult {
  return {
    id,
    action,
    expect: 'allow',
    outcome,
    ok: outcome === 'allowed',
    durationMs: 1,
    request: { action, resource: `arn:aws:s3:::b/p/${id}`, context },
    ...(outcome === 'denied' ? { denial: { stage: 'object', source: 'unknown', explicit: null, code: 'AccessDenied', message: 'Access Denied', httpStatus: 403, requestId: 'R1', hint: '', rule: 'aws.s3.access-denied' } } : {}),
  } as CheckResult;
}

const run = (checks: CheckResult[]) => ({ target: { name: 'nightly', bucket: 'b', prefix: 'p/' }, checks, identity: { source: `arn:aws:iam::${ACCT}:user/ops`, assumedRoleArn: SESSION } }) as unknown as RunResult;

const read: ReadPolicies = {
  bucketPolicy: null,
  trust: null,
  boundary: null,
  identity: [{ name: 'role-inline:backup', document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject', 'kms:*'], Resource: '*' }] }) }],
  read: ['role-inline:backup'],
  notVisible: [],
};
const adapter = { assumedRoleId: () => 'AROAEXAMPLE:canary', sourceCredentialsForExplain: () => ({ accessKeyId: 'x', secretAccessKey: 'y' }) } as unknown as AwsAdapter;

function options(extra: Partial<AwsExplainOptions>): AwsExplainOptions {
  return {
    bucket: 'b', prefix: 'p/', region: 'eu-west-1', endpoint: null, pathStyle: false, timeoutMs: 1000, roleArn: ROLE, sessionName: 'canary',
    externalId: null, sessionPolicy: null, explainProfile: null, sourceIp: '198.51.100.7', sourceVpc: null, sourceVpce: null, callerArn: null,
    scpFiles: [], rcpFiles: [], kmsKeyPolicyFile: null, ...extra,
  };
}

t.test('SCPs by level: the OU level that allows only reads decides the write; the same files as one level allow it', async (t) => {
  const put = check('put-object', 's3:PutObject', 'denied');
  const get = check('get-object', 's3:GetObject', 'allowed');
  const r = run([put, get]);
  new AwsExplainer(adapter, options({ scpLevels: [{ level: 'root', file: FULL }, { level: 'ou-backup', file: READS }] })).explainRead(r, read);
  t.match(put.explain, { decision: 'implicit-deny', decidedBy: 'scp', source: { source: 'scp' } });
  t.match(get.explain, { decision: 'allowed' });
  t.same(r.explain!.read, ['role-inline:backup', `scp:root:${FULL}`, `scp:ou-backup:${READS}`]);
  t.ok(r.explain!.digests?.[`scp:ou-backup:${READS}`], 'each level policy has a digest');
  t.notOk(r.explain!.warnings.some((w) => /no SCPs given/.test(w)));
  t.same(put.explain!.input?.policies.scp, [`scp:root:${FULL}`, `scp:ou-backup:${READS}`], 'the record names both, for replay');

  const put1 = check('put-object', 's3:PutObject', 'denied');
  const r1 = run([put1]);
  new AwsExplainer(adapter, options({ scpFiles: [FULL, READS] })).explainRead(r1, read);
  t.match(put1.explain, { decision: 'allowed' }, '--scp a --scp b: one level, a union');
  t.match(put1.explain!.mismatch, /^the service denied s3:PutObject, but the policies read allow it/);

  const put2 = check('put-object', 's3:PutObject', 'allowed');
  const r2 = run([put2]);
  new AwsExplainer(adapter, options({ scpLevels: [{ level: 'root', file: FULL }, { level: 'ou-backup', file: READS }, { level: 'ou-backup', file: WRITES }] })).explainRead(r2, read);
  t.match(put2.explain, { decision: 'allowed' }, 'two files at the OU level are a union');
  t.notOk(put2.explain!.mismatch);
});

t.test('--vpce-policy: the S3 requests are evaluated against it, the KMS call S3 makes is not', async (t) => {
  const thisBucket = file('vpce-b.json', [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] }]);
  const other = file('vpce-other.json', [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::other/*' }]);

  const put = check('put-object', 's3:PutObject', 'allowed', SSE);
  const r = run([put]);
  new AwsExplainer(adapter, options({ vpcePolicyFile: thisBucket, kmsKeyPolicyFile: KEY_POLICY })).explainRead(r, read);
  // the endpoint policy allows only s3:*: applied to kms:GenerateDataKey it would deny it
  t.match(put.explain, { decision: 'allowed', kms: { action: 'kms:GenerateDataKey', explain: { decision: 'allowed' } } });
  t.ok(r.explain!.read.includes(`vpce-policy:${thisBucket}`));
  t.same(put.explain!.input?.policies.vpce, [`vpce-policy:${thisBucket}`]);

  const denied = check('put-object', 's3:PutObject', 'denied');
  const r2 = run([denied]);
  new AwsExplainer(adapter, options({ vpcePolicyFile: other })).explainRead(r2, read);
  t.match(denied.explain, { decision: 'implicit-deny', decidedBy: 'vpc-endpoint-policy', source: { source: 'vpc-endpoint-policy' } });

  // what the evaluation could not see no longer lists VPC endpoint policies once one is given
  const unexplained = check('put-object', 's3:PutObject', 'denied');
  new AwsExplainer(adapter, options({ vpcePolicyFile: thisBucket })).explainRead(run([unexplained]), read);
  t.match(unexplained.explain!.mismatch, /could not see \([^)]*ACLs/);
  t.notMatch(unexplained.explain!.mismatch, /VPC endpoint policies/);
  const without = check('put-object', 's3:PutObject', 'denied');
  new AwsExplainer(adapter, options({})).explainRead(run([without]), read);
  t.match(without.explain!.mismatch, /VPC endpoint policies, ACLs/);
});

t.test('explain --replay --scp-level / --vpce-policy: the recorded requests against SCPs by level and a new endpoint policy', async (t) => {
  const put = check('put-object', 's3:PutObject', 'allowed', SSE);
  const get = check('get-object', 's3:GetObject', 'allowed');
  const r = run([put, get]);
  new AwsExplainer(adapter, options({ scpFiles: [FULL], kmsKeyPolicyFile: KEY_POLICY })).explainRead(r, read);
  hoistPolicies(r);
  const report = join(dir, 'report.json');
  writeFileSync(report, JSON.stringify(r));

  let x = await runCli(['explain', '--replay', report, '--scp-level', `root=${FULL}`, '--scp-level', `ou-backup=${READS}`, '--format', 'json']);
  t.equal(x.code, 1, x.stderr);
  const out = JSON.parse(x.stdout) as { checks: Array<{ id: string; action: string; change: string; after: string }> };
  t.match(out.checks.find((c) => c.id === 'put-object' && c.action === 's3:PutObject'), { change: 'newly-denied', after: 'implicit-deny' }, 'the OU level that allows only reads denies the write');
  t.match(out.checks.find((c) => c.id === 'get-object'), { change: 'unchanged' });

  x = await runCli(['explain', '--replay', report, '--scp', FULL, '--scp', READS, '--format', 'json']);
  t.equal(x.code, 0, 'the same files as one level: a union, nothing newly denied');

  const other = file('vpce-replay.json', [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::other/*' }]);
  x = await runCli(['explain', '--replay', report, '--vpce-policy', other, '--format', 'json']);
  t.equal(x.code, 1, x.stderr);
  const v = JSON.parse(x.stdout) as { checks: Array<{ id: string; action: string; change: string }> };
  t.match(v.checks.find((c) => c.id === 'put-object' && c.action === 's3:PutObject'), { change: 'newly-denied' });
  t.match(v.checks.find((c) => c.action === 'kms:GenerateDataKey'), { change: 'unchanged' }, 'the KMS call S3 makes does not pass through the endpoint');

  for (const [argv, re] of [
    [['explain', '--replay', report, '--scp', FULL, '--scp-level', `root=${FULL}`], /--scp and --scp-level: use one/],
    [['explain', '--replay', report, '--scp-level', 'root'], /--scp-level: "root" is not LEVEL=FILE/],
    [['explain', '--replay', report, '--vpce-policy', join(dir, 'missing.json')], /--vpce-policy: cannot read ".*missing\.json": ENOENT/],
  ] as [string[], RegExp][]) {
    const e = await runCli(argv);
    t.equal(e.code, 2, argv.join(' '));
    t.match(e.stderr, re);
  }

  // every other layer replay replaces: a boundary, session policies, the KMS key policy; nothing is ignored
  const readsOnly = file('boundary-replay.json', [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]);
  for (const flag of ['--boundary', '--session-policy']) {
    x = await runCli(['explain', '--replay', report, flag, readsOnly, '--format', 'json']);
    t.equal(x.code, 1, `${flag}: ${x.stderr}`);
    const b = JSON.parse(x.stdout) as { checks: Array<{ id: string; action: string; change: string }> };
    t.match(b.checks.find((c) => c.id === 'put-object' && c.action === 's3:PutObject'), { change: 'newly-denied' }, `${flag} that allows only reads denies the write`);
    t.match(b.checks.find((c) => c.id === 'get-object' && c.action === 's3:GetObject'), { change: 'unchanged' });
  }
  const noKey = file('key-replay.json', [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/admin' }, Action: 'kms:*', Resource: '*' }]);
  x = await runCli(['explain', '--replay', report, '--kms-key-policy', noKey, '--format', 'json']);
  t.equal(x.code, 1, x.stderr);
  const k = JSON.parse(x.stdout) as { checks: Array<{ id: string; action: string; change: string }> };
  t.match(k.checks.find((c) => c.action === 'kms:GenerateDataKey'), { change: 'newly-denied' }, 'a key policy without the role denies the KMS call');
  t.match(k.checks.find((c) => c.id === 'put-object' && c.action === 's3:PutObject'), { change: 'unchanged' }, 'the S3 request itself is not a KMS action');
  for (const argv of [
    ['--action', 's3:PutObject'],
    ['--context', 'aws:SourceIp=10.0.0.1'],
    ['--store', 'ceph-rgw'],
    ['--principal-type', 'anonymous'],
  ]) {
    const e = await runCli(['explain', '--replay', report, '--bucket-policy', readsOnly, ...argv]);
    t.equal(e.code, 2, argv.join(' '));
    t.match(e.stderr, new RegExp(`^backup-canary: ${argv[0]} does not apply with --replay`), 'refused, never ignored');
  }
});
