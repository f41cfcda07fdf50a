// The ordered denial rules for Alibaba Cloud OSS and STS. classify.ts walks them top to bottom; the
// first row whose evidence matches names the denial, and the Denial carries its id.
//
// Evidence order for an OSS refusal: AccessDeniedDetail first (PolicyType, NoPermissionType —
// Alibaba warns that EC codes may change), then the EC, then the message, which can mislead
// ("... because of bucket policy." on a RAM deny). `explicit` comes from NoPermissionType when the
// response has it, else from what the EC documents (0003-00000101: a Deny in the bucket policy
// matched), else it stays null. A response that names no policy leaves the source `unknown`.
// STS NoPermission is classified by its message: none of the documented texts names one cause, so the
// source stays `unknown` and the hint lists the documented candidates.

import type { Facts, Rule } from '../rule-table.js';
import type { AlibabaHintId } from './hints.js';

const EC_PAGE = (ec: string): string => `https://www.alibabacloud.com/help/en/oss/user-guide/${ec}`;
/** "How to handle the common errors when you access OSS by using STS" (doc 42775): NoPermission texts and causes. */
const STS_COMMON_ERRORS = 'https://www.alibabacloud.com/help/en/oss/how-to-handle-the-common-errors-when-you-access-oss-by-using-sts';
/** RAM "FAQ about RAM roles and STS tokens": "You are not authorized to do this action. You should be authorized by RAM." */
const RAM_STS_FAQ = 'https://www.alibabacloud.com/help/en/ram/support/faq-about-ram-roles-and-sts-tokens';
const ASSUME_ROLE_API = 'https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole';
const OSS_403 = 'https://www.alibabacloud.com/help/en/oss/support/http-403-status-code';
const OSS_NOTES = 'shared notes denial-evidence.md: Alibaba Cloud OSS error XML, ali-oss error objects';
const OPENAPI_NOTES = 'shared notes denial-evidence.md: @alicloud/sts20150401 errors (openapi-core ClientError)';

export interface AlibabaFacts extends Facts {
  /** The request was made by (or assumes) a role, not the source credentials themselves. */
  hasRole: boolean;
  /** The <Endpoint> OSS names for the bucket, and the region in it. */
  endpointNamed: string | undefined;
  namedRegion: string | undefined;
  /** The region this run addressed (--region). */
  region: string | null;
}

type AlibabaRule = Rule<AlibabaFacts> & { hint: AlibabaHintId | { explicit: AlibabaHintId; implicit: AlibabaHintId; unsaid: AlibabaHintId } };

/** STS NoPermission, or a 403 without a code. */
const noPermission = (f: AlibabaFacts): boolean => f.givenCode === 'NoPermission' || (f.status === 403 && f.givenCode === '');
/** An OSS answer that is an authorization refusal. */
const refusal = (f: AlibabaFacts): boolean => f.status === 403 || f.code === 'AccessDenied' || f.ec.startsWith('0003-');
/** OSS says the bucket is served elsewhere: an <Endpoint>, the documented message, or PermanentRedirect. */
const wrongEndpoint = (f: AlibabaFacts): boolean => !!f.endpointNamed || /must be addressed using the specified endpoint/i.test(f.message) || f.code === 'PermanentRedirect';
const otherRegion = (f: AlibabaFacts): boolean => !!f.namedRegion && f.namedRegion !== f.region;

/** The three answers to a bucket served at another endpoint: another region, the same region (so --endpoint), none named. */
function wrongEndpointRows(idBase: string, match: AlibabaRule['match'], when: (f: AlibabaFacts) => boolean, doc: string): AlibabaRule[] {
  const row = { match, kind: 'error', stage: 'bucket', source: 'endpoint', explicit: null, doc } as const;
  return [
    { ...row, id: `${idBase}.other-region`, when: (f) => when(f) && otherRegion(f), hint: 'oss.wrong-endpoint.region' },
    { ...row, id: `${idBase}.same-region`, when: (f) => when(f) && !!f.endpointNamed, hint: 'oss.wrong-endpoint.endpoint' },
    { ...row, id: idBase, when, hint: 'oss.wrong-endpoint.unnamed' },
  ];
}

const BUCKET_POLICY_HINTS = { explicit: 'oss.bucket-policy.explicit', implicit: 'oss.bucket-policy.implicit', unsaid: 'oss.bucket-policy.explicit' } as const;
const RAM_POLICY_HINTS = { explicit: 'oss.ram-policy.explicit', implicit: 'oss.ram-policy.implicit', unsaid: 'oss.ram-policy.unsaid' } as const;
const SESSION_POLICY_HINTS = { explicit: 'oss.session-policy.explicit', implicit: 'oss.session-policy.implicit', unsaid: 'oss.session-policy.implicit' } as const;

/** Refusal rows: denied, stage by the request, explicit from NoPermissionType when present. */
function refusals(rows: (Omit<AlibabaRule, 'kind' | 'stage' | 'explicitFrom'> & { explicitFrom?: 'detail' })[]): AlibabaRule[] {
  return rows.map((r) => ({
    ...r,
    kind: 'denied',
    stage: 'by-operation',
    explicitFrom: 'detail',
    when: (f) => refusal(f) && (r.when === undefined || r.when(f)),
  }));
}

const cred = { kind: 'error', stage: 'credentials', source: 'unknown', explicit: null } as const;

export const ALIBABA_RULES: readonly AlibabaRule[] = [
  // --- no answer ---------------------------------------------------------------------------
  { id: 'alibaba.local.no-credentials', match: { status: 'none', name: 'SourceCredentialsError' }, ...cred, hint: 'local.no-credentials', code: 'NoSourceCredentials', doc: 'src/providers/alibaba/credentials.ts (the credential chain)' },
  ...(['refused', 'dns', 'reset', 'timeout', 'abort', 'unreachable', 'tls', 'other'] as const).map((n): AlibabaRule => ({
    id: `alibaba.network.${n}`, match: { status: 'none', network: n }, kind: 'error', stage: 'network', source: 'endpoint', explicit: null, hint: `network.${n}`, doc: OSS_NOTES,
  })),
  { id: 'alibaba.local.failure', match: { status: 'none' }, kind: 'error', stage: 'by-operation', source: 'unknown', explicit: null, hint: 'local.failure', doc: OSS_NOTES },

  // --- STS AssumeRole: credentials --------------------------------------------------------------
  { id: 'alibaba.sts.credentials.key-disabled', match: { service: 'sts', code: /^(InvalidAccessKeyId\.Inactive$|Forbidden\.AccessKey)/ }, ...cred, hint: 'sts.credentials.disabled', doc: STS_COMMON_ERRORS },
  { id: 'alibaba.sts.credentials.unknown-key', match: { service: 'sts', code: /^InvalidAccessKeyId/ }, ...cred, hint: 'sts.credentials.unknown-key', doc: STS_COMMON_ERRORS },
  { id: 'alibaba.sts.credentials.signature', match: { service: 'sts', code: ['SignatureDoesNotMatch', 'IncompleteSignature'] }, ...cred, hint: 'sts.credentials.signature', doc: OPENAPI_NOTES },
  { id: 'alibaba.sts.credentials.token-expired', match: { service: 'sts', code: /^InvalidSecurityToken\.Expired/ }, ...cred, hint: 'sts.credentials.token-expired', doc: OPENAPI_NOTES },
  { id: 'alibaba.sts.credentials.token', match: { service: 'sts', code: /^(MissingSecurityToken$|InvalidSecurityToken)/ }, ...cred, hint: 'sts.credentials.token', doc: STS_COMMON_ERRORS },

  // --- STS NoPermission, by its documented message ---------------------------------------------
  { id: 'alibaba.sts.no-permission.root', match: { service: 'sts', message: /root account/i }, when: noPermission, kind: 'denied', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.root', doc: STS_COMMON_ERRORS },
  // Causes: the account's (root) AccessKey, no sts:AssumeRole for the caller, a trust policy without it.
  { id: 'alibaba.sts.no-permission.not-authorized', match: { service: 'sts', message: /You are not authorized to do this action/i }, when: noPermission, kind: 'denied', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.no-permission.not-authorized', doc: RAM_STS_FAQ },
  // Causes: no AliyunSTSAssumeRoleAccess for the caller, the trusted account does not match, a service role.
  { id: 'alibaba.sts.no-permission.maybe', match: { service: 'sts', message: /No permission perform sts:AssumeRole/i }, when: noPermission, kind: 'denied', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.no-permission.maybe', doc: STS_COMMON_ERRORS },
  { id: 'alibaba.sts.no-permission', match: { service: 'sts' }, when: noPermission, kind: 'denied', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.no-permission', doc: STS_COMMON_ERRORS },

  // --- STS: other answers -------------------------------------------------------------------------
  { id: 'alibaba.sts.role-missing', match: { service: 'sts', code: /^EntityNotExist/ }, kind: 'error', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.role-missing', doc: ASSUME_ROLE_API },
  { id: 'alibaba.sts.duration', match: { service: 'sts', code: 'InvalidParameter.DurationSeconds' }, kind: 'error', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.duration', doc: STS_COMMON_ERRORS },
  { id: 'alibaba.sts.policy-grammar', match: { service: 'sts', code: ['InvalidParameter.PolicyGrammar', 'InvalidParameter.PolicyLength'] }, kind: 'error', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.policy-grammar', doc: STS_COMMON_ERRORS },
  { id: 'alibaba.sts.session-name', match: { service: 'sts', code: 'InvalidParameter.RoleSessionName' }, kind: 'error', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.session-name', doc: STS_COMMON_ERRORS },
  { id: 'alibaba.sts.bad-parameters', match: { service: 'sts', code: /^(InvalidParameter|Missing)/ }, kind: 'error', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.bad-parameters', doc: ASSUME_ROLE_API },
  { id: 'alibaba.sts.throttled', match: { service: 'sts', code: /Throttl/i }, kind: 'error', stage: 'assume-role', source: 'endpoint', explicit: null, hint: 'sts.throttled', doc: RAM_STS_FAQ },
  { id: 'alibaba.sts.throttled.status', match: { service: 'sts', status: [429, 503] }, kind: 'error', stage: 'assume-role', source: 'endpoint', explicit: null, hint: 'sts.throttled', doc: OPENAPI_NOTES },
  { id: 'alibaba.sts.server-error', match: { service: 'sts', family: 'server' }, kind: 'error', stage: 'assume-role', source: 'endpoint', explicit: null, hint: 'sts.server-error', doc: OPENAPI_NOTES },
  { id: 'alibaba.sts.no-such-action', match: { service: 'sts', status: 404, code: /^(InvalidAction|InvalidVersion)/ }, kind: 'error', stage: 'assume-role', source: 'endpoint', explicit: null, hint: 'sts.no-such-action', doc: OPENAPI_NOTES },
  { id: 'alibaba.sts.forbidden', match: { service: 'sts', status: 403 }, kind: 'denied', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.forbidden', doc: OPENAPI_NOTES },
  { id: 'alibaba.sts.rejected', match: { service: 'sts' }, kind: 'error', stage: 'assume-role', source: 'unknown', explicit: null, hint: 'sts.rejected', doc: OPENAPI_NOTES },

  // --- OSS credentials: EC family 0002 first, then the Code ----------------------------------------
  { id: 'alibaba.oss.ec.0002-00000007.role-session', match: { service: 'oss', ec: '0002-00000007' }, when: (f) => f.hasRole, ...cred, hint: 'oss.credentials.token-expired.role', doc: EC_PAGE('0002-00000007') },
  { id: 'alibaba.oss.ec.0002-00000007', match: { service: 'oss', ec: '0002-00000007' }, ...cred, hint: 'oss.credentials.token-expired.source', doc: EC_PAGE('0002-00000007') },
  { id: 'alibaba.oss.code.SecurityTokenExpired.role-session', match: { service: 'oss', code: 'SecurityTokenExpired' }, when: (f) => f.hasRole, ...cred, hint: 'oss.credentials.token-expired.role', doc: EC_PAGE('0002-00000007') },
  { id: 'alibaba.oss.code.SecurityTokenExpired', match: { service: 'oss', code: 'SecurityTokenExpired' }, ...cred, hint: 'oss.credentials.token-expired.source', doc: EC_PAGE('0002-00000007') },
  { id: 'alibaba.oss.ec.0002-00000008', match: { service: 'oss', ec: '0002-00000008' }, ...cred, hint: 'oss.credentials.token-of-other-key', doc: EC_PAGE('0002-00000008') },
  { id: 'alibaba.oss.ec.0002-00000006', match: { service: 'oss', ec: '0002-00000006' }, ...cred, hint: 'oss.credentials.token-invalid', doc: EC_PAGE('0002-00000006') },
  { id: 'alibaba.oss.code.InvalidSecurityToken', match: { service: 'oss', code: 'InvalidSecurityToken' }, ...cred, hint: 'oss.credentials.token-invalid', doc: EC_PAGE('0002-00000006') },
  { id: 'alibaba.oss.ec.0002-00000002.role-session', match: { service: 'oss', ec: '0002-00000002' }, when: (f) => f.hasRole, ...cred, hint: 'oss.credentials.unknown-key.role', doc: EC_PAGE('0002-00000002') },
  { id: 'alibaba.oss.ec.0002-00000002', match: { service: 'oss', ec: '0002-00000002' }, ...cred, hint: 'oss.credentials.unknown-key.source', doc: EC_PAGE('0002-00000002') },
  { id: 'alibaba.oss.code.InvalidAccessKeyId.role-session', match: { service: 'oss', code: 'InvalidAccessKeyId' }, when: (f) => f.hasRole, ...cred, hint: 'oss.credentials.unknown-key.role', doc: EC_PAGE('0002-00000002') },
  { id: 'alibaba.oss.code.InvalidAccessKeyId', match: { service: 'oss', code: 'InvalidAccessKeyId' }, ...cred, hint: 'oss.credentials.unknown-key.source', doc: EC_PAGE('0002-00000002') },
  { id: 'alibaba.oss.code.SignatureDoesNotMatch', match: { service: 'oss', code: 'SignatureDoesNotMatch' }, ...cred, hint: 'oss.credentials.signature', doc: EC_PAGE('0002-00000201') },
  { id: 'alibaba.oss.code.RequestTimeTooSkewed', match: { service: 'oss', code: 'RequestTimeTooSkewed' }, ...cred, hint: 'oss.credentials.clock', doc: OSS_403 },
  { id: 'alibaba.oss.ec.0002', match: { service: 'oss', ec: /^0002-/ }, ...cred, hint: 'oss.credentials.other', doc: OSS_403 },
  { id: 'alibaba.oss.code.AccessKeyDisabled', match: { service: 'oss', code: 'AccessKeyDisabled' }, ...cred, hint: 'oss.credentials.other', doc: OSS_403 },

  // --- OSS: the bucket is served at another endpoint (EC 0003-00001403 carries <Endpoint>) ---------
  ...wrongEndpointRows('alibaba.oss.ec.0003-00001403', { service: 'oss', ec: '0003-00001403' }, () => true, EC_PAGE('0003-00001403')),
  ...wrongEndpointRows('alibaba.oss.wrong-endpoint', { service: 'oss' }, wrongEndpoint, OSS_403),

  // --- OSS authorization refusals ------------------------------------------------------------------
  ...refusals([
    // Hotlink protection: no DenialSource names it; the EC is exact, so the hint says it.
    { id: 'alibaba.oss.ec.0003-0000050x', match: { service: 'oss', ec: /^0003-0000050[123]$/ }, source: 'unknown', explicit: null, hint: 'oss.hotlink', doc: EC_PAGE('0003-00000503') },
    { id: 'alibaba.oss.message.referer', match: { service: 'oss', message: /referer/i }, source: 'unknown', explicit: null, hint: 'oss.hotlink', doc: OSS_403 },
    { id: 'alibaba.oss.ec.0003-00000905', match: { service: 'oss', ec: '0003-00000905' }, source: 'identity-policy', explicit: null, hint: 'oss.header-permission', doc: EC_PAGE('0003-00000905') },
    { id: 'alibaba.oss.message.not-yours', match: { service: 'oss', message: /does not belong to you/i }, source: 'unknown', explicit: null, hint: 'oss.not-yours', doc: EC_PAGE('0003-00000001') },
    // A refused GetObjectAcl: unsigned, an invalid AccessKey, or no oss:GetObjectAcl. It names no policy.
    { id: 'alibaba.oss.ec.0003-00000007', match: { service: 'oss', ec: '0003-00000007' }, source: 'unknown', explicit: null, hint: 'oss.object-acl-read', doc: EC_PAGE('0003-00000007') },
    // AccessDeniedDetail.PolicyType, where present, before the EC.
    { id: 'alibaba.oss.detail.bucket-policy', match: { service: 'oss', detail: { PolicyType: /bucket/i } }, source: 'resource-policy', explicit: null, hint: BUCKET_POLICY_HINTS, doc: EC_PAGE('0003-00000201') },
    { id: 'alibaba.oss.detail.session-policy', match: { service: 'oss', detail: { PolicyType: /session/i } }, source: 'session-policy', explicit: null, hint: SESSION_POLICY_HINTS, doc: EC_PAGE('0003-00000301') },
    { id: 'alibaba.oss.detail.control-policy', match: { service: 'oss', detail: { PolicyType: /control/i } }, source: 'scp', explicit: null, hint: 'oss.control-policy', doc: EC_PAGE('0003-00000201') },
    { id: 'alibaba.oss.detail.vpc-policy', match: { service: 'oss', detail: { PolicyType: /vpc|endpoint/i } }, source: 'vpc-endpoint-policy', explicit: null, hint: 'oss.vpc-policy', doc: EC_PAGE('0003-00000401') },
    { id: 'alibaba.oss.detail.ram-policy', match: { service: 'oss', detail: { PolicyType: /identity|ram/i } }, source: 'identity-policy', explicit: null, hint: RAM_POLICY_HINTS, doc: EC_PAGE('0003-00000201') },
    { id: 'alibaba.oss.detail.acl', match: { service: 'oss', detail: { PolicyType: /acl/i } }, source: 'acl', explicit: null, hint: 'oss.acl', doc: EC_PAGE('0003-00000001') },
    // The EC. 0003-00000101: "the request matched a Deny in the bucket policy", so explicit unless
    // NoPermissionType says otherwise. 0003-00000201's page notes it also comes with ImplicitDeny,
    // so without NoPermissionType it stays unsaid.
    { id: 'alibaba.oss.ec.0003-00000101', match: { service: 'oss', ec: '0003-00000101' }, source: 'resource-policy', explicit: true, hint: BUCKET_POLICY_HINTS, doc: EC_PAGE('0003-00000101') },
    { id: 'alibaba.oss.ec.0003-00000201', match: { service: 'oss', ec: '0003-00000201' }, source: 'identity-policy', explicit: null, hint: RAM_POLICY_HINTS, doc: EC_PAGE('0003-00000201') },
    { id: 'alibaba.oss.ec.0003-00000301', match: { service: 'oss', ec: '0003-00000301' }, source: 'session-policy', explicit: null, hint: SESSION_POLICY_HINTS, doc: EC_PAGE('0003-00000301') },
    // "The request is denied by the VPC policy": the policy of the VPC's gateway endpoint for OSS.
    { id: 'alibaba.oss.ec.0003-00000401', match: { service: 'oss', ec: '0003-00000401' }, source: 'vpc-endpoint-policy', explicit: null, hint: 'oss.vpc-policy', doc: 'https://www.alibabacloud.com/help/en/oss/support/0003-00000401' },
    // The message, last.
    { id: 'alibaba.oss.message.vpc-policy', match: { service: 'oss', message: /VPC endpoint policy|VPC policy/i }, source: 'vpc-endpoint-policy', explicit: null, hint: 'oss.vpc-policy', doc: OSS_NOTES },
    { id: 'alibaba.oss.message.kms', match: { service: 'oss', message: /\bkms\b/i }, source: 'kms', explicit: null, hint: 'oss.kms', doc: OSS_NOTES },
    { id: 'alibaba.oss.code.kms', match: { service: 'oss', code: /^Kms/i }, source: 'kms', explicit: null, hint: 'oss.kms', doc: OSS_NOTES },
    { id: 'alibaba.oss.message.authorizer-policy', match: { service: 'oss', message: /authorizer'?s policy/i }, source: 'session-policy', explicit: null, hint: SESSION_POLICY_HINTS, doc: EC_PAGE('0003-00000301') },
    { id: 'alibaba.oss.message.acl', match: { service: 'oss', message: /\b(bucket|object) acl\b|public access/i }, source: 'acl', explicit: null, hint: 'oss.acl', doc: EC_PAGE('0003-00000001') },
    { id: 'alibaba.oss.message.bucket-policy', match: { service: 'oss', message: /bucket policy/i }, source: 'resource-policy', explicit: null, hint: BUCKET_POLICY_HINTS, doc: OSS_NOTES },
    { id: 'alibaba.oss.refused', match: { service: 'oss' }, source: 'unknown', explicit: null, hint: 'oss.unnamed', doc: EC_PAGE('0003-00000001') },
  ]),

  // --- OSS errors that are not refusals -------------------------------------------------------------
  { id: 'alibaba.oss.code.FileAlreadyExists', match: { service: 'oss', code: 'FileAlreadyExists' }, kind: 'error', stage: 'object', source: 'unknown', explicit: null, hint: 'oss.file-exists', doc: EC_PAGE('0026-00000201') },
  { id: 'alibaba.oss.code.NoSuchBucket', match: { service: 'oss', code: 'NoSuchBucket' }, kind: 'error', stage: 'bucket', source: 'endpoint', explicit: null, hint: 'oss.no-such-bucket', doc: EC_PAGE('0015-00000101') },
  { id: 'alibaba.oss.code.NoSuchKey', match: { service: 'oss', code: 'NoSuchKey' }, kind: 'error', stage: 'object', source: 'unknown', explicit: null, hint: 'oss.no-such-key', doc: EC_PAGE('0026-00000001') },
  { id: 'alibaba.oss.code.NoSuchUpload', match: { service: 'oss', code: 'NoSuchUpload' }, kind: 'error', stage: 'object', source: 'unknown', explicit: null, hint: 'oss.no-such-upload', doc: EC_PAGE('0017-00000244') },
  { id: 'alibaba.oss.code.EntityTooSmall', match: { service: 'oss', code: 'EntityTooSmall' }, kind: 'error', stage: 'object', source: 'unknown', explicit: null, hint: 'oss.entity-too-small', doc: EC_PAGE('0042-00000208') },
  { id: 'alibaba.oss.unsupported', match: { service: 'oss', code: ['MethodNotAllowed', 'NotImplemented'] }, kind: 'error', stage: 'by-operation', source: 'endpoint', explicit: null, hint: 'oss.unsupported', doc: OSS_NOTES },
  { id: 'alibaba.oss.unsupported.status', match: { service: 'oss', status: [405, 501] }, kind: 'error', stage: 'by-operation', source: 'endpoint', explicit: null, hint: 'oss.unsupported', doc: OSS_NOTES },
  { id: 'alibaba.oss.throttled', match: { service: 'oss', code: /Throttl|SlowDown|ServiceUnavailable/i }, kind: 'error', stage: 'by-operation', source: 'endpoint', explicit: null, hint: 'oss.throttled', doc: OSS_NOTES },
  { id: 'alibaba.oss.throttled.status', match: { service: 'oss', status: [429, 503] }, kind: 'error', stage: 'by-operation', source: 'endpoint', explicit: null, hint: 'oss.throttled', doc: OSS_NOTES },
  { id: 'alibaba.oss.server-error', match: { service: 'oss', family: 'server' }, kind: 'error', stage: 'by-operation', source: 'endpoint', explicit: null, hint: 'oss.server-error', doc: OSS_NOTES },
  { id: 'alibaba.oss.rejected', match: {}, kind: 'error', stage: 'by-operation', source: 'unknown', explicit: null, hint: 'oss.rejected', doc: OSS_NOTES },
];
