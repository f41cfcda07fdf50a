// The `explain` command's output: one request's evaluation as text (decision, why, fix) or JSON.

import type { EvaluationResult, RequestContext } from '../explain/types.js';
import type { ProvenFix } from '../explain/index.js';
import { VERSION } from '../version.js';

export interface ExplainReportInput {
  request: RequestContext;
  result: EvaluationResult;
  summary: string;
  fix: ProvenFix | null;
}

/** The fix and, for each candidate tried, whether its proof held on the store. */
function fixLines(fix: ProvenFix): string[] {
  const lines = [`fix: ${fix.summary}`];
  if (fix.safe && Object.keys(fix.snippet).length) lines.push(`  ${fix.policy} policy: ${JSON.stringify(fix.snippet)}`);
  for (const c of fix.proof.candidates) {
    lines.push(`  proof on ${fix.proof.store}: ${c.form} ${c.shown ? 'holds' : 'rejected'}: ${c.checks.map((k) => `${k.check} ${k.ok ? 'ok' : `FAILED (${k.detail})`}`).join(', ')}`);
  }
  return lines;
}

export function renderExplainReport(r: ExplainReportInput, format: 'text' | 'json'): string {
  const { request, result, fix } = r;
  if (format === 'json') {
    const out = {
      schemaVersion: 1,
      tool: { name: 'backup-canary', version: VERSION },
      request: { action: request.action, resource: request.resource, principal: result.request.principal },
      decision: result.decision,
      decidedBy: result.decidedBy,
      possibleDecisions: result.possibleDecisions,
      undeterminedKeys: result.undeterminedKeys,
      crossAccount: result.crossAccount,
      summary: r.summary,
      reason: result.reason,
      statements: result.statements.map((s) => ({ policy: s.policy, sid: s.sid ?? null, index: s.index, effect: s.effect, applies: s.applies, conditions: s.conditions })),
      fix: fix ? { summary: fix.summary, policy: fix.policy, snippet: fix.snippet, safe: fix.safe, form: fix.form ?? null, proof: fix.proof } : null,
      unread: result.unread,
      notEvaluated: result.notEvaluated,
      warnings: result.warnings,
    };
    return `${JSON.stringify(out, null, 2)}\n`;
  }
  return [
    `${request.action} on ${request.resource} by ${result.request.principal}`,
    `decision: ${result.decision}${result.decidedBy ? ` (${result.decidedBy})` : ''}`,
    `why: ${r.summary}`,
    ...(fix ? fixLines(fix) : []),
    ...result.warnings.map((w) => `note: ${w.replace('(set request.resourceAccount)', '(pass --resource-account)')}`),
    '',
  ].join('\n');
}
