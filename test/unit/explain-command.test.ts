// The offline `explain` command: no cloud call, same shapes, exit 0 allowed / 1 denied / 3 undetermined / 2 input.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const P = new URL('../fixtures/policies/', import.meta.url).pathname;
const session = 'arn:aws:sts::111122223333:assumed-role/backup/nightly';
const put = ['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::corp-backups/db/x.bin', '--principal', session, '--role-arn', 'arn:aws:iam::111122223333:role/backup', '--identity-policy', `${P}role-backup.json`, '--bucket-policy', `${P}bucket-office-only.json`];

t.test('a bucket-policy Deny outside the office range: explicit deny named by Sid, exception proposed', async (t) => {
  const r = await runCli([...put, '--context', 'aws:SourceIp=198.51.100.7', '--resource-account', '111122223333']);
  t.equal(r.code, 1);
  t.match(r.stdout, /^decision: explicit-deny \(resource-policy\)$/m);
  t.match(r.stdout, /why: bucket-policy Sid=OnlyOfficeMayWrite \(Deny\): NotIpAddress aws:SourceIp 203\.0\.113\.0\/24 vs 198\.51\.100\.7 → matched/);
  t.match(r.stdout, /"ArnNotLike":\{"aws:PrincipalArn":"arn:aws:iam::111122223333:role\/backup"\}/);
  t.notMatch(r.stdout, /resource owner account is unknown/);
});

t.test('from the office: allowed, exit 0, JSON shape', async (t) => {
  const r = await runCli([...put, '--context', 'aws:SourceIp=203.0.113.9', '--format', 'json']);
  t.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  t.match(j, { schemaVersion: 1, decision: 'allowed', request: { action: 's3:PutObject', principal: session }, fix: null });
});

t.test('without the source address: undetermined, exit 3, the key named', async (t) => {
  const r = await runCli([...put, '--format', 'json']);
  t.equal(r.code, 3);
  t.match(JSON.parse(r.stdout), { decision: 'undetermined', undeterminedKeys: ['aws:SourceIp'], possibleDecisions: ['explicit-deny', 'allowed'] });
});

t.test('a missing action: implicit deny and the scoped statement', async (t) => {
  const r = await runCli(['explain', '--action', 's3:AbortMultipartUpload', '--resource', 'arn:aws:s3:::corp-backups/db/x.bin', '--principal', session, '--identity-policy', `${P}role-backup.json`, '--format', 'json']);
  t.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  t.match(j, { decision: 'implicit-deny', decidedBy: 'identity-policy', fix: { policy: 'identity' } });
  t.same(j.fix.snippet.Statement[0].Action, ['s3:AbortMultipartUpload']);
  t.equal(j.fix.snippet.Statement[0].Resource, 'arn:aws:s3:::corp-backups/db/*');
});

t.test('a trust policy that names another caller: the trust fix keeps the external id', async (t) => {
  const r = await runCli(['explain', '--action', 'sts:AssumeRole', '--resource', 'arn:aws:iam::111122223333:role/backup', '--principal', 'arn:aws:iam::111122223333:user/ops', '--trust-policy', `${P}trust-ci.json`, '--context', 'sts:ExternalId=vendor-42', '--format', 'json']);
  t.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  t.match(j, { decision: 'implicit-deny', decidedBy: 'trust-policy', fix: { policy: 'trust', snippet: { Principal: { AWS: 'arn:aws:iam::111122223333:user/ops' }, Condition: { StringEquals: { 'sts:ExternalId': 'vendor-42' } } } } });
});

t.test('bad input: exit 2 with the field named', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bc-explain-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'maybe.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}');
  writeFileSync(join(dir, 'broken.json'), '{"Version":');
  const base = ['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal', session];
  const cases: [string[], RegExp][] = [
    [[...base, '--identity-policy', join(dir, 'maybe.json')], /Statement\[0\]\.Effect: must be "Allow" or "Deny"/],
    [[...base, '--identity-policy', join(dir, 'broken.json')], /--identity-policy: ".*broken\.json" is not valid JSON/],
    [[...base, '--identity-policy', join(dir, 'none.json')], /--identity-policy: cannot read/],
    [base, /name at least one policy file/],
    [[...base.slice(0, 1), '--action', 'PutObject', ...base.slice(3), '--identity-policy', `${P}role-backup.json`], /--action: "PutObject" is not an action/],
    [[...base, '--identity-policy', `${P}role-backup.json`, '--context', 'novalue'], /--context: "novalue" is not key=value/],
    [[...base, '--identity-policy', `${P}role-backup.json`, '--resource-account', 'me'], /--resource-account/],
    [['explain', '--action', 's3:PutObject', '--resource', 'bucket/key', '--principal', session, '--identity-policy', `${P}role-backup.json`], /--resource: "bucket\/key" is not an ARN/],
  ];
  for (const [argv, re] of cases) {
    const r = await runCli(argv);
    t.equal(r.code, 2, argv.join(' '));
    t.match(r.stderr, re);
    t.notMatch(r.stderr, /\n\s+at /);
  }
});

t.test('new request forms and layers: resource *, anonymous and service callers, SCPs per level, KMS, VPC endpoint', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bc-explain-new-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const w = (name: string, doc: unknown) => {
    writeFileSync(join(dir, name), typeof doc === 'string' ? doc : JSON.stringify(doc));
    return join(dir, name);
  };
  const allowAll = w('all.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
  const lab = ['--principal', session, '--role-arn', 'arn:aws:iam::111122223333:role/backup', '--format', 'json'];

  let r = await runCli(['explain', '--action', 's3:ListAllMyBuckets', '--resource', '*', ...lab, '--identity-policy', allowAll]);
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { decision: 'allowed', request: { resource: '*' } });

  const publicRead = w('public.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] });
  r = await runCli(['explain', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k', '--principal-type', 'anonymous', '--bucket-policy', publicRead, '--resource-account', '111122223333', '--format', 'json']);
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { decision: 'allowed', decidedBy: 'resource-policy', request: { principal: 'anonymous' } });

  const trustEc2 = w('trust-ec2.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  r = await runCli(['explain', '--action', 'sts:AssumeRole', '--resource', 'arn:aws:iam::111122223333:role/backup', '--principal-type', 'service', '--principal', 'ec2.amazonaws.com', '--trust-policy', trustEc2, '--format', 'json']);
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { decision: 'allowed', decidedBy: 'trust-policy' });

  const readOnly = w('ou.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }] });
  r = await runCli(['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', ...lab, '--identity-policy', allowAll, '--scp-level', `root=${allowAll}`, '--scp-level', `ou-prod=${readOnly}`]);
  t.equal(r.code, 1);
  const byLevel = JSON.parse(r.stdout) as { decision: string; fix: { proof: { candidates: Array<{ form: string; summary: string; checks: Array<{ check: string; ok: boolean }> }> } } };
  t.match(byLevel, { decision: 'implicit-deny', decidedBy: 'scp' });
  // the Allow a fix would add goes to the level that lacks one (added at a new level it could never
  // help): the role's request is allowed after it; the proof's other checks still decide whether it is shown
  const scoped = byLevel.fix.proof.candidates.find((c) => c.form === 'scoped-allow')!;
  t.match(scoped.summary, /Add this statement to the SCPs at level ou-prod, where no statement allows it \(every level must allow/);
  t.match(scoped.checks.find((c) => c.check === 'role-allowed'), { ok: true });
  // the same two files at one level (--scp twice) are a union: allowed
  r = await runCli(['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', ...lab, '--identity-policy', allowAll, '--scp', allowAll, '--scp', readOnly]);
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { decision: 'allowed' });
  // two files at the OU level are a union: a second OU policy that allows the write lets it through
  const ouPut = w('ou-put.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }] });
  r = await runCli(['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', ...lab, '--identity-policy', allowAll, '--scp-level', `root=${allowAll}`, '--scp-level', `ou-prod=${readOnly}`, '--scp-level', `ou-prod=${ouPut}`]);
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { decision: 'allowed' });
  // each level is needed: the account level without the action denies though root and OU allow
  r = await runCli(['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', ...lab, '--identity-policy', allowAll, '--scp-level', `root=${allowAll}`, '--scp-level', `ou-prod=${ouPut}`, '--scp-level', `account=${readOnly}`]);
  t.equal(r.code, 1);
  t.match(JSON.parse(r.stdout), { decision: 'implicit-deny', decidedBy: 'scp' });

  const key = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const keyAdmins = w('key.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/admin' }, Action: 'kms:*', Resource: '*' }] });
  r = await runCli(['explain', '--action', 'kms:GenerateDataKey', '--resource', key, ...lab, '--identity-policy', allowAll, '--kms-key-policy', keyAdmins]);
  t.equal(r.code, 1);
  t.match(JSON.parse(r.stdout), { decision: 'implicit-deny', decidedBy: 'kms-key-policy' });

  const vpceOther = w('vpce.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::other/*' }] });
  r = await runCli(['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', ...lab, '--identity-policy', allowAll, '--vpce-policy', vpceOther]);
  t.equal(r.code, 1);
  t.match(JSON.parse(r.stdout), { decision: 'implicit-deny', decidedBy: 'vpc-endpoint-policy' });

  const dup = w('dup.json', '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}],"Statement":[]}');
  for (const [argv, re] of [
    [['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal', session, '--identity-policy', dup], /--identity-policy: ".*dup\.json": duplicate key "Statement" at the top level/],
    [['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal', session, '--identity-policy', allowAll, '--scp-level', 'root'], /--scp-level: "root" is not LEVEL=FILE/],
    [['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal', session, '--identity-policy', allowAll, '--scp-level', `ou prod=${allowAll}`], /--scp-level: "ou prod" is not a level name/],
    [['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal', session, '--identity-policy', allowAll, '--scp-level', `root=${join(dir, 'missing.json')}`], /--scp-level: cannot read ".*missing\.json": ENOENT/],
    [['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal', session, '--identity-policy', allowAll, '--scp-level', `root=${dup}`], /--scp-level: ".*dup\.json": duplicate key "Statement" at the top level/],
    [['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal', session, '--identity-policy', allowAll, '--scp', allowAll, '--scp-level', `root=${allowAll}`], /--scp and --scp-level: use one/],
    [['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal-type', 'anonymous', '--principal', session, '--identity-policy', allowAll], /--principal-type anonymous: give no --principal/],
    [['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal-type', 'service', '--principal', 'not a service', '--identity-policy', allowAll], /is not a service principal/],
    [['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal', session, '--identity-policy', allowAll, '--store', 'minio'], /--store: unknown store "minio"/],
  ] as [string[], RegExp][]) {
    const x = await runCli(argv);
    t.equal(x.code, 2, argv.join(' '));
    t.match(x.stderr, re);
    t.notMatch(x.stderr, /\n\s+at /);
  }
});

t.test('the office-IP fix is proven for the store named by --store', async (t) => {
  const args = [...put, '--context', 'aws:SourceIp=198.51.100.7', '--resource-account', '111122223333', '--format', 'json'];
  const aws = JSON.parse((await runCli(args)).stdout);
  t.match(aws.fix, { safe: true, form: 'principal-arn-condition', proof: { store: 'aws-s3' } });
  t.same(aws.fix.proof.candidates[0].checks.map((c: { check: string; ok: boolean }) => [c.check, c.ok]), [['store-supports', true], ['role-allowed', true], ['others-unchanged', true]]);
  const rgw = JSON.parse((await runCli([...args, '--store', 'ceph-rgw'])).stdout);
  t.equal(rgw.fix.proof.store, 'ceph-rgw');
  t.match(rgw.fix.proof.candidates[0], { form: 'principal-arn-condition', shown: false });
  t.notMatch(JSON.stringify(rgw.fix.snippet), /aws:PrincipalArn/);
});
