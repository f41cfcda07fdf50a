// Drives the REAL ali-oss and @alicloud/sts20150401 clients against the in-process OSS/STS
// test server in test/oss-server/.

import t from 'tap';
import { createHash } from 'node:crypto';
import OSS from 'ali-oss';
import Sts, { AssumeRoleRequest } from '@alicloud/sts20150401';
import { startOssServer, type OssTestServer } from '../oss-server/index.js';

const ACCOUNT = '1234567890123456';
const ROLE_ARN = `acs:ram::${ACCOUNT}:role/polardb-backup`;
const USER_ARN = `acs:ram::${ACCOUNT}:user/backup-operator`;
const OUTSIDER_ARN = `acs:ram::${ACCOUNT}:user/someone-else`;
const ROOT_ARN = `acs:ram::${ACCOUNT}:root`;
const BUCKET = 'backup-canary';
const SOURCE = { accessKeyId: 'TESTOSSSOURCEKEY01', accessKeySecret: 'local-test-secret-source-01' };
const OUTSIDER = { accessKeyId: 'TESTOSSOUTSIDER01', accessKeySecret: 'local-test-secret-outsider-01' };
const ROOT = { accessKeyId: 'TESTOSSROOTKEY01', accessKeySecret: 'local-test-secret-root-01' };

type StsConfig = ConstructorParameters<typeof Sts.default>[0];

// @types/ali-oss marks every ListParts query field required; ali-oss sends none when given {}.
const NO_PART_QUERY = {} as OSS.ListPartsQuery;

interface Creds {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

/** ali-oss error with the fields 6.23 sets (see client.js requestError) plus the raw body we keep. */
interface OssError extends Error {
  status: number;
  code?: string;
  ecCode?: string;
  requestId?: string;
  hostId?: string;
  rawBody?: string;
  res?: { headers: Record<string, string> };
}

interface StsError extends Error {
  code: string;
  statusCode: number;
  requestId: string;
  data: Record<string, unknown>;
}

let server: OssTestServer;

t.before(async () => {
  server = await startOssServer();
  server.addAccessKey({
    ...SOURCE,
    principal: { type: 'user', arn: USER_ARN, uid: '200000000000000001', displayName: 'backup-operator' },
  });
  server.addAccessKey({
    ...OUTSIDER,
    principal: { type: 'user', arn: OUTSIDER_ARN, uid: '200000000000000002', displayName: 'someone-else' },
  });
  server.addAccessKey({
    ...ROOT,
    principal: { type: 'root', arn: ROOT_ARN, uid: ACCOUNT, displayName: ACCOUNT },
  });
  server.addRole({ arn: ROLE_ARN, trusts: [USER_ARN] });
  server.addRole({ arn: `acs:ram::${ACCOUNT}:role/vendor-backup`, trusts: [USER_ARN], externalId: 'vendor-ext-01' });
  server.state.createBucket(BUCKET);
});

t.teardown(async () => {
  await server.stop();
});

t.afterEach(() => {
  server.script.reset();
  server.state.options.sendOssErrOnHead = true;
});

function stsClient(creds: { accessKeyId: string; accessKeySecret: string }): InstanceType<typeof Sts.default> {
  // The SDK takes an @alicloud/openapi-core Config; a plain object with the same fields works at
  // runtime (the constructor only reads them). endpoint is host:port, protocol must be 'http'.
  const config = {
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    endpoint: server.stsHost,
    protocol: 'http',
    regionId: 'cn-hangzhou',
  } as unknown as StsConfig;
  return new Sts.default(config);
}

async function assumeRole(
  overrides: Partial<{ roleArn: string; roleSessionName: string; durationSeconds: number; policy: string; externalId: string }> = {},
  caller: { accessKeyId: string; accessKeySecret: string } = SOURCE,
) {
  const req = new AssumeRoleRequest({
    roleArn: ROLE_ARN,
    roleSessionName: 'canary-session',
    durationSeconds: 900,
    ...overrides,
  });
  return stsClient(caller).assumeRole(req);
}

async function stsCreds(): Promise<Creds> {
  const res = await assumeRole();
  const c = res.body?.credentials;
  if (!c?.accessKeyId || !c.accessKeySecret || !c.securityToken) throw new Error('AssumeRole returned no credentials');
  return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken };
}

function ossClient(creds: Creds | { accessKeyId: string; accessKeySecret: string }, v4: boolean): OSS {
  const client = new OSS({
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    ...('securityToken' in creds ? { stsToken: creds.securityToken } : {}),
    // Silences ali-oss's "set refreshSTSToken" console warning; no refresh happens without refreshSTSToken.
    refreshSTSTokenInterval: 3_600_000,
    bucket: BUCKET,
    endpoint: server.ossEndpoint, // an IP endpoint: ali-oss sends Host: <bucket>.<region>.aliyuncs.com
    region: 'oss-cn-hangzhou', // used for that Host header and for the V4 scope (cn-hangzhou)
    authorizationV4: v4,
    timeout: 10_000,
  });
  // ali-oss drops RecommendDoc and AccessDeniedDetail: keep the raw error body.
  const raw = client as unknown as { requestError(result: { data?: Buffer }): Promise<OssError> };
  const orig = raw.requestError.bind(client);
  raw.requestError = async (result) => {
    const e = await orig(result);
    if (result.data && result.data.length > 0) e.rawBody = result.data.toString('utf8');
    return e;
  };
  return client;
}

async function ossReject(p: Promise<unknown>): Promise<OssError> {
  try {
    await p;
  } catch (e) {
    return e as OssError;
  }
  throw new Error('expected the OSS request to fail');
}

async function stsReject(p: Promise<unknown>): Promise<StsError> {
  try {
    await p;
  } catch (e) {
    return e as StsError;
  }
  throw new Error('expected the STS request to fail');
}

function xmlField(xml: string | undefined, name: string): string | undefined {
  if (xml === undefined) return undefined;
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

function lastRequest(api: string) {
  const r = [...server.state.requests].reverse().find((x) => x.api === api);
  if (!r) throw new Error(`no recorded ${api} request`);
  return r;
}

t.test('STS AssumeRole with the real @alicloud/sts20150401 client', async (t) => {
  const before = Date.now();
  const res = await assumeRole({ durationSeconds: 1800 });
  const body = res.body;
  t.equal(res.statusCode, 200);
  t.match(body?.requestId, /^[0-9A-F-]{36}$/);
  t.match(body?.credentials?.accessKeyId, /^STS\./);
  t.ok(body?.credentials?.accessKeySecret);
  t.ok(body?.credentials?.securityToken);
  t.equal(body?.assumedRoleUser?.arn, `acs:ram::${ACCOUNT}:role/polardb-backup/canary-session`);
  t.match(body?.assumedRoleUser?.assumedRoleId, /^\d+:canary-session$/);
  const expiration = Date.parse(body?.credentials?.expiration ?? '');
  t.match(body?.credentials?.expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.ok(expiration >= Math.floor(before / 1000) * 1000 + 1800_000 - 1000 && expiration <= Date.now() + 1800_000, 'honours DurationSeconds');
  const session = server.state.tokens.get(body?.credentials?.accessKeyId ?? '');
  t.equal(session?.sourceArn, USER_ARN);
  t.equal(session?.roleArn, ROLE_ARN);
  const rec = lastRequest('AssumeRole');
  t.match(rec, { service: 'sts', method: 'POST', action: 'sts:AssumeRole', principal: USER_ARN, status: 200, signature: 'acs3' });
  t.equal(rec.query['RoleArn'], ROLE_ARN);
});

for (const v4 of [false, true]) {
  const label = v4 ? 'V4' : 'V1';
  t.test(`ali-oss (${label} signing) with STS credentials: objects and multipart`, async (t) => {
    const creds = await stsCreds();
    const client = ossClient(creds, v4);
    const prefix = `canary-${label.toLowerCase()}/`;
    const key = `${prefix}probe.bin`;
    const bytes = Buffer.from(`canary bytes ${label} \u00e9\u6f22`, 'utf8');
    server.state.clearRequests();

    // PutObject with forbid-overwrite, then again: 409 FileAlreadyExists
    const put = await client.put(key, bytes, { headers: { 'x-oss-forbid-overwrite': 'true' } });
    t.equal(put.res.status, 200);
    const putRec = lastRequest('PutObject');
    t.equal(putRec.signature, v4 ? 'v4' : 'v1');
    t.equal(putRec.principal, `acs:ram::${ACCOUNT}:role/polardb-backup/canary-session`);
    t.equal(putRec.bucket, BUCKET);
    t.equal(putRec.key, key);
    t.equal(putRec.host.split(':')[0], `${BUCKET}.oss-cn-hangzhou.aliyuncs.com`, 'ali-oss sends a virtual-hosted Host header');
    const again = await ossReject(client.put(key, Buffer.from('other'), { headers: { 'x-oss-forbid-overwrite': 'true' } }));
    t.equal(again.status, 409);
    t.equal(again.code, 'FileAlreadyExists');
    t.equal(again.name, 'FileAlreadyExistsError');
    t.equal(again.ecCode, '0026-00000201');
    t.equal(server.state.getObject(BUCKET, key)?.body.toString('utf8'), bytes.toString('utf8'), 'not overwritten');

    // HeadObject / GetObject
    const head = await client.head(key);
    t.equal(head.status, 200);
    const headHeaders = head.res.headers as Record<string, string>;
    t.equal(headHeaders['content-length'], String(bytes.length));
    t.equal(headHeaders['etag'], `"${(await import('node:crypto')).createHash('md5').update(bytes).digest('hex').toUpperCase()}"`);
    const got = await client.get(key);
    t.ok(Buffer.isBuffer(got.content) && (got.content as Buffer).equals(bytes), 'GetObject returns the bytes');

    // keys that need encoding are signed over the decoded key (V1) / the RFC 3986 path (V4)
    const oddKey = `${prefix}odd dir/a+b=c&d~(1)*\u00e9.bin`;
    await client.put(oddKey, Buffer.from('odd'));
    t.equal(server.state.getObject(BUCKET, oddKey)?.body.toString(), 'odd');
    t.equal((await client.get(oddKey)).content.toString(), 'odd');
    await client.delete(oddKey);
    const badHeader = await ossReject(client.put(key, Buffer.from('x'), { headers: { 'x-oss-forbid-overwrite': 'yes' } }));
    t.equal(badHeader.status, 400);
    t.equal(badHeader.code, 'InvalidArgument');
    t.equal(badHeader.ecCode, '0017-00000279');

    // ListObjectsV2 with prefix + delimiter, and continuation across pages
    server.state.putObject(BUCKET, `${prefix}dir/a`, 'a');
    server.state.putObject(BUCKET, `${prefix}dir/b`, 'b');
    server.state.putObject(BUCKET, `${prefix}zz.txt`, 'z');
    const list = await client.listV2({ prefix, delimiter: '/' }, {});
    t.same(list.objects.map((o) => o.name), [key, `${prefix}zz.txt`]);
    t.same(list.prefixes, [`${prefix}dir/`]);
    t.equal(list.isTruncated, false);
    t.equal(list.keyCount, 3);
    const page1 = await client.listV2({ prefix, delimiter: '/', 'max-keys': '2' }, {});
    t.equal(page1.isTruncated, true);
    t.same(page1.prefixes, [`${prefix}dir/`]);
    t.same(page1.objects.map((o) => o.name), [key]);
    t.ok(page1.nextContinuationToken);
    const page2 = await client.listV2(
      { prefix, delimiter: '/', 'max-keys': '2', 'continuation-token': page1.nextContinuationToken ?? '' },
      {},
    );
    t.same(page2.objects.map((o) => o.name), [`${prefix}zz.txt`]);
    t.equal(page2.prefixes, null);
    t.equal(page2.isTruncated, false);
    t.equal(lastRequest('ListObjectsV2').action, 'oss:ListObjects');

    // multipart: init, two parts, listParts, listUploads, complete (forbid-overwrite)
    const mpKey = `${prefix}multipart.bin`;
    const part1 = Buffer.alloc(100 * 1024, 0x61);
    const part2 = Buffer.from('tail part');
    const init = await client.initMultipartUpload(mpKey);
    t.match(init.uploadId, /^[0-9A-F]{32}$/);
    t.equal(init.name, mpKey);
    const p1 = await client.uploadPart(mpKey, init.uploadId, 1, part1, 0, part1.length);
    const p2 = await client.uploadPart(mpKey, init.uploadId, 2, part2, 0, part2.length);
    t.match(p1.etag, /^"[0-9A-F]{32}"$/);
    t.equal(lastRequest('UploadPart').action, 'oss:PutObject');
    const parts = await client.listParts(mpKey, init.uploadId, NO_PART_QUERY, {});
    t.ok(Array.isArray(parts.parts), 'two parts: xml2js gives an array');
    t.same(
      (parts.parts as unknown as Array<{ PartNumber: string; ETag: string; Size: string }>).map((p) => [p.PartNumber, p.ETag, p.Size]),
      [['1', p1.etag, String(part1.length)], ['2', p2.etag, String(part2.length)]],
    );
    const uploads = await client.listUploads({ prefix }, {});
    t.same(uploads.uploads.map((u) => [u.name, u.uploadId]), [[mpKey, init.uploadId]]);
    const done = await client.completeMultipartUpload(
      mpKey,
      init.uploadId,
      [{ number: 1, etag: p1.etag }, { number: 2, etag: p2.etag }],
      { headers: { 'x-oss-forbid-overwrite': 'true' } },
    );
    t.equal(done.res.status, 200);
    t.match(done.etag, /^"[0-9A-F]{32}-2"$/);
    t.ok(server.state.getObject(BUCKET, mpKey)?.body.equals(Buffer.concat([part1, part2])), 'assembled object');
    t.same((await client.listUploads({ prefix }, {})).uploads, []);

    // a second upload of the same key: single part (xml2js object, not array), complete refused, aborted
    const init2 = await client.initMultipartUpload(mpKey);
    const q1 = await client.uploadPart(mpKey, init2.uploadId, 1, part2, 0, part2.length);
    const single = await client.listParts(mpKey, init2.uploadId, NO_PART_QUERY, {});
    t.notOk(Array.isArray(single.parts), 'one part: xml2js gives an object');
    t.equal((single.parts as unknown as { PartNumber: string }).PartNumber, '1');
    const refused = await ossReject(
      client.completeMultipartUpload(mpKey, init2.uploadId, [{ number: 1, etag: q1.etag }], {
        headers: { 'x-oss-forbid-overwrite': 'true' },
      }),
    );
    t.equal(refused.status, 409);
    t.equal(refused.code, 'FileAlreadyExists');
    t.equal(refused.ecCode, '0042-00000214');
    // @types/ali-oss types the result as NormalSuccessResponse; at runtime it is { res }.
    const aborted = (await client.abortMultipartUpload(mpKey, init2.uploadId)) as unknown as { res: { status: number } };
    t.equal(aborted.res.status, 204);
    const gone = await ossReject(client.abortMultipartUpload(mpKey, init2.uploadId));
    t.equal(gone.status, 404);
    t.equal(gone.code, 'NoSuchUpload');
    t.equal(gone.ecCode, '0017-00000244');
    t.equal(xmlField(gone.rawBody, 'UploadId'), init2.uploadId);

    // DeleteObject (204), then HEAD / GET of the missing key
    const del = await client.delete(key);
    t.equal(del.res.status, 204);
    const headMissing = await ossReject(client.head(key));
    t.equal(headMissing.status, 404);
    t.equal(headMissing.code, 'NoSuchKey');
    const getMissing = await ossReject(client.get(key));
    t.equal(getMissing.status, 404);
    t.equal(getMissing.name, 'NoSuchKeyError');
    t.equal(getMissing.ecCode, '0026-00000001');
    t.match(getMissing.requestId, /^[0-9A-F]{24}$/);
    t.equal(getMissing.hostId, `${BUCKET}.oss-cn-hangzhou.aliyuncs.com`);
    t.equal(xmlField(getMissing.rawBody, 'Key'), key);
    t.equal(xmlField(getMissing.rawBody, 'RecommendDoc'), 'https://api.aliyun.com/troubleshoot?q=0026-00000001');

    t.ok(
      server.state.requests.every((r) => r.service === 'oss' && r.signature === (v4 ? 'v4' : 'v1')),
      `every request was ${label}-signed`,
    );
  });
}

t.test('Content-MD5: checked when present (400 InvalidDigest), and recorded as sent', async (t) => {
  const client = ossClient(await stsCreds(), true);
  const bytes = Buffer.from('checksummed canary bytes');
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
  server.state.clearRequests();
  await client.put('md5/right.bin', bytes, { headers: { 'Content-MD5': md5(bytes) } });
  t.match(lastRequest('PutObject'), { status: 200, key: 'md5/right.bin', bodyLength: bytes.length, contentMd5: { header: md5(bytes), matchesBody: true } });
  const e = await ossReject(client.put('md5/wrong.bin', bytes, { headers: { 'Content-MD5': md5(Buffer.from('other bytes')) } }));
  t.match(e, { status: 400, code: 'InvalidDigest' });
  t.match(lastRequest('PutObject'), { status: 400, code: 'InvalidDigest', contentMd5: { header: md5(Buffer.from('other bytes')), matchesBody: false } });
  t.notOk(server.state.getObject(BUCKET, 'md5/wrong.bin'), 'nothing stored on a mismatch');
  // ali-oss adds Content-MD5 to a PutObject of a buffer by itself, but not to an UploadPart (sent as a stream).
  const up = await client.initMultipartUpload('md5/parts.bin');
  const uploadPart = (client.uploadPart as (...a: unknown[]) => Promise<unknown>).bind(client);
  await uploadPart('md5/parts.bin', up.uploadId, 1, bytes, 0, bytes.length);
  t.match(lastRequest('UploadPart'), { status: 200, bodyLength: bytes.length });
  t.notOk('contentMd5' in lastRequest('UploadPart'), 'none sent: none recorded');
  const pe = await ossReject(uploadPart('md5/parts.bin', up.uploadId, 2, bytes, 0, bytes.length, { headers: { 'Content-MD5': md5(Buffer.from('x')) } }));
  t.match(pe, { status: 400, code: 'InvalidDigest' });
  t.match(lastRequest('UploadPart'), { status: 400, contentMd5: { header: md5(Buffer.from('x')), matchesBody: false } });
  await client.abortMultipartUpload('md5/parts.bin', up.uploadId);
  await client.delete('md5/right.bin');
});

t.test('scripted denial surfaces EC 0003-00000101 and AccessDeniedDetail', async (t) => {
  const client = ossClient(await stsCreds(), false);
  server.script.deny({ action: 'oss:PutObject', principal: ROLE_ARN, key: 'denied/' });

  const e = await ossReject(client.put('denied/x.bin', Buffer.from('x')));
  t.equal(e.status, 403);
  t.equal(e.name, 'AccessDeniedError');
  t.equal(e.code, 'AccessDenied');
  t.equal(e.ecCode, '0003-00000101');
  t.equal(e.message, 'You have no right to access this object because of bucket policy.');
  t.equal(xmlField(e.rawBody, 'PolicyType'), 'BucketPolicy');
  t.equal(xmlField(e.rawBody, 'AuthPrincipalType'), 'AssumedRoleUser');
  t.equal(xmlField(e.rawBody, 'AuthPrincipalOwnerId'), ACCOUNT);
  t.equal(xmlField(e.rawBody, 'NoPermissionType'), 'ExplicitDeny');
  t.equal(xmlField(e.rawBody, 'AuthAction'), 'oss:PutObject');
  t.match(xmlField(e.rawBody, 'AuthPrincipalDisplayName'), /:canary-session$/);
  t.ok(xmlField(e.rawBody, 'EncodedDiagnosticMessage'));
  t.equal(server.state.getObject(BUCKET, 'denied/x.bin'), undefined, 'nothing written');
  const rec = lastRequest('PutObject');
  t.match(rec, { status: 403, code: 'AccessDenied', ec: '0003-00000101', action: 'oss:PutObject' });

  // the RAM action oss:PutObject also covers InitiateMultipartUpload
  const mp = await ossReject(client.initMultipartUpload('denied/mp.bin'));
  t.equal(mp.status, 403);
  t.equal(lastRequest('InitiateMultipartUpload').action, 'oss:PutObject');
  // outside the denied prefix it is allowed
  t.equal((await client.put('allowed/x.bin', Buffer.from('x'))).res.status, 200);

  // a custom rule: RAM deny with caller-specified detail
  server.script.deny({
    action: 'oss:DeleteObject',
    ec: '0003-00000201',
    message: 'Access denied by bucket policy.',
    accessDeniedDetail: { NoPermissionType: 'ImplicitDeny' },
  });
  const d = await ossReject(client.delete('allowed/x.bin'));
  t.equal(d.ecCode, '0003-00000201');
  t.equal(xmlField(d.rawBody, 'PolicyType'), 'AccountLevelIdentityBasedPolicy');
  t.equal(xmlField(d.rawBody, 'NoPermissionType'), 'ImplicitDeny');
});

t.test('HEAD 403 has no body: x-oss-ec (and x-oss-err) headers', async (t) => {
  const client = ossClient(await stsCreds(), true);
  server.state.putObject(BUCKET, 'secret/x.bin', 'secret');
  server.script.deny({ action: 'oss:GetObject', key: 'secret/' });

  // with x-oss-err, ali-oss decodes the base64 XML into a normal error
  const withErr = await ossReject(client.head('secret/x.bin'));
  t.equal(withErr.status, 403);
  t.equal(withErr.name, 'AccessDeniedError');
  t.equal(withErr.ecCode, '0003-00000101');
  t.equal(withErr.rawBody, undefined, 'no body on HEAD');
  t.equal(withErr.requestId, lastRequest('HeadObject').requestId);
  t.equal(lastRequest('HeadObject').action, 'oss:GetObject');

  // without x-oss-err, only the status and x-oss-ec remain
  server.state.options.sendOssErrOnHead = false;
  const bare = await ossReject(client.head('secret/x.bin'));
  t.equal(bare.status, 403);
  t.equal(bare.name, 'UnknownError');
  t.equal(bare.res?.headers['x-oss-ec'], '0003-00000101');
  t.equal(bare.requestId, lastRequest('HeadObject').requestId);
});

t.test('transient fault: script.fail', async (t) => {
  const client = ossClient(await stsCreds(), false);
  server.state.putObject(BUCKET, 'flaky.bin', 'ok');
  server.script.fail({ action: 'oss:GetObject', times: 1, status: 503, code: 'ServiceUnavailable' });
  const e = await ossReject(client.get('flaky.bin'));
  t.equal(e.status, 503);
  t.equal(e.code, 'ServiceUnavailable');
  t.equal((await client.get('flaky.bin')).content.toString(), 'ok', 'second attempt succeeds');
});

t.test('authentication failures', async (t) => {
  server.state.putObject(BUCKET, 'auth.bin', 'auth');
  const creds = await stsCreds();

  for (const v4 of [false, true]) {
    const wrongSecret = ossClient({ ...creds, accessKeySecret: `${creds.accessKeySecret}x` }, v4);
    const bad = await ossReject(wrongSecret.get('auth.bin'));
    t.equal(bad.status, 403, `${v4 ? 'V4' : 'V1'} wrong secret`);
    t.equal(bad.code, 'SignatureDoesNotMatch');
    t.equal(bad.ecCode, v4 ? '0002-00000201' : '0002-00000040');
    t.equal(xmlField(bad.rawBody, 'OSSAccessKeyId'), creds.accessKeyId);
    t.ok(xmlField(bad.rawBody, 'StringToSign'));
  }

  const unknownToken = await ossReject(ossClient({ ...creds, securityToken: 'TESTSTSTOKEN.bogus' }, false).get('auth.bin'));
  t.equal(unknownToken.status, 403);
  t.equal(unknownToken.code, 'InvalidSecurityToken');
  t.equal(unknownToken.ecCode, '0002-00000006');

  const unknownKey = await ossReject(ossClient({ accessKeyId: 'TESTUNKNOWNKEY01', accessKeySecret: 'nope' }, true).get('auth.bin'));
  t.equal(unknownKey.status, 403);
  t.equal(unknownKey.code, 'InvalidAccessKeyId');
  t.equal(unknownKey.ecCode, '0002-00000002');

  // long-term keys work too (V1), and are recorded with the user principal
  const direct = await ossClient(SOURCE, false).get('auth.bin');
  t.equal(direct.content.toString(), 'auth');
  t.equal(lastRequest('GetObject').principal, USER_ARN);

  // a real token presented with another session's AccessKeyId
  const other = await stsCreds();
  const mismatch = await ossReject(ossClient({ ...other, securityToken: creds.securityToken }, false).get('auth.bin'));
  t.equal(mismatch.code, 'InvalidSecurityToken');
  t.equal(mismatch.ecCode, '0002-00000008');

  // request time outside the allowed skew
  server.state.options.maxClockSkewMs = -1;
  const skewed = await ossReject(ossClient(creds, true).get('auth.bin'));
  server.state.options.maxClockSkewMs = 15 * 60 * 1000;
  t.equal(skewed.status, 403);
  t.equal(skewed.code, 'RequestTimeTooSkewed');

  server.state.expireToken(creds.accessKeyId);
  for (const v4 of [false, true]) {
    const expired = await ossReject(ossClient(creds, v4).get('auth.bin'));
    t.equal(expired.status, 403);
    t.equal(expired.code, 'SecurityTokenExpired');
    t.equal(expired.ecCode, '0002-00000007');
  }
});

t.test('GetBucketPolicy', async (t) => {
  const client = ossClient(await stsCreds(), true);
  // ali-oss 6.23 sets successStatuses after the request: a 404 does not throw.
  const none = await client.getBucketPolicy(BUCKET);
  t.equal(none.status, 404);
  t.equal(none.policy, null);
  t.match(lastRequest('GetBucketPolicy'), { status: 404, code: 'NoSuchBucketPolicy', ec: '0030-00000006' });

  const policy = {
    Version: '1',
    Statement: [{ Effect: 'Deny', Action: ['oss:PutObject'], Principal: ['*'], Resource: [`acs:oss:*:${ACCOUNT}:${BUCKET}/*`] }],
  };
  server.state.setBucketPolicy(BUCKET, policy);
  const got = await client.getBucketPolicy(BUCKET);
  t.equal(got.status, 200);
  t.same(got.policy, policy);
  server.state.setBucketPolicy(BUCKET, undefined);
});

t.test('PutBucketPolicy: acs:SourceIp without acs:SourceVpc is refused with EC 0030-00000008, as documented', async (t) => {
  const client = ossClient(await stsCreds(), true);
  const ipOnly = {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['oss:GetObject'], Principal: ['*'], Resource: [`acs:oss:*:${ACCOUNT}:${BUCKET}/*`], Condition: { IpAddress: { 'acs:SourceIp': ['10.10.10.10'] } } }],
  };
  const e = await client.putBucketPolicy(BUCKET, ipOnly as never).then(
    () => null,
    (err: { status?: number; code?: string; ecCode?: string }) => err,
  );
  t.ok(e, 'refused');
  t.match(e, { status: 400, code: 'InvalidPolicyDocument', ecCode: '0030-00000008' });
  t.match(lastRequest('PutBucketPolicy'), { status: 400, ec: '0030-00000008' });
  const none = await client.getBucketPolicy(BUCKET);
  t.equal(none.status, 404, 'nothing was stored');

  // the documented remedy: public addresses only, "StringNotLike": {"acs:SourceVpc": "vpc-*"}
  const withVpc = structuredClone(ipOnly) as typeof ipOnly & { Statement: Array<{ Condition: Record<string, unknown> }> };
  withVpc.Statement[0]!.Condition.StringNotLike = { 'acs:SourceVpc': ['vpc-*'] };
  const ok = await client.putBucketPolicy(BUCKET, withVpc as never);
  t.equal(ok.status, 200);
  const got = await client.getBucketPolicy(BUCKET);
  t.same(got.policy, withVpc);
  server.state.setBucketPolicy(BUCKET, undefined);
});

// PutBucketPolicy validates as OSS documents it (test/oss-server/bucket-policy-validate.ts; EC pages
// 0030-00000001/-02/-05/-07/-08 of help.aliyun.com/en/oss/user-guide/30-policy/). Each refusal goes through
// the real ali-oss client: putBucketPolicy for JSON documents; for bodies putBucketPolicy will not send
// (not JSON, over 16 KB) the same client's own request path (_bucketRequestParams + request), which is
// what putBucketPolicy itself calls.
t.test('PutBucketPolicy: every documented refusal, with its EC and message, and nothing stored', async (t) => {
  const client = ossClient(await stsCreds(), true);
  const ok = { Effect: 'Allow', Action: ['oss:GetObject'], Principal: ['*'], Resource: [`acs:oss:*:${ACCOUNT}:${BUCKET}/*`] };
  const raw = async (body: string) => {
    const c = client as unknown as { _bucketRequestParams(m: string, b: string, sub: string, o: object): Record<string, unknown>; request(p: Record<string, unknown>): Promise<unknown> };
    const params = c._bucketRequestParams('PUT', BUCKET, 'policy', {});
    params.content = body;
    params.successStatuses = [200];
    return c.request(params);
  };
  const refused = async (send: () => Promise<unknown>) =>
    send().then(
      () => null,
      (err: { status?: number; code?: string; ecCode?: string; message?: string }) => err,
    );
  const cases: Array<[string, () => Promise<unknown>, string, RegExp]> = [
    ['not JSON', () => raw('{"Version": "1", "Statement": ['), '0030-00000005', /^The policy is invalid\.$/],
    ['a JSON array', () => raw('[]'), '0030-00000005', /^The policy is invalid\.$/],
    ['Version 1 as a number (the page\'s example)', () => client.putBucketPolicy(BUCKET, { Version: 1, Statement: [ok] } as never), '0030-00000005', /^The policy is invalid\.$/],
    ['no Version', () => client.putBucketPolicy(BUCKET, { Statement: [ok] } as never), '0030-00000005', /^The policy is invalid\.$/],
    ['Version "2"', () => client.putBucketPolicy(BUCKET, { Version: '2', Statement: [ok] } as never), '0030-00000002', /^The Version of the bucket policy must be 1\.$/],
    ['no Statement', () => client.putBucketPolicy(BUCKET, { Version: '1' } as never), '0030-00000005', /invalid/],
    ['empty Statement', () => client.putBucketPolicy(BUCKET, { Version: '1', Statement: [] } as never), '0030-00000005', /invalid/],
    ['Effect "Permit"', () => client.putBucketPolicy(BUCKET, { Version: '1', Statement: [{ ...ok, Effect: 'Permit' }] } as never), '0030-00000005', /invalid/],
    ['no Effect', () => client.putBucketPolicy(BUCKET, { Version: '1', Statement: [{ ...ok, Effect: undefined }] } as never), '0030-00000005', /invalid/],
    ['no Action', () => client.putBucketPolicy(BUCKET, { Version: '1', Statement: [{ ...ok, Action: undefined }] } as never), '0030-00000005', /invalid/],
    ['empty Action', () => client.putBucketPolicy(BUCKET, { Version: '1', Statement: [{ ...ok, Action: [] }] } as never), '0030-00000005', /invalid/],
    ['no Resource', () => client.putBucketPolicy(BUCKET, { Version: '1', Statement: [{ ...ok, Resource: undefined }] } as never), '0030-00000005', /invalid/],
    ['no Principal', () => client.putBucketPolicy(BUCKET, { Version: '1', Statement: [{ ...ok, Principal: undefined }] } as never), '0030-00000005', /invalid/],
    ['a Condition that is not operator -> key -> values', () => client.putBucketPolicy(BUCKET, { Version: '1', Statement: [{ ...ok, Condition: { StringEquals: 'x' } }] } as never), '0030-00000005', /invalid/],
    ['consecutive wildcards in Resource', () => client.putBucketPolicy(BUCKET, { Version: '1', Statement: [{ ...ok, Resource: ['acs:oss:*:174649585760****:examplebucket/*'] }] } as never), '0030-00000007', /^The bucket policy, access point policy or object FC access point policy is invalid\.$/],
    ['over 16 KB', () => raw(JSON.stringify({ Version: '1', Statement: Array.from({ length: 200 }, () => ok) })), '0030-00000001', /smaller than 16 KB/],
    ['acs:SourceIp without acs:SourceVpc', () => client.putBucketPolicy(BUCKET, { Version: '1', Statement: [{ ...ok, Condition: { IpAddress: { 'acs:SourceIp': ['10.10.10.10'] } } }] } as never), '0030-00000008', /acs:SourceVpc must also be specified/],
  ];
  for (const [name, send, ec, message] of cases) {
    const e = await refused(send);
    t.ok(e, `${name}: refused`);
    t.match(e, { status: 400, code: 'InvalidPolicyDocument', ecCode: ec }, name);
    t.match(e!.message, message, `${name}: the message`);
    t.match(lastRequest('PutBucketPolicy'), { status: 400, ec }, `${name}: answered by the server`);
    t.equal((await client.getBucketPolicy(BUCKET)).status, 404, `${name}: nothing stored`);
  }
  // the controls: Principal [] (documented as "*"), a single statement object, a size just under 16 KB
  for (const [name, policy] of [
    ['Principal []', { Version: '1', Statement: [{ ...ok, Principal: [] }] }],
    ['Statement as one object', { Version: '1', Statement: ok }],
    ['acs:SourceIp with acs:SourceVpc', { Version: '1', Statement: [{ ...ok, Condition: { IpAddress: { 'acs:SourceIp': ['10.10.10.10'] }, StringNotLike: { 'acs:SourceVpc': ['vpc-*'] } } }] }],
  ] as const) {
    const r = await client.putBucketPolicy(BUCKET, policy as never);
    t.equal(r.status, 200, `${name}: stored`);
    t.same((await client.getBucketPolicy(BUCKET)).policy, policy, `${name}: read back`);
  }
  const big = JSON.stringify({ Version: '1', Statement: Array.from({ length: 100 }, () => ok) });
  t.ok(Buffer.byteLength(big) < 16 * 1024, 'the control is under 16 KB');
  t.match(await raw(big), { status: 200 }, 'just under 16 KB: stored');
  server.state.setBucketPolicy(BUCKET, undefined);
});

t.test('NoSuchBucket', async (t) => {
  const client = ossClient(await stsCreds(), false);
  client.useBucket('no-such-bucket-here');
  const e = await ossReject(client.get('x'));
  t.equal(e.status, 404);
  t.equal(e.code, 'NoSuchBucket');
  t.equal(e.ecCode, '0015-00000101');
  t.equal(xmlField(e.rawBody, 'BucketName'), 'no-such-bucket-here');
});

t.test('STS GetCallerIdentity with the temporary credentials', async (t) => {
  const creds = await stsCreds();
  const config = {
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    securityToken: creds.securityToken,
    endpoint: server.stsHost,
    protocol: 'http',
    regionId: 'cn-hangzhou',
  } as unknown as StsConfig;
  const who = await new Sts.default(config).getCallerIdentity();
  t.equal(who.body?.identityType, 'AssumedRoleUser');
  t.equal(who.body?.arn, `acs:ram::${ACCOUNT}:assumed-role/polardb-backup/canary-session`);
  t.equal(who.body?.accountId, ACCOUNT);
  t.match(lastRequest('GetCallerIdentity'), { status: 200, accessKeyId: creds.accessKeyId });

  server.state.expireToken(creds.accessKeyId);
  const expired = await stsReject(new Sts.default(config).getCallerIdentity());
  t.equal(expired.code, 'InvalidSecurityToken.Expired');
});

t.test('STS refusals', async (t) => {
  const untrusted = await stsReject(assumeRole({}, OUTSIDER));
  t.equal(untrusted.statusCode, 403);
  t.equal(untrusted.code, 'NoPermission');
  t.match(
    untrusted.message,
    'No permission perform sts:AssumeRole on this Role. Maybe you are not authorized to perform sts:AssumeRole or the specified role does not trust you',
  );
  t.match(untrusted.requestId, /^[0-9A-F-]{36}$/);
  t.equal(untrusted.data['HostId'], 'sts.aliyuncs.com');
  t.match(untrusted.data['Recommend'], /troubleshoot\?q=NoPermission/);
  t.match(lastRequest('AssumeRole'), { status: 403, code: 'NoPermission', principal: OUTSIDER_ARN });

  const root = await stsReject(assumeRole({}, ROOT));
  t.equal(root.code, 'NoPermission');
  t.match(root.message, 'Roles may not be assumed by root accounts.');

  const missingRole = await stsReject(assumeRole({ roleArn: `acs:ram::${ACCOUNT}:role/not-there` }));
  t.equal(missingRole.statusCode, 404);
  t.equal(missingRole.code, 'EntityNotExist.Role');

  const extId = await stsReject(assumeRole({ roleArn: `acs:ram::${ACCOUNT}:role/vendor-backup`, externalId: 'wrong' }));
  t.equal(extId.code, 'NoPermission');
  const extOk = await assumeRole({ roleArn: `acs:ram::${ACCOUNT}:role/vendor-backup`, externalId: 'vendor-ext-01' });
  t.equal(extOk.statusCode, 200);

  const badSecret = await stsReject(assumeRole({}, { ...SOURCE, accessKeySecret: 'wrong-secret' }));
  t.equal(badSecret.statusCode, 400);
  t.equal(badSecret.code, 'SignatureDoesNotMatch');
  t.match(badSecret.message, 'server string to sign is:ACS3-HMAC-SHA256\n');

  const unknownKey = await stsReject(assumeRole({}, { accessKeyId: 'TESTNOSUCHKEY01', accessKeySecret: 'x' }));
  t.equal(unknownKey.statusCode, 404);
  t.equal(unknownKey.code, 'InvalidAccessKeyId.NotFound');

  server.script.fail({ action: 'sts:AssumeRole', times: 1, status: 503, code: 'ServiceUnavailable' });
  const flaky = await stsReject(assumeRole());
  t.equal(flaky.statusCode, 503);
  t.equal(flaky.code, 'ServiceUnavailable');
  t.equal((await assumeRole()).statusCode, 200);
});

t.test("STS NoPermission: the caller's own sts:AssumeRole permission and service roles", async (t) => {
  // RAM FAQ about RAM roles and STS tokens: a caller without sts:AssumeRole (AliyunSTSAssumeRoleAccess)
  // gets "You are not authorized to do this action. You should be authorized by RAM."
  const limited = { accessKeyId: 'TESTOSSLIMITED01', accessKeySecret: 'local-test-secret-limited-01' };
  const limitedArn = `acs:ram::${ACCOUNT}:user/limited`;
  server.addAccessKey({ ...limited, principal: { type: 'user', arn: limitedArn, uid: '200000000000000009', displayName: 'limited', mayAssume: [`acs:ram::${ACCOUNT}:role/vendor-backup`] } });
  server.addRole({ arn: ROLE_ARN.replace('polardb-backup', 'limited-target'), trusts: [limitedArn] });
  const refused = await stsReject(assumeRole({ roleArn: ROLE_ARN.replace('polardb-backup', 'limited-target') }, limited));
  t.equal(refused.statusCode, 403);
  t.equal(refused.code, 'NoPermission');
  t.equal(refused.data['Message'], 'You are not authorized to do this action. You should be authorized by RAM.');
  t.match(lastRequest('AssumeRole'), { status: 403, code: 'NoPermission', principal: limitedArn });
  // Allowed by its own policy but not trusted by the role: the other documented text.
  const untrusted = await stsReject(assumeRole({ roleArn: `acs:ram::${ACCOUNT}:role/vendor-backup`, externalId: 'vendor-ext-01' }, limited));
  t.match(untrusted.data['Message'], /^No permission perform sts:AssumeRole on this Role/);

  // Doc 42775 item 8: a service role (trusted only by an Alibaba Cloud service) cannot be assumed by a user.
  const serviceRole = `acs:ram::${ACCOUNT}:role/ecs-only`;
  server.addRole({ arn: serviceRole, trusts: [], services: ['ecs.aliyuncs.com'] });
  const service = await stsReject(assumeRole({ roleArn: serviceRole }));
  t.equal(service.code, 'NoPermission');
  t.match(service.data['Message'], /^No permission perform sts:AssumeRole on this Role/);
  // The trusted user of the regular role is unaffected.
  t.equal((await assumeRole()).statusCode, 200);
});

t.test('STS InvalidParameter', async (t) => {
  for (const name of ['a', 'abc*abc', 'x'.repeat(65), '\u5fcd\u8005']) {
    const e = await stsReject(assumeRole({ roleSessionName: name }));
    t.equal(e.statusCode, 400, `RoleSessionName ${JSON.stringify(name)}`);
    t.equal(e.code, 'InvalidParameter.RoleSessionName');
  }
  t.equal((await assumeRole({ roleSessionName: 'ok.name@x_y-1' })).statusCode, 200);

  for (const d of [600, 899, 3601]) {
    const e = await stsReject(assumeRole({ durationSeconds: d }));
    t.equal(e.code, 'InvalidParameter.DurationSeconds', `DurationSeconds ${d}`);
    t.match(e.message, 'The Min/Max value of DurationSeconds is 15min/1hr.');
  }

  for (const p of ['not json', '{"Version":"1"}', '[]']) {
    const e = await stsReject(assumeRole({ policy: p }));
    t.equal(e.code, 'InvalidParameter.PolicyGrammar', `Policy ${p}`);
  }
  const scoped = await assumeRole({
    policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: ['*'] }] }),
  });
  t.equal(server.state.tokens.get(scoped.body?.credentials?.accessKeyId ?? '')?.policy?.includes('oss:PutObject'), true);
});
