// What every report format shares: the input (one probe or a run of many targets), target names
// that are unique within a report, and which leftovers count against a target.

import { leftoversExpectedOf, unexpectedOf } from '../core/leftovers.js';
import type { CheckResult, Leftover, OwnerRecord, RunResult, TargetDescription, Verdict } from '../core/model.js';

/**
 * What a format renders: one probe (`backup-canary probe`, one result) or a run of many targets
 * (`backup-canary run FILE.yaml`). `verdict`, `startedAt` and `durationMs` are the whole report's.
 */
export interface ReportInput {
  kind: 'probe' | 'run';
  results: RunResult[];
  verdict: Verdict;
  durationMs: number;
  startedAt: string;
}

/** The report input of one probe. */
export function singleRun(result: RunResult): ReportInput {
  return { kind: 'probe', results: [result], verdict: result.verdict, durationMs: result.durationMs, startedAt: result.startedAt };
}

/** One verdict for many targets (computed in the core, where a run is aggregated). */
export { aggregateVerdict } from '../core/probe.js';

/**
 * `aws corp-backups/db/nightly/ (default)`: provider, bucket, prefix and probe definition, after the
 * target's name in a run file when it has one (`nightly-db: aws corp-backups/db/nightly/ (default)`).
 */
export function targetName(t: TargetDescription): string {
  const where = `${t.provider} ${t.bucket}/${t.prefix} (${t.probe})`;
  return t.name ? `${t.name}: ${where}` : where;
}

/**
 * Names for the targets of one report, unique: targets that share a name (the same bucket probed
 * as different roles) get the role, then a number if still equal.
 */
export function targetNames(results: RunResult[]): string[] {
  return unique(results.map((r) => targetName(r.target)), results);
}

/** Short names (the run file's target name, else as targetName), unique as targetNames: for labels. */
export function targetIds(results: RunResult[]): string[] {
  return unique(results.map((r) => r.target.name || targetName(r.target)), results);
}

function unique(base: string[], results: RunResult[]): string[] {
  const withRole = results.map((r, i) =>
    base.filter((b) => b === base[i]).length > 1 && r.target.role ? `${base[i]} as ${r.target.role}` : base[i]!,
  );
  const seen = new Map<string, number>();
  return withRole.map((name) => {
    if (withRole.filter((n) => n === name).length === 1) return name;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return `${name} #${n}`;
  });
}

/** Leftovers that make the target fail: the same rule as the verdict's (src/core/leftovers.ts). */
export function unexpectedLeftovers(r: RunResult): Leftover[] {
  return unexpectedOf(r.leftovers, leftoversExpectedOf((id) => r.checks.find((c) => c.id === id)?.expect));
}

export function expectedWord(k: Pick<CheckResult, 'expect'>): string {
  return k.expect === 'allow' ? 'allowed' : k.expect === 'deny' ? 'denied' : 'either';
}

/**
 * The source a report names: the evaluation's (recorded under check.explain with its reason) when the
 * response named none or named one the evaluation rules out, else the response's.
 */
export function shownSource(k: CheckResult): { source: string; explicit: boolean | null } | null {
  const d = k.denial;
  if (!d) return null;
  return k.explain?.source ?? { source: d.source, explicit: d.explicit };
}

/** `resource-policy (explicit deny)`, or what the response leaves open. */
export function sourceText(k: CheckResult): string {
  const s = shownSource(k);
  if (!s) return '';
  if (s.source === 'unknown') return 'source not named by the response';
  const explicit = s.explicit === true ? ' (explicit deny)' : s.explicit === false ? ' (no statement allows it)' : '';
  return `${s.source}${explicit}`;
}

/** The next step as one sentence: the evaluated fix when there is one, else the classifier's hint. */
export function fixSentence(k: CheckResult): string {
  return k.explain?.fix?.summary ?? k.denial?.hint ?? '';
}

export function statementText(k: CheckResult): string | null {
  const s = k.explain?.statement;
  if (!s) return null;
  const sid = s.sid !== null ? ` Sid=${s.sid}` : s.index !== null ? ` #${s.index}` : '';
  return `${s.policy}${sid}${s.effect ? ` (${s.effect})` : ''}`;
}

function ownerText(o: OwnerRecord): string {
  return `${o.id}${o.displayName ? ` (${o.displayName})` : ''}${o.readAs === 'probed' ? '' : `, read with ${o.readAs}`}`;
}

/** The bucket's Object Ownership as one phrase (every report): `Object Ownership ObjectWriter, bucket owner 79a5…`. */
export function objectOwnershipText(t: TargetDescription): string | null {
  const o = t.objectOwnership;
  if (!o) return null;
  const setting = o.setting === 'unknown' ? `unknown (${o.why ?? 'not read'}${o.note ? `: ${o.note}` : ''})` : `${o.setting}${o.readAs && o.readAs !== 'probed' ? ` (read with ${o.readAs})` : ''}`;
  return `Object Ownership ${setting}${o.bucketOwner ? `; bucket owner ${ownerText(o.bucketOwner)}` : ''}`;
}

/** The ownership lines of a check: its object owner, and the finding on a reader denial with its fix. */
export function ownershipLines(k: CheckResult): string[] {
  const lines: string[] = [];
  if (k.objectOwner) lines.push(`object owner: ${ownerText(k.objectOwner)}`);
  const f = k.ownership;
  if (!f) return lines;
  lines.push(`ownership: ${f.source === 'acl' ? 'source acl' : f.source}: ${f.why}`);
  if (f.fix) {
    lines.push(`ownership fix (a bucket setting, not a policy change; not proven by --explain): ${f.fix.change}`);
    for (const b of f.fix.breaks) lines.push(`it breaks: ${b}`);
    lines.push(`see ${f.fix.docs.join(', ')}`);
  }
  return lines;
}

/**
 * The store's decoded account of a denial, one line: `store diagnostic (ram:DecodeDiagnosticMessage):
 * explicit deny by BucketPolicy; it evaluated acs:SourceIp=127.0.0.1, acs:SourceVpc (none)`; or why it
 * was not read and what would read it.
 */
export function storeDiagnosticText(k: CheckResult): string | null {
  const s = k.explain?.storeDiagnostic;
  if (!s) return null;
  if (!s.decoded) return `store diagnostic not decoded: ${s.error ?? 'no answer'}${s.readWith ? `; ${s.readWith} would read it` : ''}`;
  const kind = s.explicitDeny === true ? 'explicit deny' : s.explicitDeny === false ? 'implicit deny' : 'denied';
  const parts = [`${kind}${s.policyType ? ` by ${s.policyType}` : ''}`];
  const keys = (s.conditions ?? []).map((c) => (c.values.length ? `${c.key}=${c.values.join(',')}` : `${c.key} (none)`));
  if (keys.length) parts.push(`it evaluated ${keys.join(', ')}`);
  const matched = (s.matchedPolicies ?? []).map((p) => `${p.effect ?? '?'} ${p.identifier ?? '?'}${p.type ? ` (${p.type})` : ''}`);
  if (matched.length) parts.push(`matched ${matched.join(', ')}`);
  if (s.mismatch) parts.push(`mismatch: ${s.mismatch}`);
  return `store diagnostic (${s.via}): ${parts.join('; ')}`;
}

/** One line per evidence item of a denial or error (the full record, for JUnit and similar). */
export function evidenceLines(k: CheckResult): string[] {
  const lines = [`check: ${k.id}`, `action: ${k.action}`, `expected: ${expectedWord(k)}`, `outcome: ${k.outcome}`];
  if (k.finding) lines.push(`finding: ${k.finding}`);
  if (k.reason) lines.push(`reason: ${k.reason}`);
  if (k.key) lines.push(`key: ${k.key}`);
  if (k.uploadId) lines.push(`upload id: ${k.uploadId}`);
  if (k.retries) lines.push(`retries: ${k.retries}`);
  const d = k.denial;
  if (d) {
    lines.push(`stage: ${d.stage}`, `source: ${sourceText(k)}`, `code: ${d.code}`);
    if (d.httpStatus !== null) lines.push(`status: ${d.httpStatus}`);
    if (d.requestId) lines.push(`request id: ${d.requestId}`);
    if (d.extendedRequestId) lines.push(`extended request id: ${d.extendedRequestId}`);
    if (d.ec) lines.push(`EC: ${d.ec}`);
    if (d.recommendDoc) lines.push(`recommend doc: ${d.recommendDoc}`);
    if (d.accessDeniedDetail) {
      for (const [name, value] of Object.entries(d.accessDeniedDetail)) lines.push(`access denied detail: ${name}=${value}`);
    }
    if (d.message) lines.push(`message: ${d.message}`);
    const st = statementText(k);
    if (st) lines.push(`statement: ${st}`);
    for (const c of k.explain?.conditions ?? []) lines.push(`condition: ${conditionText(c)}`);
  }
  if (k.explain) {
    lines.push(`evaluation: ${k.explain.decision}${k.explain.decidedBy ? ` by ${k.explain.decidedBy}` : ''}: ${k.explain.summary}`);
    if (k.explain.undeterminedKeys?.length) lines.push(`undetermined: ${k.explain.undeterminedKeys.join(', ')}`);
    if (k.explain.mismatch) lines.push(`mismatch: ${k.explain.mismatch}`);
    if (k.explain.source) lines.push(`source by the evaluation: ${k.explain.source.source} (${k.explain.source.why})`);
    const diag = storeDiagnosticText(k);
    if (diag) lines.push(diag);
  }
  if (k.note) lines.push(`note: ${k.note}`);
  lines.push(...ownershipLines(k));
  if (d) {
    lines.push(`hint: ${d.hint}`);
    const fix = k.explain?.fix;
    if (fix) {
      lines.push(`fix: ${fix.summary}`);
      lines.push(`${policyName(fix.policy)}: ${JSON.stringify(fix.snippet)}`);
      if (fix.sessionName) lines.push(`session name: ${fix.sessionName}`);
    }
  }
  return lines;
}

export function conditionText(c: NonNullable<NonNullable<CheckResult['explain']>['conditions']>[number]): string {
  const req = c.requestValues === null ? 'absent' : c.requestValues === 'undetermined' ? 'undetermined' : c.requestValues.join(', ');
  return `${c.operator} ${c.key} [${c.policyValues.join(', ')}] vs [${req}] → ${String(c.result)}`;
}

/**
 * Why each fix candidate tried before the one shown (or, when none could be proven, every candidate)
 * was not proposed: one line per candidate, naming the proof legs that failed on the store
 * (src/explain/proof.ts: role-allowed, others-unchanged, store-supports) with their detail.
 */
export function rejectedCandidateLines(fix: NonNullable<NonNullable<CheckResult['explain']>['fix']>): string[] {
  const proof = fix.proof;
  if (!proof) return [];
  return proof.candidates
    .filter((c) => !c.shown)
    .map((c) => `not proposed on ${proof.store}: ${c.form}: ${c.checks.filter((k) => !k.ok).map((k) => `${k.check} failed (${k.detail})`).join('; ')}`);
}

/** `bucket policy`, `trust policy`, `identity policy`: where a fix goes. */
export function policyName(policy: string): string {
  return `${policy} policy`;
}

export function counts(checks: CheckResult[]): Record<CheckResult['outcome'], number> {
  const n = { allowed: 0, denied: 0, error: 0, skipped: 0, 'not-probed': 0, evaluated: 0 };
  for (const k of checks) n[k.outcome] += 1;
  return n;
}
