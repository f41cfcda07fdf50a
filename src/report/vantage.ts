// Text for issue 11: what an allowed check's PASS hinges on (under the check), which role session
// names pass, and the checks evaluated as the backup would send them (--backup-*).

import type { CheckResult, RunResult } from '../core/model.js';

/** Lines under an allowed check: `holds only for aws:SourceIp in 127.0.0.0/8, ... (bucket-policy Sid OfficeOnly)`. */
export function hingeLines(k: CheckResult, indent = '      '): string[] {
  const lines: string[] = [];
  for (const h of k.explain?.hingesOn ?? []) {
    const where = `${h.policy}${h.sid ? ` Sid ${h.sid}` : ''}`;
    lines.push(`${indent}holds only for ${h.holds} (${where})${h.undetermined ? ' — undetermined in this run' : ''}`);
  }
  return lines;
}

/** One block per report: the session names that pass, when a read policy distinguishes role sessions. */
export function sessionNameLines(r: RunResult): string[] {
  const names = [...new Set(r.checks.flatMap((k) => k.explain?.sessionNames ?? []))];
  if (!names.length) return [];
  return [
    `Session names: the role session name decides; the policies read let pass ${names.join(', ')}.`,
    '  Probe with the session name the backup really uses (--session-name NAME), or evaluate it with --backup-session-name NAME.',
  ];
}

export function vantageLabel(v: NonNullable<RunResult['asBackup']>['vantage']): string {
  const parts: string[] = [];
  if (v.sourceIp) parts.push(`from ${v.sourceIp}`);
  if (v.sourceVpc) parts.push(`in ${v.sourceVpc}`);
  if (v.sourceVpce) parts.push(`via ${v.sourceVpce}`);
  if (v.sessionName) parts.push(`session ${v.sessionName}`);
  if (v.principal) parts.push(`as ${v.principal}`);
  return parts.join(', ');
}

/** `As the backup (from 198.51.100.7): ✗ put-object — bucket-policy Sid OfficeOnly`. */
export function asBackupLines(r: RunResult): string[] {
  const b = r.asBackup;
  if (!b) return [];
  const head = `As the backup (${vantageLabel(b.vantage)}):`;
  const lines: string[] = [''];
  const held: string[] = [];
  for (const c of b.checks) {
    if (c.ok && !c.differs) {
      held.push(c.id);
      continue;
    }
    const mark = c.ok ? '✓' : c.decision === 'undetermined' ? '?' : '✗';
    const what = c.statement ? `${c.statement.policy}${c.statement.sid ? ` Sid ${c.statement.sid}` : ''}` : c.decision === 'implicit-deny' ? `no Allow in ${c.decidedBy ?? 'the policies'}` : c.decision;
    lines.push(`${head} ${mark} ${c.id} — ${what}`);
    lines.push(c.differs ? `    ${c.differs}` : `    why: ${c.summary}`);
  }
  if (held.length) lines.push(`${head} ✓ ${held.join(', ')}`);
  const v = b.verdict === 'pass' ? 'every check holds for the backup' : b.verdict === 'fail' ? 'the backup would fail (the run fails)' : 'undetermined for the backup';
  lines.push(`  as the backup: ${v}`);
  return lines;
}
