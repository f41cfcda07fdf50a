// The Alibaba Cloud provider: OSS through ali-oss, roles through Alibaba STS. Chosen for `acs:` role
// ARNs or with --provider alibaba. Everything here validates before any request is sent.

import type { Provider } from '../../core/provider.js';
import { AlibabaAdapter } from './adapter.js';
import { AlibabaExplainer } from './explain.js';
import { info, resolveRegion } from './info.js';

export { parseAcsRoleArn } from './arn.js';
export { regionFromOssEndpoint, resolveRegion, validateAlibaba } from './info.js';

export const provider: Provider = {
  ...info,
  createAdapter(o) {
    return new AlibabaAdapter({ ...o, region: resolveRegion(o) });
  },
  createExplainer(adapter, o, e) {
    return new AlibabaExplainer(adapter as AlibabaAdapter, { ...o, ...e, region: resolveRegion(o) });
  },
};
