// Alibaba Cloud ARNs as the Alibaba provider reads them. The one parser of RAM role ARNs (the probe,
// cleanup and policy commands and run files all come here).
// RAM role ARN: https://www.alibabacloud.com/help/en/ram/user-guide/view-the-information-about-a-ram-role

import { UsageError } from '../../core/model.js';
import type { RoleArn } from '../../core/provider.js';

/** `acs:ram::<account-id>:role/<name>`: RAM role names are 1-64 letters, digits, `.`, `-` (and `_`). */
const ACS_ROLE_ARN = /^acs:ram::(\d{5,20}):role\/([A-Za-z0-9._-]{1,64})$/;

export function parseAcsRoleArn(value: string, flag = '--role'): { account: string; name: string } {
  const m = ACS_ROLE_ARN.exec(value);
  if (!m) throw new UsageError(`${flag}: "${value}" is not a RAM role ARN (expected acs:ram::<account-id>:role/<name>)`);
  return { account: m[1]!, name: m[2]! };
}

/** The same, in the shape every provider reports (RAM has no partitions and no role paths). */
export function parseRamRoleArn(value: string, flag = '--role'): RoleArn {
  return { arn: value, partition: '', path: '/', ...parseAcsRoleArn(value, flag) };
}
