// Probing as a library: one target's flags become a PreparedTarget (every input checked, no request
// sent), a prepared target is executed (one probe), and many are run with bounded concurrency into
// one verdict. The `probe` and `run` commands are thin wrappers around this module.

import { newRunId } from './canary.js';
import type { StorageAdapter, WriteOptions } from './adapter.js';
import { loadDefinition, type ProbeDefinition } from './definition.js';
import { EXIT, type RunResult, UsageError, type Verdict } from './model.js';
import { explainFlags, type ExplainInput, type ProbeFlags, providerOf, type TargetFlags, targetOptions } from './options.js';
import { mapPool } from './pool.js';
import { aggregateVerdict, probe } from './probe.js';
import type { CommonTargetOptions, ExplainFlags, Provider } from './provider.js';
import type { RunOptions } from './runner.js';
import type { RunFile } from './runfile.js';
import { parseSize, validatePartSize } from './target.js';
import { afterExplain } from '../explain/after-run.js';
import { checkPolicyFile } from '../explain/read.js';
import { loadProvider } from '../providers/registry.js';
import { VERSION } from '../version.js';
import { checkWriterDefinition, describeWriter, withoutWriterChecks, writerTarget } from './writer.js';

/** Everything one probe of one target is given: the target, the probe definition, --explain. */
export type ProbeRequest = TargetFlags & ProbeFlags & ExplainInput;

/** A target whose every input has been checked; executing it sends the requests. */
export interface PreparedTarget {
  name: string;
  providerName: string;
  provider: Provider;
  target: CommonTargetOptions;
  definition: ProbeDefinition;
  partSize: number;
  /** --part-size or the definition's part-size was given (Object Lock buckets otherwise get one small part). */
  partSizeSet: boolean;
  quick: boolean;
  explain: ExplainFlags | null;
  /** --trust-policy FILE: the role's trust policy as given (JSON text). */
  trustPolicy?: string;
}

/** The provider and validated options of a target's flags (shared by probes and the sweeper); no request. */
export async function resolveTarget(a: TargetFlags, env: NodeJS.ProcessEnv = process.env): Promise<{ provider: Provider; target: CommonTargetOptions }> {
  const info = providerOf(a);
  const given = targetOptions(a, info);
  const provider = await loadProvider(info.name);
  // what was given is checked first (a malformed role ARN is named before a region the environment lacks)
  provider.validate(given);
  // the provider's standard configuration (AWS: region and endpoint of the profile) fills the gaps
  const target = provider.resolve ? await provider.resolve(given, env) : given;
  provider.validate(target);
  if (target.writer) provider.validateWriter?.(target.writer);
  return { provider, target };
}

/** All validation of one target, and no request. */
export async function prepareTarget(a: ProbeRequest, name = '', env: NodeJS.ProcessEnv = process.env): Promise<PreparedTarget> {
  const { provider, target } = await resolveTarget(a, env);
  const definition = loadDefinition(a.probe);
  if (!definition.providers.includes(provider.name)) {
    throw new UsageError(`--probe: definition "${definition.name}" is for ${definition.providers.join(', ')}, not ${provider.name}`);
  }
  checkWriterDefinition(target.writer, definition);
  const explain = explainFlags(a);
  if (explain) provider.validateExplain?.(explain);
  for (const f of explain?.scpFiles ?? []) checkPolicyFile(f, '--scp', provider.dialect);
  for (const f of explain?.rcpFiles ?? []) checkPolicyFile(f, '--rcp', provider.dialect);
  if (explain?.kmsKeyPolicyFile) checkPolicyFile(explain.kmsKeyPolicyFile, '--kms-key-policy', provider.dialect);
  const partSize = validatePartSize(parseSize('--part-size', a['part-size'] ?? definition.options['part-size'] ?? '5MiB'));
  const partSizeSet = a['part-size'] !== undefined || definition.options['part-size'] !== undefined;
  const trust = a['trust-policy'] !== undefined ? checkPolicyFile(a['trust-policy'], '--trust-policy', provider.dialect).text : undefined;
  return { name, providerName: provider.name, provider, target, definition, partSize, partSizeSet, quick: a.quick, explain, ...(trust !== undefined ? { trustPolicy: trust } : {}) };
}

/** Every target of a run file, prepared; a bad one is refused with the file and line of its entry. */
export async function prepareRunFile(
  rf: RunFile,
  requestOf: (e: RunFile['targets'][number]) => ProbeRequest,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PreparedTarget[]> {
  const where = (i: number, err: unknown) =>
    err instanceof UsageError ? new UsageError(`${rf.file}:${rf.lines[i]}: target "${rf.targets[i]!.name}": ${err.message}`) : err;
  // first what each entry says by itself (a typo anywhere in the file is named before the
  // environment or the shared config files are consulted), then each target in full
  for (const [i, e] of rf.targets.entries()) {
    try {
      const a = requestOf(e);
      const info = providerOf(a);
      info.validate(targetOptions(a, info));
    } catch (err) {
      throw where(i, err);
    }
  }
  const prepared: PreparedTarget[] = [];
  for (const [i, e] of rf.targets.entries()) {
    try {
      prepared.push(await prepareTarget(requestOf(e), e.name, env));
    } catch (err) {
      throw where(i, err);
    }
  }
  return prepared;
}

/** One probe of a prepared target. */
export async function executeTarget(p: PreparedTarget, run: RunOptions): Promise<RunResult> {
  const { target, definition } = p;
  // The classifiers' hints say "run with --explain" only when it is off.
  const adapter = p.provider.createAdapter(p.explain ? { ...target, explain: true } : target);
  // Two identities (issue 15): the writer is a second adapter of the same provider, on its own options.
  const wt = writerTarget(target);
  let writer: StorageAdapter | null = null;
  try {
    if (wt) writer = p.provider.createAdapter(p.explain ? { ...wt, explain: true } : wt);
    const explainer = p.explain ? p.provider.createExplainer(adapter, target, p.explain) : undefined;
    const result = await probe({
      adapter,
      version: VERSION,
      target: describeTarget(p),
      plan: {
        prefix: target.prefix,
        runId: newRunId(),
        partSize: p.partSize,
        partSizeSet: p.partSizeSet,
        quick: p.quick,
        assume: target.roleArn !== null,
        expectations: definition.checks,
        write: writeOptions(definition),
        listStyle: definition.options.list ?? 'prefix-delimiter',
        ...(writer && wt ? { writer: { adapter: writer, acl: target.writer?.acl ?? null, assume: wt.roleArn !== null } } : {}),
      },
      run,
      ...(explainer ? { explainer } : {}),
    });
    // the backup's vantage is the role's: the writer's setup requests are not evaluated from it
    withoutWriterChecks(result, (r) => afterExplain(r, p.explain?.backup, p.trustPolicy));
    return result;
  } finally {
    adapter.close();
    writer?.close();
  }
}

export interface RunTargetsOptions {
  concurrency: number;
  run: RunOptions;
  onStart?: (p: PreparedTarget) => void;
  onEnd?: (p: PreparedTarget, r: RunResult) => void;
}

/**
 * Many targets, at most `concurrency` at once, each isolated (one failure never stops the others); on
 * a signal, no new target starts and the ones not started are reported as such. One verdict.
 */
export async function runTargets(prepared: PreparedTarget[], o: RunTargetsOptions): Promise<{ results: RunResult[]; verdict: Verdict }> {
  const signal = o.run.signal;
  const results = await mapPool(
    prepared,
    o.concurrency,
    async (p) => {
      o.onStart?.(p);
      const r = await executeTarget(p, o.run).catch((err: unknown) => failedTarget(p, err));
      o.onEnd?.(p, r);
      return r;
    },
    { ...(signal ? { signal } : {}), onSkipped: (p) => notStarted(p, String(signal?.reason ?? 'signal')) },
  );
  return { results, verdict: aggregateVerdict(results) };
}

/** The exit code of a verdict (an interrupted run exits with the signal's code instead). */
export function exitCodeOf(v: Verdict): number {
  return v === 'pass' ? EXIT.ok : v === 'fail' ? EXIT.failed : EXIT.incomplete;
}

function describeTarget(p: PreparedTarget): RunResult['target'] {
  const t = p.target;
  return {
    ...(p.name ? { name: p.name } : {}),
    provider: p.providerName,
    bucket: t.bucket,
    prefix: t.prefix,
    region: t.region,
    endpoint: t.endpoint,
    role: t.roleArn,
    probe: p.definition.name,
    ...(t.writer ? { writer: describeWriter(t.writer) } : {}),
  };
}

function writeOptions(p: ProbeDefinition): WriteOptions {
  const w: WriteOptions = {};
  if (p.options.acl) w.acl = p.options.acl;
  if (p.options.sse) w.sse = p.options.sse;
  if (p.options['kms-key-id']) w.kmsKeyId = p.options['kms-key-id'];
  if (p.options['storage-class']) w.storageClass = p.options['storage-class'];
  return w;
}

function base(p: PreparedTarget): Omit<RunResult, 'verdict' | 'checks' | 'leftovers' | 'durationMs'> {
  return {
    schemaVersion: 1,
    tool: { name: 'backup-canary', version: VERSION },
    runId: '',
    startedAt: new Date().toISOString(),
    target: describeTarget(p),
    identity: { source: null, assumedRoleArn: null },
  };
}

function failedTarget(p: PreparedTarget, err: unknown): RunResult {
  return { ...base(p), verdict: 'error', checks: [], leftovers: [], error: err instanceof Error ? err.message : String(err), durationMs: 0 };
}

function notStarted(p: PreparedTarget, signal: string): RunResult {
  return { ...base(p), verdict: 'error', checks: [], leftovers: [], interrupted: signal, error: `not started: interrupted by ${signal}`, durationMs: 0 };
}
