// `backup-canary run FILE.yaml`: many targets from one file, probed with bounded concurrency. Every
// target is validated before any request; each one is isolated (one failure never stops the others);
// one aggregated verdict and exit code; per-target results in every format.

import { EXIT, UsageError, type RunResult, type Verdict } from '../core/model.js';
import { mapPool } from '../core/pool.js';
import { loadRunFile, type TargetEntry } from '../core/runfile.js';
import { VERSION } from '../version.js';
import type { Io } from './io.js';
import { emitReports, parseOutputs } from './output.js';
import type { ProbeArgs } from './probe-args.js';
import { executeTarget, exitCodeOf, prepareTarget, type PreparedTarget, runOptions } from './probe-command.js';
import type { RunArgs } from './run-args.js';

export async function runRunCommand(a: RunArgs, io: Io): Promise<number> {
  if (!Number.isInteger(a.concurrency) || a.concurrency < 1 || a.concurrency > 64) {
    throw new UsageError(`--concurrency: ${a.concurrency} is out of range (1 to 64)`);
  }
  const outputs = parseOutputs(a.format, a.output, io);
  const rf = loadRunFile(a.file);
  const prepared: PreparedTarget[] = [];
  for (const [i, e] of rf.targets.entries()) {
    try {
      prepared.push(await prepareTarget(probeArgsOf(e), e.name));
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`${rf.file}:${rf.lines[i]}: target "${e.name}": ${err.message}`);
      throw err;
    }
  }

  const startedAt = new Date();
  const t0 = performance.now();
  const progress = new Progress(io, prepared.length);
  const results = await mapPool(
    prepared,
    a.concurrency,
    async (p) => {
      progress.start(p.name);
      const r = await executeTarget(p, runOptions(a, io)).catch((err: unknown) => failedTarget(p, err));
      progress.end(p.name, r.verdict);
      return r;
    },
    { ...(io.signal ? { signal: io.signal } : {}), onSkipped: (p) => notStarted(p, String(io.signal?.reason ?? 'signal')) },
  );
  progress.done();

  const verdict = aggregate(results);
  emitReports(outputs, { kind: 'run', results, verdict, durationMs: Math.round(performance.now() - t0), startedAt: startedAt.toISOString() }, io);
  if (io.signal?.aborted) return io.signal.reason === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
  return exitCodeOf(verdict);
}

export function aggregate(results: RunResult[]): Verdict {
  if (results.some((r) => r.verdict === 'error')) return 'error';
  if (results.some((r) => r.verdict === 'fail')) return 'fail';
  return 'pass';
}

/** A target's entry as the probe command's flags, with the same defaults. */
function probeArgsOf(e: TargetEntry): ProbeArgs {
  const str = (k: string) => (e[k] === undefined ? undefined : String(e[k]));
  const args: ProbeArgs = {
    assume: e.assume !== false,
    bucket: String(e.bucket),
    prefix: str('prefix') ?? '',
    'allow-bucket-root': e['allow-bucket-root'] === true,
    'path-style': e['path-style'] === true,
    internal: e.internal === true,
    duration: typeof e.duration === 'number' ? e.duration : 900,
    format: [],
    timeout: typeof e.timeout === 'number' ? e.timeout : 30,
    'max-attempts': typeof e['max-attempts'] === 'number' ? e['max-attempts'] : 3,
    quick: e.quick === true,
    verbose: false,
    probe: str('probe') ?? 'default',
    explain: false,
  };
  for (const k of ['role', 'provider', 'region', 'endpoint', 'sts-endpoint', 'session-name', 'external-id', 'session-policy', 'profile', 'part-size'] as const) {
    const v = str(k);
    if (v !== undefined) (args as unknown as Record<string, string>)[k] = v;
  }
  return args;
}

function base(p: PreparedTarget): Omit<RunResult, 'verdict' | 'checks' | 'leftovers' | 'durationMs'> {
  return {
    schemaVersion: 1,
    tool: { name: 'backup-canary', version: VERSION },
    runId: '',
    startedAt: new Date().toISOString(),
    target: {
      name: p.name,
      provider: p.providerName,
      bucket: p.target.bucket,
      prefix: p.target.prefix,
      region: p.target.region,
      endpoint: p.target.endpoint,
      role: p.target.roleArn,
      probe: p.profile.name,
    },
    identity: { source: null, assumedRoleArn: null },
  };
}

function failedTarget(p: PreparedTarget, err: unknown): RunResult {
  return { ...base(p), verdict: 'error', checks: [], leftovers: [], error: err instanceof Error ? err.message : String(err), durationMs: 0 };
}

function notStarted(p: PreparedTarget, signal: string): RunResult {
  return { ...base(p), verdict: 'error', checks: [], leftovers: [], interrupted: signal, error: `not started: interrupted by ${signal}`, durationMs: 0 };
}

/** Which targets are running and done, on a terminal only (standard error); silent otherwise. */
class Progress {
  private readonly running = new Set<string>();
  private finished = 0;
  constructor(
    private readonly io: Io,
    private readonly total: number,
  ) {}
  start(name: string) {
    this.running.add(name);
    this.draw();
  }
  end(name: string, verdict: Verdict) {
    this.running.delete(name);
    this.finished++;
    if (this.io.stderrIsTTY) this.io.stderr(`\r\x1b[K${verdict === 'pass' ? '✓' : '✗'} ${name} ${verdict}\n`);
    this.draw();
  }
  done() {
    if (this.io.stderrIsTTY) this.io.stderr('\r\x1b[K');
  }
  private draw() {
    if (!this.io.stderrIsTTY) return;
    const names = [...this.running].slice(0, 4).join(', ');
    this.io.stderr(`\r\x1b[K[${this.finished}/${this.total}] running: ${names}${this.running.size > 4 ? ', …' : ''}`);
  }
}
