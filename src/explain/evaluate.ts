// Layered evaluation ("Policy evaluation logic", "How AWS enforcement code logic evaluates
// requests", "Policy evaluation for requests within a single account", "Cross-account policy
// evaluation logic"):
//  1. an applicable Deny in any policy (SCP, RCP, resource/trust, identity, boundary, session) wins;
//  2. RCPs (resource side) and SCPs (caller side), when supplied, must each allow at every level;
//  3. same account: an Allow in either the resource policy or the identity policies suffices, with
//     the documented nuances - a resource grant naming the role (not the session) or "*" is still
//     limited by the permissions boundary and session policy; one naming the user or the exact
//     session is not; one naming only the account delegates to the identity policies;
//     a role trust policy is mandatory (sts:AssumeRole needs the trust policy to allow);
//  4. cross-account: the resource (or trust) policy and the caller's identity side must both allow;
//  5. identity allows are capped by the permissions boundary and the session policy when present.
// Alibaba dialect: the same layering (RAM policy = identity, bucket policy = resource, control
// policies of a resource directory = scp); a RAM trust policy always needs the caller's own
// sts:AssumeRole permission as well; an OSS bucket-policy statement with Principal "*" and no
// Condition does not apply to the bucket owner's account.

import { type Caller, ContextLookup, parseCaller } from './context.js';
import { evaluateConditions } from './conditions.js';
import { matchAction, matchArn, parseArn } from './match.js';
import { type ParsedPolicy, type ParsedStatement, PolicyError, parsePolicy } from './policy.js';
import { excludedByNotPrincipal, matchPrincipal } from './principal.js';
import { U, and3, not3, or3 } from './tri.js';
import type {
  Decision,
  Dialect,
  EvaluateInput,
  EvaluationResult,
  Layer,
  LayerResult,
  NamedPolicy,
  PolicyKind,
  PrincipalGrant,
  StatementResult,
  Tri,
} from './types.js';
import { resolveTemplate } from './variables.js';

interface Loaded {
  policy: ParsedPolicy;
  layer: Layer;
  level: string;
}

const TRUST_ACTION = /^sts:(AssumeRole[A-Za-z]*|TagSession|SetSourceIdentity|SetContext)$/i;

function checkInput(input: EvaluateInput): void {
  const bad = (path: string, message: string): never => {
    throw new PolicyError('request', path, message);
  };
  if (typeof input !== 'object' || input === null) bad('', 'evaluate() needs { request, policies, dialect }');
  if (input.dialect !== 'aws' && input.dialect !== 'alibaba') bad('dialect', `must be "aws" or "alibaba", got ${JSON.stringify(input.dialect)}`);
  const r = input.request as unknown;
  if (typeof r !== 'object' || r === null) bad('request', 'missing');
  const req = r as Record<string, unknown>;
  if (typeof req.action !== 'string' || !req.action.includes(':')) bad('request.action', 'must be "service:Action"');
  if (typeof req.resource !== 'string' || !req.resource) bad('request.resource', 'must be the resource ARN');
  if (typeof req.principal !== 'object' || req.principal === null) bad('request.principal', 'must be an object (e.g. { "arn": "..." })');
  if (typeof input.policies !== 'object' || input.policies === null) bad('policies', 'must be an object');
}

function asList(p: NamedPolicy | NamedPolicy[] | undefined): NamedPolicy[] {
  return p === undefined ? [] : Array.isArray(p) ? p : [p];
}

function load(list: NamedPolicy[], kind: PolicyKind, layer: Layer, dialect: Dialect): Loaded[] {
  return list.map((np, i) => {
    if (typeof np !== 'object' || np === null || typeof np.name !== 'string' || !np.name) {
      throw new PolicyError(`${layer}[${i}]`, '', 'each policy must be { name, document }');
    }
    return { policy: parsePolicy(np.document, { name: np.name, kind, dialect }), layer, level: np.level ?? '' };
  });
}

interface Env {
  caller: Caller;
  lookup: ContextLookup;
  resource: string;
  action: string;
  dialect: Dialect;
  resourceAccount: string | null;
  hasBoundary: boolean;
}

function evaluateStatement(st: ParsedStatement, l: Loaded, env: Env): StatementResult {
  const actionMatch = st.action
    ? st.action.some((a) => matchAction(a, env.action))
    : !st.notAction!.some((a) => matchAction(a, env.action));
  const undeterminedKeys = new Set<string>();
  const notes: string[] = [];

  let resource: Tri = true;
  const patterns = st.resource ?? st.notResource;
  if (patterns) {
    const hits = patterns.map((tpl): Tri => {
      const r = resolveTemplate(tpl, env.lookup.lookup, true);
      if (r.kind === 'ok') return matchArn(r.pattern, env.resource);
      if (r.kind === 'undetermined') {
        r.keys.forEach((k) => undeterminedKeys.add(k));
        return U;
      }
      return false;
    });
    resource = st.resource ? or3(hits) : not3(or3(hits));
  }

  let principal: Tri = true;
  let grant: PrincipalGrant | undefined;
  if (st.principal) {
    const g = matchPrincipal(st.principal, env.caller);
    principal = g !== null;
    if (g) grant = g;
    if (
      g &&
      env.dialect === 'alibaba' &&
      l.layer === 'resource-policy' &&
      st.principal.any &&
      st.conditions.length === 0 &&
      env.caller.account !== null &&
      env.caller.account === env.resourceAccount
    ) {
      principal = false;
      grant = undefined;
      notes.push('OSS: Principal "*" without a Condition does not apply to the bucket owner');
    }
  } else if (st.notPrincipal) {
    if (st.effect === 'Deny' && env.hasBoundary) {
      principal = true;
      notes.push('NotPrincipal with Deny always denies a principal that has a permissions boundary');
    } else {
      principal = !excludedByNotPrincipal(st.notPrincipal, env.caller);
    }
    if (principal) grant = env.caller.kind === 'assumed-role' ? 'role' : 'direct';
  }

  const cond = evaluateConditions(st.conditions, env.lookup.lookup);
  for (const c of cond.results) if (c.result === U) c.undeterminedKeys?.forEach((k) => undeterminedKeys.add(k));
  const applies = and3([actionMatch, resource, principal, cond.result]);
  const failedOn: StatementResult['failedOn'] = [];
  if (!actionMatch) failedOn.push('action');
  if (resource === false) failedOn.push('resource');
  if (principal === false) failedOn.push('principal');
  if (cond.result === false) failedOn.push('condition');
  return {
    policy: l.policy.name,
    layer: l.layer,
    index: st.index,
    ...(st.sid !== undefined ? { sid: st.sid } : {}),
    effect: st.effect,
    action: actionMatch,
    resource,
    principal,
    ...(grant ? { principalGrant: grant } : {}),
    conditions: cond.results,
    conditionsResult: cond.result,
    applies,
    ...(failedOn.length ? { failedOn } : {}),
    ...(applies === U && undeterminedKeys.size ? { undeterminedKeys: [...undeterminedKeys] } : {}),
    ...(notes.length ? { notes } : {}),
    statement: st.raw,
  };
}

// A small formula tree so the deciding layer can be named for any outcome.
type Node = { kind: 'gate'; layer: Layer; value: Tri } | { kind: 'and' | 'or'; children: Node[] };

function value(n: Node): Tri {
  if (n.kind === 'gate') return n.value;
  const vs = n.children.map(value);
  return n.kind === 'and' ? and3(vs) : or3(vs);
}

/** The gate that explains why `n` is false (or undetermined). For a false OR, blame its last (main) route. */
function blame(n: Node, target: Tri): Layer | null {
  if (n.kind === 'gate') return n.layer;
  if (n.kind === 'or' && target === false) return blame(n.children[n.children.length - 1]!, false);
  const child = n.children.find((c) => value(c) === target);
  return child ? blame(child, target) : null;
}

const gate = (layer: Layer, v: Tri): Node => ({ kind: 'gate', layer, value: v });
const and = (...children: Node[]): Node => ({ kind: 'and', children });
const or = (...children: Node[]): Node => ({ kind: 'or', children });

export function evaluate(input: EvaluateInput): EvaluationResult {
  checkInput(input);
  const { request, policies, dialect } = input;
  const warnings: string[] = [];
  const isTrust = TRUST_ACTION.test(request.action) && policies.trust !== undefined;
  if (isTrust && policies.resource) warnings.push('both a trust policy and a resource policy were given; the trust policy is the resource policy for sts:AssumeRole');
  const resLayer: Layer = isTrust ? 'trust-policy' : 'resource-policy';

  const loaded: Loaded[] = [
    ...load(asList(policies.scp), 'scp', 'scp', dialect),
    ...load(asList(policies.rcp), 'rcp', 'rcp', dialect),
    ...(isTrust
      ? load(asList(policies.trust), 'trust', 'trust-policy', dialect)
      : load(asList(policies.resource), 'resource', 'resource-policy', dialect)),
    ...load(asList(policies.identity), 'identity', 'identity-policy', dialect),
    ...load(asList(policies.boundary), 'boundary', 'permissions-boundary', dialect),
    ...load(asList(policies.session), 'session', 'session-policy', dialect),
  ];
  // The resource-side policy that does not apply to this action is still checked: a malformed file
  // is an error whatever the action.
  const unused = isTrust ? policies.resource : policies.trust;
  if (unused !== undefined) {
    load(asList(unused), isTrust ? 'resource' : 'trust', isTrust ? 'resource-policy' : 'trust-policy', dialect);
    if (!isTrust) warnings.push(`the trust policy applies to sts:AssumeRole only; not evaluated for ${request.action}`);
  }
  for (const l of loaded) warnings.push(...l.policy.warnings);

  const caller = parseCaller(request, dialect);
  const callerHasIdentity = !['anonymous', 'service', 'federated'].includes(caller.kind);
  if (caller.kind === 'unknown' && callerHasIdentity) {
    warnings.push(`the caller ${caller.arn ?? '(no ARN)'} is not a recognised user, role session or account ARN`);
  }

  // Which account owns the resource?
  let resourceAccount: string | null = request.resourceAccount ?? null;
  if (resourceAccount === null) {
    const parts = parseArn(request.resource);
    if (parts && parts.account && parts.account !== '*') resourceAccount = parts.account;
    else if (parts && parts.account === '' && caller.account === '') resourceAccount = '';
  }
  let crossAccount = false;
  if (callerHasIdentity && caller.account !== null) {
    if (resourceAccount === null) {
      if (loaded.some((l) => l.layer === resLayer)) {
        warnings.push('the resource owner account is unknown (set request.resourceAccount); evaluated as same-account');
      }
    } else {
      crossAccount = resourceAccount !== caller.account;
    }
  }

  const lookup = new ContextLookup(request, caller, dialect, resourceAccount);
  const env: Env = {
    caller,
    lookup,
    resource: request.resource,
    action: request.action,
    dialect,
    resourceAccount,
    hasBoundary: policies.boundary !== undefined,
  };

  const all: StatementResult[] = [];
  const byLayer = new Map<Layer, StatementResult[]>();
  const levels = new Map<Layer, Map<string, StatementResult[]>>();
  for (const l of loaded) {
    if (!callerHasIdentity && ['identity-policy', 'permissions-boundary', 'session-policy', 'scp'].includes(l.layer)) continue;
    const lv = levels.get(l.layer) ?? new Map<string, StatementResult[]>();
    levels.set(l.layer, lv);
    if (!lv.has(l.level)) lv.set(l.level, []);
    for (const st of l.policy.statements) {
      const r = evaluateStatement(st, l, env);
      all.push(r);
      lv.get(l.level)!.push(r);
      if (!byLayer.has(l.layer)) byLayer.set(l.layer, []);
      byLayer.get(l.layer)!.push(r);
    }
  }
  const present = (layer: Layer) => levels.has(layer);
  const allowsIn = (list: StatementResult[]) => or3(list.filter((s) => s.effect === 'Allow').map((s) => s.applies));
  const layerAllows = (layer: Layer): Tri => {
    const lv = levels.get(layer);
    if (!lv) return false;
    return layer === 'scp' || layer === 'rcp' ? and3([...lv.values()].map(allowsIn)) : allowsIn(byLayer.get(layer) ?? []);
  };
  const okIfPresent = (layer: Layer): Tri => (present(layer) ? layerAllows(layer) : true);

  const layers: LayerResult[] = [...levels.keys()].map((layer) => {
    const stmts = byLayer.get(layer) ?? [];
    return {
      layer,
      policies: [...new Set(loaded.filter((l) => l.layer === layer).map((l) => l.policy.name))],
      allows: layerAllows(layer),
      denies: or3(stmts.filter((s) => s.effect === 'Deny').map((s) => s.applies)),
      statements: stmts.filter((s) => s.action),
    };
  });

  // resource-side grants by kind
  const resAllows = (byLayer.get(resLayer) ?? []).filter((s) => s.effect === 'Allow');
  const grantOf = (kind: PrincipalGrant) => or3(resAllows.filter((s) => s.principalGrant === kind).map((s) => s.applies));
  const rDirect = grantOf('direct');
  const rRole = grantOf('role');
  const rAccount = grantOf('account');
  const rExternal = grantOf('external');
  const rAny = or3([rDirect, rRole, rAccount, rExternal]);
  const idAllow = layerAllows('identity-policy');

  const rcp = gate('rcp', okIfPresent('rcp'));
  const scp = gate('scp', okIfPresent('scp'));
  const boundary = gate('permissions-boundary', okIfPresent('permissions-boundary'));
  const session = gate('session-policy', okIfPresent('session-policy'));
  const identity = gate('identity-policy', idAllow);
  let formula: Node;
  if (!callerHasIdentity) {
    formula = and(rcp, gate(resLayer, rAny));
  } else if (crossAccount || (dialect === 'alibaba' && isTrust)) {
    formula = and(rcp, scp, gate(resLayer, rAny), identity, boundary, session);
  } else if (isTrust) {
    formula = and(
      rcp,
      scp,
      gate(resLayer, rAny),
      or(gate(resLayer, or3([rDirect, rExternal])), and(or(gate(resLayer, rRole), gate('identity-policy', and3([rAccount, idAllow]))), boundary, session)),
    );
  } else {
    formula = and(rcp, scp, or(gate(resLayer, or3([rDirect, rExternal])), and(or(gate(resLayer, rRole), identity), boundary, session)));
  }
  const allowed = value(formula);

  const denies = all.filter((s) => s.effect === 'Deny');
  const deny = or3(denies.map((s) => s.applies));

  let decision: Decision | 'undetermined';
  let possible: Decision[];
  let decidedBy: Layer | null;
  let statements: StatementResult[];
  if (deny === true) {
    decision = 'explicit-deny';
    possible = ['explicit-deny'];
    statements = denies.filter((s) => s.applies === true);
    decidedBy = statements[0]!.layer;
  } else if (deny === false && allowed === true) {
    decision = 'allowed';
    possible = ['allowed'];
    const resourceGranted = !crossAccount && (rDirect === true || rExternal === true || (rRole === true && idAllow !== true));
    decidedBy = !callerHasIdentity || isTrust || resourceGranted ? resLayer : 'identity-policy';
    statements = all.filter((s) => s.effect === 'Allow' && s.applies === true && (s.layer === resLayer || s.layer === 'identity-policy'));
  } else if (deny === false && allowed === false) {
    decision = 'implicit-deny';
    possible = ['implicit-deny'];
    decidedBy = blame(formula, false);
    const nearMiss = (layer: Layer | null) =>
      (byLayer.get(layer as Layer) ?? []).filter((s) => s.effect === 'Allow' && s.action && s.applies !== true);
    statements = nearMiss(decidedBy);
    if (decidedBy === 'identity-policy' && !crossAccount) statements = [...statements, ...nearMiss(resLayer)];
  } else {
    // here deny is false or undetermined, and not (false with a determined allow)
    decision = 'undetermined';
    possible = [];
    if (deny === U) possible.push('explicit-deny');
    if (allowed !== false) possible.push('allowed');
    if (allowed !== true) possible.push('implicit-deny');
    const uDeny = denies.find((s) => s.applies === U);
    decidedBy = uDeny ? uDeny.layer : blame(formula, U);
    statements = all.filter((s) => s.applies === U && (s.effect === 'Deny' || allowed !== false));
  }
  const undetermined = decision === 'undetermined';
  const undeterminedKeys = undetermined
    ? [...new Set(all.filter((s) => s.applies === U).flatMap((s) => s.undeterminedKeys ?? []))]
    : [];

  return {
    decision,
    possibleDecisions: possible,
    undetermined,
    undeterminedKeys,
    decidedBy,
    statements,
    layers,
    crossAccount,
    reason: reasonFor(decision, decidedBy, statements, request.action, undeterminedKeys, possible),
    warnings,
    dialect,
    request: { action: request.action, resource: request.resource, principal: caller.arn ?? caller.service ?? caller.federated ?? caller.kind },
  };
}

function label(s: StatementResult): string {
  return `${s.policy} ${s.sid !== undefined ? `Sid=${s.sid}` : `statement #${s.index}`}`;
}

function reasonFor(
  decision: Decision | 'undetermined',
  layer: Layer | null,
  statements: StatementResult[],
  action: string,
  keys: string[],
  possible: Decision[],
): string {
  switch (decision) {
    case 'explicit-deny':
      return `${action} is explicitly denied by ${statements.map(label).join(', ')} (${layer})`;
    case 'allowed':
      return `${action} is allowed by ${statements.map(label).join(', ') || layer}`;
    case 'implicit-deny':
      return `${action} is implicitly denied: no applicable Allow in the ${layer ?? 'policies'}${
        statements.length ? ` (closest: ${statements.map(label).join(', ')})` : ''
      }`;
    default:
      return `${action} could be ${possible.join(' or ')}: it hinges on ${keys.join(', ') || 'undetermined context'} (${layer})`;
  }
}
