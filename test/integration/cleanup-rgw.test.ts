// The sweeper against a real RGW, with decoys that merely look like canaries: only stale canaries
// of this tool (and their incomplete uploads) are removed, and only with --yes.
import t from 'tap';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { DEMO, listEverything, putObjectAs, s3For, seedDemo, startRgw } from '../../scripts/rgw.mjs';
import { newRunId } from '../../src/core/canary.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const B = DEMO.bucket;

const stale = '20200101T000000Z-123456';
const recent = newRunId();
const decoys = [
  'nightly/.backup-canary-notes.txt',
  'nightly/data.bin',
  'backups/data.bin',
  'nightly/.backup-canary/notes/readme.txt',
  `nightly/.backup-canary/${stale}/deeper/object.bin`,
  `other/.backup-canary/${stale}/object.bin`,
];
const staleObjects = [`nightly/.backup-canary/${stale}/object.bin`, `nightly/.backup-canary/${stale}/multipart.bin`];
const recentObject = `nightly/.backup-canary/${recent}/object.bin`;

async function seed() {
  for (const k of [...decoys, ...staleObjects, recentObject]) await putObjectAs(rgw, owner, B, k, 'x');
  const u = await s3For(rgw, owner).send(new CreateMultipartUploadCommand({ Bucket: B, Key: `nightly/.backup-canary/${stale}/aborted.bin` }));
  const d = await s3For(rgw, owner).send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'nightly/.backup-canary-notes.txt' }));
  return { staleUpload: u.UploadId!, decoyUpload: d.UploadId! };
}

const target = ['--bucket', B, '--prefix', 'nightly', '--endpoint', rgw.endpoint, '--path-style'];

t.test('dry run, then --yes as the backup role: only stale canaries go', async (t) => {
  const { decoyUpload } = await seed();
  const before = await listEverything(rgw, owner, B);
  useCredentials(demo.users.sourceIdentity);
  const dry = await runCli(['cleanup', '--role', demo.role.arn, ...target]);
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stdout, /2 objects, 1 incomplete uploads/);
  t.match(dry.stdout, /Left alone: 1 canaries younger than 24h/);
  t.match(dry.stdout, /Left alone: 2 keys under nightly\/\.backup-canary\/ that are not backup-canary canaries/);
  t.match(dry.stdout, /run again with --yes/);
  t.same(await listEverything(rgw, owner, B), before, 'a dry run removes nothing');

  const json = await runCli(['cleanup', '--role', demo.role.arn, ...target, '--yes', '--format', 'json']);
  t.equal(json.code, 0, json.stderr);
  const j = JSON.parse(json.stdout);
  t.same(j.objects.map((o: { key: string }) => o.key).sort(), [...staleObjects].sort());
  t.equal(j.uploads.length, 1);
  t.same(j.leftovers, []);
  const after = await listEverything(rgw, owner, B);
  t.same(after.objects.sort(), [...decoys, recentObject].sort(), 'decoys and the recent canary are untouched');
  t.same(after.uploads.map((u) => u.uploadId), [decoyUpload], 'the decoy upload is untouched');
});

t.test('as the bucket owner with --no-assume, --older-than 0s takes the recent canary too', async (t) => {
  useCredentials(owner);
  const r = await runCli(['cleanup', '--no-assume', ...target, '--older-than', '0s', '--yes']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /Removed 1\./);
  const after = await listEverything(rgw, owner, B);
  t.same(after.objects.sort(), [...decoys].sort());
});

t.test('a role that may not delete: leftovers, exit 1; bad input: exit 2', async (t) => {
  await putObjectAs(rgw, owner, B, `nightly/.backup-canary/${stale}/object.bin`, 'x');
  useCredentials(demo.users.sourceIdentity);
  // The demo role may delete under nightly/; the stranger has no role: use the owner's bucket with a wrong role path.
  const denied = await runCli(['cleanup', '--role', demo.role.arn, '--bucket', DEMO.lockedBucket, '--prefix', 'elsewhere', '--endpoint', rgw.endpoint, '--path-style', '--yes']);
  t.equal(denied.code, 1, 'listing outside the role scope is denied');
  t.match(denied.stderr, /AccessDenied 403/);
  for (const [argv, re] of [
    [['cleanup', '--role', demo.role.arn, ...target, '--older-than', 'soon'], /--older-than: "soon" is not an age/],
    [['cleanup', '--role', demo.role.arn, '--bucket', B, '--endpoint', rgw.endpoint], /--allow-bucket-root/],
    [['cleanup', '--role', 'bad', ...target], /--role/],
  ] as [string[], RegExp][]) {
    const r = await runCli(argv);
    t.equal(r.code, 2, argv.join(' '));
    t.match(r.stderr, re);
  }
});
