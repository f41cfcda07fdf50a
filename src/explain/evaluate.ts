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
// Condition does not apply to the bucket owner's account (the dialect rules in src/explain/dialects).
// KMS ("Key policies in AWS KMS", "Determining access to a KMS key"): the key policy must allow,
// either naming the principal or delegating to the account ("arn:aws:iam::ACCT:root"), and in the
// latter case the identity policies must allow too; an identity policy alone never suffices.
// VPC endpoint policies ("Control access to VPC endpoints using endpoint policies"): when the
// request passes through an endpoint, its policy must allow as well; a Deny in it wins.
// sts:GetCallerIdentity needs no permission, and a Deny does not stop it (STS API reference).
// A policy that could decide but was not read (PolicySet.notVisible) makes its layer unknown: the
// decision is undetermined wherever that layer could tip it, and the result names what was unread.

import { type Caller, ContextLookup, parseCaller } from './context.js';
import { DIALECT_NAMES, isDialect, rulesOf } from './dialects/index.js';
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
  PolicySlot,
  PrincipalGrant,
  StatementResult,
  Tri,
  UnreadPolicy,
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
  if (!isDialect(input.dialect)) bad('dialect', `must be ${DIALECT_NAMES.map((d) => JSON.stringify(d)).join(' or ')}, got ${JSON.stringify(input.dialect)}`);
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

function load(list: NamedPolicy[], kind: PolicyKind, layer: Layer, dialect: Dialect, lenient = false): Loaded[] {
  return list.map((np, i) => {
    if (typeof np !== 'object' || np === null || typeof np.name !== 'string' || !np.name) {
      throw new PolicyError(`${layer}[${i}]`, '', 'each policy must be { name, document }');
    }
    return { policy: parsePolicy(np.document, { name: np.name, kind, dialect, lenient }), layer, level: np.level ?? '' };
  });
}

const LAYER_OF_SLOT: Record<PolicySlot, Layer> = {
  identity: 'identity-policy',
  resource: 'resource-policy',
  trust: 'trust-policy',
  boundary: 'permissions-boundary',
  session: 'session-policy',
  scp: 'scp',
  rcp: 'rcp',
  kms: 'kms-key-policy',
  vpce: 'vpc-endpoint-policy',
};

const KMS_ACTION = /^kms:/i;
/** Needs no permission; no policy can deny it (STS API reference, GetCallerIdentity). */
const NO_PERMISSION_ACTION = /^sts:GetCallerIdentity$/i;

interface Env {
  caller: Caller;
  lookup: ContextLookup;
  resource: string;
  action: string;
  dialect: Dialect;
  resourceAccount: string | null;
  hasBoundary: boolean;
  store: EvaluateInput['store'];
}

function evaluateStatement(st: ParsedStatement, l: Loaded, env: Env): StatementResult {
  const notes: string[] = [];
  let actionMatch = st.action
    ? st.action.some((a) => matchAction(a, env.action))
    : !st.notAction!.some((a) => matchAction(a, env.action));
  if (st.notAction && st.effect === 'Deny' && env.store?.denyNotActionIgnored) {
    actionMatch = false;
    notes.push(`${env.store.name} ignores NotAction in a Deny`);
  }
  const undeterminedKeys = new Set<string>();

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
      rulesOf(env.dialect).anyWithoutConditionSkipsOwner &&
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
    if (st.effect === 'Allow') {
      // AWS does not support NotPrincipal with Allow: it never grants anyone here, least of all the
      // principals it names ("AWS JSON policy elements: NotPrincipal").
      principal = false;
      notes.push('NotPrincipal with Allow grants nothing');
    } else if (env.hasBoundary) {
      principal = true;
      notes.push('NotPrincipal with Deny always denies a principal that has a permissions boundary');
    } else {
      principal = !excludedByNotPrincipal(st.notPrincipal, env.caller, env.store?.notPrincipalAnyEntry === true);
    }
    if (principal === true) grant = env.caller.kind === 'assumed-role' ? 'role' : 'direct';
  }

  const unsupported = env.store?.unsupportedKeys.map((k) => k.toLowerCase());
  const cond = evaluateConditions(st.conditions, env.lookup.lookup, {
    ...(unsupported?.length ? { unsupported: (k: string) => unsupported.includes(k.toLowerCase()) } : {}),
    negatedMissingNeverMatches: env.store?.negatedMissingNeverMatches === true,
  });
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
  const rules = rulesOf(dialect);
  const warnings: string[] = [];
  const lenient = policies.lenient === true;
  const unreadList: UnreadPolicy[] = Array.isArray(policies.notVisible) ? policies.notVisible : [];
  const isUnread = (slot: PolicySlot) => unreadList.some((u) => u.slot === slot);
  const isKms = KMS_ACTION.test(request.action) && (policies.kms !== undefined || isUnread('kms'));
  const isTrust = !isKms && TRUST_ACTION.test(request.action) && (policies.trust !== undefined || isUnread('trust'));
  if (isTrust && policies.resource) warnings.push('both a trust policy and a resource policy were given; the trust policy is the resource policy for sts:AssumeRole');
  const resLayer: Layer = isKms ? 'kms-key-policy' : isTrust ? 'trust-policy' : 'resource-policy';
  const resSlot: PolicySlot = isKms ? 'kms' : isTrust ? 'trust' : 'resource';

  const loaded: Loaded[] = [
    ...load(asList(policies.scp), 'scp', 'scp', dialect, lenient),
    ...load(asList(policies.rcp), 'rcp', 'rcp', dialect, lenient),
    ...load(asList(policies.vpce), 'vpce', 'vpc-endpoint-policy', dialect, lenient),
    ...(isKms
      ? load(asList(policies.kms), 'kms', 'kms-key-policy', dialect, lenient)
      : isTrust
        ? load(asList(policies.trust), 'trust', 'trust-policy', dialect, lenient)
        : load(asList(policies.resource), 'resource', 'resource-policy', dialect, lenient)),
    ...load(asList(policies.identity), 'identity', 'identity-policy', dialect, lenient),
    ...load(asList(policies.boundary), 'boundary', 'permissions-boundary', dialect, lenient),
    ...load(asList(policies.session), 'session', 'session-policy', dialect, lenient),
  ];
  // The resource-side policies that do not apply to this action are still checked: a malformed file
  // is an error whatever the action.
  const sides: Array<[PolicySlot, PolicyKind, Layer, NamedPolicy | undefined]> = [
    ['resource', 'resource', 'resource-policy', policies.resource],
    ['trust', 'trust', 'trust-policy', policies.trust],
    ['kms', 'kms', 'kms-key-policy', policies.kms],
  ];
  for (const [slot, kind, layer, np] of sides) {
    if (slot === resSlot || np === undefined) continue;
    load(asList(np), kind, layer, dialect, lenient);
    if (slot === 'trust' && !isTrust && !isKms) warnings.push(`the trust policy applies to sts:AssumeRole only; not evaluated for ${request.action}`);
    if (slot === 'kms') warnings.push(`the KMS key policy applies to kms: actions only; not evaluated for ${request.action}`);
  }
  for (const l of loaded) warnings.push(...l.policy.warnings);
  const notEvaluated = loaded.flatMap((l) => l.policy.skipped.map((k) => ({ policy: l.policy.name, layer: l.layer, index: k.index, why: k.why, effect: k.effect })));
  const unread = unreadList.filter((u) => {
    const layer = LAYER_OF_SLOT[u.slot];
    return !(layer === 'trust-policy' && !isTrust) && !(layer === 'resource-policy' && (isTrust || isKms)) && !(layer === 'kms-key-policy' && !isKms);
  });
  for (const u of unread) warnings.push(`${u.policy} could not be read (${u.why})${u.readWith ? `; ${u.readWith} would read it` : ''}`);

  if (NO_PERMISSION_ACTION.test(request.action)) {
    const caller = parseCaller(request, dialect);
    return {
      decision: 'allowed',
      possibleDecisions: ['allowed'],
      undetermined: false,
      undeterminedKeys: [],
      decidedBy: null,
      statements: [],
      layers: [],
      crossAccount: false,
      reason: `${request.action} needs no permission and no policy can deny it`,
      warnings,
      dialect,
      request: { action: request.action, resource: request.resource, principal: caller.arn ?? caller.kind },
      unread: [],
      notEvaluated: [],
    };
  }

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
    store: input.store,
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
  // Layers with a policy that was not read, or a statement that was not evaluated: an unknown Allow
  // and/or Deny in them.
  const identityLayers: Layer[] = ['identity-policy', 'permissions-boundary', 'session-policy', 'scp'];
  const unknownAllow = new Set<Layer>();
  const unknownDeny = new Set<Layer>();
  for (const u of unread) {
    const layer = LAYER_OF_SLOT[u.slot];
    if (!callerHasIdentity && identityLayers.includes(layer)) continue;
    unknownAllow.add(layer);
    unknownDeny.add(layer);
  }
  for (const k of notEvaluated) {
    if (k.effect !== 'Deny') unknownAllow.add(k.layer);
    if (k.effect !== 'Allow') unknownDeny.add(k.layer);
  }
  const present = (layer: Layer) => levels.has(layer) || unknownAllow.has(layer) || unknownDeny.has(layer);
  const allowsIn = (list: StatementResult[]) => or3(list.filter((s) => s.effect === 'Allow').map((s) => s.applies));
  const layerAllows = (layer: Layer): Tri => {
    const extra: Tri = unknownAllow.has(layer) ? U : false;
    const lv = levels.get(layer);
    if (!lv) return extra;
    const known = layer === 'scp' || layer === 'rcp' ? and3([...lv.values()].map(allowsIn)) : allowsIn(byLayer.get(layer) ?? []);
    return or3([known, extra]);
  };
  const okIfPresent = (layer: Layer): Tri => (present(layer) ? layerAllows(layer) : true);

  const layers: LayerResult[] = [...new Set([...levels.keys(), ...unknownAllow, ...unknownDeny])].map((layer) => {
    const stmts = byLayer.get(layer) ?? [];
    const lv = levels.get(layer);
    const byLevel =
      (layer === 'scp' || layer === 'rcp') && lv && [...lv.keys()].some((k) => k !== '')
        ? [...lv.entries()].map(([level, list]) => ({ level, policies: [...new Set(loaded.filter((l) => l.layer === layer && l.level === level).map((l) => l.policy.name))], allows: allowsIn(list) }))
        : undefined;
    return {
      layer,
      policies: [...new Set(loaded.filter((l) => l.layer === layer).map((l) => l.policy.name))],
      allows: layerAllows(layer),
      ...(byLevel ? { levels: byLevel } : {}),
      denies: or3([...stmts.filter((s) => s.effect === 'Deny').map((s) => s.applies), unknownDeny.has(layer) ? U : false]),
      statements: stmts.filter((s) => s.action),
    };
  });

  // resource-side grants by kind (an unread resource policy could grant in any way)
  const resAllows = (byLayer.get(resLayer) ?? []).filter((s) => s.effect === 'Allow');
  const resUnknown: Tri = unknownAllow.has(resLayer) ? U : false;
  const grantOf = (kind: PrincipalGrant) => or3([...resAllows.filter((s) => s.principalGrant === kind).map((s) => s.applies), resUnknown]);
  const rDirect = grantOf('direct');
  const rRole = grantOf('role');
  const rAccount = grantOf('account');
  const rExternal = grantOf('external');
  const rAny = or3([rDirect, rRole, rAccount, rExternal]);
  const idAllow = layerAllows('identity-policy');

  const rcp = and(gate('rcp', okIfPresent('rcp')), gate('vpc-endpoint-policy', okIfPresent('vpc-endpoint-policy')));
  const scp = gate('scp', okIfPresent('scp'));
  const boundary = gate('permissions-boundary', okIfPresent('permissions-boundary'));
  const session = gate('session-policy', okIfPresent('session-policy'));
  const identity = gate('identity-policy', idAllow);
  let formula: Node;
  if (!callerHasIdentity) {
    formula = and(rcp, gate(resLayer, rAny));
  } else if (crossAccount || (rules.trustNeedsCallerPermission && isTrust)) {
    formula = and(rcp, scp, gate(resLayer, rAny), identity, boundary, session);
  } else if (isTrust || isKms) {
    // the resource side is mandatory: a trust policy for sts:AssumeRole, the key policy for KMS
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
  const unknownDenyLayers = [...unknownDeny].filter((l) => callerHasIdentity || !identityLayers.includes(l));
  const deny = or3([...denies.map((s) => s.applies), ...unknownDenyLayers.map((): Tri => U)]);

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
    if (allowed === false) {
      // denied either way (explicitly or not): name the undetermined Deny, else the layer that certainly does not allow
      decidedBy = uDeny ? uDeny.layer : blame(formula, false);
      const nearMiss = (byLayer.get(decidedBy as Layer) ?? []).filter((s) => s.effect === 'Allow' && s.action && s.applies !== true);
      statements = [...all.filter((s) => s.applies === U && s.effect === 'Deny'), ...nearMiss];
    } else {
      decidedBy = uDeny ? uDeny.layer : (blame(formula, U) ?? unknownDenyLayers[0] ?? null);
      statements = all.filter((s) => s.applies === U);
    }
  }
  const undetermined = decision === 'undetermined';
  const undeterminedKeys = undetermined
    ? [...new Set(all.filter((s) => s.applies === U).flatMap((s) => s.undeterminedKeys ?? []))]
    : [];
  // what was not read only matters when it leaves the decision open
  const unreadShown = undetermined ? unread.filter((u) => unknownAllow.has(LAYER_OF_SLOT[u.slot]) || unknownDeny.has(LAYER_OF_SLOT[u.slot])) : [];
  const notEvaluatedShown = notEvaluated.map(({ effect: _e, ...k }) => k);

  return {
    decision,
    possibleDecisions: possible,
    undetermined,
    undeterminedKeys,
    decidedBy,
    statements,
    layers,
    crossAccount,
    reason: reasonFor(decision, decidedBy, statements, request.action, undeterminedKeys, possible, unreadShown, notEvaluatedShown),
    warnings,
    dialect,
    request: { action: request.action, resource: request.resource, principal: caller.arn ?? caller.service ?? caller.federated ?? caller.kind },
    unread: unreadShown,
    notEvaluated: notEvaluatedShown,
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
  unread: UnreadPolicy[],
  notEvaluated: EvaluationResult['notEvaluated'],
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
    default: {
      const hinges = [
        ...keys,
        ...unread.map((u) => `${u.policy}, which could not be read (${u.why})${u.readWith ? `: ${u.readWith} would read it` : ''}`),
        ...notEvaluated.map((k) => `${k.policy} statement #${k.index}, which was not evaluated`),
      ];
      return `${action} could be ${possible.join(' or ')}: it hinges on ${hinges.join(', ') || 'undetermined context'} (${layer})`;
    }
  }
}
