// Classification of OSS and Alibaba STS errors, driven by the error responses in
// test/fixtures/oss-errors/ (OSS: status, headers and XML body, HEAD answers with x-oss-ec/x-oss-err;
// STS: the OpenAPI JSON body). Each fixture is replayed by a local server to the REAL ali-oss or
// @alicloud/sts20150401 client inside AlibabaAdapter, so the SDKs' own error handling (and our
// wrapping of ali-oss's requestError) produces the evidence the classification sees.

import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestFailure, type Denial } from '../../src/core/model.js';
import { AlibabaAdapter, type AlibabaTargetOptions } from '../../src/providers/alibaba/adapter.js';
import {
  type AlibabaErrorContext,
  type AlibabaErrorEvidence,
  classifyAlibaba,
  evidenceFromOssError,
  evidenceFromStsError,
  RAW_KEY,
  redact,
  SourceCredentialsError,
  xmlField,
} from '../../src/providers/alibaba/classify.js';

interface Fixture {
  id: string;
  origin: string;
  note?: string;
  operation: string;
  /** Adapter options of the run that got this answer (e.g. a session policy passed, --explain on). */
  adapter?: Partial<AlibabaTargetOptions>;
  response: { status: number; headers: Record<string, string>; body: string };
  /** `rule`: the id of the rules.ts row that must decide; `notHint`: what the hint must not say. */
  expect: Partial<Denial> & { kind: 'denied' | 'error'; rule: string; hint: string[]; notHint?: string[] };
}

const load = (f: string) => JSON.parse(readFileSync(new URL(`../fixtures/oss-errors/${f}`, import.meta.url), 'utf8')) as Fixture[];
const ossFixtures = load('oss.json');
const stsFixtures = load('sts.json');

const ROLE = 'acs:ram::1234567890123456:role/polardb-backup';
const KEY = 'polardb/nightly/.backup-canary/20261122T081000Z-abcdef/object.bin';

let current: Fixture['response'] = { status: 500, headers: {}, body: '' };
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.writeHead(current.status, current.headers);
    res.end(req.method === 'HEAD' ? undefined : current.body);
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
t.teardown(() => server.close());
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function adapter(over: Partial<AlibabaTargetOptions> = {}): AlibabaAdapter {
  return new AlibabaAdapter({
    bucket: 'polardb-backups',
    prefix: 'polardb/nightly/',
    region: 'cn-hangzhou',
    endpoint,
    stsEndpoint: endpoint,
    internal: false,
    roleArn: ROLE,
    sessionName: 'backup-canary-5f0c9e21',
    externalId: null,
    durationSeconds: 900,
    sessionPolicy: null,
    profile: null,
    timeoutMs: 5000,
    maxAttempts: 1,
    credentials: { accessKeyId: 'TESTREPLAYKEY01', accessKeySecret: 'replay-secret' },
    ...over,
  });
}

async function run(a: AlibabaAdapter, op: string): Promise<unknown> {
  switch (op) {
    case 'putObject':
      return a.putObject(KEY, Buffer.from('canary'));
    case 'headObject':
      return a.headObject(KEY);
    case 'getObject':
      return a.getObject(KEY);
    case 'deleteObject':
      return a.deleteObject(KEY);
    case 'listObjects':
      return a.listObjects('polardb/nightly/', '/');
    case 'abortMultipartUpload':
      return a.abortMultipartUpload(KEY, '0004B9895DBBB6EC98E36');
    case 'completeMultipartUpload':
      return a.completeMultipartUpload(KEY, '0004B9895DBBB6EC98E36', [{ partNumber: 1, etag: '"3858F62230AC3C915F300C664312C63F"' }]);
    case 'assumeRole':
      return a.assumeRole();
    default:
      throw new Error(`fixture names an unknown operation ${op}`);
  }
}

async function failure(a: AlibabaAdapter, op: string): Promise<RequestFailure> {
  try {
    await run(a, op);
  } catch (e) {
    if (e instanceof RequestFailure) return e;
    throw e;
  }
  throw new Error(`${op} did not fail`);
}

function check(t: Test, f: Fixture, err: RequestFailure): void {
  const { kind, hint, notHint, rule, ...fields } = f.expect;
  t.equal(err.kind, kind, 'kind');
  t.equal(err.denial.rule, rule, 'rule');
  t.match(err.denial, fields, 'denial fields');
  for (const h of hint) t.match(err.denial.hint, new RegExp(h), `hint mentions /${h}/`);
  for (const h of notHint ?? []) t.notMatch(err.denial.hint, new RegExp(h), `hint does not say /${h}/`);
  t.notMatch(err.denial.hint, /\{\w+\}/, 'every placeholder filled');
  if (!('ec' in f.expect)) t.notOk(err.denial.ec, 'no EC');
  // Nothing secret reaches the report.
  t.notMatch(JSON.stringify(err.denial), /TESTSTSTOKEN|replay-secret|secret-token-value|server string to sign is:ACS3/);
}

t.test('OSS error responses, through the real ali-oss client', async (t) => {
  for (const f of ossFixtures) {
    await t.test(f.id, async (t) => {
      current = f.response;
      const a = adapter(f.adapter);
      try {
        check(t, f, await failure(a, f.operation));
      } finally {
        a.close();
      }
    });
  }
});

t.test('STS error responses, through the real @alicloud/sts20150401 client', async (t) => {
  for (const f of stsFixtures) {
    await t.test(f.id, async (t) => {
      current = f.response;
      const a = adapter(f.adapter);
      try {
        const err = await failure(a, 'assumeRole');
        check(t, f, err);
        t.same(a.identity(), { source: null, assumedRoleArn: null });
      } finally {
        a.close();
      }
    });
  }
});

t.test('what the requests carry: forbid-overwrite, V4 signing, the STS token', async (t) => {
  current = { status: 200, headers: { etag: '"3858F62230AC3C915F300C664312C63F"' }, body: '' };
  seen.length = 0;
  const a = adapter({ credentials: { accessKeyId: 'STS.TESTREPLAY', accessKeySecret: 'replay-secret', securityToken: 'TESTSTSTOKEN.replay' } });
  await a.putObject(KEY, Buffer.from('x'));
  await a.putObject(KEY, Buffer.from('x'), { overwrite: true, acl: 'private', sse: 'KMS', kmsKeyId: 'key-1', storageClass: 'IA' });
  a.close();
  t.equal(seen[0]!.headers['x-oss-forbid-overwrite'], 'true');
  t.match(seen[0]!.headers.authorization, /^OSS4-HMAC-SHA256 Credential=STS\.TESTREPLAY\/\d{8}\/cn-hangzhou\/oss\/aliyun_v4_request/);
  t.equal(seen[0]!.headers['x-oss-security-token'], 'TESTSTSTOKEN.replay');
  t.equal(seen[0]!.headers.host, `polardb-backups.oss-cn-hangzhou.aliyuncs.com`);
  t.equal(seen[1]!.headers['x-oss-forbid-overwrite'], undefined, 'the overwrite check does not forbid overwriting');
  t.match(seen[1]!.headers, {
    'x-oss-object-acl': 'private',
    'x-oss-server-side-encryption': 'KMS',
    'x-oss-server-side-encryption-key-id': 'key-1',
    'x-oss-storage-class': 'IA',
  });
});

t.test('ListParts: one part comes back as an object, several as an array', async (t) => {
  const part = (n: number) => `<Part><PartNumber>${n}</PartNumber><LastModified>2026-11-22T08:10:00.000Z</LastModified><ETag>"E${n}"</ETag><Size>${n * 102400}</Size></Part>`;
  const body = (parts: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult><Bucket>polardb-backups</Bucket><Key>${KEY}</Key><UploadId>U1</UploadId><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>${parts}</ListPartsResult>`;
  const a = adapter();
  current = { status: 200, headers: { 'content-type': 'application/xml' }, body: body(part(1)) };
  t.same((await a.listParts(KEY, 'U1')).parts, [{ partNumber: 1, etag: '"E1"', size: 102400 }]);
  current = { status: 200, headers: { 'content-type': 'application/xml' }, body: body(part(1) + part(2)) };
  t.same((await a.listParts(KEY, 'U1')).parts.map((p) => p.partNumber), [1, 2]);
  current = { status: 200, headers: { 'content-type': 'application/xml' }, body: body('') };
  t.same((await a.listParts(KEY, 'U1')).parts, []);
  a.close();
});

t.test('GetBucketPolicy: ali-oss does not throw on an error status; the adapter does', async (t) => {
  const a = adapter();
  current = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"Version":"1","Statement":[]}' };
  t.same(await a.getBucketPolicy(), { retries: 0 });
  const nsp = ossFixtures.find((f) => f.id === 'no-such-bucket')!.response.body.replace(/NoSuchBucket/g, 'NoSuchBucketPolicy');
  current = { status: 404, headers: { 'content-type': 'application/xml' }, body: nsp };
  t.same(await a.getBucketPolicy(), { retries: 0 }, 'none set: the read itself was allowed');
  current = ossFixtures.find((f) => f.id === 'bucket-policy-explicit-put')!.response;
  const err = await a.getBucketPolicy().then(() => null, (e: unknown) => e);
  t.type(err, RequestFailure);
  t.match((err as RequestFailure).denial, { code: 'AccessDenied', ec: '0003-00000101', stage: 'bucket' });
  a.close();
});

t.test('network failures and retries', async (t) => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const a = adapter({ endpoint: `http://127.0.0.1:${port}`, stsEndpoint: `http://127.0.0.1:${port}`, maxAttempts: 2 });
  const put = await failure(a, 'putObject');
  t.match(put.denial, { stage: 'network', source: 'endpoint', code: 'ECONNREFUSED', httpStatus: null });
  t.equal(put.retries, 1, 'ali-oss retryMax retried the refused connection once');
  const sts = await failure(a, 'assumeRole');
  t.match(sts.denial, { stage: 'network', source: 'endpoint', code: 'ECONNREFUSED', httpStatus: null });
  t.match(sts.denial.hint, /--sts-endpoint/);
  t.equal(sts.retries, 1, 'STS retried the refused connection once');
  a.close();

  // A response slower than the timeout: ali-oss gives up and does not retry.
  const slow = http.createServer((req, res) => {
    req.resume();
    setTimeout(() => res.end(), 1500);
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  t.teardown(() => slow.close());
  slow.keepAliveTimeout = 1;
  const s = adapter({ endpoint: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`, timeoutMs: 300, maxAttempts: 3 });
  const timedOut = await failure(s, 'getObject');
  t.match(timedOut.denial, { stage: 'network', code: 'TimeoutError', httpStatus: null });
  t.match(timedOut.denial.hint, /within the timeout/);
  t.equal(timedOut.retries, 0);
  s.close();
  slow.closeAllConnections();
});

t.test('STS retries a 503 up to --max-attempts and reports the retries', async (t) => {
  current = stsFixtures.find((f) => f.id === 'service-unavailable')!.response;
  const a = adapter({ maxAttempts: 2 });
  const err = await failure(a, 'assumeRole');
  t.match(err.denial, { code: 'ServiceUnavailable', httpStatus: 503, stage: 'assume-role', source: 'endpoint' });
  t.equal(err.retries, 1);
  t.match(err.denial.hint, /after 2 attempts/);
  a.close();
});

t.test('no source credentials: stage credentials, the chain named', async (t) => {
  const e = new SourceCredentialsError('unable to get credentials from any of the providers in the chain');
  const ctx: AlibabaErrorContext = { service: 'sts', operation: 'assumeRole', action: 'sts:AssumeRole', bucket: 'b', prefix: 'p/', roleArn: ROLE, region: 'cn-hangzhou', endpoint: 'https://sts.cn-hangzhou.aliyuncs.com' };
  const r = classifyAlibaba(evidenceFromStsError(e), ctx);
  t.match(r, { kind: 'error', denial: { stage: 'credentials', code: 'NoSourceCredentials', httpStatus: null } });
  t.match(r.denial.hint, /ALIBABA_CLOUD_ACCESS_KEY_ID.*--profile.*ECS RAM role.*ALIBABA_CLOUD_OIDC_TOKEN_FILE/);
  const o = classifyAlibaba(evidenceFromOssError(e), { ...ctx, service: 'oss', operation: 'putObject', action: 'oss:PutObject' });
  t.equal(o.denial.code, 'NoSourceCredentials');
});

t.test('classification order: EC, then PolicyType, then the message', async (t) => {
  const ctx: AlibabaErrorContext = { service: 'oss', operation: 'putObject', action: 'oss:PutObject', bucket: 'b', key: 'p/k', prefix: 'p/', roleArn: ROLE, region: 'cn-hangzhou', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com' };
  const ev = (over: Partial<AlibabaErrorEvidence>): AlibabaErrorEvidence => ({ httpStatus: 403, requestId: 'R', code: 'AccessDenied', message: '', ...over });
  const src = (over: Partial<AlibabaErrorEvidence>) => classifyAlibaba(ev(over), ctx).denial.source;
  t.equal(src({ ec: '0003-00000201', message: 'because of bucket policy.' }), 'identity-policy', 'the EC beats a misleading message');
  t.equal(src({ ec: '0003-00000999', accessDeniedDetail: { PolicyType: 'BucketPolicy' } }), 'resource-policy', 'PolicyType when the EC is not known');
  t.equal(src({ accessDeniedDetail: { PolicyType: 'ControlPolicy' } }), 'scp', 'a Resource Directory control policy');
  t.equal(src({ accessDeniedDetail: { PolicyType: 'SessionPolicy' } }), 'session-policy');
  t.equal(src({ message: 'You have no right to access this object because of bucket policy.' }), 'resource-policy', 'the message, last');
  t.equal(src({ message: "Access denied by authorizer's policy." }), 'session-policy');
  t.equal(src({ message: 'Something else.' }), 'unknown', 'never guessed');
  t.equal(src({ httpStatus: 403, code: undefined, message: '', ec: '0003-00000007' }), 'unknown', '0003-00000007 is a refused GetObjectAcl, no policy named');
  t.equal(src({ ec: '0003-00000201', accessDeniedDetail: { PolicyType: 'BucketPolicy' } }), 'resource-policy', 'AccessDeniedDetail before the EC');
  const ecOnly = classifyAlibaba(ev({ ec: '0003-00000101' }), ctx).denial;
  t.match(ecOnly, { source: 'resource-policy', explicit: true, rule: 'alibaba.oss.ec.0003-00000101' }, '0003-00000101 documents a matched Deny');
  t.match(classifyAlibaba(ev({ ec: '0003-00000201' }), ctx).denial, { explicit: null, rule: 'alibaba.oss.ec.0003-00000201' }, '0003-00000201 also comes with ImplicitDeny: unsaid without the detail');
  const scp = classifyAlibaba(ev({ accessDeniedDetail: { PolicyType: 'ControlPolicy', NoPermissionType: 'ExplicitDeny' } }), ctx).denial;
  t.match(scp, { explicit: true, hint: /control policy of the Resource Directory/ });
  const implicitBucket = classifyAlibaba(ev({ ec: '0003-00000101', accessDeniedDetail: { NoPermissionType: 'ImplicitDeny' } }), ctx).denial;
  t.match(implicitBucket, { source: 'resource-policy', explicit: false, hint: /does not grant oss:PutObject/ });
  const explicitSession = classifyAlibaba(ev({ ec: '0003-00000301', accessDeniedDetail: { NoPermissionType: 'ExplicitDeny' } }), ctx).denial;
  t.match(explicitSession.hint, /A Deny in the session policy/);
  const noRole = classifyAlibaba(ev({ ec: '0002-00000007', code: 'SecurityTokenExpired' }), { ...ctx, roleArn: null }).denial;
  t.match(noRole.hint, /security token of the source credentials has expired/);
  const methodNotAllowed = classifyAlibaba(ev({ httpStatus: 405, code: 'MethodNotAllowed' }), ctx).denial;
  t.match(methodNotAllowed, { stage: 'object', source: 'endpoint' });
  const other = classifyAlibaba(ev({ httpStatus: 400, code: 'InvalidArgument', ec: '0017-00000279', message: 'bad' }), ctx).denial;
  t.match(other.hint, /OSS rejected oss:PutObject with InvalidArgument \(HTTP 400, EC 0017-00000279\): bad/);
  const fiveHundred = classifyAlibaba(ev({ httpStatus: 500, code: 'InternalError', attempts: 3 }), ctx).denial;
  t.match(fiveHundred.hint, /failed with HTTP 500 InternalError after 3 attempts/);
  for (const [net, re] of [['ENOTFOUND', /does not resolve/], ['ECONNRESET', /closed mid-request/], ['AbortError', /aborted/], ['EHOSTUNREACH', /no network route/], ['CERT_HAS_EXPIRED', /TLS certificate/], ['EWHATEVER', /Reaching/]] as const) {
    const d = classifyAlibaba({ httpStatus: null, requestId: null, message: '', networkCode: net }, ctx).denial;
    t.match(d, { stage: 'network', code: net, hint: re }, net);
  }
  const noAnswer = classifyAlibaba({ httpStatus: null, requestId: null, message: 'boom', name: 'Error' }, ctx).denial;
  t.match(noAnswer, { stage: 'object', code: 'Error', hint: /failed before reaching/ });
});

t.test('STS classification beyond the fixtures', async (t) => {
  const ctx: AlibabaErrorContext = { service: 'sts', operation: 'assumeRole', action: 'sts:AssumeRole', bucket: 'b', prefix: 'p/', roleArn: ROLE, region: 'cn-hangzhou', endpoint: 'https://sts.cn-hangzhou.aliyuncs.com', durationSeconds: 7200 };
  const d = (code: string, status: number, message = '') => classifyAlibaba({ httpStatus: status, requestId: 'R', code, message }, ctx);
  t.match(d('InvalidSecurityToken.Expired', 400), { kind: 'error', denial: { stage: 'credentials', hint: /expired/ } });
  t.match(d('InvalidSecurityToken.Malformed', 400), { kind: 'error', denial: { stage: 'credentials', hint: /ALIBABA_CLOUD_SECURITY_TOKEN/ } });
  t.match(d('InvalidParameter.DurationSeconds', 400), { denial: { hint: /--duration \(7200 s\)/ } });
  t.match(d('MissingRoleArn', 400), { kind: 'error', denial: { hint: /AssumeRole parameters/ } });
  t.match(d('InvalidAction.NotFound', 404), { kind: 'error', denial: { source: 'endpoint', hint: /--sts-endpoint/ } });
  t.match(d('Forbidden.RAM', 403), { kind: 'denied', denial: { source: 'unknown' } });
  t.match(d('InternalError', 500), { kind: 'error', denial: { source: 'endpoint' } });
  t.match(d('Weird', 400), { kind: 'error', denial: { hint: /STS rejected AssumeRole with Weird/ } });
});

t.test('evidence: raw bodies, headers and redaction', async (t) => {
  const sig = ossFixtures.find((f) => f.id === 'signature-v4-mismatch')!;
  const err = Object.assign(new Error('The request signature we calculated does not match'), { name: 'SignatureDoesNotMatchError', status: 403, code: 'SignatureDoesNotMatch' });
  Object.defineProperty(err, RAW_KEY, { value: { status: 403, body: sig.response.body, headers: sig.response.headers } });
  const ev = evidenceFromOssError(err);
  t.notMatch(ev.rawBody, /secret-token-value/);
  t.match(ev.rawBody, /<StringToSign>\[redacted\]<\/StringToSign>/);
  t.match(ev.rawBody, /<OSSAccessKeyId>STS\.…6789<\/OSSAccessKeyId>/);
  t.equal(xmlField(ev.rawBody, 'EC'), '0002-00000201');
  t.equal(redact('x-oss-security-token: abc.def more'), 'x-oss-security-token: [redacted] more');
  t.equal(redact('Authorization: OSS4-HMAC-SHA256 Credential=x'), 'Authorization: [redacted]');
  t.equal(xmlField('<A/>', 'A'), '');
  t.equal(xmlField('<A>x &amp; &#x41;&#66;</A>', 'A'), 'x & AB');
  t.same(evidenceFromOssError('plain'), { message: 'plain', httpStatus: null, requestId: null });
  t.same(evidenceFromStsError(undefined), { message: '', httpStatus: null, requestId: null });
});
