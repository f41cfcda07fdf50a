// Classification of AWS SDK errors, driven by recorded error responses in test/fixtures/aws-errors/.
//
// Each fixture holds the response as AWS or Ceph RGW sends it (status, headers, raw body), the fields
// the real SDK (@aws-sdk 3.1169) makes of it, and the expected Denial. Three passes over them:
//  1. an SDK-shaped error object built from the fixture, with `$response.rawBody` as withRawBody sets it;
//  2. the same without a raw body (what a plain SDK client gives), which must agree except where the
//     SDK cannot parse the body (RGW STS `<Error>`);
//  3. a replay: a real S3Client/STSClient with withRawBody() against a local server answering the
//     recorded response, so the SDK's own deserializer produces the error.

import t, { type Test } from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as S3 from '@aws-sdk/client-s3';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Operation } from '../../src/core/adapter.js';
import {
  classifyAws,
  evidenceFromError,
  parseReason,
  redact,
  xmlField,
  type AwsErrorContext,
  type AwsErrorEvidence,
} from '../../src/providers/aws/classify.js';
import { withRawBody, RAW_BODY_LIMIT, type ResponseWithRawBody } from '../../src/providers/aws/raw-body.js';

interface Fixture {
  id: string;
  origin: string;
  note?: string;
  needsRawBody?: boolean;
  /** The rule when only the SDK's fields are seen, where the raw body carried more evidence (e.g. <Endpoint>). */
  ruleWithoutRawBody?: string;
  ctx: Partial<AwsErrorContext> & { operation: Operation; action: string };
  response?: { status: number; headers: Record<string, string>; body: string };
  sdk?: { name: string; message: string; Code?: string; $fault: string; $metadata: Record<string, unknown> };
  thrown?: Record<string, unknown> & { name: string; message: string };
  expect: {
    kind: 'denied' | 'error';
    stage: string;
    source: string;
    explicit: boolean | null;
    code: string;
    message: string;
    httpStatus: number | null;
    requestId: string | null;
    /** The id of the rules.ts row that must decide this response. */
    rule: string;
    hint: string[];
    /** What the hint must not say (e.g. "--explain" when --explain is on). */
    notHint?: string[];
  };
}

const FIXTURE_DIR = new URL('../fixtures/aws-errors/', import.meta.url);
const files = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json')).sort();
const fixtures: Fixture[] = files.flatMap((f) => JSON.parse(readFileSync(new URL(f, FIXTURE_DIR), 'utf8')) as Fixture[]);

const BASE_CTX: AwsErrorContext = {
  service: 's3',
  operation: 'putObject',
  action: 's3:PutObject',
  bucket: 'canary-bucket',
  prefix: 'backups/',
  roleArn: 'arn:aws:iam::111122223333:role/backup-writer',
  region: 'us-east-1',
  endpoint: null,
};
const ctxOf = (f: Fixture): AwsErrorContext => ({ ...BASE_CTX, ...f.ctx });

/** An error object shaped as the SDK throws it (same own properties, `$response` non-enumerable). */
function sdkError(f: Fixture, withBody: boolean): Error {
  const sdk = f.sdk!;
  const err = Object.assign(new Error(sdk.message), { $fault: sdk.$fault, $metadata: sdk.$metadata });
  Object.defineProperty(err, 'name', { value: sdk.name, enumerable: true, writable: true });
  if (sdk.Code) Object.assign(err, { Code: sdk.Code });
  const response: Record<string, unknown> = { statusCode: f.response!.status, reason: '', headers: f.response!.headers, body: undefined };
  if (withBody) response.rawBody = f.response!.body;
  Object.defineProperty(err, '$response', { value: response, enumerable: false });
  return err;
}

function thrownError(f: Fixture): Error {
  const { name, message, ...rest } = f.thrown!;
  const err = Object.assign(new Error(message), rest);
  err.name = name;
  return err;
}

function check(tt: Test, f: Fixture, got: ReturnType<typeof classifyAws>, label: string): void {
  const e = f.expect;
  const d = got.denial;
  tt.equal(got.kind, e.kind, `${label}: kind`);
  tt.equal(d.stage, e.stage, `${label}: stage`);
  tt.equal(d.source, e.source, `${label}: source`);
  tt.equal(d.explicit, e.explicit, `${label}: explicit`);
  tt.equal(d.code, e.code, `${label}: code`);
  tt.equal(d.message, e.message, `${label}: message`);
  tt.equal(d.httpStatus, e.httpStatus, `${label}: httpStatus`);
  tt.equal(d.requestId, e.requestId, `${label}: requestId`);
  tt.equal(d.rule, e.rule, `${label}: rule`);
  for (const part of e.notHint ?? []) tt.notOk(d.hint.includes(part), `${label}: hint does not say ${JSON.stringify(part)}`, { hint: d.hint });
  tt.notMatch(d.hint, /\{\w+\}/, `${label}: every placeholder filled`);
  for (const part of e.hint) tt.ok(d.hint.includes(part), `${label}: hint mentions ${JSON.stringify(part)}`, { hint: d.hint });
  tt.notMatch(d.hint, /\b[a-z0-9-]+:\*/, `${label}: hint never suggests a wildcard action`);
  tt.notMatch(d.message, /UnknownError/, `${label}: never the SDK placeholder message`);
  tt.ok(d.hint.length > 20 && d.hint.length < 520, `${label}: hint is short and not empty (${d.hint.length})`);
}

t.test('fixtures are complete', async (tt) => {
  tt.ok(fixtures.length >= 70, `${fixtures.length} cases`);
  const ids = new Set<string>();
  for (const f of fixtures) {
    tt.notOk(ids.has(f.id), `unique id ${f.id}`);
    ids.add(f.id);
    tt.ok(f.response ? !!f.sdk : !!f.thrown, `${f.id} has an SDK shape`);
  }
  // Every documented enhanced form: 7 policy types, explicit and implicit where documented.
  const seen = new Set(fixtures.filter((f) => f.ctx.service !== 'sts' && f.expect.kind === 'denied').map((f) => `${f.expect.source}/${f.expect.explicit}`));
  for (const want of [
    'identity-policy/true', 'identity-policy/false', 'resource-policy/true', 'resource-policy/false',
    'scp/true', 'scp/false', 'rcp/true', 'vpc-endpoint-policy/true', 'vpc-endpoint-policy/false',
    'permissions-boundary/true', 'permissions-boundary/false', 'session-policy/true', 'session-policy/false',
    'kms/null', 'kms/false', 'acl/null', 'object-lock/null', 'unknown/null',
  ]) tt.ok(seen.has(want), `covers ${want}`);
});

t.test('SDK-shaped errors with the raw body', async (tt) => {
  for (const f of fixtures.filter((x) => x.sdk)) {
    const ev = evidenceFromError(sdkError(f, true));
    check(tt, f, classifyAws(ev, ctxOf(f)), f.id);
  }
});

t.test('SDK-shaped errors without a raw body', async (tt) => {
  for (const f of fixtures.filter((x) => x.sdk)) {
    const got = classifyAws(evidenceFromError(sdkError(f, false)), ctxOf(f));
    if (f.needsRawBody) {
      tt.not(got.denial.code, f.expect.code, `${f.id}: without the raw body the real code (${f.expect.code}) is lost`);
    } else {
      tt.same([got.kind, got.denial.stage, got.denial.source, got.denial.explicit, got.denial.code, got.denial.rule],
        [f.expect.kind, f.expect.stage, f.expect.source, f.expect.explicit, f.expect.code, f.ruleWithoutRawBody ?? f.expect.rule], `${f.id}: same without raw body`);
    }
  }
});

t.test('thrown network and timeout errors', async (tt) => {
  for (const f of fixtures.filter((x) => x.thrown)) {
    const ev = evidenceFromError(thrownError(f));
    tt.equal(ev.httpStatus, null, `${f.id}: no status`);
    check(tt, f, classifyAws(ev, ctxOf(f)), f.id);
  }
});

// ----------------------------------------------------------------------------------------------
// Replay through the real SDK

interface Replay {
  endpoint: string;
  serve(r: { status: number; headers: Record<string, string>; body: string }): void;
  close(): Promise<void>;
}

async function replayServer(): Promise<Replay> {
  let current = { status: 500, headers: {} as Record<string, string>, body: '' };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(current.status, current.headers);
      res.end(current.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    serve(r) {
      current = r;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const CREDS = { accessKeyId: 'AKIDEXAMPLE00000TEST', secretAccessKey: 'not-a-real-secret' };
const KEY = 'backups/.canary/7f3a9c1e.bin';
const BUCKET = 'canary-bucket';

function s3Client(endpoint: string, requestHandler: ReturnType<typeof withRawBody>): S3.S3Client {
  return new S3.S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: CREDS,
    forcePathStyle: true,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler,
  });
}

function stsClient(endpoint: string, requestHandler: ReturnType<typeof withRawBody>): STSClient {
  return new STSClient({ endpoint, region: 'us-east-1', credentials: CREDS, maxAttempts: 1, requestHandler });
}

async function send(op: Operation, s3: S3.S3Client, sts: STSClient): Promise<unknown> {
  switch (op) {
    case 'assumeRole':
      return sts.send(new AssumeRoleCommand({ RoleArn: BASE_CTX.roleArn!, RoleSessionName: 'backup-canary' }));
    case 'putObject':
      return s3.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'canary', IfNoneMatch: '*' }));
    case 'headObject':
      return s3.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
    case 'getObject':
      return s3.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
    case 'listObjects':
      return s3.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'backups/' }));
    case 'createMultipartUpload':
      return s3.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: KEY }));
    case 'uploadPart':
      return s3.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: KEY, UploadId: 'u1', PartNumber: 1, Body: 'canary' }));
    case 'listParts':
      return s3.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: KEY, UploadId: 'u1' }));
    case 'listMultipartUploads':
      return s3.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'backups/' }));
    case 'completeMultipartUpload':
      return s3.send(new S3.CompleteMultipartUploadCommand({
        Bucket: BUCKET, Key: KEY, UploadId: 'u1', MultipartUpload: { Parts: [{ ETag: '"e"', PartNumber: 1 }] }, IfNoneMatch: '*',
      }));
    case 'abortMultipartUpload':
      return s3.send(new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: KEY, UploadId: 'u1' }));
    case 'deleteObject':
      return s3.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: KEY }));
  }
}

t.test('replay every recorded response through the real SDK with withRawBody', async (tt) => {
  const server = await replayServer();
  tt.teardown(() => server.close());
  const handler = withRawBody({ requestTimeout: 5000, throwOnRequestTimeout: true });
  // Remember the response object each request produced, to check the SDK error carries that same one.
  const responses: ResponseWithRawBody[] = [];
  const handle = handler.handle.bind(handler);
  handler.handle = async (...args) => {
    const out = await handle(...args);
    responses.push(out.response);
    return out;
  };
  const s3 = s3Client(server.endpoint, handler);
  const sts = stsClient(server.endpoint, handler);
  tt.teardown(() => {
    s3.destroy();
    sts.destroy();
  });

  for (const f of fixtures.filter((x) => x.response)) {
    server.serve(f.response!);
    let err: Error & { Code?: string; $response?: ResponseWithRawBody };
    try {
      await send(f.ctx.operation, s3, sts);
      tt.fail(`${f.id}: expected an error`);
      continue;
    } catch (e) {
      err = e as typeof err;
    }
    const last = responses[responses.length - 1]!;
    tt.equal(err.$response, last, `${f.id}: $response is the handler's response object`);
    tt.equal(err.$response?.rawBody, f.ctx.operation === 'headObject' ? '' : f.response!.body, `${f.id}: raw body kept`);
    tt.equal(err.name, f.sdk!.name, `${f.id}: SDK name as recorded`);
    tt.equal(err.message, f.sdk!.message, `${f.id}: SDK message as recorded`);
    tt.equal(err.Code, f.sdk!.Code, `${f.id}: SDK Code as recorded`);
    check(tt, f, classifyAws(evidenceFromError(err), ctxOf(f)), `${f.id} (replayed)`);
  }
});

t.test('withRawBody leaves success bodies alone and delegates to the wrapped handler', async (tt) => {
  const server = await replayServer();
  tt.teardown(() => server.close());
  const inner = new NodeHttpHandler({ requestTimeout: 2000 });
  const handler = withRawBody(inner);
  tt.equal(handler.inner, inner, 'wraps the given NodeHttpHandler');
  tt.equal(handler.metadata.handlerProtocol, 'http/1.1');
  handler.updateHttpClientConfig('requestTimeout', 3000);
  const responses: ResponseWithRawBody[] = [];
  const handle = handler.handle.bind(handler);
  handler.handle = async (...args) => {
    const out = await handle(...args);
    responses.push(out.response);
    return out;
  };
  const s3 = s3Client(server.endpoint, handler);
  tt.teardown(() => s3.destroy());
  server.serve({ status: 200, headers: { 'content-type': 'application/octet-stream', etag: '"abc"' }, body: 'canary-bytes' });
  const out = await s3.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
  tt.equal(await out.Body!.transformToString(), 'canary-bytes', 'success body reaches the caller');
  tt.equal(responses[0]!.rawBody, undefined, 'success body not recorded');
  tt.equal(handler.httpHandlerConfigs().requestTimeout, 3000, 'config changes reach the wrapped handler');

  // A long error body: the SDK still gets all of it, the kept string is capped.
  const message = 'x'.repeat(RAW_BODY_LIMIT + 100);
  server.serve({ status: 400, headers: { 'content-type': 'application/xml' }, body: `<Error><Code>InvalidArgument</Code><Message>${message}</Message></Error>` });
  const err = (await s3.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: KEY })).catch((e: unknown) => e)) as Error & { $response: ResponseWithRawBody };
  tt.equal(err.message, message, 'SDK parsed the whole body');
  tt.equal(err.$response.rawBody!.length, RAW_BODY_LIMIT, 'kept body is capped');
  const ev = evidenceFromError(err);
  tt.equal(ev.code, 'InvalidArgument', 'code from the capped raw body');
  tt.equal(ev.message, message, 'message falls back to the SDK when the raw body was cut');
  handler.destroy();
  tt.equal(withRawBody().inner instanceof NodeHttpHandler, true, 'default builds a NodeHttpHandler');
});

// ----------------------------------------------------------------------------------------------
// Real network failures through the real SDK

t.test('connection refused through the real SDK', async (tt) => {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = s3Client(endpoint, withRawBody({ connectionTimeout: 2000 }));
  const sts = stsClient(endpoint, withRawBody({ connectionTimeout: 2000 }));
  tt.teardown(() => {
    s3.destroy();
    sts.destroy();
  });
  const ctx: AwsErrorContext = { ...BASE_CTX, endpoint, key: KEY };
  const err = await s3.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'x' })).catch((e: unknown) => e);
  const ev = evidenceFromError(err);
  tt.equal(ev.networkCode, 'ECONNREFUSED');
  tt.equal(ev.attempts, 1);
  const { kind, denial } = classifyAws(ev, ctx);
  tt.equal(kind, 'error');
  tt.same([denial.stage, denial.source, denial.code, denial.httpStatus, denial.requestId], ['network', 'endpoint', 'ECONNREFUSED', null, null]);
  tt.match(denial.message, /ECONNREFUSED/);
  tt.match(denial.hint, endpoint);

  const stsErr = await sts.send(new AssumeRoleCommand({ RoleArn: BASE_CTX.roleArn!, RoleSessionName: 's' })).catch((e: unknown) => e);
  const stsDenial = classifyAws(evidenceFromError(stsErr), { ...ctx, service: 'sts', operation: 'assumeRole', action: 'sts:AssumeRole' }).denial;
  tt.same([stsDenial.stage, stsDenial.code], ['network', 'ECONNREFUSED'], 'STS unreachable is a network failure too');
});

t.test('request timeout through the real SDK', async (tt) => {
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer(() => {
    /* never answers */
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tt.teardown(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const s3 = s3Client(endpoint, withRawBody({ requestTimeout: 200, throwOnRequestTimeout: true }));
  tt.teardown(() => s3.destroy());
  const err = await s3.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: KEY })).catch((e: unknown) => e);
  const ev = evidenceFromError(err);
  tt.equal(ev.name, 'TimeoutError');
  tt.equal(ev.networkCode, 'TimeoutError');
  const { kind, denial } = classifyAws(ev, { ...BASE_CTX, operation: 'headObject', action: 's3:GetObject', endpoint });
  tt.same([kind, denial.stage, denial.source, denial.code], ['error', 'network', 'endpoint', 'TimeoutError']);
  tt.match(denial.hint, /--timeout/);
});

// ----------------------------------------------------------------------------------------------
// Evidence details

t.test('evidence never carries secrets', async (tt) => {
  for (const id of ['s3-signature-does-not-match', 's3-expired-token', 's3-invalid-token']) {
    const f = fixtures.find((x) => x.id === id)!;
    const ev = evidenceFromError(sdkError(f, true));
    const text = JSON.stringify(ev) + JSON.stringify(classifyAws(ev, ctxOf(f)));
    tt.notMatch(text, /IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN/, `${id}: no session token`);
    tt.notMatch(text, /not-a-token/, `${id}: no token echo`);
    tt.notMatch(text, /9e2f3a4b5c6d7e8f9a0b/, `${id}: no signature`);
    tt.notMatch(text, /ASIAQEXAMPLE7XAMPLE4/, `${id}: access key id masked`);
  }
  tt.equal(redact('<AWSAccessKeyId>ASIAQEXAMPLE7XAMPLE4</AWSAccessKeyId>'), '<AWSAccessKeyId>ASIA…PLE4</AWSAccessKeyId>');
  tt.equal(redact('<AWSAccessKeyId>short</AWSAccessKeyId>'), '<AWSAccessKeyId>…</AWSAccessKeyId>');
  tt.equal(redact('url?X-Amz-Security-Token=abc%2Fdef&x=1'), 'url?X-Amz-Security-Token=[redacted]&x=1');
  tt.equal(redact('Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE00000TEST/20261122'), 'Authorization: [redacted]');
  tt.equal(redact('Credential=AKIDEXAMPLE00000TEST/2026, Signature=0123456789abcdef0123'), 'Credential=[redacted]/2026, Signature=[redacted]');
  // Only response headers worth keeping survive.
  const err = Object.assign(new Error('x'), { $metadata: { httpStatusCode: 403 } });
  Object.defineProperty(err, '$response', {
    value: { statusCode: 403, headers: { 'x-amz-request-id': 'R1', 'set-cookie': 'a=b', 'x-amz-bucket-region': ['eu-west-1'], 'x-amz-id-2': 7 } },
  });
  const ev = evidenceFromError(err);
  tt.same(ev.headers, { 'x-amz-request-id': 'R1', 'x-amz-bucket-region': 'eu-west-1' });
  tt.equal(ev.requestId, 'R1', 'request id from the header when the SDK had none');
});

t.test('xmlField', async (tt) => {
  tt.equal(xmlField('<Error><Code>A</Code></Error>', 'Code'), 'A');
  tt.equal(xmlField('<Error><Message></Message></Error>', 'Message'), '');
  tt.equal(xmlField('<Error><Message/></Error>', 'Message'), '');
  tt.equal(xmlField('<Error><Message>a &quot;b&quot; &amp; &lt;c&gt; &apos;d&apos; &#65;&#x42;</Message></Error>', 'Message'), 'a "b" & <c> \'d\' AB');
  tt.equal(xmlField('<Error></Error>', 'Code'), undefined);
  tt.equal(xmlField(null, 'Code'), undefined);
  tt.equal(xmlField('<ErrorResponse xmlns="x"><Error><Code>AccessDenied</Code></Error><RequestId>r</RequestId></ErrorResponse>', 'RequestId'), 'r');
});

t.test('evidence from odd throwables', async (tt) => {
  tt.same(evidenceFromError('boom'), { message: 'boom', httpStatus: null, requestId: null });
  tt.same(evidenceFromError(undefined), { message: '', httpStatus: null, requestId: null });
  tt.same(evidenceFromError(null), { message: 'null', httpStatus: null, requestId: null });
  const plain = evidenceFromError(new TypeError('bad input'));
  tt.same(plain, { name: 'TypeError', message: 'bad input', httpStatus: null, requestId: null });
  const local = classifyAws(plain, { ...BASE_CTX, operation: 'listObjects', action: 's3:ListBucket' });
  tt.same([local.kind, local.denial.stage, local.denial.source, local.denial.code], ['error', 'bucket', 'unknown', 'TypeError']);
  tt.match(local.denial.hint, /bad input/);
  const stsLocal = classifyAws({ httpStatus: null, requestId: null }, { ...BASE_CTX, service: 'sts', operation: 'assumeRole', action: 'sts:AssumeRole' });
  tt.same([stsLocal.denial.stage, stsLocal.denial.code, stsLocal.denial.message], ['assume-role', 'Error', '']);
  // A Node error wrapped as `cause`.
  const wrapped = Object.assign(new Error('fetch failed'), { cause: { code: 'EHOSTUNREACH' } });
  const ev = evidenceFromError(wrapped);
  tt.equal(ev.networkCode, 'EHOSTUNREACH');
  tt.match(classifyAws(ev, BASE_CTX).denial.hint, /no network route to the S3 endpoint of us-east-1/);
  // Credentials provider failure before any request.
  const cred = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
  const c = classifyAws(evidenceFromError(cred), { ...BASE_CTX, service: 'sts', operation: 'assumeRole', action: 'sts:AssumeRole' });
  tt.same([c.kind, c.denial.stage, c.denial.source, c.denial.code], ['error', 'credentials', 'unknown', 'CredentialsProviderError']);
  // Network codes without a dedicated hint.
  for (const [code, re] of [['EAI_AGAIN', /does not resolve/], ['EPIPE', /closed mid-request/], ['ETIMEDOUT', /--timeout/], ['ENETUNREACH', /route/], ['ERR_SOMETHING', /failed \(ERR_SOMETHING\)/]] as const) {
    tt.match(classifyAws({ httpStatus: null, requestId: null, networkCode: code }, { ...BASE_CTX, region: null }).denial.hint, re, code);
  }
  // A raw body on the cause but no status (deserializer failure before metadata).
  const noStatus = Object.assign(new Error('Deserialization error'), { $metadata: {} });
  Object.defineProperty(noStatus, '$response', { value: { statusCode: 200, headers: {}, rawBody: '<Error><Code>InternalError</Code></Error>' } });
  tt.equal(evidenceFromError(noStatus).httpStatus, 200, 'status from $response when $metadata has none');
});

// ----------------------------------------------------------------------------------------------
// Classification details that fixtures do not reach

const ev = (code: string | undefined, status: number, message = '', extra: Partial<AwsErrorEvidence> = {}): AwsErrorEvidence => ({
  ...(code ? { code } : {}),
  message,
  httpStatus: status,
  requestId: 'REQ',
  ...extra,
});
const STS_CTX: AwsErrorContext = { ...BASE_CTX, service: 'sts', operation: 'assumeRole', action: 'sts:AssumeRole' };
const CALLER = 'arn:aws:iam::111122223333:user/ci-backup';
const stsMsg = (tail: string) => `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${BASE_CTX.roleArn} ${tail}`;

t.test('parseReason', async (tt) => {
  tt.same(parseReason('... because no identity-based policy allows the s3:PutObject action'), { source: 'identity-policy', explicit: false });
  tt.same(parseReason('... with an explicit deny in an identity-based policy: arn:aws:iam::1:policy/DenyAll.'), { source: 'identity-policy', explicit: true, policyArn: 'arn:aws:iam::1:policy/DenyAll' });
  tt.same(parseReason('... because no resource control policy allows the s3:GetObject action'), { source: 'rcp', explicit: false });
  tt.same(parseReason('WITH AN EXPLICIT DENY IN A VPC ENDPOINT POLICY'), { source: 'vpc-endpoint-policy', explicit: true });
  tt.equal(parseReason('Access Denied'), null);
  tt.equal(parseReason(''), null);
});

t.test('STS denials with a reason clause', async (tt) => {
  const implicitIdentity = classifyAws(ev('AccessDenied', 403, stsMsg('because no identity-based policy allows the sts:AssumeRole action')), STS_CTX);
  tt.same([implicitIdentity.kind, implicitIdentity.denial.source, implicitIdentity.denial.explicit], ['denied', 'identity-policy', false]);
  tt.match(implicitIdentity.denial.hint, `Add sts:AssumeRole on ${BASE_CTX.roleArn} to a policy of the caller ${CALLER}`);
  const trustExplicit = classifyAws(ev('AccessDenied', 403, stsMsg('with an explicit deny in a resource-based policy')), STS_CTX);
  tt.same([trustExplicit.denial.source, trustExplicit.denial.explicit, trustExplicit.denial.rule], ['trust-policy', true, 'aws.sts.enhanced.trust-policy.explicit']);
  tt.match(trustExplicit.denial.hint, `trust policy of ${BASE_CTX.roleArn}`);
  tt.match(trustExplicit.denial.hint, `ArnNotLike aws:PrincipalArn ${CALLER}`);
  const trustImplicit = classifyAws(ev('AccessDenied', 403, stsMsg('because no resource-based policy allows the sts:AssumeRole action')), { ...STS_CTX, roleArn: null });
  tt.same([trustImplicit.denial.source, trustImplicit.denial.explicit], ['trust-policy', false]);
  tt.match(trustImplicit.denial.hint, /^The trust policy of the role does not allow the caller/);
  const scp = classifyAws(ev('AccessDenied', 403, stsMsg('with an explicit deny in a service control policy')), STS_CTX);
  tt.same([scp.denial.source, scp.denial.explicit], ['scp', true]);
  const root = classifyAws(ev('AccessDenied', 403, 'Roles may not be assumed by root accounts.'), STS_CTX);
  tt.same([root.kind, root.denial.source, root.denial.rule], ['denied', 'unknown', 'aws.sts.root']);
  // No reason clause: several documented causes, none named, so the source stays unknown.
  const bodiless = classifyAws(ev(undefined, 403), { ...STS_CTX, roleArn: null });
  tt.same([bodiless.kind, bodiless.denial.source, bodiless.denial.code, bodiless.denial.rule], ['denied', 'unknown', 'Forbidden', 'aws.sts.access-denied']);
  tt.notMatch(bodiless.denial.hint, /RGW/, 'no RGW note for a non-RGW request id');
});

t.test('other STS errors', async (tt) => {
  const cases: [AwsErrorEvidence, string, string, RegExp][] = [
    [ev('ServiceUnavailable', 503), 'endpoint', 'ServiceUnavailable', /throttling/],
    [ev('InternalFailure', 500, '', { attempts: 3 }), 'endpoint', 'InternalFailure', /after 3 attempts.*request id REQ/],
    [ev('MethodNotAllowed', 405), 'endpoint', 'MethodNotAllowed', /does not support AssumeRole/],
    [ev('MalformedPolicyDocument', 400, 'bad policy'), 'unknown', 'MalformedPolicyDocument', /session policy/],
    [ev('IDPRejectedClaim', 403, 'nope'), 'unknown', 'IDPRejectedClaim', /STS rejected AssumeRole/],
    [ev(undefined, 404), 'unknown', 'NotFound', /does not exist/],
  ];
  for (const [e, source, code, hint] of cases) {
    const got = classifyAws(e, STS_CTX);
    tt.same([got.kind, got.denial.stage, got.denial.source, got.denial.code], ['error', 'assume-role', source, code], code);
    tt.match(got.denial.hint, hint, code);
  }
});

t.test('credential problems', async (tt) => {
  const noRole = { ...BASE_CTX, roleArn: null, endpoint: 'http://127.0.0.1:9000' };
  const cases: [AwsErrorEvidence, AwsErrorContext, RegExp][] = [
    [ev('InvalidAccessKeyId', 403), noRole, /^http:\/\/127\.0\.0\.1:9000 does not know the access key of the source credentials/],
    [ev('ExpiredToken', 400), noRole, /source credentials has expired/],
    [ev('TokenRefreshRequired', 400), BASE_CTX, /expired during the run/],
    [ev('MissingAuthenticationToken', 403, 'Request is missing Authentication Token'), BASE_CTX, /rejected the authentication.*Request is missing Authentication Token/],
    [ev('IncompleteSignature', 400), STS_CTX, /source credentials \(IncompleteSignature\)/],
    [ev('AccessDenied', 403, 'Request has expired'), BASE_CTX, /rejected the authentication/],
    [ev('InvalidSignatureException', 400, 'Signature expired: 20261122T064000Z is now earlier than ...'), BASE_CTX, /clock/],
  ];
  for (const [e, ctx, hint] of cases) {
    const got = classifyAws(e, ctx);
    tt.same([got.kind, got.denial.stage, got.denial.source, got.denial.explicit], ['error', 'credentials', 'unknown', null], String(e.code));
    tt.match(got.denial.hint, hint, String(e.code));
  }
});

t.test('S3 details', async (tt) => {
  const list = { ...BASE_CTX, operation: 'listObjects' as const, action: 's3:ListBucket', prefix: '' };
  const noPrefix = classifyAws(ev('AccessDenied', 403, 'User: x is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::canary-bucket" because no identity-based policy allows the s3:ListBucket action'), list);
  tt.match(noPrefix.denial.hint, 'Add s3:ListBucket on arn:aws:s3:::canary-bucket to a policy', 'no s3:prefix condition without a prefix');
  const china = classifyAws(ev('AccessDenied', 403, 'because no identity-based policy allows the s3:PutObject action'), { ...BASE_CTX, roleArn: 'arn:aws-cn:iam::1:role/r' });
  tt.match(china.denial.hint, 'arn:aws-cn:s3:::canary-bucket/backups/*', 'partition from the role ARN');
  const caller = classifyAws(ev('AccessDenied', 403, 'User: arn:aws:iam::1:user/u is not authorized to perform: s3:PutObject because no permissions boundary allows the s3:PutObject action'), { ...BASE_CTX, roleArn: null });
  tt.match(caller.denial.hint, 'permissions boundary of the caller arn:aws:iam::1:user/u');
  const resourceNoRole = classifyAws(ev('AccessDenied', 403, 'with an explicit deny in a resource-based policy'), { ...BASE_CTX, roleArn: null });
  tt.match(resourceNoRole.denial.hint, 'aws:PrincipalArn ROLE_ARN', 'placeholder when no principal is known');
  const rcpImplicit = classifyAws(ev('AccessDenied', 403, 'because no resource control policy allows the s3:PutObject action'), BASE_CTX);
  tt.same([rcpImplicit.denial.source, rcpImplicit.denial.explicit], ['rcp', false]);
  const scpArnIdentity = classifyAws(ev('AccessDenied', 403, 'with an explicit deny in an identity-based policy: arn:aws:iam::1:policy/NoWrites'), BASE_CTX);
  tt.match(scpArnIdentity.denial.hint, '(arn:aws:iam::1:policy/NoWrites)');
  const boundaryNamed = classifyAws(ev('AccessDenied', 403, 'with an explicit deny in a permissions boundary: arn:aws:iam::1:policy/Boundary'), BASE_CTX);
  tt.match(boundaryNamed.denial.hint, '(arn:aws:iam::1:policy/Boundary)');

  const kmsPolicy = classifyAws(ev('AccessDenied', 403, 'User: x is not authorized to perform: kms:Decrypt on this resource with an explicit deny in a resource-based policy'), { ...BASE_CTX, operation: 'getObject', action: 's3:GetObject' });
  tt.same([kmsPolicy.denial.source, kmsPolicy.denial.explicit], ['kms', true]);
  tt.match(kmsPolicy.denial.hint, /refuses kms:Decrypt/);
  const kmsNotFound = classifyAws(ev('KMS.NotFoundException', 400, "Invalid keyId 'fake-key-id'"), { ...BASE_CTX, operation: 'createMultipartUpload' });
  tt.same([kmsNotFound.kind, kmsNotFound.denial.source], ['denied', 'kms']);
  const kmsBodiless = classifyAws(ev('KMS.KMSInvalidStateException', 400), BASE_CTX);
  tt.match(kmsBodiless.denial.hint, /KMS.KMSInvalidStateException/);
  tt.match(classifyAws(ev('AccessDenied', 403, 'blocked by kms: key policy'), { ...BASE_CTX, operation: 'putObject' }).denial.hint, /kms:GenerateDataKey/);
  tt.match(classifyAws(ev('AccessDenied', 403, 'forbidden by kms: key policy'), { ...BASE_CTX, operation: 'getObject' }).denial.hint, /kms:Decrypt/);

  const lockPut = classifyAws(ev('AccessDenied', 403, 'Access Denied: object is under legal hold'), { ...BASE_CTX, operation: 'putObject' });
  tt.same([lockPut.kind, lockPut.denial.source], ['denied', 'object-lock']);
  tt.match(lockPut.denial.hint, /Object Lock on bucket canary-bucket refuses s3:PutObject/);
  const lockDeleteNoKey = classifyAws(ev('AccessDenied', 403, 'Access Denied because object protected by object lock.'), { ...BASE_CTX, operation: 'deleteObject', action: 's3:DeleteObject' });
  tt.match(lockDeleteNoKey.denial.hint, /^The canary object is protected/);
  const lockConfig = classifyAws(ev('InvalidRequest', 400, 'Bucket is missing Object Lock Configuration'), BASE_CTX);
  tt.same([lockConfig.kind, lockConfig.denial.source], ['error', 'object-lock']);

  const archived = classifyAws(ev('InvalidObjectState', 403, 'The operation is not valid for the object\'s storage class'), { ...BASE_CTX, operation: 'getObject', action: 's3:GetObject' });
  tt.same([archived.kind, archived.denial.source], ['error', 'unknown']);
  const disabled = classifyAws(ev('AllAccessDisabled', 403, 'All access to this Amazon S3 resource has been disabled.'), BASE_CTX);
  tt.same([disabled.kind, disabled.denial.source, disabled.denial.code], ['denied', 'unknown', 'AllAccessDisabled']);
  const anon = classifyAws(ev('AccessDenied', 403, 'Access Denied'), { ...BASE_CTX, roleArn: null });
  tt.match(anon.denial.hint, /to the calling identity/);

  const redirectNoHints = classifyAws(ev('TemporaryRedirect', 307, 'Please re-send this request to the specified temporary endpoint.'), { ...BASE_CTX, region: null });
  tt.match(redirectNoHints.denial.hint, /not in the configured region; find its region/);
  const redirectRegion = classifyAws(ev('PermanentRedirect', 301, '', { headers: { 'x-amz-bucket-region': 'ap-south-1' } }), { ...BASE_CTX, region: null, endpoint: 'https://s3.example' });
  tt.match(redirectRegion.denial.hint, "in region ap-south-1, not the configured region: rerun with --region ap-south-1 and that region's endpoint instead of https://s3.example");
  const sameRegion400 = classifyAws(ev(undefined, 400, '', { headers: { 'x-amz-bucket-region': 'us-east-1' } }), { ...BASE_CTX, operation: 'headObject', action: 's3:GetObject' });
  tt.same([sameRegion400.denial.stage, sameRegion400.denial.code], ['object', 'BadRequest'], 'a bodiless 400 in the right region is not a region error');

  const missingHead = classifyAws(ev(undefined, 404), { ...BASE_CTX, operation: 'headObject', action: 's3:GetObject' });
  tt.same([missingHead.denial.code, missingHead.kind], ['NotFound', 'error']);
  tt.match(missingHead.denial.hint, /^The canary object is not there/);
  const noSuchUpload = classifyAws(ev('NoSuchUpload', 404), { ...BASE_CTX, operation: 'listParts' });
  tt.match(noSuchUpload.denial.hint, /the canary key/);
  const conflict = classifyAws(ev('ConditionalRequestConflict', 409), BASE_CTX);
  tt.match(conflict.denial.hint, /writing the canary key/);
  const precondGet = classifyAws(ev('PreconditionFailed', 412), { ...BASE_CTX, operation: 'getObject', action: 's3:GetObject' });
  tt.match(precondGet.denial.hint, /S3 rejected s3:GetObject with PreconditionFailed \(HTTP 412\); check/);
  const precondNoKey = classifyAws(ev('PreconditionFailed', 412), BASE_CTX);
  tt.match(precondNoKey.denial.hint, /canary key under backups\//);
  const tooMany = classifyAws(ev(undefined, 429), { ...BASE_CTX, region: null });
  tt.same([tooMany.denial.code, tooMany.denial.source], ['TooManyRequests', 'endpoint']);
  tt.match(tooMany.denial.hint, /^The default S3 endpoint is throttling/);
  const notImpl = classifyAws(ev('NotImplemented', 501, 'A header you provided implies functionality that is not implemented'), BASE_CTX);
  tt.same([notImpl.denial.code, notImpl.denial.source], ['NotImplemented', 'endpoint']);
  const teapot = classifyAws(ev(undefined, 418), BASE_CTX);
  tt.equal(teapot.denial.code, 'HTTP418');
  const badDigest = classifyAws(ev('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.'), BASE_CTX);
  tt.same([badDigest.kind, badDigest.denial.source], ['error', 'unknown']);
  tt.match(badDigest.denial.hint, /Content-MD5 you specified/);
});
