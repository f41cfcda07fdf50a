import { parseAwsRoleArn, validateRegion } from '../../core/target.js';
import type { Provider } from '../../core/provider.js';
import { AwsAdapter } from './adapter.js';
import { resolveAwsTarget } from './config.js';
import { AwsExplainer } from './explain.js';

export const provider: Provider = {
  name: 'aws',
  validate(o) {
    if (o.roleArn) parseAwsRoleArn(o.roleArn);
    if (o.region) validateRegion(o.region);
  },
  resolve: resolveAwsTarget,
  createAdapter(o) {
    return new AwsAdapter(o);
  },
  createExplainer(adapter, o, e) {
    return new AwsExplainer(adapter as AwsAdapter, { ...o, ...e, sessionName: o.sessionName });
  },
};
