// OSS error responses (XML) and Alibaba OpenAPI (STS) error responses (JSON).
// Sources for codes, messages and EC values are listed in README.md.

import type { AccessDeniedDetail } from './types.js';
import { el, wrap, xmlDocument } from './xml.js';

export interface OssErrorDef {
  status: number;
  message: string;
  ec: string;
}

export const OSS_ERRORS = {
  NoSuchKey: { status: 404, message: 'The specified key does not exist.', ec: '0026-00000001' },
  NoSuchBucket: { status: 404, message: 'The specified bucket does not exist.', ec: '0015-00000101' },
  NoSuchUpload: {
    status: 404,
    message:
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    ec: '0017-00000244',
  },
  NoSuchBucketPolicy: { status: 404, message: 'The bucket policy does not exist.', ec: '0030-00000006' },
  /**
   * EC page 0030-00000008 (PutBucketPolicy): "When acs:SourceIp is specified as a Condition in a bucket
   * policy, acs:SourceVpc must also be specified". The page shows the request, not the response: the
   * status and Code are this server's (400, InvalidPolicyDocument, as for other invalid policies).
   */
  /**
   * The other PutBucketPolicy refusals (bucket-policy-validate.ts). Messages: EC page 0030-00000005 (English)
   * "The policy is invalid."; 0030-00000001, 0030-00000002 and 0030-00000007 are documented in Chinese
   * only ("Body大小太大,Policy的长度必须小于16 KB"; "Bucket Policy的Version必须是1"; "Bucket Policy、接入点策略
   * 或者对象FC策略不合法"): these messages translate them. Status and Code: this server's (as below).
   */
  PolicyTooLarge: { status: 400, message: 'The body is too large: the policy must be smaller than 16 KB.', ec: '0030-00000001' },
  PolicyVersion: { status: 400, message: 'The Version of the bucket policy must be 1.', ec: '0030-00000002' },
  PolicyInvalid: { status: 400, message: 'The policy is invalid.', ec: '0030-00000005' },
  PolicyConsecutiveWildcards: { status: 400, message: 'The bucket policy, access point policy or object FC access point policy is invalid.', ec: '0030-00000007' },
  PolicySourceIpWithoutVpc: {
    status: 400,
    message: 'When acs:SourceIp is specified as a Condition in the bucket policy, acs:SourceVpc must also be specified.',
    ec: '0030-00000008',
  },
  FileAlreadyExistsPut: {
    status: 409,
    message: 'The object you specified already exists and can not be overwritten.',
    ec: '0026-00000201',
  },
  FileAlreadyExistsComplete: {
    status: 409,
    message: 'The object you specified already exists and can not be overwritten.',
    ec: '0042-00000214',
  },
  InvalidAccessKeyId: {
    status: 403,
    message: 'The OSS Access Key Id you provided does not exist in our records.',
    ec: '0002-00000002',
  },
  InvalidSecurityToken: { status: 403, message: 'The security token you provided is invalid.', ec: '0002-00000006' },
  /** a real token sent with another AccessKeyId (EC page 0002-00000008) */
  InvalidSecurityTokenMismatch: {
    status: 403,
    message: 'The security token you provided is invalid.',
    ec: '0002-00000008',
  },
  SecurityTokenExpired: { status: 403, message: 'The security token you provided has expired.', ec: '0002-00000007' },
  SignatureDoesNotMatchV1: {
    status: 403,
    message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ec: '0002-00000040',
  },
  SignatureDoesNotMatchV4: {
    status: 403,
    message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ec: '0002-00000201',
  },
  AccessDeniedAnonymous: {
    status: 403,
    message: 'You have no right to access this object because of bucket acl.',
    ec: '0003-00000001',
  },
  AccessDeniedBucketPolicy: {
    status: 403,
    message: 'You have no right to access this object because of bucket policy.',
    ec: '0003-00000101',
  },
  InvalidArgumentAuthorization: {
    status: 400,
    message: 'Authorization header is invalid.',
    ec: '0002-00000016',
  },
  RequestTimeTooSkewed: {
    status: 403,
    message: 'The difference between the request time and the current time is too large.',
    ec: '0002-00000504',
  },
  InvalidDigest: { status: 400, message: 'The Content-MD5 you specified is not valid.', ec: '0016-00000401' },
  // Versioning and WORM (issue 13). Their ECs are not on the pages this server cites: omitted, not invented.
  FileImmutable: { status: 409, message: 'This object is protected by the retention policy and cannot be deleted or overwritten.', ec: '' },
  NoSuchVersion: { status: 404, message: 'The specified version does not exist.', ec: '' },
  // ListBucketInventory / GetBucketInventory without that inventory (issue 15); message and EC not documented.
  NoSuchInventory: { status: 404, message: 'The inventory does not exist.', ec: '' },
  InvalidObjectAcl: { status: 400, message: 'The object ACL you specified is not valid.', ec: '' },
  NoSuchWORMConfiguration: { status: 404, message: 'The WORM Configuration does not exist.', ec: '' },
  WORMConfigurationLocked: { status: 409, message: 'The WORM Configuration is locked.', ec: '' },
  WORMConfigurationNotLocked: { status: 409, message: 'The WORM Configuration is not locked.', ec: '' },
  InvalidBucketState: { status: 409, message: 'The bucket state is invalid for this request.', ec: '' },
  MalformedXML: {
    status: 400,
    message: 'The XML you provided was not well-formed or did not validate against our published schema.',
    ec: '0042-00000209',
  },
  InvalidPart: {
    status: 400,
    message:
      "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
    ec: '0042-00000206',
  },
  InvalidPartOrder: {
    status: 400,
    message: 'The list of parts was not in ascending order. Parts list must specified in order by part number.',
    ec: '0042-00000207',
  },
  EntityTooSmall: {
    status: 400,
    message: 'Your proposed upload smaller than the minimum allowed size.',
    ec: '0042-00000208',
  },
  InvalidForbidOverwrite: {
    status: 400,
    message: 'The value of x-oss-forbid-overwrite must be true or false.',
    ec: '0017-00000279',
  },
  InvalidPartNumber: { status: 400, message: 'Part number must be an integer between 1 and 10000, inclusive.', ec: '0017-00000245' },
  MethodNotAllowed: {
    status: 405,
    message: 'The specified method is not allowed against this resource.',
    ec: '0003-00000005',
  },
  ServiceUnavailable: { status: 503, message: 'Please reduce your request rate.', ec: '0005-00000002' },
} satisfies Record<string, OssErrorDef>;

export type OssErrorName = keyof typeof OSS_ERRORS;

/** The XML `Code` for a catalog entry (several entries share one Code). */
export function codeOf(name: OssErrorName): string {
  if (name.startsWith('FileAlreadyExists')) return 'FileAlreadyExists';
  if (name.startsWith('SignatureDoesNotMatch')) return 'SignatureDoesNotMatch';
  if (name.startsWith('InvalidSecurityToken')) return 'InvalidSecurityToken';
  if (name.startsWith('AccessDenied')) return 'AccessDenied';
  if (name.startsWith('Policy')) return 'InvalidPolicyDocument';
  if (name === 'InvalidObjectAcl') return 'InvalidArgument';
  if (name === 'InvalidArgumentAuthorization' || name === 'InvalidPartNumber' || name === 'InvalidForbidOverwrite') {
    return 'InvalidArgument';
  }
  return name;
}

export interface OssErrorResponse {
  status: number;
  code: string;
  message: string;
  ec: string;
  /** extra flat elements placed after HostId (e.g. Key, BucketName, UploadId, StringToSign) */
  extra?: Array<[string, string]>;
  accessDeniedDetail?: AccessDeniedDetail;
}

export function ossError(name: OssErrorName, extra?: Array<[string, string]>): OssErrorResponse {
  const def: OssErrorDef = OSS_ERRORS[name];
  const res: OssErrorResponse = { status: def.status, code: codeOf(name), message: def.message, ec: def.ec };
  if (extra) res.extra = extra;
  return res;
}

export function recommendDoc(ec: string): string {
  return `https://api.aliyun.com/troubleshoot?q=${ec}`;
}

export function ossErrorXml(err: OssErrorResponse, requestId: string, hostId: string): string {
  let body = el('Code', err.code) + el('Message', err.message) + el('RequestId', requestId) + el('HostId', hostId);
  for (const [name, value] of err.extra ?? []) body += el(name, value);
  if (err.accessDeniedDetail) {
    const d = err.accessDeniedDetail;
    body += wrap(
      'AccessDeniedDetail',
      el('PolicyType', d.PolicyType) +
        el('AuthPrincipalOwnerId', d.AuthPrincipalOwnerId) +
        el('AuthPrincipalType', d.AuthPrincipalType) +
        el('AuthPrincipalDisplayName', d.AuthPrincipalDisplayName) +
        el('NoPermissionType', d.NoPermissionType) +
        el('AuthAction', d.AuthAction) +
        el('EncodedDiagnosticMessage', d.EncodedDiagnosticMessage),
    );
  }
  if (err.ec) body += el('EC', err.ec) + el('RecommendDoc', recommendDoc(err.ec));
  return xmlDocument(wrap('Error', body) + '\n');
}

/** PolicyType OSS reports for an EC in the 0003 (authorization) family. */
export function policyTypeForEc(ec: string): string {
  switch (ec) {
    case '0003-00000101':
      return 'BucketPolicy';
    case '0003-00000201':
      return 'AccountLevelIdentityBasedPolicy';
    case '0003-00000301':
      return 'SessionPolicy';
    default:
      return 'AccountLevelIdentityBasedPolicy';
  }
}

// ---------------------------------------------------------------------------------------------
// STS (Alibaba OpenAPI, ACS3 signed, JSON errors)

export interface StsErrorResponse {
  status: number;
  code: string;
  message: string;
}

export function stsError(status: number, code: string, message: string): StsErrorResponse {
  return { status, code, message };
}

// The three NoPermission texts of AssumeRole: "Roles may not be assumed by root accounts." (doc 42775
// item 1), "No permission perform sts:AssumeRole on this Role. Maybe ..." (doc 42775 item 8: the
// caller lacks AliyunSTSAssumeRoleAccess, the trusted account does not match, a service role), and
// "You are not authorized to do this action. You should be authorized by RAM." (RAM "FAQ about RAM
// roles and STS tokens": an account's key, no sts:AssumeRole permission, a trust policy without the
// caller). Which text real STS sends for which cause is not documented one-to-one; this server sends
// the FAQ text when the caller's own RAM policies lack sts:AssumeRole and the 42775 text when the
// role's trust policy does not admit the caller (or the ExternalId does not match, or it is a
// service role).
export const STS_ERRORS = {
  noPermissionNotAuthorized: (): StsErrorResponse =>
    stsError(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.'),
  noPermissionTrust: (): StsErrorResponse =>
    stsError(
      403,
      'NoPermission',
      'No permission perform sts:AssumeRole on this Role. Maybe you are not authorized to perform sts:AssumeRole or the specified role does not trust you',
    ),
  noPermissionRoot: (): StsErrorResponse => stsError(403, 'NoPermission', 'Roles may not be assumed by root accounts.'),
  roleNotExist: (arn: string): StsErrorResponse => stsError(404, 'EntityNotExist.Role', `The role not exists: ${arn}.`),
  roleSessionName: (): StsErrorResponse =>
    stsError(400, 'InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.'),
  durationSeconds: (maxSeconds: number): StsErrorResponse =>
    stsError(
      400,
      'InvalidParameter.DurationSeconds',
      `The Min/Max value of DurationSeconds is 15min/${formatHours(maxSeconds)}.`,
    ),
  policyGrammar: (): StsErrorResponse =>
    stsError(400, 'InvalidParameter.PolicyGrammar', 'The parameter Policy has not passed grammar check.'),
  missingParameter: (name: string): StsErrorResponse => stsError(400, `Missing${name}`, `${name} is mandatory for this action.`),
  accessKeyNotFound: (): StsErrorResponse => stsError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  missingSecurityToken: (): StsErrorResponse =>
    stsError(400, 'MissingSecurityToken', 'SecurityToken is mandatory for this action.'),
  invalidSecurityToken: (): StsErrorResponse =>
    stsError(400, 'InvalidSecurityToken.Malformed', 'The provided SecurityToken is malformed.'),
  expiredSecurityToken: (): StsErrorResponse =>
    stsError(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.'),
  incompleteSignature: (stringToSign?: string): StsErrorResponse =>
    stsError(
      400,
      'IncompleteSignature',
      'The request signature does not conform to Aliyun standards.' +
        (stringToSign === undefined ? '' : ` server string to sign is:${stringToSign}`),
    ),
  signatureDoesNotMatch: (stringToSign: string): StsErrorResponse =>
    stsError(
      400,
      'SignatureDoesNotMatch',
      `Specified signature does not match our calculation. server string to sign is:${stringToSign}`,
    ),
  unsupportedAction: (action: string): StsErrorResponse =>
    stsError(404, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method: ${action}.`),
};

function formatHours(seconds: number): string {
  const hours = seconds / 3600;
  return Number.isInteger(hours) ? `${hours}hr` : `${seconds}s`;
}

export function stsErrorJson(err: StsErrorResponse, requestId: string, hostId: string): string {
  return JSON.stringify({
    RequestId: requestId,
    HostId: hostId,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=Sts&requestId=${requestId}`,
  });
}
