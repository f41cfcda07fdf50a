// One-line summaries of an evaluation, e.g.
//   bucket-policy Sid=OnlyOfficeMayWrite (Deny): NotIpAddress aws:SourceIp 203.0.113.0/24 vs 127.0.0.1 → matched

import type { ConditionResult, EvaluationResult, StatementResult } from './types.js';

export function describeCondition(c: ConditionResult): string {
  const req = c.requestValues === null ? '(absent)' : c.requestValues === 'undetermined' ? '(undetermined)' : c.requestValues.join(',');
  const outcome = c.result === 'undetermined' ? 'undetermined' : c.result ? 'matched' : 'not matched';
  return `${c.operator} ${c.key} ${c.policyValues.join(',')} vs ${req} → ${outcome}`;
}

export function describeStatement(s: StatementResult): string {
  const id = s.sid !== undefined && s.sid !== '' ? `Sid=${s.sid}` : `#${s.index}`;
  const head = `${s.policy} ${id} (${s.effect})`;
  // show the conditions that explain the outcome: the ones that failed, else all of them
  const decisive = s.conditions.filter((c) => c.result !== true);
  const shown = s.applies === true || !decisive.length ? s.conditions : decisive;
  const parts = shown.map(describeCondition);
  if (s.resource === false) parts.unshift('resource not matched');
  if (s.principal === false) parts.unshift('principal not matched');
  if (!s.action) parts.unshift('action not matched');
  if (s.resource === 'undetermined') parts.unshift('resource undetermined');
  return parts.length ? `${head}: ${parts.join('; ')}` : head;
}

/** One line: the decision, the layer, and the statement(s) with their condition evidence. */
export function summarise(result: EvaluationResult): string {
  const stmts = result.statements.map(describeStatement);
  switch (result.decision) {
    case 'explicit-deny':
      return stmts.join(' | ');
    case 'allowed':
      return `allowed: ${stmts.join(' | ') || result.reason}`;
    case 'implicit-deny':
      return `implicit deny in ${result.decidedBy ?? 'policies'}: no Allow matches ${result.request.action} on ${result.request.resource}${
        stmts.length ? ` | ${stmts.join(' | ')}` : ''
      }`;
    default:
      return `undetermined (${result.possibleDecisions.join(' or ')}): hinges on ${[
        ...result.undeterminedKeys,
        ...(result.unread ?? []).map((u) => `${u.policy} (not read: ${u.why}${u.readWith ? `; ${u.readWith} would read it` : ''})`),
        ...(result.notEvaluated ?? []).map((k) => `${k.policy} statement #${k.index} (not evaluated: ${k.why})`),
      ].join(', ')}${
        stmts.length ? ` | ${stmts.join(' | ')}` : ''
      }`;
  }
}
