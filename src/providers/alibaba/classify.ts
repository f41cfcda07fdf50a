// Turns whatever ali-oss or @alicloud/sts20150401 threw into a classified Denial: an authorization
// refusal (`denied`) or something that kept the probe from testing (`error`), at which stage, which
// kind of policy said no, and what an OSS user should do about it.
//
// Evidence order: the EC code and AccessDeniedDetail (PolicyType, NoPermissionType) first, the
// service's Code next, the message last. OSS messages can mislead ("... because of bucket policy."
// on a RAM deny); the EC does not. A response that names no policy leaves the source `unknown`.

import type { Operation } from '../../core/adapter.js';
import type { Denial, DenialSource, DenialStage } from '../../core/model.js';
import { isBucketLevel, levelOf } from '../../core/checks.js';
import { own } from '../../core/own.js';

export interface AlibabaErrorContext {
  service: 'sts' | 'oss';
  operation: Operation;
  /** e.g. oss:PutObject */
  action: string;
  bucket: string;
  key?: string;
  prefix: string;
  /** The role being assumed (STS) or whose session made the request (OSS); null without a role. */
  roleArn: string | null;
  region: string | null;
  /** Where the request went: a URL or host. */
  endpoint: string;
  /** STS session duration, for the expired-token hint. */
  durationSeconds?: number;
  /** Whether the source credentials carry a security token themselves. */
  sourceHasToken?: boolean;
}

/** What an error tells, whichever SDK threw it. Nothing secret is kept. */
export interface AlibabaErrorEvidence {
  name?: string;
  code?: string;
  message: string;
  httpStatus: number | null;
  requestId: string | null;
  ec?: string;
  recommendDoc?: string;
  accessDeniedDetail?: Record<string, string>;
  /** OSS: the error XML (from the body, or from x-oss-err on HEAD), redacted. */
  rawBody?: string;
  /** OSS: the <Endpoint> of a wrong-endpoint answer. */
  endpoint?: string;
  networkCode?: string;
  attempts?: number;
}

/** Thrown when no source credentials can be loaded (see credentials.ts). */
export class SourceCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceCredentialsError';
  }
}

/** Kept by the wrapped ali-oss `requestError` (see adapter.ts) on the error it returns. */
export interface OssRawResponse {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** The system error code (ECONNREFUSED, ...) that ali-oss replaces with the urllib error name. */
  sysCode?: string;
}

export const RAW_KEY = 'backupCanaryRaw';

// ---------------------------------------------------------------------------------------------
// Evidence

function decodeXml(text: string): string {
  return text
    .replace(/&#x([0-9a-fA-F]+);/g, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_m, dec: string) => String.fromCodePoint(parseInt(dec, 10)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Text of the first `<name>` element; '' when empty, undefined when absent. */
export function xmlField(xml: string | null | undefined, name: string): string | undefined {
  if (!xml) return undefined;
  const m = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}>)`).exec(xml);
  if (!m) return undefined;
  return decodeXml((m[1] ?? '').trim());
}

/** The flat children of `<AccessDeniedDetail>`. */
function detailFromXml(xml: string | undefined): Record<string, string> | undefined {
  const inner = /<AccessDeniedDetail>([\s\S]*?)<\/AccessDeniedDetail>/.exec(xml ?? '')?.[1];
  if (inner === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const m of inner.matchAll(/<(\w+)>([\s\S]*?)<\/\1>/g)) out[m[1]!] = decodeXml(m[2]!.trim());
  return Object.keys(out).length ? out : undefined;
}

/**
 * Error elements that carry signing material: SignatureDoesNotMatch echoes the string to sign, which
 * for V1 holds the x-oss-security-token header, and V4 adds the canonical request.
 */
const SECRET_ELEMENTS = ['StringToSign', 'StringToSignBytes', 'CanonicalRequest', 'SignatureProvided'];

function maskKey(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…';
}

/** Remove signing material and credentials from a raw body or a message. */
export function redact(text: string): string {
  let out = text;
  for (const el of SECRET_ELEMENTS) out = out.replace(new RegExp(`<(${el})>[\\s\\S]*?</\\1>`, 'g'), '<$1>[redacted]</$1>');
  out = out.replace(/<(OSSAccessKeyId)>([\s\S]*?)<\/OSSAccessKeyId>/g, (_m, el: string, id: string) => `<${el}>${maskKey(id.trim())}</${el}>`);
  out = out.replace(/(x-(?:oss|acs)-security-token[=:]\s*)[^\s&<"]+/gi, '$1[redacted]');
  out = out.replace(/(Authorization:\s*)[^\n<]+/gi, '$1[redacted]');
  // Alibaba OpenAPI echoes its string to sign after the message.
  out = out.replace(/\s*server string to sign is:[\s\S]*$/i, ' (string to sign redacted)');
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function isSystemCode(code: string | undefined): code is string {
  return !!code && /^(E[A-Z0-9_]+|ERR_[A-Z0-9_]+|[A-Z_]*CERT[A-Z_]*|UNABLE_TO_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/.test(code);
}

const TIMEOUT_NAMES = new Set(['ResponseTimeoutError', 'ConnectionTimeoutError', 'SocketAssignTimeoutError', 'RequestTimeoutError', 'TimeoutError']);

function networkCodeOf(name: string | undefined, code: string | undefined, sysCode?: string): string | undefined {
  if (isSystemCode(sysCode)) return sysCode;
  if (isSystemCode(code)) return code;
  if (name && TIMEOUT_NAMES.has(name)) return 'TimeoutError';
  if (name === 'AbortError') return name;
  return undefined;
}

/** ali-oss's own texts when the response had no error body. */
function placeholder(message: string): boolean {
  return /^Unknow(n)? error, status: \d+$|^unknow request error, status: -?\d+$|^Object not exists$|^Pre condition failed$/i.test(message);
}

/**
 * Evidence from an ali-oss error. ali-oss keeps `code`, `status`, `requestId`, `hostId` and `ecCode`
 * but drops RecommendDoc and AccessDeniedDetail; the wrapped `requestError` (adapter.ts) stores the
 * raw XML (or the decoded `x-oss-err` header of a HEAD) and the response headers under RAW_KEY.
 */
export function evidenceFromOssError(err: unknown): AlibabaErrorEvidence {
  if (typeof err !== 'object' || err === null) return { message: redact(String(err ?? '')), httpStatus: null, requestId: null };
  const e = err as Record<string, unknown>;
  const raw = (e[RAW_KEY] ?? {}) as OssRawResponse;
  const status = typeof e.status === 'number' ? e.status : raw.status;
  const httpStatus = typeof status === 'number' && status >= 100 ? status : null;
  const headers = raw.headers ?? {};
  const body = raw.body ? redact(raw.body) : undefined;
  const name = str(e.name);
  const ev: AlibabaErrorEvidence = { httpStatus, requestId: null, message: '' };
  if (name) ev.name = name;
  if (body) ev.rawBody = body;

  const sdkCode = str(e.code);
  const code = xmlField(body, 'Code') || (httpStatus !== null ? sdkCode : undefined);
  if (code) ev.code = code;
  const xmlMessage = xmlField(body, 'Message');
  const sdkMessage = str(e.message) ?? '';
  if (xmlMessage !== undefined) ev.message = redact(xmlMessage);
  else if (httpStatus !== null && !placeholder(sdkMessage)) ev.message = redact(sdkMessage);
  else if (httpStatus === null) ev.message = redact(sdkMessage.split('\n')[0]!.replace(/, (GET|PUT|POST|HEAD|DELETE) https?:\/\/.*$/, ''));
  ev.requestId = xmlField(body, 'RequestId') || str(e.requestId) || headers['x-oss-request-id'] || null;
  const ec = xmlField(body, 'EC') || str(e.ecCode) || headers['x-oss-ec'];
  if (ec) ev.ec = ec;
  const doc = xmlField(body, 'RecommendDoc');
  if (doc) ev.recommendDoc = doc;
  const detail = detailFromXml(body);
  if (detail) ev.accessDeniedDetail = detail;
  const endpoint = xmlField(body, 'Endpoint');
  if (endpoint) ev.endpoint = endpoint;
  if (httpStatus === null) {
    const net = networkCodeOf(name, sdkCode, raw.sysCode);
    if (net) ev.networkCode = net;
  }
  return ev;
}

/**
 * Evidence from an @alicloud/openapi-core error: ClientError / ServerError / ThrottlingError carry
 * `code`, `statusCode`, `requestId`, `data` (the whole JSON body: Code, Message, Recommend, ...) and
 * `accessDeniedDetail`; a network failure is the plain Node error.
 */
export function evidenceFromStsError(err: unknown): AlibabaErrorEvidence {
  if (typeof err !== 'object' || err === null) return { message: redact(String(err ?? '')), httpStatus: null, requestId: null };
  const e = err as Record<string, unknown>;
  const data = (typeof e.data === 'object' && e.data !== null ? e.data : {}) as Record<string, unknown>;
  const httpStatus = typeof e.statusCode === 'number' ? e.statusCode : null;
  const name = str(e.name);
  const ev: AlibabaErrorEvidence = { httpStatus, requestId: null, message: '' };
  if (name) ev.name = name;
  const code = str(data.Code) ?? (httpStatus !== null ? str(e.code) : undefined);
  if (code) ev.code = code;
  const message = str(data.Message) ?? str(e.message)?.replace(/^code: \d+, /, '').replace(/ request id: \S+$/, '') ?? '';
  ev.message = redact(httpStatus === null ? message.replace(/(POST|GET) https?:\/\/\S+ failed\.$/, '').trim() : message);
  ev.requestId = str(data.RequestId) ?? (str(e.requestId) !== 'undefined' ? str(e.requestId) : undefined) ?? null;
  const recommend = str(data.Recommend);
  if (recommend) ev.recommendDoc = recommend;
  const detail = e.accessDeniedDetail ?? data.AccessDeniedDetail;
  if (detail && typeof detail === 'object') {
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(detail as Record<string, unknown>)) if (v !== undefined && v !== null) flat[k] = String(v);
    if (Object.keys(flat).length) ev.accessDeniedDetail = flat;
  }
  if (httpStatus === null) {
    const net = networkCodeOf(name, str(e.code));
    if (net) ev.networkCode = net;
  }
  return ev;
}

// ---------------------------------------------------------------------------------------------
// Classification

type Kind = 'denied' | 'error';
export type Classified = { kind: Kind; denial: Denial };
type Make = (kind: Kind, stage: DenialStage, source: DenialSource, explicit: boolean | null, hint: string, code?: string) => Classified;

/** Bucket- (or account-) level operations, from the check catalog (src/core/checks.ts). */
const BUCKET_OPERATIONS = { has: (op: Operation) => isBucketLevel(op) };

function statusName(status: number): string {
  const names: Record<number, string> = {
    400: 'BadRequest',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    412: 'PreconditionFailed',
    429: 'TooManyRequests',
    500: 'InternalError',
    502: 'BadGateway',
    503: 'ServiceUnavailable',
    504: 'GatewayTimeout',
  };
  return names[status] ?? `HTTP${status}`;
}

/** EC codes whose policy type is documented (OSS EC troubleshooting pages). */
const EC_SOURCE: Record<string, DenialSource> = {
  '0003-00000101': 'resource-policy',
  '0003-00000201': 'identity-policy',
  '0003-00000301': 'session-policy',
  '0003-00000007': 'acl',
};

/** AccessDeniedDetail.PolicyType to a source. */
function sourceOfPolicyType(t: string | undefined): DenialSource | null {
  if (!t) return null;
  if (/bucket/i.test(t)) return 'resource-policy';
  if (/session/i.test(t)) return 'session-policy';
  if (/control/i.test(t)) return 'scp';
  if (/vpc|endpoint/i.test(t)) return 'vpc-endpoint-policy';
  if (/identity|ram/i.test(t)) return 'identity-policy';
  if (/acl/i.test(t)) return 'acl';
  return null;
}

function explicitOf(detail: Record<string, string> | undefined): boolean | null {
  const t = detail?.NoPermissionType;
  if (t === 'ExplicitDeny') return true;
  if (t === 'ImplicitDeny') return false;
  return null;
}

function accountOf(roleArn: string | null): string {
  return /^acs:ram::(\d+):/.exec(roleArn ?? '')?.[1] ?? '*';
}

function objectResource(ctx: AlibabaErrorContext): string {
  return `acs:oss:*:${accountOf(ctx.roleArn)}:${ctx.bucket}/${ctx.prefix}*`;
}

function bucketResource(ctx: AlibabaErrorContext): string {
  return `acs:oss:*:${accountOf(ctx.roleArn)}:${ctx.bucket}`;
}

/** What a RAM grant for this action must name. */
function grantFor(ctx: AlibabaErrorContext): string {
  if (ctx.action === 'oss:ListObjects' && ctx.prefix) return `${bucketResource(ctx)} (condition StringLike oss:Prefix "${ctx.prefix}*")`;
  if (levelOf(ctx.operation) === 'service') return `acs:oss:*:${accountOf(ctx.roleArn)}:*`;
  if (BUCKET_OPERATIONS.has(ctx.operation)) return bucketResource(ctx);
  return objectResource(ctx);
}

function subjectOf(ctx: AlibabaErrorContext): string {
  return ctx.roleArn ? `role ${ctx.roleArn}` : 'the source credentials';
}

function idNote(ev: AlibabaErrorEvidence): string {
  return ev.requestId ? ` (request id ${ev.requestId})` : '';
}

function afterAttempts(ev: AlibabaErrorEvidence): string {
  return ev.attempts && ev.attempts > 1 ? ` after ${ev.attempts} attempts` : '';
}

function roleName(arn: string | null): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : 'the role';
}

/** Decide denied vs error and fill every Denial field, OSS evidence included. */
export function classifyAlibaba(ev: AlibabaErrorEvidence, ctx: AlibabaErrorContext): Classified {
  const message = ev.message ?? '';
  const status = ev.httpStatus;
  const fallbackCode = status === null ? (ev.networkCode ?? ev.code ?? ev.name ?? 'Error') : ev.code || statusName(status);
  const make: Make = (kind, stage, source, explicit, hint, code = fallbackCode) => {
    const denial: Denial = { stage, source, explicit, code, message, httpStatus: status, requestId: ev.requestId, hint };
    if (ev.ec) denial.ec = ev.ec;
    if (ev.recommendDoc) denial.recommendDoc = ev.recommendDoc;
    if (ev.accessDeniedDetail) denial.accessDeniedDetail = ev.accessDeniedDetail;
    return { kind, denial };
  };

  if (status === null) {
    if (ev.name === 'SourceCredentialsError') {
      return make('error', 'credentials', 'unknown', null,
        `No usable source credentials were found: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, a profile in ~/.aliyun/config.json or ~/.alibabacloud/credentials (--profile), an ECS RAM role, or RRSA/OIDC (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE)${ctx.roleArn ? ` before assuming ${ctx.roleArn}` : ''}.`,
        'NoSourceCredentials');
    }
    if (ev.networkCode) return make('error', 'network', 'endpoint', null, networkHint(ev.networkCode, ctx));
    const stage: DenialStage = ctx.service === 'sts' ? 'assume-role' : BUCKET_OPERATIONS.has(ctx.operation) ? 'bucket' : 'object';
    return make('error', stage, 'unknown', null,
      `${ctx.action} failed before reaching ${ctx.endpoint} (${fallbackCode}${message ? `: ${message}` : ''}); rerun, and report it if it persists.`);
  }
  if (ctx.service === 'sts') return classifySts(ev, ctx, fallbackCode, message, make);
  return classifyOss(ev, ctx, fallbackCode, message, make);
}

const OSS_CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidSecurityToken',
  'SecurityTokenExpired',
  'RequestTimeTooSkewed',
  'AccessKeyDisabled',
]);

function classifyOss(ev: AlibabaErrorEvidence, ctx: AlibabaErrorContext, code: string, message: string, make: Make): Classified {
  const status = ev.httpStatus!;
  const ec = ev.ec ?? '';
  const stage: DenialStage = BUCKET_OPERATIONS.has(ctx.operation) ? 'bucket' : 'object';
  const subject = subjectOf(ctx);

  // --- Credentials: key, token, signature, clock (EC family 0002) --------------------------
  // Kind `error`: with these credentials nothing was tested, so no policy is to blame.
  if (ec.startsWith('0002-') || OSS_CREDENTIAL_CODES.has(code)) {
    return make('error', 'credentials', 'unknown', null, ossCredentialHint(ev, ctx, code));
  }

  // --- Wrong endpoint or region -----------------------------------------------------------
  if (ev.endpoint || /must be addressed using the specified endpoint/i.test(message) || code === 'PermanentRedirect') {
    return make('error', 'bucket', 'endpoint', null,
      `Bucket ${ctx.bucket} is not served at ${ctx.endpoint}${ev.endpoint ? `; OSS names ${ev.endpoint}` : ''}: OSS buckets live in one region, so rerun with that region (--region${ev.endpoint ? ` ${regionOfEndpoint(ev.endpoint) ?? ''}`.trimEnd() : ''}) or --endpoint.`);
  }

  // --- Authorization refusals ----------------------------------------------------------------
  if (status === 403 || code === 'AccessDenied' || ec.startsWith('0003-')) {
    return ossDenied(ev, ctx, code, message, stage, subject, make);
  }

  // --- Everything else: answered, but not a refusal ---------------------------------------
  if (code === 'FileAlreadyExists') {
    return make('error', 'object', 'unknown', null,
      `An object already exists at the canary key ${ctx.key ?? `under ${ctx.prefix}`}; x-oss-forbid-overwrite made OSS refuse to write over it, so it is untouched and backup-canary will not delete it. Find what wrote it (canary keys are unique per run) and rerun.`);
  }
  if (code === 'NoSuchBucket') {
    return make('error', 'bucket', 'endpoint', null,
      `Bucket ${ctx.bucket} does not exist at ${ctx.endpoint}; check the bucket name and its region (--region, --endpoint).`);
  }
  if (code === 'NoSuchKey') {
    return make('error', 'object', 'unknown', null,
      `The canary object${ctx.key ? ` ${ctx.key}` : ''} is not there for ${ctx.action}: an earlier step did not create it, or something (a lifecycle rule, another process) removed it.`);
  }
  if (code === 'NoSuchUpload') {
    return make('error', 'object', 'unknown', null,
      `The multipart upload of ${ctx.key ?? 'the canary key'} no longer exists (completed, aborted, or removed by a lifecycle rule); rerun the probe.`);
  }
  if (code === 'EntityTooSmall') {
    return make('error', 'object', 'unknown', null,
      `OSS refuses parts other than the last below 100 KB; raise --part-size.`);
  }
  if (code === 'MethodNotAllowed' || code === 'NotImplemented' || status === 405 || status === 501) {
    return make('error', stage, 'endpoint', null,
      `${ctx.endpoint} does not support ${ctx.action} (${code}); check that --endpoint points at OSS.`);
  }
  if (/Throttl|SlowDown|ServiceUnavailable/i.test(code) || status === 429 || status === 503) {
    return make('error', stage, 'endpoint', null,
      `OSS at ${ctx.endpoint} is throttling or unavailable (${code}, HTTP ${status})${afterAttempts(ev)}; rerun later or with fewer runs in parallel.`);
  }
  if (status >= 500) {
    return make('error', stage, 'endpoint', null,
      `OSS at ${ctx.endpoint} failed with HTTP ${status} ${code}${afterAttempts(ev)}; rerun, and if it persists report it to Alibaba Cloud support${idNote(ev)}.`);
  }
  return make('error', stage, 'unknown', null,
    `OSS rejected ${ctx.action} with ${code} (HTTP ${status}${ev.ec ? `, EC ${ev.ec}` : ''})${message ? `: ${message}` : ''}; check the request settings${idNote(ev)}.`);
}

function ossDenied(
  ev: AlibabaErrorEvidence,
  ctx: AlibabaErrorContext,
  code: string,
  message: string,
  stage: DenialStage,
  subject: string,
  make: Make,
): Classified {
  const ec = ev.ec ?? '';
  const detail = ev.accessDeniedDetail;
  const explicit = explicitOf(detail);
  const action = detail?.AuthAction || ctx.action;
  const ecNote = ec ? ` (EC ${ec})` : '';
  const explain = 'run with --explain to name the statement';

  // 1. the EC, 2. AccessDeniedDetail.PolicyType, 3. the message.
  let source: DenialSource | null = own(EC_SOURCE, ec) ?? sourceOfPolicyType(detail?.PolicyType);
  if (!source) {
    if (/VPC endpoint policy/i.test(message)) source = 'vpc-endpoint-policy';
    else if (/\bkms\b/i.test(message) || /^Kms/i.test(code)) source = 'kms';
    else if (/authorizer'?s policy/i.test(message)) source = 'session-policy';
    else if (/\b(bucket|object) acl\b/i.test(message) || /public access/i.test(message)) source = 'acl';
    else if (/bucket policy/i.test(message)) source = 'resource-policy';
  }

  if (/^0003-0000050[123]$/.test(ec) || /referer/i.test(message)) {
    // Hotlink protection: no DenialSource names it; the EC is exact, so the hint says it.
    return make('denied', stage, 'unknown', null,
      `The hotlink protection (Referer whitelist/blacklist) of bucket ${ctx.bucket} refused this request${ecNote}; backup clients send no Referer: allow empty Referers in the bucket's hotlink protection, or list the backup path there.`);
  }
  if (ec === '0003-00000905') {
    return make('denied', stage, source ?? 'identity-policy', explicit,
      `${capital(subject)} lacks the permission a request header needs${ecNote} (${message || 'e.g. x-oss-tagging needs oss:PutObjectTagging'}); add that action for ${grantFor(ctx)} in the RAM console.`);
  }
  if (/does not belong to you/i.test(message)) {
    return make('denied', stage, 'unknown', null,
      `OSS says bucket ${ctx.bucket} does not belong to the account of ${subject}${ecNote}: check the bucket name, or grant the role access in the bucket owner's bucket policy.`);
  }

  switch (source) {
    case 'resource-policy':
      if (explicit === false) {
        return make('denied', stage, 'resource-policy', false,
          `The bucket policy of ${ctx.bucket} does not grant ${action} to ${subject}${ecNote}: grant it in the role's RAM policy (same account) or add an Allow statement for the role's account UID on ${objectResource(ctx)} to the bucket policy (another account).`);
      }
      return make('denied', stage, 'resource-policy', explicit,
        `A Deny statement in the bucket policy of ${ctx.bucket} matches ${action} by ${subject}${ecNote}, typically a condition such as acs:SourceIp or acs:SourceVpc that admits only office or VPC networks. Keep that restriction and add an exception for the backup role rather than removing it: exclude ${ctx.bucket}/${ctx.prefix}* from that statement's Resource, or add the network the backup runs from to its acs:SourceIp/acs:SourceVpc values (OSS bucket policies have no principal-ARN condition key to exempt ${roleName(ctx.roleArn)} by name); ${explain}.`);
    case 'identity-policy':
      if (explicit === true) {
        return make('denied', stage, 'identity-policy', true,
          `A Deny statement in a RAM policy of ${subject} matches ${action} on ${grantFor(ctx)}${ecNote}; in the RAM console (Identities > Roles > ${roleName(ctx.roleArn)} > Permissions) narrow that Deny or exclude the backup prefix, instead of adding Allows; ${explain}.`);
      }
      if (explicit === false) {
        return make('denied', stage, 'identity-policy', false,
          `No RAM policy of ${subject} allows ${action}${ecNote}: in the RAM console attach a policy to ${roleName(ctx.roleArn)} allowing ${action} on ${grantFor(ctx)}.`);
      }
      return make('denied', stage, 'identity-policy', null,
        `The RAM policies of ${subject} refuse ${action}${ecNote}; OSS did not say whether a Deny matched or no Allow did: look for a Deny covering ${grantFor(ctx)}, else attach a policy allowing ${action} on it; ${explain}.`);
    case 'session-policy':
      return make('denied', stage, 'session-policy', explicit,
        explicit === true
          ? `A Deny in the session policy passed to AssumeRole (--session-policy) matches ${action}${ecNote}; remove it from the session policy.`
          : `The session policy passed to AssumeRole (--session-policy) does not allow ${action}${ecNote}; add ${action} on ${grantFor(ctx)} to it (a session policy only narrows the role), or pass none.`);
    case 'scp':
      return make('denied', stage, 'scp', explicit,
        `A control policy of the Resource Directory denies ${action} for this account${ecNote}; ask the Resource Directory administrators for an exception for ${subject} (RAM and bucket policies cannot override it).`);
    case 'vpc-endpoint-policy':
      return make('denied', stage, 'vpc-endpoint-policy', explicit,
        `The policy of the VPC endpoint (PrivateLink) this request went through does not let ${subject} perform ${action} on ${ctx.bucket}${ecNote}; add an exception for the role to the endpoint policy.`);
    case 'kms':
      return make('denied', stage, 'kms', explicit,
        `KMS refused the key that encrypts bucket ${ctx.bucket}${ecNote}: ${subject} needs kms:GenerateDataKey (uploads) and kms:Decrypt (downloads, multipart) on that key in its RAM policy, and the key must be enabled.`);
    case 'acl':
      return make('denied', stage, 'acl', explicit,
        `The ACL of bucket ${ctx.bucket} (or of the object, or Block Public Access) refuses ${action}${ecNote}; grant ${action} on ${grantFor(ctx)} to ${subject} in its RAM policy rather than opening the ACL.`);
    default:
      return make('denied', stage, 'unknown', explicit,
        `OSS refused ${action} on ${ctx.bucket}/${ctx.key ?? ctx.prefix} to ${subject}${ecNote} without naming the policy${ec === '0003-00000001' ? ' (this EC also covers a wrong AccessKey pair and Block Public Access)' : ''}: check the role's RAM policies and the bucket policy of ${ctx.bucket}; ${explain}.`);
  }
}

function capital(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

function regionOfEndpoint(endpoint: string): string | undefined {
  return /oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com/.exec(endpoint)?.[1];
}

function ossCredentialHint(ev: AlibabaErrorEvidence, ctx: AlibabaErrorContext, code: string): string {
  const session = ctx.roleArn ? `the session of ${ctx.roleArn}` : 'the source credentials';
  const ec = ev.ec ?? '';
  if (code === 'SecurityTokenExpired' || ec === '0002-00000007') {
    if (ctx.roleArn) {
      return `The STS token of ${session} has expired (EC 0002-00000007)${ctx.durationSeconds ? `; it was issued for ${ctx.durationSeconds} s (--duration)` : ''}: rerun, or assume the role for longer with --duration (up to the role's MaxSessionDuration, set in the RAM console). If it expires at once, check this machine's clock and that OSS and --sts-endpoint belong together.`;
    }
    return 'The security token of the source credentials has expired (EC 0002-00000007): refresh them (ALIBABA_CLOUD_SECURITY_TOKEN, the profile, or the ECS RAM role) and rerun.';
  }
  if (code === 'InvalidSecurityToken' || ec === '0002-00000006' || ec === '0002-00000008') {
    return ec === '0002-00000008'
      ? `The security token was sent with an AccessKey ID it does not belong to (EC 0002-00000008); use the AccessKey ID, secret and token of ${session} together.`
      : `OSS does not accept the security token of ${session} (EC ${ec || 'none'}): it is malformed or from another STS; check --sts-endpoint and that the token is sent unchanged.`;
  }
  if (code === 'InvalidAccessKeyId' || ec === '0002-00000002') {
    return ctx.roleArn
      ? `OSS does not know the AccessKey ID of ${session}: the STS token comes from an STS that OSS does not trust (check --sts-endpoint against --endpoint) or has expired.`
      : 'OSS does not know the AccessKey ID of the source credentials (deleted, or of another account); check ALIBABA_CLOUD_ACCESS_KEY_ID or the profile.';
  }
  if (code === 'SignatureDoesNotMatch') {
    return `The signature does not match: the AccessKey secret does not belong to the AccessKey ID of ${session}, or a proxy changed the request; check the secret.`;
  }
  if (code === 'RequestTimeTooSkewed') {
    return "This machine's clock is too far from OSS's (more than 15 minutes); fix the clock (NTP or chrony) and rerun.";
  }
  return `OSS rejected the authentication of ${session} (${code}${ev.ec ? `, EC ${ev.ec}` : ''}${ev.message ? `: ${ev.message}` : ''}); check the credentials.`;
}

function classifySts(ev: AlibabaErrorEvidence, ctx: AlibabaErrorContext, code: string, message: string, make: Make): Classified {
  const role = ctx.roleArn ?? 'the role';
  const status = ev.httpStatus!;
  if (/^InvalidAccessKeyId|^SignatureDoesNotMatch$|^IncompleteSignature$|^MissingSecurityToken$|^InvalidSecurityToken|^Forbidden\.AccessKey/.test(code)) {
    return make('error', 'credentials', 'unknown', null, stsCredentialHint(code, ctx));
  }
  if (code === 'NoPermission' || (status === 403 && !ev.code)) {
    if (/root account/i.test(message)) {
      return make('denied', 'assume-role', 'unknown', null,
        `Roles cannot be assumed with the AccessKey of an Alibaba Cloud account (root); use a RAM user (or RAM role) that may call sts:AssumeRole on ${role}.`);
    }
    return make('denied', 'assume-role', 'trust-policy', null,
      `STS refused sts:AssumeRole on ${role}: Alibaba Cloud answers NoPermission both when the role's trust policy does not name the caller (RAM console > Roles > ${roleName(ctx.roleArn)} > Trust Policy: "Principal": {"RAM": [...]}, or its sts:ExternalId condition does not match --external-id) and when the caller has no RAM policy allowing sts:AssumeRole on ${role} (e.g. AliyunSTSAssumeRoleAccess); check the trust policy first.`);
  }
  if (code === 'EntityNotExist.Role' || /^EntityNotExist/.test(code)) {
    return make('error', 'assume-role', 'unknown', null,
      `Role ${role} does not exist; check the account id and the role name in the ARN (RAM console > Roles).`);
  }
  if (code === 'InvalidParameter.DurationSeconds') {
    return make('error', 'assume-role', 'unknown', null,
      `--duration${ctx.durationSeconds ? ` (${ctx.durationSeconds} s)` : ''} exceeds the MaxSessionDuration of ${role} (${message || code}); lower --duration or raise MaxSessionDuration in the RAM console.`);
  }
  if (code === 'InvalidParameter.PolicyGrammar' || code === 'InvalidParameter.PolicyLength') {
    return make('error', 'assume-role', 'unknown', null,
      `STS rejected the session policy (${message || code}); an Alibaba Cloud policy needs "Version": "1" and Statements with Effect, Action and Resource (acs: ARNs), at most 2048 characters.`);
  }
  if (code === 'InvalidParameter.RoleSessionName') {
    return make('error', 'assume-role', 'unknown', null,
      'STS rejected the session name: 2 to 64 characters of letters, digits and . @ - _ (--session-name).');
  }
  if (/^InvalidParameter|^Missing/.test(code)) {
    return make('error', 'assume-role', 'unknown', null,
      `STS rejected the AssumeRole parameters (${code}${message ? `: ${message}` : ''}); check the role ARN, --session-name, --duration, --external-id and --session-policy.`);
  }
  if (/Throttl/i.test(code) || status === 429 || status === 503) {
    return make('error', 'assume-role', 'endpoint', null,
      `STS at ${ctx.endpoint} is throttling or unavailable (${code}, HTTP ${status})${afterAttempts(ev)}; rerun later.`);
  }
  if (status >= 500) {
    return make('error', 'assume-role', 'endpoint', null,
      `STS at ${ctx.endpoint} failed with HTTP ${status} ${code}${afterAttempts(ev)}; rerun, and if it persists report it${idNote(ev)}.`);
  }
  if (status === 404 && /^InvalidAction|^InvalidVersion/.test(code)) {
    return make('error', 'assume-role', 'endpoint', null,
      `${ctx.endpoint} does not offer STS AssumeRole (${code}); check --sts-endpoint.`);
  }
  if (status === 403) {
    return make('denied', 'assume-role', 'unknown', null,
      `STS refused sts:AssumeRole on ${role} (${code}${message ? `: ${message}` : ''}); check the caller's RAM policies and the role's trust policy.`);
  }
  return make('error', 'assume-role', 'unknown', null,
    `STS rejected AssumeRole with ${code} (HTTP ${status})${message ? `: ${message}` : ''}; check the request settings${idNote(ev)}.`);
}

function stsCredentialHint(code: string, ctx: AlibabaErrorContext): string {
  if (code === 'InvalidAccessKeyId.Inactive' || code.startsWith('Forbidden.AccessKey')) {
    return 'The AccessKey of the source credentials is disabled; enable it in the RAM console or use another key.';
  }
  if (code.startsWith('InvalidAccessKeyId')) {
    return `STS at ${ctx.endpoint} does not know the AccessKey ID of the source credentials (deleted, or of another site such as the China vs international site); check ALIBABA_CLOUD_ACCESS_KEY_ID or the profile.`;
  }
  if (code === 'SignatureDoesNotMatch' || code === 'IncompleteSignature') {
    return 'STS could not verify the signature: the AccessKey secret does not belong to the AccessKey ID of the source credentials, or a proxy changed the request; check the secret.';
  }
  if (code.startsWith('InvalidSecurityToken.Expired')) {
    return 'The security token of the source credentials has expired; refresh them (ALIBABA_CLOUD_SECURITY_TOKEN, the profile, ECS RAM role or OIDC token) and rerun.';
  }
  return `STS rejected the security token of the source credentials (${code}); send the token that belongs to the AccessKey (ALIBABA_CLOUD_SECURITY_TOKEN), or unset it for a long-term key.`;
}

function networkHint(net: string, ctx: AlibabaErrorContext): string {
  const target = ctx.endpoint;
  switch (net) {
    case 'ECONNREFUSED':
      return `Nothing accepted the connection at ${target}; check ${ctx.service === 'sts' ? '--sts-endpoint' : '--endpoint'} (host, port, http or https) and that the service is running.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The host of ${target} does not resolve; check --region${ctx.service === 'sts' ? ' and --sts-endpoint' : ', --endpoint and --internal (the -internal endpoint resolves only inside Alibaba Cloud)'} and this machine's DNS.`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `The connection to ${target} was closed mid-request; check http or https, proxies and firewalls, then rerun.`;
    case 'TimeoutError':
    case 'ETIMEDOUT':
      return `No answer from ${target} within the timeout; check that it is reachable from here (proxy, firewall, security group, VPC) or raise --timeout.`;
    case 'AbortError':
      return `The request to ${target} was aborted before it finished (interrupted); rerun to get an answer.`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `There is no network route to ${target}; check the endpoint and this machine's network or proxy settings.`;
    default:
      if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(net)) {
        return `The TLS certificate of ${target} was not accepted (${net}); use the certificate's host name in the endpoint or trust its CA (NODE_EXTRA_CA_CERTS).`;
      }
      return `Reaching ${target} failed (${net}); check the endpoint, reachability and --timeout.`;
  }
}
