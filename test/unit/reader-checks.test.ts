// The reader checks of a backup source (issue 15): read-only requests on this run's own canary and the
// bucket, on the memory adapter. What the requests are authorised as (action, resource, s3:prefix) comes
// from the catalog and the providers' request records; on a real Ceph RGW: test/integration/sources-rgw.test.ts.
import t from 'tap';
import { buildPlan } from '../../src/core/plan.js';
import { runPlan } from '../../src/core/runner.js';
import { RequestFailure } from '../../src/core/model.js';
import { OSS_ACTIONS } from '../../src/providers/alibaba/actions.js';
import { denial, MemoryAdapter } from '../helpers/memory-adapter.js';

const READERS = [
  'get-object-tagging',
  'get-object-acl',
  'get-object-version',
  'list-bucket-versions',
  'get-bucket-versioning',
  'get-bucket-location',
  'get-bucket-tagging',
  'get-bucket-notification',
  'get-inventory-configuration',
] as const;
const expectations = { 'put-object': 'allow', 'get-object': 'allow', 'delete-object': 'allow', ...Object.fromEntries(READERS.map((id) => [id, 'allow'])) } as Record<string, 'allow' | 'deny' | 'any'>;

async function run(a: MemoryAdapter, ex = expectations) {
  const out = await runPlan(a, buildPlan(a, { prefix: 'db/', runId: 'R', partSize: 5 << 20, quick: true, assume: true, expectations: ex }));
  return { out, by: Object.fromEntries(out.checks.map((c) => [c.id, c])) };
}

t.test('unversioned bucket: every reader check allowed but get-object-version, skipped with the reason; nothing left', async (t) => {
  const a = new MemoryAdapter();
  const { out, by } = await run(a);
  for (const id of READERS.filter((i) => i !== 'get-object-version')) t.equal(by[id]!.outcome, 'allowed', id);
  t.equal(by['get-object-version']!.outcome, 'skipped');
  t.match(by['get-object-version']!.reason, /not versioned/);
  t.notOk(by['get-object-version']!.request, 'nothing was sent');
  t.same(out.leftovers, [], 'the canary was deleted after the readers ran');
  // the object reads ran before the canary was deleted (the memory adapter answers NoSuchKey otherwise)
  const calls = a.calls;
  t.ok(calls.indexOf('getObjectTagging') < calls.indexOf('deleteObject') && calls.indexOf('getObjectAcl') < calls.indexOf('deleteObject'));
  t.same(by['get-object-tagging']!.request, { action: 's3:GetObjectTagging', resource: 'arn:aws:s3:::mem/db/.backup-canary/R/object.bin', context: {} });
  t.same(by['get-object-acl']!.request!.action, 's3:GetObjectAcl');
  t.same(by['list-bucket-versions']!.request, { action: 's3:ListBucketVersions', resource: 'arn:aws:s3:::mem', context: { 's3:prefix': 'db/.backup-canary/' } });
  for (const [id, action] of [
    ['get-bucket-versioning', 's3:GetBucketVersioning'],
    ['get-bucket-location', 's3:GetBucketLocation'],
    ['get-bucket-tagging', 's3:GetBucketTagging'],
    ['get-bucket-notification', 's3:GetBucketNotification'],
    ['get-inventory-configuration', 's3:GetInventoryConfiguration'],
  ] as const) {
    t.same(by[id]!.request, { action, resource: 'arn:aws:s3:::mem', context: {} }, id);
  }
});

t.test('versioned bucket: get-object-version reads the canary\'s own version by id and verifies its bytes', async (t) => {
  const a = new MemoryAdapter();
  a.versioning = 'Enabled';
  const { by } = await run(a);
  t.equal(by['get-object-version']!.outcome, 'allowed');
  t.equal(by['get-object-version']!.request!.action, 's3:GetObjectVersion');

  const bad = new MemoryAdapter();
  bad.versioning = 'Enabled';
  bad.corrupt = true;
  const r = await run(bad);
  t.equal(r.by['get-object-version']!.outcome, 'error', 'bytes that differ are an error, not a pass');
  t.match(r.by['get-object-version']!.reason, /SHA-256 mismatch|bytes/);
});

t.test('a denied reader request is denied, the others still run; expected deny passes', async (t) => {
  const a = new MemoryAdapter();
  a.deny.set('getObjectTagging', new RequestFailure('denied', denial('AccessDenied', 403)));
  const { by } = await run(a);
  t.equal(by['get-object-tagging']!.outcome, 'denied');
  t.equal(by['get-object-tagging']!.ok, false, 'expected allow: a failure');
  t.equal(by['get-object-acl']!.outcome, 'allowed');

  const b = new MemoryAdapter();
  b.deny.set('getInventoryConfiguration', new RequestFailure('denied', denial('AccessDenied', 403)));
  const r = await run(b, { ...expectations, 'get-inventory-configuration': 'deny' });
  t.equal(r.by['get-inventory-configuration']!.outcome, 'denied');
  t.equal(r.by['get-inventory-configuration']!.ok, true);
});

t.test('a provider with no equivalent request skips the check with that reason; a missing method too', async (t) => {
  class OssLike extends MemoryAdapter {
    override readonly actions = OSS_ACTIONS;
  }
  const a = new OssLike();
  const { by } = await run(a);
  for (const id of ['get-bucket-notification']) {
    t.equal(by[id]!.outcome, 'skipped', id);
    t.match(by[id]!.reason, /documents no equivalent/, id);
    t.notOk(by[id]!.ok && by[id]!.outcome !== 'skipped', 'a skip is not reported as allowed');
  }
  t.equal(by['get-bucket-tagging']!.outcome, 'allowed');
  t.equal(by['get-inventory-configuration']!.outcome, 'allowed', 'OSS: ListBucketInventory (oss:GetBucketInventory)');

  const m = new MemoryAdapter() as MemoryAdapter & { getBucketLocation?: unknown };
  Object.defineProperty(m, 'getBucketLocation', { value: undefined });
  const r = await run(m);
  t.equal(r.by['get-bucket-location']!.outcome, 'skipped');
  t.match(r.by['get-bucket-location']!.reason, /not supported for provider memory/);
});

t.test('policy: the generator grants the reader actions from the catalog and the configuration writes aws-backup-s3 expects', async (t) => {
  const { generatePolicy } = await import('../../src/policy/generate.js');
  const { loadDefinition } = await import('../../src/core/definition.js');
  const g = generatePolicy({ profile: loadDefinition('aws-backup-s3'), bucket: 'data-bkt', prefix: 'data/', provider: 'aws' });
  const by = Object.fromEntries(g.identity.Statement.map((s) => [s.Sid, s]));
  t.same(by.BackupObjects!.Resource, 'arn:aws:s3:::data-bkt/data/*');
  t.same(
    [...by.BackupObjects!.Action].sort(),
    ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject', 's3:GetObjectAcl', 's3:GetObjectTagging', 's3:GetObjectVersion', 's3:PutObject'],
  );
  t.same(by.BackupBucketLevel, {
    Sid: 'BackupBucketLevel',
    Effect: 'Allow',
    Action: [
      's3:GetBucketLocation', 's3:GetBucketNotification', 's3:GetBucketTagging', 's3:GetBucketVersioning', 's3:GetInventoryConfiguration', 's3:ListBucketVersions',
      's3:PutBucketNotification', 's3:PutInventoryConfiguration',
    ],
    Resource: 'arn:aws:s3:::data-bkt',
  });
  const all = g.identity.Statement.flatMap((s) => s.Action);
  // never sent, evaluated with --explain only, but AWS Backup performs them: the role needs them
  for (const a of ['s3:PutBucketNotification', 's3:PutInventoryConfiguration']) t.equal(all.filter((x) => x === a).length, 1, `${a} granted once, on the bucket`);
  t.notOk(all.includes('s3:GetObjectVersionTagging'), 'no s3:GetObjectVersionTagging (no check)');
  t.match(g.notes.join('\n'), /s3:DeleteObjectVersion is included only so the probe can remove what it creates/);
  t.same(g.unexpressed, []);
});
