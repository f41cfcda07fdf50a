// The `explain` command's output: one request's evaluation as text (decision, why, fix) or JSON.

import type { EvaluationResult, RequestContext } from '../explain/types.js';
import type { Fix } from '../explain/index.js';
import { VERSION } from '../version.js';

export interface ExplainReportInput {
  request: RequestContext;
  result: EvaluationResult;
  summary: string;
  fix: Fix | null;
}

export function renderExplainReport(r: ExplainReportInput, format: 'text' | 'json'): string {
  const { request, result, fix } = r;
  if (format === 'json') {
    const out = {
      schemaVersion: 1,
      tool: { name: 'backup-canary', version: VERSION },
      request: { action: request.action, resource: request.resource, principal: request.principal.arn },
      decision: result.decision,
      decidedBy: result.decidedBy,
      possibleDecisions: result.possibleDecisions,
      undeterminedKeys: result.undeterminedKeys,
      crossAccount: result.crossAccount,
      summary: r.summary,
      reason: result.reason,
      statements: result.statements.map((s) => ({ policy: s.policy, sid: s.sid ?? null, index: s.index, effect: s.effect, applies: s.applies, conditions: s.conditions })),
      fix,
      warnings: result.warnings,
    };
    return `${JSON.stringify(out, null, 2)}\n`;
  }
  return [
    `${request.action} on ${request.resource} by ${request.principal.arn}`,
    `decision: ${result.decision}${result.decidedBy ? ` (${result.decidedBy})` : ''}`,
    `why: ${r.summary}`,
    ...(fix ? [`fix: ${fix.summary}`, `  ${fix.policy} policy: ${JSON.stringify(fix.snippet)}`] : []),
    ...result.warnings.map((w) => `note: ${w.replace('(set request.resourceAccount)', '(pass --resource-account)')}`),
    '',
  ].join('\n');
}
