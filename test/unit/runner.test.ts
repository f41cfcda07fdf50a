import t from 'tap';
import { RequestFailure } from '../../src/core/model.js';
import { CHECK_IDS } from '../../src/core/plan.js';
import { probe, verdictOf } from '../../src/core/probe.js';
import { meets } from '../../src/core/runner.js';
import { denial, MemoryAdapter } from '../helpers/memory-adapter.js';

const all = Object.fromEntries(CHECK_IDS.map((id) => [id, 'allow' as const]));
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
  t.same(r.checks.map((c) => c.id), [...CHECK_IDS]);
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
  t.equal(a.calls.filter((c) => c === 'uploadPart').length, 1);
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
  t.same(r.leftovers.map((l) => l.key.replace(/.*\//, '')), ['multipart.bin', 'object.bin']);
  t.same([...a.objects.keys()].sort(), r.leftovers.map((l) => l.key).sort());
  t.same(r.checks.filter((c) => !c.ok).map((c) => c.id), ['delete-object', 'delete-multipart-object']);
});

t.test('a put whose answer was lost is cleaned up as uncertain; an existing key is never touched', async (t) => {
  const a = new MemoryAdapter();
  a.deny.set('putObject', new RequestFailure('error', { ...denial('TimeoutError', null), stage: 'network' }));
  a.deny.set('deleteObject', new RequestFailure('denied', denial()));
  const r = await run(a);
  t.equal(r.verdict, 'error');
  t.match(r.leftovers.find((l) => l.key.endsWith('object.bin')), { why: /^may exist/ });

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
