// Fixes proven before they are shown (issue 12 item 6). Each candidate change is applied to the
// policy set and evaluated, under the target store's own semantics (dialects/<d>/stores.ts):
//  (a) role-allowed: the backup role's request becomes allowed;
//  (b) others-unchanged: another user and another role of the account (each allowed everything by
//      its own identity policy: "a user who may write"), each user or role the original statement
//      names besides the backup role, and an anonymous caller where the original statement covered
//      "*", get the same answer as before (allowed / denied / undetermined), from
//      every network and value the original statement's conditions distinguish;
//  (c) store-supports: the change uses only keys and elements the store enforces.
// The first candidate passing all three is shown; the others are reported with the reason.

import { DEFAULT_PARTITION } from './dialects/aws/index.js';
import { rulesOf } from './dialects/index.js';
import { evaluate } from './evaluate.js';
import { type Fix, type FixChange, type FixRequest, fixCandidates } from './fix.js';
import { parseArn } from './match.js';
import { parseIpValue } from './ip.js';
import type { ContextValue, EvaluateInput, EvaluationResult, NamedPolicy, PolicySet, RequestContext, StatementResult, StoreSemantics } from './types.js';

export interface ProofEvaluation {
  who: string;
  context: Record<string, ContextValue>;
  before: string;
  after: string;
  ok: boolean;
}

export interface ProofCheck {
  check: 'role-allowed' | 'others-unchanged' | 'store-supports';
  ok: boolean;
  detail: string;
  evaluations?: ProofEvaluation[];
}

export interface CandidateProof {
  form: string;
  summary: string;
  shown: boolean;
  checks: ProofCheck[];
}

export interface FixProof {
  store: string;
  candidates: CandidateProof[];
}

export interface ProvenFix extends Fix {
  proof: FixProof;
  /** false: no candidate could be proven; the summary says why and nothing is to be applied. */
  safe: boolean;
}

function docOf(np: NamedPolicy): Record<string, unknown> {
  const d = typeof np.document === 'string' ? (JSON.parse(np.document) as unknown) : structuredClone(np.document);
  return d as Record<string, unknown>;
}

function statementsOf(doc: Record<string, unknown>): unknown[] {
  const st = doc.Statement;
  return Array.isArray(st) ? st : st === undefined ? [] : [st];
}

/** The policy set with the change applied (documents are copied, never modified). */
export function applyChange(policies: PolicySet, change: FixChange, dialect: EvaluateInput['dialect']): PolicySet {
  const out: PolicySet = { ...policies };
  if (change.kind === 'replace-statement' || change.kind === 'add-statement') {
    const slot = change.slot;
    const current = policies[slot] as NamedPolicy | NamedPolicy[] | undefined;
    const list = current === undefined ? [] : Array.isArray(current) ? current : [current];
    let patched: NamedPolicy[];
    if (change.kind === 'replace-statement') {
      patched = list.map((np) => {
        if (np.name !== change.policy) return np;
        const doc = docOf(np);
        const sts = statementsOf(doc);
        sts[change.index] = change.statement;
        return { ...np, document: { ...doc, Statement: sts } };
      });
    } else if (slot === 'identity' || slot === 'session' || slot === 'scp' || slot === 'rcp' || slot === 'vpce') {
      patched = [...list, { name: `fix:${slot}`, document: { Version: rulesOf(dialect).policyVersion, Statement: [change.statement] } }];
    } else {
      const first = list[0];
      const doc = first ? docOf(first) : { Version: rulesOf(dialect).policyVersion, Statement: [] };
      patched = [{ name: first?.name ?? (slot === 'resource' ? 'bucket-policy' : `${slot}-policy`), document: { ...doc, Statement: [...statementsOf(doc), change.statement] } }];
    }
    const multi = slot === 'identity' || slot === 'session' || slot === 'scp' || slot === 'rcp' || slot === 'vpce';
    (out as Record<string, unknown>)[slot] = multi ? patched : patched[0];
    if (out.notVisible) out.notVisible = out.notVisible.filter((u) => u.slot !== slot || change.kind === 'add-statement');
  }
  return out;
}

type Outcome = 'allowed' | 'denied' | 'undetermined';
const outcomeOf = (r: EvaluationResult): Outcome =>
  r.decision === 'allowed' ? 'allowed' : r.decision === 'undetermined' ? 'undetermined' : 'denied';

/** Values worth trying for each condition key of the original statement. */
function sampleContexts(original: StatementResult | undefined, base: Record<string, ContextValue>): Array<Record<string, ContextValue>> {
  if (!original) return [base];
  const perKey = new Map<string, Set<string>>();
  for (const c of original.conditions) {
    const values = perKey.get(c.key) ?? new Set<string>();
    perKey.set(c.key, values);
    const own = base[c.key];
    if (own !== undefined) values.add(String(Array.isArray(own) ? own[0] : own));
    const ip = c.policyValues.map((v) => parseIpValue(v, true)).filter((v) => v !== null);
    if (ip.length) {
      for (const v of ip) {
        if (v!.kind === 'cidr' && v!.cidr.family === 4) {
          const n = v!.cidr.network;
          values.add([24, 16, 8, 0].map((sh) => Number((n >> BigInt(sh)) & 255n)).join('.'));
        }
      }
      for (const outside of ['192.0.2.1', '198.51.100.254', '203.0.113.254', '10.255.255.254', '127.0.0.1']) values.add(outside);
    } else {
      for (const v of c.policyValues) if (!v.includes('${')) values.add(v.replace(/\*/g, 'x').replace(/\?/g, 'x'));
      values.add('backup-canary-proof-other');
    }
  }
  let out: Array<Record<string, ContextValue>> = [{ ...base }];
  for (const [key, values] of [...perKey].slice(0, 3)) {
    const next: Array<Record<string, ContextValue>> = [];
    for (const ctx of out) for (const v of [...values].slice(0, 6)) next.push({ ...ctx, [key]: v });
    out = next;
  }
  return out;
}

interface Other {
  who: string;
  principal: RequestContext['principal'];
}

function othersOf(request: RequestContext, dialect: EvaluateInput['dialect'], coversEveryone: boolean): Other[] {
  const p = parseArn(request.principal.arn ?? '');
  const account = p?.account ?? '';
  const out: Other[] = [];
  if (p?.scheme === 'acs') {
    out.push({ who: 'another RAM user of the account', principal: { arn: `acs:ram::${account}:user/backup-canary-proof-other`, userId: '2000000000000001' } });
    out.push({ who: 'another role of the account', principal: { arn: `acs:ram::${account}:assumed-role/backup-canary-proof-other/s`, roleArn: rulesOf(dialect).roleArn(account, 'backup-canary-proof-other') } });
  } else {
    const part = p?.partition ?? DEFAULT_PARTITION;
    out.push({ who: 'another user of the account', principal: { arn: `arn:${part}:iam::${account}:user/backup-canary-proof-other`, userId: 'AIDAPROOFOTHERUSER' } });
    out.push({
      who: 'another role of the account',
      principal: { arn: `arn:${part}:sts::${account}:assumed-role/backup-canary-proof-other/s`, roleArn: `arn:${part}:iam::${account}:role/backup-canary-proof-other`, userId: 'AROAPROOFOTHERROLE:s' },
    });
  }
  if (coversEveryone) out.push({ who: 'an anonymous caller', principal: { anonymous: true } });
  return out;
}

/**
 * The users and roles the original statement names in its Principal, other than the backup role:
 * the principals a Deny that lists them must keep denying. Each is evaluated as itself: a role by a
 * session of it, a user by its ARN; neither has a unique id the tool could know, so aws:userid stays
 * undetermined for them (an exemption by aws:userid cannot be proven to keep them denied). Account
 * roots and `*` are covered by othersOf.
 */
function namedOthers(statement: Record<string, unknown> | undefined, request: RequestContext, dialect: EvaluateInput['dialect']): Other[] {
  const raw = statement?.Principal;
  if (raw === undefined || raw === '*') return [];
  const values: unknown[] = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : typeof raw === 'object' && raw ? Object.values(raw as Record<string, unknown>).flat() : [];
  const rules = rulesOf(dialect);
  const roleArn = request.principal.roleArn ?? rules.roleOfSession(request.principal.arn ?? '') ?? '';
  const out: Other[] = [];
  for (const v of values) {
    if (typeof v !== 'string' || v === '*' || v === request.principal.arn || v === roleArn) continue;
    const p = parseArn(v);
    if (!p || p.scheme !== rules.scheme) continue;
    const role = /^role\/(?:.*\/)?([^/]+)$/.exec(p.resource);
    if (role) {
      const session = rules.sessionArnOf(v, 'backup-canary-proof');
      if (session) out.push({ who: `${v} (named by the statement)`, principal: { arn: session, roleArn: v } });
    } else if (/^user\//.test(p.resource)) {
      out.push({ who: `${v} (named by the statement)`, principal: { arn: v } });
    }
  }
  return out;
}

/** The other principal's policies: its own identity allows everything; the role's own layers are not its. */
function policiesForOther(policies: PolicySet, dialect: EvaluateInput['dialect']): PolicySet {
  const { boundary: _b, session: _s, identity: _i, ...rest } = policies;
  return {
    ...rest,
    identity: [{ name: 'proof:allow-all', document: { Version: rulesOf(dialect).policyVersion, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
    ...(policies.notVisible ? { notVisible: policies.notVisible.filter((u) => !['identity', 'boundary', 'session'].includes(u.slot)) } : {}),
  };
}

function keysOf(statement: Record<string, unknown>): string[] {
  const cond = statement.Condition;
  if (!cond || typeof cond !== 'object') return [];
  return Object.values(cond as Record<string, unknown>).flatMap((b) => (b && typeof b === 'object' ? Object.keys(b) : []));
}

function storeCheck(change: FixChange, store: StoreSemantics, dialect: EvaluateInput['dialect']): ProofCheck {
  if (change.kind !== 'replace-statement' && change.kind !== 'add-statement') return { check: 'store-supports', ok: true, detail: 'no policy change' };
  const st = change.statement;
  const problems: string[] = [];
  const unsupported = store.unsupportedKeys.map((k) => k.toLowerCase());
  for (const k of keysOf(st)) if (unsupported.includes(k.toLowerCase())) problems.push(`${store.name} does not support the condition key ${k}`);
  if (store.denyNotActionIgnored && st.Effect === 'Deny' && st.NotAction !== undefined) problems.push(`${store.name} ignores NotAction in a Deny`);
  for (const e of store.undocumentedElements) if (st[e] !== undefined) problems.push(`${store.name} does not document ${e}`);
  if (change.slot === 'resource') problems.push(...rulesOf(dialect).policyWarnings('resource', [st], 'the changed statement'));
  return problems.length
    ? { check: 'store-supports', ok: false, detail: problems.join('; ') }
    : { check: 'store-supports', ok: true, detail: `uses only keys and elements ${store.name} enforces` };
}

function prove(input: EvaluateInput, original: EvaluationResult, fix: Fix, store: StoreSemantics): CandidateProof {
  const checks: ProofCheck[] = [];
  const change = fix.change ?? { kind: 'advice' };
  checks.push(storeCheck(change, store, input.dialect));
  if (change.kind === 'advice') {
    return { form: fix.form ?? 'advice', summary: fix.summary, shown: true, checks: [{ check: 'role-allowed', ok: true, detail: 'advice only: nothing is changed, so nothing to prove' }] };
  }
  let policies = input.policies;
  let request = input.request;
  if (change.kind === 'session-name') {
    const arn = request.principal.arn ?? '';
    const renamed = arn.replace(/\/[^/]+$/, `/${change.sessionName}`);
    const ctx = { ...(request.context ?? {}) };
    for (const k of Object.keys(ctx)) if (/^(sts:RoleSessionName)$/i.test(k)) ctx[k] = change.sessionName;
    const userId = request.principal.userId?.replace(/:[^:]*$/, `:${change.sessionName}`);
    request = { ...request, principal: { ...request.principal, arn: renamed, ...(userId ? { userId } : {}) }, context: ctx };
  } else {
    policies = applyChange(input.policies, change, input.dialect);
  }
  const after = evaluate({ ...input, request, policies, store });
  const openOnlyOnUnread = after.decision === 'undetermined' && after.possibleDecisions.includes('allowed') && after.undeterminedKeys.length === 0 && after.unread.length > 0;
  checks.push({
    check: 'role-allowed',
    ok: after.decision === 'allowed' || openOnlyOnUnread,
    detail: openOnlyOnUnread ? `allowed unless a policy that was not read denies (${after.unread.map((u) => u.policy).join(', ')})` : `the role's request is ${after.decision} after the change`,
    evaluations: [{ who: 'the backup role', context: {}, before: original.decision, after: after.decision, ok: after.decision === 'allowed' || openOnlyOnUnread }],
  });
  if (change.kind !== 'session-name') {
    const decisive = original.statements.find((s) => s.effect === 'Deny' && s.applies === true);
    const coversEveryone = decisive ? decisive.statement.Principal === '*' || JSON.stringify(decisive.statement.Principal ?? '').includes('"*"') || decisive.statement.NotPrincipal !== undefined : false;
    const evaluations: ProofEvaluation[] = [];
    const beforeSet = policiesForOther(input.policies, input.dialect);
    const afterSet = policiesForOther(policies, input.dialect);
    for (const other of [...othersOf(input.request, input.dialect, coversEveryone), ...namedOthers(decisive?.statement, input.request, input.dialect)]) {
      for (const context of sampleContexts(decisive, input.request.context ?? {})) {
        const req: RequestContext = { ...input.request, principal: other.principal, context };
        const b = evaluate({ ...input, request: req, policies: beforeSet, store });
        const a = evaluate({ ...input, request: req, policies: afterSet, store });
        // record only the keys the statement distinguishes (readable, and nothing else of the request)
        const shown = Object.fromEntries(Object.entries(context).filter(([k]) => decisive?.conditions.some((c) => c.key === k)));
        evaluations.push({ who: other.who, context: shown, before: b.decision, after: a.decision, ok: outcomeOf(a) === outcomeOf(b) });
      }
    }
    const bad = evaluations.filter((e) => !e.ok);
    checks.push({
      check: 'others-unchanged',
      ok: bad.length === 0,
      detail: bad.length
        ? `${bad[0]!.who} goes from ${bad[0]!.before} to ${bad[0]!.after} (${Object.entries(bad[0]!.context).map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'any request'})`
        : `${evaluations.length} evaluations of other principals: each answered as before`,
      evaluations,
    });
  }
  return { form: fix.form ?? 'change', summary: fix.summary, shown: checks.every((c) => c.ok), checks };
}

export function storeSemantics(dialect: EvaluateInput['dialect'], name: string | null | undefined): StoreSemantics {
  const rules = rulesOf(dialect);
  const s = rules.stores[name ?? rules.defaultStore];
  if (!s) throw new Error(`unknown store ${JSON.stringify(name)} for ${dialect} (known: ${Object.keys(rules.stores).join(', ')})`);
  return s;
}

/** The first candidate proven on the store, with the proof of every candidate tried; null when nothing is to be fixed. */
export function provenFix(input: EvaluateInput, result: EvaluationResult, req: FixRequest, store: StoreSemantics): ProvenFix | null {
  const candidates = fixCandidates(result, req);
  if (!candidates.length) return null;
  const proofs: CandidateProof[] = [];
  for (const c of candidates) {
    let p: CandidateProof;
    try {
      p = prove(input, result, c, store);
    } catch (err) {
      // a candidate that does not even parse in its policy is rejected, never shown
      p = { form: c.form ?? 'change', summary: c.summary, shown: false, checks: [{ check: 'store-supports', ok: false, detail: `the changed policy is not valid: ${(err as Error).message}` }] };
    }
    proofs.push(p);
    if (p.shown) return { ...c, proof: { store: store.name, candidates: proofs }, safe: true };
  }
  const why = proofs.map((p) => `${p.form}: ${p.checks.filter((c) => !c.ok).map((c) => c.detail).join('; ')}`).join(' | ');
  return {
    summary: `Keep the policies as they are: no change could be proven safe on ${store.name}, so none is proposed (${why}). Change the denying statement by hand and check it with backup-canary explain before applying it.`,
    policy: candidates[0]!.policy,
    snippet: {},
    form: 'none',
    change: { kind: 'advice' },
    proof: { store: store.name, candidates: proofs },
    safe: false,
  };
}
