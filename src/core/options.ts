// The options that name a target, written once: their names (the `probe` flags and run-file keys),
// types and defaults, and the one place that turns them into validated CommonTargetOptions. The CLI
// declares its yargs options from these tables (src/cli/target-args.ts) and run files accept exactly
// these keys (src/core/runfile.ts), so a new option is one row here.

import { isIP } from 'node:net';
import { shortId } from './canary.js';
import { UsageError } from './model.js';
import type { CommonTargetOptions, ExplainFlags, ProviderInfo, WriterOptions } from './provider.js';
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
  /** Two identities (issue 15): the writer puts the canaries the role reads, and removes them. */
  'writer-role'?: string;
  'writer-profile'?: string;
  'writer-acl'?: string;
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
  'writer-role': { type: 'string' },
  'writer-profile': { type: 'string' },
  'writer-acl': { type: 'string' },
};

/** A run-file key: a flag's type, or `list` (one file or a list of files, e.g. `scp`; the CLI repeats the flag). */
export interface KeySpec {
  type: FlagType | 'list';
  default?: string | boolean | number;
}

/** What a probe adds to a target: which definition, and how large its multipart part is. */
export interface ProbeFlags {
  probe: string;
  'part-size'?: string;
  quick: boolean;
  /** The role's trust policy, when it cannot be read (a role only a service can assume is then recognised). */
  'trust-policy'?: string;
}

export const PROBE_FLAGS: Record<keyof ProbeFlags, FlagSpec> = {
  probe: { type: 'string', default: 'default' },
  'part-size': { type: 'string' },
  quick: { type: 'boolean', default: false },
  'trust-policy': { type: 'string' },
};

/** Every option a run-file target may set, with its type: the common ones, the providers', the probe's and --explain's. */
export function targetKeys(): Record<string, KeySpec> {
  const keys: Record<string, KeySpec> = { ...TARGET_FLAGS };
  for (const f of providerFlags()) keys[f.name] = { type: 'boolean', default: false };
  return { ...keys, ...PROBE_FLAGS, ...explainKeys() };
}

/** A run-file entry (values as written) completed with the defaults the flags have. */
export function withDefaults<T>(entry: Record<string, string | boolean | number | string[]>): T {
  const out: Record<string, string | boolean | number | string[]> = {};
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
  const writer = writerOptions(a, provider);
  if (writer) o.writer = writer;
  // The providers' own flags: each sets one option (and only its provider reads it).
  for (const f of providerFlags()) if ((a as unknown as Record<string, unknown>)[f.name] === true) o[f.option] = true;
  return o;
}

/**
 * --writer-role / --writer-profile / --writer-acl: the writer of a two-identity probe, checked as far as
 * the flags go (the writer-role ARN by the provider's parser, the ACL against the provider's canned
 * ACLs); whether --writer-profile exists is the provider's validateWriter (it reads the config files).
 */
export function writerOptions(a: Pick<TargetFlags, 'writer-role' | 'writer-profile' | 'writer-acl'>, provider: ProviderInfo): WriterOptions | null {
  const role = a['writer-role'];
  const profile = a['writer-profile'];
  const acl = a['writer-acl'];
  if (role === undefined && profile === undefined) {
    if (acl !== undefined) throw new UsageError('--writer-acl goes with --writer-role or --writer-profile (the writer whose put sends it)');
    return null;
  }
  if (role !== undefined) provider.parseRoleArn(checkText('--writer-role', role), '--writer-role');
  if (acl !== undefined && acl !== 'none' && !provider.cannedAcls.includes(acl)) {
    throw new UsageError(`--writer-acl: "${acl}" is not a canned ACL of ${provider.name} (none, ${provider.cannedAcls.join(', ')})`);
  }
  return {
    roleArn: role ?? null,
    profile: profile !== undefined ? checkText('--writer-profile', profile) : null,
    acl: acl === undefined || acl === 'none' ? null : acl,
  };
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
  'kms-key-policy'?: string;
  store?: string;
  'backup-source-ip'?: string;
  'backup-source-vpc'?: string;
  'backup-source-vpce'?: string;
  'backup-session-name'?: string;
  'backup-principal'?: string;
}

/** The backup's vantage flags (also run-file keys): its requests are evaluated a second time from there. */
export const BACKUP_FLAGS = ['backup-source-ip', 'backup-source-vpc', 'backup-source-vpce', 'backup-session-name', 'backup-principal'] as const;

/** The --explain flags other than `explain` itself: they need it on (probe: --explain; run files: `explain: true`). */
export const EXPLAIN_EXTRAS = ['explain-profile', 'source-ip', 'source-vpc', 'source-vpce', 'caller-arn', 'scp', 'rcp', 'kms-key-policy', 'store', ...BACKUP_FLAGS] as const;

/** The --explain flags as run-file keys, with their types (`scp`/`rcp`: one file or a list of files). */
export function explainKeys(): Record<string, KeySpec> {
  const keys: Record<string, KeySpec> = { explain: { type: 'boolean' } };
  for (const k of EXPLAIN_EXTRAS) keys[k] = { type: k === 'scp' || k === 'rcp' ? 'list' : 'string' };
  return keys;
}

/**
 * The --explain flags of one run-file target: its own (and its defaults') keys win; `run --explain` turns
 * explain on where the file does not say `explain: false`, and the other `run` explain flags fill in
 * for the targets explain is on for.
 */
export function runExplainInput(entry: Partial<ExplainInput>, cli: ExplainInput): ExplainInput {
  const on = entry.explain ?? cli.explain;
  const out: ExplainInput = { ...entry, explain: on };
  if (!on) return out;
  for (const k of EXPLAIN_EXTRAS) if (out[k] === undefined && cli[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = cli[k];
  return out;
}

function backupVantage(a: ExplainInput): ExplainFlags['backup'] {
  const v: NonNullable<ExplainFlags['backup']> = {};
  const ip = a['backup-source-ip'];
  if (ip !== undefined) {
    if (!isIP(ip)) throw new UsageError(`--backup-source-ip: "${ip}" is not an IPv4 or IPv6 address`);
    v.sourceIp = ip;
  }
  const vpc = a['backup-source-vpc'];
  if (vpc !== undefined) {
    if (!/^vpc-[0-9a-z]+$/.test(vpc)) throw new UsageError(`--backup-source-vpc: "${vpc}" is not a VPC id (vpc-...)`);
    v.sourceVpc = vpc;
  }
  const vpce = a['backup-source-vpce'];
  if (vpce !== undefined) {
    if (!/^vpce-[0-9a-z]+$/.test(vpce)) throw new UsageError(`--backup-source-vpce: "${vpce}" is not a VPC endpoint id (vpce-...)`);
    v.sourceVpce = vpce;
  }
  if (a['backup-session-name'] !== undefined) v.sessionName = validateSessionName(a['backup-session-name']);
  const who = a['backup-principal'];
  if (who !== undefined) {
    if (!/^[a-z0-9.-]+\.(amazonaws\.com|aliyuncs\.com)$/i.test(who) && !/^(arn|acs):[^:]*:[^:]+:[^:]*:[^:]*:.+$/.test(who)) {
      throw new UsageError(`--backup-principal: "${who}" is neither a service principal (backup.amazonaws.com, polardb.aliyuncs.com) nor an ARN`);
    }
    v.principal = who;
  }
  return Object.keys(v).length ? v : undefined;
}

/** The --explain flags, checked; null without --explain (and then none of them may be given). */
export function explainFlags(a: ExplainInput): ExplainFlags | null {
  const given = EXPLAIN_EXTRAS.filter((k) => a[k] !== undefined);
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
  const backup = backupVantage(a);
  return {
    ...(backup ? { backup } : {}),
    explainProfile: a['explain-profile'] !== undefined ? checkText('--explain-profile', a['explain-profile']) : null,
    sourceIp: ip ?? null,
    sourceVpc: a['source-vpc'] ?? null,
    sourceVpce: a['source-vpce'] ?? null,
    callerArn: caller ?? null,
    scpFiles: a.scp ?? [],
    rcpFiles: a.rcp ?? [],
    kmsKeyPolicyFile: a['kms-key-policy'] ?? null,
    store: a.store ?? null,
  };
}
