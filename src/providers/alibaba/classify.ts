// Turns whatever ali-oss or @alicloud/sts20150401 threw into a classified Denial: an authorization
// refusal (`denied`) or something that kept the probe from testing (`error`), at which stage, which
// kind of policy said no, and what an OSS user should do about it.
//
// The evidence (evidenceFromOssError / evidenceFromStsError) is read with the shared reader
// (../evidence.ts); the decision is the first matching row of rules.ts, whose id the Denial carries;
// the hint is that row's template in hints.ts, filled here from the request and the evidence.

import type { Operation } from '../../core/adapter.js';
import { isBucketLevel, levelOf } from '../../core/checks.js';
import type { Denial } from '../../core/model.js';
import { isSystemCode, networkKind, redactWith, statusName, xmlChildren, xmlField, xmlFromBase64Header } from '../evidence.js';
import { fill, firstRule, resolve } from '../rule-table.js';
import { ALIBABA_HINTS } from './hints.js';
import { ALIBABA_RULES, type AlibabaFacts } from './rules.js';

export { xmlField };

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
  /** Whether this run evaluates the policies (--explain): hints then do not tell the user to. */
  explain?: boolean;
  /** Whether this run passed a session policy to AssumeRole (--session-policy). */
  sessionPolicy?: boolean;
  /** Whether this run sent an ExternalId with AssumeRole (--external-id). */
  externalId?: boolean;
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

export type Classified = { kind: 'denied' | 'error'; denial: Denial };

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

/**
 * Remove signing material and credentials: SignatureDoesNotMatch echoes the string to sign, which
 * for V1 holds the x-oss-security-token header, and V4 adds the canonical request; Alibaba OpenAPI
 * echoes its string to sign after the message.
 */
export function redact(text: string): string {
  const out = redactWith(text, {
    secretElements: ['StringToSign', 'StringToSignBytes', 'CanonicalRequest', 'SignatureProvided'],
    keyElements: ['OSSAccessKeyId'],
    tokenHeaders: 'x-(?:oss|acs)-security-token',
  });
  return out.replace(/\s*server string to sign is:[\s\S]*$/i, ' (string to sign redacted)');
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
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
 * raw XML and the response headers under RAW_KEY. A bodiless HEAD carries the error XML base64 in
 * `x-oss-err` (and the EC in `x-oss-ec`).
 */
export function evidenceFromOssError(err: unknown): AlibabaErrorEvidence {
  if (typeof err !== 'object' || err === null) return { message: redact(String(err ?? '')), httpStatus: null, requestId: null };
  const e = err as Record<string, unknown>;
  const raw = (e[RAW_KEY] ?? {}) as OssRawResponse;
  const status = typeof e.status === 'number' ? e.status : raw.status;
  const httpStatus = typeof status === 'number' && status >= 100 ? status : null;
  const headers = raw.headers ?? {};
  const xml = raw.body || xmlFromBase64Header(headers['x-oss-err']);
  const body = xml ? redact(xml) : undefined;
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
  const detail = xmlChildren(body, 'AccessDeniedDetail');
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

/** Bucket- (or account-) level operations, from the check catalog (src/core/checks.ts). */
const BUCKET_OPERATIONS = { has: (op: Operation) => isBucketLevel(op) };

function regionOfEndpoint(endpoint: string): string | undefined {
  return /oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com/.exec(endpoint)?.[1];
}

function factsOf(ev: AlibabaErrorEvidence, ctx: AlibabaErrorContext): AlibabaFacts {
  const status = ev.httpStatus;
  const code = status === null ? (ev.networkCode ?? ev.code ?? ev.name ?? 'Error') : ev.code || statusName(status);
  return {
    service: ctx.service,
    operation: ctx.operation,
    code,
    givenCode: ev.code ?? '',
    status,
    message: ev.message ?? '',
    name: ev.name ?? '',
    ec: ev.ec ?? '',
    detail: ev.accessDeniedDetail ?? {},
    network: status === null && ev.networkCode ? networkKind(ev.networkCode) : null,
    bucketLevel: BUCKET_OPERATIONS.has(ctx.operation),
    hasRole: ctx.roleArn !== null,
    endpointNamed: ev.endpoint,
    namedRegion: ev.endpoint ? regionOfEndpoint(ev.endpoint) : undefined,
    region: ctx.region,
  };
}

function explicitOf(detail: Record<string, string>): boolean | null {
  const t = detail.NoPermissionType;
  return t === 'ExplicitDeny' ? true : t === 'ImplicitDeny' ? false : null;
}

/** Decide denied vs error and fill every Denial field, OSS evidence included. */
export function classifyAlibaba(ev: AlibabaErrorEvidence, ctx: AlibabaErrorContext): Classified {
  const f = factsOf(ev, ctx);
  const rule = firstRule(ALIBABA_RULES, f);
  const out = resolve(rule, f, { reason: null, detail: explicitOf(f.detail) });
  const denial: Denial = {
    stage: out.stage,
    source: rule.source,
    explicit: out.explicit,
    code: rule.code ?? f.code,
    message: f.message,
    httpStatus: f.status,
    requestId: ev.requestId,
    hint: fill(ALIBABA_HINTS[out.hint as keyof typeof ALIBABA_HINTS], hintVars(ev, ctx, f)),
    rule: rule.id,
  };
  if (ev.ec) denial.ec = ev.ec;
  if (ev.recommendDoc) denial.recommendDoc = ev.recommendDoc;
  if (ev.accessDeniedDetail) denial.accessDeniedDetail = ev.accessDeniedDetail;
  return { kind: out.kind, denial };
}

// ---------------------------------------------------------------------------------------------
// Hint variables

function accountOf(roleArn: string | null): string {
  return /^acs:ram::(\d+):/.exec(roleArn ?? '')?.[1] ?? '*';
}

/** What a RAM grant for this action must name. */
function grantFor(ctx: AlibabaErrorContext): string {
  const account = accountOf(ctx.roleArn);
  if (ctx.action === 'oss:ListObjects' && ctx.prefix) return `acs:oss:*:${account}:${ctx.bucket} (condition StringLike oss:Prefix "${ctx.prefix}*")`;
  if (levelOf(ctx.operation) === 'service') return `acs:oss:*:${account}:*`;
  if (BUCKET_OPERATIONS.has(ctx.operation)) return `acs:oss:*:${account}:${ctx.bucket}`;
  return `acs:oss:*:${account}:${ctx.bucket}/${ctx.prefix}*`;
}

function capital(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** Every placeholder the templates use (hints.ts); the classify tests check none is missing. */
export function hintVars(ev: AlibabaErrorEvidence, ctx: AlibabaErrorContext, f: AlibabaFacts): Record<string, string> {
  const sts = ctx.service === 'sts';
  const subject = ctx.roleArn ? `role ${ctx.roleArn}` : 'the source credentials';
  const explain = ctx.explain === true;
  const sessionPolicy = ctx.sessionPolicy
    ? 'the session policy passed to AssumeRole (--session-policy)'
    : 'the session policy of these STS credentials (this run passed no --session-policy; it was set by whoever issued them)';
  const message = f.message;
  const ecNote = f.ec ? ` (EC ${f.ec})` : '';
  return {
    action: ctx.action,
    authAction: f.detail.AuthAction || ctx.action,
    bucket: ctx.bucket,
    prefix: ctx.prefix,
    keyOrPrefix: ctx.key ?? ctx.prefix,
    role: ctx.roleArn ?? 'the role',
    roleName: ctx.roleArn ? ctx.roleArn.slice(ctx.roleArn.lastIndexOf('/') + 1) : 'the role',
    subject,
    Subject: capital(subject),
    session: ctx.roleArn ? `the session of ${ctx.roleArn}` : 'the source credentials',
    endpoint: ctx.endpoint,
    endpointFlag: sts ? '--sts-endpoint' : '--endpoint',
    dnsFlags: sts ? ' and --sts-endpoint' : ', --endpoint and --internal (the -internal endpoint resolves only inside Alibaba Cloud)',
    beforeAssuming: ctx.roleArn ? ` before assuming ${ctx.roleArn}` : '',
    code: f.code,
    status: String(f.status),
    messageNote: message ? `: ${message}` : '',
    messageOrCode: message || f.code,
    messageOrHeaderExample: message || 'e.g. x-oss-tagging needs oss:PutObjectTagging',
    ecNote,
    ecComma: f.ec ? `, EC ${f.ec}` : '',
    ecOrNone: f.ec || 'none',
    ec0001Note: f.ec === '0003-00000001' ? ' (this EC also covers a wrong AccessKey pair and Block Public Access)' : '',
    attempts: ev.attempts && ev.attempts > 1 ? ` after ${ev.attempts} attempts` : '',
    idNote: ev.requestId ? ` (request id ${ev.requestId})` : '',
    durationNote: ctx.durationSeconds ? ` (${ctx.durationSeconds} s)` : '',
    durationNote2: ctx.durationSeconds ? `; it was issued for ${ctx.durationSeconds} s (--duration)` : '',
    externalIdNote: ctx.externalId ? ' (this run sent --external-id)' : ' (this run sent no --external-id)',
    sessionPolicy,
    SessionPolicy: capital(sessionPolicy),
    grant: grantFor(ctx),
    objectResource: `acs:oss:*:${accountOf(ctx.roleArn)}:${ctx.bucket}/${ctx.prefix}*`,
    explainStatement: explain ? '.' : '; run with --explain to name the statement.',
    explainTrust: explain ? '.' : '; run with --explain to evaluate the trust policy.',
    endpointNamed: f.endpointNamed ?? '',
    namedRegion: f.namedRegion ?? '',
    namedRegionNote: f.namedRegion ? ` (region ${f.namedRegion}, the --region this run already uses)` : '',
    canaryKey: ctx.key ?? `under ${ctx.prefix}`,
    canaryKeyName: ctx.key ?? 'the canary key',
    keyNote: ctx.key ? ` ${ctx.key}` : '',
  };
}
