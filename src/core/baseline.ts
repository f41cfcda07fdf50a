// "It worked for two weeks": what changed since the last report (`--baseline PREVIOUS.json`, and for
// `run` the state file kept beside the Prometheus output). Pure: two reports in, changes out.
//
// Targets are matched by their run-file name, else by provider, bucket, prefix, probe and role;
// checks by id. A change is a check whose outcome differs (or that appeared or went away); with
// --explain on both runs, a policy document whose digest differs (or that appeared or went away)
// is named too. `since` is the start of the baseline run: the state was `from` then.

import { createHash } from 'node:crypto';
import { type CheckChange, type PolicyChange, type RunResult, UsageError } from './model.js';

export type { CheckChange, PolicyChange } from './model.js';

/** A baseline report: the results of a probe (one) or of a run (many), as `--format json` wrote them. */
export function parseBaseline(text: string, file: string): RunResult[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError(`--baseline: "${file}" is not JSON (give a report written by --format json)`);
  }
  const isResult = (d: unknown): d is RunResult =>
    typeof d === 'object' && d !== null && (d as RunResult).schemaVersion === 1 && Array.isArray((d as RunResult).checks) && typeof (d as RunResult).target === 'object' && typeof (d as RunResult).startedAt === 'string';
  if (isResult(doc)) return [doc];
  const run = doc as { schemaVersion?: unknown; kind?: unknown; targets?: unknown };
  if (run && run.schemaVersion === 1 && run.kind === 'run' && Array.isArray(run.targets) && run.targets.every(isResult)) return run.targets;
  throw new UsageError(`--baseline: "${file}" is not a backup-canary JSON report (schemaVersion 1)`);
}

/** The baseline result of the same target, if the baseline has one. */
export function matchTarget(current: RunResult, baseline: RunResult[]): RunResult | undefined {
  const t = current.target;
  if (t.name) return baseline.find((b) => b.target.name === t.name);
  const same = (b: RunResult) =>
    !b.target.name && b.target.provider === t.provider && b.target.bucket === t.bucket && b.target.prefix === t.prefix && b.target.probe === t.probe && b.target.role === t.role;
  return baseline.find(same);
}

/** Checks whose outcome changed between the baseline and now, in the current run's order. */
export function compareChecks(current: RunResult, previous: RunResult): CheckChange[] {
  const since = previous.startedAt;
  const before = new Map(previous.checks.map((c) => [c.id, c]));
  const out: CheckChange[] = [];
  for (const c of current.checks) {
    const p = before.get(c.id);
    if (!p) out.push({ check: c.id, action: c.action, from: 'absent', to: c.outcome, since });
    else if (p.outcome !== c.outcome) out.push({ check: c.id, action: c.action, from: p.outcome, to: c.outcome, since });
  }
  const now = new Set(current.checks.map((c) => c.id));
  for (const p of previous.checks) if (!now.has(p.id)) out.push({ check: p.id, action: p.action, from: p.outcome, to: 'absent', since });
  return out;
}

/** Policy documents whose digest changed; only when both runs had --explain (and so digests). */
export function comparePolicies(current: RunResult, previous: RunResult): PolicyChange[] {
  const now = current.explain?.digests;
  const then = previous.explain?.digests;
  if (!now || !then) return [];
  const since = previous.startedAt;
  const names = [...new Set([...Object.keys(then), ...Object.keys(now)])].sort();
  return names.filter((n) => then[n] !== now[n]).map((policy) => ({ policy, from: then[policy] ?? null, to: now[policy] ?? null, since }));
}

/** Adds `changes` (and `policyChanges` when any) to each current result that has a baseline. */
export function applyBaseline(results: RunResult[], baseline: RunResult[]): void {
  for (const r of results) {
    const prev = matchTarget(r, baseline);
    if (!prev) continue;
    r.changes = compareChecks(r, prev);
    const policies = comparePolicies(r, prev);
    if (policies.length) r.policyChanges = policies;
  }
}

/**
 * `sha256:<hex>` of a policy document: of its JSON with keys sorted, so the same policy read back in
 * another key order or spacing has the same digest.
 */
export function policyDigest(document: unknown): string {
  let doc = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      // not JSON: the text itself
    }
  }
  return `sha256:${createHash('sha256').update(typeof doc === 'string' ? doc : canonical(doc)).digest('hex')}`;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** `2026-11-30T01:30Z`: the minute a change is dated to, in UTC. */
export function sinceLabel(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16)}Z`;
}

/** The digest of each policy document read by an explanation, by name (null entries: not read). */
export function policyDigests(policies: ({ name: string; document: unknown } | null)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of policies) if (p) out[p.name] = policyDigest(p.document);
  return out;
}
