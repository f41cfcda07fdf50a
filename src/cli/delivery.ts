// After the probes of `probe` and `run`: compare with the baseline, write the reports (src/cli/output.ts),
// push to the Pushgateway, keep run's state file. Everything that can be refused is checked by
// prepareDelivery before any request.
//
// The state file of `run` sits beside its Prometheus output file (`<file>.state.json`, the run's JSON
// report; node_exporter's textfile collector reads only `*.prom`): each run is compared with the one
// before and then replaces it, so a red night says what changed since the last run.

import { readFileSync } from 'node:fs';
import { applyBaseline, parseBaseline } from '../core/baseline.js';
import { type RunResult, UsageError } from '../core/model.js';
import { FORMATS, type ReportInput } from '../report/index.js';
import { parsePushgatewayUrl, PushError, pushReport, PushUrlError } from '../report/pushgateway.js';
import type { DeliveryArgs } from './delivery-args.js';
import type { Io } from './io.js';
import { emitReports, type OutputSpec, writeOutput } from './output.js';

export interface Delivery {
  pushgateway: string | null;
  baseline: RunResult[] | null;
  stateFile: string | null;
  quiet: boolean;
  color?: boolean;
}

export function prepareDelivery(a: DeliveryArgs, outputs: OutputSpec[], kind: 'probe' | 'run'): Delivery {
  let pushgateway: string | null = null;
  if (a.pushgateway !== undefined) {
    try {
      pushgateway = parsePushgatewayUrl(a.pushgateway);
    } catch (e) {
      if (e instanceof PushUrlError) throw new UsageError(e.message);
      throw e;
    }
  }
  let baseline: RunResult[] | null = null;
  if (a.baseline !== undefined) baseline = parseBaseline(readBaseline(a.baseline), a.baseline);
  const prom = outputs.find((o) => o.format === 'prometheus' && o.file);
  const d: Delivery = { pushgateway, baseline, stateFile: kind === 'run' && prom?.file ? statePath(prom.file) : null, quiet: a.quiet };
  if (a.color !== undefined) d.color = a.color;
  return d;
}

export function statePath(promFile: string): string {
  return `${promFile}.state.json`;
}

/** Compare, write, push, keep state. False when a report, the push or the state could not be written. */
export async function deliver(d: Delivery, outputs: OutputSpec[], input: ReportInput, io: Io): Promise<boolean> {
  const baseline = d.baseline ?? (d.stateFile ? previousState(d.stateFile, io) : null);
  if (baseline) applyBaseline(input.results, baseline);
  let ok = emitReports(outputs, input, io, { quiet: d.quiet, ...(d.color !== undefined ? { color: d.color } : {}) });
  if (d.pushgateway) {
    try {
      await pushReport(d.pushgateway, input);
    } catch (e) {
      if (!(e instanceof PushError)) throw e;
      io.stderr(`backup-canary: ${e.message}\n`);
      ok = false;
    }
  }
  if (d.stateFile) ok = writeOutput(d.stateFile, FORMATS.json!(input, { color: false }), io) && ok;
  return ok;
}

function readBaseline(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--baseline: cannot read "${file}" (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The state of the run before, if there is a readable one; a damaged one is said and skipped. */
function previousState(file: string, io: Io): RunResult[] | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null; // the first run
  }
  try {
    return parseBaseline(text, file);
  } catch (e) {
    io.stderr(`backup-canary: the state file ${file} is not a report (${e instanceof Error ? e.message : String(e)}); not comparing, it is replaced\n`);
    return null;
  }
}
