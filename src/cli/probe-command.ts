// `backup-canary probe`: the flags are one target (validated in src/core/run.ts before any request),
// the probe runs, the reports are written.

import { EXIT } from '../core/model.js';
import { executeTarget, exitCodeOf, prepareTarget } from '../core/run.js';
import type { RunOptions } from '../core/runner.js';
import { checkProgressLine } from '../report/progress.js';
import type { Io } from './io.js';
import { deliver, prepareDelivery } from './delivery.js';
import { afterWriteFailure, parseOutputs } from './output.js';
import type { ProbeArgs } from './probe-args.js';

export async function runProbeCommand(a: ProbeArgs, io: Io): Promise<number> {
  const prepared = await prepareTarget(a, '', io.env);
  const outputs = parseOutputs(a.format, a.output);
  const delivery = prepareDelivery(a, outputs, 'probe');
  const startedAt = new Date().toISOString();
  const result = await executeTarget(prepared, runOptions(a, io));
  const written = await deliver(delivery, outputs, { kind: 'probe', results: [result], verdict: result.verdict, durationMs: result.durationMs, startedAt }, io);
  const code = result.interrupted ? (result.interrupted === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint) : exitCodeOf(result.verdict);
  return written ? code : afterWriteFailure(code);
}

/** The stop signal, and with --verbose one line per check on standard error. */
export function runOptions(a: { verbose: boolean }, io: Io): RunOptions {
  const o: RunOptions = {};
  if (io.signal) o.signal = io.signal;
  if (a.verbose) {
    const t0 = performance.now();
    o.onProgress = (id, state, outcome) => io.stderr(checkProgressLine(Math.round(performance.now() - t0), id, state, outcome));
  }
  return o;
}
