// Versioned and Object Lock buckets in the core (issue 13), on the in-memory adapter: what a run leaves
// is exactly what it reports; retained versions are dated and do not fail the verdict; an uncertain key
// is removed only when HEAD proves it is the canary; the sweeper's version plan never takes a decoy.
import t from 'tap';
import { loadDefinition } from '../../src/core/definition.js';
import { RequestFailure } from '../../src/core/model.js';
import { probe } from '../../src/core/probe.js';
import { looksVersioned, planVersionSweep } from '../../src/core/sweep.js';
import { renderText } from '../../src/report/text.js';
import { denial, MemoryAdapter } from '../helpers/memory-adapter.js';

const RUN = '20261122T000000Z-abcdef';
const target = { provider: 'memory', bucket: 'b', prefix: 'p/', region: null, endpoint: null, role: 'r', probe: 'default' };
const run = (a: MemoryAdapter, definition = 'default', extra: Record<string, unknown> = {}) =>
  probe({
    adapter: a,
    target,
    version: 't',
    plan: { prefix: 'p/', runId: RUN, partSize: 5 * 1024 * 1024, quick: false, assume: true, expectations: loadDefinition(definition).checks, ...extra },
  });

const versionsLeft = (a: MemoryAdapter) => [...a.versions.values()].flat().length;

t.test('versioned (Enabled and Suspended): every version and delete marker removed by id, pass', async (t) => {
  for (const status of ['Enabled', 'Suspended'] as const) {
    const a = new MemoryAdapter();
    a.versioning = status;
    const r = await run(a);
    t.equal(r.verdict, 'pass', status);
    t.same(r.target.versioning, { status, from: 'GetBucketVersioning' });
    t.same(r.leftovers, []);
    t.equal(versionsLeft(a), 0, `${status}: no version, no delete marker left`);
    t.ok(a.calls.includes('deleteObjectVersion'), 'removed by version id');
  }
});

t.test('versioning not readable: learned from the writes, and said so', async (t) => {
  const a = new MemoryAdapter();
  a.versioning = 'Enabled';
  a.deny.set('getBucketVersioning', new RequestFailure('denied', denial()));
  const r = await run(a);
  t.equal(r.verdict, 'pass');
  t.match(r.target.versioning, { status: 'Enabled', from: 'write-responses', note: /s3:GetBucketVersioning denied \(AccessDenied 403\)/ });
  t.equal(versionsLeft(a), 0);
});

t.test('a role without s3:DeleteObjectVersion on a versioned bucket: every kept version is a leftover', async (t) => {
  // Real backup clients never send DeleteObjectVersion (restic and rclone succeed on such a bucket, see
  // clients-rgw), so its absence is no broken backup: the versions are listed, and fail the target only
  // where the definition requires the permission (src/core/leftovers.ts).
  const a = new MemoryAdapter();
  a.versioning = 'Enabled';
  a.deny.set('deleteObjectVersion', new RequestFailure('denied', denial()));
  const r = await run(a);
  t.equal(r.verdict, 'pass', 'the backup works; the canary versions are listed for the owner');
  const listed = [...a.versions].flatMap(([key, list]) => list.map((v) => `${key} ${v.versionId}`)).sort();
  t.ok(listed.length > 0);
  t.same(r.leftovers.map((l) => `${l.key} ${l.versionId}`).sort(), listed, 'the report names every version and marker that stays');
  t.ok(r.leftovers.every((l) => /s3:DeleteObjectVersion denied/.test(l.why)));
  t.match(renderText(r, { color: false }), /Left behind \(\d+\)/, 'the text report lists them');

  // A definition that requires the permission fails on the same bucket.
  const b = new MemoryAdapter();
  b.versioning = 'Enabled';
  b.deny.set('deleteObjectVersion', new RequestFailure('denied', denial()));
  const strict = await run(b, 'default', { expectations: { ...loadDefinition('default').checks, 'delete-object-version': 'allow' } });
  t.equal(strict.verdict, 'fail');
});

t.test('Object Lock: one small part, retained versions dated, verdict pass; immutable-s3 passes', async (t) => {
  const a = new MemoryAdapter();
  a.versioning = 'Enabled';
  a.lock = { enabled: true, mode: 'COMPLIANCE', days: 1 };
  const r = await run(a);
  t.equal(r.verdict, 'pass');
  const kept = [...a.versions.values()].flat().filter((v) => v.body);
  t.equal(kept.reduce((n, v) => n + v.body!.length, 0), 2 * 64 * 1024, 'object.bin and a one-part multipart.bin: 128 KiB');
  t.equal(r.leftovers.length, 2);
  for (const l of r.leftovers) t.match(l, { mode: 'COMPLIANCE', retainUntil: /^\d{4}-/, versionId: /^v/ });
  t.equal(versionsLeft(a), 2, 'the delete markers were removed');
  const text = renderText(r, { color: false });
  t.match(text, /bucket: versioning Enabled: canaries are removed by version id; Object Lock COMPLIANCE, 1-day retention: retained canaries stay until their date/);
  t.match(text, /~ p\/\.backup-canary\/.*object\.bin \(version v\d+\): retained by Object Lock \(COMPLIANCE\) until \d{4}-/);

  const b = new MemoryAdapter();
  b.versioning = 'Enabled';
  b.lock = { enabled: true, mode: 'GOVERNANCE', days: 1 };
  const im = await run(b, 'immutable-s3');
  t.equal(im.verdict, 'pass');
  t.match(Object.fromEntries(im.checks.map((c) => [c.id, c.outcome])), { 'delete-locked-version': 'denied', 'shorten-retention': 'denied' });

  const c = new MemoryAdapter();
  const un = await run(c, 'immutable-s3');
  t.equal(un.verdict, 'fail', 'no lock: immutable-s3 fails');
  t.match(un.checks.find((x) => x.id === 'delete-locked-version'), { outcome: 'allowed', finding: 'not-immutable' });
  t.match(un.checks.find((x) => x.id === 'shorten-retention'), { outcome: 'skipped', ok: false });
  t.equal(c.objects.size, 0);

  const d = new MemoryAdapter();
  d.versioning = 'Enabled';
  d.lock = { enabled: true, mode: 'COMPLIANCE', days: 1 };
  await run(d, 'default', { partSizeSet: true });
  t.ok([...d.versions.values()].flat().some((v) => (v.body?.length ?? 0) > 5 * 1024 * 1024), '--part-size set: the full-size part is used');
});

t.test('GOVERNANCE: the lock proofs send the bypass header; a role that may bypass is not-immutable', async (t) => {
  // "To use this header, you must have the s3:BypassGovernanceRetention permission"
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html): a role with it can remove
  // a GOVERNANCE retention, so ransomware holding its keys can too.
  const a = new MemoryAdapter();
  a.versioning = 'Enabled';
  a.lock = { enabled: true, mode: 'GOVERNANCE', days: 1 };
  a.mayBypassGovernance = true;
  const r = await run(a, 'immutable-s3');
  t.equal(r.verdict, 'fail');
  const byId = Object.fromEntries(r.checks.map((c) => [c.id, c]));
  for (const id of ['delete-locked-version', 'shorten-retention']) {
    t.match(byId[id], { outcome: 'allowed', ok: false, finding: 'not-immutable', note: /x-amz-bypass-governance-retention: true on a GOVERNANCE retention/ }, id);
    t.same(byId[id]!.request?.also, ['s3:BypassGovernanceRetention'], `${id}: the request record names the bypass permission`);
  }
  t.same(a.bypassSent.sort(), ['deleteObjectVersion', 'putObjectRetention']);
  const key = `p/.backup-canary/${RUN}/object.bin`;
  t.notOk(a.versions.get(key)?.some((v) => v.body), 'the canary version was really deleted with the bypass');
  t.notOk(r.leftovers.some((l) => l.key === key && !l.deleteMarker), 'and is not reported as left');
  t.same(r.leftovers, [], 'nothing of the run stays (the delete marker went by id)');
  t.equal(versionsLeft(a), 0);

  // The same bucket, a role without the permission: refused with the header; the lock holds.
  const b = new MemoryAdapter();
  b.versioning = 'Enabled';
  b.lock = { enabled: true, mode: 'GOVERNANCE', days: 1 };
  const held = await run(b, 'immutable-s3');
  t.equal(held.verdict, 'pass');
  t.match(Object.fromEntries(held.checks.map((c) => [c.id, c.outcome])), { 'delete-locked-version': 'denied', 'shorten-retention': 'denied' });
  t.same(b.bypassSent.sort(), ['deleteObjectVersion', 'putObjectRetention'], 'the header was sent, and refused');
  t.equal(held.leftovers.length, 1);
  t.match(held.leftovers[0], { mode: 'GOVERNANCE', retainUntil: /^\d{4}-/ });

  // COMPLIANCE: no bypass exists; the header is never sent. Cleanup never sends it either.
  const c = new MemoryAdapter();
  c.versioning = 'Enabled';
  c.lock = { enabled: true, mode: 'COMPLIANCE', days: 1 };
  c.mayBypassGovernance = true;
  const comp = await run(c, 'immutable-s3');
  t.equal(comp.verdict, 'pass');
  t.same(c.bypassSent, []);
  t.notOk(comp.checks.find((x) => x.id === 'delete-locked-version')?.request?.also);
  const d = new MemoryAdapter();
  d.versioning = 'Enabled';
  d.lock = { enabled: true, mode: 'GOVERNANCE', days: 1 };
  d.mayBypassGovernance = true;
  await run(d);
  t.same(d.bypassSent, [], 'the default probe (and its cleanup) never bypasses: the canaries stay, dated');
});

t.test('Object Lock configuration not readable: canaries kept small, the lock learned from the canary version, said so', async (t) => {
  const a = new MemoryAdapter();
  a.versioning = 'Enabled';
  a.lock = { enabled: true, mode: 'COMPLIANCE', days: 1 };
  a.deny.set('getObjectLockConfiguration', new RequestFailure('denied', denial()));
  const r = await run(a);
  t.equal(r.verdict, 'pass', r.checks.filter((c) => !c.ok).map((c) => c.id).join());
  t.match(r.target.objectLock, {
    enabled: true,
    mode: 'COMPLIANCE',
    from: 'write-responses',
    note: /^s3:GetBucketObjectLockConfiguration denied \(AccessDenied 403\); the canaries are kept small as on a locked bucket; learned from the canary's version \(HEAD\): retained \(COMPLIANCE\) until \d{4}-/,
  });
  const kept = [...a.versions.values()].flat().filter((v) => v.body);
  t.equal(kept.reduce((n, v) => n + v.body!.length, 0), 2 * 64 * 1024, 'small canaries: 128 KiB retained, not 5 MiB');
  t.equal(r.leftovers.length, 2);
  for (const l of r.leftovers) t.match(l, { mode: 'COMPLIANCE', retainUntil: /^\d{4}-/ });
  t.match(renderText(r, { color: false }), /Object Lock COMPLIANCE \(learned from the writes\): retained canaries stay until their date/);

  // Unreadable on a bucket without a lock: still small (nothing can tell before the write), said so.
  const b = new MemoryAdapter();
  b.deny.set('getObjectLockConfiguration', new RequestFailure('denied', denial()));
  const plain = await run(b);
  t.equal(plain.verdict, 'pass');
  t.match(plain.target.objectLock, { enabled: null, note: /s3:GetBucketObjectLockConfiguration denied.*kept small/ });
  t.notOk(plain.target.objectLock?.from);
  t.same(plain.leftovers, []);
  t.match(renderText(plain, { color: false }), /bucket: Object Lock unknown \(s3:GetBucketObjectLockConfiguration denied/);
  t.ok(b.calls.filter((c) => c === 'uploadPart').length >= 2);
  t.match(plain.checks.find((c) => c.id === 'multipart-upload-part-2'), { key: /multipart-part-2\.bin$/ }, 'one small part: part 2 went to an upload of its own');

  // Where the lock needs versioning (S3), a write without a version id tells: no lock, full-size parts.
  const s3 = new MemoryAdapter();
  s3.lockNeedsVersioning = true;
  s3.deny.set('getObjectLockConfiguration', new RequestFailure('denied', denial()));
  const learned = await run(s3);
  t.equal(learned.verdict, 'pass');
  t.match(learned.target.objectLock, { enabled: false, from: 'write-responses', note: /returned no version id, and Object Lock needs a versioned bucket/ });
  t.match(learned.checks.find((c) => c.id === 'multipart-upload-part-2'), { key: /\/multipart\.bin$/ }, 'the full multipart cycle on the canary key');

  // immutable-s3 with the configuration unreadable: the proofs use the version's own retention (HEAD).
  const c = new MemoryAdapter();
  c.versioning = 'Enabled';
  c.lock = { enabled: true, mode: 'GOVERNANCE', days: 1 };
  c.deny.set('getObjectLockConfiguration', new RequestFailure('denied', denial()));
  const im = await run(c, 'immutable-s3');
  t.equal(im.verdict, 'pass');
  t.same(c.bypassSent.sort(), ['deleteObjectVersion', 'putObjectRetention'], 'GOVERNANCE learned from HEAD: the header is sent');

  // Neither the configuration nor the version's HEAD readable: the proofs say what they could not know.
  const d = new MemoryAdapter();
  d.versioning = 'Enabled';
  d.lock = { enabled: true, mode: 'GOVERNANCE', days: 1 };
  d.deny.set('getObjectLockConfiguration', new RequestFailure('denied', denial()));
  d.deny.set('headObject', new RequestFailure('denied', denial()));
  const blind = await run(d, 'immutable-s3');
  t.equal(blind.verdict, 'fail', 'nothing proven: not a pass');
  t.match(blind.checks.find((x) => x.id === 'shorten-retention'), { outcome: 'skipped', ok: false, reason: /retention could not be read .*s3:GetBucketObjectLockConfiguration denied/ });
  t.match(blind.checks.find((x) => x.id === 'delete-locked-version'), { outcome: 'denied', ok: true, note: /could not be read .*without the governance bypass header/ });
  t.same(d.bypassSent, []);
});

t.test('an uncertain write on a versioned bucket: only the proven version is removed, another writer\'s stays', async (t) => {
  const a = new MemoryAdapter();
  a.versioning = 'Enabled';
  a.lose.set('putObject', new RequestFailure('error', { ...denial('TimeoutError', null), stage: 'network' }));
  const r = await run(a);
  t.equal(r.verdict, 'error');
  t.equal(versionsLeft(a), 0, 'HEAD proved the canary: its version removed by id');

  const b = new MemoryAdapter();
  b.versioning = 'Enabled';
  b.deny.set('putObject', new RequestFailure('error', { ...denial('TimeoutError', null), stage: 'network' }));
  const key = `p/.backup-canary/${RUN}/object.bin`;
  b.write(key, Buffer.from('the other writer'), 'x', {});
  const r2 = await run(b);
  t.equal(b.objects.get(key)?.toString(), 'the other writer');
  t.match(r2.leftovers.find((l) => l.key === key), { why: /not proved to be this run's canary \(it has no backup-canary-run marker\)/ });
});

t.test('the version sweep: stale canaries\' versions and markers only', async (t) => {
  const v = (key: string, versionId: string, deleteMarker = false) => ({ key, versionId, isLatest: false, deleteMarker });
  const stale = 'p/.backup-canary/20200101T000000Z-123456/object.bin';
  const listed = [v(stale, 'a'), v(stale, 'b', true), v('p/.backup-canary/20200101T000000Z-123456/deeper/x.bin', 'c'), v('p/.backup-canary-notes.txt', 'd'), v(`p/.backup-canary/${RUN}/object.bin`, 'e')];
  const plan = planVersionSweep('p/', listed, 86_400, new Date('2026-11-22T12:00:00Z'));
  t.same(plan.versions.map((x) => `${x.key} ${x.versionId} ${x.deleteMarker}`), [`${stale} a false`, `${stale} b true`]);
  t.equal(plan.keys, 1);
  t.equal(plan.tooRecent, 1, 'the run of today is younger than 24h: left alone');
  t.same(plan.foreign.sort(), ['p/.backup-canary-notes.txt', 'p/.backup-canary/20200101T000000Z-123456/deeper/x.bin']);
  t.ok(looksVersioned(listed));
  t.notOk(looksVersioned([v(stale, 'null')]), 'only null ids: an unversioned bucket');
});
