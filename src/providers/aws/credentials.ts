// Source credentials from the standard AWS chain (@aws-sdk/credential-providers): with `--profile NAME`
// the shared config and credentials files (SSO, role chaining and credential_process as configured
// there); otherwise the whole default chain (environment, shared files, SSO, web identity, ECS and
// EC2 instance metadata), as the AWS CLI resolves them.
// https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html

import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export type AwsSourceCredentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/**
 * Credentials given directly (tests, run files) win; else the profile's; else the default chain. The
 * writer of a two-identity probe (issue 15; its options from src/core/writer.ts) with --writer-profile
 * takes that profile's credentials, never the probed identity's; without one, the source chain's.
 * Its --writer-role is assumed by the adapter from these, as --role is from the source credentials.
 */
export function sourceCredentials(o: {
  credentials?: AwsSourceCredentials | undefined;
  profile: string | null;
  acting?: 'writer';
  writer?: { profile: string | null } | null;
}): AwsSourceCredentials {
  if (o.acting === 'writer' && o.writer?.profile) return fromIni({ profile: o.writer.profile });
  return o.credentials ?? (o.profile ? fromIni({ profile: o.profile }) : fromNodeProviderChain());
}
