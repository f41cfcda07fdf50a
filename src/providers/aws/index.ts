import { parseAwsRoleArn, validateRegion } from '../../core/target.js';
import type { Provider } from '../../core/provider.js';
import { AwsAdapter } from './adapter.js';
import { UsageError } from '../../core/model.js';
import { storeSemantics } from '../../explain/proof.js';
import { AwsExplainer } from './explain.js';
import { awsProfileExists } from './profiles.js';

export const provider: Provider = {
  name: 'aws',
  validate(o) {
    if (o.roleArn) parseAwsRoleArn(o.roleArn);
    if (o.region) validateRegion(o.region);
  },
  createAdapter(o) {
    return new AwsAdapter(o);
  },
  validateExplain(e) {
    if (e.explainProfile) {
      const p = awsProfileExists(e.explainProfile);
      if (!p.exists) throw new UsageError(`--explain-profile: no profile "${e.explainProfile}" in ${p.files.join(' or ')}`);
    }
    if (e.store) {
      try {
        storeSemantics('aws', e.store);
      } catch (err) {
        throw new UsageError(`--store: ${(err as Error).message}`);
      }
    }
  },
  createExplainer(adapter, o, e) {
    return new AwsExplainer(adapter as AwsAdapter, { ...o, ...e, sessionName: o.sessionName });
  },
};
