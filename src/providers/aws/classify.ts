// Turns whatever the AWS SDK threw into a classified Denial: was it an authorization refusal
// (`denied`) or something that kept the probe from testing at all (`error`), at which stage,
// which kind of policy said no, and what to do about it.
//
// Evidence order: structured codes first, then the reason clause of the S3/IAM "enhanced"
// AccessDenied message, then the HTTP status. A message names only one policy type even when
// several deny; a generic `Access Denied` (cross-account, VPC endpoint, S3-compatible services)
// or a bodiless HEAD 403 names none, and then the source stays `unknown`: never guess.

import type { Operation } from '../../core/adapter.js';
import { isBucketLevel, levelOf } from '../../core/checks.js';
import type { Denial, DenialSource, DenialStage } from '../../core/model.js';

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

// ---------------------------------------------------------------------------------------------
// Evidence

/** SDK names that say nothing about the service's answer. */
const PLACEHOLDER_NAMES = new Set(['Unknown', 'UnknownError', 'Error', 'ServiceException', 'S3ServiceException', 'STSServiceException']);

/** Response headers worth keeping; none of them can carry a secret. */
const KEPT_HEADERS = new Set([
  'x-amz-request-id',
  'x-amz-id-2',
  'x-amzn-requestid',
  'x-amz-bucket-region',
  'x-amz-cf-id',
  'content-type',
  'server',
  'date',
  'retry-after',
]);

/**
 * Elements of an error body that carry signing material or credentials: S3 SignatureDoesNotMatch
 * echoes the string to sign and the canonical request (which holds x-amz-security-token), and
 * ExpiredToken / InvalidToken echo the session token as <Token-0>.
 */
const SECRET_ELEMENTS = ['StringToSign', 'StringToSignBytes', 'CanonicalRequest', 'CanonicalRequestBytes', 'SignatureProvided', 'Token-\\d+'];

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

/** The text of the first `<name>` element of an XML body; '' for an empty element, undefined if absent. */
export function xmlField(xml: string | null | undefined, name: string): string | undefined {
  if (!xml) return undefined;
  const m = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}>)`).exec(xml);
  if (!m) return undefined;
  return decodeXml((m[1] ?? '').trim());
}

function maskAccessKey(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…';
}

/** Remove signing material and credentials from a raw body or message. */
export function redact(text: string): string {
  let out = text;
  for (const el of SECRET_ELEMENTS) {
    out = out.replace(new RegExp(`<(${el})>[\\s\\S]*?</\\1>`, 'g'), '<$1>[redacted]</$1>');
  }
  out = out.replace(/<AWSAccessKeyId>([\s\S]*?)<\/AWSAccessKeyId>/g, (_m, id: string) => `<AWSAccessKeyId>${maskAccessKey(id.trim())}</AWSAccessKeyId>`);
  out = out.replace(/(x-amz-security-token[=:]\s*)[^\s&<"]+/gi, '$1[redacted]');
  out = out.replace(/(Authorization:\s*)[^\n<]+/gi, '$1[redacted]');
  out = out.replace(/(Signature=)[0-9a-f]{16,}/gi, '$1[redacted]');
  out = out.replace(/(Credential=)[A-Z0-9]{16,}/g, (_m, p: string) => `${p}[redacted]`);
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function isSystemCode(code: string | undefined): code is string {
  return !!code && /^(E[A-Z0-9_]+|ERR_[A-Z0-9_]+|[A-Z_]*CERT[A-Z_]*|UNABLE_TO_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/.test(code);
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
  const response = (typeof e.$response === 'object' && e.$response !== null ? e.$response : undefined) as
    | Record<string, unknown>
    | undefined;

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
      const cause = e.cause as Record<string, unknown> | undefined;
      const causeCode = str(cause?.code);
      if (isSystemCode(causeCode)) ev.networkCode = causeCode;
    }
  }
  return ev;
}

// ---------------------------------------------------------------------------------------------
// Classification

const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
  'InvalidToken',
  'InvalidClientTokenId',
  'RequestTimeTooSkewed',
  'RequestExpired',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'MissingSecurityHeader',
  'InvalidSecurity',
]);

const THROTTLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'RequestThrottled',
]);

const REGION_CODES = new Set(['PermanentRedirect', 'TemporaryRedirect', 'Redirect', 'IllegalLocationConstraintException']);


/** Code for a response whose body did not say (bodiless HEAD, HTML from a proxy). */
function statusCode(status: number): string {
  const names: Record<number, string> = {
    301: 'MovedPermanently',
    307: 'TemporaryRedirect',
    400: 'BadRequest',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    412: 'PreconditionFailed',
    429: 'TooManyRequests',
    500: 'InternalError',
    501: 'NotImplemented',
    502: 'BadGateway',
    503: 'ServiceUnavailable',
    504: 'GatewayTimeout',
  };
  return names[status] ?? `HTTP${status}`;
}

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

interface ReasonClause {
  source: DenialSource;
  explicit: boolean;
  policyArn?: string;
}

/** The reason clause of an enhanced AccessDenied message, if it has one. */
export function parseReason(message: string): ReasonClause | null {
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

function partitionOf(ctx: AwsErrorContext): string {
  const m = /^arn:(aws[a-z-]*):/.exec(ctx.roleArn ?? '');
  return m ? m[1]! : 'aws';
}

function bucketArn(ctx: AwsErrorContext): string {
  return `arn:${partitionOf(ctx)}:s3:::${ctx.bucket}`;
}

function objectArn(ctx: AwsErrorContext): string {
  return `${bucketArn(ctx)}/${ctx.prefix}*`;
}

/** Bucket- (or account-) level, from the check catalog (src/core/checks.ts). */
function isBucketOp(ctx: AwsErrorContext): boolean {
  return isBucketLevel(ctx.operation);
}

/** The resource (and for ListBucket the prefix condition) a grant for this action must name. */
function resourceFor(ctx: AwsErrorContext, withCondition = true): string {
  if (!isBucketOp(ctx)) return objectArn(ctx);
  if (levelOf(ctx.operation) === 'service') return `arn:${partitionOf(ctx)}:s3:::*`;
  // HeadBucket is authorised as s3:ListBucket too, but sends no prefix: no prefix condition covers it
  if (withCondition && ctx.operation === 'listObjects' && ctx.prefix) return `${bucketArn(ctx)} (condition s3:prefix like "${ctx.prefix}*")`;
  return bucketArn(ctx);
}

function who(ctx: AwsErrorContext, principal?: string): string {
  if (ctx.roleArn) return `role ${ctx.roleArn}`;
  return principal ? `the caller ${principal}` : 'the calling identity';
}

function principalFrom(message: string): string | undefined {
  const m = /User:\s*(\S+?)\s+is not authorized/.exec(message);
  return m ? m[1] : undefined;
}

function actionFrom(message: string): string | undefined {
  const m = /is not authorized to perform:\s*([\w-]+:[\w-]+)/.exec(message);
  return m ? m[1] : undefined;
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

function afterAttempts(ev: AwsErrorEvidence): string {
  return ev.attempts && ev.attempts > 1 ? ` after ${ev.attempts} attempts` : '';
}

/** Ceph RGW request ids look like `tx00000a4169d6401166068-006b029c38-100a-default`. */
function looksLikeRgw(ev: AwsErrorEvidence): boolean {
  return /^tx[0-9a-f]{8,}-[0-9a-f]+-[0-9a-f]+-/.test(ev.requestId ?? '');
}

function idNote(ev: AwsErrorEvidence): string {
  return ev.requestId ? ` (request id ${ev.requestId})` : '';
}

interface HintTarget {
  /** The refused action, e.g. s3:PutObject or sts:AssumeRole. */
  action: string;
  /** What a grant must name: an S3 ARN, or the role ARN for AssumeRole. */
  resource: string;
  /** Whose policy: "role arn:..." or "the caller arn:...". */
  subject: string;
  /** The principal ARN to exempt in a Deny, and what to call it ("the role", "the caller"). */
  principal: string;
  exempt: string;
  /** The resource-based policy in play: "the bucket policy of B" or "the trust policy of R". */
  resourcePolicy: string;
}

function policyHint(reason: ReasonClause, t: HintTarget): string {
  const named = reason.policyArn ? ` (${reason.policyArn})` : '';
  const explain = 'run with --explain to name the statement.';
  const { action, resource, subject } = t;
  switch (reason.source) {
    case 'identity-policy':
      return reason.explicit
        ? `A Deny statement in a policy attached to ${subject}${named} matches ${action} on ${resource}; narrow that Deny (or exempt this prefix) instead of adding Allows; ${explain}`
        : `Add ${action} on ${resource} to a policy of ${subject}.`;
    case 'resource-policy':
    case 'trust-policy':
      return reason.explicit
        ? `A Deny statement in ${t.resourcePolicy} matches this request; add an exception for ${t.exempt} (e.g. ArnNotLike aws:PrincipalArn ${t.principal}) instead of widening the Deny; ${explain}`
        : `${capitalize(t.resourcePolicy)} does not allow ${subject}: add a statement allowing ${action} on ${resource} for that principal.`;
    case 'scp':
      return reason.explicit
        ? `A service control policy of AWS Organizations${named} denies ${action} for this account; ask the organization admins for an exception for ${subject} (role and bucket policies cannot override an SCP).`
        : `No service control policy on this account's path in AWS Organizations allows ${action}; ask the organization admins to allow it (role and bucket policies cannot override an SCP).`;
    case 'rcp':
      return reason.explicit
        ? `A resource control policy of AWS Organizations${named} denies ${action} on ${resource}; ask the organization admins for an exception for ${subject} (role and bucket policies cannot override an RCP).`
        : `No resource control policy of AWS Organizations allows ${action} on ${resource}; ask the organization admins to allow it for ${subject}.`;
    case 'vpc-endpoint-policy':
      return reason.explicit
        ? `A Deny statement in the policy of the VPC endpoint this request went through matches ${action} on ${resource}; add an exception there for ${subject}.`
        : `The policy of the VPC endpoint this request went through does not allow ${action} on ${resource}; add an Allow for ${subject} to the endpoint policy.`;
    case 'permissions-boundary':
      return reason.explicit
        ? `A Deny statement in the permissions boundary of ${subject}${named} matches ${action} on ${resource}; narrow it in the boundary policy.`
        : `The permissions boundary of ${subject} does not allow ${action}; add ${action} on ${resource} to the boundary policy (the role's own policy is not enough).`;
    default: // session-policy (the only other type parseReason returns)
      return reason.explicit
        ? `A Deny statement in the session policy passed to AssumeRole matches ${action} on ${resource}; remove it from the session policy.`
        : `The session policy passed to AssumeRole does not allow ${action}; add ${action} on ${resource} to it, or pass no session policy.`;
  }
}

/** The KMS action a request needs on the bucket's key. */
function kmsActionFor(ctx: AwsErrorContext, message: string): string {
  const m = /\b(kms:[A-Za-z]+)/.exec(message);
  if (m) return m[1]!;
  return ctx.operation === 'putObject' || ctx.operation === 'createMultipartUpload' ? 'kms:GenerateDataKey' : 'kms:Decrypt';
}

function regionFromEvidence(ev: AwsErrorEvidence): string | undefined {
  const fromHeader = ev.headers?.['x-amz-bucket-region'];
  if (fromHeader) return fromHeader;
  const fromBody = xmlField(ev.rawBody, 'Region');
  if (fromBody) return fromBody;
  const m = /expecting '([a-z0-9-]+)'/.exec(ev.message ?? '');
  return m ? m[1] : undefined;
}

type Kind = 'denied' | 'error';
type Classified = { kind: Kind; denial: Denial };
type Make = (kind: Kind, stage: DenialStage, source: DenialSource, explicit: boolean | null, hint: string, code?: string) => Classified;

/** Decide denied vs error, and fill every Denial field. */
export function classifyAws(ev: AwsErrorEvidence, ctx: AwsErrorContext): Classified {
  const message = ev.message ?? '';
  const status = ev.httpStatus;
  const fallbackCode = status === null ? (ev.networkCode ?? ev.code ?? ev.name ?? 'Error') : ev.code || statusCode(status);
  const make: Make = (kind, stage, source, explicit, hint, code = fallbackCode) => ({
    kind,
    denial: {
      stage,
      source,
      explicit,
      code,
      message,
      httpStatus: status,
      requestId: ev.requestId,
      ...(ev.extendedRequestId ? { extendedRequestId: ev.extendedRequestId } : {}),
      hint,
    },
  });

  // --- No answer from the service -----------------------------------------------------------
  if (status === null) {
    if (ev.name === 'CredentialsProviderError' || ev.code === 'CredentialsProviderError') {
      return make('error', 'credentials', 'unknown', null,
        `No usable source credentials were found; set a profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY before assuming ${ctx.roleArn ?? 'the role'}.`,
        'CredentialsProviderError');
    }
    if (ev.networkCode) return make('error', 'network', 'endpoint', null, networkHint(ev.networkCode, ctx));
    return make('error', ctx.service === 'sts' ? 'assume-role' : isBucketOp(ctx) ? 'bucket' : 'object', 'unknown', null,
      `${ctx.action} failed before reaching ${where(ctx)} (${fallbackCode}${message ? `: ${message}` : ''}); rerun, and report it if it persists.`);
  }
  const code = fallbackCode;

  // --- Credentials: key, token, signature, clock ------------------------------------------
  // Kind `error`, stage `credentials`, source `unknown`: with these credentials the probe could
  // not run at all, so the answer says nothing about what the role may do. Reporting them as
  // `denied` would point at a policy problem where there is none.
  const skewed =
    code === 'RequestTimeTooSkewed' ||
    ((code === 'SignatureDoesNotMatch' || code === 'InvalidSignatureException') && /Signature expired/i.test(message));
  if (CREDENTIAL_CODES.has(code) || skewed || (code === 'AccessDenied' && /Request has expired|were not signed/i.test(message))) {
    return make('error', 'credentials', 'unknown', null, credentialHint(code, skewed, ev, ctx));
  }

  if (ctx.service === 'sts') return classifySts(ev, ctx, code, message, make);
  return classifyS3(ev, ctx, code, message, make);
}

function classifyS3(ev: AwsErrorEvidence, ctx: AwsErrorContext, code: string, message: string, make: Make): Classified {
  const status = ev.httpStatus!;
  const stage: DenialStage = isBucketOp(ctx) ? 'bucket' : 'object';
  const subject = who(ctx, principalFrom(message));

  // --- Wrong region or endpoint --------------------------------------------------------------
  const region = regionFromEvidence(ev);
  const wrongRegion =
    REGION_CODES.has(code) ||
    (code === 'AuthorizationHeaderMalformed' && !!region) ||
    ((status === 301 || status === 307) && !ev.code) ||
    (status === 400 && !ev.code && !!region && region !== ctx.region);
  if (wrongRegion) {
    const endpoint = xmlField(ev.rawBody, 'Endpoint');
    const hint = region
      ? `Bucket ${ctx.bucket} is in region ${region}, not ${ctx.region ?? 'the configured region'}: rerun with --region ${region}${ctx.endpoint ? ` and that region's endpoint instead of ${ctx.endpoint}` : ''}.`
      : endpoint
        ? `S3 says bucket ${ctx.bucket} must be addressed at ${endpoint}: use the bucket's own region (--region) or that endpoint (--endpoint).`
        : `Bucket ${ctx.bucket} is not in ${ctx.region ?? 'the configured region'}; find its region (header x-amz-bucket-region) and rerun with --region.`;
    return make('error', 'bucket', 'endpoint', null, hint);
  }
  if (code === 'AuthorizationHeaderMalformed') {
    return make('error', 'credentials', 'unknown', null,
      `S3 could not read the signature header (${message || code}); check the access key id and the region the client signs for.`);
  }

  const reason = parseReason(message);

  // --- KMS (S3 asks KMS on the caller's behalf) ---------------------------------------------
  if (code.startsWith('KMS.') || /\bkms:/i.test(message)) {
    const kmsAction = kmsActionFor(ctx, message);
    let hint: string;
    if (code.startsWith('KMS.')) {
      hint = `The KMS key used by bucket ${ctx.bucket} cannot be used (${message || code}); re-enable the key or fix the bucket's default encryption key, else no backup can be written.`;
    } else if (reason && !reason.explicit && reason.source === 'identity-policy') {
      hint = `Add ${kmsAction} on the KMS key of bucket ${ctx.bucket} to a policy of ${subject} (uploads need kms:GenerateDataKey, downloads and multipart need kms:Decrypt).`;
    } else {
      hint = `The KMS key of bucket ${ctx.bucket} refuses ${kmsAction} to ${subject}; allow it in the key policy and the role's policy (uploads need kms:GenerateDataKey, downloads and multipart need kms:Decrypt).`;
    }
    return make('denied', stage, 'kms', reason ? reason.explicit : null, hint);
  }

  // --- Enhanced AccessDenied: the reason clause names the policy type -----------------------
  if (reason && (code === 'AccessDenied' || status === 403)) {
    const principal = ctx.roleArn ?? principalFrom(message) ?? 'ROLE_ARN';
    return make('denied', stage, reason.source, reason.explicit, policyHint(reason, {
      action: actionFrom(message) ?? ctx.action,
      resource: resourceFor(ctx),
      subject,
      principal,
      exempt: 'the role',
      resourcePolicy: `the bucket policy of ${ctx.bucket}`,
    }));
  }

  // --- ACLs and Block Public Access ---------------------------------------------------------
  if (code === 'AccessControlListNotSupported') {
    return make('denied', stage, 'acl', null,
      `Bucket ${ctx.bucket} has ACLs disabled (Object Ownership: bucket owner enforced); send ${ctx.action} without an ACL, or only bucket-owner-full-control.`);
  }
  if (/BlockPublicAcls|BlockPublicPolicy|Block Public Access/i.test(message)) {
    return make('denied', stage, 'acl', null,
      `S3 Block Public Access on bucket ${ctx.bucket} (or its account) rejects the public ACL in this ${ctx.action} request; send no ACL or a private one rather than turning Block Public Access off.`);
  }

  // --- Object Lock ------------------------------------------------------------------------
  if (/object lock|legal hold|retention/i.test(message) && (code === 'AccessDenied' || code === 'InvalidRequest' || code === 'InvalidArgument')) {
    // A 403 is a refusal; a 400 says the request did not meet the bucket's Object Lock rules.
    const hint = /Content-MD5|checksum/i.test(message)
      ? `Bucket ${ctx.bucket} uses Object Lock, which requires a Content-MD5 or x-amz-checksum-* header on ${ctx.action}; send a checksum with the request.`
      : ctx.operation === 'deleteObject'
        ? `The canary object${ctx.key ? ` ${ctx.key}` : ''} is protected by Object Lock (retention or legal hold) on bucket ${ctx.bucket}; let the retention expire, remove the legal hold, or for GOVERNANCE mode grant s3:BypassGovernanceRetention to ${subject}.`
        : `Object Lock on bucket ${ctx.bucket} refuses ${ctx.action}; check the bucket's Object Lock configuration and the object's retention and legal hold.`;
    return make(status === 403 ? 'denied' : 'error', stage, 'object-lock', null, hint);
  }

  // --- SSE-C blocked by the bucket's default encryption -------------------------------------
  // No DenialSource names bucket encryption settings; the message is exact, so the hint says it.
  if (status === 403 && /\(SSE-C\)|Customer provided keys/i.test(message)) {
    return make('denied', stage, 'unknown', null,
      `Bucket ${ctx.bucket} blocks uploads with customer-provided keys (SSE-C; default encryption BlockedEncryptionTypes); upload with SSE-S3 or SSE-KMS instead, or have the owner set BlockedEncryptionTypes to NONE.`);
  }

  // --- Errors that are not refusals, even when some come as 403 ---------------------------
  if (code === 'InvalidObjectState') {
    return make('error', 'object', 'unknown', null,
      `The canary object is in an archive storage class (or a state) that ${ctx.action} cannot read; write the canary to a prefix without a transition rule to Glacier.`);
  }

  // --- Any other 403: a refusal whose reason the response does not give --------------------
  if (status === 403) {
    const missingKey = ctx.operation === 'headObject' || ctx.operation === 'getObject' ? ' Without s3:ListBucket a missing key also answers 403.' : '';
    const why = looksLikeRgw(ev)
      ? 'Ceph RGW never names it, and answers an unknown key or wrong secret the same way'
      : 'AWS leaves it out across accounts and organizations and for VPC endpoint denials';
    const hint = !ev.code
      ? `The 403 to ${ctx.action} on ${resourceFor(ctx, false)} came without a body (HEAD responses carry none), so it does not name the policy; run with --explain to evaluate the role and bucket policies.${missingKey}`
      : `The response does not name the policy that refused ${ctx.action} on ${resourceFor(ctx, false)} to ${subject} (${why}); run with --explain to evaluate the role and bucket policies.${missingKey}`;
    return make('denied', stage, 'unknown', null, hint);
  }

  if (code === 'NoSuchBucket') {
    return make('error', 'bucket', 'endpoint', null,
      `Bucket ${ctx.bucket} does not exist at ${where(ctx)}; check the bucket name, --endpoint and --region.`);
  }
  if (code === 'PreconditionFailed' && (ctx.operation === 'putObject' || ctx.operation === 'completeMultipartUpload')) {
    if (ev.attempts && ev.attempts > 1) {
      // The key is this run's own: an earlier attempt wrote it and its answer was lost on the way back.
      return make('error', 'object', 'unknown', null,
        `The canary key ${ctx.key ?? `under ${ctx.prefix}`} already existed when ${ctx.action} was retried${afterAttempts(ev)}: an earlier attempt most likely wrote it and its answer was lost (a dropped connection or a timeout); cleanup removes it. Check the network path to ${where(ctx)} and rerun.`);
    }
    return make('error', 'object', 'unknown', null,
      `The canary key ${ctx.key ?? `under ${ctx.prefix}`} already exists and the conditional create (If-None-Match: *) refused to overwrite it; delete that leftover key or rerun to use a new key.`);
  }
  if (code === 'ConditionalRequestConflict') {
    return make('error', 'object', 'unknown', null,
      `Another request was writing ${ctx.key ?? 'the canary key'} at the same moment; rerun (a multipart upload has to restart from CreateMultipartUpload).`);
  }
  if (code === 'NoSuchKey' || (code === 'NotFound' && !isBucketOp(ctx))) {
    return make('error', 'object', 'unknown', null,
      `The canary object${ctx.key ? ` ${ctx.key}` : ''} is not there for ${ctx.action}: an earlier step did not create it, or something (a lifecycle rule, another process) removed it.`);
  }
  if (code === 'NoSuchUpload') {
    return make('error', 'object', 'unknown', null,
      `The multipart upload of ${ctx.key ?? 'the canary key'} no longer exists (already completed or aborted, or removed by a lifecycle rule); rerun the probe.`);
  }
  return otherError(ev, ctx, code, message, stage, make);
}

/** Throttling, 5xx, unsupported operations and the rest: errors for either service. */
function otherError(ev: AwsErrorEvidence, ctx: AwsErrorContext, code: string, message: string, stage: DenialStage, make: Make): Classified {
  const status = ev.httpStatus!;
  const op = ctx.service === 'sts' ? 'AssumeRole' : ctx.action;
  if (THROTTLE_CODES.has(code) || status === 429 || status === 503) {
    return make('error', stage, 'endpoint', null,
      `${capitalize(where(ctx))} is throttling requests (${code}, HTTP ${status})${afterAttempts(ev)}; rerun later or with fewer runs in parallel.`);
  }
  if (code === 'MethodNotAllowed' || code === 'NotImplemented') {
    return make('error', stage, 'endpoint', null,
      `${capitalize(where(ctx))} does not support ${op} (${code}); check that --endpoint points at the right service and that the feature is enabled there.`);
  }
  if (status >= 500) {
    return make('error', stage, 'endpoint', null,
      `${capitalize(where(ctx))} failed with HTTP ${status} ${code}${afterAttempts(ev)}; rerun, and if it persists report it${idNote(ev)}.`);
  }
  return make('error', stage, 'unknown', null,
    `${ctx.service === 'sts' ? 'STS' : 'S3'} rejected ${op} with ${code} (HTTP ${status})${message ? `: ${message}` : ''}; check the request settings${idNote(ev)}.`);
}

function classifySts(ev: AwsErrorEvidence, ctx: AwsErrorContext, code: string, message: string, make: Make): Classified {
  const role = ctx.roleArn ?? 'the role';
  const status = ev.httpStatus!;
  const caller = principalFrom(message);
  if (code === 'AccessDenied' || (status === 403 && !ev.code)) {
    if (/root accounts?/i.test(message)) {
      return make('denied', 'assume-role', 'unknown', null,
        `Roles cannot be assumed with root credentials; use an IAM user or role that may call sts:AssumeRole on ${role}.`);
    }
    const reason = parseReason(message);
    if (reason) {
      // For AssumeRole the resource-based policy is the role's trust policy.
      const source: DenialSource = reason.source === 'resource-policy' ? 'trust-policy' : reason.source;
      const subject = caller ? `the caller ${caller}` : 'the calling identity';
      const hint = source === 'identity-policy' && !reason.explicit
        ? `Add sts:AssumeRole on ${role} to a policy of ${subject}, and make sure the trust policy of ${role} names that caller.`
        : policyHint({ ...reason, source }, {
            action: 'sts:AssumeRole',
            resource: role,
            subject,
            principal: caller ?? 'CALLER_ARN',
            exempt: 'the caller',
            resourcePolicy: `the trust policy of ${role}`,
          });
      return make('denied', 'assume-role', source, reason.explicit, hint);
    }
    // AWS gives one text for four causes, so the message cannot tell them apart; Ceph RGW adds a
    // fifth (a wrong key or secret also answers AccessDenied).
    const rgw = looksLikeRgw(ev) ? ' (Ceph RGW also answers a wrong key or secret this way)' : '';
    return make('denied', 'assume-role', 'trust-policy', null,
      `STS refused sts:AssumeRole on ${role}${caller ? ` to ${caller}` : ''}; AWS answers the same when the role's trust policy does not name the caller (or its ExternalId/MFA/tag conditions fail), when the caller's own policy lacks sts:AssumeRole, and when the role does not exist${rgw}: check the trust policy first, or run with --explain.`);
  }
  if (code === 'NoSuchEntity' || code === 'NotFound') {
    return make('error', 'assume-role', 'unknown', null,
      `Role ${role} does not exist at ${where(ctx)}; check the role ARN (account, name, path).`);
  }
  if (code === 'RegionDisabledException') {
    return make('error', 'assume-role', 'endpoint', null,
      `STS is not activated for this account in ${ctx.region ?? 'this region'}; activate the region in the IAM account settings or use another STS region.`);
  }
  if (code === 'InvalidArgument' || code === 'ValidationError' || code === 'MalformedPolicyDocument' || code === 'PackedPolicyTooLarge' || code === 'InvalidParameterValue') {
    return make('error', 'assume-role', 'unknown', null,
      `STS rejected the AssumeRole parameters (${code}${message ? `: ${message}` : ''}); check the role ARN, the session name (2-64 characters of [\\w+=,.@-]), the duration (from 900 s up to the role's maximum) and any session policy.`);
  }
  return otherError(ev, ctx, code, message, 'assume-role', make);
}

function networkHint(net: string, ctx: AwsErrorContext): string {
  const target = where(ctx);
  switch (net) {
    case 'ECONNREFUSED':
      return `Nothing accepted the connection at ${target}; check --endpoint (host, port, http or https) and that the service is running.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The host of ${target} does not resolve; check the spelling of --endpoint or --region and this machine's DNS.`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `The connection to ${target} was closed mid-request; check --endpoint (http or https), proxies and firewalls, then rerun.`;
    case 'TimeoutError':
    case 'ETIMEDOUT':
      return `No answer from ${target} within the timeout; check that it is reachable from here (proxy, firewall, VPC endpoint) or raise --timeout.`;
    case 'AbortError':
      return `The request to ${target} was aborted before it finished (interrupted); rerun to get an answer.`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `There is no network route to ${target}; check --endpoint and this machine's network or proxy settings.`;
    default:
      if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(net)) {
        return `The TLS certificate of ${target} was not accepted (${net}); use the certificate's host name in --endpoint or trust its CA (NODE_EXTRA_CA_CERTS).`;
      }
      return `Reaching ${target} failed (${net}); check --endpoint, reachability and --timeout.`;
  }
}

function credentialHint(code: string, skewed: boolean, ev: AwsErrorEvidence, ctx: AwsErrorContext): string {
  const target = capitalize(where(ctx));
  if (skewed) {
    const serverTime = xmlField(ev.rawBody, 'ServerTime');
    return `This machine's clock is too far from the service's${serverTime ? ` (server time ${serverTime})` : ''}; fix the clock (enable NTP or chrony) and rerun.`;
  }
  const roleSession = ctx.service === 's3' && ctx.roleArn !== null;
  const session = roleSession ? `the role session (${ctx.roleArn})` : 'the source credentials';
  switch (code) {
    case 'InvalidAccessKeyId':
    case 'InvalidClientTokenId':
      return roleSession
        ? `${target} does not know the access key of ${session}; check that S3 and STS are the same service and partition and that the credentials are current.`
        : `${target} does not know the access key of the source credentials (or it is inactive, or AWS_SESSION_TOKEN belongs to other keys); check the profile or environment and that the keys belong to this partition or endpoint.`;
    case 'SignatureDoesNotMatch':
      return `The signature does not match: the secret key does not belong to the access key of ${session}, or a proxy changed the request; check the secret key.`;
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'TokenRefreshRequired':
    case 'RequestExpired':
      return roleSession
        ? `The session of ${ctx.roleArn} expired during the run; rerun, or assume the role for longer (DurationSeconds within the role's maximum).`
        : `The session token of the source credentials has expired; refresh them (e.g. a new SSO or MFA session) and rerun.`;
    case 'InvalidToken':
      return `The session token sent with ${session} is malformed or does not belong to its access key; make sure AWS_SESSION_TOKEN matches the keys (unset it for long-term keys).`;
    default:
      return `${target} rejected the authentication of ${session} (${code}${ev.message ? `: ${ev.message}` : ''}); check the credentials and the region the client signs for.`;
  }
}
