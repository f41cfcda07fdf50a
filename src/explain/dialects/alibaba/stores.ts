// How OSS enforces the Alibaba policy language, from its documentation ("OSS authorization syntax
// and elements": the documented condition keys; no acs:PrincipalARN; NotPrincipal/NotResource not
// documented, so a fix must not rely on them: the statement elements that page lists are Effect, Action,
// Principal, Resource and Condition; a NotPrincipal candidate is rejected by store-supports, with that
// reason: test/unit/alibaba-explain.test.ts "the seed story"). Bucket-policy statements must pair
// acs:SourceIp with acs:SourceVpc (EC 0030-00000008): the dialect's policyWarnings, also in proof.ts.

import type { StoreSemantics } from '../../types.js';

export const OSS: StoreSemantics = {
  name: 'oss',
  unsupportedKeys: ['acs:PrincipalARN', 'acs:PrincipalArn'],
  negatedMissingNeverMatches: false,
  denyNotActionIgnored: false,
  notPrincipalAnyEntry: false,
  undocumentedElements: ['NotPrincipal', 'NotResource'],
};
