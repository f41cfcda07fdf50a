// Issue 12 on a real Ceph RGW: a fix is proven on the store before it is shown, and applying it does
// what the proof says; an explain profile that cannot read the policies never blames the identity
// policy; a typo'd --explain-profile is exit 2 before anything is sent or written.
//
// The bucket policy is the classic office-IP rule for everyone ("Principal": "*"): writes from outside
// 203.0.113.0/24 are denied, and a second user, `writer`, may write into the bucket. The canary runs
// from 127.0.0.1 (outside the office). The proposed fix must let the backup role through while
// `writer` stays refused from the same address. AWS's form of that fix (ArnNotLike aws:PrincipalArn)
// would open the bucket on RGW, which does not support aws:PrincipalArn: the proof must reject it.
import t from 'tap';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBucket, createRole, createUser, DEMO, demoRolePolicy, listEverything, putBucketPolicy, putRolePolicy, radosgwAdmin, roleArn, s3For, seedDemo, startRgw, userArn } from '../../scripts/rgw.mjs';
import type { RunResult } from '../../src/core/model.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const operator = demo.users.sourceIdentity;
await radosgwAdmin(rgw, ['caps', 'add', `--uid=${owner.uid}`, '--caps=roles=read']);
const writer = { uid: 'writer', accessKeyId: 'BCWRITERKEY000000003', secretAccessKey: 'bc-local-writer-secret-not-real-00003' };
const noread = { uid: 'no-read', accessKeyId: 'BCNOREADKEY000000004', secretAccessKey: 'bc-local-noread-secret-not-real-00004' };
await createUser(rgw, writer.uid, writer);
await createUser(rgw, noread.uid, noread);

const BUCKET = 'backups-office';
const ROLE = 'office-backup';
const OFFICE = '203.0.113.0/24';
await createBucket(rgw, owner, BUCKET);
await createRole(rgw, ROLE, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(operator.uid)] }, Action: ['sts:AssumeRole'] }] });
await putRolePolicy(rgw, ROLE, 'office-backup-writes', demoRolePolicy([BUCKET]));
const officePolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'OfficeOnlyWrites',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:PutObject'],
      Resource: [`arn:aws:s3:::${BUCKET}/*`],
      Condition: { NotIpAddress: { 'aws:SourceIp': [OFFICE] } },
    },
    { Sid: 'WriterMayWrite', Effect: 'Allow', Principal: { AWS: [userArn(writer.uid)] }, Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${BUCKET}/*`] },
  ],
};
await putBucketPolicy(rgw, owner, BUCKET, officePolicy);

const dir = mkdtempSync(join(tmpdir(), 'bc-fixproof-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, 'credentials'),
  `[policy-reader]\naws_access_key_id = ${owner.accessKeyId}\naws_secret_access_key = ${owner.secretAccessKey}\n` +
    `[no-read]\naws_access_key_id = ${noread.accessKeyId}\naws_secret_access_key = ${noread.secretAccessKey}\n`,
);
process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
process.env.AWS_CONFIG_FILE = join(dir, 'config-none');

async function writerPut(key: string): Promise<string> {
  const s3 = s3For(rgw, writer);
  try {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'writer' }));
    return 'allowed';
  } catch (e) {
    return (e as { name?: string }).name ?? 'error';
  } finally {
    s3.destroy();
  }
}

async function probe(extra: string[]): Promise<{ code: number; stderr: string; json: RunResult; by: Record<string, RunResult['checks'][number]> }> {
  const argv = ['probe', '--role', roleArn(ROLE), '--bucket', BUCKET, '--prefix', DEMO.prefix, '--endpoint', rgw.endpoint, '--path-style', '--format', 'json', ...extra];
  const r = await runCli(argv);
  const json = JSON.parse(r.stdout) as RunResult;
  return { code: r.code, stderr: r.stderr, json, by: Object.fromEntries(json.checks.map((c) => [c.id, c])) };
}

t.test('before: the writer is refused from outside the office (the rule is enforced)', async (t) => {
  t.equal(await writerPut('outside/before.bin'), 'AccessDenied');
});

t.test('the proposed fix is proven on ceph-rgw, and applied as the new bucket policy it lets the canary pass while the writer is still refused', async (t) => {
  useCredentials(operator);
  const r = await probe(['--explain', '--explain-profile', 'policy-reader', '--source-ip', '127.0.0.1']);
  t.equal(r.code, 1, r.stderr);
  const put = r.by['put-object']!;
  t.match(put.denial, { source: 'resource-policy', explicit: true, statement: { policy: 'bucket-policy', sid: 'OfficeOnlyWrites', index: 0 } });
  const fix = put.denial!.fix!;
  t.comment(`fix: ${fix.summary}\nsnippet: ${JSON.stringify(fix.snippet)}\nproof: ${JSON.stringify(fix.proof!.candidates.map((c) => ({ form: c.form, shown: c.shown, failed: c.checks.filter((k) => !k.ok).map((k) => k.detail) })))}`);
  t.equal(fix.safe, true, 'a candidate was proven safe');
  t.equal(fix.proof!.store, 'ceph-rgw', 'the store is detected from the RGW request ids');
  const first = fix.proof!.candidates[0]!;
  t.match(first, { form: 'principal-arn-condition', shown: false }, 'the aws:PrincipalArn exemption is rejected on RGW');
  t.match(first.checks.find((c) => c.check === 'store-supports'), { ok: false, detail: /ceph-rgw does not support the condition key aws:PrincipalArn/ });
  t.match(first.checks.find((c) => c.check === 'others-unchanged'), { ok: false, detail: /goes from explicit-deny to allowed/ }, 'and the proof shows why: the Deny would stop applying to others');
  // NotPrincipal naming the account root would exclude every user of the account on RGW
  t.match(fix.proof!.candidates[1], { form: 'not-principal', shown: false }, 'the AWS NotPrincipal form (with the account root) is rejected on RGW');
  const shown = fix.proof!.candidates.find((c) => c.shown)!;
  t.ok(shown, 'a shown candidate');
  for (const c of shown.checks) t.ok(c.ok, `${shown.form}: ${c.check} ${c.detail}`);
  t.notMatch(JSON.stringify(fix.snippet), /aws:PrincipalArn/);
  t.match(JSON.stringify(fix.snippet), /NotIpAddress/, 'the office restriction stays');

  // apply it as the new bucket policy: the denying statement replaced by the proposed one
  const patched = structuredClone(officePolicy) as { Version: string; Statement: unknown[] };
  patched.Statement[put.denial!.statement!.index!] = fix.snippet;
  await putBucketPolicy(rgw, owner, BUCKET, patched);

  const after = await probe([]);
  t.equal(after.code, 0, `the canary passes with the fixed policy (${after.json.checks.filter((c) => !c.ok).map((c) => c.id).join(', ')})`);
  t.equal(after.json.verdict, 'pass');
  t.equal(await writerPut('outside/after.bin'), 'AccessDenied', 'the writer is still refused from the same address');
  t.same(await listEverything(rgw, owner, BUCKET), { objects: [], uploads: [] }, 'nothing left behind');
  await putBucketPolicy(rgw, owner, BUCKET, officePolicy);
});

t.test('an explain profile without read rights never blames the identity policy', async (t) => {
  useCredentials(operator);
  const r = await probe(['--explain', '--explain-profile', 'no-read', '--source-ip', '127.0.0.1']);
  t.equal(r.code, 1);
  t.ok(r.json.explain!.notVisible.some((n) => n.policy === 'bucket-policy' && /AccessDenied/.test(n.why)), 'the bucket policy could not be read');
  for (const c of r.json.checks) {
    t.not(c.explain?.decidedBy, 'identity-policy', `${c.id}: not decided by the identity policy`);
    t.not(c.denial?.source, 'identity-policy', `${c.id}: the denial is not blamed on the identity policy`);
    if (c.denial?.fix) t.not(c.denial.fix.policy, 'identity', `${c.id}: no identity-policy fix`);
    t.notOk(c.explain?.mismatch, `${c.id}: no false mismatch`);
  }
  const put = r.by['put-object']!;
  t.equal(put.explain!.decision, 'undetermined');
  t.match(put.explain!.unread, [{ policy: 'bucket-policy', readWith: /s3:GetBucketPolicy.*--explain-profile no-read/ }]);
  t.match(put.explain!.summary, /bucket-policy \(not read/);
  t.notOk(put.denial!.fix, 'no fix for a layer that was not read');
});

t.test('a typo in --explain-profile: exit 2 before any request, nothing written', async (t) => {
  useCredentials(operator);
  const out = join(dir, 'typo-report.json');
  const r = await runCli(['probe', '--role', roleArn(ROLE), '--bucket', BUCKET, '--prefix', DEMO.prefix, '--endpoint', rgw.endpoint, '--path-style', '--explain', '--explain-profile', 'polcy-reader', '--output', out]);
  t.equal(r.code, 2);
  t.match(r.stderr, /--explain-profile: no profile "polcy-reader" in .*credentials/);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  t.notOk(existsSync(out), 'no report written');
  t.same(await listEverything(rgw, owner, BUCKET), { objects: [], uploads: [] }, 'no canary was written');
  t.notMatch(readFileSync(join(dir, 'credentials'), 'utf8'), /polcy/, 'the credentials file is untouched');
});
