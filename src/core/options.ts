// The options that name a target, written once: their names (the `probe` flags and run-file keys),
// types and defaults, and the one place that turns them into validated CommonTargetOptions. The CLI
// declares its yargs options from these tables (src/cli/target-args.ts) and run files accept exactly
// these keys (src/core/runfile.ts), so a new option is one row here.

import { isIP } from 'node:net';
import { shortId } from './canary.js';
import { UsageError } from './model.js';
import type { CommonTargetOptions, ExplainFlags, ProviderInfo } from './provider.js';
import {
  checkText,
  normalisePrefix,
  validateBucket,
  validateDuration,
  validateEndpoint,
  validateExternalId,
  validatePositive,
  validateSessionName,
} from './target.js';
import { checkPolicy, readPolicyFile } from '../explain/read.js';
import type { Dialect } from '../explain/types.js';
import { providerFlags, providerForRole, providerInfo } from '../providers/registry.js';

export type FlagType = 'string' | 'boolean' | 'number';
export interface FlagSpec {
  type: FlagType;
  default?: string | boolean | number;
}

/** The flags every provider understands (its own flags come from the registry). */
export interface TargetFlags {
  role?: string;
  assume: boolean;
  bucket: string;
  prefix: string;
  'allow-bucket-root': boolean;
  provider?: string;
  region?: string;
  endpoint?: string;
  'sts-endpoint'?: string;
  'session-name'?: string;
  'external-id'?: string;
  duration: number;
  'session-policy'?: string;
  profile?: string;
  timeout: number;
  'max-attempts': number;
}

export const TARGET_FLAGS: Record<keyof TargetFlags, FlagSpec> = {
  role: { type: 'string' },
  assume: { type: 'boolean', default: true },
  bucket: { type: 'string' },
  prefix: { type: 'string', default: '' },
  'allow-bucket-root': { type: 'boolean', default: false },
  provider: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  'sts-endpoint': { type: 'string' },
  'session-name': { type: 'string' },
  'external-id': { type: 'string' },
  duration: { type: 'number', default: 900 },
  'session-policy': { type: 'string' },
  profile: { type: 'string' },
  timeout: { type: 'number', default: 30 },
  'max-attempts': { type: 'number', default: 3 },
};

/** What a probe adds to a target: which definition, and how large its multipart part is. */
export interface ProbeFlags {
  probe: string;
  'part-size'?: string;
  quick: boolean;
}

export const PROBE_FLAGS: Record<keyof ProbeFlags, FlagSpec> = {
  probe: { type: 'string', default: 'default' },
  'part-size': { type: 'string' },
  quick: { type: 'boolean', default: false },
};

/** Every option a run-file target may set, with its type: the common ones, the providers' and the probe's. */
export function targetKeys(): Record<string, FlagSpec> {
  const keys: Record<string, FlagSpec> = { ...TARGET_FLAGS };
  for (const f of providerFlags()) keys[f.name] = { type: 'boolean', default: false };
  return { ...keys, ...PROBE_FLAGS };
}

/** A run-file entry (values as written) completed with the defaults the flags have. */
export function withDefaults<T>(entry: Record<string, string | boolean | number>): T {
  const out: Record<string, string | boolean | number> = {};
  for (const [k, spec] of Object.entries(targetKeys())) {
    const v = Object.hasOwn(entry, k) ? entry[k] : spec.default;
    if (v !== undefined) out[k] = spec.type === 'string' ? String(v) : v;
  }
  return out as T;
}

/** The provider a target's flags name (--provider, else the role ARN's scheme), not yet loaded. */
export function providerOf(f: Pick<TargetFlags, 'provider' | 'role' | 'assume'>): ProviderInfo {
  return providerInfo(f.provider ?? providerForRole(f.assume ? (f.role ?? null) : null));
}

/** All common validation of a target's flags; the provider validates its own part afterwards. */
export function targetOptions(a: TargetFlags, provider: ProviderInfo): CommonTargetOptions {
  if (a.assume && !a.role) throw new UsageError('--role is required (or pass --no-assume to probe the source credentials)');
  if (!a.assume && a.role) throw new UsageError('--role and --no-assume exclude each other');
  const timeout = validatePositive('--timeout', a.timeout, 3600);
  const attempts = a['max-attempts'];
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10) {
    throw new UsageError(`--max-attempts: ${attempts} is out of range (1 to 10)`);
  }
  const o: CommonTargetOptions = {
    bucket: validateBucket(a.bucket),
    prefix: normalisePrefix(a.prefix, a['allow-bucket-root']),
    region: a.region !== undefined ? checkText('--region', a.region) : null,
    endpoint: a.endpoint !== undefined ? validateEndpoint('--endpoint', a.endpoint) : null,
    stsEndpoint: a['sts-endpoint'] !== undefined ? validateEndpoint('--sts-endpoint', a['sts-endpoint']) : null,
    pathStyle: false,
    internal: false,
    roleArn: a.assume ? (a.role ?? null) : null,
    sessionName: validateSessionName(a['session-name'] ?? `backup-canary-${shortId()}`),
    externalId: a['external-id'] !== undefined ? validateExternalId(a['external-id']) : null,
    durationSeconds: validateDuration(a.duration),
    sessionPolicy: a['session-policy'] !== undefined ? readSessionPolicy(a['session-policy'], provider.dialect) : null,
    profile: a.profile !== undefined ? checkText('--profile', a.profile) : null,
    timeoutMs: Math.round(timeout * 1000),
    maxAttempts: attempts,
  };
  // The providers' own flags: each sets one option (and only its provider reads it).
  for (const f of providerFlags()) if ((a as unknown as Record<string, unknown>)[f.name] === true) o[f.option] = true;
  return o;
}

/** A session policy file: valid JSON, sent minified. STS limits the packed policy to 2048 characters. */
function readSessionPolicy(file: string, dialect: Dialect): string {
  const doc = readPolicyFile(file, '--session-policy').json;
  if (typeof doc !== 'object' || doc === null || !('Statement' in doc)) {
    throw new UsageError(`--session-policy: "${file}" is not a policy document (no "Statement")`);
  }
  checkPolicy(doc, file, '--session-policy', dialect);
  const packed = JSON.stringify(doc);
  if (packed.length > 2048) throw new UsageError(`--session-policy: the policy has ${packed.length} characters; STS allows 2048`);
  return packed;
}

/** The flags of --explain, as the `probe` command names them. */
export interface ExplainInput {
  explain: boolean;
  'explain-profile'?: string;
  'source-ip'?: string;
  'source-vpc'?: string;
  'source-vpce'?: string;
  'caller-arn'?: string;
  scp?: string[];
  rcp?: string[];
  store?: string;
}

/** The --explain flags, checked; null without --explain (and then none of them may be given). */
export function explainFlags(a: ExplainInput): ExplainFlags | null {
  const given = (['explain-profile', 'source-ip', 'source-vpc', 'source-vpce', 'caller-arn', 'scp', 'rcp', 'store'] as const).filter((k) => a[k] !== undefined);
  if (!a.explain) {
    if (given.length) throw new UsageError(`--${given[0]} goes with --explain`);
    return null;
  }
  const ip = a['source-ip'];
  if (ip !== undefined && !isIP(ip)) throw new UsageError(`--source-ip: "${ip}" is not an IPv4 or IPv6 address`);
  const caller = a['caller-arn'];
  if (caller !== undefined && !/^(arn|acs):[^:]*:[^:]+:[^:]*:[^:]*:.+$/.test(caller)) throw new UsageError(`--caller-arn: "${caller}" is not an ARN`);
  if (a['source-vpc'] !== undefined && !/^vpc-[0-9a-z]+$/.test(a['source-vpc'])) throw new UsageError(`--source-vpc: "${a['source-vpc']}" is not a VPC id (vpc-...)`);
  if (a['source-vpce'] !== undefined && !/^vpce-[0-9a-z]+$/.test(a['source-vpce'])) throw new UsageError(`--source-vpce: "${a['source-vpce']}" is not a VPC endpoint id (vpce-...)`);
  return {
    explainProfile: a['explain-profile'] !== undefined ? checkText('--explain-profile', a['explain-profile']) : null,
    sourceIp: ip ?? null,
    sourceVpc: a['source-vpc'] ?? null,
    sourceVpce: a['source-vpce'] ?? null,
    callerArn: caller ?? null,
    scpFiles: a.scp ?? [],
    rcpFiles: a.rcp ?? [],
    store: a.store ?? null,
  };
}
