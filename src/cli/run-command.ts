// `backup-canary run FILE.yaml`: many targets from one file (src/core/runfile.ts), every one validated
// before any request, probed with bounded concurrency (src/core/run.ts); one verdict and exit code;
// per-target results in every format.

import { EXIT, UsageError } from '../core/model.js';
import { EXPLAIN_EXTRAS, type ExplainInput, runExplainInput, withDefaults } from '../core/options.js';
import { exitCodeOf, prepareRunFile, type ProbeRequest, runTargets } from '../core/run.js';
import { loadRunFile } from '../core/runfile.js';
import { parseShard, selectShard, shardLabel } from '../core/shard.js';
import { renderDryRun } from '../report/dry-run.js';
import { RunProgress } from '../report/progress.js';
import { outputStyle, plural, styled } from '../report/style.js';
import { deliver, prepareDelivery } from './delivery.js';
import type { Io } from './io.js';
import { afterWriteFailure, parseOutputs } from './output.js';
import { runOptions } from './probe-command.js';
import type { RunArgs } from './run-args.js';

export async function runRunCommand(a: RunArgs, io: Io): Promise<number> {
  if (!Number.isInteger(a.concurrency) || a.concurrency < 1 || a.concurrency > 64) {
    throw new UsageError(`--concurrency: ${a.concurrency} is out of range (1 to 64)`);
  }
  const outputs = parseOutputs(a.format, a.output);
  const delivery = prepareDelivery(a, outputs, 'run');
  const shard = a.shard !== undefined ? parseShard(a.shard, io.env) : null;
  const rf = loadRunFile(a.file);
  const explainAnywhere = a.explain || rf.targets.some((e) => e.explain === true);
  const stray = EXPLAIN_EXTRAS.find((k) => a[k] !== undefined);
  if (stray && !explainAnywhere) throw new UsageError(`--${stray} goes with --explain (or "explain: true" in the run file)`);
  // every target of the file is validated, whichever shard it is in: a bad entry fails every worker alike
  const all = await prepareRunFile(
    rf,
    (e) => {
      const r = withDefaults<ProbeRequest>(e);
      return { ...r, ...runExplainInput(r as Partial<ExplainInput>, a) };
    },
    io.env,
  );
  const prepared = shard ? selectShard(all, (p) => p.name, shard) : all;
  if (a['dry-run']) {
    io.stdout(styled(renderDryRun(rf.file, all.length, prepared, shard ? shardLabel(shard) : null), outputStyle(io.env, io.stdoutIsTTY, a.color)));
    return EXIT.ok;
  }
  if (!prepared.length) {
    // a small fleet split many ways: this worker has nothing to do, and says so
    io.stderr(`backup-canary: shard ${shardLabel(shard!)} of ${rf.file} has no targets (${plural(all.length, 'target')} in ${shard!.count} shards); nothing probed\n`);
    return EXIT.ok;
  }

  const startedAt = new Date();
  const t0 = performance.now();
  const errStyle = outputStyle(io.env, Boolean(io.stderrIsTTY), a.color);
  const progress = new RunProgress((s) => io.stderr(styled(s, errStyle)), Boolean(io.stderrIsTTY) && !a.quiet, prepared.length);
  const { results, verdict } = await runTargets(prepared, {
    concurrency: a.concurrency,
    run: runOptions(a, io),
    onStart: (p) => progress.start(p.name),
    onEnd: (p, r) => progress.end(p.name, r.verdict),
  });
  progress.done();
  if (shard) for (const r of results) r.shard = shardLabel(shard);

  const written = await deliver(delivery, outputs, { kind: 'run', results, verdict, durationMs: Math.round(performance.now() - t0), startedAt: startedAt.toISOString() }, io);
  const code = io.signal?.aborted ? (io.signal.reason === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint) : exitCodeOf(verdict);
  return written ? code : afterWriteFailure(code);
}
