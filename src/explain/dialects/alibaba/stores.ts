// How OSS enforces the Alibaba policy language, from its documentation ("OSS authorization syntax
// and elements": the documented condition keys; no acs:PrincipalARN; NotPrincipal/NotResource not
// documented, so a fix must not rely on them).

import type { StoreSemantics } from '../../types.js';

export const OSS: StoreSemantics = {
  name: 'oss',
  unsupportedKeys: ['acs:PrincipalARN', 'acs:PrincipalArn'],
  negatedMissingNeverMatches: false,
  denyNotActionIgnored: false,
  notPrincipalAnyEntry: false,
  undocumentedElements: ['NotPrincipal', 'NotResource'],
};
