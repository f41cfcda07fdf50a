// A node_exporter textfile-collector file (Prometheus text exposition format 0.0.4). Every family is
// a gauge; samples carry no timestamp (the textfile collector rejects them). `--output FILE.prom`
// writes it with the one atomic writer (write.ts) into the collector's directory.
//
// Target labels: target (the run file's target name, else `<provider> <bucket>/<prefix> (<probe>)`;
// unique within the file), provider, bucket, prefix, probe; and shard ("INDEX/COUNT") with run --shard.
// Check labels: the target labels plus check, action, expect.
//
//   backup_canary_up                               1 when the probe completed (verdict pass or fail), 0 when it could not (error, interrupted)
//   backup_canary_success                          1 when every expectation was met (verdict pass)
//   backup_canary_last_run_timestamp_seconds       start of this run (Unix time)
//   backup_canary_last_success_timestamp_seconds   start of the last run that passed; carried over from the
//                                                  previous file while the target fails; absent until one passed
//   backup_canary_probe_duration_seconds           how long the probe of the target took
//   backup_canary_leftovers{expected}              canaries left behind; expected="true" when the definition
//                                                  requires the role not to delete them (append-only)
//   backup_canary_check_success                    1 when the check met its expectation (absent for a not-probed check:
//                                                  a configuration write never sent, without --explain)
//   backup_canary_check_outcome{outcome}           1 for the check's outcome, 0 for the others (a state set: allowed,
//                                                  denied, error, skipped, not-probed, evaluated)
//   backup_canary_check_duration_seconds           how long the check's request took
//   backup_canary_collision_unguarded              1 when the store ignores If-None-Match: * on CompleteMultipartUpload on
//                                                  an unversioned bucket (finding collision-unguarded), 0 when it honours it;
//                                                  absent when not measured. Does not affect backup_canary_success.
//
// Alert examples: `backup_canary_success == 0`, `time() - backup_canary_last_success_timestamp_seconds > 26 * 3600`.

import type { Outcome, RunResult } from '../core/model.js';
import { type ReportInput, targetIds, unexpectedLeftovers } from './common.js';

const TARGET_LABELS = ['target', 'provider', 'bucket', 'prefix', 'probe'] as const;
const OUTCOMES: Outcome[] = ['allowed', 'denied', 'error', 'skipped', 'not-probed', 'evaluated'];
const LAST_SUCCESS = 'backup_canary_last_success_timestamp_seconds';

type Labels = [string, string][];

interface Family {
  name: string;
  help: string;
  samples: { labels: Labels; value: number }[];
}

/**
 * The file's content. `previousFileText`: the file as it was before this run (if any), from which
 * `backup_canary_last_success_timestamp_seconds` is carried over for targets that did not pass now.
 */
export function renderPrometheus(input: ReportInput, previousFileText?: string): string {
  const previous = previousFileText ? lastSuccesses(previousFileText) : new Map<string, number>();
  const names = targetIds(input.results);
  const fam = (name: string, help: string): Family => ({ name, help, samples: [] });
  const up = fam('backup_canary_up', 'Whether the probe of the target completed (1) or could not complete (0: an error or an interruption).');
  const success = fam('backup_canary_success', 'Whether every expectation of the target was met (verdict pass).');
  const lastRun = fam('backup_canary_last_run_timestamp_seconds', 'Start of the last probe of the target, in Unix time.');
  const lastSuccess = fam(LAST_SUCCESS, 'Start of the last probe of the target that passed, in Unix time (kept across failed runs).');
  const duration = fam('backup_canary_probe_duration_seconds', 'Duration of the last probe of the target.');
  const leftovers = fam('backup_canary_leftovers', 'Canaries left behind by the last probe; expected="true" when the definition requires the role not to delete them.');
  const checkSuccess = fam('backup_canary_check_success', 'Whether the check met its expectation (1) or not (0; a skipped check never passes).');
  const checkOutcome = fam('backup_canary_check_outcome', 'Outcome of the check: 1 for the outcome it had, 0 for the others (not-probed, evaluated: a configuration write never sent).');
  const checkDuration = fam('backup_canary_check_duration_seconds', 'Duration of the check\'s request.');
  const unguarded = fam('backup_canary_collision_unguarded', 'Whether the store ignores If-None-Match: * on CompleteMultipartUpload on this unversioned bucket (1: finding collision-unguarded, an object another writer creates at the canary key during the completion would be overwritten without trace; does not fail the verdict); absent when not measured.');

  input.results.forEach((r, i) => {
    const t = targetLabels(r, names[i]!);
    const started = Date.parse(r.startedAt) / 1000;
    up.samples.push({ labels: t, value: r.verdict === 'error' ? 0 : 1 });
    success.samples.push({ labels: t, value: r.verdict === 'pass' ? 1 : 0 });
    lastRun.samples.push({ labels: t, value: started });
    const carried = previous.get(key(t));
    if (r.verdict === 'pass') lastSuccess.samples.push({ labels: t, value: started });
    else if (carried !== undefined) lastSuccess.samples.push({ labels: t, value: carried });
    duration.samples.push({ labels: t, value: r.durationMs / 1000 });
    const unexpected = unexpectedLeftovers(r).length;
    leftovers.samples.push({ labels: [...t, ['expected', 'false']], value: unexpected });
    leftovers.samples.push({ labels: [...t, ['expected', 'true']], value: r.leftovers.length - unexpected });
    const cw = r.target.conditionalWrites?.completeMultipartUpload;
    if (cw === 'ignored' || cw === 'honoured') unguarded.samples.push({ labels: t, value: cw === 'ignored' ? 1 : 0 });
    for (const k of r.checks) {
      const c: Labels = [...t, ['check', k.id], ['action', k.action], ['expect', k.expect]];
      // not-probed (never sent, no --explain): neither met nor failed, so no success sample; its outcome says it
      if (k.outcome !== 'not-probed') checkSuccess.samples.push({ labels: c, value: k.ok ? 1 : 0 });
      for (const o of OUTCOMES) checkOutcome.samples.push({ labels: [...c, ['outcome', o]], value: k.outcome === o ? 1 : 0 });
      checkDuration.samples.push({ labels: c, value: k.durationMs / 1000 });
    }
  });

  const families = [up, success, lastRun, lastSuccess, duration, leftovers, checkSuccess, checkOutcome, checkDuration, ...(unguarded.samples.length ? [unguarded] : [])];
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} gauge`);
    for (const s of f.samples) lines.push(`${f.name}{${labelText(s.labels)}} ${formatValue(s.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function targetLabels(r: RunResult, name: string): Labels {
  const t = r.target;
  const labels: Labels = [
    ['target', name],
    ['provider', t.provider],
    ['bucket', t.bucket],
    ['prefix', t.prefix],
    ['probe', t.probe],
  ];
  // run --shard: which worker's share the target is in (not part of the carry-over key, so
  // last_success survives a change of the shard count)
  if (r.shard) labels.push(['shard', r.shard]);
  return labels;
}

function key(labels: Labels): string {
  const m = new Map(labels);
  return JSON.stringify(TARGET_LABELS.map((n) => m.get(n) ?? ''));
}

function labelText(labels: Labels): string {
  return labels.map(([n, v]) => `${n}="${escapeLabel(v)}"`).join(',');
}

/** Label values: backslash, double quote and line feed are escaped (exposition format). */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed are escaped. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  return String(n);
}

/** `last_success` of the previous file, by target label set. Lines that do not parse are ignored. */
export function lastSuccesses(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${LAST_SUCCESS}{`)) continue;
    const parsed = parseSample(line.slice(LAST_SUCCESS.length));
    if (parsed && Number.isFinite(parsed.value)) out.set(key(parsed.labels), parsed.value);
  }
  return out;
}

/** `{a="x",b="y\"z"} 1.5` → labels and value; null when it is not that. */
function parseSample(s: string): { labels: Labels; value: number } | null {
  const labels: Labels = [];
  let i = 1;
  while (i < s.length && s[i] !== '}') {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(s.slice(i));
    if (!m) return null;
    i += m[0].length;
    let v = '';
    for (;;) {
      const ch = s[i];
      if (ch === undefined) return null;
      i += 1;
      if (ch === '"') break;
      if (ch === '\\') {
        const next = s[i];
        i += 1;
        if (next === 'n') v += '\n';
        else if (next === '\\' || next === '"') v += next;
        else return null;
      } else v += ch;
    }
    labels.push([m[1]!, v]);
    if (s[i] === ',') i += 1;
  }
  if (s[i] !== '}') return null;
  const rest = s.slice(i + 1).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') return null;
  const value = Number(rest[0]);
  return Number.isNaN(value) ? null : { labels, value };
}
