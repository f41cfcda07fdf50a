// Turns whatever the AWS SDK threw into a classified Denial: was it an authorization refusal
// (`denied`) or something that kept the probe from testing at all (`error`), at which stage,
// which kind of policy said no, and what to do about it.
//
// The evidence (evidenceFromError) is read with the shared reader (../evidence.ts); the decision is
// the first matching row of rules.ts, whose id the Denial carries; the hint is that row's template
// in hints.ts, filled here from the request and the evidence (hintVars).

import type { Operation } from '../../core/adapter.js';
import { isBucketLevel, levelOf } from '../../core/checks.js';
import type { Denial, DenialSource } from '../../core/model.js';
import { isSystemCode, networkKind, num, redactWith, statusName, str, xmlField } from '../evidence.js';
import { fill, firstRule, resolve } from '../rule-table.js';
import { AWS_HINTS } from './hints.js';
import { AWS_RULES, type AwsFacts } from './rules.js';

export { xmlField };

export interface AwsErrorContext {
  service: 'sts' | 's3';
  operation: Operation;
  /** e.g. s3:PutObject */
  action: string;
  bucket: string;
  key?: string;
  prefix: string;
  /** The role being assumed (STS) or whose session made the request (S3); null without a role. */
  roleArn: string | null;
  region: string | null;
  /** The endpoint of `service` when one was configured, else null (the SDK's default). */
  endpoint: string | null;
  /** Whether this run evaluates the policies (--explain): hints then do not tell the user to. */
  explain?: boolean;
  /** Whether this run passed a session policy to AssumeRole (--session-policy). */
  sessionPolicy?: boolean;
  /** Whether this run sent an ExternalId with AssumeRole (--external-id). */
  externalId?: boolean;
}

export interface AwsErrorEvidence {
  name?: string;
  code?: string;
  message?: string;
  httpStatus: number | null;
  requestId: string | null;
  extendedRequestId?: string | null;
  rawBody?: string | null;
  headers?: Record<string, string>;
  networkCode?: string;
  attempts?: number;
}

export type Classified = { kind: 'denied' | 'error'; denial: Denial };

// ---------------------------------------------------------------------------------------------
// Evidence

/** SDK names that say nothing about the service's answer. */
const PLACEHOLDER_NAMES = new Set(['Unknown', 'UnknownError', 'Error', 'ServiceException', 'S3ServiceException', 'STSServiceException']);

/** Response headers worth keeping; none of them can carry a secret. */
const KEPT_HEADERS = new Set(['x-amz-request-id', 'x-amz-id-2', 'x-amzn-requestid', 'x-amz-bucket-region', 'x-amz-cf-id', 'content-type', 'server', 'date', 'retry-after']);

/**
 * Remove signing material and credentials: S3 SignatureDoesNotMatch echoes the string to sign and the
 * canonical request (which holds x-amz-security-token), and ExpiredToken / InvalidToken echo the
 * session token as <Token-0>.
 */
export function redact(text: string): string {
  const out = redactWith(text, {
    secretElements: ['StringToSign', 'StringToSignBytes', 'CanonicalRequest', 'CanonicalRequestBytes', 'SignatureProvided', 'Token-\\d+'],
    keyElements: ['AWSAccessKeyId'],
    tokenHeaders: 'x-amz-security-token',
  });
  return out.replace(/(Signature=)[0-9a-f]{16,}/gi, '$1[redacted]').replace(/(Credential=)[A-Z0-9]{16,}/g, (_m, p: string) => `${p}[redacted]`);
}

function pickHeaders(raw: unknown): Record<string, string> | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const key = k.toLowerCase();
    if (!KEPT_HEADERS.has(key)) continue;
    if (typeof v === 'string') out[key] = v;
    else if (Array.isArray(v)) out[key] = v.join(', ');
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * Pull evidence out of whatever the SDK threw (ServiceException, TimeoutError, Node system error,
 * AbortError...). The raw body comes from `err.$response.rawBody` (see raw-body.ts); its `<Code>`,
 * `<Message>` and `<RequestId>` win over the SDK's own fields, which are placeholders
 * (`Unknown`/`UnknownError`) when the SDK could not parse the body. Nothing secret is kept.
 */
export function evidenceFromError(err: unknown): AwsErrorEvidence {
  if (typeof err !== 'object' || err === null) {
    return { message: err === undefined ? '' : redact(String(err)), httpStatus: null, requestId: null };
  }
  const e = err as Record<string, unknown>;
  const meta = (typeof e.$metadata === 'object' && e.$metadata !== null ? e.$metadata : {}) as Record<string, unknown>;
  const response = (typeof e.$response === 'object' && e.$response !== null ? e.$response : undefined) as Record<string, unknown> | undefined;

  const name = str(e.name);
  const rawBody = response && typeof response.rawBody === 'string' ? redact(response.rawBody) : null;
  const headers = pickHeaders(response?.headers);
  const httpStatus = num(meta.httpStatusCode) ?? num(response?.statusCode) ?? null;

  const ev: AwsErrorEvidence = { httpStatus, requestId: null };
  if (name) ev.name = name;
  const attempts = num(meta.attempts);
  if (attempts !== undefined) ev.attempts = attempts;
  if (headers) ev.headers = headers;
  if (rawBody !== null) ev.rawBody = rawBody;

  // Code: the raw body is the service's own word; then the SDK's parsed Code; then a name that is
  // not a placeholder (e.g. `NotFound` for a bodiless HEAD 404). Left undefined when unknown.
  const rawCode = xmlField(rawBody, 'Code');
  const sdkCode = str(e.Code) ?? str((e.Error as Record<string, unknown> | undefined)?.Code);
  let code: string | undefined = rawCode || sdkCode || undefined;
  if (!code && httpStatus !== null && name && !PLACEHOLDER_NAMES.has(name)) code = name;
  if (code) ev.code = code;

  // Message: raw `<Message>` (even when empty), then the SDK's message unless it is the placeholder.
  const rawMessage = xmlField(rawBody, 'Message');
  const sdkMessage = str(e.message);
  if (rawMessage !== undefined) ev.message = redact(rawMessage);
  else if (sdkMessage !== undefined && sdkMessage !== 'UnknownError') ev.message = redact(sdkMessage);
  else ev.message = '';

  ev.requestId = str(meta.requestId) || xmlField(rawBody, 'RequestId') || headers?.['x-amz-request-id'] || headers?.['x-amzn-requestid'] || null;
  const ext = str(meta.extendedRequestId) || headers?.['x-amz-id-2'] || xmlField(rawBody, 'HostId');
  if (ext) ev.extendedRequestId = ext;

  if (httpStatus === null) {
    // No answer from the service: a network failure, a timeout, an abort, or a local SDK error.
    const sysCode = str(e.code);
    if (name === 'TimeoutError' && (!sysCode || sysCode === 'ETIMEDOUT')) ev.networkCode = 'TimeoutError';
    else if (isSystemCode(sysCode)) ev.networkCode = sysCode;
    else if (name === 'TimeoutError' || name === 'AbortError') ev.networkCode = name;
    else {
      const causeCode = str((e.cause as Record<string, unknown> | undefined)?.code);
      if (isSystemCode(causeCode)) ev.networkCode = causeCode;
    }
  }
  return ev;
}

// ---------------------------------------------------------------------------------------------
// The reason clause of an enhanced AccessDenied message (IAM user guide, "Access denied error messages")

const POLICY_TYPES: Record<string, DenialSource> = {
  'service control policy': 'scp',
  'resource control policy': 'rcp',
  'vpc endpoint policy': 'vpc-endpoint-policy',
  'permissions boundary': 'permissions-boundary',
  'session policy': 'session-policy',
  'resource-based policy': 'resource-policy',
  'identity-based policy': 'identity-policy',
};
const TYPE_RE = '(service control policy|resource control policy|VPC endpoint policy|permissions boundary|session policy|resource-based policy|identity-based policy)';
const EXPLICIT_RE = new RegExp(`with an explicit deny in (?:a |an |the )?${TYPE_RE}(?::\\s*(arn:[^\\s",;]+))?`, 'i');
const IMPLICIT_RE = new RegExp(`because no ${TYPE_RE} allows?\\b`, 'i');

/** The reason clause of an enhanced AccessDenied message, if it has one. */
export function parseReason(message: string): AwsFacts['reason'] {
  const ex = EXPLICIT_RE.exec(message);
  if (ex) {
    const source = POLICY_TYPES[ex[1]!.toLowerCase()]!;
    const policyArn = ex[2]?.replace(/\.$/, '');
    return policyArn ? { source, explicit: true, policyArn } : { source, explicit: true };
  }
  const im = IMPLICIT_RE.exec(message);
  if (im) return { source: POLICY_TYPES[im[1]!.toLowerCase()]!, explicit: false };
  return null;
}

// ---------------------------------------------------------------------------------------------
// Classification

/** Bucket- (or account-) level operations, from the check catalog (src/core/checks.ts). */
const BUCKET_OPERATIONS = { has: (op: Operation) => isBucketLevel(op) };
const REGION_CODES = new Set(['PermanentRedirect', 'TemporaryRedirect', 'Redirect', 'IllegalLocationConstraintException']);

function regionFromEvidence(ev: AwsErrorEvidence): string | undefined {
  const fromHeader = ev.headers?.['x-amz-bucket-region'];
  if (fromHeader) return fromHeader;
  const fromBody = xmlField(ev.rawBody, 'Region');
  if (fromBody) return fromBody;
  return /expecting '([a-z0-9-]+)'/.exec(ev.message ?? '')?.[1];
}

function factsOf(ev: AwsErrorEvidence, ctx: AwsErrorContext): AwsFacts {
  const status = ev.httpStatus;
  const code = status === null ? (ev.networkCode ?? ev.code ?? ev.name ?? 'Error') : ev.code || statusName(status);
  const message = ev.message ?? '';
  const bucketRegion = regionFromEvidence(ev);
  const givenCode = ev.code ?? '';
  const wrongRegion =
    REGION_CODES.has(code) ||
    (code === 'AuthorizationHeaderMalformed' && !!bucketRegion) ||
    ((status === 301 || status === 307) && !givenCode) ||
    (status === 400 && !givenCode && !!bucketRegion && bucketRegion !== ctx.region);
  return {
    service: ctx.service,
    operation: ctx.operation,
    code,
    givenCode,
    status,
    message,
    name: ev.name ?? '',
    ec: '',
    detail: {},
    network: status === null && ev.networkCode ? networkKind(ev.networkCode) : null,
    bucketLevel: BUCKET_OPERATIONS.has(ctx.operation),
    reason: status === null ? null : parseReason(message),
    roleSession: ctx.service === 's3' && ctx.roleArn !== null,
    bucketRegion,
    endpointNamed: xmlField(ev.rawBody, 'Endpoint') || undefined,
    wrongRegion,
    region: ctx.region,
    rgw: /^tx[0-9a-f]{8,}-[0-9a-f]+-[0-9a-f]+-/.test(ev.requestId ?? ''),
    retried: (ev.attempts ?? 1) > 1,
  };
}

/** Decide denied vs error, and fill every Denial field. */
export function classifyAws(ev: AwsErrorEvidence, ctx: AwsErrorContext): Classified {
  const f = factsOf(ev, ctx);
  const rule = firstRule(AWS_RULES, f);
  const out = resolve(rule, f, { reason: f.reason?.explicit ?? null, detail: null });
  const denial: Denial = {
    stage: out.stage,
    source: rule.source,
    explicit: out.explicit,
    code: rule.code ?? f.code,
    message: f.message,
    httpStatus: f.status,
    requestId: ev.requestId,
    ...(ev.extendedRequestId ? { extendedRequestId: ev.extendedRequestId } : {}),
    hint: fill(AWS_HINTS[out.hint as keyof typeof AWS_HINTS], hintVars(ev, ctx, f)),
    rule: rule.id,
  };
  return { kind: out.kind, denial };
}

// ---------------------------------------------------------------------------------------------
// Hint variables

function partitionOf(ctx: AwsErrorContext): string {
  return /^arn:(aws[a-z-]*):/.exec(ctx.roleArn ?? '')?.[1] ?? 'aws';
}

/** The resource (and for ListBucket the prefix condition) a grant for this action must name. */
function resourceFor(ctx: AwsErrorContext, withCondition: boolean): string {
  const bucket = `arn:${partitionOf(ctx)}:s3:::${ctx.bucket}`;
  if (levelOf(ctx.operation) === 'service') return `arn:${partitionOf(ctx)}:s3:::*`;
  if (!BUCKET_OPERATIONS.has(ctx.operation)) return `${bucket}/${ctx.prefix}*`;
  // HeadBucket is authorised as s3:ListBucket too, but sends no prefix: no prefix condition covers it
  if (withCondition && ctx.operation === 'listObjects' && ctx.prefix) return `${bucket} (condition s3:prefix like "${ctx.prefix}*")`;
  return bucket;
}

function where(ctx: AwsErrorContext): string {
  if (ctx.endpoint) return ctx.endpoint;
  const svc = ctx.service === 'sts' ? 'STS' : 'S3';
  return ctx.region ? `the ${svc} endpoint of ${ctx.region}` : `the default ${svc} endpoint`;
}

/** Start a sentence with `where()` or a policy name: "the ..." becomes "The ...", URLs stay as they are. */
function capitalize(text: string): string {
  return text.startsWith('the ') ? `T${text.slice(1)}` : text;
}

/** The KMS action a request needs on the bucket's key. */
function kmsActionFor(ctx: AwsErrorContext, message: string): string {
  const m = /\b(kms:[A-Za-z]+)/.exec(message);
  if (m) return m[1]!;
  return ctx.operation === 'putObject' || ctx.operation === 'createMultipartUpload' ? 'kms:GenerateDataKey' : 'kms:Decrypt';
}

/** Every placeholder the templates use (hints.ts); the classify tests check none is missing. */
export function hintVars(ev: AwsErrorEvidence, ctx: AwsErrorContext, f: AwsFacts): Record<string, string> {
  const message = f.message;
  const caller = /User:\s*(\S+?)\s+is not authorized/.exec(message)?.[1];
  const subject = ctx.roleArn ? `role ${ctx.roleArn}` : caller ? `the caller ${caller}` : 'the calling identity';
  const role = ctx.roleArn ?? 'the role';
  const sts = ctx.service === 'sts';
  const serverTime = xmlField(ev.rawBody, 'ServerTime');
  const explain = ctx.explain === true;
  const sessionPolicy = sts
    ? 'the session policy of the source credentials (set when their session was issued)'
    : ctx.sessionPolicy
      ? 'the session policy passed to AssumeRole (--session-policy)'
      : 'the session policy of this session (this run passed no --session-policy)';
  const t = sts
    ? { tAction: 'sts:AssumeRole', tResource: role, tSubject: caller ? `the caller ${caller}` : 'the calling identity', tPrincipal: caller ?? 'CALLER_ARN', tExempt: 'the caller', tPolicy: `the trust policy of ${role}` }
    : {
        tAction: /is not authorized to perform:\s*([\w-]+:[\w-]+)/.exec(message)?.[1] ?? ctx.action,
        tResource: resourceFor(ctx, true),
        tSubject: subject,
        tPrincipal: ctx.roleArn ?? caller ?? 'ROLE_ARN',
        tExempt: 'the role',
        tPolicy: `the bucket policy of ${ctx.bucket}`,
      };
  return {
    ...t,
    TPolicy: capitalize(t.tPolicy),
    action: ctx.action,
    bucket: ctx.bucket,
    role,
    subject,
    where: where(ctx),
    Where: capitalize(where(ctx)),
    code: f.code,
    status: String(f.status),
    messageNote: message ? `: ${message}` : '',
    messageOrCode: message || f.code,
    named: f.reason?.policyArn ? ` (${f.reason.policyArn})` : '',
    attempts: ev.attempts && ev.attempts > 1 ? ` after ${ev.attempts} attempts` : '',
    idNote: ev.requestId ? ` (request id ${ev.requestId})` : '',
    session: f.roleSession ? `the role session (${ctx.roleArn})` : 'the source credentials',
    serverTimeNote: serverTime ? ` (server time ${serverTime})` : '',
    sessionPolicy,
    SessionPolicy: capitalize(sessionPolicy),
    explainStatement: explain ? '.' : '; run with --explain to name the statement.',
    explainEvaluate: explain ? '.' : '; run with --explain to evaluate the role and bucket policies.',
    explainTrust: explain ? '.' : ': run with --explain to evaluate the trust policy and the caller\'s policies.',
    callerNote: caller ? ` to ${caller}` : '',
    externalIdNote: ctx.externalId ? '; this run sent --external-id' : '; this run sent no --external-id',
    rgwNote: f.rgw ? ' (Ceph RGW also answers a wrong key or secret this way)' : '',
    regionOrThis: ctx.region ?? 'this region',
    regionOrConfigured: ctx.region ?? 'the configured region',
    bucketRegion: f.bucketRegion ?? '',
    regionEndpointNote: ctx.endpoint ? ` and that region's endpoint instead of ${ctx.endpoint}` : '',
    endpointNamed: f.endpointNamed ?? '',
    endpointOrRegionEndpoint: f.endpointNamed ?? `the endpoint of ${f.bucketRegion ?? 'its region'}`,
    endpointAdvice: ctx.endpoint ? `check --endpoint (${ctx.endpoint})${f.endpointNamed ? ` or use https://${f.endpointNamed}` : ''}` : `pass that endpoint with --endpoint${f.endpointNamed ? ` https://${f.endpointNamed}` : ''}`,
    kmsAction: kmsActionFor(ctx, message),
    keyNote: ctx.key ? ` ${ctx.key}` : '',
    canaryKey: ctx.key ?? `under ${ctx.prefix}`,
    canaryKeyName: ctx.key ?? 'the canary key',
    resourcePlain: resourceFor(ctx, false),
    missingKey: ctx.operation === 'headObject' || ctx.operation === 'getObject' ? ' Without s3:ListBucket a missing key also answers 403.' : '',
    opName: sts ? 'AssumeRole' : ctx.action,
    serviceName: sts ? 'STS' : 'S3',
  };
}
