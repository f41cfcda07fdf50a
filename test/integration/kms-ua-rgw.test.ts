// On a real Ceph RGW (Pacific): the two request facts --explain now fills from what was really sent
// or read (issue 12 items 2 and 4).
//
// aws:UserAgent: RGW evaluates it in bucket policies (it builds its IAM environment from the HTTP
// User-Agent header; verified here: a StringNotLike "restic*" Deny refuses the SDK's requests and lets
// a restic User-Agent through). --explain names the statement with the User-Agent the canary sent.
//
// KMS key policies: RGW never consults AWS KMS key policies (its SSE-KMS backends are Vault, Barbican,
// KMIP or a testing key list, none configured here; PutBucketEncryption answers InvalidArgument and
// GetBucketEncryption an empty configuration on Pacific 16.2.15, so the bucket-default path cannot be
// shown on RGW: test/unit/aws-kms-read.test.ts covers it). So no RGW denial comes from a key policy:
// here RGW refuses the SSE-KMS upload by its bucket policy, and the explanation additionally shows
// the KMS call that upload would make, evaluated against the key policy --explain read from the
// test KMS server (test/kms-server, reached through AWS_ENDPOINT_URL_KMS), or undetermined when that
// read is refused or no KMS endpoint is configured. The server's call log proves the read happened.
import t from 'tap';
import { DeleteBucketPolicyCommand, PutBucketPolicyCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, radosgwAdmin, s3For, seedDemo, startRgw } from '../../scripts/rgw.mjs';
import type { RunResult } from '../../src/core/model.js';
import { runCli, useCredentials } from '../helpers/cli.js';
import { forBucket, readAccessLog } from '../helpers/rgw-access-log.js';
import { startKmsServer } from '../kms-server/index.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const operator = demo.users.sourceIdentity;
await radosgwAdmin(rgw, ['caps', 'add', `--uid=${owner.uid}`, '--caps=roles=read']);

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'KeyAdminsOnly', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/key-admin' }, Action: 'kms:*', Resource: '*' }],
});
const readers: string[] = [owner.accessKeyId];
const kms = await startKmsServer({ keys: [{ arn: KEY, policy: KEY_POLICY, readers }], secrets: { [owner.accessKeyId]: owner.secretAccessKey } });
t.teardown(() => kms.stop());

const dir = mkdtempSync(join(tmpdir(), 'bc-kms-ua-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'credentials'), `[policy-reader]\naws_access_key_id = ${owner.accessKeyId}\naws_secret_access_key = ${owner.secretAccessKey}\n`);
process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
process.env.AWS_CONFIG_FILE = join(dir, 'config-none');
const definition = join(dir, 'sse-kms.yaml');
writeFileSync(definition, `name: sse-kms\ndescription: the canary's writes with SSE-KMS\nsource: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html\noptions:\n  sse: aws:kms\n  kms-key-id: ${KEY}\nchecks:\n  assume-role: allow\n  put-object: allow\n  head-object: allow\n  delete-object: allow\n`);

async function probe(bucket: string, extra: string[]) {
  useCredentials(operator);
  const argv = ['probe', '--role', demo.role.arn, '--bucket', bucket, '--prefix', DEMO.prefix, '--endpoint', rgw.endpoint, '--path-style', '--explain', '--explain-profile', 'policy-reader', '--source-ip', '127.0.0.1', '--format', 'json', ...extra];
  const r = await runCli(argv);
  if (!r.stdout) throw new Error(`exit ${r.code}: ${r.stderr}`);
  const json = JSON.parse(r.stdout) as RunResult;
  return { ...r, json, by: Object.fromEntries(json.checks.map((c) => [c.id, c])) };
}

t.test('aws:UserAgent: a bucket-policy Deny unless the User-Agent is restic*; --explain names it with the User-Agent sent', async (t) => {
  const s3 = s3For(rgw, owner);
  const sid = 'OnlyResticMayWrite';
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Deny', Principal: { AWS: [demo.role.arn] }, Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${DEMO.bucket}/*`], Condition: { StringNotLike: { 'aws:UserAgent': 'restic*' } } }],
  };
  await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucket, Policy: JSON.stringify(policy) }));
  t.teardown(() => s3.send(new DeleteBucketPolicyCommand({ Bucket: DEMO.bucket })));
  // RGW really evaluates the key: the owner's own write is unaffected (the Deny names the role), the
  // role's write is refused with the SDK's User-Agent (below) — and a restic one would pass: checked
  // with the owner under a Deny for everyone on a key of its own
  const everyone = { ...policy, Statement: [{ ...policy.Statement[0]!, Sid: 'probe', Principal: '*', Resource: [`arn:aws:s3:::${DEMO.bucket}/ua-check/*`] }] };
  await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucket, Policy: JSON.stringify({ ...policy, Statement: [...policy.Statement, ...everyone.Statement] }) }));
  await t.rejects(s3.send(new PutObjectCommand({ Bucket: DEMO.bucket, Key: 'ua-check/sdk', Body: 'x' })), { name: 'AccessDenied' }, 'the SDK User-Agent is refused');
  const restic = s3For(rgw, owner);
  const resticUa: FinalizeRequestMiddleware<object, object> = (next) => async (args) => {
    (args.request as { headers: Record<string, string> }).headers['user-agent'] = 'restic/0.16.4 (linux/amd64)';
    return next(args);
  };
  restic.middlewareStack.addRelativeTo(resticUa as never, { relation: 'before', toMiddleware: 'httpSigningMiddleware' });
  await restic.send(new PutObjectCommand({ Bucket: DEMO.bucket, Key: 'ua-check/restic', Body: 'x' }));
  t.pass('a restic User-Agent passes the same Deny');
  await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO.bucket, Policy: JSON.stringify(policy) }));

  const r = await probe(DEMO.bucket, []);
  t.equal(r.code, 1, r.stderr);
  const put = r.by['put-object']!;
  t.equal(put.outcome, 'denied');
  const ua = put.request?.context['aws:UserAgent'];
  t.match(ua, /^aws-sdk-js\/\S+ .* m\//, 'the User-Agent the request carried is in its record');
  const seen = forBucket(readAccessLog(rgw.dir), DEMO.bucket).filter((e) => e.method === 'PUT' && e.status === 403 && e.target.includes(`${DEMO.prefix}`));
  t.ok(seen.some((e) => e.userAgent === ua), 'RGW received exactly that User-Agent (its access log)');
  t.match(put.explain, {
    decision: 'explicit-deny',
    decidedBy: 'resource-policy',
    statement: { policy: 'bucket-policy', sid, effect: 'Deny' },
    conditions: [{ key: 'aws:UserAgent', operator: 'StringNotLike', policyValues: ['restic*'], requestValues: [ua], result: true }],
  });
  t.notOk(put.explain!.mismatch, 'the evaluation agrees with what RGW did');
  t.match(r.by['assume-role']?.request?.context['aws:UserAgent'], /^aws-sdk-js\/\S+ .*api\/sts#/, 'AssumeRole\'s record carries the STS request\'s User-Agent');
  // a check the Deny does not cover is allowed, with the key filled but not consulted
  t.match(r.by['list-prefix']?.explain, { decision: 'allowed' });
});

t.test('KMS key policy read through kms:GetKeyPolicy (AWS_ENDPOINT_URL_KMS): the SSE-KMS upload\'s KMS call is evaluated against it', async (t) => {
  process.env.AWS_ENDPOINT_URL_KMS = kms.endpoint;
  t.teardown(() => {
    delete process.env.AWS_ENDPOINT_URL_KMS;
  });
  const before = kms.calls.length;
  const r = await probe(DEMO.lockedBucket, ['--probe', definition]);
  const calls = kms.calls.slice(before);
  t.match(calls, [{ target: 'TrentService.GetKeyPolicy', accessKeyId: owner.accessKeyId, keyId: KEY, policyName: 'default', status: 200 }], 'one signed GetKeyPolicy with the explain credentials');
  t.ok(r.json.explain!.read.includes(`kms-key-policy:${KEY}`), 'the key policy is listed as read');
  t.ok(r.json.explain!.digests?.[`kms-key-policy:${KEY}`], 'and has a digest');
  const put = r.by['put-object']!;
  t.equal(put.outcome, 'denied', 'RGW refuses the upload (its bucket policy)');
  t.equal(put.request?.context['s3:x-amz-server-side-encryption-aws-kms-key-id'], KEY);
  t.match(put.explain, { decision: 'explicit-deny', decidedBy: 'resource-policy', statement: { sid: DEMO.lockedSid } }, 'the store-side decision is the bucket policy, as RGW decided');
  t.match(put.explain!.kms, { action: 'kms:GenerateDataKey', resource: KEY, explain: { decision: 'implicit-deny', decidedBy: 'kms-key-policy' } }, 'the KMS call, judged by the policy read: the key policy admits only key admins');
});

t.test('kms:GetKeyPolicy refused: the KMS layer is undetermined, naming the key policy, the refusal and what would read it', async (t) => {
  process.env.AWS_ENDPOINT_URL_KMS = kms.endpoint;
  readers.length = 0; // the test server now refuses the owner
  t.teardown(() => {
    delete process.env.AWS_ENDPOINT_URL_KMS;
    readers.push(owner.accessKeyId);
  });
  const before = kms.calls.length;
  const r = await probe(DEMO.lockedBucket, ['--probe', definition]);
  t.match(kms.calls.slice(before), [{ target: 'TrentService.GetKeyPolicy', accessKeyId: owner.accessKeyId, status: 400, error: 'AccessDeniedException' }]);
  t.notOk(r.json.explain!.read.some((n) => n.startsWith('kms-key-policy')));
  t.match(r.json.explain!.notVisible.find((n) => n.policy.startsWith('kms-key-policy')), { policy: `kms-key-policy of ${KEY}`, why: /^kms:GetKeyPolicy: AccessDeniedException 400: User: .* is not authorized to perform: kms:GetKeyPolicy/ });
  const put = r.by['put-object']!;
  t.match(put.explain!.kms, { explain: { decision: 'undetermined', unread: [{ readWith: /kms:GetKeyPolicy on .* for the explain credentials .*--kms-key-policy FILE/ }] } });
  t.not(put.explain!.kms!.explain.fix?.policy, 'kms', 'no fix for a key policy that was not read');
});

t.test('no KMS endpoint for the S3-compatible store: nothing is sent to AWS, and the report says why', async (t) => {
  delete process.env.AWS_ENDPOINT_URL_KMS;
  const before = kms.calls.length;
  const r = await probe(DEMO.lockedBucket, ['--probe', definition]);
  t.equal(kms.calls.length, before);
  t.match(r.json.explain!.notVisible.find((n) => n.policy.startsWith('kms-key-policy')), { policy: `kms-key-policy of ${KEY}`, why: /^the store at http:\/\/127\.0\.0\.1:\d+ is not AWS and no KMS endpoint is configured \(AWS_ENDPOINT_URL_KMS\)/ });
});

t.test('AWS_ENDPOINT_URL_KMS pointing at RGW itself (no AWS KMS API there): the read fails with RGW\'s answer, the layer is undetermined', async (t) => {
  process.env.AWS_ENDPOINT_URL_KMS = rgw.endpoint;
  t.teardown(() => {
    delete process.env.AWS_ENDPOINT_URL_KMS;
  });
  const before = kms.calls.length;
  const r = await probe(DEMO.lockedBucket, ['--probe', definition]);
  t.equal(kms.calls.length, before, 'the test KMS server was not asked');
  const entry = r.json.explain!.notVisible.find((n) => n.policy.startsWith('kms-key-policy'));
  // observed on Pacific 16.2.15: RGW answers the JSON POST with 405 MethodNotAllowed
  t.match(entry, { policy: `kms-key-policy of ${KEY}`, why: /^kms:GetKeyPolicy: the store does not implement this API \(MethodNotAllowed 405\)/ });
  t.notOk(r.json.explain!.read.some((n) => n.startsWith('kms-key-policy')));
  t.match(r.by['put-object']!.explain!.kms, { explain: { decision: 'undetermined' } });
});
