// Backup sources (issue 15, first slice) on a real Ceph RGW: the reader checks of aws-backup-s3 on a
// versioned bucket, allowed by the role's policy, one of them denied by a bucket-policy Deny, and the
// generated aws-backup-s3 policy installed as the role's only policy passes. Here the probed role
// writes its own canary; the two-identity flow (a writer puts, the role reads) is
// test/integration/writer-rgw.test.ts. If RGW cannot start, this file fails (it never skips).
import t, { type Test } from 'tap';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRole, deleteBucketPolicy, deleteRolePolicy, putBucketPolicy, putRolePolicy, radosgwAdmin, roleArn, s3For, seedDemo, startRgw, userArn } from '../../scripts/rgw.mjs';
import { forBucket, readAccessLog } from '../helpers/rgw-access-log.js';
import { runPolicyCommand } from '../../src/cli/policy-command.js';
import type { PolicyArgs } from '../../src/cli/policy-args.js';
import type { RunResult } from '../../src/core/model.js';
import type { PolicyDocument } from '../../src/policy/generate.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const operator = demo.users.sourceIdentity;
const s3 = s3For(rgw, owner);
t.teardown(() => s3.destroy());

const BUCKET = 'backup-source';
const PREFIX = 'data/';
const ROLE = 'aws-backup-reader';
await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
await createRole(rgw, ROLE, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(operator.uid)] }, Action: ['sts:AssumeRole'] }] });

const READERS = ['get-object-tagging', 'get-object-acl', 'get-object-version', 'list-bucket-versions', 'get-bucket-versioning', 'get-bucket-location', 'get-bucket-tagging', 'get-bucket-notification', 'get-inventory-configuration'];

// The reader's actions, written out by hand (not by the generator), plus what the probe's own canary needs.
const handPolicy: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectAcl'],
      Resource: `arn:aws:s3:::${BUCKET}/${PREFIX}*`,
    },
    {
      Effect: 'Allow',
      // s3:GetInventoryConfiguration: RGW Pacific's policy parser refuses the action name (radosgw-admin
      // role-policy put exits 234, "failed to parse perm policy"), so no RGW policy can grant it.
      Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketVersioning', 's3:GetBucketLocation', 's3:GetBucketTagging', 's3:GetBucketNotification'],
      Resource: `arn:aws:s3:::${BUCKET}`,
    },
  ],
};

async function probe(name: string, extra: string[] = []) {
  useCredentials(operator);
  const r = await runCli(['probe', '--probe', name, '--role', roleArn(ROLE), '--bucket', BUCKET, '--prefix', PREFIX, '--endpoint', rgw.endpoint, '--path-style', '--format', 'json', '--timeout', '10', ...extra]);
  let json: RunResult;
  try {
    json = JSON.parse(r.stdout) as RunResult;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  const by = Object.fromEntries(json.checks.map((c) => [c.id, c]));
  return { code: r.code, json, by, failed: json.checks.filter((c) => !c.ok).map((c) => `${c.id}:${c.outcome}:${c.denial?.code ?? c.reason ?? ''}`) };
}

/** Every version and delete marker in the bucket, as its owner. */
async function versionsLeft(): Promise<{ key: string; versionId: string }[]> {
  const r = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
  return [...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])].map((v) => ({ key: v.Key!, versionId: v.VersionId! }));
}
async function clean(): Promise<number> {
  const left = await versionsLeft();
  for (const v of left) await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: v.key, VersionId: v.versionId }));
  return left.length;
}

/** `backup-canary policy --probe NAME --format json`, as main.ts calls it. */
async function generated(name: string): Promise<PolicyDocument> {
  let out = '';
  const io = { stdout: (x: string) => void (out += x), stderr: () => undefined, env: {}, stdoutIsTTY: false };
  const args: PolicyArgs = { probe: name, bucket: BUCKET, prefix: PREFIX, 'allow-bucket-root': false, provider: 'aws', format: 'json' };
  t.equal(await runPolicyCommand(args, io), 0, `policy --probe ${name}`);
  return (JSON.parse(out) as { identity: PolicyDocument }).identity;
}

// RGW Pacific answers GetBucketNotificationConfiguration (`GET /?notification`) and
// ListBucketInventoryConfigurations (`GET /?inventory`) with a plain bucket listing (ListBucketResult):
// it does not implement them in this configuration. The adapter checks the answer's root element, so
// these two checks are errors naming that, never passes.
const RGW_UNIMPLEMENTED = ['get-bucket-notification', 'get-inventory-configuration'];
/** Action names RGW Pacific's policy parser refuses (asserted one by one below). */
const RGW_REFUSED = ['s3:GetInventoryConfiguration', 's3:PutInventoryConfiguration'];

function expectReaders(t: Test, p: Awaited<ReturnType<typeof probe>>, except: Record<string, string> = {}, listsUnprefixed = true) {
  for (const id of READERS) {
    const c = p.by[id]!;
    if (RGW_UNIMPLEMENTED.includes(id) && !listsUnprefixed) {
      // RGW authorises the request it does answer, a listing of the whole bucket, as s3:ListBucket
      // without a prefix: a policy granting ListBucket only under the prefix refuses it.
      t.equal(c.outcome, 'denied', `${id}: RGW treats it as an unprefixed listing, denied`);
      t.equal(c.ok, false, `${id}: never a pass`);
    } else if (RGW_UNIMPLEMENTED.includes(id)) {
      t.equal(c.outcome, 'error', `${id}: not implemented by RGW, an error`);
      t.match(c.reason, /answered .* with <ListBucketResult>.*does not implement/, `${id}: the reason says so`);
      t.equal(c.ok, false, `${id}: never a pass`);
    } else if (except[id]) {
      t.equal(c.outcome, except[id], `${id}: ${except[id]}`);
    } else {
      t.equal(c.outcome, 'allowed', `${id}: allowed`);
      t.equal(c.ok, true, id);
    }
  }
}

t.test('aws-backup-s3 on a versioned bucket: the role policy allows the reader checks; RGW lacks notification and inventory reads', async (t) => {
  await putRolePolicy(rgw, ROLE, 'reader', handPolicy);
  t.teardown(() => deleteRolePolicy(rgw, ROLE, 'reader'));
  const p = await probe('aws-backup-s3');
  expectReaders(t, p);
  t.equal(p.by['get-object-version']!.request!.action, 's3:GetObjectVersion');
  // the keys the request set, and the User-Agent it carried (aws:UserAgent, recorded after signing)
  const { 'aws:UserAgent': ua, ...set } = p.by['list-bucket-versions']!.request!.context;
  t.same(set, { 's3:prefix': `${PREFIX}.backup-canary/` });
  t.match(ua, /^aws-sdk-js\//);
  t.same(p.failed.map((f) => f.split(':')[0]).sort(), RGW_UNIMPLEMENTED, `only RGW's unimplemented reads fail (${p.failed.join(', ')})`);
  t.not(p.json.verdict, 'pass', `a run with an unanswered check is not a pass (${p.json.verdict})`);
  t.not(p.code, 0, `exit ${p.code}`);
  t.same(p.json.leftovers, []);
  t.equal(await clean(), 0, 'nothing left in the bucket, no version, no delete marker');
});

t.test('a bucket-policy Deny on s3:GetObjectTagging denies get-object-tagging only', async (t) => {
  await putRolePolicy(rgw, ROLE, 'reader', handPolicy);
  await putBucketPolicy(rgw, owner, BUCKET, {
    Version: '2012-10-17',
    Statement: [{ Sid: 'NoTagReads', Effect: 'Deny', Principal: { AWS: [roleArn(ROLE)] }, Action: ['s3:GetObjectTagging'], Resource: [`arn:aws:s3:::${BUCKET}/*`] }],
  });
  t.teardown(async () => {
    await deleteBucketPolicy(rgw, owner, BUCKET);
    await deleteRolePolicy(rgw, ROLE, 'reader');
  });
  const p = await probe('aws-backup-s3');
  expectReaders(t, p, { 'get-object-tagging': 'denied' });
  const c = p.by['get-object-tagging']!;
  t.equal(c.denial?.httpStatus, 403);
  t.equal(c.denial?.code, 'AccessDenied');
  t.equal(c.ok, false);
  t.equal(p.by['get-object']!.outcome, 'allowed', 'the object itself is still readable');
  t.same(p.json.leftovers, []);
  t.equal(await clean(), 0);
});

t.test('the generated aws-backup-s3 policy as the role\'s only policy: every check RGW implements passes', async (t) => {
  const g = await generated('aws-backup-s3');
  const actions = g.Statement.flatMap((st) => st.Action);
  for (const a of ['s3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectAcl', 's3:ListBucketVersions', 's3:GetBucketVersioning', 's3:GetBucketLocation', 's3:GetBucketTagging', 's3:GetBucketNotification', 's3:GetInventoryConfiguration', 's3:DeleteObjectVersion']) {
    t.ok(actions.includes(a), `grants ${a}`);
  }
  // the configuration writes AWS Backup performs (never sent; evaluated with --explain)
  for (const a of ['s3:PutBucketNotification', 's3:PutInventoryConfiguration']) t.ok(actions.includes(a), `grants ${a}`);
  // RGW Pacific's policy parser refuses the action names of inventory configurations
  // (s3:GetInventoryConfiguration, s3:PutInventoryConfiguration; radosgw-admin role-policy put: exit
  // 234, "failed to parse perm policy"); they are removed, and nothing else.
  await t.rejects(putRolePolicy(rgw, ROLE, 'generated', g), /failed to parse perm policy/, 'RGW refuses the generated policy as it is');
  const onRgw: PolicyDocument = { ...g, Statement: g.Statement.map((st) => ({ ...st, Action: st.Action.filter((a) => !RGW_REFUSED.includes(a)) })) };
  t.equal(onRgw.Statement.flatMap((st) => st.Action).length, actions.length - RGW_REFUSED.length);
  await putRolePolicy(rgw, ROLE, 'generated', onRgw);
  t.teardown(() => deleteRolePolicy(rgw, ROLE, 'generated'));
  const p = await probe('aws-backup-s3');
  expectReaders(t, p, {}, false);
  t.same(p.failed.map((f) => f.split(':')[0]).sort(), RGW_UNIMPLEMENTED, `only RGW's unimplemented reads fail (${p.failed.join(', ')})`);
  t.same(p.json.leftovers, []);
  t.equal(await clean(), 0, 'the cleanup removed every version (s3:DeleteObjectVersion)');
});

t.test('the generated s3-backup-source policy as the role\'s only policy passes; without it the reads are denied', async (t) => {
  const g = await generated('s3-backup-source');
  await putRolePolicy(rgw, ROLE, 'generated', g);
  const p = await probe('s3-backup-source');
  t.same(p.failed, [], 'every check meets its expectation');
  t.equal(p.json.verdict, 'pass');
  t.equal(p.code, 0);
  t.equal(p.by['list-all-buckets']!.outcome, 'denied');
  t.same(p.json.leftovers, []);
  t.equal(await clean(), 0);
  // drop the bucket-level statement that carries GetBucketLocation/GetBucketVersioning: the probe fails
  const without: PolicyDocument = { ...g, Statement: g.Statement.filter((st) => !st.Action.includes('s3:GetBucketLocation')) };
  t.ok(without.Statement.length < g.Statement.length, 'a statement was removed');
  await putRolePolicy(rgw, ROLE, 'generated', without);
  t.teardown(() => deleteRolePolicy(rgw, ROLE, 'generated'));
  const q = await probe('s3-backup-source');
  t.equal(q.by['get-bucket-location']!.outcome, 'denied');
  t.equal(q.json.verdict, 'fail');
  await clean();
});

// Configuration writes (issue 15 item 2): put-bucket-notification and put-inventory-configuration are
// never sent. With --explain the request each describes is evaluated over the role's policy as RGW
// returns it. RGW's policy parser refuses s3:PutInventoryConfiguration (asserted here), so no role
// policy on RGW can grant it: its evaluation is an implicit deny, and the allowed case is shown with a
// FILE-based identity policy (the generated one) through `explain --replay REPORT --identity-policy FILE`.
t.test('aws-backup-s3 --explain: the configuration writes are never sent, evaluated over the policies read', async (t) => {
  const bucketArn = `arn:aws:s3:::${BUCKET}`;
  const only = (action: string): PolicyDocument => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [action], Resource: bucketArn }] });
  for (const a of RGW_REFUSED) await t.rejects(putRolePolicy(rgw, ROLE, 'probe-name', only(a)), /failed to parse perm policy/, `RGW refuses ${a} in a policy`);
  await putRolePolicy(rgw, ROLE, 'probe-name', only('s3:PutBucketNotification'));
  await deleteRolePolicy(rgw, ROLE, 'probe-name');
  t.pass('RGW accepts s3:PutBucketNotification in a policy');

  await radosgwAdmin(rgw, ['caps', 'add', `--uid=${owner.uid}`, '--caps=roles=read']);
  const dir = mkdtempSync(join(tmpdir(), 'bc-config-writes-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'credentials'), `[policy-reader]\naws_access_key_id = ${owner.accessKeyId}\naws_secret_access_key = ${owner.secretAccessKey}\n`);
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  process.env.AWS_CONFIG_FILE = join(dir, 'config-none');
  t.teardown(() => {
    delete process.env.AWS_SHARED_CREDENTIALS_FILE;
    delete process.env.AWS_CONFIG_FILE;
  });

  const withNotification: PolicyDocument = { ...handPolicy, Statement: [...handPolicy.Statement, { Effect: 'Allow', Action: ['s3:PutBucketNotification'], Resource: bucketArn }] };
  await putRolePolicy(rgw, ROLE, 'reader', withNotification);
  t.teardown(() => deleteRolePolicy(rgw, ROLE, 'reader'));
  const since = Date.now() - 1000;

  // Without --explain: not probed, not a failure of their own
  const plain = await probe('aws-backup-s3');
  for (const id of ['put-bucket-notification', 'put-inventory-configuration']) {
    t.match(plain.by[id], { outcome: 'not-probed', ok: true, reason: /never sent.*--explain evaluates it/ }, `${id}: not probed without --explain`);
  }
  t.same(plain.failed.map((f) => f.split(':')[0]).sort(), RGW_UNIMPLEMENTED, 'only RGW\'s unimplemented reads fail');
  await clean();

  const p = await probe('aws-backup-s3', ['--explain', '--explain-profile', 'policy-reader']);
  const n = p.by['put-bucket-notification']!;
  t.match(n, { outcome: 'evaluated', ok: true, expect: 'allow', explain: { decision: 'allowed' } }, 'allowed by the role policy read from RGW');
  t.same(n.request, { action: 's3:PutBucketNotification', resource: bucketArn, context: {} }, 'exactly that request: the action on the bucket ARN');
  t.match(n.explain!.input, { request: { action: 's3:PutBucketNotification', resource: bucketArn }, policies: { identity: ['role-inline:reader'] } });
  const inv = p.by['put-inventory-configuration']!;
  t.match(inv, { outcome: 'evaluated', ok: false, explain: { decision: 'implicit-deny', decidedBy: 'identity-policy' } }, 'no RGW policy can grant it: implicit deny');
  t.match(inv.explain!.fix, { policy: 'identity', snippet: { Statement: [{ Action: ['s3:PutInventoryConfiguration'], Resource: bucketArn }] } });
  t.not(p.json.verdict, 'pass');
  t.same(p.failed.map((f) => f.split(':')[0]).sort(), [...RGW_UNIMPLEMENTED, 'put-inventory-configuration'].sort());
  t.same(p.json.leftovers, []);
  await clean();

  // The evaluation alone decides the verdict: a definition of just the two writes (nothing is sent but AssumeRole).
  const def = (inventory: string) => {
    const f = join(dir, `config-writes-${inventory}.yaml`);
    writeFileSync(f, ['name: config-writes', 'description: the configuration writes only', 'source: https://docs.aws.amazon.com/aws-backup/latest/devguide/security-iam-awsmanpol.html', 'providers: [aws]', 'checks:', '  assume-role: allow', '  put-bucket-notification: allow', `  put-inventory-configuration: ${inventory}`, ''].join('\n'));
    return f;
  };
  const allow = await probe(def('allow'), ['--explain', '--explain-profile', 'policy-reader']);
  t.equal(allow.json.verdict, 'fail', 'an evaluated implicit deny of an expected allow fails the run');
  t.equal(allow.code, 1);
  const deny = await probe(def('deny'), ['--explain', '--explain-profile', 'policy-reader']);
  t.equal(deny.json.verdict, 'pass', `an evaluated deny where a denial is expected passes (${deny.failed.join(', ')})`);
  t.equal(deny.code, 0);
  const unevaluated = await probe(def('allow'));
  t.equal(unevaluated.json.verdict, 'pass', 'without --explain: not probed, not a failure');
  t.equal(unevaluated.code, 0);

  // Ground truth: no configuration write reached RGW (its access log has every request).
  const writes = forBucket(readAccessLog(rgw.dir), BUCKET).filter((e) => e.at >= since && e.method === 'PUT' && /[?&](notification|inventory)\b/.test(e.target));
  t.same(writes, [], 'no PutBucketNotification or PutInventoryConfiguration was sent');

  // A FILE-based identity policy grants what RGW cannot hold: the generated aws-backup-s3 policy.
  const reportFile = join(dir, 'report.json');
  writeFileSync(reportFile, JSON.stringify(p.json));
  const policyFile = join(dir, 'generated.json');
  writeFileSync(policyFile, JSON.stringify(await generated('aws-backup-s3')));
  const r = await runCli(['explain', '--replay', reportFile, '--identity-policy', policyFile, '--format', 'json']);
  const replayed = JSON.parse(r.stdout) as { checks: { id: string; before: string; after: string; change: string }[] };
  t.match(replayed.checks.find((c) => c.id === 'put-inventory-configuration'), { before: 'implicit-deny', after: 'allowed', change: 'newly-allowed' }, 'allowed by the generated policy given as a file');
  t.match(replayed.checks.find((c) => c.id === 'put-bucket-notification'), { after: 'allowed', change: 'unchanged' });
});

// Ownership evidence (issue 15, item 3) on RGW, as it is: RGW cannot produce an ownership denial (it
// lets the bucket owner and roles read objects another user wrote, whatever their ACL), so no denial is
// staged here; this asserts what the report's objectOwnership says on RGW, for the role and the owner.
t.test('objectOwnership on RGW: what the role and the bucket owner can learn', async (t) => {
  await putRolePolicy(rgw, ROLE, 'reader', handPolicy);
  t.teardown(() => deleteRolePolicy(rgw, ROLE, 'reader'));
  const p = await probe('aws-backup-s3');
  const o = p.json.target.objectOwnership;
  t.comment(`as the role: ${JSON.stringify(o)}`);
  t.ok(o, 'the target reports objectOwnership');
  t.equal(o?.setting, 'unknown', 'RGW Pacific gives no setting');
  t.equal(o?.why, 'not-implemented', 'RGW does not implement GetBucketOwnershipControls');
  t.match(o?.note, /answered GetBucketOwnershipControls with <ListBucketResult>/, 'it answers the plain bucket listing, and the guard says so');
  t.notOk(o?.bucketOwner, 'the role may not read the bucket ACL (no s3:GetBucketAcl), and no owner credentials were given');
  t.match(o?.note, /bucket owner: as the probed credentials denied \(AccessDenied 403\)/);
  const acl = p.by['get-object-acl']!;
  t.equal(acl.outcome, 'allowed');
  t.ok(acl.objectOwner?.id, `get-object-acl records the canary's owner (${acl.objectOwner?.id})`);
  t.equal(acl.objectOwner?.readAs, 'probed');
  t.notOk(p.json.checks.some((c) => c.ownership), 'no reader denial, so no ownership finding');
  t.equal(await clean(), 0);

  // As the bucket owner (no role): GetBucketAcl names the owner, and the canary the owner wrote is its own.
  useCredentials(owner);
  const r = await runCli(['probe', '--probe', 'aws-backup-s3', '--no-assume', '--bucket', BUCKET, '--prefix', PREFIX, '--endpoint', rgw.endpoint, '--path-style', '--format', 'json', '--timeout', '10']);
  const json = JSON.parse(r.stdout) as RunResult;
  const oo = json.target.objectOwnership;
  t.comment(`as the owner: ${JSON.stringify(oo)}`);
  t.equal(oo?.setting, 'unknown');
  t.equal(oo?.why, 'not-implemented');
  t.equal(oo?.bucketOwner?.readAs, 'probed');
  const canaryOwner = json.checks.find((c) => c.id === 'get-object-acl')?.objectOwner;
  t.equal(canaryOwner?.id, oo?.bucketOwner?.id, 'the owner wrote the canary: it owns it');
  t.equal(await clean(), 0);
});
