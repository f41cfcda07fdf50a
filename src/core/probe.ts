// One probe of one target: plan → runner → result. Provider-neutral.

import type { StorageAdapter } from './adapter.js';
import type { Explainer } from './explainer.js';
import type { CheckResult, Leftover, RunResult, TargetDescription, Verdict } from './model.js';
import { type LeftoversExpected, NONE_EXPECTED, unexpectedOf } from './leftovers.js';
import { buildPlan, type PlanOptions } from './plan.js';
import { runPlan, type RunOptions } from './runner.js';
import { withoutWriterChecksAsync } from './writer.js';

export interface ProbeInput {
  adapter: StorageAdapter;
  target: TargetDescription;
  plan: PlanOptions;
  version: string;
  run?: RunOptions;
  /** With --explain: evaluates the policies for each check after the run. */
  explainer?: Explainer;
}

export async function probe(input: ProbeInput): Promise<RunResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const plan = buildPlan(input.adapter, input.plan);
  const out = await runPlan(input.adapter, plan, input.run);
  plan.bucket.annotate(out.checks); // ownership evidence on the reader checks (src/core/ownership.ts)
  const signal = input.run?.signal;
  const result: RunResult = {
    schemaVersion: 1,
    tool: { name: 'backup-canary', version: input.version },
    runId: plan.runId,
    startedAt: startedAt.toISOString(),
    verdict: verdictOf(out.checks, out.leftovers, Boolean(signal?.aborted), plan.leftoversExpected),
    target: { ...input.target, ...plan.bucket.describe(plan.resources), ...conditionalOf(plan) },
    identity: input.adapter.identity(),
    checks: out.checks,
    leftovers: out.leftovers,
    durationMs: Math.round(performance.now() - t0),
  };
  const writer = input.plan.writer;
  if (writer && result.target.writer) {
    // who the writer was, once its credentials were used (its put was sent)
    const used = out.checks.some((c) => c.by === 'writer' && c.outcome !== 'skipped');
    const w = writer.adapter.identity();
    // with --writer-role: its session (null when AssumeRole was refused); else the caller, when known
    if (used) result.target.writer = { ...result.target.writer, arn: (writer.assume ? w.assumedRoleArn : w.source) ?? null };
  }
  if (signal?.aborted) result.interrupted = String(signal.reason ?? 'signal');
  else if (input.explainer) {
    // --explain evaluates the probed identity's requests; the writer's setup requests are not its own
    const explainer = input.explainer;
    await withoutWriterChecksAsync(result, (r) => explainGuarded(explainer, r));
    // A configuration write never sent is decided by the evaluation (outcome `evaluated`): it counts.
    for (const c of result.checks) {
      if (c.outcome === 'not-probed') c.reason = `never sent, and --explain could not evaluate it: ${c.explain?.summary ?? 'no role was assumed (the caller\'s own policies are not read)'}`;
    }
    if (result.checks.some((c) => c.outcome === 'evaluated')) {
      result.verdict = verdictOf(result.checks, result.leftovers, false, plan.leftoversExpected);
    }
  }
  result.durationMs = Math.round(performance.now() - t0);
  return result;
}

/**
 * `error` when the probe could not complete (a check errored, or the run was interrupted): the answer
 * is incomplete. Otherwise `fail` when any expectation was not met, else `pass`.
 */
export function verdictOf(
  checks: CheckResult[],
  leftovers: Leftover[],
  interrupted: boolean,
  expected: LeftoversExpected = NONE_EXPECTED,
): Verdict {
  if (interrupted || checks.some((c) => c.outcome === 'error')) return 'error';
  // Canaries a definition expects to stay are listed, not failed (src/core/leftovers.ts).
  const unexpected = unexpectedOf(leftovers, expected);
  if (checks.some((c) => !c.ok) || unexpected.length > 0) return 'fail';
  return 'pass';
}

/** One verdict for many targets: `error` if any could not complete, else `fail` if any failed, else `pass`. */
export function aggregateVerdict(results: Pick<RunResult, 'verdict'>[]): Verdict {
  if (results.some((r) => r.verdict === 'error')) return 'error';
  if (results.some((r) => r.verdict === 'fail')) return 'fail';
  return 'pass';
}

/**
 * One failure never loses the run (issue 12 item 5): the explainers guard each check themselves; an
 * error that still escapes leaves the run's results standing, says so in explain.warnings, and marks
 * every check it did not explain with explain.error.
 */
async function explainGuarded(explainer: Explainer, result: RunResult): Promise<void> {
  try {
    await explainer.explain(result);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const summary = result.explain ?? { read: [], notVisible: [], warnings: [] };
    result.explain = { ...summary, warnings: [...summary.warnings, `--explain failed: ${why}; the checks' own results stand`] };
    for (const c of result.checks) {
      if ((c.outcome === 'allowed' || c.outcome === 'denied') && !c.explain) {
        c.explain = { decision: 'undetermined', decidedBy: null, summary: `not evaluated: ${why}`, error: `the explanation failed before this check: ${why}` };
      }
    }
  }
}

function conditionalOf(plan: ReturnType<typeof buildPlan>): Pick<RunResult['target'], 'conditionalWrites'> {
  const c = plan.conditionalWrites();
  return c ? { conditionalWrites: c } : {};
}
