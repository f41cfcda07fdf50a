// GitHub-flavoured Markdown for a pipeline's job summary ($GITHUB_STEP_SUMMARY, GitLab/Azure
// summaries): a heading with the verdict, per target one table row per check, the fixes for the
// checks that failed their expectation below the table, and canaries left behind.

import type { CheckResult, RunResult, Verdict } from '../core/model.js';
import { expectedWord, fixSentence, objectOwnershipText, ownershipLines, rejectedCandidateLines, type ReportInput, sourceText, statementText, storeDiagnosticText, targetNames, unexpectedLeftovers } from './common.js';

const VERDICT_MARK: Record<Verdict, string> = { pass: '✅', fail: '❌', error: '❌' };

export function renderMarkdown(input: ReportInput): string {
  const names = targetNames(input.results);
  const out: string[] = [];
  const by = (v: Verdict) => input.results.filter((r) => r.verdict === v).length;
  if (input.kind === 'probe') {
    const r = input.results[0];
    out.push(`### ${VERDICT_MARK[input.verdict]} backup-canary: ${input.verdict.toUpperCase()} · ${md(names[0] ?? '')}`, '');
    if (r) out.push(...target(r, null));
  } else {
    out.push(
      `### ${VERDICT_MARK[input.verdict]} backup-canary run: ${input.verdict.toUpperCase()} · ${input.results.length} targets: ` +
        `${by('pass')} passed, ${by('fail')} failed, ${by('error')} could not complete (${input.durationMs} ms)`,
      '',
    );
    input.results.forEach((r, i) => out.push(...target(r, names[i]!)));
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function target(r: RunResult, name: string | null): string[] {
  const out: string[] = [];
  const met = r.checks.filter((k) => k.ok).length;
  if (name !== null) out.push(`#### ${VERDICT_MARK[r.verdict]} ${md(name)}: ${r.verdict.toUpperCase()}`, '');
  const t = r.target;
  const where = t.endpoint ? ` at ${code(t.endpoint)}` : t.region ? ` in ${code(t.region)}` : '';
  const reader = t.role ? `role ${code(r.identity.assumedRoleArn ?? t.role)}` : 'no role assumed';
  // two identities: the writer put the canary the role read (its put is marked "writer, setup")
  const w = t.writer;
  const who = w ? `${reader} · writer ${code(w.arn ?? w.role ?? (w.profile ? `profile ${w.profile}` : 'source credentials'))}, ACL ${code(w.acl)}` : reader;
  out.push(
    `${met}/${r.checks.length} expectations met · ${who}${where}${r.runId ? ` · run ${code(r.runId)}` : ''} · ${r.durationMs} ms` +
      `${r.interrupted ? ` · **interrupted by ${md(r.interrupted)}**` : ''}`,
    '',
  );
  if (r.error) out.push(`**Could not run:** ${md(r.error)}`, '');
  const ownership = objectOwnershipText(t);
  if (ownership) out.push(md(ownership), '');
  const cw = r.target.conditionalWrites;
  if (cw) out.push(`Conditional writes: If-None-Match on CompleteMultipartUpload **${cw.completeMultipartUpload}** (${md(cw.why)})`, '');
  if (r.checks.length) {
    out.push('| | check | action | outcome | source / why |', '| --- | --- | --- | --- | --- |');
    for (const k of r.checks) out.push(`| ${mark(k)} | ${code(k.id)}${k.by === 'writer' ? ' (writer, setup)' : ''} | ${code(k.action)} | ${outcome(k)} | ${why(k)} |`);
    out.push('');
  }

  const fixes: string[] = [];
  const seen = new Map<string, string>();
  for (const k of r.checks.filter((c) => !c.ok && c.outcome !== 'skipped')) {
    const line = fixLine(k, seen);
    if (line) fixes.push(...line);
  }
  if (fixes.length) out.push('**Fix**', '', ...fixes, '');

  if (r.leftovers.length) {
    const unexpected = unexpectedLeftovers(r);
    out.push(`**Left behind (${r.leftovers.length})**`, '');
    for (const l of r.leftovers) {
      const expected = unexpected.includes(l) ? '' : ' (expected by the definition)';
      out.push(`- ${unexpected.includes(l) ? '❌' : '➖'} ${code(l.key)}${l.uploadId ? ` (upload ${code(l.uploadId)})` : ''}${expected}: ${md(l.why)}`);
    }
    out.push('');
  }
  // issue 11: the checks the backup itself would fail (--backup-*), and what a PASS hinges on
  const bad = r.asBackup?.checks.filter((c) => !c.ok) ?? [];
  if (bad.length) {
    out.push(`**As the backup** (${Object.values(r.asBackup!.vantage).map(code).join(', ')}): ${r.asBackup!.verdict}`, '');
    for (const c of bad) out.push(`- ${c.decision === 'undetermined' ? '❔' : '❌'} ${code(c.id)}: ${md(c.differs ?? c.summary)}`);
    out.push('');
  }
  const hinges = [...new Set(r.checks.flatMap((k) => (k.explain?.hingesOn ?? []).map((h) => `holds only for ${h.holds} (${h.policy}${h.sid ? ` Sid ${h.sid}` : ''})`)))];
  if (hinges.length) out.push(`The PASS holds from this vantage: ${hinges.map(md).join('; ')}`, '');
  if (r.explain?.notVisible.length) {
    out.push(`Policies not visible to the evaluation: ${r.explain.notVisible.map((n) => `${code(n.policy)} (${md(n.why)})`).join(', ')}`, '');
  }
  return out;
}

function mark(k: CheckResult): string {
  return k.outcome === 'skipped' ? '➖' : k.outcome === 'not-probed' ? '⚪' : k.ok ? '✅' : '❌';
}

function outcome(k: CheckResult): string {
  const expected = k.ok && k.expect === 'allow' && k.outcome !== 'not-probed' ? '' : ` (expected ${expectedWord(k)})`;
  const what = k.outcome === 'not-probed' ? 'not probed' : k.outcome === 'evaluated' ? `evaluated: ${k.explain?.decision ?? 'undetermined'}, never sent` : k.outcome;
  return `${what}${expected}${k.finding ? ` **${k.finding}**` : ''}${k.caveat ? ` **${k.caveat.finding}**` : ''}`;
}

function why(k: CheckResult): string {
  if (k.outcome === 'skipped') return md(`skipped: ${k.reason ?? ''}`);
  const parts: string[] = [];
  const d = k.denial;
  if (d) {
    parts.push(md(sourceText(k)));
    const evidence = [d.code, d.httpStatus !== null ? String(d.httpStatus) : '', d.ec ? `EC ${d.ec}` : ''].filter(Boolean).join(' ');
    parts.push(code(evidence));
    const st = statementText(k);
    if (st && !k.explain) parts.push(md(st)); // the evaluation's summary names the statement itself
  } else if (k.reason) {
    parts.push(md(k.reason));
  }
  if (k.explain) parts.push(md(k.explain.summary));
  const diag = storeDiagnosticText(k);
  if (diag) parts.push(md(diag));
  if (k.explain?.mismatch) parts.push(`mismatch: ${md(k.explain.mismatch)}`);
  // the object owner, and the ownership finding in a word (the Fix section has its evidence and remedy)
  const owner = ownershipLines(k).find((l) => l.startsWith('object owner:'));
  if (owner) parts.push(md(owner));
  if (k.ownership) parts.push(md(`ownership: ${k.ownership.source}`));
  if (k.caveat) parts.push(`${k.caveat.finding}: ${md(k.caveat.why)}`);
  return parts.join(' · ');
}

function fixLine(k: CheckResult, seen: Map<string, string>): string[] | null {
  if (k.outcome === 'evaluated') {
    const fix = k.explain?.fix;
    if (!fix) return [`- ${code(k.id)}: ${code(k.action)} (never sent) evaluates to ${k.explain?.decision ?? 'undetermined'}: ${md(k.explain?.summary ?? '')}`];
    return [`- ${code(k.id)} (never sent): ${md(fix.summary)}`, ...(fix.advice ? [] : [`  ${fix.policy} policy:`, '', '  ```json', `  ${JSON.stringify(fix.snippet)}`, '  ```', ''])];
  }
  if (k.outcome === 'allowed') {
    return [`- ${code(k.id)}: ${code(k.action)} must be denied under this definition; remove the permission that grants it.`];
  }
  const d = k.denial;
  if (!d) return k.reason ? [`- ${code(k.id)}: ${md(k.reason)}`] : null;
  const sentence = fixSentence(k);
  const first = seen.get(sentence);
  if (first) return [`- ${code(k.id)}: as for ${code(first)}.`];
  seen.set(sentence, k.id);
  const lines = [`- ${code(k.id)}${d.requestId ? ` (request ${code(d.requestId)})` : ''}: ${md(sentence)}`];
  if (k.note) lines.push(`  Note: ${md(k.note)}`);
  for (const l of ownershipLines(k).filter((x) => !x.startsWith('object owner:'))) lines.push(`  ${md(l)}`);
  if (d.recommendDoc) lines.push(`  See ${md(d.recommendDoc)}`);
  const fix = k.explain?.fix;
  if (fix) {
    lines.push(`  ${fix.policy} policy:`, '', '  ```json', `  ${JSON.stringify(fix.snippet)}`, '  ```', '');
    const rejected = rejectedCandidateLines(fix);
    if (rejected.length) lines.push(...rejected.map((l) => `  - ${md(l)}`), '');
  }
  return lines;
}

/**
 * Free text in a table cell: one line; `|` would end the cell; Markdown punctuation and HTML are
 * escaped (job summaries render HTML), so a message such as `arn:aws:s3:::b/*` prints as written.
 */
export function md(s: string): string {
  return visible(s.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[\\`*_[\]<>|~#&!]/g, (c) => `\\${c}`));
}

/** Control characters (a terminal escape in a proxy's message) as visible `\u001b`. */
function visible(s: string): string {
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A code span; `|` is escaped (GFM tables split cells before parsing spans). */
export function code(s: string): string {
  const one = visible(s.replace(/[\r\n]+/g, ' '));
  if (!one) return '';
  const runs = one.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = one.startsWith('`') || one.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${one.replace(/\|/g, '\\|')}${pad}${fence}`;
}
