// A gate before a change (issue 11 item 5): `explain --replay REPORT.json` re-evaluates every request
// a probe recorded (record.ts) with the given documents replacing the recorded ones. Nothing that was
// allowed may become denied: each check that would be is named with the statement that denies it;
// one that would hinge on an unknown key is undetermined.

import type { RunResult } from '../core/model.js';
import { evaluate } from './evaluate.js';
import { recordedInputs } from './record.js';
import { summarise } from './summary.js';
import type { Decision, NamedPolicy, PolicySet } from './types.js';

export interface Replacements {
  /** Replaces the bucket (resource) policy of every storage request. */
  resource?: NamedPolicy;
  /** Replace the identity policies of every storage request. */
  identity?: NamedPolicy[];
  /** Replace the SCPs (each with its `level` when given by --scp-level). */
  scp?: NamedPolicy[];
  rcp?: NamedPolicy[];
  /** Replaces the VPC endpoint policy of every S3 request (not AssumeRole, not the KMS calls S3 makes). */
  vpce?: NamedPolicy[];
  /** Replaces the trust policy of the AssumeRole request. */
  trust?: NamedPolicy;
  /** Replaces the role's permissions boundary on every storage request. */
  boundary?: NamedPolicy;
  /** Replace the session policies on every storage request. */
  session?: NamedPolicy[];
  /** Replaces the key policy of the KMS calls S3 makes for SSE-KMS (kms: actions only). */
  kms?: NamedPolicy;
}

export interface ReplayCheck {
  target: string;
  id: string;
  action: string;
  before: Decision | 'undetermined';
  after: Decision | 'undetermined';
  /** `newly-denied`, `undetermined` (was allowed, now hinges on an unknown), `unchanged`, `newly-allowed`. */
  change: 'newly-denied' | 'undetermined' | 'unchanged' | 'newly-allowed';
  statement: { policy: string; sid: string | null; effect: 'Allow' | 'Deny' | null } | null;
  summary: string;
}

export interface ReplayResult {
  verdict: 'pass' | 'fail' | 'undetermined';
  checks: ReplayCheck[];
}

const ASSUME = /^sts:AssumeRole/i;

function replaced(base: PolicySet, action: string, r: Replacements): PolicySet {
  const p: PolicySet = { ...base };
  const drop = new Set<string>();
  const assume = ASSUME.test(action);
  if (assume) {
    if (r.trust) (p.trust = r.trust), drop.add('trust');
  } else {
    if (r.resource) (p.resource = r.resource), drop.add('resource');
    if (r.identity) (p.identity = r.identity), drop.add('identity');
    if (r.rcp) (p.rcp = r.rcp), drop.add('rcp');
    if (r.boundary) (p.boundary = r.boundary), drop.add('boundary');
    if (r.session) (p.session = r.session), drop.add('session');
    if (r.vpce && !/^kms:/i.test(action)) (p.vpce = r.vpce), drop.add('vpce');
    if (r.kms && /^kms:/i.test(action)) (p.kms = r.kms), drop.add('kms');
  }
  if (r.scp && (!assume || base.scp)) (p.scp = r.scp), drop.add('scp');
  if (p.notVisible) p.notVisible = p.notVisible.filter((u) => !drop.has(u.slot));
  return p;
}

function denied(d: Decision | 'undetermined'): boolean {
  return d === 'explicit-deny' || d === 'implicit-deny';
}

export function replay(results: RunResult[], r: Replacements): ReplayResult {
  const checks: ReplayCheck[] = [];
  for (const result of results) {
    const target = result.target.name ?? `${result.target.bucket}/${result.target.prefix}`;
    for (const input of recordedInputs(result, result.explain?.policies ?? {}, true)) {
      const before = evaluate({ request: input.request, policies: input.policies, dialect: input.dialect });
      const after = evaluate({ request: input.request, policies: replaced(input.policies, input.request.action, r), dialect: input.dialect });
      // a configuration write never sent (outcome evaluated) was "allowed" when its evaluation was
      const wasAllowed =
        (input.check.outcome === 'allowed' && before.decision !== 'explicit-deny' && before.decision !== 'implicit-deny') ||
        (input.check.outcome === 'evaluated' && before.decision === 'allowed');
      let change: ReplayCheck['change'] = 'unchanged';
      if (wasAllowed && denied(after.decision)) change = 'newly-denied';
      else if (wasAllowed && after.decision === 'undetermined' && before.decision === 'allowed') change = 'undetermined';
      else if (!wasAllowed && after.decision === 'allowed' && before.decision !== 'allowed') change = 'newly-allowed';
      const s =
        after.decision === 'explicit-deny'
          ? after.statements.find((x) => x.effect === 'Deny' && x.applies === true)
          : after.decision === 'allowed'
            ? after.statements.find((x) => x.effect === 'Allow')
            : after.statements.find((x) => x.effect === 'Deny' && x.applies !== false);
      checks.push({
        target,
        id: input.check.id,
        action: input.check.action,
        before: before.decision,
        after: after.decision,
        change,
        statement: s ? { policy: s.policy, sid: s.sid ?? null, effect: s.effect } : null,
        summary: summarise(after),
      });
    }
  }
  const verdict = checks.some((c) => c.change === 'newly-denied') ? 'fail' : checks.some((c) => c.change === 'undetermined') ? 'undetermined' : 'pass';
  return { verdict, checks };
}
