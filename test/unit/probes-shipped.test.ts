// The shipped probe definitions (probes/*.yaml): each loads, names its documentation, explains in a YAML
// comment how the documented actions map to checks, can pass (no check depends on one that is not
// expected allowed, so nothing is skipped in a passing run), and says what the issue asks of it.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { buildPlan, CHECK_IDS } from '../../src/core/plan.js';
import { listDefinitions, loadDefinition, type ProbeDefinition } from '../../src/core/definition.js';
import { MemoryAdapter } from '../helpers/memory-adapter.js';

const SHIPPED = [
  'append-only',
  'aws-backup-s3',
  'dbs-oss',
  'default',
  'immutable-oss',
  'immutable-s3',
  'kopia-s3',
  'oss-backup-source',
  'polardb-oss',
  'rclone-s3',
  'restic-s3',
  'restore-readonly',
  's3-backup-source',
  'velero-s3',
  'vendor-cross-account',
];
const all = new Map(listDefinitions().map((p) => [p.name, p]));
const get = (name: string): ProbeDefinition => {
  const p = all.get(name);
  if (!p) throw new Error(`no shipped definition ${name}`);
  return p;
};

t.test('the shipped set', async (t) => {
  t.same([...all.keys()].sort(), SHIPPED);
  for (const p of all.values()) t.same(loadDefinition(p.name), p, `${p.name} loads by name`);
});

t.test('each definition names its documentation and maps the documented actions in a comment', async (t) => {
  for (const p of all.values()) {
    t.match(p.source, /^https:\/\/[\w.-]+\//, `${p.name}: source is a documentation URL`);
    t.equal(p.checks['assume-role'], 'allow', `${p.name}: the role must be assumable`);
    if (p.name === 'default') continue;
    const comments = readFileSync(p.file, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .join('\n');
    t.ok(comments.includes(p.source.replace(/#.*$/, '')), `${p.name}: the comment cites the source page`);
    t.match(comments, /->/, `${p.name}: the comment maps documented actions to checks`);
    for (const id of Object.keys(p.checks).filter((id) => id !== 'assume-role')) {
      t.ok(comments.includes(id), `${p.name}: the comment explains ${id}`);
    }
  }
});

t.test('a passing run is possible: every check a check needs is expected allowed', async (t) => {
  for (const p of all.values()) {
    const plan = buildPlan(new MemoryAdapter(), {
      prefix: 'backups/',
      runId: '20261122T020000Z-3f9a1c',
      partSize: 5 * 1024 * 1024,
      quick: false,
      assume: true,
      expectations: p.checks,
    });
    t.same(plan.steps.map((s) => s.id).sort(), Object.keys(p.checks).sort(), `${p.name}: every check runs`);
    for (const s of plan.steps) {
      for (const n of s.needs) t.equal(p.checks[n], 'allow', `${p.name}: ${s.id} needs ${n}, which must be expected allow (a skipped check fails)`);
    }
    for (const id of Object.keys(p.checks)) t.ok((CHECK_IDS as readonly string[]).includes(id));
  }
});

t.test('providers: the Alibaba services are OSS-only, the S3 tools AWS, the postures both', async (t) => {
  for (const name of ['polardb-oss', 'dbs-oss', 'oss-backup-source', 'immutable-oss']) t.same(get(name).providers, ['alibaba'], name);
  for (const name of ['rclone-s3', 'restic-s3', 'kopia-s3', 'velero-s3', 'vendor-cross-account', 'immutable-s3', 'aws-backup-s3', 's3-backup-source']) t.same(get(name).providers, ['aws'], name);
  for (const name of ['append-only', 'restore-readonly', 'default']) t.same(get(name).providers, ['aws', 'alibaba'], name);
});

t.test('append-only: put allowed; delete and overwrite must be denied', async (t) => {
  const c = get('append-only').checks;
  t.match(c, { 'put-object': 'allow', 'multipart-complete': 'allow', 'overwrite-object': 'deny', 'delete-object': 'deny', 'delete-multipart-object': 'deny' });
  t.notOk('multipart-abort' in c, 'no abort: nothing is removed');
});

t.test('restore-readonly: get (a never-created key) and list allowed; put and delete must be denied', async (t) => {
  const c = get('restore-readonly').checks;
  t.match(c, { 'read-missing-object': 'allow', 'list-prefix': 'allow', 'put-object': 'deny', 'multipart-create': 'deny', 'delete-outside-prefix': 'deny', 'write-outside-prefix': 'deny' });
  for (const id of ['get-object', 'head-object', 'delete-object']) t.notOk(id in c, `${id} needs a canary, and put is denied`);
});

t.test('rclone-s3: listing with and without the delimiter, put/head/get/delete, multipart, abort reported', async (t) => {
  const p = get('rclone-s3');
  t.equal(p.options.list, 'prefix-delimiter');
  t.match(p.checks, {
    'list-prefix': 'allow',
    'list-prefix-recursive': 'allow',
    'head-object': 'allow',
    'put-object': 'allow',
    'get-object': 'allow',
    'delete-object': 'allow',
    'multipart-create': 'allow',
    'multipart-complete': 'allow',
    'multipart-list-parts': 'any',
    'list-all-buckets': 'any',
  });
  t.equal(p.checks['multipart-abort'], 'any', 'rclone aborts only a failed upload: reported, not required');
  t.notOk('head-bucket' in p.checks, 'rclone 1.60 with no_check_bucket sent no HeadBucket');
  t.match(p.caveats.join('\n'), /rclone 1\.60\.1/);
});

t.test('restic-s3: HeadBucket for init, recursive listing for check/prune, locks need DeleteObject', async (t) => {
  const p = get('restic-s3');
  t.match(p.checks, { 'head-bucket': 'allow', 'list-prefix': 'allow', 'list-prefix-recursive': 'allow', 'delete-object': 'allow' });
  t.match(p.caveats.join('\n'), /restic 0\.14\.0/);
  t.match(p.caveats.join('\n'), /0\.15\.0/);
});

t.test('caveats: the CAUTION of dbs-oss/polardb-oss and kopia being documented-only are printed data', async (t) => {
  for (const name of ['dbs-oss', 'polardb-oss']) t.match(get(name).caveats.join(' '), /CAUTION/, name);
  t.match(get('kopia-s3').caveats.join(' '), /not packaged in Debian/);
  t.match(get('kopia-s3').checks, { 'head-bucket': 'allow' });
  t.match(get('velero-s3').checks, { 'list-prefix-recursive': 'allow' });
  t.same(get('default').checks['head-bucket'], undefined, 'default keeps its behaviour');
});

t.test('immutable-s3: the lock must refuse deleting the retained version and shortening its retention', async (t) => {
  t.match(get('immutable-s3').checks, { 'put-object': 'allow', 'delete-object': 'allow', 'delete-locked-version': 'deny', 'shorten-retention': 'deny' });
  t.notOk('multipart-create' in get('immutable-s3').checks, 'no multipart: one 64 KiB canary is retained per run');
  t.match(get('immutable-oss').checks, { 'put-object': 'allow', 'delete-object': 'allow', 'delete-locked-version': 'deny' });
  t.notOk('shorten-retention' in get('immutable-oss').checks, 'OSS WORM is bucket-level: nothing per object to shorten, and ExtendBucketWorm is never sent');
  t.notOk('multipart-create' in get('immutable-oss').checks);
});

t.test('restic-s3, kopia-s3, velero-s3: what each tool documents', async (t) => {
  t.match(get('restic-s3').checks, { 'put-object': 'allow', 'get-object': 'allow', 'list-prefix': 'allow', 'delete-object': 'allow', 'multipart-list-uploads': 'any' });
  t.match(get('kopia-s3').checks, { 'put-object': 'allow', 'list-prefix': 'allow', 'delete-object': 'deny', 'delete-multipart-object': 'deny' });
  t.match(get('velero-s3').checks, { 'multipart-list-parts': 'allow', 'abort-create': 'allow', 'multipart-abort': 'allow', 'multipart-list-uploads': 'any', 'delete-object': 'allow' });
});

t.test('vendor-cross-account: bucket-owner-full-control writes, confined to its prefix', async (t) => {
  const p = get('vendor-cross-account');
  t.equal(p.options.acl, 'bucket-owner-full-control');
  t.match(p.checks, {
    'put-object': 'allow',
    'write-outside-prefix': 'deny',
    'delete-outside-prefix': 'deny',
    'list-bucket-root': 'deny',
    'list-all-buckets': 'deny',
    'read-bucket-policy': 'deny',
  });
});

t.test('backup sources (issue 15): aws-backup-s3 reads what AWS Backup documents; configuration writes are never sent', async (t) => {
  const p = get('aws-backup-s3');
  t.match(p.checks, {
    'get-object': 'allow',
    'get-object-version': 'allow',
    'get-object-tagging': 'allow',
    'get-object-acl': 'allow',
    'list-bucket-versions': 'allow',
    'get-bucket-versioning': 'allow',
    'get-bucket-location': 'allow',
    'get-bucket-tagging': 'allow',
    'get-bucket-notification': 'allow',
    'get-inventory-configuration': 'allow',
    'put-bucket-notification': 'allow',
    'put-inventory-configuration': 'allow',
  });
  t.match(p.caveats.join('\n'), /PutBucketNotification and s3:PutInventoryConfiguration .* never sent.*not probed.*--explain.*evaluated.*denied or undetermined evaluation fails the run/);
  t.notOk('delete-object' in p.checks || 'overwrite-object' in p.checks, 'a reader: no delete or overwrite check');
  const s = get('s3-backup-source');
  t.match(s.checks, { 'list-prefix-recursive': 'allow', 'get-object': 'allow', 'get-object-tagging': 'allow', 'list-all-buckets': 'deny' });
  t.match(s.caveats.join('\n'), /--writer-role/);
});

t.test('oss-backup-source (issue 15, Alibaba): the OSS reader, every check with a documented RAM action', async (t) => {
  const { OSS_ACTIONS } = await import('../../src/providers/alibaba/actions.js');
  const { checkRow } = await import('../../src/core/checks.js');
  const o = get('oss-backup-source');
  t.same(o.checks, { ...get('s3-backup-source').checks, 'get-object-acl': 'any' }, 'the checks of s3-backup-source, plus the object ACL reported');
  for (const id of Object.keys(o.checks)) t.ok(OSS_ACTIONS[checkRow(id)!.op], `${id}: ${OSS_ACTIONS[checkRow(id)!.op]}`);
  t.notOk('get-bucket-notification' in o.checks, 'OSS has no bucket notification configuration');
  t.match(o.source, /^https:\/\/www\.alibabacloud\.com\/help\/en\/oss\//);
  t.match(o.caveats.join('\n'), /--writer-role/);
});

t.test('polardb-oss and dbs-oss: backup writers on OSS', async (t) => {
  t.match(get('dbs-oss').checks, { 'put-object': 'allow', 'multipart-list-parts': 'allow', 'multipart-abort': 'allow', 'delete-object': 'allow' });
  t.match(get('polardb-oss').checks, { 'put-object': 'allow', 'multipart-abort': 'allow', 'delete-object': 'any' });
});

t.test('probes list prints whole descriptions; probes show prints the caveats and what each check sends', async (t) => {
  const { runProbesList, runProbesShow } = await import('../../src/cli/probes-command.js');
  const capture = () => {
    const out: string[] = [];
    return { out, io: { stdout: (s: string) => void out.push(s), stderr: () => undefined, env: {}, stdoutIsTTY: false } };
  };
  const list = capture();
  t.equal(runProbesList(list.io), 0);
  const text = list.out.join('');
  for (const p of all.values()) t.ok(text.includes(p.description), `${p.name}: the whole description`);
  const show = capture();
  t.equal(runProbesShow('dbs-oss', show.io), 0);
  t.match(show.out.join(''), /caveats:\n {2}- CAUTION - the OSS part of AliyunDBSRolePolicy/);
  const restic = capture();
  runProbesShow('restic-s3', restic.io);
  t.match(restic.out.join(''), /head-bucket {16}allow  HeadBucket \(OSS: GetBucketInfo\)/);
  t.match(restic.out.join(''), /list-prefix-recursive {6}allow  ListObjectsV2 of the prefix without a delimiter/);
  const kopia = capture();
  runProbesShow('kopia-s3', kopia.io);
  t.match(kopia.out.join(''), /Documented-only - kopia is not packaged in Debian/);
});
