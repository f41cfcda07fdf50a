// Two identities on a real Ceph RGW (issue 15, Deliver item 1): a writer (an RGW user through
// --writer-profile, or a writer role assumed from it through --writer-role) puts the canary, as the
// producing application does; the backup role (--role, read-only: no s3:PutObject, no s3:Delete*)
// then runs s3-backup-source's reader checks on it, allowed or denied by the role policy and by a
// bucket policy; the writer removes what it put. After every probe the bucket's objects AND versions,
// listed as the bucket owner, are exactly the decoys plus what the report lists as left behind, and
// the decoys (other keys, another run's canary) are untouched. RGW is started on its own free ports;
// if it cannot start, this file fails (it never skips).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createRole, createUser, deleteBucketPolicy, deleteRolePolicy, putBucketPolicy, putRolePolicy, roleArn, s3For, seedDemo, startRgw, userArn } from '../../scripts/rgw.mjs';
import { runPolicyCommand } from '../../src/cli/policy-command.js';
import type { RunResult } from '../../src/core/model.js';
import type { PolicyDocument } from '../../src/policy/generate.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const operator = demo.users.sourceIdentity;
const app = await createUser(rgw, 'app-writer', { accessKeyId: 'APPWRITERKEY000000001', secretAccessKey: 'app-writer-secret-0000000000000000000001' });
const s3 = s3For(rgw, owner);
t.teardown(() => s3.destroy());

// The writer's credentials: a shared-credentials profile, as --writer-profile reads it.
const dir = mkdtempSync(join(tmpdir(), 'bc-writer-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'credentials'), `[app]\naws_access_key_id = ${app.accessKeyId}\naws_secret_access_key = ${app.secretAccessKey}\n`);
writeFileSync(join(dir, 'config'), '[profile app]\nregion = us-east-1\n');
process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
process.env.AWS_CONFIG_FILE = join(dir, 'config');
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const PLAIN = 'app-data';
const VERSIONED = 'app-data-versioned';
const PREFIX = 'data/';
const READER = 'backup-reader';
const WRITER_ROLE = 'app-writer-role';
await s3.send(new CreateBucketCommand({ Bucket: PLAIN }));
await s3.send(new CreateBucketCommand({ Bucket: VERSIONED }));
await s3.send(new PutBucketVersioningCommand({ Bucket: VERSIONED, VersioningConfiguration: { Status: 'Enabled' } }));
await createRole(rgw, READER, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(operator.uid)] }, Action: ['sts:AssumeRole'] }] });
await createRole(rgw, WRITER_ROLE, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(app.uid)] }, Action: ['sts:AssumeRole'] }] });

const objects = (b: string) => `arn:aws:s3:::${b}/${PREFIX}*`;
const buckets = [PLAIN, VERSIONED];
// The reader: read-only. No s3:PutObject and no s3:Delete*: with a writer it needs none of them.
const READ_OBJECT = ['s3:GetObject', 's3:GetObjectTagging', 's3:GetObjectAcl', 's3:GetObjectVersion'];
const readerPolicy = (objectActions = READ_OBJECT) => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: objectActions, Resource: buckets.map(objects) },
    { Effect: 'Allow', Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation', 's3:GetBucketVersioning'], Resource: buckets.map((b) => `arn:aws:s3:::${b}`) },
  ],
});
const WRITE = ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'];
const writerRolePolicy = (actions = WRITE) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: buckets.map(objects) }] });
/** The bucket policy that lets the application user write (it is not the bucket's owner), plus `extra`. */
const appBucketPolicy = (bucket: string, extra: object[] = [], appActions = WRITE) => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'AppWrites', Effect: 'Allow', Principal: { AWS: [userArn(app.uid)] }, Action: appActions, Resource: [objects(bucket)] }, ...extra],
});
await putRolePolicy(rgw, READER, 'reader', readerPolicy());
await putRolePolicy(rgw, WRITER_ROLE, 'writer', writerRolePolicy());

// Decoys: objects of other keys under the prefix, and another run's canary; never touched.
const DECOYS = [`${PREFIX}app/orders-0001.json`, `${PREFIX}.backup-canary/20200101T000000Z-abcdef/object.bin`];
const decoyVersions = new Map<string, string>();
for (const b of buckets) {
  for (const k of DECOYS) {
    const r = await s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: `decoy ${b}/${k}` }));
    decoyVersions.set(`${b}/${k}`, r.VersionId ?? '');
  }
}

interface Probe {
  code: number;
  json: RunResult;
  by: Record<string, RunResult['checks'][number]>;
  failed: string[];
}
async function probe(bucket: string, extra: string[], format = 'json'): Promise<Probe & { stdout: string }> {
  useCredentials(operator);
  const r = await runCli(['probe', '--probe', 's3-backup-source', '--role', roleArn(READER), '--bucket', bucket, '--prefix', PREFIX, '--endpoint', rgw.endpoint, '--path-style', '--timeout', '10', '--format', format, ...extra]);
  if (format !== 'json') return { code: r.code, stdout: r.stdout, json: undefined as unknown as RunResult, by: {}, failed: [] };
  let json: RunResult;
  try {
    json = JSON.parse(r.stdout) as RunResult;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  const by = Object.fromEntries(json.checks.map((c) => [c.id, c]));
  return { code: r.code, stdout: r.stdout, json, by, failed: json.checks.filter((c) => !c.ok).map((c) => `${c.id}:${c.outcome}:${c.denial?.code ?? c.reason ?? ''}`) };
}

/** Every version and delete marker in the bucket, as its owner (an unversioned bucket lists its objects with version "null"). */
async function everything(bucket: string): Promise<{ key: string; versionId: string; marker: boolean }[]> {
  const r = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  return [...(r.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId!, marker: false })), ...(r.DeleteMarkers ?? []).map((m) => ({ key: m.Key!, versionId: m.VersionId!, marker: true }))];
}

/** Nothing in the bucket but the decoys (unchanged) and what the report lists as left behind. */
async function onlyDecoysAndReported(t: Test, bucket: string, p: Probe): Promise<void> {
  const all = await everything(bucket);
  const canary = all.filter((v) => !DECOYS.includes(v.key));
  const reported = p.json.leftovers.map((l) => `${l.key}@${l.versionId ?? 'null'}`);
  // the plain listing too (current objects): only decoys and leftovers that are current objects
  const listed = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!);
  const current = p.json.leftovers.filter((l) => !l.deleteMarker).map((l) => l.key);
  t.ok(listed.filter((k) => !DECOYS.includes(k)).every((k) => current.includes(k)), `${bucket}: ListObjectsV2 shows no object the report does not list (${listed.length} listed)`);
  t.same(canary.map((v) => `${v.key}@${v.versionId}`).sort(), reported.sort(), `${bucket}: nothing left that the report does not list (${canary.length} left)`);
  for (const k of DECOYS) {
    const mine = all.filter((v) => v.key === k);
    t.same(mine.map((v) => v.versionId), [decoyVersions.get(`${bucket}/${k}`) || 'null'], `decoy ${k}: its one version, untouched`);
    const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
    t.equal(await body.Body!.transformToString(), `decoy ${bucket}/${k}`, `decoy ${k}: its bytes`);
  }
}

/** Remove what a run left (as the owner), after it was checked against the report. */
async function sweep(bucket: string): Promise<void> {
  for (const v of (await everything(bucket)).filter((x) => !DECOYS.includes(x.key))) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: v.key, VersionId: v.versionId }));
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);

t.test('writer profile (an application user) puts with bucket-owner-full-control; the read-only role passes; the writer cleans up', async (t) => {
  await putBucketPolicy(rgw, owner, PLAIN, appBucketPolicy(PLAIN));
  t.teardown(() => deleteBucketPolicy(rgw, owner, PLAIN));
  const p = await probe(PLAIN, ['--writer-profile', 'app', '--writer-acl', 'bucket-owner-full-control']);
  t.same(p.failed, [], 'every check meets its expectation');
  t.equal(p.json.verdict, 'pass');
  t.equal(p.code, 0);
  const put = p.by['put-object']!;
  t.equal(put.by, 'writer', "put-object is the writer's (setup)");
  t.equal(put.outcome, 'allowed');
  t.equal(put.request?.context['s3:x-amz-acl'], 'bucket-owner-full-control', 'the writer sent its canned ACL');
  t.same(p.json.target.writer, { role: null, profile: 'app', acl: 'bucket-owner-full-control', arn: null }, 'the writer is recorded (RGW has no GetCallerIdentity: arn null)');
  for (const c of p.json.checks.filter((k) => k.id !== 'put-object')) t.notOk(c.by, `${c.id}: sent by the role`);
  t.equal(p.by['get-object']!.outcome, 'allowed', 'the role reads the object the writer put');
  t.equal(p.by['get-object-tagging']!.outcome, 'allowed');
  t.equal(p.json.identity.assumedRoleArn, `arn:aws:sts:::assumed-role/${READER}/${p.json.identity.assumedRoleArn?.split('/').pop()}`);
  t.same(p.json.leftovers, []);
  // the role has no s3:DeleteObject: nothing left means the writer removed its canary
  await onlyDecoysAndReported(t, PLAIN, p);
});

t.test('writer role (assumed from the writer profile), ACL none, versioned bucket: every version removed by the writer', async (t) => {
  const p = await probe(VERSIONED, ['--writer-role', roleArn(WRITER_ROLE), '--writer-profile', 'app']);
  t.same(p.failed, [], 'every check meets its expectation');
  t.equal(p.json.verdict, 'pass');
  t.equal(p.by['put-object']!.by, 'writer');
  t.notOk(p.by['put-object']!.request?.context['s3:x-amz-acl'], 'ACL none: no x-amz-acl header');
  t.match(p.json.target.writer, { role: roleArn(WRITER_ROLE), profile: 'app', acl: 'none', arn: new RegExp(`^arn:aws:sts:::assumed-role/${WRITER_ROLE}/backup-canary-.*-writer$`) });
  t.equal(p.json.target.versioning?.status, 'Enabled');
  t.same(p.json.leftovers, []);
  await onlyDecoysAndReported(t, VERSIONED, p);
});

t.test('the role policy and a bucket policy deny reader checks; the writer still cleans up', async (t) => {
  // role policy without s3:GetObjectTagging: get-object-tagging denied by the role's policy
  await putRolePolicy(rgw, READER, 'reader', readerPolicy(READ_OBJECT.filter((a) => a !== 's3:GetObjectTagging')));
  // bucket policy: an explicit Deny of s3:GetObject to the reader role (the application keeps writing)
  await putBucketPolicy(rgw, owner, PLAIN, appBucketPolicy(PLAIN, [{ Sid: 'NoBackupReads', Effect: 'Deny', Principal: { AWS: [roleArn(READER)] }, Action: ['s3:GetObject'], Resource: [objects(PLAIN)] }]));
  t.teardown(async () => {
    await deleteBucketPolicy(rgw, owner, PLAIN);
    await putRolePolicy(rgw, READER, 'reader', readerPolicy());
  });
  const p = await probe(PLAIN, ['--writer-profile', 'app', '--writer-acl', 'bucket-owner-full-control']);
  t.equal(p.by['put-object']!.outcome, 'allowed', "the writer's put is allowed");
  t.equal(p.by['get-object']!.outcome, 'denied', 'get-object: denied by the bucket policy');
  t.equal(p.by['get-object']!.denial?.httpStatus, 403);
  t.equal(p.by['get-object-tagging']!.outcome, 'denied', 'get-object-tagging: denied by the role policy');
  t.equal(p.by['list-prefix-recursive']!.outcome, 'allowed', 'the listing is still allowed');
  t.same(p.failed.map((f) => f.split(':')[0]).sort(), ['get-object', 'get-object-tagging']);
  t.equal(p.json.verdict, 'fail');
  t.equal(p.code, 1);
  t.same(p.json.leftovers, []);
  await onlyDecoysAndReported(t, PLAIN, p);
});

t.test("the writer may not put: put-object denied [writer], the reader's checks on the canary skipped, nothing written", async (t) => {
  await putRolePolicy(rgw, WRITER_ROLE, 'writer', writerRolePolicy(['s3:DeleteObject']));
  t.teardown(() => putRolePolicy(rgw, WRITER_ROLE, 'writer', writerRolePolicy()));
  const p = await probe(VERSIONED, ['--writer-role', roleArn(WRITER_ROLE), '--writer-profile', 'app']);
  const put = p.by['put-object']!;
  t.equal(put.by, 'writer');
  t.equal(put.outcome, 'denied');
  t.equal(put.denial?.code, 'AccessDenied');
  t.match(p.by['get-object']!.reason, /needs put-object, which was denied/);
  t.equal(p.json.verdict, 'fail');
  t.same(p.json.leftovers, []);
  await onlyDecoysAndReported(t, VERSIONED, p);
});

t.test("a writer that may put but not delete: its canary is reported as left behind (the writer's), and it is all that is left", async (t) => {
  await putBucketPolicy(rgw, owner, PLAIN, appBucketPolicy(PLAIN, [], ['s3:PutObject']));
  t.teardown(() => deleteBucketPolicy(rgw, owner, PLAIN));
  const p = await probe(PLAIN, ['--writer-profile', 'app']);
  t.equal(p.by['put-object']!.outcome, 'allowed');
  t.equal(p.by['get-object']!.outcome, 'allowed');
  t.equal(p.json.leftovers.length, 1, 'one object left');
  const l = p.json.leftovers[0]!;
  t.equal(l.by, 'writer', "the leftover is the writer's");
  t.match(l.why, /s3:DeleteObject denied \(AccessDenied 403\)/);
  t.equal(p.json.verdict, 'fail', 'an object left behind fails the target');
  t.equal(p.code, 1);
  await onlyDecoysAndReported(t, PLAIN, p);
  await sweep(PLAIN);
});

t.test('--no-assume: what the writer cannot remove, the source credentials (the bucket owner here) remove', async (t) => {
  await putBucketPolicy(rgw, owner, VERSIONED, appBucketPolicy(VERSIONED, [], ['s3:PutObject']));
  t.teardown(() => deleteBucketPolicy(rgw, owner, VERSIONED));
  useCredentials(owner);
  const r = await runCli(['probe', '--probe', 's3-backup-source', '--no-assume', '--bucket', VERSIONED, '--prefix', PREFIX, '--endpoint', rgw.endpoint, '--path-style', '--timeout', '10', '--format', 'json', '--writer-profile', 'app']);
  const json = JSON.parse(r.stdout) as RunResult;
  const put = json.checks.find((c) => c.id === 'put-object')!;
  t.equal(put.by, 'writer');
  t.equal(put.outcome, 'allowed');
  t.same(json.leftovers, [], 'the owner removed the version the writer could not');
  const all = await everything(VERSIONED);
  t.same(all.filter((v) => !DECOYS.includes(v.key)), [], 'nothing left');
});

t.test("the generated s3-backup-source policy with --writer, as the role's only policy: no write permission, and the probe with a writer passes", async (t) => {
  let out = '';
  const io = { stdout: (x: string) => void (out += x), stderr: () => undefined, env: {}, stdoutIsTTY: false };
  t.equal(await runPolicyCommand({ probe: 's3-backup-source', bucket: PLAIN, prefix: PREFIX, 'allow-bucket-root': false, provider: 'aws', format: 'json', writer: true }, io), 0);
  const g = (JSON.parse(out) as { identity: PolicyDocument }).identity;
  const actions = g.Statement.flatMap((st) => st.Action);
  t.notOk(actions.some((a) => /^s3:(Put|Delete)/.test(a)), `no s3:Put*/s3:Delete* (${actions.join(', ')})`);
  await deleteRolePolicy(rgw, READER, 'reader');
  await putRolePolicy(rgw, READER, 'generated', g);
  await putBucketPolicy(rgw, owner, PLAIN, appBucketPolicy(PLAIN));
  t.teardown(async () => {
    await deleteBucketPolicy(rgw, owner, PLAIN);
    await deleteRolePolicy(rgw, READER, 'generated');
    await putRolePolicy(rgw, READER, 'reader', readerPolicy());
  });
  const p = await probe(PLAIN, ['--writer-profile', 'app', '--writer-acl', 'bucket-owner-full-control']);
  t.same(p.failed, [], 'every check meets its expectation');
  t.equal(p.json.verdict, 'pass');
  t.same(p.json.leftovers, []);
  await onlyDecoysAndReported(t, PLAIN, p);
  // and without a writer the same policy cannot put the role's own canary: put-object denied
  const q = await probe(PLAIN, []);
  t.equal(q.by['put-object']!.outcome, 'denied', 'without a writer the role would have to put the canary itself');
  t.notOk(q.by['put-object']!.by);
  t.equal(q.json.verdict, 'fail');
  await onlyDecoysAndReported(t, PLAIN, q);
});

t.test('cleanup --writer-profile: the sweep runs as the writer (the source credentials may not touch the bucket)', async (t) => {
  const SWEEP = 'sweep/';
  const stale = `${SWEEP}.backup-canary/20200101T000000Z-aaaaaa/object.bin`;
  const other = `${SWEEP}app/keep.json`;
  await putBucketPolicy(rgw, owner, PLAIN, {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AppObjects', Effect: 'Allow', Principal: { AWS: [userArn(app.uid)] }, Action: ['s3:PutObject', 's3:DeleteObject'], Resource: [`arn:aws:s3:::${PLAIN}/${SWEEP}*`] },
      { Sid: 'AppList', Effect: 'Allow', Principal: { AWS: [userArn(app.uid)] }, Action: ['s3:ListBucket', 's3:ListBucketMultipartUploads', 's3:ListBucketVersions', 's3:GetBucketVersioning'], Resource: [`arn:aws:s3:::${PLAIN}`] },
    ],
  });
  t.teardown(() => deleteBucketPolicy(rgw, owner, PLAIN));
  const asApp = s3For(rgw, app);
  t.teardown(() => asApp.destroy());
  await asApp.send(new PutObjectCommand({ Bucket: PLAIN, Key: stale, Body: 'stale canary of the writer' }));
  await asApp.send(new PutObjectCommand({ Bucket: PLAIN, Key: other, Body: 'not a canary' }));
  useCredentials(operator);
  const args = ['cleanup', '--no-assume', '--bucket', PLAIN, '--prefix', SWEEP, '--endpoint', rgw.endpoint, '--path-style', '--older-than', '1h', '--yes'];
  const without = await runCli(args);
  t.not(without.code, 0, `as the source credentials the sweep cannot list the bucket (exit ${without.code})`);
  const r = await runCli([...args, '--writer-profile', 'app']);
  t.equal(r.code, 0, r.stdout + r.stderr);
  const left = (await everything(PLAIN)).map((v) => v.key).filter((k) => k.startsWith(SWEEP));
  t.same(left, [other], 'the stale canary was swept by the writer; the other key stays');
  await s3.send(new DeleteObjectCommand({ Bucket: PLAIN, Key: other }));
});

t.test('text report of a run with a writer and a reader', async (t) => {
  await putBucketPolicy(rgw, owner, PLAIN, appBucketPolicy(PLAIN));
  t.teardown(() => deleteBucketPolicy(rgw, owner, PLAIN));
  const p = await probe(PLAIN, ['--writer-profile', 'app', '--writer-acl', 'bucket-owner-full-control'], 'text');
  t.comment(p.stdout);
  t.equal(p.code, 0);
  t.match(p.stdout, /writer profile app, ACL bucket-owner-full-control: puts the canary the role reads, and removes it/);
  t.match(p.stdout, /s3:PutObject\s+put-object\s+\[writer, setup\]\s+allowed/);
  t.match(p.stdout, /PASS/);
  t.same((await everything(PLAIN)).filter((v) => !DECOYS.includes(v.key)), [], `nothing left (${sha(p.stdout)})`);
});
