// The Alibaba Cloud provider's input checks, endpoints, write headers and source credentials.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/core/model.js';
import type { CommonTargetOptions } from '../../src/providers/registry.js';
import { loadProvider, providerForRole } from '../../src/providers/registry.js';
import { parseAcsRoleArn, regionFromOssEndpoint, resolveRegion, validateAlibaba } from '../../src/providers/alibaba/index.js';
import { OSS_ACTIONS, ossEndpointOf, stsEndpointOf, writeHeaders } from '../../src/providers/alibaba/adapter.js';
import { loadSourceCredentials } from '../../src/providers/alibaba/credentials.js';
import { SourceCredentialsError } from '../../src/providers/alibaba/classify.js';

const base: CommonTargetOptions = {
  bucket: 'polardb-backups',
  prefix: 'polardb/',
  region: 'cn-shanghai',
  endpoint: null,
  stsEndpoint: null,
  pathStyle: false,
  internal: false,
  roleArn: 'acs:ram::1234567890123456:role/polardb-backup',
  sessionName: 'backup-canary-1a2b3c4d',
  externalId: null,
  durationSeconds: 900,
  sessionPolicy: null,
  profile: null,
  timeoutMs: 30_000,
  maxAttempts: 3,
};

t.test('role ARNs', async (t) => {
  t.same(parseAcsRoleArn('acs:ram::1234567890123456:role/polardb-backup'), { account: '1234567890123456', name: 'polardb-backup' });
  t.same(parseAcsRoleArn('acs:ram::1234567890123456:role/AliyunDBSDefaultRole'), { account: '1234567890123456', name: 'AliyunDBSDefaultRole' });
  for (const bad of [
    'acs:ram:::role/x',
    'acs:ram::12:role/x',
    'acs:ram:cn-hangzhou:1234567890123456:role/x',
    'acs:ram::1234567890123456:user/x',
    'acs:ram::1234567890123456:role/',
    'acs:ram::1234567890123456:role/a/b',
    'arn:aws:iam::123456789012:role/x',
    `acs:ram::1234567890123456:role/${'r'.repeat(65)}`,
  ]) {
    t.throws(() => parseAcsRoleArn(bad), UsageError, bad);
  }
  t.equal(providerForRole('acs:ram::1234567890123456:role/x'), 'alibaba');
});

t.test('regions and endpoints', async (t) => {
  t.equal(resolveRegion({ region: 'cn-shanghai', endpoint: null }), 'cn-shanghai');
  t.equal(resolveRegion({ region: 'ap-southeast-1', endpoint: null }), 'ap-southeast-1');
  t.equal(resolveRegion({ region: 'cn-shanghai-finance-1', endpoint: null }), 'cn-shanghai-finance-1');
  t.equal(resolveRegion({ region: null, endpoint: 'https://oss-cn-beijing.aliyuncs.com' }), 'cn-beijing');
  t.equal(resolveRegion({ region: null, endpoint: 'https://oss-cn-beijing-internal.aliyuncs.com' }), 'cn-beijing');
  t.equal(regionFromOssEndpoint('https://mybucket.oss-eu-central-1.aliyuncs.com'), 'eu-central-1');
  t.equal(regionFromOssEndpoint('http://127.0.0.1:9000'), null);
  t.equal(regionFromOssEndpoint('not a url'), null);
  t.throws(() => resolveRegion({ region: null, endpoint: 'http://127.0.0.1:9000' }), /--region is required/);
  t.throws(() => resolveRegion({ region: 'oss-cn-hangzhou', endpoint: null }), /pass the region id \(cn-hangzhou\)/);
  t.throws(() => resolveRegion({ region: 'Hangzhou', endpoint: null }), /is not a region name/);

  t.equal(ossEndpointOf({ endpoint: null, region: 'cn-shanghai', internal: false }), 'https://oss-cn-shanghai.aliyuncs.com');
  t.equal(ossEndpointOf({ endpoint: null, region: 'cn-shanghai', internal: true }), 'https://oss-cn-shanghai-internal.aliyuncs.com');
  t.equal(ossEndpointOf({ endpoint: 'http://127.0.0.1:1', region: 'cn-shanghai', internal: false }), 'http://127.0.0.1:1');
  t.equal(stsEndpointOf({ stsEndpoint: null, region: 'cn-shanghai', internal: false }), 'https://sts.cn-shanghai.aliyuncs.com');
  t.equal(stsEndpointOf({ stsEndpoint: null, region: 'cn-shanghai', internal: true }), 'https://sts-vpc.cn-shanghai.aliyuncs.com');
  t.equal(stsEndpointOf({ stsEndpoint: 'http://127.0.0.1:2', region: 'cn-shanghai', internal: false }), 'http://127.0.0.1:2');
});

t.test('validate: everything checked before a request', async (t) => {
  t.equal(validateAlibaba(base), 'cn-shanghai');
  t.equal(validateAlibaba({ ...base, roleArn: null }), 'cn-shanghai');
  t.throws(() => validateAlibaba({ ...base, roleArn: 'acs:ram::x:role/y' }), /is not a RAM role ARN/);
  t.throws(() => validateAlibaba({ ...base, bucket: 'a.b.c' }), /OSS bucket names have no dots/);
  t.throws(() => validateAlibaba({ ...base, pathStyle: true }), /--path-style/);
  t.throws(() => validateAlibaba({ ...base, internal: true, endpoint: 'https://oss-cn-shanghai.aliyuncs.com' }), /--internal/);
  t.throws(() => validateAlibaba({ ...base, sessionName: 'a=b' }), /--session-name/);
  const p = await loadProvider('alibaba');
  t.equal(p.name, 'alibaba');
  t.doesNotThrow(() => p.validate(base));
  const a = p.createAdapter({ ...base, internal: true });
  t.equal(a.provider, 'alibaba');
  t.equal(a.actions, OSS_ACTIONS);
  t.same(a.identity(), { source: null, assumedRoleArn: null });
  const flags = { explainProfile: null, sourceIp: null, sourceVpc: null, sourceVpce: null, callerArn: null, scpFiles: [], rcpFiles: [] };
  t.ok(p.createExplainer(a, base, flags));
  t.throws(() => p.validateExplain!({ ...flags, rcpFiles: ['x.json'] }), /--rcp does not apply/);
  t.throws(() => p.validateExplain!({ ...flags, sourceVpce: 'vpce-1' }), /--source-vpce does not apply/);
  t.throws(() => p.validateExplain!({ ...flags, kmsKeyPolicyFile: 'k.json' }), /--kms-key-policy applies to AWS only/);
  t.doesNotThrow(() => p.validateExplain!(flags));
  a.close();
});

t.test('RAM action names', async (t) => {
  t.match(OSS_ACTIONS, {
    assumeRole: 'sts:AssumeRole',
    putObject: 'oss:PutObject',
    headObject: 'oss:GetObject',
    createMultipartUpload: 'oss:PutObject',
    uploadPart: 'oss:PutObject',
    completeMultipartUpload: 'oss:PutObject',
    listObjects: 'oss:ListObjects',
    listParts: 'oss:ListParts',
    listMultipartUploads: 'oss:ListMultipartUploads',
    abortMultipartUpload: 'oss:AbortMultipartUpload',
    deleteObject: 'oss:DeleteObject',
  });
});

t.test('write options become OSS headers', async (t) => {
  t.same(writeHeaders({}), {});
  t.same(writeHeaders({ acl: 'private', sse: 'aws:kms', kmsKeyId: 'k', storageClass: 'IA' }), {
    'x-oss-object-acl': 'private',
    'x-oss-server-side-encryption': 'KMS',
    'x-oss-server-side-encryption-key-id': 'k',
    'x-oss-storage-class': 'IA',
  });
  t.same(writeHeaders({ sse: 'SM4' }), { 'x-oss-server-side-encryption': 'SM4' });
});

t.test('source credentials from the standard chain', async (t) => {
  const saved = { ...process.env };
  t.teardown(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  const home = mkdtempSync(join(tmpdir(), 'bc-ali-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const file = join(home, 'credentials');
  writeFileSync(file, '[default]\ntype = access_key\naccess_key_id = TESTFROMFILE01\naccess_key_secret = file-secret\n\n[polardb]\ntype = access_key\naccess_key_id = TESTFROMPROFILE01\naccess_key_secret = profile-secret\n');
  for (const k of Object.keys(process.env)) if (k.startsWith('ALIBABA_CLOUD_')) delete process.env[k];
  process.env.HOME = home;
  process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = 'true';

  process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = 'TESTFROMENV01';
  process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'env-secret';
  process.env.ALIBABA_CLOUD_SECURITY_TOKEN = 'TESTTOKEN';
  t.match(await loadSourceCredentials(null), { accessKeyId: 'TESTFROMENV01', accessKeySecret: 'env-secret', securityToken: 'TESTTOKEN', providerName: /env/ });
  delete process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  delete process.env.ALIBABA_CLOUD_SECURITY_TOKEN;

  process.env.ALIBABA_CLOUD_CREDENTIALS_FILE = file;
  t.match(await loadSourceCredentials('polardb'), { accessKeyId: 'TESTFROMPROFILE01', accessKeySecret: 'profile-secret' }, '--profile reads the credentials file');
  t.notOk((await loadSourceCredentials('polardb')).securityToken);
  t.match(await loadSourceCredentials(null), { accessKeyId: 'TESTFROMFILE01' }, 'the default profile of the file, in the chain');
  await t.rejects(loadSourceCredentials('nope'), SourceCredentialsError);
  await t.rejects(loadSourceCredentials('nope'), /profile "nope" gave no credentials \(~\/\.aliyun\/config\.json: .*; ~\/\.alibabacloud\/credentials: .*\)/);

  process.env.ALIBABA_CLOUD_CREDENTIALS_FILE = join(home, 'missing');
  process.env.ALIBABA_CLOUD_CLI_PROFILE_DISABLED = 'true';
  await t.rejects(loadSourceCredentials(null), SourceCredentialsError, 'nothing in the chain');
});

t.test('acs:UserAgent: the request record carries the exact User-Agent ali-oss sent', async (t) => {
  const { createServer } = await import('node:http');
  const { AlibabaAdapter } = await import('../../src/providers/alibaba/adapter.js');
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(String(req.headers['user-agent']));
    res.writeHead(404, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><Error><Code>NoSuchBucket</Code><Message>x</Message><RequestId>R</RequestId></Error>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const a = new AlibabaAdapter({ ...base, region: 'cn-shanghai', roleArn: null, endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1, timeoutMs: 5000, credentials: { accessKeyId: 'LTAI-test', accessKeySecret: 'secret' } });
  await a.headBucket().catch(() => undefined);
  t.equal(seen.length, 1, 'one request reached the server');
  t.match(seen[0], /^aliyun-sdk-nodejs\/6\.\d+\.\d+ /);
  const rec = a.describeRequest('headBucket', {});
  t.equal(rec.context['acs:UserAgent'], seen[0], 'the recorded value is the header the server received');
  t.notOk(a.describeRequest('assumeRole', {}).context['acs:UserAgent'], 'STS requests are sent by another client');
  a.close();
});
