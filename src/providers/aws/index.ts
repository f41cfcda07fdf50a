// The AWS provider: S3 (and S3-compatible stores) through the AWS SDK, roles through STS. Chosen for
// `arn:` role ARNs or with --provider aws.

import type { Provider } from '../../core/provider.js';
import { fromIni } from '@aws-sdk/credential-providers';
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
    const a = adapter as AwsAdapter;
    // The credentials that read the policies also read what the role may not of the ownership evidence.
    if (e.explainProfile) a.useOwnerCredentials(fromIni({ profile: e.explainProfile }), `the --explain-profile "${e.explainProfile}" credentials`);
    else a.useOwnerCredentials(a.sourceCredentialsForExplain(), 'the source credentials (--explain)');
    return new AwsExplainer(a, { ...o, ...e, sessionName: o.sessionName });
  },
};
