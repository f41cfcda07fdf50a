// Issue 11 on a real Ceph RGW: a PASS that holds only from this vantage says so under the check
// (hingesOn), the same recorded requests evaluated as the backup would send them (--backup-*) fail
// the run where the backup would be refused, session names that decide are named, and
// `explain --replay` gates a policy change before it is applied.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBucket, createRole, DEMO, demoRolePolicy, listEverything, putBucketPolicy, putRolePolicy, radosgwAdmin, roleArn, seedDemo, startRgw, userArn } from '../../scripts/rgw.mjs';
import type { RunResult } from '../../src/core/model.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const operator = demo.users.sourceIdentity;
await radosgwAdmin(rgw, ['caps', 'add', `--uid=${owner.uid}`, '--caps=roles=read']);

const dir = mkdtempSync(join(tmpdir(), 'bc-vantage-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'credentials'), `[policy-reader]\naws_access_key_id = ${owner.accessKeyId}\naws_secret_access_key = ${owner.secretAccessKey}\n`);
process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
process.env.AWS_CONFIG_FILE = join(dir, 'config-none');

const OFFICE = 'office-only';
const SESSIONS = 'sessions-only';
const ROLE = 'vantage-backup';
const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(operator.uid)] }, Action: ['sts:AssumeRole'] }] };
await createRole(rgw, ROLE, trust);
await putRolePolicy(rgw, ROLE, 'backup-writes', demoRolePolicy([OFFICE, SESSIONS]));
await createBucket(rgw, owner, OFFICE);
await createBucket(rgw, owner, SESSIONS);
const officeOnly = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'OfficeOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:PutObject'],
      Resource: [`arn:aws:s3:::${OFFICE}/*`],
      Condition: { NotIpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '203.0.113.0/24'] } },
    },
  ],
};
await putBucketPolicy(rgw, owner, OFFICE, officeOnly);

let runs = 0;
async function probe(bucket: string, extra: string[] = []) {
  const textFile = join(dir, `run-${runs}.txt`);
  const jsonFile = join(dir, `run-${runs++}.json`);
  const argv = ['probe', '--role', roleArn(ROLE), '--bucket', bucket, '--prefix', DEMO.prefix, '--endpoint', rgw.endpoint, '--path-style', '--explain', '--explain-profile', 'policy-reader', '--format', 'json', '--output', jsonFile, '--format', 'text', ...extra];
  const r = await runCli(argv);
  t.comment(`backup-canary probe --bucket ${bucket} ${extra.join(' ')} (text report):\n${r.stdout}${r.stderr}`);
  const json = JSON.parse(readFileSync(jsonFile, 'utf8')) as RunResult;
  return { ...r, text: r.stdout, json, jsonFile, by: Object.fromEntries(json.checks.map((c) => [c.id, c])) };
}

const sessionsOnly = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'OnlyTheBackupSession',
      Effect: 'Deny',
      Principal: { AWS: [roleArn(ROLE)] },
      Action: ['s3:PutObject'],
      Resource: [`arn:aws:s3:::${SESSIONS}/*`],
      Condition: { StringNotLike: { 'aws:userid': ['*:daebaksrv-S3Backup'] } },
    },
  ],
};
await putBucketPolicy(rgw, owner, SESSIONS, sessionsOnly);

let officeReport = '';
t.test('item 1: a network-conditional allow is named under the check (JSON and text)', async (t) => {
  useCredentials(operator);
  const r = await probe(OFFICE, ['--source-ip', '127.0.0.1']);
  officeReport = r.jsonFile;
  t.equal(r.code, 0, 'the live run passes from 127.0.0.1');
  const put = r.by['put-object']!;
  t.equal(put.outcome, 'allowed');
  t.match(put.explain!.hingesOn, [{ key: 'aws:SourceIp', operator: 'NotIpAddress', values: ['127.0.0.0/8', '203.0.113.0/24'], policy: 'bucket-policy', sid: 'OfficeOnly', effect: 'Deny' }]);
  t.match(put.explain!.summary, /the PASS holds from this vantage only/);
  t.notOk(put.explain!.mismatch);
  t.notOk(r.by['get-object']!.explain!.hingesOn, 'a check the Deny does not touch hinges on nothing');
  t.notOk(r.by['list-prefix']!.explain!.hingesOn, 'the request\'s own keys (s3:prefix) are not a vantage');
  t.match(r.text, /✓ s3:PutObject\s+put-object\s+allowed.*\n {6}holds only for aws:SourceIp in 127\.0\.0\.0\/8, 203\.0\.113\.0\/24 \(bucket-policy Sid OfficeOnly\)\n/);
  t.match(r.text, /PASS .*the PASS holds from this vantage/);
  t.same(await listEverything(rgw, owner, OFFICE), { objects: [], uploads: [] });
});

t.test('item 2: --backup-source-ip turns the live pass into an asBackup fail naming the Sid (exit 1)', async (t) => {
  useCredentials(operator);
  const r = await probe(OFFICE, ['--source-ip', '127.0.0.1', '--backup-source-ip', '198.51.100.7']);
  t.equal(r.code, 1, 'the backup would fail: the run fails');
  t.equal(r.json.verdict, 'fail');
  t.ok(r.json.checks.every((c) => c.ok), 'every live check met its expectation');
  const b = r.json.asBackup!;
  t.equal(b.verdict, 'fail');
  t.same(b.vantage, { sourceIp: '198.51.100.7' });
  const put = b.checks.find((c) => c.id === 'put-object')!;
  t.match(put, { action: 's3:PutObject', decision: 'explicit-deny', decidedBy: 'resource-policy', statement: { policy: 'bucket-policy', sid: 'OfficeOnly', effect: 'Deny' }, ok: false });
  t.match(put.differs, /this run was allowed; from the backup's vantage bucket-policy Sid=OfficeOnly \(Deny\): NotIpAddress aws:SourceIp 127\.0\.0\.0\/8,203\.0\.113\.0\/24 vs 198\.51\.100\.7 → matched/);
  t.match(b.checks.find((c) => c.id === 'get-object'), { decision: 'allowed', ok: true });
  t.match(r.text, /As the backup \(from 198\.51\.100\.7\): ✗ put-object — bucket-policy Sid OfficeOnly\n/);
  t.match(r.text, /FAIL .*check.? the backup would fail/);
  // from an address the Deny admits, the backup holds
  const ok = await probe(OFFICE, ['--source-ip', '127.0.0.1', '--backup-source-ip', '203.0.113.9']);
  t.equal(ok.code, 0);
  t.equal(ok.json.asBackup!.verdict, 'pass');
  t.same(await listEverything(rgw, owner, OFFICE), { objects: [], uploads: [] });
});

t.test('bad backup vantage input: exit 2, no stack trace', async (t) => {
  const base = ['probe', '--role', roleArn(ROLE), '--bucket', OFFICE, '--prefix', DEMO.prefix, '--endpoint', rgw.endpoint, '--path-style'];
  for (const [argv, re] of [
    [[...base, '--backup-source-ip', '198.51.100.7'], /--backup-source-ip goes with --explain/],
    [[...base, '--explain', '--backup-source-ip', 'office'], /--backup-source-ip: "office" is not an IPv4 or IPv6 address/],
    [[...base, '--explain', '--backup-principal', 'someone'], /--backup-principal: "someone" is neither/],
  ] as const) {
    const r = await runCli([...argv]);
    t.equal(r.code, 2, argv.join(' '));
    t.match(r.stderr, re);
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

t.test('item 5: explain --replay gates a bucket-policy change on the recorded requests', async (t) => {
  t.ok(officeReport, 'the item 1 report exists');
  const rep = JSON.parse(readFileSync(officeReport, 'utf8')) as RunResult;
  t.match(rep.explain!.policies, { 'bucket-policy': officeOnly, 'role-inline:backup-writes': { Statement: Array } }, 'the documents read are recorded');
  t.match(rep.checks.find((c) => c.id === 'put-object')!.explain!.input, { dialect: 'aws', request: { action: 's3:PutObject', context: { 'aws:SourceIp': '127.0.0.1' } }, policies: { resource: 'bucket-policy', identity: ['role-inline:backup-writes'] } });
  const freeze = { Version: '2012-10-17', Statement: [...officeOnly.Statement, { Sid: 'FreezeWrites', Effect: 'Deny', Principal: '*', Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${OFFICE}/*`] }] };
  const unrelated = { Version: '2012-10-17', Statement: [...officeOnly.Statement, { Sid: 'KeepBucket', Effect: 'Deny', Principal: '*', Action: ['s3:DeleteBucket'], Resource: [`arn:aws:s3:::${OFFICE}`] }] };
  writeFileSync(join(dir, 'freeze.json'), JSON.stringify(freeze));
  writeFileSync(join(dir, 'unrelated.json'), JSON.stringify(unrelated));
  const bad = await runCli(['explain', '--replay', officeReport, '--bucket-policy', join(dir, 'freeze.json')]);
  t.comment(`explain --replay REPORT.json --bucket-policy freeze.json (exit ${bad.code}):\n${bad.stdout}${bad.stderr}`);
  t.equal(bad.code, 1);
  t.match(bad.stdout, /✗ put-object \(s3:PutObject\): allowed → explicit-deny — bucket-policy Sid FreezeWrites\n/);
  t.match(bad.stdout, /FAIL {2}\d+ checks that were allowed would be denied: put-object, /);
  t.notMatch(bad.stdout, /✗ get-object/);
  const json = await runCli(['explain', '--replay', officeReport, '--bucket-policy', join(dir, 'freeze.json'), '--format', 'json']);
  t.equal(json.code, 1);
  t.match(JSON.parse(json.stdout), { verdict: 'fail', checks: [{ id: 'put-object', change: 'newly-denied', statement: { policy: 'bucket-policy', sid: 'FreezeWrites', effect: 'Deny' } }] });
  const good = await runCli(['explain', '--replay', officeReport, '--bucket-policy', join(dir, 'unrelated.json')]);
  t.comment(`explain --replay REPORT.json --bucket-policy unrelated.json (exit ${good.code}):\n${good.stdout}${good.stderr}`);
  t.equal(good.code, 0);
  t.match(good.stdout, /PASS {2}nothing that was allowed becomes denied/);
  // the recorded policy applied for real confirms the gate: RGW refuses the write after the freeze
  await putBucketPolicy(rgw, owner, OFFICE, freeze);
  useCredentials(operator);
  const live = await probe(OFFICE, ['--source-ip', '127.0.0.1']);
  t.equal(live.code, 1);
  t.equal(live.by['put-object']!.outcome, 'denied', 'RGW denies what the replay said it would');
  await putBucketPolicy(rgw, owner, OFFICE, officeOnly);
  for (const [argv, re] of [
    [['explain', '--replay', join(dir, 'nope.json'), '--bucket-policy', join(dir, 'freeze.json')], /--replay: cannot read/],
    [['explain', '--replay', officeReport], /--replay: give the changed documents/],
    [['explain', '--replay', join(dir, 'freeze.json'), '--bucket-policy', join(dir, 'freeze.json')], /is not a backup-canary JSON report/],
  ] as const) {
    const r = await runCli([...argv]);
    t.equal(r.code, 2, argv.join(' '));
    t.match(r.stderr, re);
  }
});

t.test('item 3: a session-name-scoped Deny names the session name that passes', async (t) => {
  useCredentials(operator);
  const denied = await probe(SESSIONS, ['--source-ip', '127.0.0.1']);
  t.equal(denied.code, 1, 'the default session name is refused');
  const put = denied.by['put-object']!;
  t.equal(put.outcome, 'denied');
  // RGW's AssumeRole answer carries no AssumedRoleId, so aws:userid is not known: the evaluation is
  // undetermined (never guessed), and still names the session name that the Deny exempts.
  t.match(put.explain, { decision: 'undetermined', undeterminedKeys: ['aws:userid'] });
  t.match(put.explain!.summary, /bucket-policy Sid=OnlyTheBackupSession \(Deny\): StringNotLike aws:userid \*:daebaksrv-S3Backup/);
  t.same(put.explain!.sessionNames, ['daebaksrv-S3Backup']);
  t.match(denied.text, /Session names: the role session name decides; the policies read let pass daebaksrv-S3Backup\.\n {2}Probe with the session name the backup really uses \(--session-name NAME\)/);
  const passed = await probe(SESSIONS, ['--source-ip', '127.0.0.1', '--session-name', 'daebaksrv-S3Backup']);
  t.equal(passed.code, 0, 'the backup\'s session name passes');
  t.match(passed.by['put-object']!.explain!.hingesOn, [{ key: 'aws:userid', operator: 'StringNotLike', values: ['*:daebaksrv-S3Backup'], sid: 'OnlyTheBackupSession', sessionNames: ['daebaksrv-S3Backup'], undetermined: true }]);
  t.match(passed.text, /holds only for aws:userid like \*:daebaksrv-S3Backup \(bucket-policy Sid OnlyTheBackupSession\) — undetermined in this run/);
  t.notOk(passed.by['put-object']!.explain!.mismatch);
  // and the other way round: probing as the backup's session, another session name would be refused
  // (aws:userid unknown on RGW: the backup's verdict is undetermined, and said so, not a pass)
  const other = await probe(SESSIONS, ['--source-ip', '127.0.0.1', '--session-name', 'daebaksrv-S3Backup', '--backup-session-name', 'nightly-job']);
  t.match(other.json.asBackup, { verdict: 'undetermined', vantage: { sessionName: 'nightly-job' } });
  t.match(other.json.asBackup!.checks.find((c) => c.id === 'put-object'), { decision: 'undetermined', ok: false, statement: { sid: 'OnlyTheBackupSession' } });
  t.match(other.text, /As the backup \(session nightly-job\): \? put-object — bucket-policy Sid OnlyTheBackupSession\n/);
  t.match(other.text, /as the backup: undetermined for the backup/);
  t.same(await listEverything(rgw, owner, SESSIONS), { objects: [], uploads: [] });
});

t.test('item 4: a role that trusts only backup.amazonaws.com: not assumable by a canary, no trust widening; the twin role', async (t) => {
  const SVC = 'aws-backup-service';
  await createRole(rgw, SVC, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: ['backup.amazonaws.com'] }, Action: ['sts:AssumeRole'] }] });
  await putRolePolicy(rgw, SVC, 'backup-writes', demoRolePolicy([OFFICE]));
  useCredentials(operator);
  const argv = ['probe', '--role', roleArn(SVC), '--bucket', OFFICE, '--prefix', DEMO.prefix, '--endpoint', rgw.endpoint, '--path-style', '--explain', '--explain-profile', 'policy-reader', '--caller-arn', userArn(operator.uid)];
  const text = await runCli([...argv, '--format', 'text']);
  t.comment(`backup-canary probe --role ${roleArn(SVC)} --explain ... (text report, exit ${text.code}):\n${text.stdout}${text.stderr}`);
  t.equal(text.code, 1, 'RGW refuses the AssumeRole (no user can assume a service-trusted role)');
  const json = await runCli([...argv, '--format', 'json']);
  const r = JSON.parse(json.stdout) as RunResult;
  const a = r.checks.find((c) => c.id === 'assume-role')!;
  t.equal(a.outcome, 'denied');
  t.same(a.explain!.serviceRole, { role: roleArn(SVC), serviceLinked: false, services: ['backup.amazonaws.com'] });
  t.notOk(a.denial!.fix, 'no trust-policy snippet is proposed');
  t.match(a.denial!.hint, /the trust policy of arn:aws:iam:::role\/aws-backup-service admits only backup\.amazonaws\.com: a canary cannot stand in for backup\.amazonaws\.com, and no trust-policy change on the production role is proposed/);
  t.match(a.denial!.hint, /policy --twin-role aws-backup-service-canary-twin/);
  t.notMatch(text.stdout, /trust policy: \{/, 'no trust snippet in the text either');
  t.notMatch(text.stdout, new RegExp(`"AWS":\\s*\\[?"${userArn(operator.uid)}`), 'the caller is never proposed as a principal of the production role');

  const twin = await runCli(['policy', '--bucket', OFFICE, '--prefix', DEMO.prefix, '--role', roleArn(SVC), '--twin-role', 'aws-backup-service-canary-twin', '--twin-caller', userArn(operator.uid), '--twin-external-id', 'canary-twin-0001']);
  t.comment(`backup-canary policy --twin-role aws-backup-service-canary-twin ... (exit ${twin.code}):\n${twin.stdout}${twin.stderr}`);
  t.equal(twin.code, 0);
  t.match(twin.stdout, /# Canary twin role aws-backup-service-canary-twin/);
  t.match(twin.stdout, /"sts:ExternalId": "canary-twin-0001"/);
  t.match(twin.stdout, /"sts:RoleSessionName": "backup-canary-\*"/);
  t.match(twin.stdout, /bucket policies that name arn:aws:iam:::role\/aws-backup-service/);
  t.match(twin.stdout, /exemption from service control policies/);
  t.match(twin.stdout, /--backup-principal arn:aws:iam:::role\/aws-backup-service/);
  // RGW (Pacific) refuses every AssumeRole whose trust policy has a condition on sts:ExternalId or
  // sts:RoleSessionName (observed: the same role without the Condition is assumable), so the printed
  // trust policy is checked with the evaluator as AWS documents it: the canary's caller with the
  // external id and a backup-canary-* session is admitted, another session name or no external id is not.
  const doc = JSON.parse(/# Trust policy[^\n]*\n(\{[\s\S]*?\n\})\n/.exec(twin.stdout)![1]!);
  const trustFile = join(dir, 'twin-trust.json');
  writeFileSync(trustFile, JSON.stringify(doc));
  const ev = (ctx: string[]) => runCli(['explain', '--action', 'sts:AssumeRole', '--resource', roleArn('aws-backup-service-canary-twin'), '--principal', userArn(operator.uid), '--trust-policy', trustFile, ...ctx.flatMap((c) => ['--context', c])]);
  t.equal((await ev(['sts:ExternalId=canary-twin-0001', 'sts:RoleSessionName=backup-canary-1a2b'])).code, 0, 'the canary with its external id and session name is admitted');
  t.equal((await ev(['sts:ExternalId=canary-twin-0001', 'sts:RoleSessionName=someone-else'])).code, 1, 'another session name is not');
  t.equal((await ev(['sts:RoleSessionName=backup-canary-1a2b'])).code, 3, 'with the external id unknown it is never admitted (undetermined)');
  for (const [args, re] of [
    [['--twin-role', 'x'], /--twin-caller ARN is required/],
    [['--twin-caller', userArn(operator.uid)], /--twin-caller goes with --twin-role/],
    [['--twin-role', 'x', '--twin-caller', 'bob'], /--twin-caller: "bob" is not an ARN/],
  ] as const) {
    const bad = await runCli(['policy', '--bucket', OFFICE, '--prefix', DEMO.prefix, ...args]);
    t.equal(bad.code, 2, args.join(' '));
    t.match(bad.stderr, re);
  }
});
