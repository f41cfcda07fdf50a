// Alibaba OSS versioned and WORM buckets (issue 13) through the real CLI and the real ali-oss client,
// against the OSS test server (test/oss-server/versions.ts follows Alibaba's documentation): after a
// probe the bucket's versions and delete markers are exactly what the report lists; a WORM bucket
// keeps one small canary per run, reported with its date; cleanup removes a stale run's versions and
// leaves a decoy's.
import t, { type Test } from 'tap';
import type { RunResult } from '../../src/core/model.js';
import { startOssServer } from '../oss-server/index.js';
import { runCli } from '../helpers/cli.js';

const ACCOUNT = '1234567890123456';
const ROLE = `acs:ram::${ACCOUNT}:role/backup`;
const USER = `acs:ram::${ACCOUNT}:user/backup-operator`;
const SOURCE = { accessKeyId: 'TESTOSSSOURCEKEY01', accessKeySecret: 'local-test-secret-source-01' };
const VERSIONED = 'versioned-backups';
const WORM = 'worm-backups';
const PREFIX = 'db/';

const server = await startOssServer();
t.teardown(() => server.stop());
server.addAccessKey({ ...SOURCE, principal: { type: 'user', arn: USER, uid: '200000000000000001', displayName: 'backup-operator' } });
server.addRole({ arn: ROLE, trusts: [USER] });
server.state.createBucket(VERSIONED);
server.state.buckets.get(VERSIONED)!.versioning = 'Enabled';
server.state.createBucket(WORM);
server.state.buckets.get(WORM)!.worm = { id: '1666E2CFB2B34180', state: 'Locked', days: 1, created: new Date() };
process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = SOURCE.accessKeyId;
process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = SOURCE.accessKeySecret;
delete process.env.ALIBABA_CLOUD_SECURITY_TOKEN;

const target = (bucket: string) => ['--role', ROLE, '--bucket', bucket, '--prefix', PREFIX, '--region', 'cn-hangzhou', '--endpoint', server.ossEndpoint, '--sts-endpoint', server.stsEndpoint, '--timeout', '10'];

async function probe(bucket: string, extra: string[] = []): Promise<{ code: number; json: RunResult; stderr: string }> {
  const r = await runCli(['probe', ...target(bucket), '--format', 'json', ...extra]);
  try {
    return { code: r.code, json: JSON.parse(r.stdout) as RunResult, stderr: r.stderr };
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

/** Every version and delete marker on the server, and every current object of an unversioned bucket. */
function stored(bucket: string): { key: string; versionId: string; marker: boolean; size: number }[] {
  const b = server.state.buckets.get(bucket)!;
  const out = [...b.versions.values()].flat().map((v) => ({ key: v.key, versionId: v.versionId!, marker: Boolean(v.deleteMarker), size: v.body.length }));
  for (const o of b.objects.values()) if (!b.versions.has(o.key)) out.push({ key: o.key, versionId: 'null', marker: false, size: o.body.length });
  return out;
}

function assertMatches(t: Test, bucket: string, json: RunResult) {
  const left = stored(bucket).filter((v) => v.key.includes(json.runId));
  for (const v of left) t.ok(json.leftovers.some((l) => l.key === v.key && (l.versionId === v.versionId || (!l.versionId && v.versionId === 'null'))), `${v.key} ${v.versionId} on the server is reported`);
  for (const l of json.leftovers.filter((x) => !x.uploadId)) t.ok(left.some((v) => v.key === l.key), `leftover ${l.key} is on the server (${l.why})`);
  return left;
}

t.test('OSS versioned bucket: every version and delete marker of the run removed by id', async (t) => {
  const p = await probe(VERSIONED);
  t.equal(p.code, 0, `${p.stderr}\n${JSON.stringify(p.json.checks.filter((c) => !c.ok), null, 1)}\n${JSON.stringify(p.json.leftovers)}`);
  t.same(p.json.target.versioning, { status: 'Enabled', from: 'GetBucketVersioning' });
  t.match(p.json.target.objectLock, { enabled: false });
  t.same(assertMatches(t, VERSIONED, p.json), []);
  const deletes = server.state.requests.filter((r) => r.api === 'DeleteObjectVersion').length;
  t.ok(deletes >= 3, `${deletes} DeleteObject requests with versionId (oss:DeleteObjectVersion)`);
});

t.test('OSS WORM bucket (1 day): deletes refused by the retention are expected; the default probe and append-only pass; canaries small and dated', async (t) => {
  // "After a retention policy configured for a bucket is locked, you can read objects from or upload
  // objects to the bucket. However, the retention policy and objects in the bucket cannot be deleted
  // within the retention period" (https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketworm):
  // as a retained version on S3 Object Lock, the canary staying is expected (issue 13 item 3).
  const d = await probe(WORM);
  t.equal(d.code, 0, `${d.stderr}\n${JSON.stringify(d.json.checks.filter((c) => !c.ok), null, 1)}\n${JSON.stringify(d.json.leftovers)}`);
  t.equal(d.json.verdict, 'pass', 'a refused delete of a retained canary does not fail the default probe');
  const refused = d.json.checks.filter((c) => c.outcome === 'denied');
  t.same(refused.map((c) => `${c.id} ${c.denial?.source} ${c.denial?.code} ${c.ok}`).sort(), ['delete-multipart-object object-lock FileImmutable true', 'delete-object object-lock FileImmutable true']);
  for (const c of refused) t.match(c.note, /^refused by the bucket's WORM retention policy \(FileImmutable 409\): expected on a locked bucket/);
  const dLeft = assertMatches(t, WORM, d.json);
  t.ok(dLeft.reduce((n, v) => n + v.size, 0) <= 1024 * 1024, 'at most 1 MiB retained by the default probe');
  for (const l of d.json.leftovers.filter((x) => !x.uploadId)) t.match(l, { mode: 'WORM', retainUntil: /^\d{4}-/ }, `${l.key} retained with its date`);
  // Every write of object bytes on the WORM bucket sent the Content-MD5 of its body (issue 13, item 6;
  // OSS checks it when present: 400 InvalidDigest; test/oss-server records what was sent).
  const writes = server.state.requests.filter((q) => (q.api === 'PutObject' || q.api === 'UploadPart') && q.key?.includes(d.json.runId));
  t.ok(writes.some((q) => q.api === 'PutObject') && writes.some((q) => q.api === 'UploadPart'), `${writes.length} PutObject and UploadPart requests of the run`);
  for (const q of writes) t.match(q, { status: 200, contentMd5: { matchesBody: true } }, `${q.api} ${q.key} sent the Content-MD5 of its ${q.bodyLength} bytes`);
  const p = await probe(WORM, ['--probe', 'append-only']);
  t.equal(p.code, 0, `${p.stderr}\n${JSON.stringify(p.json.checks.filter((c) => !c.ok), null, 1)}\n${JSON.stringify(p.json.leftovers)}`);
  t.match(p.json.target.objectLock, { enabled: true, mode: 'WORM', days: 1, state: 'Locked' });
  const left = assertMatches(t, WORM, p.json);
  const bytes = left.reduce((n, v) => n + v.size, 0);
  t.ok(bytes <= 1024 * 1024, `${bytes} bytes retained (at most 1 MiB)`);
  t.comment(`default probe on an OSS WORM bucket: ${left.length} objects, ${bytes} bytes retained`);
  for (const l of p.json.leftovers) t.match(l, { mode: 'WORM', retainUntil: /^\d{4}-/ }, `${l.key} retained with its date`);
});

t.test('OSS WORM, GetBucketWorm not readable: the lock is learned from the refused delete, the canaries stay small', async (t) => {
  server.script.deny({ action: 'oss:GetBucketWorm', bucket: WORM });
  t.teardown(() => server.script.reset());
  const d = await probe(WORM);
  t.equal(d.code, 0, `${d.stderr}\n${JSON.stringify(d.json.checks.filter((c) => !c.ok), null, 1)}\n${JSON.stringify(d.json.leftovers)}`);
  t.match(d.json.target.objectLock, { enabled: true, from: 'write-responses', note: /^oss:GetBucketWorm denied \(AccessDenied 403\); the canaries are kept small as on a locked bucket; learned from a delete or overwrite the retention refused \(FileImmutable\)/ });
  const left = assertMatches(t, WORM, d.json);
  t.ok(left.reduce((n, v) => n + v.size, 0) <= 1024 * 1024, 'small canaries although the policy could not be read');
  for (const l of d.json.leftovers.filter((x) => !x.uploadId)) t.match(l, { mode: 'WORM', why: /retention period could not be read/ }, `${l.key}: retained, its date unknown`);
});

t.test('immutable-oss: passes on the WORM bucket, fails (not-immutable) on buckets without a retention policy', async (t) => {
  const w = await probe(WORM, ['--probe', 'immutable-oss']);
  t.equal(w.code, 0, `${w.stderr}\n${JSON.stringify(w.json.checks.filter((c) => !c.ok), null, 1)}`);
  t.match(w.json.checks.find((c) => c.id === 'delete-locked-version'), { outcome: 'denied', ok: true, action: 'oss:DeleteObjectVersion', denial: { code: 'FileImmutable', source: 'object-lock' } });
  const left = assertMatches(t, WORM, w.json);
  t.equal(left.length, 1, 'one 64 KiB canary retained');
  server.state.createBucket('plain-backups');
  for (const bucket of [VERSIONED, 'plain-backups']) {
    const p = await probe(bucket, ['--probe', 'immutable-oss']);
    t.equal(p.code, 1, `${bucket}: ${p.stderr}`);
    t.match(p.json.checks.find((c) => c.id === 'delete-locked-version'), { outcome: 'allowed', ok: false, finding: 'not-immutable' }, bucket);
    t.same(assertMatches(t, bucket, p.json), [], `${bucket}: nothing left`);
  }
});

t.test('OSS cleanup on a versioned bucket: a stale run\'s versions and markers go, a decoy\'s stay', async (t) => {
  const b = server.state.buckets.get(VERSIONED)!;
  const stale = `${PREFIX}.backup-canary/20200101T000000Z-123456/object.bin`;
  const decoy = `${PREFIX}notes.bin`;
  const { recordWrite, deleteObject } = await import('../oss-server/versions.js');
  for (const key of [stale, stale, decoy, decoy]) recordWrite(b, { key, body: Buffer.from('x'), etag: '"X"', contentType: 'text/plain', lastModified: new Date(), type: 'Normal' });
  deleteObject(b, stale, null);
  const decoyBefore = b.versions.get(decoy)!.map((v) => v.versionId);
  const r = await runCli(['cleanup', ...target(VERSIONED), '--yes']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /1 objects \(3 versions and delete markers, 1 of them delete markers\)/);
  t.notOk(b.versions.has(stale), 'every version and marker of the stale canary removed');
  t.same(b.versions.get(decoy)!.map((v) => v.versionId), decoyBefore, 'the decoy keeps every version');
});
