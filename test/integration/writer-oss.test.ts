// Two identities on Alibaba Cloud OSS (issue 15, Deliver items 1 and 5), through the real CLI and the
// real ali-oss / @alicloud/sts20150401 clients, against the OSS test server (test/oss-server/, which
// enforces each role's RAM policies): a writer role puts the canary with its x-oss-object-acl, the
// read-only backup role (no oss:PutObject, no oss:Delete*) runs oss-backup-source's checks on it, and
// the writer removes what it put; afterwards the bucket holds only the decoy.
import t from 'tap';
import { type RunResult } from '../../src/core/model.js';
import { startOssServer } from '../oss-server/index.js';
import { runCli } from '../helpers/cli.js';

const ACCOUNT = '1234567890123456';
const READER = `acs:ram::${ACCOUNT}:role/backup-reader`;
const WRITER = `acs:ram::${ACCOUNT}:role/app-writer`;
const USER = `acs:ram::${ACCOUNT}:user/operator`;
const SOURCE = { accessKeyId: 'TESTOSSWRITERSRC01', accessKeySecret: 'local-test-secret-writer-src-01' };
const PREFIX = 'data/';

const server = await startOssServer();
t.teardown(() => server.stop());
server.addAccessKey({ ...SOURCE, principal: { type: 'user', arn: USER, uid: '200000000000000009', displayName: 'operator' } });
server.addRole({ arn: READER, trusts: [USER] });
server.addRole({ arn: WRITER, trusts: [USER] });
process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = SOURCE.accessKeyId;
process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = SOURCE.accessKeySecret;
delete process.env.ALIBABA_CLOUD_SECURITY_TOKEN;
delete process.env.ALIBABA_CLOUD_PROFILE;

const objects = (b: string) => [`acs:oss:*:${ACCOUNT}:${b}/${PREFIX}*`];
const bucketArn = (b: string) => [`acs:oss:*:${ACCOUNT}:${b}`];
const readerPolicy = (b: string, objectReads = ['oss:GetObject', 'oss:GetObjectTagging', 'oss:GetObjectAcl']) => ({
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: objectReads, Resource: objects(b) },
    { Effect: 'Allow', Action: ['oss:GetBucketInfo', 'oss:ListObjects', 'oss:GetBucketLocation', 'oss:GetBucketVersioning', 'oss:ListObjectVersions', 'oss:GetBucketWorm'], Resource: bucketArn(b) },
  ],
});
const writerPolicy = (b: string, actions = ['oss:PutObject', 'oss:DeleteObject', 'oss:DeleteObjectVersion']) => ({ Version: '1', Statement: [{ Effect: 'Allow', Action: actions, Resource: objects(b) }] });

function setup(name: string, versioned: boolean) {
  server.state.createBucket(name);
  const b = server.state.buckets.get(name)!;
  if (versioned) b.versioning = 'Enabled';
  server.state.findRole(READER)!.policies = [readerPolicy(name)];
  server.state.findRole(WRITER)!.policies = [writerPolicy(name)];
  // what the server stored, as it stored it (the ACL the writer's put sent)
  const stored: { key: string; acl?: string }[] = [];
  const set = b.objects.set.bind(b.objects);
  b.objects.set = (k, v) => {
    stored.push({ key: k, ...(v.acl !== undefined ? { acl: v.acl } : {}) });
    return set(k, v);
  };
  b.objects.set(`${PREFIX}app/orders-0001.json`, { key: `${PREFIX}app/orders-0001.json`, body: Buffer.from('decoy'), etag: '"D"', contentType: 'application/json', lastModified: new Date(), type: 'Normal' });
  return { b, stored };
}

async function probe(bucket: string, extra: string[]) {
  const r = await runCli(['probe', '--probe', 'oss-backup-source', '--role', READER, '--bucket', bucket, '--prefix', PREFIX, '--region', 'cn-hangzhou', '--endpoint', server.ossEndpoint, '--sts-endpoint', server.stsEndpoint, '--timeout', '10', '--format', 'json', ...extra]);
  let json: RunResult;
  try {
    json = JSON.parse(r.stdout) as RunResult;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, json, by: Object.fromEntries(json.checks.map((c) => [c.id, c])), failed: json.checks.filter((c) => !c.ok).map((c) => `${c.id}:${c.outcome}:${c.denial?.code ?? c.reason ?? ''}`) };
}

t.test('OSS: the writer role puts with x-oss-object-acl private, the read-only role passes, the writer removes it', async (t) => {
  const { b, stored } = setup('app-data-oss', false);
  const p = await probe('app-data-oss', ['--writer-role', WRITER, '--writer-acl', 'private']);
  t.same(p.failed, [], 'every check meets its expectation');
  t.equal(p.json.verdict, 'pass');
  t.equal(p.by['put-object']!.by, 'writer');
  t.match(p.json.target.writer, { role: WRITER, profile: null, acl: 'private', arn: new RegExp(`^acs:ram::${ACCOUNT}:role/app-writer/backup-canary-[0-9a-f]+-writer$`) });
  const canary = stored.filter((s) => s.key.includes('.backup-canary/'));
  t.same(canary.map((s) => s.acl), ['private'], 'the canary was stored with the ACL the writer sent');
  t.same(p.json.leftovers, []);
  t.same([...b.objects.keys()], [`${PREFIX}app/orders-0001.json`], 'only the decoy is left');
});

t.test('OSS versioned: the writer removes every version; a RAM policy without oss:GetObjectTagging denies that check', async (t) => {
  const { b } = setup('app-data-oss-v', true);
  server.state.findRole(READER)!.policies = [readerPolicy('app-data-oss-v', ['oss:GetObject', 'oss:GetObjectAcl'])];
  const p = await probe('app-data-oss-v', ['--writer-role', WRITER]);
  t.equal(p.by['put-object']!.outcome, 'allowed');
  t.equal(p.by['get-object']!.outcome, 'allowed', 'the role reads what the writer put');
  t.equal(p.by['get-object-tagging']!.outcome, 'denied');
  t.same(p.failed.map((f) => f.split(':')[0]), ['get-object-tagging']);
  t.same(p.json.leftovers, []);
  t.same([...b.objects.keys()], [`${PREFIX}app/orders-0001.json`], 'only the decoy is current');
  const versions = [...b.versions.entries()].filter(([k]) => k.includes('.backup-canary/')).flatMap(([, v]) => v);
  t.same(versions.map((v) => `${v.key} ${v.versionId ?? ''}`), [], 'no canary version or delete marker left');
});
