// The ordered denial rules for AWS S3, STS and S3-compatible stores (Ceph RGW). classify.ts walks
// them top to bottom; the first row whose evidence matches names the denial, and the Denial carries
// its id. Order: no answer; credentials (no policy is to blame when the request was not accepted);
// STS; S3 (wrong region, KMS, the enhanced reason clause, ACLs, Object Lock, other 403s, missing
// things); then errors of either service. A message names only one policy type even when several
// deny; a generic `Access Denied` or a bodiless 403 names none, and then the source stays `unknown`.
//
// Docs: "Troubleshoot access denied (403 Forbidden) errors in Amazon S3" (S3 user guide,
// troubleshoot-403-errors), "Access denied error messages" (IAM user guide,
// troubleshoot_access-denied), STS AssumeRole API reference (errors), and ../../../../shared notes
// denial-evidence.md (quoted below as TROUBLESHOOT_403, IAM_ACCESS_DENIED, STS_ASSUME_ROLE).

import type { DenialSource } from '../../core/model.js';
import type { Facts, Rule } from '../rule-table.js';
import type { AwsHintId } from './hints.js';

const TROUBLESHOOT_403 = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html';
const IAM_ACCESS_DENIED = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html';
const STS_ASSUME_ROLE = 'https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html';
const S3_ERRORS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html';
const SIGV4_ERRORS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html';
const CONDITIONAL_WRITES = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html';
// "Requests to set ACLs or update ACLs fail with a 400 error and return the AccessControlListNotSupported
// error code" once Object Ownership is Bucket owner enforced; the uploader sees "The bucket does not allow ACLs".
const OWNERSHIP_ERRORS = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html';
const RGW_NOTES = 'shared notes ceph-rgw.md: RGW answers AccessDenied without a reason, also for an unknown key or wrong secret';
const SDK_NOTES = 'shared notes denial-evidence.md: @aws-sdk v3 error objects';

/** What classify.ts derives from the evidence for the rows below. */
export interface AwsFacts extends Facts {
  /** The enhanced message's reason clause, if it has one. */
  reason: { source: DenialSource; explicit: boolean; policyArn?: string } | null;
  /** The request was signed by the role session this run assumed (S3 with a role). */
  roleSession: boolean;
  /** The bucket's region from x-amz-bucket-region, <Region> or "expecting '...'". */
  bucketRegion: string | undefined;
  /** <Endpoint> of a redirect body. */
  endpointNamed: string | undefined;
  /**
   * The store says the bucket lives elsewhere: a redirect code; AuthorizationHeaderMalformed naming
   * the region; a bodiless 301/307; a bodiless 400 naming a region other than the configured one.
   */
  wrongRegion: boolean;
  /** The region this run addressed (--region). */
  region: string | null;
  /** Ceph RGW request ids look like `tx00000a4169d6401166068-006b029c38-100a-default`. */
  rgw: boolean;
  /** The SDK tried more than once. */
  retried: boolean;
}

type AwsRule = Rule<AwsFacts> & { hint: AwsHintId };

const CREDENTIAL_CODES = [
  'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired', 'InvalidToken',
  'InvalidClientTokenId', 'RequestTimeTooSkewed', 'RequestExpired', 'IncompleteSignature', 'MissingAuthenticationToken',
  'MissingSecurityHeader', 'InvalidSecurity',
];
const EXPIRED_CODES = ['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired', 'RequestExpired'];
const THROTTLE_CODES = ['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'ServiceUnavailable', 'RequestThrottled'];

/** The policy types an enhanced message names (IAM_ACCESS_DENIED), with the hint family of each. */
const POLICY_TYPES: { phrase: string; source: DenialSource; slug: string; hint: string }[] = [
  { phrase: 'service control policy', source: 'scp', slug: 'scp', hint: 'scp' },
  { phrase: 'resource control policy', source: 'rcp', slug: 'rcp', hint: 'rcp' },
  { phrase: 'VPC endpoint policy', source: 'vpc-endpoint-policy', slug: 'vpc-endpoint-policy', hint: 'vpce' },
  { phrase: 'permissions boundary', source: 'permissions-boundary', slug: 'permissions-boundary', hint: 'boundary' },
  { phrase: 'session policy', source: 'session-policy', slug: 'session-policy', hint: 'session' },
  { phrase: 'resource-based policy', source: 'resource-policy', slug: 'resource-policy', hint: 'resource' },
  { phrase: 'identity-based policy', source: 'identity-policy', slug: 'identity-policy', hint: 'identity' },
];

/** One row per policy type and explicit/implicit: `aws.<service>.enhanced.<type>.<explicit|implicit>`. */
function enhancedRows(service: 's3' | 'sts'): AwsRule[] {
  return POLICY_TYPES.flatMap((t) =>
    ([true, false] as const).map((explicit): AwsRule => {
      // For AssumeRole the resource-based policy is the role's trust policy.
      const source: DenialSource = service === 'sts' && t.source === 'resource-policy' ? 'trust-policy' : t.source;
      const slug = service === 'sts' && t.source === 'resource-policy' ? 'trust-policy' : t.slug;
      const hint = (service === 'sts' && t.source === 'identity-policy' && !explicit ? 'sts.identity.implicit' : `policy.${t.hint}.${explicit ? 'explicit' : 'implicit'}`) as AwsHintId;
      return {
        id: `aws.${service}.enhanced.${slug}.${explicit ? 'explicit' : 'implicit'}`,
        match: {
          service,
          ...(service === 'sts' ? { code: ['AccessDenied', ''], status: 403 } : {}),
          message: explicit ? new RegExp(`with an explicit deny in (?:a |an |the )?${t.phrase}`, 'i') : new RegExp(`because no ${t.phrase} allows?\\b`, 'i'),
        },
        // The reason clause parsed once (parseReason), so that the first clause in the message decides.
        when: (f) => f.reason?.source === t.source && f.reason.explicit === explicit && (service === 'sts' || f.code === 'AccessDenied' || f.status === 403),
        kind: 'denied',
        stage: 'by-operation',
        source,
        explicit,
        hint,
        doc: IAM_ACCESS_DENIED,
      };
    }),
  );
}

export const AWS_RULES: readonly AwsRule[] = [
  // --- no answer from the service --------------------------------------------------------------
  { id: 'aws.local.no-credentials', match: { status: 'none', name: 'CredentialsProviderError' }, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 'local.no-credentials', code: 'CredentialsProviderError', doc: SDK_NOTES },
  { id: 'aws.local.no-credentials.code', match: { status: 'none', code: 'CredentialsProviderError' }, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 'local.no-credentials', code: 'CredentialsProviderError', doc: SDK_NOTES },
  ...(['refused', 'dns', 'reset', 'timeout', 'abort', 'unreachable', 'tls', 'other'] as const).map((n): AwsRule => ({
    id: `aws.network.${n}`, match: { status: 'none', network: n }, kind: 'error', stage: 'network', source: 'endpoint', explicit: null, hint: `network.${n}`, doc: SDK_NOTES,
  })),
  { id: 'aws.local.failure', match: { status: 'none' }, kind: 'error', stage: 'by-operation', source: 'unknown', explicit: null, hint: 'local.failure', doc: SDK_NOTES },

  // --- credentials: with these the probe could not run at all, so no policy is to blame ---------
  { id: 'aws.credentials.clock-skew', match: { code: 'RequestTimeTooSkewed' }, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 'credentials.clock', doc: S3_ERRORS },
  { id: 'aws.credentials.signature-expired', match: { code: ['SignatureDoesNotMatch', 'InvalidSignatureException'], message: /Signature expired/i }, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 'credentials.clock', doc: SIGV4_ERRORS },
  { id: 'aws.credentials.unknown-key.role-session', match: { code: ['InvalidAccessKeyId', 'InvalidClientTokenId'] }, when: (f) => f.roleSession, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 'credentials.unknown-key.role-session', doc: S3_ERRORS },
  { id: 'aws.credentials.unknown-key', match: { code: ['InvalidAccessKeyId', 'InvalidClientTokenId'] }, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 'credentials.unknown-key.source', doc: S3_ERRORS },
  { id: 'aws.credentials.signature', match: { code: 'SignatureDoesNotMatch' }, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 'credentials.signature', doc: SIGV4_ERRORS },
  { id: 'aws.credentials.expired.role-session', match: { code: EXPIRED_CODES }, when: (f) => f.roleSession, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 'credentials.expired.role-session', doc: S3_ERRORS },
  { id: 'aws.credentials.expired', match: { code: EXPIRED_CODES }, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 'credentials.expired.source', doc: S3_ERRORS },
  { id: 'aws.credentials.invalid-token', match: { code: 'InvalidToken' }, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 'credentials.invalid-token', doc: S3_ERRORS },
  { id: 'aws.credentials.other', match: { code: CREDENTIAL_CODES }, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 'credentials.other', doc: S3_ERRORS },
  { id: 'aws.credentials.request-expired', match: { code: 'AccessDenied', message: /Request has expired|were not signed/i }, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 'credentials.other', doc: S3_ERRORS },

  // --- STS AssumeRole -----------------------------------------------------------------------
  { id: 'aws.sts.root', match: { service: 'sts', code: ['AccessDenied', ''], status: 403, message: /root accounts?/i }, kind: 'denied', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.root', doc: STS_ASSUME_ROLE },
  ...enhancedRows('sts'),
  // One text for a missing caller permission, a trust policy that does not name the caller (or whose
  // ExternalId/MFA/tag conditions fail) and a missing role; Ceph RGW adds a wrong key or secret. The
  // response names no policy, so the source stays unknown (--explain may name it from the policies).
  { id: 'aws.sts.access-denied.rgw', match: { service: 'sts', code: ['AccessDenied', ''], status: 403 }, when: (f) => f.rgw, kind: 'denied', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.access-denied', doc: RGW_NOTES },
  { id: 'aws.sts.access-denied', match: { service: 'sts', code: ['AccessDenied', ''], status: 403 }, kind: 'denied', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.access-denied', doc: IAM_ACCESS_DENIED },
  { id: 'aws.sts.role-missing', match: { service: 'sts', code: ['NoSuchEntity', 'NotFound'] }, kind: 'error', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.role-missing', doc: RGW_NOTES },
  { id: 'aws.sts.region-disabled', match: { service: 'sts', code: 'RegionDisabledException' }, kind: 'error', stage: 'assume-role', source: 'endpoint', explicit: null, hint: 'sts.region-disabled', doc: STS_ASSUME_ROLE },
  { id: 'aws.sts.bad-parameters', match: { service: 'sts', code: ['InvalidArgument', 'ValidationError', 'MalformedPolicyDocument', 'PackedPolicyTooLarge', 'InvalidParameterValue'] }, kind: 'error', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.bad-parameters', doc: STS_ASSUME_ROLE },

  // --- S3: wrong region or endpoint -------------------------------------------------------------
  // The bucket is in the region this run already uses: the endpoint is what is wrong, not --region.
  { id: 'aws.s3.wrong-region.same-region', match: { service: 's3' }, when: (f) => f.wrongRegion && !!f.bucketRegion && f.bucketRegion === f.region, kind: 'error', stage: 'bucket', source: 'endpoint', explicit: null, hint: 's3.wrong-region.same-region', doc: S3_ERRORS },
  { id: 'aws.s3.wrong-region.named', match: { service: 's3' }, when: (f) => f.wrongRegion && !!f.bucketRegion, kind: 'error', stage: 'bucket', source: 'endpoint', explicit: null, hint: 's3.wrong-region.named', doc: S3_ERRORS },
  { id: 'aws.s3.wrong-region.endpoint', match: { service: 's3' }, when: (f) => f.wrongRegion && !!f.endpointNamed, kind: 'error', stage: 'bucket', source: 'endpoint', explicit: null, hint: 's3.wrong-region.endpoint', doc: S3_ERRORS },
  { id: 'aws.s3.wrong-region', match: { service: 's3' }, when: (f) => f.wrongRegion, kind: 'error', stage: 'bucket', source: 'endpoint', explicit: null, hint: 's3.wrong-region.unnamed', doc: S3_ERRORS },
  { id: 'aws.s3.auth-header-malformed', match: { service: 's3', code: 'AuthorizationHeaderMalformed' }, kind: 'error', stage: 'credentials', source: 'unknown', explicit: null, hint: 's3.auth-header-malformed', doc: S3_ERRORS },

  // --- S3 asks KMS on the caller's behalf (TROUBLESHOOT_403, "Amazon S3 encryption settings") -----
  { id: 'aws.s3.kms.unusable', match: { service: 's3', code: /^KMS\./ }, kind: 'denied', stage: 'by-operation', source: 'kms', explicit: null, explicitFrom: 'reason', hint: 's3.kms.unusable', doc: TROUBLESHOOT_403 },
  { id: 'aws.s3.kms.identity-policy.implicit', match: { service: 's3', message: /\bkms:/i }, when: (f) => f.reason?.source === 'identity-policy' && !f.reason.explicit, kind: 'denied', stage: 'by-operation', source: 'kms', explicit: false, hint: 's3.kms.identity', doc: TROUBLESHOOT_403 },
  { id: 'aws.s3.kms', match: { service: 's3', message: /\bkms:/i }, kind: 'denied', stage: 'by-operation', source: 'kms', explicit: null, explicitFrom: 'reason', hint: 's3.kms.refused', doc: TROUBLESHOOT_403 },

  // --- S3 enhanced AccessDenied: the reason clause names the policy type ------------------------
  ...enhancedRows('s3'),

  // --- ACLs, Block Public Access, Object Lock, SSE-C (TROUBLESHOOT_403) ---------------------------
  { id: 'aws.s3.acl.not-supported', match: { service: 's3', code: 'AccessControlListNotSupported' }, kind: 'denied', stage: 'by-operation', source: 'acl', explicit: null, hint: 's3.acl.not-supported', doc: OWNERSHIP_ERRORS },
  { id: 'aws.s3.acl.block-public-access', match: { service: 's3', message: /BlockPublicAcls|BlockPublicPolicy|Block Public Access/i }, kind: 'denied', stage: 'by-operation', source: 'acl', explicit: null, hint: 's3.acl.block-public-access', doc: TROUBLESHOOT_403 },
  // A 403 is a refusal; a 400 says the request did not meet the bucket's Object Lock rules.
  { id: 'aws.s3.object-lock.checksum', match: { service: 's3', code: ['AccessDenied', 'InvalidRequest', 'InvalidArgument'], message: /^(?=[\s\S]*(?:object lock|legal hold|retention))(?=[\s\S]*(?:Content-MD5|checksum))/i }, kind: 'by-status', stage: 'by-operation', source: 'object-lock', explicit: null, hint: 's3.object-lock.checksum', doc: TROUBLESHOOT_403 },
  { id: 'aws.s3.object-lock.delete', match: { service: 's3', operation: 'deleteObject', code: ['AccessDenied', 'InvalidRequest', 'InvalidArgument'], message: /object lock|legal hold|retention/i }, kind: 'by-status', stage: 'by-operation', source: 'object-lock', explicit: null, hint: 's3.object-lock.delete', doc: TROUBLESHOOT_403 },
  { id: 'aws.s3.object-lock', match: { service: 's3', code: ['AccessDenied', 'InvalidRequest', 'InvalidArgument'], message: /object lock|legal hold|retention/i }, kind: 'by-status', stage: 'by-operation', source: 'object-lock', explicit: null, hint: 's3.object-lock', doc: TROUBLESHOOT_403 },
  // No DenialSource names bucket encryption settings; the message is exact, so the hint says it.
  { id: 'aws.s3.sse-c-blocked', match: { service: 's3', status: 403, message: /\(SSE-C\)|Customer provided keys/i }, kind: 'denied', stage: 'by-operation', source: 'unknown', explicit: null, hint: 's3.sse-c-blocked', doc: TROUBLESHOOT_403 },
  { id: 'aws.s3.archived', match: { service: 's3', code: 'InvalidObjectState' }, kind: 'error', stage: 'object', source: 'unknown', explicit: null, hint: 's3.archived', doc: S3_ERRORS },

  // --- any other 403: a refusal whose reason the response does not give -------------------------
  { id: 'aws.s3.forbidden.bodiless', match: { service: 's3', status: 403, code: '' }, kind: 'denied', stage: 'by-operation', source: 'unknown', explicit: null, hint: 's3.forbidden.bodiless', doc: TROUBLESHOOT_403 },
  { id: 'aws.s3.forbidden.rgw', match: { service: 's3', status: 403 }, when: (f) => f.rgw, kind: 'denied', stage: 'by-operation', source: 'unknown', explicit: null, hint: 's3.forbidden.rgw', doc: RGW_NOTES },
  { id: 'aws.s3.forbidden', match: { service: 's3', status: 403 }, kind: 'denied', stage: 'by-operation', source: 'unknown', explicit: null, hint: 's3.forbidden.unnamed', doc: TROUBLESHOOT_403 },

  // --- S3 errors that are not refusals ---------------------------------------------------------
  { id: 'aws.s3.no-such-bucket', match: { service: 's3', code: 'NoSuchBucket' }, kind: 'error', stage: 'bucket', source: 'endpoint', explicit: null, hint: 's3.no-such-bucket', doc: S3_ERRORS },
  // The key is this run's own: an earlier attempt wrote it and its answer was lost on the way back.
  { id: 'aws.s3.precondition.retried', match: { service: 's3', code: 'PreconditionFailed', operation: ['putObject', 'completeMultipartUpload'] }, when: (f) => f.retried, kind: 'error', stage: 'object', source: 'unknown', explicit: null, hint: 's3.precondition.retried', doc: CONDITIONAL_WRITES },
  { id: 'aws.s3.precondition', match: { service: 's3', code: 'PreconditionFailed', operation: ['putObject', 'completeMultipartUpload'] }, kind: 'error', stage: 'object', source: 'unknown', explicit: null, hint: 's3.precondition.exists', doc: CONDITIONAL_WRITES },
  { id: 'aws.s3.conditional-conflict', match: { service: 's3', code: 'ConditionalRequestConflict' }, kind: 'error', stage: 'object', source: 'unknown', explicit: null, hint: 's3.conditional-conflict', doc: CONDITIONAL_WRITES },
  { id: 'aws.s3.no-such-key', match: { service: 's3', code: 'NoSuchKey' }, kind: 'error', stage: 'object', source: 'unknown', explicit: null, hint: 's3.no-such-key', doc: S3_ERRORS },
  { id: 'aws.s3.not-found', match: { service: 's3', code: 'NotFound' }, when: (f) => !f.bucketLevel, kind: 'error', stage: 'object', source: 'unknown', explicit: null, hint: 's3.no-such-key', doc: S3_ERRORS },
  { id: 'aws.s3.no-such-upload', match: { service: 's3', code: 'NoSuchUpload' }, kind: 'error', stage: 'object', source: 'unknown', explicit: null, hint: 's3.no-such-upload', doc: S3_ERRORS },

  // --- either service: throttling, unsupported, 5xx, the rest ------------------------------------
  { id: 'aws.throttled', match: { code: THROTTLE_CODES }, kind: 'error', stage: 'by-operation', source: 'endpoint', explicit: null, hint: 'throttled', doc: S3_ERRORS },
  { id: 'aws.throttled.status', match: { status: [429, 503] }, kind: 'error', stage: 'by-operation', source: 'endpoint', explicit: null, hint: 'throttled', doc: S3_ERRORS },
  { id: 'aws.unsupported', match: { code: ['MethodNotAllowed', 'NotImplemented'] }, kind: 'error', stage: 'by-operation', source: 'endpoint', explicit: null, hint: 'unsupported', doc: S3_ERRORS },
  { id: 'aws.server-error', match: { family: 'server' }, kind: 'error', stage: 'by-operation', source: 'endpoint', explicit: null, hint: 'server-error', doc: S3_ERRORS },
  { id: 'aws.rejected', match: {}, kind: 'error', stage: 'by-operation', source: 'unknown', explicit: null, hint: 'rejected', doc: S3_ERRORS },
];
