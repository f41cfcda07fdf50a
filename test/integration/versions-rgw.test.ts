// Versioned and Object Lock buckets on a real Ceph RGW (issue 13): after every probe the bucket's
// versions and delete markers, listed as the owner, are exactly what the report lists (nothing left
// unreported); immutable-s3 passes on a locked bucket and fails on an unlocked one; cleanup removes a
// stale run's versions and markers and never a decoy's; collisions at the canary key leave the other
// writer's object intact.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createRole, putRolePolicy, roleArn, s3For, seedDemo, startRgw } from '../../scripts/rgw.mjs';
import type { Leftover, RunResult } from '../../src/core/model.js';
import { type FaultRule, startFaultProxy } from '../fault-proxy/index.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const s3: S3Client = s3For(rgw, owner);
t.teardown(() => s3.destroy());
useCredentials(owner);

const VERSIONED = 'versioned-backups';
const PLAIN = 'plain-backups';
const COMPLIANCE = 'locked-compliance';
const GOVERNANCE = 'locked-governance';
await s3.send(new CreateBucketCommand({ Bucket: VERSIONED }));
await s3.send(new PutBucketVersioningCommand({ Bucket: VERSIONED, VersioningConfiguration: { Status: 'Enabled' } }));
await s3.send(new CreateBucketCommand({ Bucket: PLAIN }));
for (const [bucket, mode] of [
  [COMPLIANCE, 'COMPLIANCE'],
  [GOVERNANCE, 'GOVERNANCE'],
] as const) {
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: bucket,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: mode, Days: 1 } } },
    }),
  );
}

interface Listed {
  key: string;
  versionId: string;
  deleteMarker: boolean;
  size: number;
}

async function versionsOf(bucket: string, prefix = ''): Promise<Listed[]> {
  const out: Listed[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker, VersionIdMarker }));
    for (const v of r.Versions ?? []) out.push({ key: v.Key!, versionId: v.VersionId ?? 'null', deleteMarker: false, size: v.Size ?? 0 });
    for (const m of r.DeleteMarkers ?? []) out.push({ key: m.Key!, versionId: m.VersionId ?? 'null', deleteMarker: true, size: 0 });
    if (!r.IsTruncated) return out;
    KeyMarker = r.NextKeyMarker;
    VersionIdMarker = r.NextVersionIdMarker;
  }
}

async function probe(bucket: string, extra: string[] = [], endpoint = rgw.endpoint, role?: string): Promise<{ code: number; json: RunResult; stderr: string }> {
  // With a role: assumed by the source identity (the bucket owner's keys are the process default).
  // (the SDK's credential chain reads process.env: switched for the call, the tests run one at a time)
  const who = role ? ['--role', roleArn(role)] : ['--no-assume'];
  if (role) useCredentials(demo.users.sourceIdentity);
  const r = await runCli(['probe', ...who, '--bucket', bucket, '--prefix', 'nightly/', '--endpoint', endpoint, '--path-style', '--format', 'json', ...extra]).finally(() => useCredentials(owner));
  try {
    return { code: r.code, json: JSON.parse(r.stdout) as RunResult, stderr: r.stderr };
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

/** Every version and marker under the run's folder, as the owner lists it, is in the report, and only those. */
async function assertReportMatchesVersions(t: Test, bucket: string, json: RunResult): Promise<Listed[]> {
  const root = `nightly/.backup-canary/${json.runId}/`;
  const listed = await versionsOf(bucket, root);
  const reported = json.leftovers.filter((l) => !l.uploadId);
  for (const v of listed) {
    t.ok(
      reported.some((l) => l.key === v.key && (l.versionId === v.versionId || (!l.versionId && v.versionId === 'null'))),
      `${v.deleteMarker ? 'marker' : 'version'} ${v.key} ${v.versionId} still there is reported`,
    );
  }
  for (const l of reported) {
    t.ok(listed.some((v) => v.key === l.key && (l.versionId === undefined || v.versionId === l.versionId)), `leftover ${l.key} ${l.versionId ?? ''} is really there (${l.why})`);
  }
  return listed;
}

t.test('versioned bucket (Enabled): every version and delete marker the run created is removed by id', async (t) => {
  const p = await probe(VERSIONED);
  t.equal(p.code, 0, `${p.stderr}\n${JSON.stringify(p.json.checks.filter((c) => !c.ok), null, 1)}\n${JSON.stringify(p.json.leftovers)}`);
  t.equal(p.json.verdict, 'pass');
  t.same(p.json.target.versioning, { status: 'Enabled', from: 'GetBucketVersioning' });
  t.match(p.json.target.objectLock, { enabled: false });
  t.match(p.json.target.conditionalWrites, { completeMultipartUpload: 'unknown', why: /not measured on a versioned bucket/ });
  t.same(p.json.leftovers, []);
  t.same(await assertReportMatchesVersions(t, VERSIONED, p.json), [], 'no version and no delete marker left');
});

t.test('versioned bucket (Suspended): the null versions and markers go too', async (t) => {
  await s3.send(new PutBucketVersioningCommand({ Bucket: VERSIONED, VersioningConfiguration: { Status: 'Suspended' } }));
  const p = await probe(VERSIONED);
  t.equal(p.code, 0, `${p.stderr}\n${JSON.stringify(p.json.checks.filter((c) => !c.ok), null, 1)}\n${JSON.stringify(p.json.leftovers)}`);
  t.same(p.json.target.versioning, { status: 'Suspended', from: 'GetBucketVersioning' });
  // Suspended replaces the null version as an unversioned bucket replaces the object: measured, and RGW ignores it
  t.match(p.json.target.conditionalWrites, { completeMultipartUpload: 'ignored' });
  t.match(p.json.checks.find((c) => c.id === 'multipart-complete')!.caveat, { finding: 'collision-unguarded' });
  t.same(await assertReportMatchesVersions(t, VERSIONED, p.json), [], 'the measuring object\'s null versions and markers go too');
  await s3.send(new PutBucketVersioningCommand({ Bucket: VERSIONED, VersioningConfiguration: { Status: 'Enabled' } }));
});

for (const [bucket, mode] of [
  [COMPLIANCE, 'COMPLIANCE'],
  [GOVERNANCE, 'GOVERNANCE'],
] as const) {
  t.test(`Object Lock ${mode} 1 day: small canaries, retained ones reported with their date, verdict pass`, async (t) => {
    const p = await probe(bucket);
    t.equal(p.code, 0, `${p.stderr}\n${JSON.stringify(p.json.checks.filter((c) => !c.ok), null, 1)}\n${JSON.stringify(p.json.leftovers)}`);
    t.equal(p.json.verdict, 'pass');
    t.same(p.json.target.objectLock, { enabled: true, mode, days: 1 });
    const listed = await assertReportMatchesVersions(t, bucket, p.json);
    const kept = listed.filter((v) => !v.deleteMarker);
    const bytes = kept.reduce((n, v) => n + v.size, 0);
    t.ok(bytes <= 1024 * 1024, `${bytes} bytes retained by the default probe (at most 1 MiB)`);
    t.comment(`default probe on ${mode}: ${kept.length} versions, ${bytes} bytes retained`);
    t.notOk(listed.some((v) => v.deleteMarker), 'delete markers are not retained: removed');
    for (const l of p.json.leftovers) {
      t.match(l, { versionId: /./, mode, retainUntil: /^\d{4}-/ }, `${l.key} retained with its date`);
      const days = (Date.parse(l.retainUntil!) - Date.now()) / 86_400_000;
      t.ok(days > 0.9 && days <= 1.01, `retained for a day (${days.toFixed(3)})`);
    }

    // The bucket owner as the probed identity: on GOVERNANCE it may bypass (RGW grants the owner
    // s3:BypassGovernanceRetention), so the lock does not hold against it; the role cases are below.
    if (mode === 'GOVERNANCE') {
      const own = await probe(bucket, ['--probe', 'immutable-s3']);
      t.equal(own.json.verdict, 'fail', 'GOVERNANCE against its owner: the owner may bypass');
      t.match(Object.fromEntries(own.json.checks.map((c) => [c.id, `${c.outcome} ${c.finding}`])), { 'delete-locked-version': 'allowed not-immutable', 'shorten-retention': 'allowed not-immutable' });
      await assertReportMatchesVersions(t, bucket, own.json);
      return;
    }
    const im = await probe(bucket, ['--probe', 'immutable-s3']);
    t.equal(im.code, 0, `${im.stderr}\n${JSON.stringify(im.json.checks.filter((c) => !c.ok), null, 1)}`);
    t.equal(im.json.verdict, 'pass');
    t.match(Object.fromEntries(im.json.checks.map((c) => [c.id, c.outcome])), { 'delete-locked-version': 'denied', 'shorten-retention': 'denied' });
    const imListed = await assertReportMatchesVersions(t, bucket, im.json);
    // The refusal is about shortening: the same request with a later date is accepted (so neither the
    // checksum RGW requires on PutObjectRetention nor the permission is what refused it).
    const held = im.json.leftovers[0]!;
    await s3.send(
      new PutObjectRetentionCommand({ Bucket: bucket, Key: held.key, VersionId: held.versionId, Retention: { Mode: mode, RetainUntilDate: new Date(Date.parse(held.retainUntil!) + 3_600_000) } }),
    );
    t.pass(`${mode}: extending the canary's retention is accepted`);
    t.comment(`immutable-s3 on ${mode}: ${imListed.reduce((n, v) => n + v.size, 0)} bytes retained`);
  });
}

// Roles on the GOVERNANCE bucket, with and without s3:BypassGovernanceRetention. Measured on RGW
// Pacific 16.2.15: PutObjectRetention to an earlier date with the bypass header needs an Allow of
// s3:BypassGovernanceRetention (as on AWS); DeleteObject of a version with the header deletes unless the
// permission is explicitly denied (AWS requires the Allow: "To use this header, you must have the
// s3:BypassGovernanceRetention permission", API_DeleteObject). The probe reports what the store does.
const LOCK_ACTIONS = ['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:GetObjectRetention', 's3:ListBucket', 's3:GetBucketVersioning', 's3:GetBucketObjectLockConfiguration', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:ListBucketMultipartUploads'];
async function lockRole(name: string, bypass: 'allow' | 'deny' | 'none', actions = LOCK_ACTIONS): Promise<void> {
  const res = [GOVERNANCE, COMPLIANCE].flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]);
  const statements: object[] = [{ Effect: 'Allow', Action: bypass === 'allow' ? [...actions, 's3:BypassGovernanceRetention'] : actions, Resource: res }];
  if (bypass === 'deny') statements.push({ Effect: 'Deny', Action: ['s3:BypassGovernanceRetention'], Resource: res });
  await createRole(rgw, name, demo.role.trustPolicy);
  await putRolePolicy(rgw, name, 'lock', { Version: '2012-10-17', Statement: statements });
}

t.test('GOVERNANCE: the lock proofs send the bypass header; only a role refused the bypass passes', async (t) => {
  await lockRole('lock-bypass', 'allow');
  await lockRole('lock-nobypass', 'none');
  await lockRole('lock-denybypass', 'deny');
  const checks = (j: RunResult) => Object.fromEntries(j.checks.map((c) => [c.id, c]));

  const may = await probe(GOVERNANCE, ['--probe', 'immutable-s3'], rgw.endpoint, 'lock-bypass');
  t.equal(may.code, 1, may.stderr);
  t.equal(may.json.verdict, 'fail');
  for (const id of ['delete-locked-version', 'shorten-retention']) {
    t.match(checks(may.json)[id], { outcome: 'allowed', ok: false, finding: 'not-immutable', note: /x-amz-bypass-governance-retention: true/, request: { also: ['s3:BypassGovernanceRetention'] } }, `with s3:BypassGovernanceRetention: ${id} not-immutable`);
  }
  const mayListed = await assertReportMatchesVersions(t, GOVERNANCE, may.json);
  t.same(mayListed.filter((v) => !v.deleteMarker), [], 'the canary version was deleted with the bypass: nothing of the run stays');

  const denied = await probe(GOVERNANCE, ['--probe', 'immutable-s3'], rgw.endpoint, 'lock-denybypass');
  t.equal(denied.code, 0, `${denied.stderr}\n${JSON.stringify(denied.json.checks.filter((c) => !c.ok), null, 1)}`);
  t.equal(denied.json.verdict, 'pass');
  t.match(checks(denied.json), { 'delete-locked-version': { outcome: 'denied', request: { also: ['s3:BypassGovernanceRetention'] } }, 'shorten-retention': { outcome: 'denied' } });
  const kept = await assertReportMatchesVersions(t, GOVERNANCE, denied.json);
  t.equal(kept.filter((v) => !v.deleteMarker).length, 1, 'the canary stays, reported with its date');
  t.match(denied.json.leftovers, [{ mode: 'GOVERNANCE', retainUntil: /^\d{4}-/ }]);

  // No statement about the bypass at all: RGW refuses the shortening but deletes the version.
  const none = await probe(GOVERNANCE, ['--probe', 'immutable-s3'], rgw.endpoint, 'lock-nobypass');
  t.equal(none.json.verdict, 'fail');
  t.match(checks(none.json), { 'shorten-retention': { outcome: 'denied', ok: true }, 'delete-locked-version': { outcome: 'allowed', ok: false, finding: 'not-immutable' } });
  t.comment('RGW Pacific: DeleteObject with x-amz-bypass-governance-retention deletes a GOVERNANCE version for a role with no Allow of s3:BypassGovernanceRetention (only an explicit Deny stops it)');
  await assertReportMatchesVersions(t, GOVERNANCE, none.json);
});

t.test('Object Lock configuration not readable by the role: small canaries, the lock learned from the canary version', async (t) => {
  await lockRole('lock-noread', 'deny', LOCK_ACTIONS.filter((a) => a !== 's3:GetBucketObjectLockConfiguration'));
  const p = await probe(COMPLIANCE, [], rgw.endpoint, 'lock-noread');
  t.equal(p.code, 0, `${p.stderr}\n${JSON.stringify(p.json.checks.filter((c) => !c.ok), null, 1)}\n${JSON.stringify(p.json.leftovers)}`);
  t.equal(p.json.verdict, 'pass');
  t.match(p.json.target.objectLock, { enabled: true, mode: 'COMPLIANCE', from: 'write-responses', note: /^s3:GetBucketObjectLockConfiguration denied \(AccessDenied 403\); the canaries are kept small as on a locked bucket; learned from the canary's version \(HEAD\): retained \(COMPLIANCE\) until/ });
  const listed = await assertReportMatchesVersions(t, COMPLIANCE, p.json);
  const bytes = listed.filter((v) => !v.deleteMarker).reduce((n, v) => n + v.size, 0);
  t.ok(bytes <= 1024 * 1024, `${bytes} bytes retained with the configuration unreadable (at most 1 MiB)`);
  for (const l of p.json.leftovers) t.match(l, { mode: 'COMPLIANCE', retainUntil: /^\d{4}-/ }, `${l.key} retained with its date`);
});

t.test('immutable-s3 fails on buckets without Object Lock (not-immutable), leaving nothing', async (t) => {
  for (const bucket of [PLAIN, VERSIONED]) {
    const p = await probe(bucket, ['--probe', 'immutable-s3']);
    t.equal(p.code, 1, `${bucket}: ${p.stderr}`);
    t.equal(p.json.verdict, 'fail');
    const byId = Object.fromEntries(p.json.checks.map((c) => [c.id, c]));
    t.match(byId['delete-locked-version'], { outcome: 'allowed', ok: false, finding: 'not-immutable' });
    t.match(byId['shorten-retention'], { ok: false });
    t.same(await assertReportMatchesVersions(t, bucket, p.json), [], `${bucket}: nothing left`);
  }
});

t.test('delete-object-version: the canary\'s own version deleted by id (versioned) or as version null (unversioned)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bc-versions-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'by-version.yaml');
  writeFileSync(
    file,
    ['name: by-version', 'description: put, delete, delete the version by id', 'source: https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html', 'checks:', '  put-object: allow', '  delete-object: allow', '  delete-object-version: allow', ''].join('\n'),
  );
  for (const bucket of [PLAIN, VERSIONED]) {
    const p = await probe(bucket, ['--probe', file]);
    t.equal(p.code, 0, `${bucket}: ${p.stderr}\n${JSON.stringify(p.json.checks.filter((c) => !c.ok), null, 1)}`);
    t.match(p.json.checks.find((c) => c.id === 'delete-object-version'), { outcome: 'allowed', action: 's3:DeleteObjectVersion' });
    t.same(await assertReportMatchesVersions(t, bucket, p.json), [], `${bucket}: nothing left`);
  }
});

t.test('cleanup on a versioned bucket: a stale run\'s versions and markers go, decoys\' versions stay', async (t) => {
  const stale = '20200101T000000Z-123456';
  const canary = `nightly/.backup-canary/${stale}/object.bin`;
  const decoys = ['nightly/data.bin', 'nightly/.backup-canary-notes.txt', `nightly/.backup-canary/${stale}/deeper/object.bin`];
  for (const k of [canary, canary, ...decoys, ...decoys]) await s3.send(new PutObjectCommand({ Bucket: VERSIONED, Key: k, Body: 'x' }));
  await s3.send(new DeleteObjectCommand({ Bucket: VERSIONED, Key: canary }));
  for (const k of decoys) await s3.send(new DeleteObjectCommand({ Bucket: VERSIONED, Key: k }));
  const before = await versionsOf(VERSIONED, 'nightly/');
  t.equal(before.filter((v) => v.key === canary).length, 3, 'two versions and a delete marker of the stale canary');

  const dry = await runCli(['cleanup', '--no-assume', '--bucket', VERSIONED, '--prefix', 'nightly', '--endpoint', rgw.endpoint, '--path-style']);
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stdout, /3 versions/);
  t.same(await versionsOf(VERSIONED, 'nightly/'), before, 'a dry run removes nothing');

  const r = await runCli(['cleanup', '--no-assume', '--bucket', VERSIONED, '--prefix', 'nightly', '--endpoint', rgw.endpoint, '--path-style', '--yes', '--format', 'json']);
  t.equal(r.code, 0, r.stderr);
  const after = await versionsOf(VERSIONED, 'nightly/');
  t.same(after.filter((v) => v.key === canary), [], 'every version and marker of the stale canary removed');
  t.same(
    after.map((v) => `${v.key} ${v.versionId}`).sort(),
    before.filter((v) => v.key !== canary).map((v) => `${v.key} ${v.versionId}`).sort(),
    'every version and marker of every decoy untouched',
  );
});

t.test('cleanup on a locked bucket reports retained versions with their date', async (t) => {
  const stale = '20200101T000000Z-654321';
  const canary = `nightly/.backup-canary/${stale}/object.bin`;
  await s3.send(new PutObjectCommand({ Bucket: COMPLIANCE, Key: canary, Body: 'x', ContentMD5: createHash('md5').update('x').digest('base64') }));
  const r = await runCli(['cleanup', '--no-assume', '--bucket', COMPLIANCE, '--prefix', 'nightly', '--endpoint', rgw.endpoint, '--path-style', '--yes', '--format', 'json']);
  const j = JSON.parse(r.stdout) as { leftovers: Leftover[]; retained?: Leftover[] };
  const kept = [...j.leftovers, ...(j.retained ?? [])].find((l) => l.key === canary);
  t.match(kept, { versionId: /./, mode: 'COMPLIANCE', retainUntil: /^\d{4}-/ }, 'retained with its date');
  t.equal(r.code, 0, 'retained versions alone do not fail the cleanup');
});

t.test('collisions: the other writer\'s object at the canary key stays intact', async (t) => {
  const proxy = await startFaultProxy({ upstream: rgw.endpoint, deadlineMs: 120_000, maxRequests: 2000 });
  t.teardown(() => proxy.close());
  const planted = new Map<string, string>();
  const plant = (bucket: string) => async (ex: { path: string }) => {
    const key = decodeURIComponent(ex.path.replace(`/${bucket}/`, ''));
    const r = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'the other writer' }));
    planted.set(key, r.VersionId ?? 'null');
  };

  for (const bucket of [PLAIN, VERSIONED]) {
    // PutObject answers 503 (not forwarded); the other writer creates the key; the retry meets 412.
    const retried: FaultRule[] = [
      { name: '503', op: 'PutObject', path: /\/object\.bin$/, attempts: [1], fault: { kind: 'status', status: 503, code: 'SlowDown' } },
      { name: 'plant', op: 'PutObject', path: /\/object\.bin$/, attempts: [2], fault: { kind: 'hook', run: plant(bucket) } },
    ];
    proxy.setRules(retried);
    planted.clear();
    const p = await probe(bucket, [], proxy.endpoint);
    t.not(p.json.verdict, 'pass', `${bucket}: a put that met another writer does not pass`);
    const [[key, vid]] = [...planted];
    const listed = await versionsOf(bucket, key);
    t.ok(listed.some((v) => v.versionId === vid && !v.deleteMarker), `${bucket}: the other writer's version ${vid} is still there`);
    t.ok(p.json.leftovers.some((l) => l.key === key && /not proved to be this run's canary|another writer's version at the canary key/.test(l.why)), `${bucket}: reported, not deleted`);
    await assertReportMatchesVersions(t, bucket, p.json);
  }

  // CompleteMultipartUpload held while the other writer creates the key: RGW ignores If-None-Match
  // on complete, so on a versioned bucket its object becomes a noncurrent version; the report says so.
  proxy.setRules([{ name: 'plant-complete', op: 'CompleteMultipartUpload', path: /\/multipart\.bin$/, attempts: [1], fault: { kind: 'hook', run: plant(VERSIONED) } }]);
  planted.clear();
  const p = await probe(VERSIONED, [], proxy.endpoint);
  const complete = p.json.checks.find((c) => c.id === 'multipart-complete')!;
  t.match(complete, { ok: false, reason: /ignored If-None-Match: \* on CompleteMultipartUpload/ });
  t.not(p.json.verdict, 'pass');
  const [[key, vid]] = [...planted];
  t.ok((await versionsOf(VERSIONED, key)).some((v) => v.versionId === vid), `the other writer's version ${vid} is intact`);
  await assertReportMatchesVersions(t, VERSIONED, p.json);
  t.match(p.json.target.conditionalWrites, { completeMultipartUpload: 'unknown', why: /not measured on a versioned bucket/ }, 'versioned: the versions check stands in for the measurement');
});

// The same held CompleteMultipartUpload on an UNVERSIONED bucket: RGW ignores If-None-Match on complete
// and no noncurrent version keeps the other writer's object, so the overwrite leaves no trace and the
// check cannot see it. The tool measures that RGW ignores the header (on its own keys) and says so.
t.test('held CompleteMultipartUpload on an unversioned bucket: the report says the guarantee does not hold', async (t) => {
  const proxy = await startFaultProxy({ upstream: rgw.endpoint, deadlineMs: 120_000, maxRequests: 2000 });
  t.teardown(() => proxy.close());
  let planted: { key: string; etag: string } | null = null;
  proxy.setRules([
    {
      name: 'plant-complete',
      op: 'CompleteMultipartUpload',
      path: /\/multipart\.bin$/,
      attempts: [1],
      fault: {
        kind: 'hook',
        run: async (ex) => {
          const key = decodeURIComponent(ex.path.replace(`/${PLAIN}/`, ''));
          const r = await s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: key, Body: 'the other writer' }));
          planted = { key, etag: r.ETag ?? '' };
        },
      },
    },
  ]);
  const p = await probe(PLAIN, [], proxy.endpoint);
  t.ok(planted, 'the other writer created the key while the completion was held');
  const { key } = planted!;
  const complete = p.json.checks.find((c) => c.id === 'multipart-complete')!;
  // What the report says, exactly.
  t.match(p.json.target.conditionalWrites, {
    completeMultipartUpload: 'ignored',
    why: /CompleteMultipartUpload with If-None-Match: \* over this run's own object nightly\/\.backup-canary\/[^/]+\/conditional-[0-9a-f]{12}\.bin succeeded and replaced it/,
  });
  t.match(complete, { outcome: 'allowed', ok: true, caveat: { finding: 'collision-unguarded', why: new RegExp(`${key.replace(/[.]/g, '\\.')} .*would have been overwritten without trace`) } });
  t.equal(p.json.verdict, 'pass', 'permissions as expected: the finding is reported, not a failed verdict (README "Known limit")');
  t.equal(p.code, 0);
  // Ground truth: the other writer's object is gone. RGW completed over it (the header was sent and
  // ignored), and the canary's cleanup then deleted what HEAD proved to be the canary. Nothing is left
  // at the key, and nothing in the report could have named the loss: hence the caveat.
  const sent = proxy.log.find((ex) => ex.op === 'CompleteMultipartUpload' && ex.path.endsWith('/multipart.bin'))!;
  t.equal(sent.requestHeaders['if-none-match'], '*', 'the completion carried If-None-Match: *');
  t.equal(sent.status, 200, 'RGW completed over the other writer\'s object');
  t.same(await versionsOf(PLAIN, key), [], 'the other writer\'s object was overwritten and is gone');
  // The measurement: exactly one object and one upload of its own, both removed.
  const measuring = proxy.log.filter((ex) => /\/conditional-[0-9a-f]{12}\.bin$/.test(ex.path));
  t.same(
    measuring.map((ex) => `${ex.op} ${ex.status}`),
    ['PutObject 200', 'CreateMultipartUpload 200', 'UploadPart 200', 'HeadObject 200', 'CompleteMultipartUpload 200', 'HeadObject 200', 'DeleteObject 204'],
    'PutObject, one tiny upload completed over it, and its removal',
  );
  t.equal(measuring.find((ex) => ex.op === 'PutObject')!.requestHeaders['if-none-match'], '*', 'the measuring object is created conditionally');
  t.same(await assertReportMatchesVersions(t, PLAIN, p.json), [], 'nothing of the run is left');
});

t.test('a store that honours If-None-Match on complete (the proxy answers 412 as Amazon S3 does): honoured, no finding, nothing left', async (t) => {
  const proxy = await startFaultProxy({ upstream: rgw.endpoint, deadlineMs: 120_000, maxRequests: 2000 });
  t.teardown(() => proxy.close());
  // Only the measuring completion, over the run's own object, gets the 412 of a store that honours the header.
  proxy.setRules([{ name: '412', op: 'CompleteMultipartUpload', path: /\/conditional-[0-9a-f]{12}\.bin$/, fault: { kind: 'status', status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' } }]);
  const p = await probe(PLAIN, [], proxy.endpoint);
  t.equal(p.code, 0, `${p.stderr}\n${JSON.stringify(p.json.checks.filter((c) => !c.ok), null, 1)}`);
  t.match(p.json.target.conditionalWrites, { completeMultipartUpload: 'honoured', why: /was refused \(PreconditionFailed 412\)/ });
  t.notOk(p.json.checks.find((c) => c.id === 'multipart-complete')!.caveat, 'no collision-unguarded finding');
  const measuring = proxy.log.filter((ex) => /\/conditional-[0-9a-f]{12}\.bin$/.test(ex.path));
  t.same(
    measuring.map((ex) => `${ex.op} ${ex.status}`),
    ['PutObject 200', 'CreateMultipartUpload 200', 'UploadPart 200', 'HeadObject 200', 'CompleteMultipartUpload 412', 'AbortMultipartUpload 204', 'DeleteObject 204'],
    'the refused upload is aborted, the object removed',
  );
  t.equal(measuring.find((ex) => ex.op === 'CompleteMultipartUpload')!.requestHeaders['if-none-match'], '*');
  t.same(await assertReportMatchesVersions(t, PLAIN, p.json), [], 'nothing of the run is left');
});
