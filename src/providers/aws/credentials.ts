// Source credentials from the standard AWS chain (@aws-sdk/credential-providers): with `--profile NAME`
// the shared config and credentials files (SSO, role chaining and credential_process as configured
// there); otherwise the whole default chain (environment, shared files, SSO, web identity, ECS and
// EC2 instance metadata), as the AWS CLI resolves them.
// https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html

import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export type AwsSourceCredentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/** Credentials given directly (tests, run files) win; else the profile's; else the default chain. */
export function sourceCredentials(o: { credentials?: AwsSourceCredentials | undefined; profile: string | null }): AwsSourceCredentials {
  return o.credentials ?? (o.profile ? fromIni({ profile: o.profile }) : fromNodeProviderChain());
}
