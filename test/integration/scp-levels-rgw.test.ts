// SCPs by organisation level and the VPC endpoint policy in `probe --explain` and `run --explain` on a
// real Ceph RGW (issue 12 items 4 and 8). AWS Organizations: every level from the root through each OU
// to the account must allow, and the SCPs attached at one level are a union
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html#how_scps_allow).
// RGW enforces neither SCPs nor VPC endpoint policies: its writes are allowed whatever the files say, so
// where the policies read deny, the report records `explain.mismatch` ("the service allowed …") beside
// the evaluation that names the deciding layer. That the SCP layer decided is shown by the same probe
// with the same two files given as one level (`--scp a --scp b`, a union): there the writes evaluate
// allowed and no mismatch is recorded.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, radosgwAdmin, seedDemo, startRgw } from '../../scripts/rgw.mjs';
import type { CheckResult, RunResult } from '../../src/core/model.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
await radosgwAdmin(rgw, ['caps', 'add', `--uid=${owner.uid}`, '--caps=roles=read']);

const dir = mkdtempSync(join(tmpdir(), 'bc-scp-levels-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'credentials'), `[policy-reader]\naws_access_key_id = ${owner.accessKeyId}\naws_secret_access_key = ${owner.secretAccessKey}\n`);
process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
process.env.AWS_CONFIG_FILE = join(dir, 'config-none');

const write = (name: string, doc: unknown) => {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify(doc));
  return f;
};
const rootScp = write('root.json', { Version: '2012-10-17', Statement: [{ Sid: 'FullAWSAccess', Effect: 'Allow', Action: '*', Resource: '*' }] });
const ouScp = write('ou.json', { Version: '2012-10-17', Statement: [{ Sid: 'ReadOnly', Effect: 'Allow', Action: ['s3:Get*', 's3:List*', 'sts:*'], Resource: '*' }] });
const vpce = write('vpce.json', { Version: '2012-10-17', Statement: [{ Sid: 'OtherBucketOnly', Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::some-other-bucket/*' }] });

async function probe(extra: string[]) {
  useCredentials(demo.users.sourceIdentity);
  const argv = ['probe', '--role', demo.role.arn, '--bucket', DEMO.bucket, '--prefix', DEMO.prefix, '--endpoint', rgw.endpoint, '--path-style', '--explain', '--explain-profile', 'policy-reader', '--source-ip', '127.0.0.1', '--format', 'json', ...extra];
  const r = await runCli(argv);
  if (!r.stdout) throw new Error(`exit ${r.code}: ${r.stderr}`);
  const json = JSON.parse(r.stdout) as RunResult;
  return { ...r, json, by: Object.fromEntries(json.checks.map((c) => [c.id, c])) as Record<string, CheckResult> };
}

const MISMATCH_SCP =
  'the service allowed s3:PutObject, but the policies read give implicit-deny (scp): the SCPs given are not the ones the service enforced (an S3-compatible store enforces none; on AWS they do not apply to the management account, or others are attached)';

t.test('probe --scp-level root=… --scp-level ou-backup=…: the OU level that allows only reads decides the writes', async (t) => {
  const r = await probe(['--scp-level', `root=${rootScp}`, '--scp-level', `ou-backup=${ouScp}`]);
  t.equal(r.code, 0, `RGW enforces no SCP: the probe passes (${r.stderr})`);
  const put = r.by['put-object']!;
  t.equal(put.outcome, 'allowed');
  t.match(put.explain, { decision: 'implicit-deny', decidedBy: 'scp' });
  t.equal(put.explain!.mismatch, MISMATCH_SCP);
  // the reads are allowed by every level: no mismatch
  const get = r.by['get-object']!;
  t.equal(get.outcome, 'allowed');
  t.match(get.explain, { decision: 'allowed' });
  t.notOk(get.explain!.mismatch);
  t.ok(r.json.explain!.read.includes(`scp:root:${rootScp}`), 'the root SCP is listed as read, with its level');
  t.ok(r.json.explain!.read.includes(`scp:ou-backup:${ouScp}`));
  t.notOk(r.json.explain!.warnings.some((w) => /no SCPs given/.test(w)));
  // the level is recorded with the document, so a replay evaluates the same levels
  t.match(r.json.explain!.policies?.[`scp:ou-backup:${ouScp}`], { level: 'ou-backup' });
});

t.test('probe --scp a --scp b: the same files as one level are a union, and the writes evaluate allowed', async (t) => {
  const r = await probe(['--scp', rootScp, '--scp', ouScp]);
  t.equal(r.code, 0, r.stderr);
  const put = r.by['put-object']!;
  t.equal(put.outcome, 'allowed');
  t.match(put.explain, { decision: 'allowed' });
  t.notOk(put.explain!.mismatch);
});

t.test('probe --vpce-policy: an endpoint policy for another bucket denies the writes in the evaluation', async (t) => {
  const r = await probe(['--vpce-policy', vpce]);
  const put = r.by['put-object']!;
  t.equal(put.outcome, 'allowed');
  t.match(put.explain, { decision: 'implicit-deny', decidedBy: 'vpc-endpoint-policy' });
  t.equal(
    put.explain!.mismatch,
    'the service allowed s3:PutObject, but the policies read give implicit-deny (vpc-endpoint-policy): the requests did not pass through that VPC endpoint, or its policy is another (an S3-compatible store has no VPC endpoints)',
  );
  t.ok(r.json.explain!.read.includes(`vpce-policy:${vpce}`));
});

t.test('run --explain with scp-level in the run file (relative to it) gives the same evaluation', async (t) => {
  const runFile = join(dir, 'nightly.yaml');
  writeFileSync(
    runFile,
    `defaults:\n  endpoint: ${rgw.endpoint}\n  path-style: true\n  prefix: ${DEMO.prefix}\n  role: ${demo.role.arn}\n  timeout: 10\n  explain-profile: policy-reader\n  source-ip: 127.0.0.1\n  scp-level: [root=root.json, ou-backup=ou.json]\ntargets:\n  - name: backups\n    bucket: ${DEMO.bucket}\n`,
  );
  useCredentials(demo.users.sourceIdentity);
  const r = await runCli(['run', runFile, '--explain', '--format', 'json']);
  t.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { targets: RunResult[] };
  const put = j.targets[0]!.checks.find((c) => c.id === 'put-object')!;
  t.match(put.explain, { decision: 'implicit-deny', decidedBy: 'scp' });
  t.equal(put.explain!.mismatch, MISMATCH_SCP);
});
