// Region and endpoint of an AWS target from the standard places, before any request, so that
// `--profile src` means what `AWS_PROFILE=src` means and the report names what was used.
//
// The SDK alone does not do this for an explicit profile: a client's `region` comes from AWS_REGION
// or the profile of AWS_PROFILE, and the configured endpoint (`endpoint_url`, AWS_ENDPOINT_URL*) is
// read without the client's profile (@smithy/core/endpoints getEndpointFromConfig calls
// loadConfig() with no profile), so a `--profile` with `endpoint_url` would go to AWS instead.
// Order (AWS SDKs and Tools reference guide, "Service-specific endpoints" and "AWS Region"):
//   region:   --region, AWS_REGION, AWS_DEFAULT_REGION (the AWS CLI's name, honoured too), the
//             profile's `region` (config file, then credentials file), EC2 instance metadata;
//   endpoint: --endpoint, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's `services` section
//             (`s3 =\n  endpoint_url = ...`), the profile's `endpoint_url`; none of the configured
//             ones when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls is true.
//   STS:      --sts-endpoint, AWS_ENDPOINT_URL_STS, the `services` sts entry, then as for S3.
//   KMS (--explain's kms:GetKeyPolicy): AWS_ENDPOINT_URL_KMS, the `services` kms entry, then
//             AWS_ENDPOINT_URL / `endpoint_url` (the SDK's own order: @smithy/core endpoints
//             getEndpointUrlConfig, serviceId "KMS"), resolved here for the explain profile.
// The profile: --profile, else AWS_PROFILE, else `default`. The files are the SDK's own
// (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, ~/.aws/), read with the SDK's own loader.

import { loadConfig, loadSharedConfigFiles, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';
import type { CommonTargetOptions } from '../../core/provider.js';
import { UsageError } from '../../core/model.js';
import { validateEndpoint } from '../../core/target.js';

type Section = Record<string, string | undefined>;

export async function resolveAwsTarget(o: CommonTargetOptions, env: NodeJS.ProcessEnv): Promise<CommonTargetOptions> {
  const name = o.profile ?? env.AWS_PROFILE ?? 'default';
  const { configFile, credentialsFile } = await loadSharedConfigFiles();
  const inConfig = configFile[name];
  const inCredentials = credentialsFile[name];
  const staticKeys = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  if (!inConfig && !inCredentials && name !== 'default' && (o.profile !== null || !staticKeys)) {
    const flag = o.profile !== null ? '--profile' : 'AWS_PROFILE';
    throw new UsageError(`${flag}: profile "${name}" is missing: it is in neither ${where(env, 'AWS_CONFIG_FILE', '~/.aws/config')} nor ${where(env, 'AWS_SHARED_CREDENTIALS_FILE', '~/.aws/credentials')}`);
  }
  const profile: Section = { ...inConfig, ...inCredentials };
  const fromConfig: Section = { ...inCredentials, ...inConfig };
  const ignoreConfigured = truthy(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) || truthy(fromConfig.ignore_configured_endpoint_urls);
  const services = fromConfig.services ? configFile[`services.${fromConfig.services}`] : undefined;
  if (fromConfig.services && !services && !ignoreConfigured) {
    throw new UsageError(`profile "${name}": its services section "${fromConfig.services}" is not in ${where(env, 'AWS_CONFIG_FILE', '~/.aws/config')}`);
  }
  const configured = (service: 's3' | 'sts' | 'kms') => configuredEndpoint(service, env, name, fromConfig, services, ignoreConfigured);
  // the KMS endpoint is used only by --explain (configuredKmsEndpoint), after the run: a bad URL is
  // refused here, before any request
  const kms = configured('kms');
  if (kms) validateEndpoint(kms.from, kms.value);

  const out = { ...o };
  // AWS_PROFILE names the profile as --profile does (the chain would read it too, after static keys)
  if (out.profile === null && env.AWS_PROFILE && !staticKeys) out.profile = env.AWS_PROFILE;
  if (out.endpoint === null) {
    const e = configured('s3');
    if (e) out.endpoint = validateEndpoint(e.from, e.value);
  }
  if (out.stsEndpoint === null) {
    const e = configured('sts');
    // the generic setting is already the S3 endpoint, which STS uses when it has none of its own
    if (e && e.value !== out.endpoint) out.stsEndpoint = validateEndpoint(e.from, e.value);
  }
  out.region ??= env.AWS_REGION || env.AWS_DEFAULT_REGION || profile.region || null;
  if (out.region === null && out.endpoint === null && out.stsEndpoint === null) {
    // The SDK's last resort (EC2 instance metadata, 1 s, off with AWS_EC2_METADATA_DISABLED=true).
    try {
      out.region = await loadConfig(NODE_REGION_CONFIG_OPTIONS, { ...NODE_REGION_CONFIG_FILE_OPTIONS, profile: name })();
    } catch {
      throw new UsageError(
        `no region for bucket ${o.bucket}: pass --region, set AWS_REGION (or AWS_DEFAULT_REGION), or set "region" in profile "${name}" of ${where(env, 'AWS_CONFIG_FILE', '~/.aws/config')}`,
      );
    }
  }
  return out;
}

type Found = { value: string; from: string } | undefined;

/** A service's configured endpoint (AWS SDKs and Tools reference guide, "Service-specific endpoints"). */
function configuredEndpoint(service: 's3' | 'sts' | 'kms', env: NodeJS.ProcessEnv, name: string, fromConfig: Section, services: Section | undefined, ignore: boolean): Found {
  if (ignore) return undefined;
  const envName = `AWS_ENDPOINT_URL_${service.toUpperCase()}`;
  if (env[envName]) return { value: env[envName]!, from: envName };
  // the service's own entries come before the generic ones (the SDK reads the environment first)
  if (env.AWS_ENDPOINT_URL) return { value: env.AWS_ENDPOINT_URL, from: 'AWS_ENDPOINT_URL' };
  const svc = services?.[`${service}.endpoint_url`];
  if (svc) return { value: svc, from: `endpoint_url of ${service} in services "${fromConfig.services}" of profile "${name}"` };
  if (fromConfig.endpoint_url) return { value: fromConfig.endpoint_url, from: `endpoint_url of profile "${name}"` };
  return undefined;
}

/**
 * The KMS endpoint the explain credentials' profile configures (`profile`: --explain-profile, else
 * --profile, else AWS_PROFILE, else `default`), or null: AWS KMS of the key's region. A bad URL is
 * a UsageError naming where it came from.
 */
export async function configuredKmsEndpoint(env: NodeJS.ProcessEnv, profile: string | null): Promise<{ value: string; from: string } | null> {
  const name = profile ?? env.AWS_PROFILE ?? 'default';
  const { configFile, credentialsFile } = await loadSharedConfigFiles();
  const fromConfig: Section = { ...credentialsFile[name], ...configFile[name] };
  const ignore = truthy(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) || truthy(fromConfig.ignore_configured_endpoint_urls);
  const services = fromConfig.services ? configFile[`services.${fromConfig.services}`] : undefined;
  const e = configuredEndpoint('kms', env, name, fromConfig, services, ignore);
  return e ? { value: validateEndpoint(e.from, e.value), from: e.from } : null;
}

function where(env: NodeJS.ProcessEnv, variable: string, fallback: string): string {
  return env[variable] ? `${env[variable]} (${variable})` : fallback;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && v.toLowerCase() === 'true';
}
