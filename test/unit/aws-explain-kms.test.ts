// The KMS key-policy layer for a probe whose writes use SSE-KMS (issue 12 item 4): the KMS call S3
// makes for each check (uploads kms:GenerateDataKey; reads of the run's objects and multipart parts
// kms:Decrypt) is evaluated against --kms-key-policy; without the file and without a read through
// kms:GetKeyPolicy (test/unit/aws-kms-read.test.ts) the key policy is recorded as not read and what
// would supply it. Ceph RGW has no KMS: the checks are recorded
// inputs (requests as the adapter records them, policies as readAwsPolicies returns them).
import t from 'tap';
import type { CheckResult, RunResult } from '../../src/core/model.js';
import { AwsExplainer, type AwsExplainOptions } from '../../src/providers/aws/explain.js';
import type { AwsAdapter } from '../../src/providers/aws/adapter.js';
import type { ReadPolicies } from '../../src/providers/aws/policies.js';
import { kmsActionOf, kmsKeyArn, kmsWrites } from '../../src/providers/aws/kms.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ACCT = '111122223333';
const ROLE = `arn:aws:iam::${ACCT}:role/backup`;
const SESSION = `arn:aws:sts::${ACCT}:assumed-role/backup/canary`;
const KEY = `arn:aws:kms:eu-west-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SSE = { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY };

function check(id: string, action: string, key: string, outcome: 'allowed' | 'denied', context: Record<string, string> = {}, message = ''): CheckResult {
  return {
    id,
    action,
    expect: 'allow',
    outcome,
    ok: outcome === 'allowed',
    durationMs: 1,
    request: { action, resource: `arn:aws:s3:::b/p/${key}`, context },
    ...(outcome === 'denied'
      ? { denial: { stage: 'object', source: 'kms', explicit: null, code: 'AccessDenied', message, httpStatus: 403, requestId: 'R1', hint: '', rule: 'aws.s3.kms' } }
      : {}),
  } as CheckResult;
}

function run(checks: CheckResult[]): RunResult {
  return { checks, identity: { source: `arn:aws:iam::${ACCT}:user/ops`, assumedRoleArn: SESSION } } as unknown as RunResult;
}

const S3_ALLOW = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::b/p/*' }] };
const read: ReadPolicies = {
  bucketPolicy: null,
  trust: null,
  boundary: null,
  identity: [{ name: 'role-inline:backup', document: JSON.stringify(S3_ALLOW) }],
  read: ['role-inline:backup'],
  notVisible: [],
};
const adapter = { assumedRoleId: () => 'AROAEXAMPLE:canary', sourceCredentialsForExplain: () => ({ accessKeyId: 'x', secretAccessKey: 'y' }) } as unknown as AwsAdapter;

function options(kmsKeyPolicyFile: string | null): AwsExplainOptions {
  return {
    bucket: 'b', prefix: 'p/', region: 'eu-west-1', endpoint: null, pathStyle: false, timeoutMs: 1000, roleArn: ROLE, sessionName: 'canary',
    externalId: null, sessionPolicy: null, explainProfile: null, sourceIp: null, sourceVpc: null, sourceVpce: null, callerArn: null,
    scpFiles: [], rcpFiles: [], kmsKeyPolicyFile,
  };
}

function keyPolicyFile(statements: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'kms-'));
  const f = join(dir, 'key-policy.json');
  writeFileSync(f, JSON.stringify({ Version: '2012-10-17', Statement: statements }));
  return f;
}

const ROOT = { Sid: 'root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' };

t.test('which KMS call each check makes', async (t) => {
  const put = check('put-object', 's3:PutObject', 'c', 'allowed', SSE);
  const plain = check('put-object', 's3:PutObject', 'c', 'allowed');
  t.same(kmsWrites([plain]), null, 'no write asked for SSE-KMS');
  t.same(kmsWrites([plain, put]), { keyId: KEY });
  t.equal(kmsActionOf(put), 'kms:GenerateDataKey');
  t.equal(kmsActionOf(check('multipart-create', 's3:PutObject', 'm', 'allowed', SSE)), 'kms:GenerateDataKey');
  t.equal(kmsActionOf(check('multipart-upload-part-1', 's3:PutObject', 'm', 'allowed')), 'kms:Decrypt');
  t.equal(kmsActionOf(check('multipart-complete', 's3:PutObject', 'm', 'allowed')), 'kms:Decrypt');
  t.equal(kmsActionOf(check('get-object', 's3:GetObject', 'c', 'allowed')), 'kms:Decrypt');
  t.equal(kmsActionOf(check('read-missing-object', 's3:GetObject', 'x', 'allowed')), null, 'a key never written has nothing to decrypt');
  t.equal(kmsActionOf(check('head-object', 's3:GetObject', 'c', 'allowed')), null);
  t.equal(kmsKeyArn('1234abcd-12ab-34cd-56ef-1234567890ab', 'aws', 'eu-west-1', ACCT), KEY);
  t.equal(kmsKeyArn('alias/backup', 'aws', 'eu-west-1', ACCT), null, 'an alias does not name the key');
  t.equal(kmsKeyArn(null, 'aws', 'eu-west-1', ACCT), null);
});

t.test('a key policy without the role: the denied upload is explained by the KMS key policy, with a proven fix', async (t) => {
  const file = keyPolicyFile([{ Sid: 'admins', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/admin` }, Action: 'kms:*', Resource: '*' }]);
  const put = check('put-object', 's3:PutObject', 'c', 'denied', SSE, `User: ${SESSION} is not authorized to perform: kms:GenerateDataKey on this resource because no resource-based policies allow access`);
  const get = check('read-missing-object', 's3:GetObject', 'x', 'allowed');
  const r = run([put, get]);
  new AwsExplainer(adapter, options(file)).explainRead(r, read);
  t.ok(r.explain!.read.includes(`kms-key-policy:${file}`), 'the key policy is listed as read');
  t.same(r.explain!.notVisible, []);
  t.match(put.explain, { decision: 'implicit-deny', decidedBy: 'kms-key-policy', kms: { action: 'kms:GenerateDataKey', resource: KEY, explain: { decision: 'implicit-deny', decidedBy: 'kms-key-policy' } } });
  t.notOk(put.explain!.mismatch, 'no "the policies read allow it" mismatch: the KMS call explains the denial');
  t.match(put.explain!.summary, /s3:PutObject is allowed by the policies read; the kms:GenerateDataKey call it makes on arn:aws:kms:/);
  t.match(put.explain!.fix, { policy: 'kms', snippet: { Effect: 'Allow', Principal: { AWS: ROLE }, Action: ['kms:GenerateDataKey'], Resource: KEY } });
  t.equal(put.explain!.input?.request.action, 's3:PutObject', 'the recorded input stays the S3 request');
  t.ok(r.explain!.digests?.[`kms-key-policy:${file}`], 'the key policy has a digest');
  t.notOk(get.explain?.kms, 'a read of a key never written makes no KMS call');
});

t.test('a key policy that delegates to the account: the identity policy must allow the KMS action too', async (t) => {
  const file = keyPolicyFile([ROOT]);
  const put = check('put-object', 's3:PutObject', 'c', 'denied', SSE, 'kms:GenerateDataKey');
  const r = run([put]);
  new AwsExplainer(adapter, options(file)).explainRead(r, read);
  t.match(put.explain, { decision: 'implicit-deny', decidedBy: 'identity-policy', kms: { explain: { decidedBy: 'identity-policy' } } });
  // the role policy's fix grants the KMS action on the key, not on the bucket's objects (where it would not apply)
  t.match(put.explain!.fix, { policy: 'identity', snippet: { Statement: [{ Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: KEY }] } });
  t.match(put.explain!.fix!.summary, new RegExp(`grants only kms:GenerateDataKey on ${KEY.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`));
  t.ok(put.explain!.fix!.proof, 'the fix was proven before it is shown');
  const withKms = { ...read, identity: [...read.identity, { name: 'role-inline:kms', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: KEY }] } }] };
  const ok = check('put-object', 's3:PutObject', 'c', 'allowed', SSE);
  const r2 = run([ok, check('get-object', 's3:GetObject', 'c', 'allowed')]);
  new AwsExplainer(adapter, options(file)).explainRead(r2, withKms);
  t.match(ok.explain, { decision: 'allowed', kms: { action: 'kms:GenerateDataKey', explain: { decision: 'allowed' } } });
  t.match(r2.checks[1]!.explain, { decision: 'allowed', kms: { action: 'kms:Decrypt', explain: { decision: 'allowed' } } });
});

t.test('a Deny in the key policy on the KMS call is an explicit deny of the check', async (t) => {
  const file = keyPolicyFile([ROOT, { Sid: 'noBackupDecrypt', Effect: 'Deny', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' }]);
  const ident = { ...read, identity: [...read.identity, { name: 'role-inline:kms', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: KEY }] } }] };
  const get = check('get-object', 's3:GetObject', 'c', 'denied', {}, 'kms:Decrypt');
  const r = run([check('put-object', 's3:PutObject', 'c', 'allowed', SSE), get]);
  new AwsExplainer(adapter, options(file)).explainRead(r, ident);
  t.match(get.explain, { decision: 'explicit-deny', decidedBy: 'kms-key-policy', statement: { policy: `kms-key-policy:${file}`, sid: 'noBackupDecrypt', effect: 'Deny' } });
});

t.test('without --kms-key-policy: the key policy is not read, and the explain summary says what would supply it', async (t) => {
  const put = check('put-object', 's3:PutObject', 'c', 'denied', SSE, 'kms:GenerateDataKey');
  const r = run([put]);
  new AwsExplainer(adapter, options(null)).explainRead(r, read);
  t.match(r.explain!.notVisible, [{ policy: `kms-key-policy of ${KEY}`, why: /^kms:GetKeyPolicy was not called/ }]);
  t.match(put.explain, { decision: 'undetermined', kms: { explain: { decision: 'undetermined', unread: [{ readWith: /--kms-key-policy FILE/ }] } } });
  t.notOk(put.explain!.fix, 'no fix for a layer that was not read');
  t.notOk(put.explain!.mismatch);
});

t.test('writes without SSE-KMS: no KMS layer; a given key policy is reported as not evaluated', async (t) => {
  const put = check('put-object', 's3:PutObject', 'c', 'allowed');
  const r = run([put]);
  new AwsExplainer(adapter, options(keyPolicyFile([ROOT]))).explainRead(r, read);
  t.notOk(put.explain?.kms);
  t.same(r.explain!.notVisible, []);
  t.ok(r.explain!.warnings.some((w) => /--kms-key-policy was given, but no write of this run uses SSE-KMS/.test(w)));
});

t.test('an unknown key (alias): the KMS call is undetermined and says why', async (t) => {
  const put = check('put-object', 's3:PutObject', 'c', 'allowed', { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': 'alias/backup' });
  const r = run([put]);
  new AwsExplainer(adapter, options(keyPolicyFile([ROOT]))).explainRead(r, read);
  t.match(put.explain, { decision: 'allowed', kms: { resource: 'unknown', explain: { decision: 'undetermined', summary: /SSE-KMS key is not known/ } } });
});

t.test('probe --explain --kms-key-policy: a bad file is exit 2 before any request, naming the flag', async (t) => {
  const { prepareTarget } = await import('../../src/core/run.js');
  const { withDefaults } = await import('../../src/core/options.js');
  const dir = mkdtempSync(join(tmpdir(), 'kms-bad-'));
  const dup = join(dir, 'dup.json');
  writeFileSync(dup, '{"Version":"2012-10-17","Statement":[],"Statement":[]}');
  const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'eu-west-1', AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') };
  const req = (file: string) => withDefaults<Parameters<typeof prepareTarget>[0]>({ role: ROLE, bucket: 'corp-backups', prefix: 'p/', explain: true, 'kms-key-policy': file });
  await t.rejects(prepareTarget(req(join(dir, 'missing.json')), '', env), { name: 'UsageError', message: /^--kms-key-policy: cannot read ".*missing\.json"/ });
  await t.rejects(prepareTarget(req(dup), '', env), { name: 'UsageError', message: /^--kms-key-policy: .*Statement/ });
  const good = keyPolicyFile([ROOT]);
  const p = await prepareTarget(req(good), '', env);
  t.equal(p.explain?.kmsKeyPolicyFile, good);
});

t.test('explain --replay also replays the KMS calls: an identity policy without kms:Decrypt is newly denied', async (t) => {
  const { hoistPolicies } = await import('../../src/explain/record.js');
  const { replay } = await import('../../src/explain/replay.js');
  const file = keyPolicyFile([ROOT]);
  const withKms = { ...read, identity: [...read.identity, { name: 'role-inline:kms', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: KEY }] } }] };
  const r = run([check('put-object', 's3:PutObject', 'c', 'allowed', SSE), check('get-object', 's3:GetObject', 'c', 'allowed')]);
  (r as unknown as { target: { name: string } }).target = { name: 'kms-target' };
  new AwsExplainer(adapter, options(file)).explainRead(r, withKms);
  hoistPolicies(r);
  t.ok(r.explain!.policies?.[`kms-key-policy:${file}`], 'the key policy document is in the report');
  const same = replay([r], {});
  t.equal(same.verdict, 'pass');
  t.same(same.checks.map((c) => `${c.id} ${c.action} ${c.change}`), ['put-object s3:PutObject unchanged', 'put-object kms:GenerateDataKey unchanged', 'get-object s3:GetObject unchanged', 'get-object kms:Decrypt unchanged']);
  const s3Only = replay([r], { identity: read.identity });
  t.equal(s3Only.verdict, 'fail');
  t.same(s3Only.checks.filter((c) => c.change === 'newly-denied').map((c) => `${c.id} ${c.action}`), ['put-object kms:GenerateDataKey', 'get-object kms:Decrypt']);
});
