// One verdict from two kinds of evidence: what the service answered (the probe's outcome and the
// classified denial) and what the local evaluation of the policies says. Provider-neutral: the
// provider builds each check's request context and policy set; this file decides and annotates.

import { checkRow } from '../core/checks.js';
import type { CheckResult, DenialCondition, DenialSource, DenialStatement, ExplainFix } from '../core/model.js';
import { rulesOf } from './dialects/index.js';
import { evaluate } from './evaluate.js';
import type { FixRequest } from './fix.js';
import { exemptSessionNames, hingesOf, sessionNamesDeciding } from './hinges.js';
import { provenFix, storeSemantics } from './proof.js';
import { recordInput } from './record.js';
import { summarise } from './summary.js';
import type { Dialect, EvaluationResult, Layer, PolicySet, RequestContext } from './types.js';

export interface CheckEvaluation {
  request: RequestContext;
  policies: PolicySet;
  fix: FixRequest;
  /** The store the fix is proven on (dialects/<d>/stores.ts); default: the cloud's own. */
  store?: string | null;
}

const SOURCE_OF_LAYER: Record<Layer, DenialSource> = {
  scp: 'scp',
  rcp: 'rcp',
  'resource-policy': 'resource-policy',
  'identity-policy': 'identity-policy',
  'permissions-boundary': 'permissions-boundary',
  'session-policy': 'session-policy',
  'trust-policy': 'trust-policy',
  'kms-key-policy': 'kms',
  'vpc-endpoint-policy': 'vpc-endpoint-policy',
};

/**
 * Evaluate one check and record: the service's word on what happened always stands and the denial is
 * left as the classifier made it; the evaluation's decision, deciding layer, statement, conditions,
 * the source when the response named none, and the fix go under `check.explain`, and any
 * disagreement is reported in `explain.mismatch`.
 * `unseen` describes what the evaluation could not see (for mismatch messages).
 */
export function explainCheck(check: CheckResult, ev: CheckEvaluation, dialect: Dialect, unseen: string): EvaluationResult | null {
  if (check.outcome !== 'allowed' && check.outcome !== 'denied' && check.outcome !== 'not-probed') return null;
  // One failure never loses the run: an error evaluating this check is reported on it, and the
  // other checks and the report go on.
  try {
    return explainOne(check, ev, dialect, unseen);
  } catch (err) {
    recordEvaluationError(check, ev.request.resource, err);
    return null;
  }
}

/** An evaluation that threw: the check's explain.error says what could not be evaluated and why. */
export function recordEvaluationError(check: CheckResult, resource: string, err: unknown): void {
  const why = err instanceof Error ? err.message : String(err);
  check.explain = {
    decision: 'undetermined',
    decidedBy: null,
    summary: `not evaluated: ${why}`,
    error: `the evaluation of ${check.action} on ${resource} failed: ${why}`,
  };
}

/**
 * Why the service may allow what these layers deny: no ACL or ownership rule overrides an SCP, an RCP
 * or an endpoint policy, so the files given are not what applied. SCPs and RCPs do not affect the
 * management account (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html).
 */
const ALLOWED_ANYWAY: Partial<Record<Layer, string>> = {
  rcp: 'the RCPs given are not the ones the service enforced (an S3-compatible store enforces none; on AWS they do not apply to the management account, or others are attached)',
  'vpc-endpoint-policy': 'the requests did not pass through that VPC endpoint, or its policy is another (an S3-compatible store has no VPC endpoints)',
};

function explainOne(check: CheckResult, ev: CheckEvaluation, dialect: Dialect, unseen: string): EvaluationResult | null {
  const input = { request: ev.request, policies: { lenient: true, ...ev.policies }, dialect };
  const result = evaluate(input);
  const summary = summarise(result);
  check.explain = { decision: result.decision, decidedBy: result.decidedBy, summary };
  if (result.undetermined) check.explain.undeterminedKeys = result.undeterminedKeys;
  if (result.unread.length) check.explain.unread = result.unread.map((u) => ({ policy: u.policy, why: u.why, ...(u.readWith ? { readWith: u.readWith } : {}) }));
  if (result.notEvaluated.length) check.explain.notEvaluated = result.notEvaluated.map((k) => ({ policy: k.policy, index: k.index, why: k.why }));
  recordInput(check, ev.request, ev.policies, dialect, ev.store ?? null);

  const deniedEither = result.decision === 'undetermined' && !result.possibleDecisions.includes('allowed');
  const denies = result.decision === 'explicit-deny' || result.decision === 'implicit-deny' || deniedEither;
  if (check.outcome === 'not-probed') return evaluatedOnly(check, input, result, ev);
  if (check.outcome === 'allowed') {
    const hinges = hingesOf(result);
    if (hinges.length) {
      check.explain.hingesOn = hinges;
      const names = sessionNamesDeciding(hinges);
      if (names.length) check.explain.sessionNames = names;
      check.explain.summary = `${summary}; the PASS holds from this vantage only`;
    }
    if (denies) {
      const why = result.decidedBy === 'scp' ? rulesOf(dialect).scpNotEnforced : result.decidedBy ? ALLOWED_ANYWAY[result.decidedBy] : undefined;
      check.explain.mismatch = `the service allowed ${check.action}, but the policies read give ${result.decision} (${result.decidedBy ?? 'no layer'}): ${why ?? 'the store grants access another way (ACL, bucket ownership, or its own rules)'}`;
    }
    return result;
  }

  const d = check.denial!;
  const exempt = exemptSessionNames(result);
  if (exempt.length) check.explain.sessionNames = exempt;
  if (result.decision === 'allowed') {
    check.explain.mismatch = `the service denied ${check.action}, but the policies read allow it: the denial comes from something the evaluation could not see (${unseen})`;
    return result;
  }
  if (!denies) return result; // undetermined: the summary says what it hinges on; nothing is guessed
  const layerSource = result.decidedBy ? SOURCE_OF_LAYER[result.decidedBy] : 'unknown';
  // The denial stays as the classifier made it; what the evaluation adds lives under check.explain.
  if (d.source === 'unknown') {
    check.explain.source = {
      source: layerSource,
      explicit: deniedEither ? null : result.decision === 'explicit-deny',
      why: 'the response did not name the source; the evaluation of the policies read did',
    };
  } else if (d.source !== layerSource && isPolicySource(d.source)) {
    check.explain.mismatch = `the response names ${d.source}${d.explicit === true ? ' (explicit deny)' : ''}, the evaluation found ${result.decision} in ${layerSource}; the response stands`;
  }
  check.explain.statement = statementOf(result);
  const decisive = result.decision === 'explicit-deny' ? result.statements.find((s) => s.effect === 'Deny' && s.applies === true) : undefined;
  if (decisive) check.explain.conditions = decisive.conditions.map(conditionOf);
  const fix = provenFix(input, result, ev.fix, storeSemantics(dialect, ev.store));
  if (fix) {
    const f: ExplainFix = { summary: fix.summary, policy: fix.policy, snippet: fix.snippet, safe: fix.safe, proof: fix.proof };
    if (fix.remedy) f.remedy = fix.remedy;
    // advice changes no policy: its snippet describes the statement to change, it is nothing to paste
    if (fix.change?.kind === 'advice') f.advice = true;
    if (fix.sessionName && fix.safe) f.sessionName = fix.sessionName;
    check.explain.fix = f;
  }
  return result;
}

/**
 * A request that is never sent (a configuration write, checks.ts `evaluatedOnly`): the evaluation is
 * all there is. The outcome becomes `evaluated` (never `allowed`: nothing was sent), and the check
 * meets its expectation only when the decision does: `allow` needs `allowed`, `deny` needs a deny,
 * undetermined meets only `any` (a PASS must mean the backup succeeds). A deny gets the statement,
 * its conditions and a proven fix, as a denied check does.
 */
function evaluatedOnly(check: CheckResult, input: Parameters<typeof evaluate>[0], result: EvaluationResult, ev: CheckEvaluation): EvaluationResult {
  const explain = check.explain!;
  check.outcome = 'evaluated';
  const allowed = result.decision === 'allowed';
  const denied = result.decision === 'explicit-deny' || result.decision === 'implicit-deny';
  check.ok = check.expect === 'any' || (check.expect === 'allow' ? allowed : denied);
  check.reason = `never sent (a configuration write would change the bucket): evaluated over the policies read, ${result.decision}`;
  if (allowed && check.expect === 'deny') check.finding = 'over-privileged';
  if (!denied) return result;
  explain.statement = statementOf(result);
  const decisive = result.decision === 'explicit-deny' ? result.statements.find((s) => s.effect === 'Deny' && s.applies === true) : undefined;
  if (decisive) explain.conditions = decisive.conditions.map(conditionOf);
  if (check.expect !== 'allow') return result;
  const fix = provenFix(input, result, ev.fix, storeSemantics(input.dialect, ev.store));
  if (fix) {
    const f: ExplainFix = { summary: fix.summary, policy: fix.policy, snippet: fix.snippet, safe: fix.safe, proof: fix.proof };
    if (fix.remedy) f.remedy = fix.remedy;
    if (fix.change?.kind === 'advice') f.advice = true;
    explain.fix = f;
  }
  return result;
}

/** The fix's resource level and prefix, from the check catalog and the request the check sent. */
export function fixScope(check: CheckResult): Pick<FixRequest, 'level' | 'unprefixed'> {
  const row = checkRow(check.id);
  const out: Pick<FixRequest, 'level' | 'unprefixed'> = {};
  if (row) out.level = row.level;
  // a bucket request without a listing prefix (HeadBucket): a prefix condition would not cover it
  if (row?.level === 'bucket' && !row.sends.list) out.unprefixed = true;
  return out;
}

function isPolicySource(s: DenialSource): boolean {
  return Object.values(SOURCE_OF_LAYER).includes(s);
}

function statementOf(r: EvaluationResult): DenialStatement {
  if (r.decision === 'explicit-deny') {
    const s = r.statements.find((x) => x.effect === 'Deny' && x.applies === true) ?? r.statements[0];
    if (s) return { policy: s.policy, sid: s.sid ?? null, index: s.index, effect: s.effect };
  }
  // Implicit deny: no statement decided; name the policies of the layer that did not allow.
  const layer = r.layers.find((l) => l.layer === r.decidedBy);
  return { policy: layer?.policies.join(', ') || (r.decidedBy ?? 'unknown'), sid: null, index: null, effect: null };
}

function conditionOf(c: EvaluationResult['statements'][number]['conditions'][number]): DenialCondition {
  return { key: c.key, operator: c.operator, policyValues: c.policyValues, requestValues: c.requestValues, result: c.result };
}
