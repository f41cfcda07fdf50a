// Unit cases of issue 11's logic the RGW/OSS integration tests cannot reach: the phrase of each
// operator family, Allow-side hinges, a NotPrincipal session list, and how the backup's request is
// built from the canary's (VPC endpoint drops aws:SourceIp, session names, service/role principals).
import t from 'tap';
import { evaluate } from '../../src/explain/evaluate.js';
import { describeHinge, hingesOf } from '../../src/explain/hinges.js';
import { asBackupRequest } from '../../src/explain/vantage.js';
import type { RequestContext } from '../../src/explain/types.js';

const ROLE = 'arn:aws:iam::111122223333:role/backup';
const SESSION = 'arn:aws:sts::111122223333:assumed-role/backup/daebaksrv-S3Backup';
const req = (context: Record<string, string | boolean>, arn = SESSION): RequestContext => ({
  action: 's3:PutObject',
  resource: 'arn:aws:s3:::b/p/x',
  principal: { arn, roleArn: ROLE },
  context,
});
const allowRole = { name: 'role-inline:w', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/p/*' }] } };

t.test('an Allow that needs a VPC endpoint and TLS hinges on both', async (t) => {
  const bucket = { name: 'bucket-policy', document: { Version: '2012-10-17', Statement: [{ Sid: 'ViaEndpoint', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*', Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1a' }, Bool: { 'aws:SecureTransport': 'true' } } }] } };
  const r = evaluate({ request: req({ 'aws:SourceVpce': 'vpce-1a', 'aws:SecureTransport': true }), policies: { resource: bucket }, dialect: 'aws' });
  t.equal(r.decision, 'allowed');
  t.same(hingesOf(r).map(describeHinge), [
    'holds only for aws:SourceVpce in vpce-1a (bucket-policy Sid ViaEndpoint)',
    'holds only for aws:SecureTransport = true (bucket-policy Sid ViaEndpoint)',
  ]);
});

t.test('an unconditional grant beside a conditional one: no Allow hinge', async (t) => {
  const bucket = { name: 'bucket-policy', document: { Version: '2012-10-17', Statement: [{ Sid: 'Office', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }] } };
  const r = evaluate({ request: req({ 'aws:SourceIp': '203.0.113.5' }), policies: { resource: bucket, identity: [allowRole] }, dialect: 'aws' });
  t.equal(r.decision, 'allowed');
  t.same(hingesOf(r), [], 'the role policy allows from anywhere');
});

t.test('a Deny on an IP list and a time window: the allow holds only outside them', async (t) => {
  const bucket = { name: 'bucket-policy', document: { Version: '2012-10-17', Statement: [
    { Sid: 'NotFromThere', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*', Condition: { IpAddress: { 'aws:SourceIp': ['198.51.100.0/24'] } } },
    { Sid: 'Freeze', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } },
  ] } };
  const r = evaluate({ request: req({ 'aws:SourceIp': '10.0.0.1', 'aws:CurrentTime': '2026-12-01T00:00:00Z' }), policies: { resource: bucket, identity: [allowRole] }, dialect: 'aws' });
  t.same(hingesOf(r).map((h) => h.holds), ['aws:SourceIp not in 198.51.100.0/24', 'not DateGreaterThan aws:CurrentTime 2030-01-01T00:00:00Z']);
});

t.test('a NotPrincipal session list: the session names that pass', async (t) => {
  const bucket = { name: 'bucket-policy', document: { Version: '2012-10-17', Statement: [{ Sid: 'OnlyNamedSessions', Effect: 'Deny', NotPrincipal: { AWS: ['arn:aws:iam::111122223333:root', SESSION] }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' }] } };
  const r = evaluate({ request: req({}), policies: { resource: bucket, identity: [allowRole] }, dialect: 'aws' });
  t.equal(r.decision, 'allowed');
  t.match(hingesOf(r), [{ key: 'NotPrincipal', sid: 'OnlyNamedSessions', sessionNames: ['daebaksrv-S3Backup'] }]);
  const other = evaluate({ request: asBackupRequest(req({}), { sessionName: 'nightly' }, 'aws')!, policies: { resource: bucket, identity: [allowRole] }, dialect: 'aws' });
  t.equal(other.decision, 'explicit-deny', 'another session name is refused');
});

t.test('the backup\'s request', async (t) => {
  const base: RequestContext = { ...req({ 'aws:SourceIp': '203.0.113.5' }, 'arn:aws:sts::111122223333:assumed-role/backup/backup-canary-1'), principal: { arn: 'arn:aws:sts::111122223333:assumed-role/backup/backup-canary-1', roleArn: ROLE, userId: 'AROAEXAMPLE:backup-canary-1' } };
  const viaVpce = asBackupRequest(base, { sourceVpce: 'vpce-9' }, 'aws')!;
  t.same(viaVpce.context, { 'aws:SourceVpce': 'vpce-9' }, 'through an endpoint there is no public aws:SourceIp');
  t.ok(viaVpce.absent?.includes('aws:SourceIp'));
  const session = asBackupRequest(base, { sessionName: 'daebaksrv-S3Backup' }, 'aws')!;
  t.equal(session.principal.arn, SESSION);
  t.equal(session.principal.userId, 'AROAEXAMPLE:daebaksrv-S3Backup');
  t.same(asBackupRequest(base, { principal: 'backup.amazonaws.com' }, 'aws')!.principal, { service: 'backup.amazonaws.com' });
  const real = asBackupRequest(base, { principal: 'arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole' }, 'aws')!;
  t.equal(real.principal.arn, 'arn:aws:sts::111122223333:assumed-role/AWSBackupDefaultServiceRole/backup-canary-1');
  t.equal(asBackupRequest({ ...base, action: 'sts:AssumeRole', resource: ROLE }, { principal: ROLE }, 'aws'), null, 'the real role does not assume itself');
  t.same(asBackupRequest(base, { sourceVpc: 'vpc-1', sourceIp: '100.104.0.9' }, 'alibaba')!.context, { 'aws:SourceIp': '203.0.113.5', 'acs:SourceIp': '100.104.0.9', 'acs:SourceVpc': 'vpc-1', 'acs:SourceVpcId': 'vpc-1' });
});

t.test('roles only a service can assume', async (t) => {
  const { isServiceLinked, servicesOnly } = await import('../../src/explain/service-role.js');
  t.ok(isServiceLinked('arn:aws:iam::111122223333:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup'));
  t.ok(isServiceLinked('arn:aws:iam::111122223333:role/AWSServiceRoleForBackup'));
  t.ok(isServiceLinked('acs:ram::1234567890123456:role/AliyunServiceRoleForDBS'));
  t.notOk(isServiceLinked('arn:aws:iam::111122223333:role/backup'));
  t.same(servicesOnly({ Version: '1', Statement: [{ Effect: 'Allow', Principal: { Service: ['polardb.aliyuncs.com'] }, Action: 'sts:AssumeRole' }] }), ['polardb.aliyuncs.com']);
  t.equal(servicesOnly({ Statement: [{ Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com', AWS: 'arn:aws:iam::1:root' }, Action: 'sts:AssumeRole' }] }), null, 'a service and an account: someone else may assume it');
  t.equal(servicesOnly({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }] }), null);
});

t.test('the canary\'s recorded User-Agent is not the backup\'s: from the backup\'s vantage it is undetermined', async (t) => {
  const sdk = 'aws-sdk-js/3.1169.0 ua/2.1 os/linux lang/js md/nodejs#20 api/s3#3.1169.0 m/E,N';
  const bucket = { name: 'bucket-policy', document: { Version: '2012-10-17', Statement: [{ Sid: 'OnlyRestic', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*', Condition: { StringNotLike: { 'aws:UserAgent': 'restic*' } } }] } };
  const live = req({ 'aws:UserAgent': sdk });
  t.equal(evaluate({ request: live, policies: { resource: bucket, identity: [allowRole] }, dialect: 'aws' }).decision, 'explicit-deny', 'the canary, with its own User-Agent, is denied');
  const backup = asBackupRequest(live, { sourceIp: '198.51.100.7' }, 'aws')!;
  t.notOk(backup.context && 'aws:UserAgent' in backup.context, 'the canary\'s value is not carried over');
  t.ok(backup.undetermined?.includes('aws:UserAgent'));
  const r = evaluate({ request: backup, policies: { resource: bucket, identity: [allowRole] }, dialect: 'aws' });
  t.equal(r.decision, 'undetermined', 'the backup\'s client (restic or not) decides it');
  const oss = asBackupRequest({ ...live, context: { 'acs:UserAgent': 'aliyun-sdk-nodejs/6.23.0' } }, { sessionName: 'x' }, 'alibaba')!;
  t.same(oss.context, {}, 'acs:UserAgent likewise');
});
