// What an allow hinges on (issue 11 item 1): the conditions of the granting Allow statements, and
// of the Deny statements that would have applied but for a condition or a NotPrincipal exclusion.
// A PASS observed from one vantage (network, session name, transport, time) holds only while those
// conditions keep their value; the report says so under the check instead of a silent green.
// Provider-neutral: it reads an EvaluationResult (statements and conditions) and nothing else.

import type { HingeRecord } from '../core/model.js';
import type { ConditionResult, EvaluationResult, StatementResult } from './types.js';

/** One condition an allow hinges on: the record the JSON report carries (`check.explain.hingesOn[]`). */
export type Hinge = HingeRecord;

const NEGATED = /^(?:ForAnyValue:|ForAllValues:)?(?:StringNot|ArnNot|NotIp|NumericNot|DateNot)/;

/** The phrase for a condition that must hold (`want` true) or must not hold (`want` false). */
function phrase(c: ConditionResult, want: boolean): string {
  const negated = NEGATED.test(c.operator);
  const positive = want !== negated;
  const base = c.operator.replace(/^(ForAnyValue:|ForAllValues:)/, '').replace(/IfExists$/, '');
  const values = c.policyValues.join(', ');
  if (/IpAddress$/.test(base) || /Equals(IgnoreCase)?$/.test(base) && !/^(Numeric|Date|Binary)/.test(base)) {
    return `${c.key} ${positive ? 'in' : 'not in'} ${values}`;
  }
  if (/Like$/.test(base)) return `${c.key} ${positive ? 'like' : 'not like'} ${values}`;
  if (base === 'Bool') return `${c.key} ${positive ? '=' : '≠'} ${values}`;
  if (base === 'Null') return `${c.key} ${(values === 'true') === positive ? 'absent' : 'present'}`;
  return `${positive ? '' : 'not '}${c.operator} ${c.key} ${values}`;
}

/** Session names in assumed-role ARNs (`assumed-role/ROLE/SESSION`) or aws:userid values (`ID:SESSION`). */
export function sessionNamesOf(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const arn = /:assumed-role\/[^/]+\/(.+)$/.exec(v);
    if (arn) out.push(arn[1]!);
    else if (/^[A-Z0-9*]+:[^:]+$/.test(v) && !v.includes('::')) out.push(v.split(':')[1]!);
  }
  return out;
}

/** Keys of where and as whom a request is sent (global keys), not of the request's own parameters (s3:prefix). */
const VANTAGE_KEY = /^(aws|acs):|^sts:RoleSessionName$/i;

const SESSION_KEYS = /^(aws:userid|aws:PrincipalArn|acs:PrincipalARN|aws:SourceIdentity|sts:RoleSessionName)$/i;

function hingeOf(s: StatementResult, c: ConditionResult, want: boolean): Hinge {
  const h: Hinge = {
    key: c.key,
    operator: c.operator,
    values: c.policyValues,
    policy: s.policy,
    sid: s.sid ?? null,
    effect: s.effect,
    holds: phrase(c, want),
  };
  if (c.result === 'undetermined') h.undetermined = true;
  if (SESSION_KEYS.test(c.key)) {
    const names = sessionNamesOf(c.policyValues);
    if (names.length) h.sessionNames = names;
  }
  return h;
}

function notPrincipalEntries(st: Record<string, unknown>): string[] {
  const np = st.NotPrincipal;
  if (typeof np === 'string') return [np];
  if (typeof np !== 'object' || np === null) return [];
  return Object.values(np as Record<string, unknown>).flatMap((v) => (Array.isArray(v) ? v.map(String) : [String(v)]));
}

/** The conditions the allow of `r` hinges on; empty when it holds unconditionally (or was not an allow). */
export function hingesOf(r: EvaluationResult): Hinge[] {
  const allowed = r.decision === 'allowed' || (r.decision === 'undetermined' && r.possibleDecisions.includes('allowed'));
  if (!allowed) return [];
  const out: Hinge[] = [];
  // Granting Allows: when every one of them carries conditions, the allow needs them (any one suffices).
  const grants = r.statements.filter((s) => s.effect === 'Allow' && s.applies !== false);
  if (grants.length && grants.every((s) => s.conditions.length > 0)) {
    for (const s of grants) for (const c of s.conditions) if (VANTAGE_KEY.test(c.key)) out.push(hingeOf(s, c, true));
  }
  // Denies that match the request but for their conditions (or a NotPrincipal exclusion).
  for (const layer of r.layers) {
    for (const s of layer.statements) {
      if (s.effect !== 'Deny' || !s.action || s.resource === false || s.applies === true) continue;
      if (s.principal === true && s.conditionsResult !== true) {
        // The Deny stays off while any one of its conditions stays false: name the ones that are
        // false in this run (they keep it off); only when none is known, the undetermined ones.
        const off = s.conditions.filter((c) => c.result === false);
        const keep = off.length ? off : s.conditions.filter((c) => c.result === 'undetermined');
        for (const c of keep) if (VANTAGE_KEY.test(c.key)) out.push(hingeOf(s, c, false));
      } else if (s.principal === false && 'NotPrincipal' in s.statement && s.conditionsResult !== false) {
        const entries = notPrincipalEntries(s.statement);
        const h: Hinge = { key: 'NotPrincipal', operator: 'NotPrincipal', values: entries, policy: s.policy, sid: s.sid ?? null, effect: 'Deny', holds: `the principal in ${entries.join(', ')}` };
        const names = sessionNamesOf(entries);
        if (names.length) h.sessionNames = names;
        if (s.conditionsResult === 'undetermined') h.undetermined = true;
        out.push(h);
      }
    }
  }
  return out;
}

/** `holds only for aws:SourceIp in 127.0.0.0/8, 203.0.113.0/24 (bucket-policy Sid OfficeOnly)`. */
export function describeHinge(h: Hinge): string {
  const where = `${h.policy}${h.sid ? ` Sid ${h.sid}` : ''}`;
  return `holds only for ${h.holds} (${where})${h.undetermined ? ' — undetermined in this run' : ''}`;
}

/** The role session names (or patterns) the read policies let pass, when any policy distinguishes sessions. */
export function sessionNamesDeciding(hinges: Hinge[]): string[] {
  return [...new Set(hinges.flatMap((h) => h.sessionNames ?? []))];
}

/**
 * A denied check: the session names (or patterns) the applying Denies exempt - a NotPrincipal's
 * assumed-role entries, or a negated aws:userid / principal-ARN condition's values. Empty when no
 * Deny distinguishes role sessions.
 */
export function exemptSessionNames(r: EvaluationResult): string[] {
  const out: string[] = [];
  for (const s of r.statements) {
    if (s.effect !== 'Deny' || s.applies === false) continue;
    if ('NotPrincipal' in s.statement) out.push(...sessionNamesOf(notPrincipalEntries(s.statement)));
    for (const c of s.conditions) if (SESSION_KEYS.test(c.key) && NEGATED.test(c.operator)) out.push(...sessionNamesOf(c.policyValues));
  }
  return [...new Set(out)];
}
