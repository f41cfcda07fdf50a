// OSS endpoint: authentication (V1 / V4 / STS token), scripted authorization, and the
// object / multipart / bucket-policy operations, all in memory.

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ossError,
  ossErrorXml,
  policyTypeForEc,
  type OssErrorName,
  type OssErrorResponse,
} from './errors.js';
import { validateBucketPolicy } from './bucket-policy-validate.js';
import { headerMap, hostnameOf, httpDate, isLoopbackOrIp, readBody, splitUrl } from './http-util.js';
import {
  parseQuery,
  parseV4Authorization,
  safeDecode,
  safeEqual,
  v1Signature,
  v1StringToSign,
  v4CanonicalRequest,
  v4Signature,
  v4StringToSign,
  type Headers,
  type QueryList,
} from './signing.js';
import { ramActionOf, type OssServerState, type Script, accountIdOf, md5Hex, objectEtag, randomHex } from './state.js';
import type { AccessDeniedDetail, Bucket, DenyRule, MultipartUpload, RequestPrincipal, StoredObject } from './types.js';
import { el, parseCompleteMultipartUpload, wrap, xmlDocument } from './xml.js';
import { OBJECT_ACLS, bucketReaderApi, conditionKeys, objectReaderApi, parseTagging, ramDecision, readerRequest } from './reader.js';
import { encodeRefusal, plainAddress, type RequestFacts } from './diagnostic.js';
import { bucketPolicyDenies } from './policy-enforce.js';
import { bucketConfig, deleteObject, forbidOverwriteApplies, overwriteBlocked, readVersion, recordWrite, versionHeaders } from './versions.js';

/** OSS minimum size of every part but the last (100 KB). */
const MIN_PART_SIZE = 100 * 1024;

interface OssContext {
  method: string;
  path: string;
  rawQuery: string;
  query: QueryList;
  q: Map<string, string>;
  headers: Headers;
  host: string;
  hostId: string;
  bucket?: string;
  key: string;
  body: Buffer;
  requestId: string;
  api: string;
  /** the address the request came from (acs:SourceIp) */
  sourceIp: string;
}

interface OssResult {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
  error?: OssErrorResponse;
}

interface AuthOutcome {
  signature: 'v1' | 'v4' | 'none';
  accessKeyId?: string;
  principal?: RequestPrincipal;
  error?: OssErrorResponse;
}

export function createOssHandler(state: OssServerState, script: Script) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const headers = headerMap(req);
    const { path, rawQuery } = splitUrl(req.url ?? '/');
    const query = parseQuery(rawQuery);
    const host = headers['host'] ?? '';
    const hostname = hostnameOf(host);
    let bucket: string | undefined;
    let key: string;
    if (isLoopbackOrIp(hostname)) {
      // path style: /bucket/key
      const rest = path.replace(/^\/+/, '');
      const slash = rest.indexOf('/');
      const b = slash < 0 ? rest : rest.slice(0, slash);
      bucket = b === '' ? undefined : safeDecode(b);
      key = slash < 0 ? '' : safeDecode(rest.slice(slash + 1));
    } else {
      // virtual-hosted style: Host: <bucket>.<endpoint>, path is the key
      bucket = hostname.split('.')[0] || undefined;
      key = safeDecode(path.replace(/^\//, ''));
    }
    const ctx: OssContext = {
      method: (req.method ?? 'GET').toUpperCase(),
      path,
      rawQuery,
      query,
      q: new Map(query),
      headers,
      host,
      hostId: hostname,
      key,
      body,
      requestId: randomHex(12),
      api: '',
      sourceIp: plainAddress(req.socket.remoteAddress),
    };
    if (bucket !== undefined) ctx.bucket = bucket;
    ctx.api = resolveApi(ctx);

    const auth = authenticate(state, ctx);
    const result = auth.error ? { status: auth.error.status, error: auth.error } : dispatch(state, script, ctx, auth);
    send(state, ctx, res, result);
    state.requests.push({
      service: 'oss',
      method: ctx.method,
      path: ctx.path,
      query: Object.fromEntries(ctx.query),
      host: ctx.host,
      ...(ctx.bucket !== undefined ? { bucket: ctx.bucket } : {}),
      ...(ctx.key !== '' ? { key: ctx.key } : {}),
      api: ctx.api,
      action: ramActionOf(ctx.api, 'oss', ctx.q.has('versionId')),
      ...(auth.principal ? { principal: auth.principal.arn } : {}),
      ...(auth.accessKeyId ? { accessKeyId: auth.accessKeyId } : {}),
      signature: auth.signature,
      status: result.status,
      ...(result.error ? { code: result.error.code, ec: result.error.ec } : {}),
      requestId: ctx.requestId,
      at: new Date(),
      ...(ctx.headers['content-md5'] !== undefined
        ? { contentMd5: { header: ctx.headers['content-md5'], matchesBody: ctx.headers['content-md5'] === createHash('md5').update(ctx.body).digest('base64') } }
        : {}),
      bodyLength: ctx.body.length,
    });
  };
}

function resolveApi(ctx: OssContext): string {
  const { method, q, bucket, key } = ctx;
  if (bucket === undefined) return 'ListBuckets';
  if (key === '') {
    if (method === 'GET' && q.has('policy')) return 'GetBucketPolicy';
    if (method === 'GET' && q.has('versioning')) return 'GetBucketVersioning';
    if (method === 'PUT' && q.has('versioning')) return 'PutBucketVersioning';
    if (method === 'GET' && q.has('versions')) return 'ListObjectVersions';
    if (method === 'GET' && q.has('worm')) return 'GetBucketWorm';
    if (method === 'POST' && q.has('worm')) return 'InitiateBucketWorm';
    if (method === 'POST' && q.has('wormId') && q.has('wormExtend')) return 'ExtendBucketWorm';
    if (method === 'POST' && q.has('wormId')) return 'CompleteBucketWorm';
    if (method === 'PUT' && q.has('policy')) return 'PutBucketPolicy';
    if (method === 'GET' && q.has('bucketInfo')) return 'GetBucketInfo';
    if (method === 'GET' && bucketReaderApi(q)) return bucketReaderApi(q) as string;
    if (method === 'GET' && q.has('uploads')) return 'ListMultipartUploads';
    if (method === 'GET' && q.get('list-type') === '2') return 'ListObjectsV2';
    if (method === 'GET' && ![...q.keys()].some((k) => !['prefix', 'delimiter', 'marker', 'max-keys', 'encoding-type'].includes(k)))
      return 'ListObjects';
    return `Unsupported${method}Bucket`;
  }
  switch (method) {
    case 'PUT':
      if (q.has('partNumber') && q.has('uploadId')) return 'UploadPart';
      if (ctx.headers['x-oss-copy-source'] !== undefined || q.size > 0) return 'UnsupportedPUTObject';
      return 'PutObject';
    case 'POST':
      if (q.has('uploads')) return 'InitiateMultipartUpload';
      if (q.has('uploadId')) return 'CompleteMultipartUpload';
      return 'UnsupportedPOSTObject';
    case 'GET':
      if (q.has('uploadId')) return 'ListParts';
      return objectReaderApi(q) ?? 'GetObject';
    case 'HEAD':
      if (q.has('objectMeta')) return 'GetObjectMeta';
      return 'HeadObject';
    case 'DELETE':
      if (q.has('uploadId')) return 'AbortMultipartUpload';
      // RAM authorises a delete with versionId as oss:DeleteObjectVersion.
      if (q.has('versionId')) return 'DeleteObjectVersion';
      return 'DeleteObject';
    default:
      return `Unsupported${method}Object`;
  }
}

// ---------------------------------------------------------------------------------------------
// authentication

function authenticate(state: OssServerState, ctx: OssContext): AuthOutcome {
  const authorization = ctx.headers['authorization'];
  if (!authorization) return { signature: 'none', error: ossError('AccessDeniedAnonymous') };

  let signature: 'v1' | 'v4';
  let accessKeyId: string;
  let provided: string;
  const v4 = authorization.startsWith('OSS4-HMAC-SHA256 ') ? parseV4Authorization(authorization) : undefined;
  if (v4) {
    signature = 'v4';
    accessKeyId = v4.accessKeyId;
    provided = v4.signature;
  } else {
    const m = /^OSS ([^:\s]+):(\S+)$/.exec(authorization);
    if (!m) {
      return { signature: 'none', error: ossError('InvalidArgumentAuthorization', [['ArgumentName', 'Authorization'], ['ArgumentValue', authorization]]) };
    }
    signature = 'v1';
    accessKeyId = m[1] as string;
    provided = m[2] as string;
  }

  // resolve the secret and principal behind the AccessKeyId
  let secret: string;
  let principal: RequestPrincipal;
  const token = ctx.headers['x-oss-security-token'];
  if (accessKeyId.startsWith('STS.')) {
    const session = state.tokens.get(accessKeyId);
    if (token === undefined) {
      return { signature, accessKeyId, error: ossError('InvalidAccessKeyId', [['OSSAccessKeyId', accessKeyId]]) };
    }
    if (!session || session.securityToken !== token) {
      const owner = [...state.tokens.values()].find((s) => s.securityToken === token);
      return {
        signature,
        accessKeyId,
        error: ossError(owner ? 'InvalidSecurityTokenMismatch' : 'InvalidSecurityToken'),
      };
    }
    if (session.expiration.getTime() <= Date.now()) {
      return { signature, accessKeyId, error: ossError('SecurityTokenExpired') };
    }
    secret = session.accessKeySecret;
    const style = state.options.assumedRoleArnStyle;
    const roleForm = `acs:ram::${session.accountId}:role/${session.roleName}/${session.sessionName}`;
    const assumedForm = `acs:ram::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`;
    principal = {
      type: 'assumed-role',
      arn: style === 'role' ? roleForm : assumedForm,
      accountId: session.accountId,
      accessKeyId,
      displayName: session.assumedRoleId,
      roleArn: session.roleArn,
      sessionName: session.sessionName,
      matchArns: [session.roleArn, roleForm, assumedForm],
    };
  } else {
    const spec = state.accessKeys.get(accessKeyId);
    if (!spec) {
      return { signature, accessKeyId, error: ossError('InvalidAccessKeyId', [['OSSAccessKeyId', accessKeyId]]) };
    }
    secret = spec.accessKeySecret;
    principal = {
      type: spec.principal.type,
      arn: spec.principal.arn,
      accountId: accountIdOf(spec.principal.arn) || spec.principal.uid,
      accessKeyId,
      displayName: spec.principal.displayName,
      matchArns: [spec.principal.arn],
    };
  }

  // verify the signature
  let requestTime: number;
  if (signature === 'v1') {
    const resource = `/${ctx.bucket !== undefined ? `${ctx.bucket}/` : ''}${ctx.key}`;
    const stringToSign = v1StringToSign(ctx.method, ctx.headers, resource, ctx.query);
    const expected = v1Signature(secret, stringToSign);
    if (!safeEqual(expected, provided)) {
      return {
        signature,
        accessKeyId,
        error: ossError('SignatureDoesNotMatchV1', [
          ['OSSAccessKeyId', accessKeyId],
          ['SignatureProvided', provided],
          ['StringToSign', stringToSign],
          ['StringToSignBytes', bytesHex(stringToSign)],
        ]),
      };
    }
    requestTime = Date.parse(ctx.headers['x-oss-date'] ?? ctx.headers['date'] ?? '');
  } else {
    const auth = v4 as NonNullable<typeof v4>;
    const timestamp = ctx.headers['x-oss-date'] ?? '';
    const missing = auth.additionalHeaders.find((h) => ctx.headers[h] === undefined);
    if (auth.product !== 'oss' || !/^\d{8}T\d{6}Z$/.test(timestamp) || !timestamp.startsWith(auth.date) || missing) {
      const bad = ossError('InvalidArgumentAuthorization', [['ArgumentName', 'Authorization'], ['ArgumentValue', authorization]]);
      return { signature, accessKeyId, error: bad };
    }
    const canonical = v4CanonicalRequest(ctx.method, ctx.headers, ctx.bucket, ctx.key, ctx.query, auth.additionalHeaders);
    const stringToSign = v4StringToSign(auth, timestamp, canonical);
    const expected = v4Signature(secret, auth, stringToSign);
    if (!safeEqual(expected, provided)) {
      return {
        signature,
        accessKeyId,
        error: ossError('SignatureDoesNotMatchV4', [
          ['OSSAccessKeyId', accessKeyId],
          ['SignatureProvided', provided],
          ['StringToSign', stringToSign],
          ['CanonicalRequest', canonical],
        ]),
      };
    }
    requestTime = Date.parse(
      `${timestamp.slice(0, 4)}-${timestamp.slice(4, 6)}-${timestamp.slice(6, 8)}T${timestamp.slice(9, 11)}:${timestamp.slice(11, 13)}:${timestamp.slice(13, 15)}Z`,
    );
  }
  if (!Number.isFinite(requestTime) || Math.abs(Date.now() - requestTime) > state.options.maxClockSkewMs) {
    return { signature, accessKeyId, principal, error: ossError('RequestTimeTooSkewed') };
  }
  return { signature, accessKeyId, principal };
}

function bytesHex(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

// ---------------------------------------------------------------------------------------------
// authorization script + dispatch

function dispatch(state: OssServerState, script: Script, ctx: OssContext, auth: AuthOutcome): OssResult {
  const principal = auth.principal as RequestPrincipal;
  if (ctx.api.startsWith('Unsupported') || ctx.api === 'ListBuckets') return err('MethodNotAllowed');
  const bucket = state.buckets.get(ctx.bucket ?? '');
  if (!bucket) return err('NoSuchBucket', [['BucketName', ctx.bucket ?? '']]);

  const action = ramActionOf(ctx.api, 'oss', ctx.q.has('versionId'));
  const target = { api: ctx.api, service: 'oss' as const, bucket: bucket.name, key: ctx.key, principal, action };
  const fault = script.takeFault(target);
  if (fault) {
    const def = ossError('ServiceUnavailable');
    return {
      status: fault.status ?? def.status,
      error: {
        status: fault.status ?? def.status,
        code: fault.code ?? def.code,
        message: fault.message ?? def.message,
        ec: fault.ec ?? def.ec,
      },
    };
  }
  const deny = script.takeDeny(target);
  if (deny) return denied(state, deny, ctx, principal, bucket);
  // The RAM policies attached to the caller's role, when the test gave any (reader.ts).
  const policies = principal.roleArn ? state.findRole(principal.roleArn)?.policies : undefined;
  if (policies) {
    const resource = `acs:oss:${bucket.region ?? 'cn-hangzhou'}:${bucket.ownerId}:${bucket.name}${ctx.key !== '' ? `/${ctx.key}` : ''}`;
    const decision = ramDecision(policies, action, resource, conditionKeys(ctx.api, ctx.q));
    if (decision !== 'allow') {
      const explicit = decision === 'explicit';
      return denied(
        state,
        {
          action,
          ec: explicit ? '0003-00000201' : '0003-00000202',
          message: explicit ? 'Access denied by bucket policy.' : 'You have no right to access this object.',
          accessDeniedDetail: { PolicyType: 'AccountLevelIdentityBasedPolicy', NoPermissionType: explicit ? 'ExplicitDeny' : 'ImplicitDeny', AuthAction: action },
        },
        ctx,
        principal,
        bucket,
      );
    }
  }
  if (state.options.enforceBucketPolicy && bucket.policy !== undefined) {
    const facts = requestFacts(state, ctx, principal);
    const match = bucketPolicyDenies(bucket.policy, { action, bucket: bucket.name, ownerId: bucket.ownerId, key: ctx.key, principal, facts });
    if (match) return denied(state, { action, ec: '0003-00000101' }, ctx, principal, bucket);
  }

  switch (ctx.api) {
    case 'PutObject':
      return putObject(bucket, ctx);
    case 'GetObject':
      return getObject(bucket, ctx, false);
    case 'HeadObject':
    case 'GetObjectMeta':
      return getObject(bucket, ctx, true);
    case 'DeleteObject':
    case 'DeleteObjectVersion':
      return deleteObject(bucket, ctx.key, ctx.q.get('versionId') ?? null);
    case 'GetBucketVersioning':
    case 'PutBucketVersioning':
    case 'ListObjectVersions':
    case 'GetBucketWorm':
    case 'InitiateBucketWorm':
    case 'CompleteBucketWorm':
    case 'ExtendBucketWorm':
      return bucketConfig(bucket, ctx.api, ctx.q, ctx.body, bucket.ownerId) ?? err('MethodNotAllowed');
    case 'ListObjectsV2':
    case 'ListObjects':
      return listObjects(bucket, ctx);
    case 'InitiateMultipartUpload':
      return initiateMultipart(bucket, ctx);
    case 'UploadPart':
      return uploadPart(bucket, ctx);
    case 'ListParts':
      return listParts(bucket, ctx);
    case 'ListMultipartUploads':
      return listUploads(bucket, ctx);
    case 'CompleteMultipartUpload':
      return completeMultipart(bucket, ctx);
    case 'AbortMultipartUpload':
      return abortMultipart(bucket, ctx);
    case 'GetBucketInfo':
      // GetBucketInfo (GET /?bucketInfo): the fields a client reads to know the bucket exists.
      return xmlOk(wrap('BucketInfo', wrap('Bucket', el('Name', bucket.name) + wrap('Owner', el('ID', bucket.ownerId)))));
    case 'PutBucketPolicy':
      return putBucketPolicy(bucket, ctx);
    case 'GetObjectTagging':
    case 'GetObjectACL':
    case 'GetBucketLocation':
    case 'GetBucketTags':
    case 'ListBucketInventory':
    case 'GetBucketInventory': {
      const obj = ctx.key !== '' ? bucket.objects.get(ctx.key) : undefined;
      if (ctx.key !== '' && !obj) return err('NoSuchKey', [['Key', ctx.key]]);
      return readerRequest(ctx.api, bucket, obj, ctx.q) ?? err('MethodNotAllowed');
    }
    case 'GetBucketPolicy':
      if (bucket.policy === undefined) return err('NoSuchBucketPolicy', [['BucketName', bucket.name]]);
      return { status: 200, headers: { 'Content-Type': 'application/json' }, body: bucket.policy };
    default:
      return err('MethodNotAllowed');
  }
}

/**
 * PutBucketPolicy (PUT /?policy, JSON body), validated as OSS documents it (bucket-policy-validate.ts:
 * 0030-00000001, -02, -05, -07, -08). 200 with an empty body otherwise.
 */
function putBucketPolicy(bucket: Bucket, ctx: OssContext): OssResult {
  const refused = validateBucketPolicy(ctx.body);
  if (refused) return err(refused.error);
  const text = ctx.body.toString('utf8');
  bucket.policy = text;
  return { status: 200 };
}

function err(name: OssErrorName, extra?: Array<[string, string]>): OssResult {
  const e = ossError(name, extra);
  return { status: e.status, error: e };
}

function requestFacts(state: OssServerState, ctx: OssContext, principal: RequestPrincipal): RequestFacts {
  return {
    sourceIp: ctx.sourceIp,
    ...(state.options.sourceVpc ? { sourceVpc: state.options.sourceVpc } : {}),
    accessKeyId: principal.accessKeyId,
    secureTransport: false,
  };
}

/**
 * A refusal, with the AccessDeniedDetail derived from the EC and the caller; its
 * EncodedDiagnosticMessage holds what this server evaluated (diagnostic.ts): the action, the
 * resource, the caller, the source address and VPC it saw, the policy type and explicit/implicit.
 */
function denied(state: OssServerState, rule: DenyRule, ctx: OssContext, principal: RequestPrincipal, bucket: Bucket): OssResult {
  const base = ossError('AccessDeniedBucketPolicy');
  const ec = rule.ec ?? base.ec;
  const status = rule.status ?? 403;
  const error: OssErrorResponse = {
    status,
    code: rule.code ?? 'AccessDenied',
    message: rule.message ?? base.message,
    ec,
  };
  if (rule.accessDeniedDetail !== false) {
    const authAction = ramActionOf(ctx.api, 'oss', ctx.q.has('versionId'));
    const detail: AccessDeniedDetail = {
      PolicyType: policyTypeForEc(ec),
      AuthPrincipalOwnerId: principal.accountId,
      AuthPrincipalType:
        principal.type === 'assumed-role' ? 'AssumedRoleUser' : principal.type === 'root' ? 'Account' : 'SubUser',
      AuthPrincipalDisplayName: principal.displayName,
      NoPermissionType: 'ExplicitDeny',
      AuthAction: authAction,
      EncodedDiagnosticMessage: '',
      ...(rule.accessDeniedDetail ?? {}),
    };
    if (!rule.accessDeniedDetail || rule.accessDeniedDetail.EncodedDiagnosticMessage === undefined) {
      detail.EncodedDiagnosticMessage = encodeRefusal(state.diagnostics, {
        detail,
        resource: `acs:oss:*:${bucket.ownerId}:${bucket.name}${ctx.key ? `/${ctx.key}` : ''}`,
        facts: requestFacts(state, ctx, principal),
      });
    }
    error.accessDeniedDetail = detail;
  }
  return { status, error };
}

// ---------------------------------------------------------------------------------------------
// objects

function forbidOverwrite(ctx: OssContext): boolean {
  return (ctx.headers['x-oss-forbid-overwrite'] ?? '').toLowerCase() === 'true';
}

/** x-oss-forbid-overwrite may only be true or false (EC 0017-00000279). */
function badForbidOverwrite(ctx: OssContext): OssResult | undefined {
  const v = ctx.headers['x-oss-forbid-overwrite'];
  if (v === undefined || ['true', 'false'].includes(v.toLowerCase())) return undefined;
  return err('InvalidForbidOverwrite', [['ArgumentName', 'x-oss-forbid-overwrite'], ['ArgumentValue', v]]);
}

function checkContentMd5(ctx: OssContext): OssResult | undefined {
  const md5 = ctx.headers['content-md5'];
  if (md5 === undefined) return undefined;
  const actual = createHash('md5').update(ctx.body).digest('base64');
  return md5 === actual ? undefined : err('InvalidDigest');
}

function putObject(bucket: Bucket, ctx: OssContext): OssResult {
  const bad = badForbidOverwrite(ctx) ?? checkContentMd5(ctx);
  if (bad) return bad;
  if (forbidOverwrite(ctx) && forbidOverwriteApplies(bucket) && bucket.objects.has(ctx.key)) return err('FileAlreadyExistsPut');
  const blocked = overwriteBlocked(bucket, ctx.key);
  if (blocked) return blocked;
  // x-oss-object-acl: one of the documented values, else 400 InvalidArgument.
  const acl = ctx.headers['x-oss-object-acl'];
  if (acl !== undefined && !OBJECT_ACLS.includes(acl)) return err('InvalidObjectAcl', [['ArgumentName', 'x-oss-object-acl'], ['ArgumentValue', acl]]);
  const tags = parseTagging(ctx.headers['x-oss-tagging']);
  const obj: StoredObject = {
    ...(acl !== undefined ? { acl } : {}),
    ...(tags ? { tags } : {}),
    key: ctx.key,
    body: ctx.body,
    etag: objectEtag(ctx.body),
    contentType: ctx.headers['content-type'] ?? 'application/octet-stream',
    lastModified: new Date(),
    type: 'Normal',
    meta: userMeta(ctx),
  };
  const versionId = recordWrite(bucket, obj);
  return {
    status: 200,
    headers: {
      ETag: obj.etag,
      'Content-MD5': createHash('md5').update(ctx.body).digest('base64'),
      ...(versionId ? { 'x-oss-version-id': versionId } : {}),
    },
  };
}

function objectHeaders(obj: StoredObject): Record<string, string> {
  return {
    'Content-Type': obj.contentType,
    ETag: obj.etag,
    'Last-Modified': httpDate(obj.lastModified),
    'x-oss-object-type': obj.type,
    'x-oss-storage-class': 'Standard',
    'Accept-Ranges': 'bytes',
  };
}

/** x-oss-meta-* request headers, as stored user metadata. */
function userMeta(ctx: OssContext): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.headers)) if (k.startsWith('x-oss-meta-') && typeof v === 'string') meta[k.slice('x-oss-meta-'.length)] = v;
  return meta;
}

function getObject(bucket: Bucket, ctx: OssContext, head: boolean): OssResult {
  const found = readVersion(bucket, ctx.key, ctx.q.get('versionId') ?? null);
  if (!('key' in found)) return found as OssResult;
  const obj = found;
  const headers = { ...objectHeaders(obj), ...versionHeaders(obj, bucket) };
  if (head) return { status: 200, headers: { ...headers, 'Content-Length': String(obj.body.length) } };
  const range = /^bytes=(\d*)-(\d*)$/.exec(ctx.headers['range'] ?? '');
  if (range && (range[1] !== '' || range[2] !== '') && obj.body.length > 0) {
    const size = obj.body.length;
    let start = range[1] === '' ? size - Number(range[2]) : Number(range[1]);
    let end = range[1] === '' || range[2] === '' ? size - 1 : Number(range[2]);
    start = Math.max(0, start);
    end = Math.min(end, size - 1);
    if (start <= end) {
      return {
        status: 206,
        headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}` },
        body: obj.body.subarray(start, end + 1),
      };
    }
  }
  return { status: 200, headers, body: obj.body };
}

function iso(d: Date): string {
  return d.toISOString();
}

function encodeToken(marker: { after: string; skipPrefix?: string }): string {
  return Buffer.from(JSON.stringify(marker)).toString('base64url');
}

function decodeToken(token: string): { after: string; skipPrefix?: string } | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown; skipPrefix?: unknown };
    if (typeof v.after !== 'string') return undefined;
    return typeof v.skipPrefix === 'string' ? { after: v.after, skipPrefix: v.skipPrefix } : { after: v.after };
  } catch {
    return undefined;
  }
}

function listObjects(bucket: Bucket, ctx: OssContext): OssResult {
  const v2 = ctx.api === 'ListObjectsV2';
  const prefix = ctx.q.get('prefix') ?? '';
  const delimiter = ctx.q.get('delimiter') ?? '';
  const maxKeysRaw = ctx.q.get('max-keys');
  const maxKeys = maxKeysRaw === undefined ? 100 : Number(maxKeysRaw);
  if (!Number.isInteger(maxKeys) || maxKeys < 0 || maxKeys > 1000) {
    return {
      status: 400,
      error: {
        status: 400,
        code: 'InvalidArgument',
        message: 'Argument max-keys must be an integer between 0 and 1000.',
        ec: '0016-00000601',
        extra: [['ArgumentName', 'max-keys'], ['ArgumentValue', maxKeysRaw ?? '']],
      },
    };
  }
  const encodeUrl = ctx.q.get('encoding-type') === 'url';
  const enc = (s: string) => (encodeUrl ? encodeURIComponent(s) : s);
  const token = v2 ? ctx.q.get('continuation-token') : undefined;
  const marker = token !== undefined ? decodeToken(token) : undefined;
  if (token !== undefined && !marker) {
    return {
      status: 400,
      error: {
        status: 400,
        code: 'InvalidArgument',
        message: 'The continuation token provided is incorrect.',
        ec: '0016-00000602',
        extra: [['ArgumentName', 'continuation-token'], ['ArgumentValue', token]],
      },
    };
  }
  const startAfter = marker?.after ?? (v2 ? ctx.q.get('start-after') : ctx.q.get('marker')) ?? '';

  const keys = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix) && k > startAfter).sort();
  const contents: StoredObject[] = [];
  const commonPrefixes: string[] = [];
  let truncated = false;
  let lastConsumed = '';
  let lastPrefix: string | undefined;
  for (const k of keys) {
    if (marker?.skipPrefix !== undefined && k.startsWith(marker.skipPrefix)) continue;
    let cp: string | undefined;
    if (delimiter !== '') {
      const rest = k.slice(prefix.length);
      const i = rest.indexOf(delimiter);
      if (i >= 0) cp = prefix + rest.slice(0, i + delimiter.length);
    }
    if (cp !== undefined && cp === lastPrefix) {
      lastConsumed = k;
      continue;
    }
    if (contents.length + commonPrefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (cp !== undefined) {
      commonPrefixes.push(cp);
      lastPrefix = cp;
    } else {
      contents.push(bucket.objects.get(k) as StoredObject);
    }
    lastConsumed = k;
  }
  const fetchOwner = !v2 || ctx.q.get('fetch-owner') === 'true';
  const contentXml = contents
    .map((o) =>
      wrap(
        'Contents',
        el('Key', enc(o.key)) +
          el('LastModified', iso(o.lastModified)) +
          el('ETag', o.etag) +
          el('Type', o.type) +
          el('Size', o.body.length) +
          el('StorageClass', 'Standard') +
          (fetchOwner ? wrap('Owner', el('ID', bucket.ownerId) + el('DisplayName', bucket.ownerId)) : ''),
      ),
    )
    .join('');
  const prefixXml = commonPrefixes.map((p) => wrap('CommonPrefixes', el('Prefix', enc(p)))).join('');
  let head = el('Name', bucket.name) + el('Prefix', enc(prefix));
  if (v2) {
    if (token !== undefined) head += el('ContinuationToken', token);
    const sa = ctx.q.get('start-after');
    if (sa !== undefined) head += el('StartAfter', enc(sa));
  } else {
    head += el('Marker', enc(ctx.q.get('marker') ?? ''));
  }
  head += el('MaxKeys', maxKeys) + el('Delimiter', enc(delimiter));
  if (encodeUrl) head += el('EncodingType', 'url');
  head += el('IsTruncated', truncated);
  if (truncated) {
    const next = lastPrefix !== undefined && lastConsumed.startsWith(lastPrefix)
      ? { after: lastConsumed, skipPrefix: lastPrefix }
      : { after: lastConsumed };
    head += v2 ? el('NextContinuationToken', encodeToken(next)) : el('NextMarker', enc(lastConsumed));
  }
  if (v2) head += el('KeyCount', contents.length + commonPrefixes.length);
  return xmlOk(wrap('ListBucketResult', head + contentXml + prefixXml));
}

function xmlOk(body: string, headers: Record<string, string> = {}): OssResult {
  return { status: 200, headers: { 'Content-Type': 'application/xml', ...headers }, body: xmlDocument(body) + '\n' };
}

// ---------------------------------------------------------------------------------------------
// multipart

function findUpload(bucket: Bucket, ctx: OssContext): MultipartUpload | undefined {
  const id = ctx.q.get('uploadId') ?? '';
  const up = bucket.uploads.get(id);
  return up && up.key === ctx.key ? up : undefined;
}

function noSuchUpload(ctx: OssContext): OssResult {
  return err('NoSuchUpload', [['UploadId', ctx.q.get('uploadId') ?? '']]);
}

function initiateMultipart(bucket: Bucket, ctx: OssContext): OssResult {
  const upload: MultipartUpload = {
    uploadId: randomHex(16),
    bucket: bucket.name,
    key: ctx.key,
    initiated: new Date(),
    contentType: ctx.headers['content-type'] ?? 'application/octet-stream',
    parts: new Map(),
    meta: userMeta(ctx),
  };
  bucket.uploads.set(upload.uploadId, upload);
  return xmlOk(
    wrap(
      'InitiateMultipartUploadResult',
      el('Bucket', bucket.name) + el('Key', ctx.key) + el('UploadId', upload.uploadId),
    ),
  );
}

function uploadPart(bucket: Bucket, ctx: OssContext): OssResult {
  const upload = findUpload(bucket, ctx);
  if (!upload) return noSuchUpload(ctx);
  const raw = ctx.q.get('partNumber') ?? '';
  const partNumber = Number(raw);
  if (!/^\d+$/.test(raw) || partNumber < 1 || partNumber > 10000) {
    return err('InvalidPartNumber', [['ArgumentName', 'partNumber'], ['ArgumentValue', raw]]);
  }
  const bad = checkContentMd5(ctx);
  if (bad) return bad;
  const etag = objectEtag(ctx.body);
  upload.parts.set(partNumber, { partNumber, body: ctx.body, etag, lastModified: new Date() });
  return { status: 200, headers: { ETag: etag } };
}

function listParts(bucket: Bucket, ctx: OssContext): OssResult {
  const upload = findUpload(bucket, ctx);
  if (!upload) return noSuchUpload(ctx);
  const maxParts = Math.min(Number(ctx.q.get('max-parts') ?? 1000) || 1000, 1000);
  const markerRaw = ctx.q.get('part-number-marker');
  const marker = Number(markerRaw ?? 0) || 0;
  const all = [...upload.parts.values()].filter((p) => p.partNumber > marker).sort((a, b) => a.partNumber - b.partNumber);
  const page = all.slice(0, maxParts);
  const truncated = all.length > page.length;
  const next = page.length > 0 ? (page[page.length - 1] as { partNumber: number }).partNumber : marker;
  const partsXml = page
    .map((p) =>
      wrap(
        'Part',
        el('PartNumber', p.partNumber) + el('LastModified', iso(p.lastModified)) + el('ETag', p.etag) + el('Size', p.body.length),
      ),
    )
    .join('');
  return xmlOk(
    wrap(
      'ListPartsResult',
      el('Bucket', bucket.name) +
        el('Key', upload.key) +
        el('UploadId', upload.uploadId) +
        el('PartNumberMarker', marker) +
        el('NextPartNumberMarker', next) +
        el('MaxParts', maxParts) +
        el('IsTruncated', truncated) +
        partsXml,
    ),
  );
}

function listUploads(bucket: Bucket, ctx: OssContext): OssResult {
  const prefix = ctx.q.get('prefix') ?? '';
  const keyMarker = ctx.q.get('key-marker') ?? '';
  const uploadIdMarker = ctx.q.get('upload-id-marker') ?? '';
  const maxUploads = Math.min(Number(ctx.q.get('max-uploads') ?? 1000) || 1000, 1000);
  const all = [...bucket.uploads.values()]
    .filter((u) => u.key.startsWith(prefix))
    .filter((u) => u.key > keyMarker || (u.key === keyMarker && uploadIdMarker !== '' && u.uploadId > uploadIdMarker))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated.getTime() - b.initiated.getTime()));
  const page = all.slice(0, maxUploads);
  const truncated = all.length > page.length;
  const last = page[page.length - 1];
  const uploadsXml = page
    .map((u) => wrap('Upload', el('Key', u.key) + el('UploadId', u.uploadId) + el('Initiated', iso(u.initiated))))
    .join('');
  return xmlOk(
    wrap(
      'ListMultipartUploadsResult',
      el('Bucket', bucket.name) +
        el('KeyMarker', keyMarker) +
        el('UploadIdMarker', uploadIdMarker) +
        el('NextKeyMarker', truncated && last ? last.key : '') +
        el('NextUploadIdMarker', truncated && last ? last.uploadId : '') +
        el('Delimiter', ctx.q.get('delimiter') ?? '') +
        el('Prefix', prefix) +
        el('MaxUploads', maxUploads) +
        el('IsTruncated', truncated) +
        uploadsXml,
    ),
  );
}

function normalizeEtag(etag: string): string {
  return etag.replace(/^"|"$/g, '').toUpperCase();
}

function completeMultipart(bucket: Bucket, ctx: OssContext): OssResult {
  const upload = findUpload(bucket, ctx);
  if (!upload) return noSuchUpload(ctx);
  const parts = parseCompleteMultipartUpload(ctx.body.toString('utf8'));
  if (!parts) return err('MalformedXML');
  for (let i = 1; i < parts.length; i++) {
    if ((parts[i] as { partNumber: number }).partNumber <= (parts[i - 1] as { partNumber: number }).partNumber) {
      return err('InvalidPartOrder');
    }
  }
  const chosen = [];
  for (const p of parts) {
    const stored = upload.parts.get(p.partNumber);
    if (!stored || normalizeEtag(stored.etag) !== normalizeEtag(p.etag)) {
      return err('InvalidPart', [['PartNumber', String(p.partNumber)], ['ETag', p.etag]]);
    }
    chosen.push(stored);
  }
  for (let i = 0; i < chosen.length - 1; i++) {
    const p = chosen[i] as { body: Buffer; partNumber: number };
    if (p.body.length < MIN_PART_SIZE) {
      return err('EntityTooSmall', [
        ['ProposedSize', String(p.body.length)],
        ['MinSizeAllowed', String(MIN_PART_SIZE)],
        ['PartNumber', String(p.partNumber)],
      ]);
    }
  }
  const badHeader = badForbidOverwrite(ctx);
  if (badHeader) return badHeader;
  if (forbidOverwrite(ctx) && forbidOverwriteApplies(bucket) && bucket.objects.has(upload.key)) return err('FileAlreadyExistsComplete');
  const blocked = overwriteBlocked(bucket, upload.key);
  if (blocked) return blocked;
  const body = Buffer.concat(chosen.map((p) => p.body));
  const md5s = Buffer.concat(chosen.map((p) => Buffer.from(normalizeEtag(p.etag), 'hex')));
  const etag = `"${md5Hex(md5s).toUpperCase()}-${chosen.length}"`;
  const versionId = recordWrite(bucket, {
    key: upload.key,
    body,
    etag,
    contentType: upload.contentType,
    lastModified: new Date(),
    type: 'Multipart',
    meta: upload.meta ?? {},
  });
  bucket.uploads.delete(upload.uploadId);
  const location = `http://${ctx.host}/${upload.key}`;
  return xmlOk(
    wrap(
      'CompleteMultipartUploadResult',
      el('Location', location) + el('Bucket', bucket.name) + el('Key', upload.key) + el('ETag', etag),
    ),
    { ETag: etag, ...(versionId ? { 'x-oss-version-id': versionId } : {}) },
  );
}

function abortMultipart(bucket: Bucket, ctx: OssContext): OssResult {
  const upload = findUpload(bucket, ctx);
  if (!upload) return noSuchUpload(ctx);
  bucket.uploads.delete(upload.uploadId);
  return { status: 204 };
}

// ---------------------------------------------------------------------------------------------
// response

function send(state: OssServerState, ctx: OssContext, res: ServerResponse, result: OssResult): void {
  const headers: Record<string, string> = {
    Server: 'AliyunOSS',
    Date: httpDate(),
    'x-oss-request-id': ctx.requestId,
    'x-oss-server-time': '0',
    ...(result.headers ?? {}),
  };
  let body: Buffer | string | undefined = result.body;
  if (result.error) {
    const xml = ossErrorXml(result.error, ctx.requestId, ctx.hostId);
    headers['x-oss-ec'] = result.error.ec;
    if (ctx.method === 'HEAD') {
      // HEAD responses carry no body: only the status, x-oss-ec and (optionally) x-oss-err.
      if (state.options.sendOssErrOnHead) headers['x-oss-err'] = Buffer.from(xml).toString('base64');
      headers['Content-Length'] = '0';
      body = undefined;
    } else {
      headers['Content-Type'] = 'application/xml';
      body = xml;
    }
  }
  if (body !== undefined && ctx.method !== 'HEAD') headers['Content-Length'] = String(Buffer.byteLength(body));
  else if (headers['Content-Length'] === undefined) headers['Content-Length'] = '0';
  res.writeHead(result.status, headers);
  res.end(ctx.method === 'HEAD' ? undefined : body);
}
