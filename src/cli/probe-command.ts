// `backup-canary probe`: turn flags into a validated target, run the probe, print the report.
// All input is checked before any request is sent.

import { isIP } from 'node:net';
import { newRunId, shortId } from '../core/canary.js';
import { EXIT, UsageError, type RunResult, type Verdict } from '../core/model.js';
import type { WriteOptions } from '../core/adapter.js';
import { loadDefinition, type ProbeDefinition } from '../core/definition.js';
import { probe } from '../core/probe.js';
import type { RunOptions } from '../core/runner.js';
import {
  normalisePrefix,
  parseSize,
  validateBucket,
  validateDuration,
  validateEndpoint,
  validateExternalId,
  validatePartSize,
  validatePositive,
  validateSessionName,
} from '../core/target.js';
import { checkPolicy, checkPolicyFile, readPolicyFile } from '../explain/read.js';
import type { Dialect } from '../explain/types.js';
import { type CommonTargetOptions, type ExplainFlags, loadProvider, type Provider, providerForRole } from '../providers/registry.js';
import { VERSION } from '../version.js';
import type { Io } from './io.js';
import type { ProbeArgs } from './probe-args.js';
import { emitReports, parseOutputs } from './output.js';

/** A target whose every input has been checked; executing it sends the requests. */
export interface PreparedTarget {
  name: string;
  providerName: string;
  provider: Provider;
  target: CommonTargetOptions;
  profile: ProbeDefinition;
  partSize: number;
  quick: boolean;
  explain: ExplainFlags | null;
}

/** All validation of one target, and no request. */
export async function prepareTarget(a: ProbeArgs, name = ''): Promise<PreparedTarget> {
  const target = targetOptions(a);
  const providerName = a.provider ?? providerForRole(target.roleArn);
  const provider = await loadProvider(providerName);
  provider.validate(target);
  const profile = loadDefinition(a.probe);
  if (!profile.providers.includes(providerName)) {
    throw new UsageError(`--probe: definition "${profile.name}" is for ${profile.providers.join(', ')}, not ${providerName}`);
  }
  const explain = explainFlags(a);
  if (explain) provider.validateExplain?.(explain);
  for (const f of explain?.scpFiles ?? []) checkPolicyFile(f, '--scp', dialectOf(providerName));
  for (const f of explain?.rcpFiles ?? []) checkPolicyFile(f, '--rcp', dialectOf(providerName));
  const partSize = validatePartSize(parseSize('--part-size', a['part-size'] ?? profile.options['part-size'] ?? '5MiB'));
  return { name, providerName, provider, target, profile, partSize, quick: a.quick, explain };
}

export async function executeTarget(p: PreparedTarget, run: RunOptions): Promise<RunResult> {
  const { target, profile } = p;
  const adapter = p.provider.createAdapter(target);
  try {
    const explainer = p.explain ? p.provider.createExplainer(adapter, target, p.explain) : undefined;
    return await probe({
      adapter,
      version: VERSION,
      target: {
        ...(p.name ? { name: p.name } : {}),
        provider: p.providerName,
        bucket: target.bucket,
        prefix: target.prefix,
        region: target.region,
        endpoint: target.endpoint,
        role: target.roleArn,
        probe: profile.name,
      },
      plan: {
        prefix: target.prefix,
        runId: newRunId(),
        partSize: p.partSize,
        quick: p.quick,
        assume: target.roleArn !== null,
        expectations: profile.checks,
        write: writeOptions(profile),
        listStyle: profile.options.list ?? 'prefix-delimiter',
      },
      run,
      ...(explainer ? { explainer } : {}),
    });
  } finally {
    adapter.close();
  }
}

export async function runProbeCommand(a: ProbeArgs, io: Io): Promise<number> {
  const prepared = await prepareTarget(a);
  const outputs = parseOutputs(a.format, a.output, io);
  const startedAt = new Date().toISOString();
  const result = await executeTarget(prepared, runOptions(a, io));
  emitReports(outputs, { kind: 'probe', results: [result], verdict: result.verdict, durationMs: result.durationMs, startedAt }, io);
  if (result.interrupted) return result.interrupted === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
  return exitCodeOf(result.verdict);
}

export function exitCodeOf(v: Verdict): number {
  return v === 'pass' ? EXIT.ok : v === 'fail' ? EXIT.failed : EXIT.incomplete;
}

function writeOptions(p: ProbeDefinition): WriteOptions {
  const w: WriteOptions = {};
  if (p.options.acl) w.acl = p.options.acl;
  if (p.options.sse) w.sse = p.options.sse;
  if (p.options['kms-key-id']) w.kmsKeyId = p.options['kms-key-id'];
  if (p.options['storage-class']) w.storageClass = p.options['storage-class'];
  return w;
}

function explainFlags(a: ProbeArgs): ExplainFlags | null {
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
    explainProfile: a['explain-profile'] ?? null,
    sourceIp: ip ?? null,
    sourceVpc: a['source-vpc'] ?? null,
    sourceVpce: a['source-vpce'] ?? null,
    callerArn: caller ?? null,
    scpFiles: a.scp ?? [],
    rcpFiles: a.rcp ?? [],
    store: a.store ?? null,
  };
}

export function runOptions(a: Pick<ProbeArgs, 'verbose'>, io: Io): RunOptions {
  const o: RunOptions = {};
  if (io.signal) o.signal = io.signal;
  if (a.verbose) {
    const t0 = performance.now();
    o.onProgress = (id, state, outcome) =>
      io.stderr(`[${Math.round(performance.now() - t0)} ms] ${id} ${state === 'start' ? 'started' : outcome}\n`);
  }
  return o;
}

export function targetOptions(a: ProbeArgs): CommonTargetOptions {
  if (a.assume && !a.role) throw new UsageError('--role is required (or pass --no-assume to probe the source credentials)');
  if (!a.assume && a.role) throw new UsageError('--role and --no-assume exclude each other');
  const timeout = validatePositive('--timeout', a.timeout, 3600);
  const attempts = a['max-attempts'];
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10) {
    throw new UsageError(`--max-attempts: ${attempts} is out of range (1 to 10)`);
  }
  return {
    bucket: validateBucket(a.bucket),
    prefix: normalisePrefix(a.prefix, a['allow-bucket-root']),
    region: a.region ?? null,
    endpoint: a.endpoint !== undefined ? validateEndpoint('--endpoint', a.endpoint) : null,
    stsEndpoint: a['sts-endpoint'] !== undefined ? validateEndpoint('--sts-endpoint', a['sts-endpoint']) : null,
    pathStyle: a['path-style'],
    internal: a.internal,
    roleArn: a.assume ? (a.role ?? null) : null,
    sessionName: validateSessionName(a['session-name'] ?? `backup-canary-${shortId()}`),
    externalId: a['external-id'] !== undefined ? validateExternalId(a['external-id']) : null,
    durationSeconds: validateDuration(a.duration),
    sessionPolicy: a['session-policy'] !== undefined ? readSessionPolicy(a['session-policy'], dialectOf(a.provider ?? providerForRole(a.role ?? null))) : null,
    profile: a.profile ?? null,
    timeoutMs: Math.round(timeout * 1000),
    maxAttempts: attempts,
  };
}

/** A session policy file: valid JSON, sent minified. STS limits the packed policy to 2048 characters. */
/** The policy language of a provider's policies. */
function dialectOf(providerName: string): Dialect {
  return providerName === 'alibaba' ? 'alibaba' : 'aws';
}

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
