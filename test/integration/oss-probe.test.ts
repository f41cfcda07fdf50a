// The Alibaba Cloud probe end to end: the real CLI (in-process), the real ali-oss and
// @alicloud/sts20150401 clients, against the OSS/STS test server in test/oss-server/. Source
// credentials come from the environment, as a user would set them for @alicloud/credentials.
import t from 'tap';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../../src/core/model.js';
import { startOssServer } from '../oss-server/index.js';
import { runCli } from '../helpers/cli.js';
import { AlibabaAdapter } from '../../src/providers/alibaba/adapter.js';
import { alibabaProfileExists } from '../../src/providers/alibaba/profiles.js';

const ACCOUNT = '1234567890123456';
const ROLE = `acs:ram::${ACCOUNT}:role/polardb-backup`;
const USER = `acs:ram::${ACCOUNT}:user/backup-operator`;
const OUTSIDER_USER = `acs:ram::${ACCOUNT}:user/someone-else`;
const SOURCE = { accessKeyId: 'TESTOSSSOURCEKEY01', accessKeySecret: 'local-test-secret-source-01' };
const OUTSIDER = { accessKeyId: 'TESTOSSOUTSIDER01', accessKeySecret: 'local-test-secret-outsider-01' };
const BUCKET = 'polardb-backups';
const PREFIX = 'polardb/pc-2ze3example/';

const server = await startOssServer();
t.teardown(() => server.stop());
server.addAccessKey({ ...SOURCE, principal: { type: 'user', arn: USER, uid: '200000000000000001', displayName: 'backup-operator' } });
server.addAccessKey({ ...OUTSIDER, principal: { type: 'user', arn: OUTSIDER_USER, uid: '200000000000000002', displayName: 'someone-else' } });
server.addRole({ arn: ROLE, trusts: [USER] });
// A RAM user whose own RAM policies allow sts:AssumeRole on no role, and a service role (trusted only by ECS).
const NO_ASSUME = { accessKeyId: 'TESTOSSNOASSUME01', accessKeySecret: 'local-test-secret-no-assume-01' };
const NO_ASSUME_USER = `acs:ram::${ACCOUNT}:user/no-assume`;
server.addAccessKey({ ...NO_ASSUME, principal: { type: 'user', arn: NO_ASSUME_USER, uid: '200000000000000003', displayName: 'no-assume', mayAssume: [] } });
const SERVICE_ROLE = `acs:ram::${ACCOUNT}:role/ecs-snapshot-role`;
server.addRole({ arn: SERVICE_ROLE, trusts: [], services: ['ecs.aliyuncs.com'] });
server.state.createBucket(BUCKET);

/** What the bucket owner sees under the bucket: every object and every open upload. */
function bucketState() {
  const b = server.state.buckets.get(BUCKET)!;
  return {
    objects: [...b.objects.keys()].sort(),
    uploads: [...b.uploads.values()].map((u) => ({ key: u.key, uploadId: u.uploadId })),
  };
}

function useCredentials(c: { accessKeyId: string; accessKeySecret: string }): void {
  process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = c.accessKeyId;
  process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = c.accessKeySecret;
  delete process.env.ALIBABA_CLOUD_SECURITY_TOKEN;
  delete process.env.ALIBABA_CLOUD_PROFILE;
}

const target = () => [
  '--role', ROLE,
  '--bucket', BUCKET,
  '--prefix', PREFIX,
  '--region', 'cn-hangzhou',
  '--endpoint', server.ossEndpoint,
  '--sts-endpoint', server.stsEndpoint,
  '--timeout', '10',
];

async function probeJson(extra: string[] = [], args = target()) {
  const r = await runCli(['probe', ...args, '--format', 'json', ...extra]);
  let json: RunResult;
  try {
    json = JSON.parse(r.stdout) as RunResult;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { ...r, json, by: Object.fromEntries(json.checks.map((c) => [c.id, c])) };
}

t.beforeEach(() => {
  useCredentials(SOURCE);
  server.script.reset();
  server.state.clearRequests();
});

t.test('a healthy role: every check allowed, pass, exit 0, nothing left on the server', async (t) => {
  const r = await probeJson();
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json.verdict, 'pass');
  t.equal(r.json.checks.length, 16);
  for (const c of r.json.checks) t.match(c, { outcome: 'allowed', ok: true }, c.id);
  t.same(
    r.json.checks.map((c) => c.action),
    [
      'sts:AssumeRole', 'oss:PutObject', 'oss:GetObject', 'oss:GetObject', 'oss:ListObjects',
      'oss:PutObject', 'oss:PutObject', 'oss:PutObject', 'oss:ListParts', 'oss:ListMultipartUploads',
      'oss:PutObject', 'oss:GetObject', 'oss:PutObject', 'oss:AbortMultipartUpload', 'oss:DeleteObject', 'oss:DeleteObject',
    ],
  );
  t.match(r.json.target, { provider: 'alibaba', bucket: BUCKET, prefix: PREFIX, region: 'cn-hangzhou' });
  t.equal(r.json.identity.source, USER, 'the caller, from STS GetCallerIdentity');
  t.match(r.json.identity.assumedRoleArn, new RegExp(`^acs:ram::${ACCOUNT}:role/polardb-backup/backup-canary-[0-9a-f]{8}$`));
  t.same(r.json.leftovers, []);
  t.same(bucketState(), { objects: [], uploads: [] }, 'the bucket owner sees nothing left');

  // What went over the wire: V4-signed with the STS session, virtual-hosted, forbid-overwrite on creates.
  const oss = server.state.requests.filter((q) => q.service === 'oss');
  t.ok(oss.length >= 15);
  for (const q of oss) {
    t.equal(q.signature, 'v4', `${q.api} is V4-signed`);
    t.match(q.accessKeyId, /^STS\./, `${q.api} uses the STS credentials`);
    t.equal(q.host.split(':')[0], `${BUCKET}.oss-cn-hangzhou.aliyuncs.com`);
  }
  const sts = server.state.requests.filter((q) => q.service === 'sts' && q.api === 'AssumeRole');
  t.equal(sts.length, 1);
  t.match(sts[0]!.query, { RoleArn: ROLE, DurationSeconds: '900' });
  const list = oss.find((q) => q.api === 'ListObjectsV2')!;
  t.match(list.query, { prefix: PREFIX, delimiter: '/', 'start-after': `${PREFIX}.backup-canary` });
  t.equal(oss.find((q) => q.api === 'ListMultipartUploads')!.query.prefix, `${PREFIX}.backup-canary/`);
  const session = server.state.tokens.get(oss[0]!.accessKeyId!)!;
  t.equal(session.durationSeconds, 900);

  // Checksums on every write (issue 13, item 6): each request that carries object bytes sends
  // Content-MD5, the MD5 of exactly the bytes the server received; OSS checks it when present ("the
  // Content-MD5 you specified is not valid", 400 InvalidDigest; Content-MD5 is a common request header:
  // https://www.alibabacloud.com/help/en/oss/developer-reference/common-http-headers, PutObject:
  // https://www.alibabacloud.com/help/en/oss/developer-reference/putobject, UploadPart:
  // https://www.alibabacloud.com/help/en/oss/developer-reference/uploadpart).
  const writes = oss.filter((q) => q.api === 'PutObject' || q.api === 'UploadPart');
  t.ok(writes.some((q) => q.api === 'PutObject' && q.key?.endsWith('/object.bin')), 'PutObject of the canary');
  t.same(writes.filter((q) => q.api === 'UploadPart' && q.key?.endsWith('/multipart.bin')).map((q) => q.query.partNumber).sort(), ['1', '2'], 'UploadPart of parts 1 and 2');
  for (const q of writes) {
    t.ok((q.bodyLength ?? 0) > 0, `${q.api} ${q.key} carries bytes`);
    t.match(q.contentMd5, { header: /^[A-Za-z0-9+/]{22}==$/, matchesBody: true }, `${q.api} ${q.key} (${q.bodyLength} bytes) sent the Content-MD5 of its body`);
    t.equal(q.status, 200, `${q.api} ${q.key} accepted`);
  }
});

t.test('the seed story: a bucket policy that lets only office IPs write denies the PolarDB backup role', async (t) => {
  server.state.setBucketPolicy(BUCKET, {
    Version: '1',
    Statement: [
      {
        Effect: 'Deny',
        Action: ['oss:PutObject'],
        Principal: ['*'],
        Resource: [`acs:oss:*:${ACCOUNT}:${BUCKET}/*`],
        Condition: { NotIpAddress: { 'acs:SourceIp': ['203.0.113.0/24'] } },
      },
    ],
  });
  t.teardown(() => server.state.setBucketPolicy(BUCKET, undefined));
  // What OSS answers: 403 AccessDenied, EC 0003-00000101, AccessDeniedDetail PolicyType BucketPolicy.
  server.script.deny({ action: 'oss:PutObject', principal: ROLE, bucket: BUCKET });

  const r = await probeJson();
  t.equal(r.code, 1, r.stderr);
  t.equal(r.json.verdict, 'fail');
  const put = r.by['put-object']!;
  t.match(put, {
    outcome: 'denied',
    action: 'oss:PutObject',
    denial: {
      stage: 'object',
      source: 'resource-policy',
      explicit: true,
      code: 'AccessDenied',
      httpStatus: 403,
      ec: '0003-00000101',
      recommendDoc: 'https://api.aliyun.com/troubleshoot?q=0003-00000101',
      accessDeniedDetail: { PolicyType: 'BucketPolicy', NoPermissionType: 'ExplicitDeny', AuthAction: 'oss:PutObject', AuthPrincipalType: 'AssumedRoleUser' },
    },
  });
  t.match(put.denial!.requestId, /^[0-9A-F]{24}$/);
  t.match(put.denial!.hint, /exception for the backup role rather than removing it/);
  t.match(put.denial!.hint, /acs:SourceIp/);
  t.notMatch(put.denial!.hint, /remove the (Deny|statement)|delete the (Deny|statement)/i);
  for (const id of ['head-object', 'get-object', 'delete-object']) t.match(r.by[id], { outcome: 'skipped', reason: 'needs put-object, which was denied' }, id);
  t.match(r.by['multipart-create'], { outcome: 'denied', denial: { source: 'resource-policy', ec: '0003-00000101' } }, 'InitiateMultipartUpload is authorised as oss:PutObject');
  t.equal(r.by['list-prefix']!.outcome, 'allowed', 'listing is not covered by the Deny');
  t.same(r.json.leftovers, []);
  t.same(bucketState(), { objects: [], uploads: [] });

  // The text report shows the EC and the fix.
  const text = await runCli(['probe', ...target()]);
  t.equal(text.code, 1);
  t.match(text.stdout, /^backup-canary probe: alibaba polardb-backups\/polardb\/pc-2ze3example\/ at http:\/\/127\.0\.0\.1:\d+$/m);
  t.match(text.stdout, /✗ oss:PutObject\s+put-object\s+denied · stage object · by resource-policy \(explicit deny\)/);
  t.match(text.stdout, /AccessDenied · 403 · EC 0003-00000101 · request [0-9A-F]{24}: You have no right to access this object because of bucket policy\./);
  t.match(text.stdout, /fix: A Deny statement in the bucket policy of polardb-backups matches oss:PutObject/);
  t.match(text.stdout, /^FAIL {2}/m);
  t.comment(`seed-story text report:\n${text.stdout}`);
});

t.test('a RAM policy without oss:AbortMultipartUpload: only abort denied, the open upload is a leftover', async (t) => {
  // The Message names the bucket policy (OSS's default text); the EC and PolicyType say RAM.
  server.script.deny({
    action: 'oss:AbortMultipartUpload',
    principal: ROLE,
    ec: '0003-00000201',
    accessDeniedDetail: { NoPermissionType: 'ImplicitDeny' },
  });
  const r = await probeJson();
  t.equal(r.code, 1, r.stderr);
  t.same(r.json.checks.filter((c) => !c.ok).map((c) => c.id), ['multipart-abort']);
  t.match(r.by['multipart-abort'], {
    outcome: 'denied',
    action: 'oss:AbortMultipartUpload',
    denial: {
      stage: 'object',
      source: 'identity-policy',
      explicit: false,
      ec: '0003-00000201',
      accessDeniedDetail: { PolicyType: 'AccountLevelIdentityBasedPolicy', NoPermissionType: 'ImplicitDeny' },
    },
  });
  t.match(r.by['multipart-abort']!.denial!.hint, /No RAM policy of role acs:ram::1234567890123456:role\/polardb-backup allows oss:AbortMultipartUpload/);
  const left = bucketState();
  t.same(left.objects, []);
  // The test server honours x-oss-forbid-overwrite on CompleteMultipartUpload: the If-None-Match
  // measurement's refused upload (src/core/collision.ts) cannot be aborted either, and is reported.
  t.match(r.json.target.conditionalWrites, { completeMultipartUpload: 'honoured' });
  const keys = left.uploads.map((u) => u.key.replace(/.*\//, '')).sort();
  t.match(keys, ['aborted.bin', /^conditional-[0-9a-f]{12}\.bin$/], 'the aborted upload and the measuring upload are really still open on the server');
  t.equal(left.uploads.length, 2);
  t.equal(r.json.leftovers.length, 2);
  for (const u of left.uploads) {
    t.ok(r.json.leftovers.some((l) => l.key === u.key && l.uploadId === u.uploadId && /oss:AbortMultipartUpload denied \(AccessDenied 403\)/.test(l.why)), `${u.key} reported`);
  }
  server.state.buckets.get(BUCKET)!.uploads.clear();
});

t.test('an STS token that expires at once: every request refused, stage credentials, a clear hint', async (t) => {
  // Every session AssumeRole issues is already expired when OSS sees it.
  const tokens = server.state.tokens;
  const set = tokens.set.bind(tokens);
  tokens.set = (k, s) => set(k, { ...s, expiration: new Date(Date.now() - 1000) });
  t.teardown(() => {
    tokens.set = set;
  });
  const r = await probeJson();
  t.equal(r.code, 3, 'incomplete: nothing could be tested');
  t.equal(r.json.verdict, 'error');
  t.equal(r.by['assume-role']!.outcome, 'allowed');
  t.match(r.by['put-object'], {
    outcome: 'error',
    denial: { stage: 'credentials', source: 'unknown', code: 'SecurityTokenExpired', httpStatus: 403, ec: '0002-00000007' },
  });
  t.match(r.by['put-object']!.denial!.hint, /STS token of the session of acs:ram::\d+:role\/polardb-backup has expired \(EC 0002-00000007\); it was issued for 900 s \(--duration\)/);
  t.match(r.by['head-object'], { outcome: 'skipped', reason: 'needs put-object, which failed' });
  t.match(r.by['list-prefix'], { outcome: 'error', denial: { stage: 'credentials', ec: '0002-00000007' } });
  t.same(r.json.leftovers, []);
  t.same(bucketState(), { objects: [], uploads: [] });
});

t.test('a caller the trust policy does not name: NoPermission, stage assume-role, nothing else runs', async (t) => {
  useCredentials(OUTSIDER);
  const r = await probeJson();
  t.equal(r.code, 1, r.stderr);
  t.match(r.by['assume-role'], {
    outcome: 'denied',
    action: 'sts:AssumeRole',
    // The message names no single cause (doc 42775): the source stays unknown, the candidates are listed.
    denial: { stage: 'assume-role', source: 'unknown', explicit: null, code: 'NoPermission', httpStatus: 403, rule: 'alibaba.sts.no-permission.maybe' },
  });
  t.match(r.by['assume-role']!.denial!.message, /^No permission perform sts:AssumeRole on this Role/);
  t.match(r.by['assume-role']!.denial!.recommendDoc, /^https:\/\/api\.aliyun\.com\/troubleshoot\?q=NoPermission/);
  for (const cause of [/trust policy/, /AliyunSTSAssumeRoleAccess/, /sts:ExternalId/, /service role/]) t.match(r.by['assume-role']!.denial!.hint, cause);
  for (const c of r.json.checks.slice(1)) t.match(c, { outcome: 'skipped', reason: 'needs assume-role, which was denied' }, c.id);
  t.equal(r.json.identity.source, OUTSIDER_USER);
  t.equal(r.json.identity.assumedRoleArn, null);
  t.same(server.state.requests.filter((q) => q.service === 'oss'), [], 'no OSS request was sent');
});

t.test('a caller whose own RAM policies lack sts:AssumeRole: the documented "not authorized" NoPermission, candidates listed', async (t) => {
  useCredentials(NO_ASSUME);
  const r = await probeJson();
  t.equal(r.code, 1, r.stderr);
  t.match(r.by['assume-role'], {
    outcome: 'denied',
    denial: { stage: 'assume-role', source: 'unknown', explicit: null, code: 'NoPermission', rule: 'alibaba.sts.no-permission.not-authorized', message: 'You are not authorized to do this action. You should be authorized by RAM.' },
  });
  for (const cause of [/\(root\)/, /AliyunSTSAssumeRoleAccess/, /trust policy/]) t.match(r.by['assume-role']!.denial!.hint, cause);
  t.match(server.state.requests.find((q) => q.api === 'AssumeRole'), { status: 403, code: 'NoPermission', principal: NO_ASSUME_USER });
});

t.test('a service role as --role: a user cannot assume it; NoPermission, source unknown, the service role among the causes', async (t) => {
  const r = await probeJson([], target().map((a) => (a === ROLE ? SERVICE_ROLE : a)));
  t.equal(r.code, 1, r.stderr);
  t.match(r.by['assume-role'], { outcome: 'denied', denial: { source: 'unknown', code: 'NoPermission', rule: 'alibaba.sts.no-permission.maybe' } });
  t.match(r.by['assume-role']!.denial!.hint, /the role is a service role \(trusted only by an Alibaba Cloud service\)/);
  t.match(r.by['assume-role']!.denial!.hint, /run with --explain/, 'without --explain the hint offers it');
});

t.test('an object already at the canary key is never overwritten, and the check says so', async (t) => {
  // Plant an object at the run's canary key the moment OSS looks it up for the forbid-overwrite check
  // (the run id is random; the test server looks the key up only when x-oss-forbid-overwrite is sent).
  const original = Buffer.from('a real backup that happens to sit at the canary key');
  const objects = server.state.buckets.get(BUCKET)!.objects;
  const has = objects.has.bind(objects);
  let planted: string | undefined;
  objects.has = (key: string) => {
    if (!planted && /\.backup-canary\/[^/]+\/object\.bin$/.test(key)) {
      planted = key;
      server.state.putObject(BUCKET, key, original);
    }
    return has(key);
  };
  t.teardown(() => {
    objects.has = has;
    if (planted) objects.delete(planted);
  });
  const r = await probeJson();
  t.ok(planted, 'PutObject asked OSS not to overwrite');
  t.equal(r.code, 3, 'incomplete: the object check could not run');
  t.match(r.by['put-object'], {
    outcome: 'error',
    denial: { stage: 'object', code: 'FileAlreadyExists', httpStatus: 409, ec: '0026-00000201' },
  });
  t.match(r.by['put-object']!.denial!.hint, /An object already exists at the canary key .*object\.bin; x-oss-forbid-overwrite made OSS refuse to write over it, so it is untouched/);
  for (const id of ['head-object', 'get-object', 'delete-object']) t.match(r.by[id], { outcome: 'skipped' }, id);
  t.equal(r.by['multipart-complete']!.outcome, 'allowed');
  t.same(r.json.leftovers, [], 'the existing object is not ours: not deleted, not a leftover');
  t.ok(server.state.getObject(BUCKET, planted!)?.body.equals(original), 'the original bytes are intact');
  t.same(bucketState().objects, [planted], 'only the pre-existing object remains');
  t.notOk(server.state.requests.some((q) => q.api === 'DeleteObject' && q.key === planted), 'never deleted');
});

t.test('--no-assume probes the source credentials; --quick sends one part', async (t) => {
  const args = target().filter((a, i, all) => a !== '--role' && all[i - 1] !== '--role');
  const r = await probeJson(['--provider', 'alibaba', '--no-assume', '--quick'], args);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json.checks.length, 14);
  t.notOk(r.by['assume-role']);
  t.notOk(r.by['multipart-upload-part-2']);
  t.ok(server.state.requests.filter((q) => q.service === 'oss').every((q) => q.accessKeyId === SOURCE.accessKeyId));
  t.same(bucketState(), { objects: [], uploads: [] });
});

t.test('--profile takes the source credentials from the Alibaba Cloud credentials file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bc-oss-profile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'credentials');
  writeFileSync(file, `[polardb-ops]\ntype = access_key\naccess_key_id = ${SOURCE.accessKeyId}\naccess_key_secret = ${SOURCE.accessKeySecret}\n`);
  delete process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  process.env.ALIBABA_CLOUD_CREDENTIALS_FILE = file;
  t.teardown(() => {
    delete process.env.ALIBABA_CLOUD_CREDENTIALS_FILE;
  });
  const r = await probeJson(['--profile', 'polardb-ops', '--quick']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json.identity.source, USER);
  t.equal(server.state.requests.find((q) => q.api === 'AssumeRole')?.accessKeyId, SOURCE.accessKeyId);
  t.same(bucketState(), { objects: [], uploads: [] });
});

t.test('a 503 from OSS: an endpoint error, not a denial (ali-oss does not retry HTTP errors)', async (t) => {
  server.script.fail({ action: 'oss:GetObject', times: 100, status: 503, code: 'ServiceUnavailable' });
  const r = await probeJson(['--max-attempts', '2']);
  t.equal(r.code, 3);
  t.match(r.by['get-object'], { outcome: 'error', denial: { stage: 'object', source: 'endpoint', code: 'ServiceUnavailable', httpStatus: 503, ec: '0005-00000002' } });
  t.match(r.by['get-object']!.denial!.hint, /throttling or unavailable/);
  t.same(bucketState(), { objects: [], uploads: [] });
});

t.test('unreachable OSS: stage network, a hint naming the endpoint', async (t) => {
  const args = target();
  args[args.indexOf('--endpoint') + 1] = 'http://127.0.0.1:9';
  const r = await probeJson(['--timeout', '5'], args);
  t.equal(r.code, 3);
  t.match(r.by['put-object'], { outcome: 'error', denial: { stage: 'network', source: 'endpoint', code: 'ECONNREFUSED', httpStatus: null } });
  t.match(r.by['put-object']!.denial!.hint, /Nothing accepted the connection at http:\/\/127\.0\.0\.1:9; check --endpoint/);
  t.equal(r.by['put-object']!.retries, 2, 'ali-oss retryMax retried the refused connection');
});

t.test('the sweeper lists every canary key and open upload, across pages', async (t) => {
  const root = `${PREFIX}.backup-canary/`;
  for (let i = 0; i < 1005; i++) server.state.putObject(BUCKET, `${root}20261101T000000Z-aaaaaa/k${String(i).padStart(4, '0')}`, 'x');
  server.state.putObject(BUCKET, `${PREFIX}real-backup.tar`, 'keep');
  const a = new AlibabaAdapter({
    bucket: BUCKET, prefix: PREFIX, region: 'cn-hangzhou', endpoint: server.ossEndpoint, stsEndpoint: server.stsEndpoint,
    internal: false, roleArn: null, sessionName: 'sweeper', externalId: null, durationSeconds: 900, sessionPolicy: null,
    profile: null, timeoutMs: 10_000, maxAttempts: 1,
  });
  t.teardown(() => {
    a.close();
    server.state.buckets.get(BUCKET)!.objects.clear();
    server.state.buckets.get(BUCKET)!.uploads.clear();
  });
  const u1 = await a.createMultipartUpload(`${root}20261101T000000Z-aaaaaa/u1`);
  const u2 = await a.createMultipartUpload(`${root}20261101T000000Z-aaaaaa/u2`);
  const keys = await a.listKeys(root);
  t.equal(keys.length, 1005);
  t.equal(new Set(keys).size, 1005);
  t.ok(keys.every((k) => k.startsWith(root)));
  t.ok(server.state.requests.filter((q) => q.api === 'ListObjectsV2').length >= 2, 'paginated');
  t.same((await a.listAllUploads(root)).map((u) => u.uploadId).sort(), [u1.uploadId, u2.uploadId].sort());
});

t.test('bad input: exit 2, one line on stderr, no request', async (t) => {
  const cases: [string, string[], RegExp][] = [
    ['ARN without account', ['--role', 'acs:ram:::role/polardb-backup'], /--role: "acs:ram:::role\/polardb-backup" is not a RAM role ARN \(expected acs:ram::<account-id>:role\/<name>\)/],
    ['ARN with a region', ['--role', `acs:ram:cn-hangzhou:${ACCOUNT}:role/polardb-backup`], /is not a RAM role ARN/],
    ['ARN of a user', ['--role', USER], /is not a RAM role ARN/],
    ['malformed region', ['--region', 'Hangzhou'], /--region: "Hangzhou" is not a region name/],
    ['OSS endpoint prefix as region', ['--region', 'oss-cn-hangzhou'], /--region: "oss-cn-hangzhou" is an OSS endpoint prefix; pass the region id \(cn-hangzhou\)/],
    ['bucket with a dot', ['--bucket', 'polardb.backups'], /OSS bucket names have no dots/],
    ['path style', ['--path-style'], /--path-style does not apply to OSS/],
    ['internal with endpoint', ['--internal'], /--internal picks the -internal endpoint/],
    ['session name with +', ['--session-name', 'a+b'], /--session-name: "a\+b" is not valid for Alibaba Cloud STS/],
    ['explain with --rcp', ['--explain', '--rcp', 'rcp.json'], /--rcp does not apply to Alibaba Cloud/],
    ['explain with --kms-key-policy', ['--explain', '--kms-key-policy', 'k.json'], /--kms-key-policy applies to AWS only/],
    ['explain with an unreadable control policy', ['--explain', '--scp', '/nonexistent/scp.json'], /--scp: cannot read "\/nonexistent\/scp\.json": ENOENT/],
  ];
  for (const [name, change, re] of cases) {
    const args = target();
    for (let i = 0; i < change.length; i++) {
      const flag = change[i]!;
      const value = change[i + 1];
      const at = args.indexOf(flag);
      if (value !== undefined && !value.startsWith('--')) {
        if (at >= 0) args[at + 1] = value;
        else args.push(flag, value);
        i++;
      } else args.push(flag);
    }
    const r = await runCli(['probe', ...args]);
    t.equal(r.code, 2, `${name}: exit 2`);
    t.match(r.stderr.split('\n')[0], re, name);
    t.equal(r.stderr.split('\n').filter(Boolean).length, 2, `${name}: one line plus the usage pointer`);
    t.equal(r.stdout, '', name);
  }
  // No region and no OSS endpoint to take it from.
  const r = await runCli(['probe', '--provider', 'alibaba', '--no-assume', '--bucket', BUCKET, '--prefix', PREFIX]);
  t.equal(r.code, 2);
  t.match(r.stderr, /--region is required for Alibaba Cloud/);
  t.same(server.state.requests, [], 'no request reached the server');
});

t.test('head-bucket on OSS is GetBucketInfo (oss:GetBucketInfo, bucket-level); the recursive listing sends no delimiter', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bc-oss-headbucket-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const def = join(dir, 'bucket-probe.yaml');
  writeFileSync(def, 'name: bucket-probe\ndescription: d\nsource: s\nproviders: [alibaba]\nchecks:\n  assume-role: allow\n  head-bucket: allow\n  put-object: allow\n  list-prefix-recursive: allow\n  delete-object: allow\n');
  const r = await probeJson(['--probe', def]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.by['head-bucket'], { outcome: 'allowed', action: 'oss:GetBucketInfo', request: { action: 'oss:GetBucketInfo', resource: `acs:oss:cn-hangzhou:${ACCOUNT}:${BUCKET}`, context: {} } });
  const info = server.state.requests.find((q) => q.api === 'GetBucketInfo')!;
  t.match(info, { method: 'GET', action: 'oss:GetBucketInfo', status: 200 });
  const list = server.state.requests.find((q) => q.api === 'ListObjectsV2')!;
  t.notOk('delimiter' in list.query, 'no delimiter sent');
  const ctx = r.by['list-prefix-recursive']!.request!.context;
  t.match(ctx['acs:UserAgent'], /^aliyun-sdk-nodejs\/6\.\d+\.\d+ /, 'the User-Agent ali-oss sent (acs:UserAgent)');
  t.same({ ...ctx, 'acs:UserAgent': undefined }, { 'oss:Prefix': PREFIX, 'acs:UserAgent': undefined });
  t.same(bucketState(), { objects: [], uploads: [] });

  server.state.clearRequests();
  server.script.deny({ action: 'oss:GetBucketInfo', principal: ROLE, bucket: BUCKET });
  const d = await probeJson(['--probe', def]);
  t.equal(d.code, 1);
  t.match(d.by['head-bucket'], { outcome: 'denied', denial: { stage: 'bucket', code: 'AccessDenied' } });
  t.match(d.by['head-bucket']!.denial!.hint, /matches oss:GetBucketInfo by role/, 'the hint names the action OSS refused');
});

// Issue 12 item 1: "--explain-profile naming a missing profile is exit 2 before any request", on OSS
// too (src/providers/alibaba/info.ts validateExplain; profiles.ts looks where @alicloud/credentials looks).
t.test('a typo in --explain-profile: exit 2, one line naming the files looked in, no request, nothing written', async (t) => {
  useCredentials(SOURCE);
  const dir = mkdtempSync(join(tmpdir(), 'bc-oss-profile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.json');
  const credentials = join(dir, 'credentials');
  writeFileSync(config, JSON.stringify({ current: 'default', profiles: [{ name: 'default', mode: 'AK', access_key_id: SOURCE.accessKeyId, access_key_secret: SOURCE.accessKeySecret }] }));
  writeFileSync(credentials, `[policy-reader]\ntype = access_key\naccess_key_id = ${SOURCE.accessKeyId}\naccess_key_secret = ${SOURCE.accessKeySecret}\n`);
  const saved = { c: process.env.ALIBABA_CLOUD_CONFIG_FILE, k: process.env.ALIBABA_CLOUD_CREDENTIALS_FILE };
  process.env.ALIBABA_CLOUD_CONFIG_FILE = config;
  process.env.ALIBABA_CLOUD_CREDENTIALS_FILE = credentials;
  t.teardown(() => {
    for (const [k, v] of [['ALIBABA_CLOUD_CONFIG_FILE', saved.c], ['ALIBABA_CLOUD_CREDENTIALS_FILE', saved.k]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  // the control: the profile spelled right is found in the credentials file
  t.equal(alibabaProfileExists('policy-reader').exists, true);
  server.state.clearRequests();
  const before = bucketState();
  const out = join(dir, 'report.json');
  const r = await runCli(['probe', ...target(), '--explain', '--explain-profile', 'polcy-reader', '--output', out]);
  t.equal(r.code, 2);
  t.match(r.stderr.split('\n')[0], new RegExp(`--explain-profile: no profile "polcy-reader" in ${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} or ${credentials.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  t.equal(r.stderr.split('\n').filter(Boolean).length, 2, 'one line plus the usage pointer');
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  t.equal(r.stdout, '');
  t.notOk(existsSync(out), 'no report written');
  t.same(server.state.requests, [], 'no request reached OSS or STS');
  t.same(bucketState(), before, 'no canary was written');
});
