// Source credentials from Alibaba Cloud's standard chain (@alicloud/credentials): environment
// variables (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN), RRSA/OIDC
// (ALIBABA_CLOUD_ROLE_ARN, _OIDC_PROVIDER_ARN, _OIDC_TOKEN_FILE), the CLI config
// (~/.aliyun/config.json), the credentials file (~/.alibabacloud/credentials), the ECS RAM role
// (instance metadata) and ALIBABA_CLOUD_CREDENTIALS_URI, in that order. `--profile NAME` reads that
// profile from the CLI config, else from the credentials file.

import { CLIProfileCredentialsProvider, DefaultCredentialsProvider, ProfileCredentialsProvider } from '@alicloud/credentials';
import { SourceCredentialsError } from './classify.js';

export interface SourceCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** e.g. `default/env`, `cli_profile/static_ak`: where the chain found them. */
  providerName?: string;
}

interface Provider {
  getCredentials(): Promise<{ accessKeyId: string; accessKeySecret: string; securityToken?: string; providerName?: string }>;
}

function clean(c: Awaited<ReturnType<Provider['getCredentials']>>): SourceCredentials {
  if (!c.accessKeyId || !c.accessKeySecret) throw new SourceCredentialsError('the credential provider returned no AccessKey');
  const out: SourceCredentials = { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret };
  if (c.securityToken) out.securityToken = c.securityToken;
  if (c.providerName) out.providerName = c.providerName;
  return out;
}

function reason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}

export async function loadSourceCredentials(profile: string | null): Promise<SourceCredentials> {
  if (!profile) {
    try {
      return clean(await DefaultCredentialsProvider.builder().build().getCredentials());
    } catch (e) {
      throw new SourceCredentialsError(reason(e));
    }
  }
  const problems: string[] = [];
  const candidates: [string, () => Provider][] = [
    ['~/.aliyun/config.json', () => CLIProfileCredentialsProvider.builder().withProfileName(profile).build()],
    ['~/.alibabacloud/credentials', () => ProfileCredentialsProvider.builder().withProfileName(profile).build()],
  ];
  for (const [where, build] of candidates) {
    try {
      return clean(await build().getCredentials());
    } catch (e) {
      problems.push(`${where}: ${reason(e)}`);
    }
  }
  throw new SourceCredentialsError(`profile "${profile}" gave no credentials (${problems.join('; ')})`);
}

/**
 * The credentials an adapter signs with: given directly (tests) win, else the profile's, else the chain.
 * The writer of a two-identity probe (issue 15; src/core/writer.ts) with --writer-profile takes that
 * profile's credentials, never the probed identity's; its --writer-role is assumed from them.
 */
export function credentialsFor(o: {
  credentials?: SourceCredentials | undefined;
  profile: string | null;
  acting?: 'writer';
  writer?: { profile: string | null } | null;
}): Promise<SourceCredentials> {
  if (o.acting === 'writer' && o.writer?.profile) return loadSourceCredentials(o.writer.profile);
  return o.credentials ? Promise.resolve(o.credentials) : loadSourceCredentials(o.profile);
}
