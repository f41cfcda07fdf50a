// The probe against a real Ceph RADOS Gateway: real STS AssumeRole, role policies and bucket policies.
// If RGW cannot start, this file fails (it never skips).
import t from 'tap';
import {
  createRole,
  createUser,
  DEMO,
  demoRolePolicy,
  listEverything,
  putRolePolicy,
  roleArn,
  s3For,
  seedDemo,
  startRgw,
  userArn,
} from '../../scripts/rgw.mjs';
import { AbortMultipartUploadCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../../src/core/model.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const operator = demo.users.sourceIdentity;
const stranger = { uid: 'stranger', accessKeyId: 'BCSTRANGERKEY0000001', secretAccessKey: 'bc-local-stranger-secret-not-real-0001' };
await createUser(rgw, stranger.uid, stranger);

const trust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(operator.uid)] }, Action: ['sts:AssumeRole'] }],
};
/** A role like the demo's, minus some actions. */
async function roleWithout(name: string, drop: string[]): Promise<string> {
  const policy = demoRolePolicy([DEMO.bucket]);
  for (const s of policy.Statement) s.Action = s.Action.filter((a: string) => !drop.includes(a));
  policy.Statement = policy.Statement.filter((s: { Action: string[] }) => s.Action.length > 0);
  await createRole(rgw, name, trust);
  await putRolePolicy(rgw, name, `${name}-policy`, policy);
  return roleArn(name);
}

const common = ['--endpoint', rgw.endpoint, '--path-style', '--format', 'json', '--timeout', '10'];
async function probeJson(role: string, bucket: string, prefix: string, extra: string[] = []) {
  const r = await runCli(['probe', '--role', role, '--bucket', bucket, '--prefix', prefix, ...common, ...extra]);
  let json: RunResult;
  try {
    json = JSON.parse(r.stdout) as RunResult;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { ...r, json, by: Object.fromEntries(json.checks.map((c) => [c.id, c])) };
}
const empty = async (bucket: string) => listEverything(rgw, owner, bucket);

t.test('a healthy role: every check allowed, verdict pass, exit 0, nothing left', async (t) => {
  useCredentials(operator);
  const r = await probeJson(demo.role.arn, DEMO.bucket, 'nightly');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json.verdict, 'pass');
  t.equal(r.json.schemaVersion, 1);
  t.equal(r.json.checks.length, 16);
  for (const c of r.json.checks) t.match(c, { outcome: 'allowed', ok: true, expect: 'allow' }, c.id);
  t.match(r.json.identity.assumedRoleArn, /^arn:aws:sts:::assumed-role\/nightly-backup\/backup-canary-[0-9a-f]{8}$/);
  t.match(r.json.target, { provider: 'aws', bucket: DEMO.bucket, prefix: 'nightly/', endpoint: rgw.endpoint });
  t.same(r.json.leftovers, []);
  t.match(r.by['put-object']!.key, new RegExp(`^nightly/\\.backup-canary/${r.json.runId}/object\\.bin$`));
  t.same(r.json.checks.map((c) => c.action).slice(0, 6), ['sts:AssumeRole', 's3:PutObject', 's3:GetObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
  t.same(await empty(DEMO.bucket), { objects: [], uploads: [] }, 'the bucket owner sees nothing left');
});

t.test('the text report, --quick, --output and an explicit session name', async (t) => {
  useCredentials(operator);
  const dir = mkdtempSync(join(tmpdir(), 'bc-out-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'report.txt');
  const r = await runCli(['probe', '--role', demo.role.arn, '--bucket', DEMO.bucket, '--prefix', '/nightly/', '--endpoint', rgw.endpoint, '--path-style', '--quick', '--session-name', 'nightly-check', '--output', out]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '');
  const text = readFileSync(out, 'utf8');
  t.match(text, /assumed-role\/nightly-backup\/nightly-check/);
  t.match(text, /✓ s3:PutObject\s+put-object\s+allowed/);
  t.notMatch(text, /multipart-upload-part-2/);
  t.match(text, /^PASS {2}15 allowed, 0 denied, 0 errors, 0 skipped; every expectation met/m);
  t.notMatch(text, /\x1b\[/, 'no colour in a file');
  t.same(await empty(DEMO.bucket), { objects: [], uploads: [] });
});

t.test('a caller the trust policy does not name: assume-role denied, nothing else runs, exit 1', async (t) => {
  useCredentials(stranger);
  const r = await probeJson(demo.role.arn, DEMO.bucket, 'nightly/');
  t.equal(r.code, 1);
  t.equal(r.json.verdict, 'fail');
  t.match(r.by['assume-role'], {
    outcome: 'denied',
    ok: false,
    action: 'sts:AssumeRole',
    // RGW's AccessDenied names no cause (it also answers a wrong secret so): the source stays unknown
    // and the hint lists the candidates; --explain names the trust policy (explain-rgw.test.ts (d)).
    denial: { stage: 'assume-role', source: 'unknown', code: 'AccessDenied', httpStatus: 403, rule: 'aws.sts.access-denied.rgw' },
  });
  t.match(r.by['assume-role']!.denial!.hint, /trust policy does not name the caller/);
  t.match(r.by['assume-role']!.denial!.hint, /wrong key or secret/);
  for (const c of r.json.checks.slice(1)) t.match(c, { outcome: 'skipped', ok: false, reason: 'needs assume-role, which was denied' }, c.id);
  t.equal(r.json.identity.assumedRoleArn, null);
  t.same(r.json.leftovers, []);
  t.same(await empty(DEMO.bucket), { objects: [], uploads: [] });
});

t.test('a role policy without s3:AbortMultipartUpload: only abort denied, the open upload is a leftover', async (t) => {
  useCredentials(operator);
  const arn = await roleWithout('no-abort', ['s3:AbortMultipartUpload']);
  const r = await probeJson(arn, DEMO.bucket, 'nightly/');
  t.equal(r.code, 1);
  t.same(r.json.checks.filter((c) => !c.ok).map((c) => c.id), ['multipart-abort']);
  t.match(r.by['multipart-abort'], { outcome: 'denied', action: 's3:AbortMultipartUpload', denial: { stage: 'object', code: 'AccessDenied', httpStatus: 403 } });
  const left = await empty(DEMO.bucket);
  t.same(left.objects, []);
  t.equal(left.uploads.length, 1);
  t.same(r.json.leftovers, [{ key: left.uploads[0]!.key, uploadId: left.uploads[0]!.uploadId, why: r.json.leftovers[0]!.why }]);
  t.match(r.json.leftovers[0]!.why, /s3:AbortMultipartUpload denied \(AccessDenied 403\)/);
  t.match(left.uploads[0]!.key, /aborted\.bin$/);
  await s3For(rgw, owner).send(new AbortMultipartUploadCommand({ Bucket: DEMO.bucket, Key: left.uploads[0]!.key, UploadId: left.uploads[0]!.uploadId }));
});

t.test('the office-IP bucket-policy Deny: put denied, dependants skipped with reasons, exit 1', async (t) => {
  useCredentials(operator);
  const r = await probeJson(demo.role.arn, DEMO.lockedBucket, 'nightly/');
  t.equal(r.code, 1);
  t.equal(r.json.verdict, 'fail');
  t.match(r.by['put-object'], { outcome: 'denied', ok: false, denial: { stage: 'object', code: 'AccessDenied', httpStatus: 403, requestId: /^tx/ } });
  // RGW names no policy in its AccessDenied: the source is unknown until --explain evaluates the policies.
  t.equal(r.by['put-object']!.denial!.source, 'unknown');
  for (const id of ['head-object', 'get-object', 'delete-object']) {
    t.match(r.by[id], { outcome: 'skipped', ok: false, reason: 'needs put-object, which was denied' }, id);
  }
  t.match(r.by['multipart-create'], { outcome: 'denied' }, 'CreateMultipartUpload is authorised as s3:PutObject');
  t.match(r.by['multipart-get'], { outcome: 'skipped', reason: 'needs multipart-create, which was denied' });
  t.equal(r.by['list-prefix']!.outcome, 'allowed', 'listing is not covered by the Deny');
  t.same(r.json.leftovers, []);
  t.same(await empty(DEMO.lockedBucket), { objects: [], uploads: [] });
});

t.test('a role without s3:DeleteObject: delete denied, leftovers listed exactly', async (t) => {
  useCredentials(operator);
  const arn = await roleWithout('no-delete', ['s3:DeleteObject']);
  const r = await probeJson(arn, DEMO.bucket, 'nightly/');
  t.equal(r.code, 1);
  t.same(r.json.checks.filter((c) => !c.ok).map((c) => c.id), ['delete-object', 'delete-multipart-object']);
  const left = await empty(DEMO.bucket);
  t.same(left.uploads, []);
  t.same(r.json.leftovers.map((l) => l.key).sort(), [...left.objects].sort());
  // the If-None-Match measurement's 16-byte object (src/core/collision.ts) stays too, and is reported
  t.match(left.objects.map((k) => k.replace(/.*\//, '')).sort(), [/^conditional-[0-9a-f]{12}\.bin$/, 'multipart.bin', 'object.bin']);
  t.equal(left.objects.length, 3);
  for (const l of r.json.leftovers) t.match(l.why, /s3:DeleteObject denied \(AccessDenied 403\)/);
  const s3 = s3For(rgw, owner);
  for (const k of left.objects) await s3.send(new DeleteObjectCommand({ Bucket: DEMO.bucket, Key: k }));
});

t.test('a prefix outside the role scope: put denied', async (t) => {
  useCredentials(operator);
  const r = await probeJson(demo.role.arn, DEMO.bucket, 'elsewhere/');
  t.equal(r.code, 1);
  t.match(r.by['put-object'], { outcome: 'denied', denial: { code: 'AccessDenied' } });
  t.match(r.by['list-prefix'], { outcome: 'denied', action: 's3:ListBucket', denial: { stage: 'bucket' } });
  t.same(await empty(DEMO.bucket), { objects: [], uploads: [] });
});

t.test('a bucket that does not exist and an endpoint that does not answer: exit 3', async (t) => {
  useCredentials(operator);
  const r = await probeJson(demo.role.arn, 'no-such-bucket-here', 'nightly/');
  t.equal(r.code, 3);
  t.equal(r.json.verdict, 'error');
  t.match(r.by['put-object'], { outcome: 'error', denial: { code: 'NoSuchBucket', stage: 'bucket' } });
  const dead = await runCli(['probe', '--role', demo.role.arn, '--bucket', DEMO.bucket, '--prefix', 'nightly/', '--endpoint', 'http://127.0.0.1:9', '--format', 'json', '--max-attempts', '1']);
  t.equal(dead.code, 3);
  const j = JSON.parse(dead.stdout) as RunResult;
  t.match(j.checks[0], { outcome: 'error', denial: { stage: 'network', code: 'ECONNREFUSED' } });
});

t.test('head-bucket and list-prefix-recursive on RGW: HeadBucket needs an unprefixed ListBucket, the recursive listing no delimiter condition', async (t) => {
  useCredentials(operator);
  const bucketArn = `arn:aws:s3:::${DEMO.bucket}`;
  const objects = { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], Resource: [`${bucketArn}/restic/*`] };
  // the seed's prefix-scoped listing: restic's init (HeadBucket) is refused, the listings are not
  await createRole(rgw, 'prefix-lister', trust);
  await putRolePolicy(rgw, 'prefix-lister', 'p', {
    Version: '2012-10-17',
    Statement: [objects, { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn], Condition: { StringLike: { 's3:prefix': ['restic/', 'restic/*'] } } }],
  });
  const a = await probeJson(roleArn('prefix-lister'), DEMO.bucket, 'restic', ['--probe', 'restic-s3']);
  t.equal(a.code, 1);
  t.match(a.by['head-bucket'], { outcome: 'denied', action: 's3:ListBucket', denial: { stage: 'bucket' }, request: { action: 's3:ListBucket', resource: bucketArn, context: {} } });
  t.match(a.by['list-prefix'], { outcome: 'allowed', request: { resource: bucketArn, context: { 's3:prefix': 'restic/', 's3:delimiter': '/', 's3:max-keys': 100 } } });
  t.match(a.by['list-prefix-recursive'], { outcome: 'allowed', request: { context: { 's3:prefix': 'restic/' } } });
  t.notOk('s3:delimiter' in a.by['list-prefix-recursive']!.request!.context, 'the recursive listing sends no delimiter');
  t.same(a.json.checks.filter((c) => !c.ok).map((c) => c.id), ['head-bucket']);

  // a delimiter condition: the delimited listing passes, the recursive one (rclone delete, restic check) is refused
  await createRole(rgw, 'delimited-lister', trust);
  await putRolePolicy(rgw, 'delimited-lister', 'p', {
    Version: '2012-10-17',
    Statement: [objects, { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn], Condition: { StringEquals: { 's3:delimiter': ['/'] } } }],
  });
  const b = await probeJson(roleArn('delimited-lister'), DEMO.bucket, 'restic', ['--probe', 'restic-s3']);
  t.match(b.by['list-prefix'], { outcome: 'allowed' });
  t.match(b.by['list-prefix-recursive'], { outcome: 'denied', denial: { stage: 'bucket' } });
  t.match(b.by['head-bucket'], { outcome: 'denied' }, 'HeadBucket sends no delimiter either');

  // the policy the generator prints for restic-s3 lets all of it through
  const gen = await runCli(['policy', '--probe', 'restic-s3', '--bucket', DEMO.bucket, '--prefix', 'restic', '--format', 'json']);
  t.equal(gen.code, 0, gen.stderr);
  await createRole(rgw, 'generated-restic', trust);
  await putRolePolicy(rgw, 'generated-restic', 'p', (JSON.parse(gen.stdout) as { identity: object }).identity);
  const c = await probeJson(roleArn('generated-restic'), DEMO.bucket, 'restic', ['--probe', 'restic-s3']);
  t.equal(c.code, 0, JSON.stringify(c.json.checks.filter((k) => !k.ok)));
  t.same(await empty(DEMO.bucket), { objects: [], uploads: [] });
});
