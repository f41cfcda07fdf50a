// `explain --replay`: each recorded check re-evaluated with the replacement documents.

import type { ReplayResult } from '../explain/replay.js';
import { VERSION } from '../version.js';

export function renderReplay(r: ReplayResult, report: string, given: string[], format: 'text' | 'json'): string {
  if (format === 'json') {
    return `${JSON.stringify({ schemaVersion: 1, tool: { name: 'backup-canary', version: VERSION }, replay: report, replaced: given, verdict: r.verdict, checks: r.checks }, null, 2)}\n`;
  }
  const lines = [`replay of ${report} with ${given.join(' ')}:`];
  const many = new Set(r.checks.map((c) => c.target)).size > 1;
  for (const c of r.checks) {
    const who = `${many ? `${c.target}: ` : ''}${c.id} (${c.action})`;
    const st = c.statement ? `${c.statement.policy}${c.statement.sid ? ` Sid ${c.statement.sid}` : ''}` : c.after;
    if (c.change === 'newly-denied') lines.push(`  ✗ ${who}: allowed → ${c.after} — ${st}`, `      why: ${c.summary}`);
    else if (c.change === 'undetermined') lines.push(`  ? ${who}: allowed → undetermined`, `      why: ${c.summary}`);
    else if (c.change === 'newly-allowed') lines.push(`  ! ${who}: ${c.before} → allowed — ${st}`);
  }
  const held = r.checks.filter((c) => c.change === 'unchanged').map((c) => c.id);
  if (held.length) lines.push(`  ✓ unchanged: ${[...new Set(held)].join(', ')}`);
  const bad = r.checks.filter((c) => c.change === 'newly-denied');
  lines.push(
    r.verdict === 'pass'
      ? 'PASS  nothing that was allowed becomes denied'
      : r.verdict === 'fail'
        ? `FAIL  ${bad.length} check${bad.length === 1 ? '' : 's'} that ${bad.length === 1 ? 'was' : 'were'} allowed would be denied: ${bad.map((c) => c.id).join(', ')}`
        : 'UNDETERMINED  an allowed check would hinge on a key whose value is unknown',
  );
  return `${lines.join('\n')}\n`;
}
