// The JSON contract (schemaVersion 1). Keys are emitted in a stable order; see README "JSON contract"
// and schema/result.schema.json (both shapes: one probe, and a run of many targets).

import type { RunResult } from '../core/model.js';
import type { ReportInput } from './common.js';

/** One probe: exactly the RunResult (unchanged contract). */
export function renderJson(result: RunResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

/** A probe renders as its RunResult; a run as `{ schemaVersion, kind: 'run', verdict, startedAt, durationMs, targets }`. */
export function renderJsonReport(input: ReportInput): string {
  if (input.kind === 'probe') return renderJson(onlyResult(input));
  const doc = {
    schemaVersion: 1,
    kind: 'run',
    verdict: input.verdict,
    startedAt: input.startedAt,
    durationMs: input.durationMs,
    targets: input.results,
    ...(input.results[0]?.shard ? { shard: input.results[0].shard } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The result of a `probe` report, which has exactly one. */
export function onlyResult(input: ReportInput): RunResult {
  const [r, ...rest] = input.results;
  if (!r || rest.length) throw new Error(`a probe report has exactly one result, not ${input.results.length}`);
  return r;
}
