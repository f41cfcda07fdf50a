// The AWS provider: S3 (and S3-compatible stores) through the AWS SDK, roles through STS. Chosen for
// `arn:` role ARNs or with --provider aws.

import type { Provider } from '../../core/provider.js';
import { AwsAdapter } from './adapter.js';
import { resolveAwsTarget } from './config.js';
import { AwsExplainer } from './explain.js';
import { info } from './info.js';

export { parseAwsRoleArn } from './arn.js';

export const provider: Provider = {
  ...info,
  resolve: resolveAwsTarget,
  createAdapter(o) {
    return new AwsAdapter(o);
  },
  createExplainer(adapter, o, e) {
    return new AwsExplainer(adapter as AwsAdapter, { ...o, ...e, sessionName: o.sessionName });
  },
};
