// What Amazon S3's IAM policies can express, for the least-privilege generator (src/policy/generate.ts).
// - A GET/HEAD of a missing key answers 404 only to a caller allowed s3:ListBucket on the bucket, 403
//   otherwise ("Troubleshoot access denied (403 Forbidden) errors in Amazon S3").
// - HeadBucket is authorised as s3:ListBucket and carries no s3:prefix
//   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html).
// - Conditional writes: s3:if-none-match and s3:ObjectCreationOperation ("Enforce conditional writes on
//   Amazon S3 buckets").

import type { PolicyFacts } from '../../core/provider.js';
import { S3_ACTIONS } from './actions.js';

export const policyFacts: PolicyFacts = {
  actions: S3_ACTIONS,
  prefixKey: 's3:prefix',
  delimiterKey: 's3:delimiter',
  missingKeyNeedsUnprefixedList: true,
  headBucketIsUnprefixedList: true,
  conditionalWriteKeys: true,
  overwriteUnexpressible: null,
  cannedAclKey: true,
  bucketPolicyForRole: true,
  noBucketPolicyForRole: '',
  assumeRoleNote:
    "sts:AssumeRole is not part of this policy: the role's trust policy must name the caller, and the caller's own policy must allow sts:AssumeRole on the role.",
  defaultPartition: 'aws',
  // trust-policy keys sts:ExternalId and sts:RoleSessionName ("Available keys for AWS STS"); SCPs do not
  // apply to service-linked roles ("Using service-linked roles", IAM User Guide)
  twin: {
    sessionNameKey: 'sts:RoleSessionName',
    trustPolicy: (caller, condition) => ({
      Version: '2012-10-17',
      Statement: [{ Sid: 'CanaryCallerOnly', Effect: 'Allow', Principal: { AWS: caller }, Action: 'sts:AssumeRole', Condition: condition }],
    }),
    controlPolicyExemption: "a service-linked role's exemption from service control policies: SCPs apply to the twin, not to the service-linked role",
  },
};
