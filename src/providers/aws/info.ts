// The AWS provider (S3 and S3-compatible stores, IAM and STS) as far as it is known without loading
// the SDK: its names, its ARNs, the flag it adds and its validation. index.ts adds the adapter.

import { UsageError } from '../../core/model.js';
import type { ProviderInfo } from '../../core/provider.js';
import { rulesOf } from '../../explain/dialects/index.js';
import { awsProfileExists } from './profiles.js';
import { validateRegion } from '../../core/target.js';
import { parseAwsRoleArn } from './arn.js';
import { policyFacts } from './policy-facts.js';

export const info: ProviderInfo = {
  name: 'aws',
  dialect: 'aws',
  policyKind: 'IAM identity policy',
  policy: policyFacts,
  arnScheme: 'arn:',
  parseRoleArn: parseAwsRoleArn,
  // PutObject's x-amz-acl ("Valid Values: private | public-read | public-read-write | authenticated-read
  // | aws-exec-read | bucket-owner-read | bucket-owner-full-control",
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html); log-delivery-write is a bucket ACL.
  cannedAcls: ['private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control'],
  validateWriter(w) {
    if (w.profile) {
      const p = awsProfileExists(w.profile);
      if (!p.exists) throw new UsageError(`--writer-profile: no profile "${w.profile}" in ${p.files.join(' or ')}`);
    }
  },
  flags: [{ name: 'path-style', option: 'pathStyle', describe: 'Path-style addressing (http://host/bucket/key), for S3-compatible stores' }],
  validate(o) {
    // another provider's flag is refused, not ignored (each provider refuses the flags it does not read)
    if (o.internal) throw new UsageError('--internal applies to Alibaba Cloud OSS only; for S3 through a VPC endpoint, pass it with --endpoint');
    if (o.roleArn) parseAwsRoleArn(o.roleArn);
    if (o.region) validateRegion(o.region);
  },
  validateExplain(e) {
    if (e.explainProfile) {
      const p = awsProfileExists(e.explainProfile);
      if (!p.exists) throw new UsageError(`--explain-profile: no profile "${e.explainProfile}" in ${p.files.join(' or ')}`);
    }
    if (e.store && !Object.hasOwn(rulesOf(info.dialect).stores, e.store)) {
      throw new UsageError(`--store: "${e.store}" is not a store of this provider (${Object.keys(rulesOf(info.dialect).stores).join(', ')})`);
    }
  },
};
