import t from 'tap';
import { RequestFailure } from '../../src/core/model.js';
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
