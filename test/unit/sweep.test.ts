import t from 'tap';
import { canaryRunId, parseAge, planSweep } from '../../src/core/sweep.js';

const now = new Date('2026-11-22T12:00:00Z');

t.test('only exact canary keys qualify', async (t) => {
  t.equal(canaryRunId('db/', 'db/.backup-canary/20261120T000000Z-abcdef/object.bin'), '20261120T000000Z-abcdef');
  for (const k of [
    'db/.backup-canary-notes.txt',
    'db/data.bin',
    'backups/data.bin',
    'db/.backup-canary/notes/readme.txt',
    'db/.backup-canary/20261120T000000Z-abcdef/deeper/object.bin',
    'db/.backup-canary/20261120T000000Z-abcdef/Object.BIN',
    'db/.backup-canary/20261120T000000Z-abcdef/object.txt',
    'db/.backup-canary/20261320T000000Z-abcdef/object.bin',
    'db/.backup-canary/20261120T000000Z-ABCDEF/object.bin',
    'other/.backup-canary/20261120T000000Z-abcdef/object.bin',
    '.backup-canary/20261120T000000Z-abcdef/object.bin',
  ]) t.equal(canaryRunId('db/', k), null, k);
});

t.test('the plan: stale canaries and their uploads; recent and foreign keys left alone', async (t) => {
  const keys = [
    'db/.backup-canary/20261120T000000Z-abcdef/object.bin',
    'db/.backup-canary/20261122T113000Z-000001/object.bin',
    'db/.backup-canary/notes/readme.txt',
  ];
  const uploads = [{ key: 'db/.backup-canary/20261120T000000Z-abcdef/aborted.bin', uploadId: 'u1' }, { key: 'db/.backup-canary/x', uploadId: 'u2' }];
  const p = planSweep('db/', keys, uploads, 24 * 3600, now);
  t.same(p.objects.map((o) => o.key), ['db/.backup-canary/20261120T000000Z-abcdef/object.bin']);
  t.equal(p.objects[0]!.ageSeconds, 60 * 3600);
  t.same(p.uploads.map((u) => [u.key, u.uploadId]), [['db/.backup-canary/20261120T000000Z-abcdef/aborted.bin', 'u1']]);
  t.equal(p.tooRecent, 1);
  t.same(p.foreign, ['db/.backup-canary/notes/readme.txt', 'db/.backup-canary/x (upload u2)']);
  t.equal(planSweep('db/', keys, [], 0, now).objects.length, 2, '--older-than 0s takes the recent one too');
});

t.test('ages', async (t) => {
  t.equal(parseAge('24h'), 86400);
  t.equal(parseAge('30m'), 1800);
  t.equal(parseAge('7d'), 604800);
  t.equal(parseAge('0s'), 0);
  t.equal(parseAge('2w'), 1209600);
  for (const bad of ['', '24', 'h', '-1h', '1.5h', '1y', '9999999h']) t.equal(parseAge(bad), null, bad);
});

t.test('sweepCanaries: lists the canary folder, a dry run touches nothing, --yes removes only the plan', async (t) => {
  const { MemoryAdapter } = await import('../helpers/memory-adapter.js');
  const { sweepCanaries } = await import('../../src/core/sweep.js');
  class Listing extends MemoryAdapter {
    listed: string[] = [];
    async listKeys(prefix: string) {
      this.listed.push(prefix);
      return [...this.objects.keys()].filter((k) => k.startsWith(prefix));
    }
    async listAllUploads(prefix: string) {
      this.listed.push(prefix);
      return [...this.uploads].filter(([, u]) => u.key.startsWith(prefix)).map(([uploadId, u]) => ({ key: u.key, uploadId }));
    }
  }
  const a = new Listing();
  const stale = 'db/.backup-canary/20261120T000000Z-abcdef/object.bin';
  const fresh = 'db/.backup-canary/20261122T115900Z-abcdef/object.bin';
  const foreign = 'db/.backup-canary/notes/readme.txt';
  for (const k of [stale, fresh, foreign, 'db/data.bin']) a.objects.set(k, Buffer.from('x'));
  a.uploads.set('u1', { key: 'db/.backup-canary/20261120T000000Z-abcdef/multipart.bin', parts: new Map(), metadata: {} });

  const dry = await sweepCanaries(a, { prefix: 'db/', olderThanSeconds: 3600, remove: false, now });
  t.equal(dry.root, 'db/.backup-canary/');
  t.same(a.listed, ['db/.backup-canary/', 'db/.backup-canary/'], 'only the canary folder is listed');
  t.same([dry.plan.objects.map((o) => o.key), dry.plan.uploads.map((u) => u.uploadId), dry.plan.tooRecent, dry.plan.foreign], [[stale], ['u1'], 1, [foreign]]);
  t.equal(dry.removed, false);
  t.equal(a.objects.size, 4, 'a dry run removes nothing');
  t.notOk(a.calls.includes('deleteObject') || a.calls.includes('abortMultipartUpload'), 'and sends no delete');

  const wet = await sweepCanaries(a, { prefix: 'db/', olderThanSeconds: 3600, remove: true, now });
  t.same(wet.leftovers, []);
  t.same([...a.objects.keys()].sort(), [fresh, foreign, 'db/data.bin'].sort(), 'only the stale canary is deleted');
  t.equal(a.uploads.size, 0, 'its upload is aborted');

  const bare = new MemoryAdapter();
  await t.rejects(sweepCanaries(bare, { prefix: 'db/', olderThanSeconds: 0, remove: false }), { name: 'UsageError', message: /cleanup is not supported/ });
});
