// The Alibaba Cloud policy language: RAM policies ("Policy elements", help/doc-detail/93738) and OSS
// bucket policies ("OSS authorization syntax and elements",
// alibabacloud.com/help/en/oss/user-guide/authorization-syntax-and-elements; "Bucket Policy",
// alibabacloud.com/help/en/oss/user-guide/oss-bucket-policy):
// - Version must be "1"; no policy variables;
// - trust policies name callers under "RAM" / "Service" / "Federated"; bucket policies list UIDs,
//   `arn:sts::UID:assumed-role/ROLE/SESSION` role sessions (with `*` wildcards) or "*" ([] = everyone);
// - IP operators: IpAddress, NotIpAddress, IpAddressIncludeBorder (a CIDR block including its first and
//   last address: this evaluator's IpAddress already includes them); acs:SourceIp values may use `*`;
// - NotPrincipal and NotResource are not documented by RAM or OSS: accepted with a warning;
// - a Principal "*" statement without a Condition does not apply to the bucket owner.

import type { DialectCaller, DialectRules } from '../types.js';
import { OSS } from './stores.js';
import { SOURCE_IP_NEEDS_VPC, sourceIpWithoutVpc } from './bucket-policy.js';
import type { ContextValue } from '../../types.js';

/**
 * Documented keys (OSS authorization syntax and elements, "Condition keys") whose value a dry
 * evaluation cannot see: the network the request came from, its User-Agent, the tags and ACLs the
 * bucket/object carry. Keys the explainer knows are filled by it and win over this list.
 */
const UNDETERMINED = [
  'acs:SourceIp',
  'acs:SourceVpc',
  'acs:SourceVpcId',
  'acs:SourceVpcIp',
  'acs:SecureTransport',
  'acs:CurrentTime',
  'acs:MFAPresent',
  'acs:AccessId',
  'acs:UserAgent',
  'oss:x-oss-acl',
  'oss:x-oss-object-acl',
  'oss:BucketTag/*',
  'oss:ExistingObjectTag/*',
];

export const alibaba: DialectRules = {
  name: 'alibaba',
  scheme: 'acs',
  version(version, policy, warnings, fail) {
    if (version === null) warnings.push(`${policy}: no Version element; RAM policies use "Version": "1"`);
    else if (version !== '1') fail('Version', `an Alibaba Cloud policy must have "Version": "1", got ${JSON.stringify(version)}`);
    return false;
  },
  principalTypes: new Set(['RAM', 'Service', 'Federated']),
  everyoneType: 'RAM',
  principalList: true,
  extraOperators: {
    IpAddressIncludeBorder: { base: 'IpAddress', negated: false },
    NotIpAddressIncludeBorder: { base: 'IpAddress', negated: true },
  },
  ipWildcards: true,
  undocumentedElements: new Set(['NotPrincipal', 'NotResource']),
  policyWarnings(kind, statements, policy) {
    if (kind !== 'resource') return [];
    return sourceIpWithoutVpc(statements).map((i) => `${policy}: statement #${i}: ${SOURCE_IP_NEEDS_VPC}`);
  },
  defaultUndetermined: UNDETERMINED,
  derivedFamily: [],
  // oss:Prefix and oss:Delimiter are used in ListObjects requests only (authorization syntax, Condition keys).
  actionAbsentKeys(action) {
    const out: string[] = [];
    if (!/^oss:List(Objects|ObjectVersions)$/i.test(action)) out.push('oss:Prefix', 'oss:Delimiter');
    if (!/^sts:AssumeRole/i.test(action)) out.push('sts:ExternalId');
    return out;
  },
  derivedKeys(_caller: DialectCaller): Record<string, ContextValue> {
    return {};
  },
  anyWithoutConditionSkipsOwner: true,
  trustNeedsCallerPermission: true,
  roleOfSession(arn) {
    const m = /^acs:ram::(\d+):assumed-role\/([^/]+)\/.+$/.exec(arn);
    return m ? `acs:ram::${m[1]}:role/${m[2]}` : null;
  },
  roleArn: (account, name) => `acs:ram::${account}:role/${name}`,
  // OSS bucket policies: acs:SourceIp, acs:SourceVpc and acs:SourceVpcId; no VPC endpoint key
  networkKeys: { sourceIp: 'acs:SourceIp', sourceVpc: ['acs:SourceVpc', 'acs:SourceVpcId'], sourceVpce: null, vpcHidesSourceIp: false, userAgent: 'acs:UserAgent' },
  sessionArnOf(roleArn, session) {
    const m = /^acs:ram::([^:]*):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    return m ? `acs:ram::${m[1]}:assumed-role/${m[2]}/${session}` : null;
  },
  policyVersion: '1',
  scpNotEnforced: 'the control policies given are not the ones the service enforced (others are attached, or the account is not in those folders)',
  statementSids: false,
  bucketArn: (bucket) => `acs:oss:*:*:${bucket}`,
  allBucketsArn: () => 'acs:oss:*:*:*',
  // OSS names every session of a role as arn:sts::UID:assumed-role/ROLE/* in a bucket policy.
  rolePrincipal(roleArn) {
    const m = /^acs:ram::(\d+):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    return m ? [`arn:sts::${m[1]}:assumed-role/${m[2]}/*`] : [roleArn];
  },
  stores: { oss: OSS },
  defaultStore: 'oss',
  principalArnKey: null,
  userIdKey: null,
  notPrincipalForms(roleArn) {
    return [{ form: 'not-principal', value: alibaba.rolePrincipal(roleArn) }];
  },
  trustPrincipal: (callerArn) => ({ RAM: [callerArn] }),
};

/** `arn:sts::UID:assumed-role/ROLE/SESSION`, the form OSS bucket policies use for a role session. */
export function stsSessionArn(account: string, role: string, session: string): string {
  return `arn:sts::${account}:assumed-role/${role}/${session}`;
}
