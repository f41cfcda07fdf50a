// How S3 stores enforce the AWS policy language. AWS S3 as documented; Ceph RGW from
// ../shared/notes/ceph-rgw.md and test/integration/explain-rgw.test.ts (Pacific 16.2): no
// aws:PrincipalArn, NotAction in a Deny ignored, a negated operator on a missing key never matches,
// NotPrincipal naming the role ARN excludes its sessions; aws:UserAgent is enforced (the HTTP
// User-Agent header: test/integration/kms-ua-rgw.test.ts). An S3-compatible store that is neither
// (an --endpoint whose answers do not look like RGW's) gets the union of the known restrictions:
// a fix proven under them holds on AWS and on RGW.

import type { StoreSemantics } from '../../types.js';

export const AWS_S3: StoreSemantics = {
  name: 'aws-s3',
  unsupportedKeys: [],
  negatedMissingNeverMatches: false,
  denyNotActionIgnored: false,
  notPrincipalAnyEntry: false,
  undocumentedElements: [],
};

export const CEPH_RGW: StoreSemantics = {
  name: 'ceph-rgw',
  unsupportedKeys: ['aws:PrincipalArn'],
  negatedMissingNeverMatches: true,
  denyNotActionIgnored: true,
  notPrincipalAnyEntry: true,
  undocumentedElements: [],
};

export const S3_COMPATIBLE: StoreSemantics = { ...CEPH_RGW, name: 's3-compatible' };

/** RGW's request ids: `tx` + hex + `-` + hex + `-` + zone group (`default`). */
export const RGW_REQUEST_ID = /^tx[0-9a-f]+-[0-9a-f]+-[\w.-]+$/;
