// The human report: one line per check, graspable in five seconds. Colour only when asked for
// (a TTY without NO_COLOR), decided by the caller.

import { sinceLabel } from '../core/baseline.js';
import type { CheckResult, RunResult } from '../core/model.js';
import { fixSentence, objectOwnershipText, ownershipLines, rejectedCandidateLines, sourceText, storeDiagnosticText } from './common.js';
import { plural } from './style.js';
import { asBackupLines, hingeLines, sessionNameLines } from './vantage.js';

export interface TextOptions {
  color: boolean;
}

const codes = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1 } as const;

export function renderText(r: RunResult, opts: TextOptions): string {
  const c = (name: keyof typeof codes, s: string) => (opts.color ? `\x1b[${codes[name]}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  const t = r.target;
  const where = t.endpoint ? ` at ${t.endpoint}` : t.region ? ` in ${t.region}` : '';
  // A run's sections are headed by the target's name in the run file.
  lines.push(c('bold', `${t.name ? `${t.name}:` : 'backup-canary probe:'} ${t.provider} ${t.bucket}/${t.prefix}${where}${r.shard ? ` (shard ${r.shard})` : ''}`));
  if (t.role) {
    const who = r.identity.source ? `${r.identity.source} → ` : '';
    lines.push(`  role ${who}${r.identity.assumedRoleArn ?? t.role}`);
  } else {
    lines.push(`  no role assumed: probing the source credentials${r.identity.source ? ` (${r.identity.source})` : ''}`);
  }
  if (t.writer) {
    // two identities: the writer's put is setup (marked "writer" below), not a check of the role
    const w = t.writer;
    const who = w.arn ?? w.role ?? (w.profile ? `profile ${w.profile}` : 'the source credentials');
    lines.push(`  writer ${who}${w.role && w.profile ? ` (from profile ${w.profile})` : ''}, ACL ${w.acl}: puts the canary the role reads, and removes it`);
  }
  lines.push(`  canaries under ${t.prefix}.backup-canary/${r.runId}/`);
  const bucket = bucketLine(r.target);
  if (bucket) lines.push(`  ${bucket}`);
  const ownership = objectOwnershipText(r.target);
  if (ownership) lines.push(`  ${ownership}`);
  lines.push('');

  const width = Math.max(...r.checks.map((k) => k.action.length), 10);
  const idWidth = Math.max(...r.checks.map((k) => k.id.length), 10);
  const hints = new Map<string, string>();
  for (const k of r.checks) lines.push(...checkLines(k, width, idWidth, c, hints));

  if (r.leftovers.length) {
    lines.push('');
    lines.push(c('yellow', `Left behind (${r.leftovers.length}):`));
    for (const l of r.leftovers) {
      const v = l.versionId ? ` (${l.deleteMarker ? 'delete marker' : 'version'} ${l.versionId})` : '';
      lines.push(`  ${l.retainUntil ? '~' : '!'} ${l.key}${l.uploadId ? ` (upload ${l.uploadId})` : ''}${v}${l.by === 'writer' ? ' (the writer\'s)' : ''}: ${l.why}`);
    }
  }

  if (r.explain) {
    lines.push('');
    lines.push(`Explain: read ${r.explain.read.join(', ') || 'no policy'}`);
    for (const n of r.explain.notVisible) lines.push(`  not visible: ${n.policy}: ${n.why}`);
    for (const w of r.explain.warnings) lines.push(c('dim', `  note: ${w}`));
    lines.push(...sessionNameLines(r));
  }
  lines.push(...asBackupLines(r));

  lines.push(...changeLines(r));

  lines.push('');
  const n = (o: string) => r.checks.filter((k) => k.outcome === o).length;
  const unsent = [n('evaluated') ? `${n('evaluated')} evaluated` : '', n('not-probed') ? `${n('not-probed')} not probed` : ''].filter(Boolean).join(', ');
  const counts = `${n('allowed')} allowed, ${n('denied')} denied, ${plural(n('error'), 'error')}, ${n('skipped')} skipped${unsent ? `, ${unsent}` : ''}`;
  const verdict =
    r.verdict === 'pass' ? c('green', 'PASS') : r.verdict === 'fail' ? c('red', 'FAIL') : c('red', 'ERROR');
  const unmet = r.checks.filter((k) => !k.ok).length;
  const backupFails = r.asBackup?.checks.filter((k) => !k.ok && k.decision !== 'undetermined').length ?? 0;
  const tail =
    r.verdict === 'pass'
      ? `every expectation met${n('not-probed') ? ` but ${n('not-probed')} not probed (never sent: --explain evaluates them)` : ''}${r.checks.some((k) => k.explain?.hingesOn?.length) ? '; the PASS holds from this vantage (see "holds only for")' : ''}`
      : `${unmet} expectation${unmet === 1 ? '' : 's'} not met${backupFails ? `; ${backupFails} check${backupFails === 1 ? '' : 's'} the backup would fail` : ''}`;
  lines.push(`${verdict}  ${counts}; ${tail}${r.interrupted ? `; interrupted by ${r.interrupted}` : ''} (${r.durationMs} ms)`);
  return `${lines.join('\n')}\n`;
}

/** With a baseline: "changed since 2026-11-30T01:30Z: s3:PutObject allowed → denied (put-object)". */
function changeLines(r: RunResult): string[] {
  if (!r.changes) return [];
  const since = r.changes[0]?.since ?? r.policyChanges?.[0]?.since;
  if (!r.changes.length && !r.policyChanges?.length) return ['', 'Nothing changed since the baseline run.'];
  const lines = [''];
  for (const ch of r.changes) lines.push(`changed since ${sinceLabel(ch.since)}: ${ch.action} ${ch.from} → ${ch.to} (${ch.check})`);
  for (const p of r.policyChanges ?? []) {
    const what = p.from === null ? 'now read' : p.to === null ? 'no longer read' : `${short(p.from)} → ${short(p.to)}`;
    lines.push(`policy changed since ${sinceLabel(p.since ?? since ?? '')}: ${p.policy} ${what}`);
  }
  return lines;
}

function short(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}

type Paint = (name: keyof typeof codes, s: string) => string;

function checkLines(k: CheckResult, width: number, idWidth: number, c: Paint, hints: Map<string, string>): string[] {
  const mark = k.outcome === 'skipped' ? c('dim', '–') : k.outcome === 'not-probed' ? c('dim', '○') : k.ok ? c('green', '✓') : c('red', '✗');
  const expect = k.expect === 'allow' ? '' : ` (expected ${k.expect === 'deny' ? 'denied' : 'either'})`;
  const head = `  ${mark} ${k.action.padEnd(width)}  ${k.id.padEnd(idWidth)}${k.by === 'writer' ? '  [writer, setup]' : ''}`;
  const retries = k.retries ? `, ${k.retries} retr${k.retries === 1 ? 'y' : 'ies'}` : '';
  if (k.outcome === 'skipped') return [`${head}  ${c('dim', `skipped: ${k.reason ?? ''}`)}${expect}`];
  if (k.outcome === 'not-probed') return [`${head}  ${c('dim', `not probed${expect}: ${k.reason ?? ''}`)}`];
  if (k.outcome === 'evaluated') return evaluatedLines(k, head, expect, c, hints);
  if (k.outcome === 'allowed') {
    const lines = [`${head}  allowed${expect} ${c('dim', `${k.durationMs} ms${retries}`)}`];
    if (k.caveat) lines.push(`      ${c('yellow', `finding: ${k.caveat.finding}: ${k.caveat.why}`)}`);
    if (k.objectOwner) lines.push(...ownershipLines(k).map((l) => `      ${c('dim', l)}`));
    if (k.explain?.mismatch) lines.push(`      ${c('yellow', `mismatch: ${k.explain.mismatch}`)}`);
    lines.push(...hingeLines(k));
    return lines;
  }
  const d = k.denial;
  if (!d) return [`${head}  ${k.outcome}${expect}: ${k.reason ?? ''}`];
  const shown = sourceText(k);
  const source = shown === 'source not named by the response' ? shown : `by ${shown}`;
  const lines = [`${head}  ${k.outcome}${expect} · stage ${d.stage} · ${source}`];
  const evidence = [d.code, d.httpStatus ? String(d.httpStatus) : '', d.ec ? `EC ${d.ec}` : '', d.requestId ? `request ${d.requestId}` : '']
    .filter(Boolean)
    .join(' · ');
  lines.push(`      ${c('dim', evidence)}${d.message ? c('dim', `: ${d.message}`) : ''}`);
  if (k.explain) lines.push(`      why: ${k.explain.summary}`);
  const diag = storeDiagnosticText(k);
  if (diag) lines.push(`      ${diag}`);
  if (k.explain?.mismatch) lines.push(`      ${c('yellow', `mismatch: ${k.explain.mismatch}`)}`);
  lines.push(...ownershipLines(k).map((l) => `      ${l}`));
  if (k.ok) return lines;
  // The same next step for several checks is printed once. Under a "why" line the fix's own part
  // (remedy) is printed: the record keeps evidence and change apart, nothing is cut out of a sentence.
  const fix = k.explain?.fix;
  const sentence = k.explain && fix?.remedy ? fix.remedy : fixSentence(k);
  const seen = hints.get(sentence);
  lines.push(seen ? `      fix: as for ${seen}` : `      fix: ${sentence}`);
  if (k.note) lines.push(`      note: ${k.note}`);
  if (!seen && fix && !fix.advice) lines.push(`      ${fix.policy} policy: ${JSON.stringify(fix.snippet)}`);
  if (!seen && fix) lines.push(...rejectedCandidateLines(fix).map((l) => `      ${l}`));
  if (!seen) hints.set(sentence, k.id);
  return lines;
}

/** A configuration write never sent, decided by the evaluation of the policies read (--explain). */
function evaluatedLines(k: CheckResult, head: string, expect: string, c: Paint, hints: Map<string, string>): string[] {
  const e = k.explain;
  const lines = [`${head}  evaluated: ${e?.decision ?? 'undetermined'}${expect} ${c('dim', '(never sent)')}${k.finding ? ` ${c('red', k.finding)}` : ''}`];
  if (e) lines.push(`      why: ${e.summary}`);
  if (k.ok || !e?.fix) return lines;
  const sentence = e.fix.remedy ?? e.fix.summary;
  const seen = hints.get(sentence);
  lines.push(seen ? `      fix: as for ${seen}` : `      fix: ${sentence}`);
  if (!seen && !e.fix.advice) lines.push(`      ${e.fix.policy} policy: ${JSON.stringify(e.fix.snippet)}`);
  if (!seen) hints.set(sentence, k.id);
  return lines;
}

/** Versioning and Object Lock / WORM, when they change what stays: a versioned or locked bucket. */
function bucketLine(t: RunResult['target']): string | null {
  const parts: string[] = [];
  const v = t.versioning?.status;
  if (v === 'Enabled' || v === 'Suspended') parts.push(`versioning ${v}${t.versioning?.from === 'write-responses' ? ' (learned from the writes)' : ''}: canaries are removed by version id`);
  const l = t.objectLock;
  if (l?.enabled) {
    const what = l.mode === 'WORM' ? `WORM retention policy${l.state ? ` (${l.state})` : ''}` : `Object Lock${l.mode ? ` ${l.mode}` : ''}`;
    parts.push(`${what}${l.days ? `, ${l.days}-day retention` : ''}${l.from === 'write-responses' ? ' (learned from the writes)' : ''}: retained canaries stay until their date`);
  } else if (l && l.enabled === null && l.note && !/^not supported/.test(l.note)) {
    parts.push(`Object Lock unknown (${l.note})`);
  }
  const cw = t.conditionalWrites;
  if (cw?.completeMultipartUpload === 'ignored') parts.push('If-None-Match: * on CompleteMultipartUpload is ignored by the store (measured): see collision-unguarded');
  else if (cw?.completeMultipartUpload === 'honoured') parts.push('If-None-Match: * on CompleteMultipartUpload is honoured (measured)');
  return parts.length ? `bucket: ${parts.join('; ')}` : null;
}
