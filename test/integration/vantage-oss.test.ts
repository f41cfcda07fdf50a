// Issue 11 on Alibaba Cloud: an acs:SourceIp/acs:SourceVpc bucket-policy Deny read from the OSS test
// server (real ali-oss and @alicloud/sts20150401 clients): the allow observed from the canary's
// address names the condition it hinges on, and evaluated as the backup calling from the PolarDB VPC
// (--backup-source-vpc) the run fails naming the Sid. The same through the offline evaluator.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../../src/core/model.js';
import { startOssServer } from '../oss-server/index.js';
import { runCli } from '../helpers/cli.js';

const ACCOUNT = '1234567890123456';
const ROLE = `acs:ram::${ACCOUNT}:role/polardb-backup`;
const USER = `acs:ram::${ACCOUNT}:user/backup-operator`;
const SOURCE = { accessKeyId: 'TESTOSSSOURCEKEY01', accessKeySecret: 'local-test-secret-source-01' };
const BUCKET = 'polardb-backups';
const PREFIX = 'polardb/pc-2ze3example/';

const server = await startOssServer();
t.teardown(() => server.stop());
server.addAccessKey({ ...SOURCE, principal: { type: 'user', arn: USER, uid: '200000000000000001', displayName: 'backup-operator' } });
server.addRole({ arn: ROLE, trusts: [USER] });
server.state.createBucket(BUCKET);
// The seed story: writes only from the office network (an acs:SourceIp condition must come with
// acs:SourceVpc on OSS, EC 0030-00000008; the server refuses the policy otherwise).
const officeOnly = {
  Version: '1',
  Statement: [
    {
      Sid: 'OfficeOnly',
      Effect: 'Deny',
      Principal: ['*'],
      Action: ['oss:PutObject'],
      Resource: [`acs:oss:*:${ACCOUNT}:${BUCKET}/*`],
      Condition: { NotIpAddress: { 'acs:SourceIp': ['127.0.0.0/8', '203.0.113.0/24'] }, StringNotEquals: { 'acs:SourceVpc': ['vpc-office01'] } },
    },
  ],
};
server.state.setBucketPolicy(BUCKET, officeOnly);

const dir = mkdtempSync(join(tmpdir(), 'bc-vantage-oss-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = SOURCE.accessKeyId;
process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = SOURCE.accessKeySecret;
delete process.env.ALIBABA_CLOUD_SECURITY_TOKEN;
delete process.env.ALIBABA_CLOUD_PROFILE;

let runs = 0;
async function probe(extra: string[]) {
  const jsonFile = join(dir, `run-${runs++}.json`);
  const argv = ['probe', '--role', ROLE, '--bucket', BUCKET, '--prefix', PREFIX, '--region', 'cn-hangzhou', '--endpoint', server.ossEndpoint, '--sts-endpoint', server.stsEndpoint, '--timeout', '10', '--explain', '--format', 'json', '--output', jsonFile, '--format', 'text', ...extra];
  const r = await runCli(argv);
  t.comment(`backup-canary probe (OSS) ${extra.join(' ')} (text report, exit ${r.code}):\n${r.stdout}${r.stderr}`);
  const { readFileSync } = await import('node:fs');
  const json = JSON.parse(readFileSync(jsonFile, 'utf8')) as RunResult;
  return { ...r, json, by: Object.fromEntries(json.checks.map((c) => [c.id, c])) };
}

t.test('OSS: the acs:SourceIp allow is named under the check; from the PolarDB VPC the backup fails', async (t) => {
  const r = await probe(['--source-ip', '127.0.0.1']);
  const put = r.by['put-object']!;
  t.equal(put.outcome, 'allowed');
  t.match(put.explain!.hingesOn, [{ key: 'acs:SourceIp', operator: 'NotIpAddress', values: ['127.0.0.0/8', '203.0.113.0/24'], policy: 'bucket-policy', sid: 'OfficeOnly', effect: 'Deny' }]);
  t.equal(put.explain!.hingesOn!.length, 1, 'the Deny stays off while the address is the office\'s: the VPC condition is not a second hinge');
  t.match(r.stdout, /holds only for acs:SourceIp in 127\.0\.0\.0\/8, 203\.0\.113\.0\/24 \(bucket-policy Sid OfficeOnly\)/);

  const b = await probe(['--source-ip', '127.0.0.1', '--backup-source-ip', '100.104.0.9', '--backup-source-vpc', 'vpc-polardb01']);
  t.equal(b.code, 1, 'the backup would fail: the run fails');
  t.match(b.json.asBackup, { verdict: 'fail', vantage: { sourceIp: '100.104.0.9', sourceVpc: 'vpc-polardb01' } });
  t.match(b.json.asBackup!.checks.find((c) => c.id === 'put-object'), { decision: 'explicit-deny', statement: { policy: 'bucket-policy', sid: 'OfficeOnly', effect: 'Deny' }, ok: false });
  t.match(b.stdout, /As the backup \(from 100\.104\.0\.9, in vpc-polardb01\): ✗ put-object — bucket-policy Sid OfficeOnly\n/);

  // from the office VPC the Deny does not apply; the role's RAM policies are not readable from the
  // test server (no RAM API), so the backup's verdict is undetermined there, never a made-up pass
  const ok = await probe(['--source-ip', '127.0.0.1', '--backup-source-ip', '172.16.0.9', '--backup-source-vpc', 'vpc-office01']);
  t.equal(ok.code, 0);
  t.equal(ok.json.asBackup!.verdict, 'undetermined');
  const okPut = ok.json.asBackup!.checks.find((c) => c.id === 'put-object')!;
  t.equal(okPut.decision, 'undetermined');
  t.match(okPut.summary, /RAM policies of the role/);
  t.notOk(ok.json.asBackup!.checks.some((c) => c.decision === 'explicit-deny'), 'no check is denied from the office VPC');
});

t.test('offline evaluator (alibaba): the allow names its acs:SourceIp hinge; from the PolarDB VPC it is denied', async (t) => {
  const policy = join(dir, 'office-only.json');
  writeFileSync(policy, JSON.stringify(officeOnly));
  const ram = join(dir, 'ram.json');
  writeFileSync(ram, JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: [`acs:oss:*:*:${BUCKET}/${PREFIX}*`] }] }));
  const base = ['explain', '--dialect', 'alibaba', '--action', 'oss:PutObject', '--resource', `acs:oss:*:${ACCOUNT}:${BUCKET}/${PREFIX}x`, '--principal', `acs:ram::${ACCOUNT}:assumed-role/polardb-backup/s`, '--role-arn', ROLE, '--identity-policy', ram, '--bucket-policy', policy];
  const office = await runCli([...base, '--context', 'acs:SourceIp=127.0.0.1']);
  t.comment(`explain --dialect alibaba ... --context acs:SourceIp=127.0.0.1 (exit ${office.code}):\n${office.stdout}${office.stderr}`);
  t.equal(office.code, 0);
  t.match(office.stdout, /holds only for acs:SourceIp in 127\.0\.0\.0\/8, 203\.0\.113\.0\/24 \(bucket-policy Sid OfficeOnly\)/);
  const json = await runCli([...base, '--context', 'acs:SourceIp=127.0.0.1', '--format', 'json']);
  t.match(JSON.parse(json.stdout).hingesOn, [{ key: 'acs:SourceIp', operator: 'NotIpAddress', sid: 'OfficeOnly' }]);
  const vpc = await runCli([...base, '--context', 'acs:SourceIp=100.104.0.9', '--context', 'acs:SourceVpc=vpc-polardb01']);
  t.comment(`explain --dialect alibaba ... from vpc-polardb01 (exit ${vpc.code}):\n${vpc.stdout}${vpc.stderr}`);
  t.equal(vpc.code, 1);
  t.match(vpc.stdout, /bucket-policy Sid=OfficeOnly \(Deny\)/);
});
