// The AWS provider (S3 and S3-compatible stores, IAM and STS) as far as it is known without loading
// the SDK: its names, its ARNs, the flag it adds and its validation. index.ts adds the adapter.

import { UsageError } from '../../core/model.js';
import type { ProviderInfo } from '../../core/provider.js';
import { rulesOf } from '../../explain/dialects/index.js';
import { awsProfileExists } from './profiles.js';
import { validateRegion } from '../../core/target.js';
import { parseAwsRoleArn } from './arn.js';

export const info: ProviderInfo = {
  name: 'aws',
  dialect: 'aws',
  policyKind: 'IAM identity policy',
  arnScheme: 'arn:',
  parseRoleArn: parseAwsRoleArn,
  flags: [{ name: 'path-style', option: 'pathStyle', describe: 'Path-style addressing (http://host/bucket/key), for S3-compatible stores' }],
  validate(o) {
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
