// Candidate changes for a resource-side (bucket policy, key policy, endpoint policy) Deny that
// applies to the backup role, in order of preference. None is shown unless proof.ts proves it on
// the target store: the role gets through, nobody else does, and the store enforces what it uses.
//  1. a Deny whose only principal is the backup role is reported as such, never patched into a no-op;
//  2. exempt the role by its ARN (aws:PrincipalArn; not supported by Ceph RGW, not documented by OSS);
//  3. the principal-based form: Principal "*" becomes NotPrincipal naming the role's session
//     (AWS: account, role and session; OSS documents no NotPrincipal);
//  4. exempt the role by its unique id (aws:userid "ROLEID:*");
//  5. a role listed among other principals: remove it from the list;
//  6. last: add this request's source to the Deny's own exception list (exempts that source for
//     everyone, so the proof rejects it whenever others would get through).

import { rulesOf } from './dialects/index.js';
import { type Fix, type FixRequest, LAYER_POLICY, withEvidence } from './fix-types.js';
import { parseCaller } from './context.js';
import { parsePolicy } from './policy.js';
import { matchPrincipal } from './principal.js';
import { describeCondition } from './summary.js';
import type { Dialect, PolicySlot, StatementResult } from './types.js';

const SLOT: Partial<Record<StatementResult['layer'], PolicySlot>> = {
  'resource-policy': 'resource',
  'kms-key-policy': 'kms',
  'vpc-endpoint-policy': 'vpce',
  'trust-policy': 'trust',
  scp: 'scp',
  rcp: 'rcp',
};

type Cond = Record<string, Record<string, unknown>>;

/** Add `value` to a negated condition on `key` (merging into an existing one of the same family). */
function addException(statement: Record<string, unknown>, operators: string[], key: string, value: string): Record<string, unknown> {
  const st = structuredClone(statement);
  const cond = (st.Condition && typeof st.Condition === 'object' ? st.Condition : {}) as Cond;
  for (const op of operators) {
    const block = cond[op];
    if (!block) continue;
    const k = Object.keys(block).find((x) => x.toLowerCase() === key.toLowerCase());
    if (k) {
      const values = Array.isArray(block[k]) ? (block[k] as unknown[]) : [block[k]];
      if (!values.includes(value)) block[k] = [...values, value];
      st.Condition = cond;
      return st;
    }
  }
  cond[operators[0]!] = { ...(cond[operators[0]!] ?? {}), [key]: value };
  st.Condition = cond;
  return st;
}

/** Which principals of the Deny's Principal element name the backup role's session. */
function principalEntries(s: StatementResult, dialect: Dialect, sessionArn: string, roleArn: string) {
  const raw = s.statement.Principal;
  if (raw === undefined) return null;
  const doc = { Version: rulesOf(dialect).policyVersion, Statement: [{ Effect: 'Deny', Principal: raw, Action: '*', Resource: '*' }] };
  const parsed = parsePolicy(doc, { name: 'candidate', kind: 'resource', dialect }).statements[0]!.principal!;
  const caller = parseCaller({ action: 'x:y', resource: '*', principal: { arn: sessionArn, roleArn } }, dialect);
  const naming = parsed.entries.filter((e) => matchPrincipal({ any: false, entries: [e] }, caller) !== null);
  return { any: parsed.any, entries: parsed.entries, naming };
}

export function resourceDenyCandidates(s: StatementResult, req: FixRequest, dialect: Dialect, evidence: string, sessionArn: string): Fix[] {
  const rules = rulesOf(dialect);
  const policy = LAYER_POLICY[s.layer];
  const slot = SLOT[s.layer] ?? 'resource';
  const replace = (statement: Record<string, unknown>) => ({ kind: 'replace-statement' as const, slot, policy: s.policy, index: s.index, statement });
  const out: Fix[] = [];
  const p = principalEntries(s, dialect, sessionArn, req.roleArn);

  if (p && !p.any && p.entries.length > 0 && p.naming.length === p.entries.length) {
    return [
      {
        ...withEvidence(evidence, `This Deny targets only the backup role: remove it or change its condition (an exemption for the role would leave it denying nobody).`),
        policy,
        snippet: { statement: s.statement, conditions: s.conditions.map(describeCondition) },
        form: 'role-only-deny',
        change: { kind: 'advice' },
      },
    ];
  }
  if (rules.principalArnKey) {
    out.push({
      ...withEvidence(evidence, `Keep the Deny and exempt only the backup role: add "ArnNotLike": {"${rules.principalArnKey}": "${req.roleArn}"} to its Condition (a role session's ${rules.principalArnKey} is the role ARN, so every session of ${req.roleArn} - and only that role - is covered). Do not widen or remove the Deny.`),
      policy,
      snippet: addException(s.statement, ['ArnNotLike', 'ArnNotEquals', 'StringNotLike', 'StringNotEquals'], rules.principalArnKey, req.roleArn),
      form: 'principal-arn-condition',
    });
  }
  if (p && p.any && s.statement.Principal !== undefined) {
    for (const { form, value } of rules.notPrincipalForms(req.roleArn, sessionArn)) {
      const st = structuredClone(s.statement);
      delete st.Principal;
      const ordered: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(st)) {
        if (k === 'Action' || k === 'NotAction') ordered.NotPrincipal = value;
        ordered[k] = v;
      }
      if (!('NotPrincipal' in ordered)) ordered.NotPrincipal = value;
      out.push({
        ...withEvidence(evidence, `Keep the Deny for everyone but the backup role's session: replace its "Principal": "*" with "NotPrincipal": ${JSON.stringify(value)}.`),
        policy,
        snippet: ordered,
        form,
      });
    }
  }
  if (rules.userIdKey && req.roleId) {
    out.push({
      ...withEvidence(evidence, `Keep the Deny and exempt only the backup role by its unique id: add "StringNotLike": {"${rules.userIdKey}": "${req.roleId}:*"} to its Condition (every session of the role has ${rules.userIdKey} "${req.roleId}:<session>").`),
      policy,
      snippet: addException(s.statement, ['StringNotLike', 'StringNotEquals'], rules.userIdKey, `${req.roleId}:*`),
      form: 'userid-condition',
    });
  }
  if (p && !p.any && p.naming.length > 0) {
    const keep = p.entries.filter((e) => !p.naming.includes(e));
    const st = structuredClone(s.statement);
    const byType = new Map<string, string[]>();
    for (const e of keep) byType.set(e.type, [...(byType.get(e.type) ?? []), e.value]);
    st.Principal = Array.isArray(s.statement.Principal) ? keep.map((e) => e.value) : Object.fromEntries(byType);
    out.push({
      ...withEvidence(evidence, `Remove the backup role from this Deny's Principal; it keeps denying the others it names.`),
      policy,
      snippet: st,
      form: 'remove-role-from-principal',
    });
  }
  const negated = s.conditions.find((c) => c.result === true && /Not/.test(c.operator) && Array.isArray(c.requestValues) && c.requestValues.length > 0);
  if (negated && Array.isArray(negated.requestValues)) {
    let st = s.statement;
    for (const v of negated.requestValues) st = addException(st, [negated.operator], negated.key, v);
    out.push({
      ...withEvidence(evidence, `Keep the Deny and add this request's ${negated.key} (${negated.requestValues.join(', ')}) to its exception list - this exempts that source for every principal.`),
      policy,
      snippet: st,
      form: 'source-exception',
    });
  }
  for (const f of out) f.change = replace(f.snippet);
  if (!out.length) {
    out.push({
      ...withEvidence(evidence, `Keep the Deny; make the request satisfy its condition.`),
      policy,
      snippet: { statement: s.statement, conditions: s.conditions.map(describeCondition) },
      form: 'satisfy-condition',
      change: { kind: 'advice' },
    });
  }
  return out;
}
