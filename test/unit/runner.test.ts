import t from 'tap';
import { createHash } from 'node:crypto';
import { CANARY_MARKER } from '../../src/core/adapter.js';
import { RequestFailure, type RunResult } from '../../src/core/model.js';
import { CHECK_IDS } from '../../src/core/plan.js';
import { loadDefinition } from '../../src/core/definition.js';
import { probe, verdictOf } from '../../src/core/probe.js';
import { meets } from '../../src/core/runner.js';
import { denial, MemoryAdapter } from '../helpers/memory-adapter.js';

const all = loadDefinition('default').checks;
const DEFAULT_IDS = Object.keys(all);
const target = { provider: 'memory', bucket: 'b', prefix: 'p/', region: null, endpoint: null, role: 'r', probe: 'default' };
const run = (a: MemoryAdapter, extra: Partial<Parameters<typeof probe>[0]['plan']> = {}, signal?: AbortSignal) =>
  probe({
    adapter: a,
    target,
    version: 't',
    plan: { prefix: 'p/', runId: '20261122T000000Z-abcdef', partSize: 5 * 1024 * 1024, quick: false, assume: true, expectations: all, ...extra },
    run: signal ? { signal } : {},
  });

t.test('a healthy target: every check allowed, nothing left', async (t) => {
  const a = new MemoryAdapter();
  const r = await run(a);
  t.equal(r.verdict, 'pass');
  t.same(r.checks.map((c) => c.id), DEFAULT_IDS);
  t.same(DEFAULT_IDS, CHECK_IDS.filter((id) => DEFAULT_IDS.includes(id)), 'report order is the plan order');
  t.ok(r.checks.every((c) => c.outcome === 'allowed' && c.ok));
  t.equal(a.objects.size, 0);
  t.equal(a.uploads.size, 0);
  t.same(r.leftovers, []);
  t.match(r.checks.find((c) => c.id === 'put-object'), { key: 'p/.backup-canary/20261122T000000Z-abcdef/object.bin', action: 's3:PutObject' });
  t.equal(a.calls[0], 'assumeRole', 'AssumeRole comes first');
});

t.test('quick mode uploads one part', async (t) => {
  const a = new MemoryAdapter();
  const r = await run(a, { quick: true });
  t.equal(r.verdict, 'pass');
  t.notOk(r.checks.some((c) => c.id === 'multipart-upload-part-2'));
  // one part for the canary, one for the conditional-write measurement's upload (collision.ts)
  t.equal(a.calls.filter((c) => c === 'uploadPart').length, 2);
});

t.test('assume-role denied: nothing else runs', async (t) => {
  const a = new MemoryAdapter();
  a.deny.set('assumeRole', new RequestFailure('denied', denial()));
  const r = await run(a);
  t.equal(r.verdict, 'fail');
  t.same(a.calls, ['assumeRole']);
  t.equal(r.checks[0]!.outcome, 'denied');
  t.ok(r.checks.slice(1).every((c) => c.outcome === 'skipped' && !c.ok && c.reason === 'needs assume-role, which was denied'));
});

t.test('put denied: dependants skipped with reasons, list still runs', async (t) => {
  const a = new MemoryAdapter();
  a.deny.set('putObject', new RequestFailure('denied', denial()));
  const r = await run(a);
  const by = Object.fromEntries(r.checks.map((c) => [c.id, c]));
  t.equal(r.verdict, 'fail');
  t.equal(by['put-object']!.outcome, 'denied');
  for (const id of ['head-object', 'get-object', 'delete-object']) {
    t.match(by[id], { outcome: 'skipped', ok: false, reason: 'needs put-object, which was denied' }, id);
  }
  t.equal(by['list-prefix']!.outcome, 'allowed');
  // CreateMultipartUpload is also s3:PutObject, but only the real service decides; here it was allowed.
  t.equal(by['multipart-complete']!.outcome, 'allowed');
  t.same(r.leftovers, []);
});

t.test('abort denied: only that check fails and the upload is a leftover', async (t) => {
  const a = new MemoryAdapter();
  a.deny.set('abortMultipartUpload', new RequestFailure('denied', denial()));
  const r = await run(a);
  t.equal(r.verdict, 'fail');
  t.same(r.checks.filter((c) => !c.ok).map((c) => c.id), ['multipart-abort']);
  t.equal(r.leftovers.length, 1);
  t.match(r.leftovers[0], { key: /aborted\.bin$/, uploadId: /^u\d$/, why: /s3:AbortMultipartUpload denied \(AccessDenied 403\)/ });
  t.equal(a.uploads.size, 1, 'the upload really is still open');
});

t.test('delete denied: leftovers list exactly the canary objects', async (t) => {
  const a = new MemoryAdapter();
  a.deny.set('deleteObject', new RequestFailure('denied', denial()));
  const r = await run(a);
  // the conditional-write measurement's object stays too, and is reported (every byte accounted for)
  t.match(r.leftovers.map((l) => l.key.replace(/.*\//, '')), [/^conditional-[0-9a-f]{12}\.bin$/, 'multipart.bin', 'object.bin']);
  t.same([...a.objects.keys()].sort(), r.leftovers.map((l) => l.key).sort());
  t.same(r.checks.filter((c) => !c.ok).map((c) => c.id), ['delete-object', 'delete-multipart-object']);
});

t.test('a put whose answer was lost is cleaned up as uncertain; an existing key is never touched', async (t) => {
  const a = new MemoryAdapter();
  a.deny.set('putObject', new RequestFailure('error', { ...denial('TimeoutError', null), stage: 'network' }));
  a.deny.set('deleteObject', new RequestFailure('denied', denial()));
  const r = await run(a);
  t.equal(r.verdict, 'error');
  t.notOk(r.leftovers.some((l) => l.key.endsWith('object.bin')), 'HEAD shows nothing at the key: nothing to remove, nothing left');

  // The store wrote it, the answer was lost: HEAD proves it is the canary (marker, size, ETag): removed.
  const lost = new MemoryAdapter();
  lost.lose.set('putObject', new RequestFailure('error', { ...denial('TimeoutError', null), stage: 'network' }));
  const rl = await run(lost);
  t.equal(rl.verdict, 'error');
  t.same(rl.leftovers, []);
  t.equal(lost.objects.size, 0, 'the proven canary was deleted');

  // Written, answer lost, but HEAD is refused: it may exist and is reported, never deleted blindly.
  const blind = new MemoryAdapter();
  blind.lose.set('putObject', new RequestFailure('error', { ...denial('TimeoutError', null), stage: 'network' }));
  blind.deny.set('headObject', new RequestFailure('denied', denial()));
  const rb = await run(blind);
  t.match(rb.leftovers.find((l) => l.key.endsWith('object.bin')), { why: /^may exist/ });
  t.ok([...blind.objects.keys()].some((k) => k.endsWith('object.bin')), 'not deleted without proof');

  const b = new MemoryAdapter();
  b.objects.set('p/.backup-canary/20261122T000000Z-abcdef/object.bin', Buffer.from('not ours'));
  const r2 = await run(b);
  t.match(r2.checks.find((c) => c.id === 'put-object'), { outcome: 'error', denial: { code: 'PreconditionFailed' } });
  t.equal(b.objects.get('p/.backup-canary/20261122T000000Z-abcdef/object.bin')!.toString(), 'not ours');
});

t.test('bytes that differ are an error, not a pass', async (t) => {
  const a = new MemoryAdapter();
  a.corrupt = true;
  const r = await run(a);
  t.equal(r.verdict, 'error');
  t.match(r.checks.find((c) => c.id === 'get-object'), { outcome: 'error', denial: { code: 'VerificationFailed' } });
  t.equal(a.objects.size, 0, 'cleanup still ran');
});

t.test('interrupted: no new step starts, cleanup completes', async (t) => {
  const a = new MemoryAdapter();
  const ac = new AbortController();
  a.onCall = (op) => {
    if (op === 'uploadPart') ac.abort('SIGINT');
  };
  const r = await run(a, {}, ac.signal);
  t.equal(r.verdict, 'error');
  t.equal(r.interrupted, 'SIGINT');
  t.ok(r.checks.some((c) => c.outcome === 'skipped' && c.reason === 'interrupted by SIGINT'));
  t.equal(a.objects.size, 0);
  t.equal(a.uploads.size, 0);
});

t.test('expectations', async (t) => {
  t.ok(meets({ expect: 'deny', outcome: 'denied' }));
  t.notOk(meets({ expect: 'deny', outcome: 'allowed' }));
  t.ok(meets({ expect: 'any', outcome: 'allowed' }));
  t.notOk(meets({ expect: 'any', outcome: 'skipped' }));
  t.notOk(meets({ expect: 'allow', outcome: 'error' }));
  t.equal(verdictOf([], [{ key: 'k', why: 'w' }], false), 'fail');
  t.equal(verdictOf([], [], true), 'error');
});

t.test('least-privilege checks: over-privileged writes are removed at once, unsupported checks are skipped', async (t) => {
  const a = new MemoryAdapter();
  const expectations = { ...all, 'write-outside-prefix': 'deny', 'delete-outside-prefix': 'deny', 'list-bucket-root': 'deny', 'list-all-buckets': 'deny', 'read-bucket-policy': 'deny', 'overwrite-object': 'deny', 'read-missing-object': 'allow' } as const;
  const r = await run(a, { expectations });
  const by = Object.fromEntries(r.checks.map((c) => [c.id, c]));
  t.match(by['write-outside-prefix'], { outcome: 'allowed', ok: false, finding: 'over-privileged', key: '.backup-canary/20261122T000000Z-abcdef/outside-prefix.bin' });
  t.match(by['delete-outside-prefix'], { outcome: 'allowed', ok: false, finding: 'over-privileged', key: '.backup-canary/20261122T000000Z-abcdef/never-created.bin' });
  t.match(by['list-bucket-root'], { outcome: 'allowed', finding: 'over-privileged' });
  t.match(by['overwrite-object'], { outcome: 'allowed', finding: 'over-privileged' });
  t.match(by['list-all-buckets'], { outcome: 'skipped', ok: false, reason: 'not supported for provider memory' });
  t.match(by['read-missing-object'], { outcome: 'error', denial: { code: 'NoSuchKey' } }, 'the memory adapter says 404 with a code only: still classified by status below');
  t.equal(a.objects.size, 0, 'the over-privileged write was removed');
  t.equal(r.verdict, 'error');
});

t.test('a read of a never-created key: 404 means the read was authorised', async (t) => {
  const a = new MemoryAdapter();
  a.notFoundStatus = 404;
  const r = await run(a, { expectations: { ...all, 'read-missing-object': 'allow' } });
  t.match(r.checks.find((c) => c.id === 'read-missing-object'), { outcome: 'allowed', ok: true, key: /never-created\.bin$/ });
});

t.test('an empty prefix: nothing is outside it', async (t) => {
  const a = new MemoryAdapter();
  const r = await run(a, { prefix: '', expectations: { ...all, 'write-outside-prefix': 'deny' } });
  t.match(r.checks.find((c) => c.id === 'write-outside-prefix'), { outcome: 'skipped', reason: /bucket root/ });
});

t.test('append-only: canaries the role must not delete are listed but do not fail the run', async (t) => {
  const a = new MemoryAdapter();
  a.deny.set('deleteObject', new RequestFailure('denied', denial()));
  const r = await run(a, { expectations: { ...all, 'delete-object': 'deny', 'delete-multipart-object': 'deny' } });
  t.equal(r.leftovers.length, 2);
  t.equal(r.verdict, 'pass');
});

// Never delete or overwrite what is not ours (issue 13, item 7): the guards around
// CompleteMultipartUpload (src/core/plan.ts multipart-complete: `absent()` before, `proves()` after)
// and the proof an uncertain key must pass before cleanup deletes it (src/core/removal.ts `proves`:
// marker, size and ETag via HEAD). The memory adapter ignores If-None-Match on CompleteMultipartUpload,
// as Ceph RGW does, so only these guards stand between the canary and another writer's object.
const RUN = '20261122T000000Z-abcdef';
const ROOT = `p/.backup-canary/${RUN}/`;
const OBJECT = `${ROOT}object.bin`;
const MPU = `${ROOT}multipart.bin`;
const md5hex = (b: Buffer) => createHash('md5').update(b).digest('hex');
const byId = (r: RunResult) => Object.fromEntries(r.checks.map((c) => [c.id, c]));
/** Every key a DeleteObject (with or without a version id) was sent for. */
function deletesOf(a: MemoryAdapter): string[] {
  const keys: string[] = [];
  const del = a.deleteObject.bind(a);
  const delVersion = a.deleteObjectVersion.bind(a);
  a.deleteObject = (key) => (keys.push(key), del(key));
  a.deleteObjectVersion = (key, v) => (keys.push(key), delVersion(key, v));
  return keys;
}

t.test('multipart-complete: an object already at the multipart key is never completed over, never deleted, and the check says so', async (t) => {
  for (const versioning of ['Off', 'Enabled'] as const) {
    const a = new MemoryAdapter();
    a.versioning = versioning;
    const deletes = deletesOf(a);
    // Another writer's object; it even carries the marker of another run: still not this run's.
    const planted = Buffer.from("another writer's object");
    const plantedVersion = a.write(MPU, planted, md5hex(planted), { [CANARY_MARKER]: '20261121T000000Z-012345' });
    const r = await run(a);
    const by = byId(r);
    t.match(by['multipart-complete'], {
      outcome: 'error',
      ok: false,
      denial: { code: 'VerificationFailed' },
      reason: new RegExp(`^an object already exists at the canary key ${MPU}${versioning === 'Enabled' ? ` \\(version ${plantedVersion}\\)` : ''}: not completing the upload over it \\(it is left untouched\\)$`),
    }, versioning);
    t.equal(a.calls.filter((c) => c === 'completeMultipartUpload').length, 0, `${versioning}: the upload was not completed over it`);
    t.match(by['multipart-get'], { outcome: 'skipped', reason: /needs multipart-complete/ });
    t.match(by['delete-multipart-object'], { outcome: 'skipped', reason: /needs multipart-complete/ });
    t.equal(a.objects.get(MPU)?.toString(), planted.toString(), `${versioning}: the planted bytes are untouched`);
    t.same(a.meta.get(MPU)?.metadata, { [CANARY_MARKER]: '20261121T000000Z-012345' });
    if (versioning === 'Enabled') t.same(a.versions.get(MPU)?.map((v) => v.versionId), [plantedVersion], 'no version or delete marker of ours at the key');
    t.notOk(deletes.includes(MPU), `${versioning}: no DeleteObject for the planted key`);
    t.equal(a.uploads.size, 0, 'the canary upload was aborted by cleanup');
    t.notOk(r.leftovers.some((l) => l.key === MPU && !l.uploadId), 'not listed as a canary of this run');
    t.equal(r.verdict, 'error');
  }
});

// Another writer's object at a canary key, as HEAD shows it; each differs from the canary in one way.
// `ours` is what the canary's write put there (its bytes, ETag, marker).
type Ours = { body: Buffer; etag: string; metadata: Record<string, string> };
const strangers: { name: string; theirs: (o: Ours) => { body: Buffer; metadata?: Record<string, string>; etag?: string }; why: RegExp; kms?: boolean }[] = [
  { name: 'no marker', theirs: (o) => ({ body: Buffer.from(o.body).fill(1, 0, 8) }), why: /it has no backup-canary-run marker/ },
  { name: "another run's marker", theirs: (o) => ({ body: o.body, metadata: { [CANARY_MARKER]: '20261121T000000Z-012345' }, etag: o.etag }), why: /its marker names run 20261121T000000Z-012345/ },
  // Only the size differs: the marker is this run's and the store reports the canary's ETag.
  { name: 'only the size differs', theirs: (o) => ({ body: Buffer.concat([o.body, Buffer.from('+')]), metadata: o.metadata, etag: o.etag }), why: /it has (\d+) bytes, the canary (?!\1)\d+/ },
  // SSE-KMS: the ETag is not the MD5 of the bytes and is not compared; the size still is.
  { name: 'only the size differs (SSE-KMS, ETag not comparable)', kms: true, theirs: (o) => ({ body: o.body.subarray(1), metadata: o.metadata }), why: /it has (\d+) bytes, the canary (?!\1)\d+/ },
  // Only the bytes (so the ETag) differ: this run's marker, the canary's size.
  { name: 'only the ETag differs', theirs: (o) => ({ body: Buffer.from(o.body).fill(7, 0, 16), metadata: o.metadata }), why: /its ETag "[0-9a-f]{32}" is not the canary's "[0-9a-f]{32}(-\d+)?"/ },
];

t.test("multipart-complete: another writer's object at the key after the completion fails the check; nothing of theirs is deleted", async (t) => {
  for (const s of strangers) {
    const a = new MemoryAdapter();
    const deletes = deletesOf(a);
    let theirs: Buffer | undefined;
    a.writeAfter.set(MPU, (o) => {
      const x = s.theirs(o);
      theirs = x.body;
      return x;
    });
    const r = await run(a, s.kms ? { write: { sse: 'aws:kms' } } : {});
    const by = byId(r);
    t.match(by['multipart-complete'], { outcome: 'error', ok: false, denial: { code: 'VerificationFailed' }, reason: new RegExp(`^after CompleteMultipartUpload the object at ${MPU} is not the canary \\(.*\\): another writer's object, left untouched$`) }, s.name);
    t.match(by['multipart-complete']!.reason, s.why, `${s.name}: the reason names what differs`);
    t.match(by['delete-multipart-object'], { outcome: 'skipped', reason: /needs multipart-complete/ }, s.name);
    t.ok(theirs && a.objects.get(MPU)?.equals(theirs), `${s.name}: the other writer's bytes are still at the key`);
    t.notOk(deletes.includes(MPU), `${s.name}: no DeleteObject for the multipart key`);
    t.notOk(r.leftovers.some((l) => l.key === MPU), `${s.name}: not listed as a canary of this run`);
    t.equal(r.verdict, 'error', s.name);
  }
});

t.test('an uncertain put: an object at the key that differs from the canary in marker, size or ETag is never deleted, and is reported', async (t) => {
  for (const s of strangers) {
    // The put took effect, its answer was lost; another writer replaced the object before cleanup's HEAD.
    const a = new MemoryAdapter();
    const deletes = deletesOf(a);
    a.lose.set('putObject', new RequestFailure('error', { ...denial('TimeoutError', null), stage: 'network' }));
    let theirs: Buffer | undefined;
    a.writeAfter.set(OBJECT, (o) => {
      const x = s.theirs(o);
      theirs = x.body;
      return x;
    });
    const r = await run(a, s.kms ? { write: { sse: 'aws:kms' } } : {});
    t.match(byId(r)['put-object'], { outcome: 'error' }, s.name);
    const left = r.leftovers.filter((l) => l.key === OBJECT);
    t.equal(left.length, 1, `${s.name}: reported once`);
    t.match(left[0]?.why, /^exists but is not proved to be this run's canary \(.*\): another writer's object, left untouched$/, s.name);
    t.match(left[0]?.why, s.why, `${s.name}: the leftover names what differs`);
    t.ok(theirs && a.objects.get(OBJECT)?.equals(theirs), `${s.name}: the other writer's bytes are still at the key`);
    t.notOk(deletes.includes(OBJECT), `${s.name}: no DeleteObject for the key`);
  }
  // The control: the same lost answer with nobody else writing is proven ours and removed.
  const a = new MemoryAdapter();
  const deletes = deletesOf(a);
  a.lose.set('putObject', new RequestFailure('error', { ...denial('TimeoutError', null), stage: 'network' }));
  const r = await run(a);
  t.same(r.leftovers, []);
  t.ok(deletes.includes(OBJECT), 'the proven canary was deleted');
  t.notOk(a.objects.has(OBJECT));
});
