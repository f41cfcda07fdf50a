// `backup-canary run FILE.yaml`: many targets from one file (src/core/runfile.ts), every one validated
// before any request, probed with bounded concurrency (src/core/run.ts); one verdict and exit code;
// per-target results in every format.

import { EXIT, UsageError } from '../core/model.js';
import { EXPLAIN_EXTRAS, type ExplainInput, runExplainInput, withDefaults } from '../core/options.js';
import { exitCodeOf, prepareRunFile, type ProbeRequest, runTargets } from '../core/run.js';
import { loadRunFile } from '../core/runfile.js';
import { RunProgress } from '../report/progress.js';
import type { Io } from './io.js';
import { afterWriteFailure, emitReports, parseOutputs } from './output.js';
import { runOptions } from './probe-command.js';
import type { RunArgs } from './run-args.js';

export async function runRunCommand(a: RunArgs, io: Io): Promise<number> {
  if (!Number.isInteger(a.concurrency) || a.concurrency < 1 || a.concurrency > 64) {
    throw new UsageError(`--concurrency: ${a.concurrency} is out of range (1 to 64)`);
  }
  const outputs = parseOutputs(a.format, a.output);
  const rf = loadRunFile(a.file);
  const explainAnywhere = a.explain || rf.targets.some((e) => e.explain === true);
  const stray = EXPLAIN_EXTRAS.find((k) => a[k] !== undefined);
  if (stray && !explainAnywhere) throw new UsageError(`--${stray} goes with --explain (or "explain: true" in the run file)`);
  const prepared = await prepareRunFile(rf, (e) => {
    const r = withDefaults<ProbeRequest>(e);
    return { ...r, ...runExplainInput(r as Partial<ExplainInput>, a) };
  });

  const startedAt = new Date();
  const t0 = performance.now();
  const progress = new RunProgress(io.stderr, Boolean(io.stderrIsTTY), prepared.length);
  const { results, verdict } = await runTargets(prepared, {
    concurrency: a.concurrency,
    run: runOptions(a, io),
    onStart: (p) => progress.start(p.name),
    onEnd: (p, r) => progress.end(p.name, r.verdict),
  });
  progress.done();

  const written = emitReports(outputs, { kind: 'run', results, verdict, durationMs: Math.round(performance.now() - t0), startedAt: startedAt.toISOString() }, io);
  const code = io.signal?.aborted ? (io.signal.reason === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint) : exitCodeOf(verdict);
  return written ? code : afterWriteFailure(code);
}
