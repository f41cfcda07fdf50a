// What Alibaba Cloud RAM policies can express for OSS, for the least-privilege generator
// (src/policy/generate.ts). RAM's OSS condition keys scope ListObjects by oss:Prefix and oss:Delimiter;
// no condition key tells an
// overwrite from a first write: OSS forbids overwrites with the bucket's overwrite protection
// (PutBucketOverwriteConfig) or the x-oss-forbid-overwrite header. GetBucketInfo is authorised as
// oss:GetBucketInfo on the bucket, with no prefix key.

import type { PolicyFacts } from '../../core/provider.js';
import { OSS_ACTIONS } from './actions.js';

export const policyFacts: PolicyFacts = {
  actions: OSS_ACTIONS,
  prefixKey: 'oss:Prefix',
  delimiterKey: 'oss:Delimiter',
  missingKeyNeedsUnprefixedList: false,
  headBucketIsUnprefixedList: false,
  conditionalWriteKeys: false,
  overwriteUnexpressible:
    'oss:PutObject is needed for the first write, and RAM has no condition key that tells an overwrite from it: forbid overwrites with the bucket\'s overwrite protection (PutBucketOverwriteConfig, action forbid, prefix "{prefix}") or the x-oss-forbid-overwrite header',
  cannedAclKey: false,
  bucketPolicyForRole: false,
  noBucketPolicyForRole:
    'Alibaba Cloud documents no principal-ARN condition key for bucket policies: a restrictive bucket-policy Deny cannot exempt only this role.',
  assumeRoleNote: "sts:AssumeRole is not part of this policy: the role's trust policy must name the caller, and the caller needs sts:AssumeRole on the role.",
  defaultPartition: '',
  // RAM trust policies: sts:ExternalId ("Condition keys of STS"); no session-name key is documented
  twin: {
    sessionNameKey: null,
    trustPolicy: (caller, condition) => ({ Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [caller] }, Action: 'sts:AssumeRole', Condition: condition }] }),
    controlPolicyExemption: "a service-linked role's exemption from Resource Directory control policies: they apply to the twin",
  },
};
