import { parseAwsRoleArn, validateRegion } from '../../core/target.js';
import type { Provider } from '../registry.js';
import { AwsAdapter } from './adapter.js';

export const provider: Provider = {
  name: 'aws',
  validate(o) {
    if (o.roleArn) parseAwsRoleArn(o.roleArn);
    if (o.region) validateRegion(o.region);
  },
  createAdapter(o) {
    return new AwsAdapter(o);
  },
};
