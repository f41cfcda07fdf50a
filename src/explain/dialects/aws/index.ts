// The AWS policy language ("IAM JSON policy element reference", "AWS global condition context keys").

import type { DialectCaller, DialectRules } from '../types.js';
import { AWS_S3, CEPH_RGW, S3_COMPATIBLE } from './stores.js';
import type { ContextValue } from '../../types.js';

/** Keys every real request carries (or may carry) whose value a dry evaluation cannot see. */
const UNDETERMINED = [
  'aws:SourceIp',
  'aws:SecureTransport',
  'aws:CurrentTime',
  'aws:EpochTime',
  'aws:SourceVpc',
  'aws:SourceVpce',
  'aws:VpcSourceIp',
  'aws:UserAgent',
  'aws:Referer',
  'aws:RequestedRegion',
  'aws:PrincipalOrgID',
  'aws:PrincipalOrgPaths',
  'aws:PrincipalTag/*',
  'aws:ResourceOrgID',
  'aws:ResourceOrgPaths',
  'aws:ResourceTag/*',
  'aws:MultiFactorAuthPresent',
  'aws:MultiFactorAuthAge',
  'aws:TokenIssueTime',
  'aws:ViaAWSService',
  'aws:CalledVia',
  'aws:SourceIdentity',
  'aws:userid',
  's3:TlsVersion',
  's3:signatureversion',
  's3:signatureAge',
  's3:authType',
  's3:x-amz-content-sha256',
];

const PRINCIPAL_TYPE: Record<string, string> = {
  'assumed-role': 'AssumedRole',
  user: 'User',
  root: 'Account',
  'federated-user': 'FederatedUser',
  anonymous: 'Anonymous',
};

/** The partition an ARN is in when nothing says otherwise. */
export const DEFAULT_PARTITION = 'aws';

export const aws: DialectRules = {
  name: 'aws',
  scheme: 'arn',
  version(version, policy, warnings, fail) {
    if (version === null) {
      warnings.push(`${policy}: no Version element; evaluated as 2008-10-17 (no policy variables)`);
      return false;
    }
    if (version === '2012-10-17') return true;
    if (version !== '2008-10-17') fail('Version', `must be "2012-10-17" or "2008-10-17", got ${JSON.stringify(version)}`);
    return false;
  },
  principalTypes: new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']),
  everyoneType: 'AWS',
  principalList: false,
  extraOperators: {},
  ipWildcards: false,
  undocumentedElements: new Set(),
  policyWarnings: () => [],
  defaultUndetermined: UNDETERMINED,
  derivedFamily: [
    'aws:PrincipalArn',
    'aws:PrincipalAccount',
    'aws:username',
    'aws:PrincipalType',
    'aws:PrincipalServiceName',
    'aws:PrincipalServiceNamesList',
    'aws:PrincipalIsAWSService',
    'aws:ResourceAccount',
    'aws:FederatedProvider',
  ],
  // "Actions, resources, and condition keys for Amazon S3": s3:prefix, s3:delimiter and s3:max-keys
  // belong to ListBucket and ListBucketVersions; sts:ExternalId etc. to the AssumeRole family.
  actionAbsentKeys(action) {
    const out: string[] = [];
    if (!/^s3:ListBucket(Versions)?$/i.test(action)) out.push('s3:prefix', 's3:delimiter', 's3:max-keys');
    if (!/^sts:AssumeRole/i.test(action)) out.push('sts:ExternalId', 'sts:RoleSessionName');
    return out;
  },
  derivedKeys(caller: DialectCaller, resourceAccount: string | null): Record<string, ContextValue> {
    const out: Record<string, ContextValue> = {};
    const principalArn = caller.kind === 'assumed-role' ? (caller.roleArn ?? null) : caller.arn;
    if (principalArn) out['aws:PrincipalArn'] = principalArn;
    if (caller.account) out['aws:PrincipalAccount'] = caller.account;
    if (caller.userName && caller.kind === 'user') out['aws:username'] = caller.userName;
    if (caller.userId) out['aws:userid'] = caller.userId;
    if (PRINCIPAL_TYPE[caller.kind]) out['aws:PrincipalType'] = PRINCIPAL_TYPE[caller.kind]!;
    if (caller.kind === 'service' && caller.service) out['aws:PrincipalServiceName'] = caller.service;
    // present in every signed request: true only when a service principal calls
    if (caller.kind !== 'anonymous') out['aws:PrincipalIsAWSService'] = caller.kind === 'service' ? 'true' : 'false';
    if (resourceAccount) out['aws:ResourceAccount'] = resourceAccount;
    return out;
  },
  anyWithoutConditionSkipsOwner: false,
  trustNeedsCallerPermission: false,
  roleOfSession(arn) {
    const m = /^arn:([^:]+):sts::(\d*):assumed-role\/([^/]+)\/.+$/.exec(arn);
    return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : null;
  },
  roleArn: (account, name) => `arn:aws:iam::${account}:role/${name}`,
  // aws:SourceIp is not available for requests through a VPC endpoint (global condition context keys)
  networkKeys: { sourceIp: 'aws:SourceIp', sourceVpc: ['aws:SourceVpc'], sourceVpce: 'aws:SourceVpce', vpcHidesSourceIp: true, userAgent: 'aws:UserAgent' },
  sessionArnOf(roleArn, session) {
    const m = /^arn:([^:]*):iam::([^:]*):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    return m ? `arn:${m[1] || DEFAULT_PARTITION}:sts::${m[2]}:assumed-role/${m[3]}/${session}` : null;
  },
  policyVersion: '2012-10-17',
  scpNotEnforced: 'the SCPs given are not the ones the service enforced (an S3-compatible store enforces none; on AWS they do not apply to the management account, or others are attached)',
  statementSids: true,
  bucketArn: (bucket, partition) => `arn:${partition}:s3:::${bucket}`,
  allBucketsArn: (partition) => `arn:${partition}:s3:::*`,
  rolePrincipal: (roleArn) => ({ AWS: roleArn }),
  stores: { 'aws-s3': AWS_S3, 'ceph-rgw': CEPH_RGW, 's3-compatible': S3_COMPATIBLE },
  defaultStore: 'aws-s3',
  principalArnKey: 'aws:PrincipalArn',
  userIdKey: 'aws:userid',
  // "NotPrincipal": for a role session name the account, the role and the session (AWS evaluates
  // them in that order); Ceph RGW excludes on the role ARN alone, and would exclude every user of the
  // account on its root ARN.
  notPrincipalForms(roleArn, sessionArn) {
    const m = /^arn:([^:]+):iam::(\d*):/.exec(roleArn);
    const root = m ? `arn:${m[1]}:iam::${m[2]}:root` : null;
    return [
      ...(root ? [{ form: 'not-principal', value: { AWS: [root, roleArn, sessionArn] } }] : []),
      { form: 'not-principal-role', value: { AWS: [roleArn, sessionArn] } },
    ];
  },
  trustPrincipal: (callerArn) => ({ AWS: callerArn }),
};
