// --explain against a real Ceph RGW, with the bucket owner (who may also read roles) as the explain
// profile from a real shared credentials file. RGW never says which policy denied: every source and
// statement named here comes from reading and evaluating the real policies.
import t, { type Test } from 'tap';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRole, createUser, s3For, DEMO, demoRolePolicy, listEverything, putRolePolicy, radosgwAdmin, roleArn, seedDemo, startRgw, userArn } from '../../scripts/rgw.mjs';
import type { RunResult } from '../../src/core/model.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const operator = demo.users.sourceIdentity;
await radosgwAdmin(rgw, ['caps', 'add', `--uid=${owner.uid}`, '--caps=roles=read']);
const stranger = { uid: 'stranger', accessKeyId: 'BCSTRANGERKEY0000002', secretAccessKey: 'bc-local-stranger-secret-not-real-0002' };
await createUser(rgw, stranger.uid, stranger);

const dir = mkdtempSync(join(tmpdir(), 'bc-explain-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'credentials'), `[policy-reader]\naws_access_key_id = ${owner.accessKeyId}\naws_secret_access_key = ${owner.secretAccessKey}\n`);
process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
process.env.AWS_CONFIG_FILE = join(dir, 'config-none');

const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(operator.uid)] }, Action: ['sts:AssumeRole'] }] };

let runs = 0;
async function explain(role: string, bucket: string, extra: string[] = [], format = 'json') {
  // With JSON on stdout, the same run's text report goes to a file and into the test log, so a
  // reader of the log sees what a user sees.
  const textFile = join(dir, `explain-${runs++}.txt`);
  const alsoText = format === 'json' ? ['--format', 'text', '--output', textFile] : [];
  const argv = ['probe', '--role', role, '--bucket', bucket, '--prefix', DEMO.prefix, '--endpoint', rgw.endpoint, '--path-style', '--explain', '--explain-profile', 'policy-reader', ...alsoText, '--format', format, ...extra];
  const r = await runCli(argv);
  if (format !== 'json') return { ...r, json: null as unknown as RunResult, by: {} as Record<string, RunResult['checks'][number]> };
  t.comment(`backup-canary ${argv.slice(0, 3).join(' ')} ... (text report):\n${readFileSync(textFile, 'utf8')}`);
  const json = JSON.parse(r.stdout) as RunResult;
  return { ...r, json, by: Object.fromEntries(json.checks.map((c) => [c.id, c])) };
}

function noMismatch(t: Test, r: RunResult) {
  for (const c of r.checks) t.notOk(c.explain?.mismatch, `${c.id}: no explain.mismatch${c.explain?.mismatch ? ` (${c.explain.mismatch})` : ''}`);
}

t.test('(a) the office-IP bucket-policy Deny names the bucket policy, its Sid and the aws:SourceIp condition', async (t) => {
  useCredentials(operator);
  const r = await explain(demo.role.arn, DEMO.lockedBucket, ['--source-ip', '127.0.0.1']);
  t.equal(r.code, 1);
  const put = r.by['put-object']!;
  // RGW's AccessDenied names no policy: the denial says so, the evaluation names it (recorded with why)
  t.match(put.denial, { source: 'unknown', explicit: null });
  t.match(put.explain, {
    source: { source: 'resource-policy', explicit: true },
    statement: { policy: 'bucket-policy', sid: DEMO.lockedSid, index: 0, effect: 'Deny' },
    conditions: [{ key: 'aws:SourceIp', operator: 'NotIpAddress', policyValues: [DEMO.officeCidr], requestValues: ['127.0.0.1'], result: true }],
    fix: { policy: 'bucket' },
  });
  // The demo's Deny names only the backup role: an exemption would make it a no-op (and RGW does not
  // support aws:PrincipalArn at all), so it is reported as such (issue 12 item 6).
  t.match(put.explain!.fix!.summary, /This Deny targets only the backup role: remove it or change its condition/);
  t.notMatch(JSON.stringify(put.explain!.fix!.snippet), /aws:PrincipalArn/, 'no aws:PrincipalArn on RGW');
  t.match(put.explain!.fix!.proof, { store: 'ceph-rgw', candidates: [{ form: 'role-only-deny' }] }, 'the store is detected from the RGW request ids');
  t.match(put.explain, { decision: 'explicit-deny', decidedBy: 'resource-policy' });
  t.same(r.json.explain!.read, ['bucket-policy', 'trust-policy', 'role-inline:nightly-backup-writes']);
  // Ownership evidence (issue 15): the role may not read the bucket ACL, the --explain-profile (the
  // bucket owner) may: the bucket owner is read with those credentials. RGW Pacific answers
  // ?ownershipControls with a bucket listing, so the setting stays unknown, not implemented.
  t.comment(`objectOwnership: ${JSON.stringify(r.json.target.objectOwnership)}`);
  t.match(r.json.target.objectOwnership, { setting: 'unknown', why: 'not-implemented', bucketOwner: { id: owner.uid, readAs: 'the --explain-profile "policy-reader" credentials' } });
  t.match(r.json.explain!.notVisible, [{ policy: /ListAttachedRolePolicies/, why: /does not implement/ }]);
  noMismatch(t, r.json);

  const text = await explain(demo.role.arn, DEMO.lockedBucket, ['--source-ip', '127.0.0.1'], 'text');
  t.match(text.stdout, /✗ s3:PutObject\s+put-object\s+denied · stage object · by resource-policy \(explicit deny\)\n.*\n {6}why: bucket-policy Sid=OnlyOfficeMayWrite \(Deny\): NotIpAddress aws:SourceIp 203\.0\.113\.0\/24 vs 127\.0\.0\.1 → matched\n/);
  t.same(await listEverything(rgw, owner, DEMO.lockedBucket), { objects: [], uploads: [] });
});

t.test('(a2) without --source-ip the condition is undetermined, never guessed', async (t) => {
  useCredentials(operator);
  const r = await explain(demo.role.arn, DEMO.lockedBucket);
  const put = r.by['put-object']!;
  t.equal(put.explain!.decision, 'undetermined');
  t.same(put.explain!.undeterminedKeys, ['aws:SourceIp']);
  t.equal(put.denial!.source, 'unknown', 'the source stays unknown');
  t.equal(put.denial!.rule, 'aws.s3.forbidden.rgw');
  t.notMatch(put.denial!.hint, /run with --explain/, 'with --explain on, the hint does not ask for it');
  noMismatch(t, r.json);
});

t.test('(b) a role policy missing one multipart action: implicit deny in the role policy, the exact statement proposed', async (t) => {
  useCredentials(operator);
  const policy = demoRolePolicy([DEMO.bucket]);
  policy.Statement[0].Action = policy.Statement[0].Action.filter((a: string) => a !== 's3:ListMultipartUploadParts');
  await createRole(rgw, 'no-list-parts', trust);
  await putRolePolicy(rgw, 'no-list-parts', 'backup-writes', policy);
  const r = await explain(roleArn('no-list-parts'), DEMO.bucket, ['--source-ip', '127.0.0.1']);
  t.equal(r.code, 1);
  t.same(r.json.checks.filter((c) => !c.ok).map((c) => c.id), ['multipart-list-parts']);
  const lp = r.by['multipart-list-parts']!;
  t.match(lp.explain, { source: { source: 'identity-policy', explicit: false }, statement: { policy: 'role-inline:backup-writes', sid: null, effect: null }, fix: { policy: 'identity' } });
  t.same(lp.explain!.fix!.snippet, {
    Version: '2012-10-17',
    Statement: [{ Sid: 'BackupCanaryListMultipartUploadParts', Effect: 'Allow', Action: ['s3:ListMultipartUploadParts'], Resource: `arn:aws:s3:::${DEMO.bucket}/${DEMO.prefix}*` }],
  } as never, 'exactly the missing action, scoped to the bucket and prefix');
  noMismatch(t, r.json);
  t.same(await listEverything(rgw, owner, DEMO.bucket), { objects: [], uploads: [] });
});

t.test('(c) an explicit Deny statement in the role policy is named by Sid', async (t) => {
  useCredentials(operator);
  const policy = demoRolePolicy([DEMO.bucket]);
  policy.Statement.push({ Sid: 'NeverDeleteBackups', Effect: 'Deny', Action: ['s3:DeleteObject'], Resource: [`arn:aws:s3:::${DEMO.bucket}/*`] });
  await createRole(rgw, 'append-only', trust);
  await putRolePolicy(rgw, 'append-only', 'append-only', policy);
  const r = await explain(roleArn('append-only'), DEMO.bucket, ['--source-ip', '127.0.0.1']);
  t.match(r.by['delete-object']!.explain, { source: { source: 'identity-policy', explicit: true }, statement: { policy: 'role-inline:append-only', sid: 'NeverDeleteBackups', effect: 'Deny' } });
  noMismatch(t, r.json);
  // The role could not delete its canaries: they are leftovers, removed here as the owner (the third
  // is the 16-byte object of the If-None-Match measurement, src/core/collision.ts).
  t.match(r.json.leftovers.map((l) => l.key.replace(/.*\//, '')).sort(), [/^conditional-[0-9a-f]{12}\.bin$/, 'multipart.bin', 'object.bin']);
  t.equal(r.json.leftovers.length, 3);
  const s3 = s3For(rgw, owner);
  for (const l of r.json.leftovers) await s3.send(new DeleteObjectCommand({ Bucket: DEMO.bucket, Key: l.key }));
  t.same(await listEverything(rgw, owner, DEMO.bucket), { objects: [], uploads: [] });
});

t.test('(d) a trust-policy mismatch names the trust policy', async (t) => {
  useCredentials(stranger);
  const r = await explain(demo.role.arn, DEMO.bucket, ['--caller-arn', userArn(stranger.uid)]);
  t.equal(r.code, 1);
  const a = r.by['assume-role']!;
  t.match(a.denial, { stage: 'assume-role' });
  t.match(a.explain, { statement: { policy: 'trust-policy' }, fix: { policy: 'trust' } });
  t.equal(a.explain!.source?.source ?? a.denial!.source, 'trust-policy', 'named by the response or, when it named none, by the evaluation');
  t.match(JSON.stringify(a.explain!.fix!.snippet), /arn:aws:iam:::user\/stranger/);
  // The caller's own policies are not read: denied either way (the trust policy does not admit it),
  // but whether an explicit Deny of the caller's also applies is not known.
  t.equal(a.explain!.decision, 'undetermined');
  t.equal(a.explain!.decidedBy, 'trust-policy');
  t.match(a.explain!.unread, [{ policy: `the identity policies of ${userArn(stranger.uid)}` }]);
  noMismatch(t, r.json);
});

t.test('explain flags without --explain, and bad explain input: exit 2', async (t) => {
  const base = ['probe', '--role', demo.role.arn, '--bucket', DEMO.bucket, '--prefix', 'p', '--endpoint', rgw.endpoint];
  for (const [argv, re] of [
    [[...base, '--source-ip', '127.0.0.1'], /--source-ip goes with --explain/],
    [[...base, '--explain', '--source-ip', '999.1.1.1'], /--source-ip: "999\.1\.1\.1" is not an IPv4 or IPv6 address/],
    [[...base, '--explain', '--caller-arn', 'bob'], /--caller-arn: "bob" is not an ARN/],
    [[...base, '--explain', '--scp', join(dir, 'missing.json')], /--scp: cannot read/],
    [[...base, '--explain', '--source-vpce', 'vpc-1'], /--source-vpce/],
  ] as [string[], RegExp][]) {
    const r = await runCli(argv);
    t.equal(r.code, 2, argv.join(' '));
    t.match(r.stderr, re);
  }
});
