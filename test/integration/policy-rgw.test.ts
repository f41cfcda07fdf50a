// The least-privilege generator proven on a real Ceph RGW: for each definition RGW can express, a role
// whose ONLY policy is the generated one passes that definition's probe, and the same policy minus any
// one statement fails it. The policy comes from the `policy` command's JSON output (runPolicyCommand);
// the probe runs in-process (runCli). Between runs every leftover is removed as the bucket owner.
// If RGW cannot start, this file fails (it never skips).
import t from 'tap';
import { AbortMultipartUploadCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import {
  createBucket,
  createRole,
  deleteRolePolicy,
  DEMO,
  listEverything,
  putBucketPolicy,
  putRolePolicy,
  roleArn,
  s3For,
  seedDemo,
  startRgw,
  userArn,
} from '../../scripts/rgw.mjs';
import { runPolicyCommand } from '../../src/cli/policy-command.js';
import type { PolicyArgs } from '../../src/cli/policy-args.js';
import type { RunResult } from '../../src/core/model.js';
import type { PolicyDocument, PolicySnippet } from '../../src/policy/generate.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const operator = demo.users.sourceIdentity;
const BUCKET = DEMO.bucket;
const PREFIX = 'generated/';
const POLICY_NAME = 'generated-least-privilege';
const trust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(operator.uid)] }, Action: ['sts:AssumeRole'] }],
};

interface PolicyJson {
  probe: string;
  identity: PolicyDocument;
  bucketException: PolicySnippet | null;
  unexpressed: { check: string }[];
  notes: string[];
}

/** `backup-canary policy ... --format json`, called as main.ts will call it. */
async function generated(probe: string, bucket = BUCKET, role?: string): Promise<PolicyJson> {
  let out = '';
  const io = { stdout: (s: string) => void (out += s), stderr: () => undefined, env: {}, stdoutIsTTY: false };
  const args: PolicyArgs = { probe, bucket, prefix: PREFIX, 'allow-bucket-root': false, provider: 'aws', format: 'json', ...(role ? { role } : {}) };
  const code = await runPolicyCommand(args, io);
  if (code !== 0) throw new Error(`policy exited ${code}`);
  return JSON.parse(out) as PolicyJson;
}

/** The role's only policy: the document given, or none at all. */
async function install(role: string, policy: PolicyDocument, had: { policy: boolean }): Promise<void> {
  if (policy.Statement.length) {
    await putRolePolicy(rgw, role, POLICY_NAME, policy);
    had.policy = true;
  } else if (had.policy) {
    await deleteRolePolicy(rgw, role, POLICY_NAME);
    had.policy = false;
  }
}

async function probe(name: string, role: string, bucket = BUCKET) {
  useCredentials(operator);
  const r = await runCli(['probe', '--probe', name, '--role', roleArn(role), '--bucket', bucket, '--prefix', PREFIX, '--endpoint', rgw.endpoint, '--path-style', '--format', 'json', '--timeout', '10']);
  let json: RunResult;
  try {
    json = JSON.parse(r.stdout) as RunResult;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, json, failed: json.checks.filter((c) => !c.ok).map((c) => c.id) };
}

/** Remove everything in the bucket as its owner; returns what was there. */
async function clean(bucket = BUCKET) {
  const left = await listEverything(rgw, owner, bucket);
  const s3 = s3For(rgw, owner);
  try {
    for (const key of left.objects) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    for (const u of left.uploads) await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.key, UploadId: u.uploadId }));
  } finally {
    s3.destroy();
  }
  return left;
}

// Definitions whose every expectation an RGW role policy can express (append-only is tested apart).
const VERIFIED = ['default', 'rclone-s3', 'restic-s3', 'kopia-s3', 'velero-s3', 'restore-readonly', 'vendor-cross-account'];
// Statements RGW does not need where Amazon S3 does: RGW answers 404 for a missing key to a caller that
// may list the bucket before it authorises s3:GetObject, so read-missing-object passes without it there.
const RGW_NOT_NEEDED: Record<string, { sid: string; check: string }> = { 'restore-readonly': { sid: 'BackupObjects', check: 'read-missing-object' } };

for (const name of VERIFIED) {
  t.test(`${name}: the generated policy alone passes; without any one of its statements the probe fails`, async (t) => {
    const g = await generated(name);
    t.same(g.unexpressed, [], 'every expectation is expressible');
    t.ok(g.identity.Statement.length >= 2, 'more than one statement to remove');
    const role = `gen-${name}`;
    await createRole(rgw, role, trust);
    const had = { policy: false };

    await install(role, g.identity, had);
    const ok = await probe(name, role);
    t.equal(ok.code, 0, `${name}: exit 0 (failed: ${ok.failed.join(', ')})`);
    t.equal(ok.json.verdict, 'pass');
    t.same(ok.failed, []);
    // kopia-s3 expects deletes denied: its canaries stay (expected leftovers); everything else leaves nothing
    const expectLeft = name === 'kopia-s3';
    const left = await clean();
    t.equal(left.objects.length, expectLeft ? 2 : 0, 'what the run left in the bucket');
    t.same(left.uploads, []);
    t.equal(ok.json.leftovers.length, left.objects.length, 'the report lists exactly what stayed');

    for (const [i, st] of g.identity.Statement.entries()) {
      const without = { ...g.identity, Statement: g.identity.Statement.filter((_, j) => j !== i) };
      await install(role, without, had);
      const r = await probe(name, role);
      const lenient = RGW_NOT_NEEDED[name];
      if (lenient && lenient.sid === st.Sid) {
        t.equal(r.code, 0, `${name} without ${st.Sid}: RGW still passes`);
        t.match(r.json.checks.find((c) => c.id === lenient.check), { outcome: 'allowed' }, `RGW answers 404 to ${lenient.check} without ${st.Action.join(', ')}`);
        await clean();
        continue;
      }
      t.equal(r.code, 1, `${name} without ${st.Sid} (${st.Action.join(', ')}): exit 1`);
      t.equal(r.json.verdict, 'fail');
      t.ok(r.failed.length > 0, `${name} without ${st.Sid}: failed checks ${r.failed.join(', ')}`);
      await clean();
    }
    await clean();
  });
}

t.test('append-only: RGW (Pacific) does not evaluate s3:if-none-match, so only the overwrite denial is not enforced there', async (t) => {
  const g = await generated('append-only');
  t.same(g.identity.Statement.map((s) => s.Sid), ['BackupObjects', 'BackupWriteIfAbsent', 'BackupMultipartParts', 'ListBackupPrefix']);
  await createRole(rgw, 'gen-append-only', trust);
  await install('gen-append-only', g.identity, { policy: false });
  const r = await probe('append-only', 'gen-append-only');
  // Every other expectation holds on RGW: writes with If-None-Match and multipart parts pass, deletes are denied.
  t.same(r.failed, ['overwrite-object'], 'only the overwrite expectation fails on RGW');
  const overwrite = r.json.checks.find((c) => c.id === 'overwrite-object')!;
  t.equal(overwrite.outcome, 'allowed', 'RGW lets the overwrite through (Amazon S3 denies it with this policy)');
  for (const id of ['delete-object', 'delete-multipart-object']) t.match(r.json.checks.find((c) => c.id === id), { outcome: 'denied', ok: true }, id);
  t.equal(r.code, 1);
  const left = await clean();
  t.equal(left.objects.length, 2, 'deletes denied: both canaries stay until the owner removes them');
});

t.test('the bucket-policy exception lets the role through a restrictive Deny - and RGW does not know aws:PrincipalArn', async (t) => {
  const bucket = 'backups-office';
  await createBucket(rgw, owner, bucket);
  const role = 'gen-office';
  const other = 'gen-office-other';
  const g = await generated('default', bucket, roleArn(role));
  t.ok(g.bucketException, 'a named role gets the exception');
  for (const r of [role, other]) {
    await createRole(rgw, r, trust);
    await install(r, g.identity, { policy: false });
  }
  const deny = {
    Sid: 'OnlyFromTheOffice',
    Effect: 'Deny',
    Principal: '*',
    Action: ['s3:PutObject'],
    Resource: [`arn:aws:s3:::${bucket}/*`],
    Condition: { NotIpAddress: { 'aws:SourceIp': [DEMO.officeCidr] } },
  };
  await putBucketPolicy(rgw, owner, bucket, { Version: '2012-10-17', Statement: [deny] });
  const blocked = await probe('default', role, bucket);
  t.equal(blocked.code, 1, 'the Deny blocks the backup role');
  t.match(blocked.json.checks.find((c) => c.id === 'put-object'), { outcome: 'denied' });
  await clean(bucket);

  const exception = g.bucketException!.snippet.Condition as Record<string, unknown>;
  await putBucketPolicy(rgw, owner, bucket, { Version: '2012-10-17', Statement: [{ ...deny, Condition: { ...deny.Condition, ...exception } }] });
  const through = await probe('default', role, bucket);
  t.equal(through.code, 0, `with the exception the role passes (failed: ${through.failed.join(', ')})`);
  t.same(await clean(bucket), { objects: [], uploads: [] });
  // On Amazon S3 another role would still be denied. RGW Pacific has no aws:PrincipalArn: the condition is
  // false for every caller and the Deny no longer applies to anyone - the caveat the exception text states.
  const others = await probe('default', other, bucket);
  t.equal(others.code, 0, 'RGW: the Deny is lifted for another role too');
  t.match(g.bucketException!.summary, /Ceph RGW Pacific, tested/);
  t.same(await clean(bucket), { objects: [], uploads: [] });
});

t.test('nothing is left in the buckets', async (t) => {
  t.same(await listEverything(rgw, owner, BUCKET), { objects: [], uploads: [] });
  t.same(await listEverything(rgw, owner, 'backups-office'), { objects: [], uploads: [] });
});
