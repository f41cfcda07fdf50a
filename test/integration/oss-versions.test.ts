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

t.test('OSS WORM bucket (1 day): the default probe fails on the refused deletes; append-only passes; canaries small and dated', async (t) => {
  const d = await probe(WORM);
  t.equal(d.json.verdict, 'fail', 'a role cannot delete within the retention: the default probe says so');
  t.same(d.json.checks.filter((c) => !c.ok).map((c) => `${c.id} ${c.outcome} ${c.denial?.source}`).sort(), ['delete-multipart-object denied object-lock', 'delete-object denied object-lock']);
  assertMatches(t, WORM, d.json);
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
