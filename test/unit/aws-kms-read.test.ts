// The KMS key-policy layer read through kms:GetKeyPolicy (issue 12 item 4) and the User-Agent the
// S3 requests carried (item 2), over the wire: the KMS reads against test/kms-server (AWS JSON 1.1,
// SigV4 verified), the User-Agent against a local HTTP server that records the header it received.
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { startKmsServer } from '../kms-server/index.js';
import { readKeyPolicy, type KmsReadOptions } from '../../src/providers/aws/kms-read.js';
import { configuredKmsEndpoint } from '../../src/providers/aws/config.js';
import { UserAgentLog } from '../../src/providers/aws/user-agent.js';
import { AwsExplainer, type AwsExplainOptions } from '../../src/providers/aws/explain.js';
import type { AwsAdapter } from '../../src/providers/aws/adapter.js';
import type { ReadPolicies } from '../../src/providers/aws/policies.js';
import type { CheckResult, RunResult } from '../../src/core/model.js';
import type { KmsRead } from '../../src/providers/aws/kms.js';

const ACCT = '111122223333';
const ROLE = `arn:aws:iam::${ACCT}:role/backup`;
const SESSION = `arn:aws:sts::${ACCT}:assumed-role/backup/canary`;
const KEY = `arn:aws:kms:eu-west-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const READER = { accessKeyId: 'AKIDKMSREADER0000001', secretAccessKey: 'kms-reader-secret' };
const OTHER = { accessKeyId: 'AKIDKMSOTHER00000002', secretAccessKey: 'kms-other-secret' };
const ADMINS_ONLY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'admins', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/admin` }, Action: 'kms:*', Resource: '*' }] });

const kms = await startKmsServer({ keys: [{ arn: KEY, policy: ADMINS_ONLY, readers: [READER.accessKeyId] }], secrets: { [READER.accessKeyId]: READER.secretAccessKey, [OTHER.accessKeyId]: OTHER.secretAccessKey } });
t.teardown(() => kms.stop());

const opts = (credentials: { accessKeyId: string; secretAccessKey: string }): KmsReadOptions => ({ bucket: 'b', region: 'eu-west-1', endpoint: null, pathStyle: false, timeoutMs: 3000, profile: null, credentials });

t.test('kms:GetKeyPolicy over the wire: read, AccessDenied, NotFound, a wrong secret, no KMS at the endpoint', async (t) => {
  t.same(await readKeyPolicy(KEY, 'eu-west-1', kms.endpoint, opts(READER)), { document: ADMINS_ONLY });
  t.match(kms.calls.at(-1), { target: 'TrentService.GetKeyPolicy', accessKeyId: READER.accessKeyId, keyId: KEY, policyName: 'default', status: 200 }, 'the signed request named the key and PolicyName default');
  t.same(await readKeyPolicy('1234abcd-12ab-34cd-56ef-1234567890ab', 'eu-west-1', kms.endpoint, opts(READER)), { document: ADMINS_ONLY }, 'a bare key id is accepted');
  t.match(await readKeyPolicy(KEY, 'eu-west-1', kms.endpoint, opts(OTHER)), { why: /^kms:GetKeyPolicy: AccessDeniedException 400: User: .* is not authorized to perform: kms:GetKeyPolicy/ });
  t.match(await readKeyPolicy(`arn:aws:kms:eu-west-1:${ACCT}:key/0000`, 'eu-west-1', kms.endpoint, opts(READER)), { why: /^kms:GetKeyPolicy: NotFoundException 400: Key '.*' does not exist/ });
  t.match(await readKeyPolicy(KEY, 'eu-west-1', kms.endpoint, opts({ ...READER, secretAccessKey: 'wrong' })), { why: /InvalidSignatureException 400/ }, 'the server verifies the signature');
  // a store that is not AWS KMS (here: a port where nothing listens)
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  t.match(await readKeyPolicy(KEY, 'eu-west-1', `http://127.0.0.1:${port}`, opts(READER)), { why: /^kms:GetKeyPolicy: .*ECONNREFUSED/ });
});

t.test('the KMS endpoint: AWS_ENDPOINT_URL_KMS, then the profile\'s services kms entry; none: null', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-cfg-'));
  const cfg = join(dir, 'config');
  writeFileSync(cfg, '[profile reader]\nservices = local\n[services local]\nkms =\n  endpoint_url = http://127.0.0.1:9/kms\n');
  const saved = { ...process.env };
  t.teardown(() => {
    process.env = saved;
  });
  process.env.AWS_CONFIG_FILE = cfg;
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'none');
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_ENDPOINT_URL_KMS;
  t.same(await configuredKmsEndpoint({}, null), null);
  t.match(await configuredKmsEndpoint({}, 'reader'), { value: 'http://127.0.0.1:9/kms', from: /services "local"/ });
  t.match(await configuredKmsEndpoint({ AWS_ENDPOINT_URL_KMS: kms.endpoint }, 'reader'), { value: kms.endpoint, from: 'AWS_ENDPOINT_URL_KMS' });
  await t.rejects(configuredKmsEndpoint({ AWS_ENDPOINT_URL_KMS: 'not a url' }, null), { name: 'UsageError', message: /AWS_ENDPOINT_URL_KMS/ });
});

t.test('the User-Agent each request carried is recorded per operation, as the server received it', async (t) => {
  const got: string[] = [];
  const server = createServer((req, res) => {
    got.push(String(req.headers['user-agent']));
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { etag: '"x"' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const s3 = new S3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, forcePathStyle: true, credentials: READER, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const log = new UserAgentLog();
  log.install(s3.middlewareStack);
  t.equal(log.of('putObject'), null, 'nothing recorded before a request');
  await log.within('putObject', () => s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' })));
  t.equal(got.length, 1);
  t.equal(log.of('putObject'), got[0], 'the recorded value is the header the server received');
  t.match(got[0], /^aws-sdk-js\/\S+ .* m\//, 'the SDK\'s User-Agent with its feature codes');
  await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k2', Body: 'x' }));
  t.equal(log.of('headObject'), null, 'a request outside a scope is not attributed');
  // two requests of one operation with different User-Agents: which was whose is not known
  const override: FinalizeRequestMiddleware<object, object> = (next) => async (args) => {
    (args.request as { headers: Record<string, string> }).headers['user-agent'] = 'other/1.0';
    return next(args);
  };
  s3.middlewareStack.addRelativeTo(override as never, { relation: 'before', toMiddleware: 'httpSigningMiddleware' });
  await log.within('putObject', () => s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k3', Body: 'x' })));
  t.equal(got.at(-1), 'other/1.0', `the server got ${got.at(-1)}`);
  t.equal(log.of('putObject'), null, 'two values for one operation: not filled');
});

// --- the decision: --kms-key-policy FILE vs the policy read vs undetermined ---

function check(id: string, action: string, key: string, outcome: 'allowed' | 'denied', context: Record<string, string> = {}): CheckResult {
  return {
    id, action, expect: 'allow', outcome, ok: outcome === 'allowed', durationMs: 1,
    request: { action, resource: `arn:aws:s3:::b/p/${key}`, context },
    ...(outcome === 'denied' ? { denial: { stage: 'object', source: 'unknown', explicit: null, code: 'AccessDenied', message: '', httpStatus: 403, requestId: 'R1', hint: '', rule: 'aws.s3.access-denied' } } : {}),
  } as CheckResult;
}
const run = (checks: CheckResult[]) => ({ checks, identity: { source: `arn:aws:iam::${ACCT}:user/ops`, assumedRoleArn: SESSION } }) as unknown as RunResult;
const S3_ALLOW = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::b/p/*' }] };
const read: ReadPolicies = { bucketPolicy: null, trust: null, boundary: null, identity: [{ name: 'role-inline:backup', document: JSON.stringify(S3_ALLOW) }], read: ['role-inline:backup'], notVisible: [] };
const adapter = { assumedRoleId: () => 'AROAEXAMPLE:canary', sourceCredentialsForExplain: () => READER } as unknown as AwsAdapter;
const options = (kmsKeyPolicyFile: string | null): AwsExplainOptions => ({
  bucket: 'b', prefix: 'p/', region: 'eu-west-1', endpoint: null, pathStyle: false, timeoutMs: 1000, roleArn: ROLE, sessionName: 'canary',
  externalId: null, sessionPolicy: null, explainProfile: null, sourceIp: null, sourceVpc: null, sourceVpce: null, callerArn: null, scpFiles: [], rcpFiles: [], kmsKeyPolicyFile,
});
const SSE = { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY };
const ROOT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' }] });

t.test('the policy kms:GetKeyPolicy read is the KMS layer: the denied upload is named by it', async (t) => {
  const put = check('put-object', 's3:PutObject', 'c', 'denied', SSE);
  const r = run([put]);
  const kmsRead: KmsRead = { keyPolicy: { keyId: KEY, read: { document: ADMINS_ONLY } } };
  new AwsExplainer(adapter, options(null)).explainRead(r, read, kmsRead);
  t.ok(r.explain!.read.includes(`kms-key-policy:${KEY}`));
  t.same(r.explain!.notVisible, []);
  t.match(put.explain, { decision: 'implicit-deny', decidedBy: 'kms-key-policy', kms: { action: 'kms:GenerateDataKey', resource: KEY } });
  t.match(put.explain!.fix, { policy: 'kms' });
  t.ok(r.explain!.digests?.[`kms-key-policy:${KEY}`]);
});

t.test('--kms-key-policy FILE wins over the policy read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-file-'));
  const file = join(dir, 'k.json');
  writeFileSync(file, ROOT);
  const put = check('put-object', 's3:PutObject', 'c', 'denied', SSE);
  const r = run([put]);
  new AwsExplainer(adapter, options(file)).explainRead(r, read, { keyPolicy: { keyId: KEY, read: { document: ADMINS_ONLY } } });
  t.ok(r.explain!.read.includes(`kms-key-policy:${file}`));
  t.notOk(r.explain!.read.includes(`kms-key-policy:${KEY}`));
  // the file delegates to the account: the identity policy (no kms:*) decides, not the read policy
  t.match(put.explain, { decidedBy: 'identity-policy', kms: { explain: { decidedBy: 'identity-policy' } } });
});

t.test('not read: undetermined, naming the key policy, why, and what would read it; no fix', async (t) => {
  for (const [kmsRead, why] of [
    [{ keyPolicy: { keyId: KEY, read: { why: 'kms:GetKeyPolicy: AccessDeniedException 400: User: x is not authorized' } } }, /^kms:GetKeyPolicy: AccessDeniedException/],
    [{ notCalled: 'the store at http://127.0.0.1:1 is not AWS and no KMS endpoint is configured (AWS_ENDPOINT_URL_KMS)' }, /^the store at .*\(AWS_ENDPOINT_URL_KMS\)/],
  ] as const) {
    const put = check('put-object', 's3:PutObject', 'c', 'denied', SSE);
    const r = run([put]);
    new AwsExplainer(adapter, options(null)).explainRead(r, read, kmsRead);
    t.match(r.explain!.notVisible, [{ policy: `kms-key-policy of ${KEY}`, why }]);
    t.match(put.explain, { decision: 'undetermined', kms: { explain: { decision: 'undetermined', unread: [{ readWith: /kms:GetKeyPolicy on arn:aws:kms:.* for the explain credentials .*or --kms-key-policy FILE/ }] } } });
    t.notOk(put.explain!.fix, 'no fix for a layer that was not read');
    t.notOk(put.explain!.statement, 'no statement named');
  }
});

t.test('the bucket\'s default SSE-KMS key decides writes that send no encryption header', async (t) => {
  const put = check('put-object', 's3:PutObject', 'c', 'denied');
  const get = check('get-object', 's3:GetObject', 'c', 'allowed');
  const r = run([put, get]);
  new AwsExplainer(adapter, options(null)).explainRead(r, read, { encryption: { read: true, algorithm: 'aws:kms', keyId: KEY }, keyPolicy: { keyId: KEY, read: { document: ADMINS_ONLY } } });
  t.match(put.explain, { decidedBy: 'kms-key-policy', kms: { action: 'kms:GenerateDataKey', resource: KEY } });
  t.match(get.explain, { kms: { action: 'kms:Decrypt' } });
  t.ok(r.explain!.warnings.some((w) => /bucket's default encryption \(SSE-KMS, key arn:aws:kms:/.test(w)));
  // SSE-S3 default: no KMS layer
  const plain = check('put-object', 's3:PutObject', 'c', 'allowed');
  const r2 = run([plain]);
  new AwsExplainer(adapter, options(null)).explainRead(r2, read, { encryption: { read: true, algorithm: 'AES256', keyId: null } });
  t.notOk(plain.explain?.kms);
  // unreadable: said, with the permission that would read it
  const r3 = run([check('put-object', 's3:PutObject', 'c', 'allowed')]);
  new AwsExplainer(adapter, options(null)).explainRead(r3, read, { encryption: { read: false, why: 'GetBucketEncryption: AccessDenied 403' } });
  t.ok(r3.explain!.warnings.some((w) => /default encryption was not read \(GetBucketEncryption: AccessDenied 403\).*s3:GetEncryptionConfiguration/.test(w)));
});

t.test('a bad AWS_ENDPOINT_URL_KMS is exit 2 before any request', async (t) => {
  const { prepareTarget } = await import('../../src/core/run.js');
  const { withDefaults } = await import('../../src/core/options.js');
  const dir = mkdtempSync(join(tmpdir(), 'kms-env-'));
  const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'eu-west-1', AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_ENDPOINT_URL_KMS: 'kms.example' };
  const req = withDefaults<Parameters<typeof prepareTarget>[0]>({ role: ROLE, bucket: 'corp-backups', prefix: 'p/', explain: true });
  await t.rejects(prepareTarget(req, '', env), { name: 'UsageError', message: /^AWS_ENDPOINT_URL_KMS/ });
  const ok = await prepareTarget(req, '', { ...env, AWS_ENDPOINT_URL_KMS: kms.endpoint });
  t.ok(ok, 'a good one is accepted');
});

t.test('decidingKey and kmsActionOf with the bucket default', async (t) => {
  const { decidingKey, kmsActionOf, keyPolicyReadable } = await import('../../src/providers/aws/kms.js');
  t.same(decidingKey({ keyId: KEY }, undefined), { keyId: KEY, from: 'writes' }, 'the writes\' own key wins');
  t.same(decidingKey({ keyId: null }, { read: true, algorithm: 'aws:kms', keyId: KEY }), { keyId: null, from: 'writes' }, 'SSE-KMS without a key id: aws/s3, not the bucket default');
  t.same(decidingKey(null, { read: true, algorithm: 'aws:kms:dsse', keyId: KEY }), { keyId: KEY, from: 'bucket-default' });
  t.same(decidingKey(null, { read: true, algorithm: 'AES256', keyId: null }), null);
  t.same(decidingKey(null, { read: false, why: 'x' }), null);
  t.same(decidingKey(null, undefined), null);
  t.equal(kmsActionOf(check('put-object', 's3:PutObject', 'c', 'allowed'), true), 'kms:GenerateDataKey', 'no header: the bucket key');
  t.equal(kmsActionOf(check('put-object', 's3:PutObject', 'c', 'allowed', { 's3:x-amz-server-side-encryption': 'AES256' }), true), null, 'an explicit SSE-S3 write calls no KMS');
  t.equal(kmsActionOf(check('put-object', 's3:PutObject', 'c', 'allowed'), false), null);
  t.ok(keyPolicyReadable(KEY));
  t.ok(keyPolicyReadable('1234abcd-12ab-34cd-56ef-1234567890ab'));
  t.notOk(keyPolicyReadable('alias/backup'));
  t.notOk(keyPolicyReadable(`arn:aws:kms:eu-west-1:${ACCT}:alias/backup`));
});
