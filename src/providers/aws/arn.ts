// AWS ARNs as the AWS provider reads them. The one parser of AWS role ARNs (the probe, cleanup and
// policy commands and run files all come here).
// IAM identifiers: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html

import { UsageError } from '../../core/model.js';
import type { RoleArn } from '../../core/provider.js';

/** Role ARN: `arn:<partition>:iam::<12 digits or empty for S3-compatible stores>:role/<path/>name`. */
const AWS_ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::(\d{12})?:role\/((?:[\x21-\x7e]+\/)*)([\w+=,.@-]{1,64})$/;

export function parseAwsRoleArn(value: string, flag = '--role'): RoleArn {
  const m = AWS_ROLE_ARN.exec(value);
  if (!m) {
    throw new UsageError(`${flag}: "${value}" is not an IAM role ARN (expected arn:aws:iam::<account-id>:role/<name>)`);
  }
  return { arn: value, partition: m[1]!, account: m[2] ?? '', path: m[3] ? `/${m[3]}` : '/', name: m[4]! };
}
