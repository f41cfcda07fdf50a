// OSS's own account of a denial: the `EncodedDiagnosticMessage` of an AccessDeniedDetail, decoded by
// RAM DecodeDiagnosticMessage (@alicloud/ram20150501) with the explain credentials. What the decoded
// message says the store evaluated - the request's condition keys (acs:SourceIp, acs:SourceVpc, ...),
// the action, the resource, the principal, the policy type that denied and the policies matched - is
// the store's word: keys it names are filled into the check's request instead of `undetermined`, and
// its policy type is evidence for the denial's source.
//
// Documented shape (RAM API reference "DecodeDiagnosticMessage",
// https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-decodediagnosticmessage,
// example at https://help.aliyun.com/document_detail/2362772.html; the same fields in the SDK model
// @alicloud/ram20150501 src/models/DecodeDiagnosticMessageResponseBody.ts):
//   request  EncodedDiagnosticMessage (string); RAM action ram:DecodeDiagnosticMessage, resource *
//   response { RequestId, DecodedDiagnosticMessage: { ExplicitDeny (boolean), NoPermissionPolicyType
//     (AssumeRolePolicy | ControlPolicy | AccountLevelIdentityBasedPolicy |
//     ResourceGroupLevelIdentityBasedPolicy | SessionPolicy), AuthAction, AuthResource,
//     AuthPrincipal { AuthPrincipalType (SubUser | AssumedRoleUser | Federated), AuthPrincipalOwnerId,
//     AuthPrincipalDisplayName }, AuthConditions [{ ConditionKey, ConditionValues [string] }],
//     MatchedPolicies [{ Effect, PolicyIdentifier, PolicyType (Custom | System), PolicyVersion,
//     AttachedEntityType, AttachedScope }] } }
// OSS's AccessDeniedDetail PolicyType adds BucketPolicy (EC page 0003-00000101) to those types.

import { DecodeDiagnosticMessageRequest } from '@alicloud/ram20150501';
import type { StoreDiagnostic } from '../../core/model.js';
import { rulesOf } from '../../explain/dialects/index.js';
import type { ContextValue, RequestContext } from '../../explain/types.js';
import { evidenceFromStsError } from './classify.js';
import type { SourceCredentials } from './credentials.js';
import { ramClient } from './policies.js';

/** The RAM action that decodes a diagnostic message (API reference, "RAM authorization"). */
export const DECODE_ACTION = 'ram:DecodeDiagnosticMessage';
/** At most this many distinct messages are decoded per run. */
export const MAX_DECODES = 20;

export interface DecodedCondition {
  key: string;
  values: string[];
}

export interface DecodedMatchedPolicy {
  effect: string | null;
  identifier: string | null;
  type: string | null;
  version: string | null;
  attachedEntityType: string | null;
  attachedScope: string | null;
}

/** DecodedDiagnosticMessage, as documented; fields the answer lacks are null. */
export interface DecodedDiagnostic {
  explicitDeny: boolean | null;
  policyType: string | null;
  authAction: string | null;
  authResource: string | null;
  principal: { type: string | null; ownerId: string | null; displayName: string | null } | null;
  conditions: DecodedCondition[];
  matchedPolicies: DecodedMatchedPolicy[];
}

function s(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/**
 * The decoded message of a DecodeDiagnosticMessage response body (the JSON as documented: PascalCase
 * keys). null when the body has no DecodedDiagnosticMessage object. A field of the wrong type is
 * dropped (null), never coerced; a condition without a key is dropped.
 */
export function parseDecodedDiagnostic(body: unknown): DecodedDiagnostic | null {
  const m = obj(obj(body)?.DecodedDiagnosticMessage);
  if (!m) return null;
  const p = obj(m.AuthPrincipal);
  const conditions: DecodedCondition[] = [];
  for (const c of Array.isArray(m.AuthConditions) ? m.AuthConditions : []) {
    const key = s(obj(c)?.ConditionKey);
    if (!key) continue;
    const raw = obj(c)?.ConditionValues;
    const values = Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : [];
    conditions.push({ key, values });
  }
  const matchedPolicies: DecodedMatchedPolicy[] = [];
  for (const x of Array.isArray(m.MatchedPolicies) ? m.MatchedPolicies : []) {
    const o = obj(x);
    if (!o) continue;
    matchedPolicies.push({
      effect: s(o.Effect),
      identifier: s(o.PolicyIdentifier),
      type: s(o.PolicyType),
      version: s(o.PolicyVersion),
      attachedEntityType: s(o.AttachedEntityType),
      attachedScope: s(o.AttachedScope),
    });
  }
  return {
    explicitDeny: typeof m.ExplicitDeny === 'boolean' ? m.ExplicitDeny : null,
    policyType: s(m.NoPermissionPolicyType),
    authAction: s(m.AuthAction),
    authResource: s(m.AuthResource),
    principal: p ? { type: s(p.AuthPrincipalType), ownerId: s(p.AuthPrincipalOwnerId), displayName: s(p.AuthPrincipalDisplayName) } : null,
    conditions,
    matchedPolicies,
  };
}

/**
 * The request's condition keys as the store evaluated them. A key listed with values is present with
 * those values; a key listed with an empty ConditionValues is read as "the request carried none"
 * (absent) - the store named the key and gave it no value. A key not listed stays as it was
 * (undetermined unless the tool knows it): nothing is concluded from silence. The VPC keys OSS
 * documents as one (acs:SourceVpc, acs:SourceVpcId: the dialect's networkKeys) are filled together.
 */
export function contextFromDiagnostic(d: DecodedDiagnostic): { context: Record<string, ContextValue>; absent: string[] } {
  const context: Record<string, ContextValue> = {};
  const absent: string[] = [];
  const vpcKeys = rulesOf('alibaba').networkKeys.sourceVpc;
  for (const c of d.conditions) {
    const keys = vpcKeys.some((k) => k.toLowerCase() === c.key.toLowerCase()) ? vpcKeys : [c.key];
    for (const k of keys) {
      if (c.values.length) context[k] = c.values.length === 1 ? c.values[0]! : [...c.values];
      else absent.push(k);
    }
  }
  return { context, absent };
}

/** The request with the store's keys: they replace what the tool had (a --source-ip included). */
export function withStoreContext(req: RequestContext, d: DecodedDiagnostic): { request: RequestContext; filled: string[]; overridden: string[] } {
  const { context, absent } = contextFromDiagnostic(d);
  const ctx = { ...(req.context ?? {}) };
  const overridden: string[] = [];
  const drop = (key: string) => {
    for (const k of Object.keys(ctx)) {
      if (k.toLowerCase() !== key.toLowerCase()) continue;
      if (String(ctx[k]) !== String(context[key] ?? '')) overridden.push(`${k}=${String(ctx[k])}`);
      delete ctx[k];
    }
  };
  for (const [k, v] of Object.entries(context)) {
    drop(k);
    ctx[k] = v;
  }
  for (const k of absent) drop(k);
  const lower = new Set([...Object.keys(context), ...absent].map((k) => k.toLowerCase()));
  const request: RequestContext = { ...req, context: ctx };
  const wasAbsent = (req.absent ?? []).filter((k) => !lower.has(k.toLowerCase()));
  request.absent = [...wasAbsent, ...absent];
  if (req.undetermined) request.undetermined = req.undetermined.filter((k) => !lower.has(k.toLowerCase()));
  return { request, filled: [...Object.keys(context), ...absent], overridden };
}

// ---------------------------------------------------------------------------------------------
// Calling RAM

export interface DecodeOptions {
  credentials: SourceCredentials;
  ramEndpoint: string;
  region: string;
  timeoutMs: number;
}

export type DecodeOutcome = { ok: true; decoded: DecodedDiagnostic; requestId: string | null } | { ok: false; why: string; denied: boolean };

/**
 * Decode each distinct message once (at most MAX_DECODES, four at a time). A failure is that
 * message's outcome; nothing here throws.
 */
export async function decodeDiagnostics(messages: string[], o: DecodeOptions): Promise<Map<string, DecodeOutcome>> {
  const out = new Map<string, DecodeOutcome>();
  const distinct = [...new Set(messages.filter(Boolean))];
  const todo = distinct.slice(0, MAX_DECODES);
  for (const m of distinct.slice(MAX_DECODES)) out.set(m, { ok: false, why: `not decoded: more than ${MAX_DECODES} distinct diagnostic messages in one run`, denied: false });
  let ram: ReturnType<typeof ramClient>;
  try {
    ram = ramClient(o);
  } catch (err) {
    for (const m of todo) out.set(m, { ok: false, why: err instanceof Error ? err.message : String(err), denied: false });
    return out;
  }
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const m = todo[next++]!;
      out.set(m, await decodeOne(ram, m));
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return out;
}

async function decodeOne(ram: ReturnType<typeof ramClient>, message: string): Promise<DecodeOutcome> {
  try {
    const r = await ram.decodeDiagnosticMessage(new DecodeDiagnosticMessageRequest({ encodedDiagnosticMessage: message }));
    const body = r.body?.toMap() ?? {};
    const decoded = parseDecodedDiagnostic(body);
    if (!decoded) return { ok: false, why: 'RAM answered without a DecodedDiagnosticMessage', denied: false };
    return { ok: true, decoded, requestId: s((body as Record<string, unknown>).RequestId) };
  } catch (err) {
    const ev = evidenceFromStsError(err);
    const code = ev.code || ev.networkCode || ev.name || 'Error';
    const why = `${code}${ev.httpStatus ? ` ${ev.httpStatus}` : ''}${ev.message ? `: ${ev.message}` : ''}`;
    const denied = ev.httpStatus === 403 || /^(NoPermission|Forbidden)/.test(ev.code ?? '');
    return { ok: false, why, denied };
  }
}

// ---------------------------------------------------------------------------------------------
// The record on the explanation

/** OSS AccessDeniedDetail / RAM NoPermissionPolicyType → the layer the evaluator names. */
const LAYER_OF_TYPE: Record<string, string> = {
  BucketPolicy: 'resource-policy',
  AccountLevelIdentityBasedPolicy: 'identity-policy',
  ResourceGroupLevelIdentityBasedPolicy: 'identity-policy',
  SessionPolicy: 'session-policy',
  ControlPolicy: 'scp',
  AssumeRolePolicy: 'trust-policy',
};

export function layerOfPolicyType(type: string | null): string | null {
  return type ? (LAYER_OF_TYPE[type] ?? null) : null;
}

export function decodedRecord(d: DecodedDiagnostic, filled: string[]): StoreDiagnostic {
  const rec: StoreDiagnostic = {
    via: DECODE_ACTION,
    decoded: true,
    explicitDeny: d.explicitDeny,
    policyType: d.policyType,
    conditions: d.conditions.map((c) => ({ key: c.key, values: [...c.values] })),
    matchedPolicies: d.matchedPolicies.map((p) => ({ ...p })),
    filled,
  };
  if (d.authAction) rec.authAction = d.authAction;
  if (d.authResource) rec.authResource = d.authResource;
  if (d.principal) rec.principal = { ...d.principal };
  return rec;
}

export function failedRecord(why: string, denied: boolean, explainProfile: string | null): StoreDiagnostic {
  const who = explainProfile ? `the --explain-profile ${explainProfile} credentials` : 'the explain credentials (the source credentials; or pass --explain-profile)';
  return {
    via: DECODE_ACTION,
    decoded: false,
    error: denied ? `${DECODE_ACTION} was refused: ${why}` : `the diagnostic message could not be decoded: ${why}`,
    readWith: `${DECODE_ACTION} for ${who}`,
  };
}

/**
 * Where the store's decoded account and the evaluation disagree: the policy type against the deciding
 * layer, ExplicitDeny against the decision, a matched RAM policy the evaluation did not name.
 */
export function diagnosticMismatch(
  d: DecodedDiagnostic,
  evaluation: { decision: string; decidedBy: string | null; statement?: { policy: string } | undefined },
): string | null {
  if (evaluation.decision === 'undetermined') return null;
  const out: string[] = [];
  const layer = layerOfPolicyType(d.policyType);
  if (evaluation.decision === 'allowed') {
    out.push(`the store's diagnostic says ${d.policyType ?? 'a policy'} denied it, but the policies read allow it`);
  } else {
    if (layer && evaluation.decidedBy && layer !== evaluation.decidedBy) out.push(`the store's diagnostic names ${d.policyType} (${layer}), the evaluation ${evaluation.decidedBy}`);
    if (d.explicitDeny === true && evaluation.decision === 'implicit-deny') out.push("the store's diagnostic says explicit deny, the evaluation found no Deny (implicit deny)");
    if (d.explicitDeny === false && evaluation.decision === 'explicit-deny') out.push("the store's diagnostic says implicit deny, the evaluation found a Deny statement");
    const named = evaluation.statement?.policy ?? '';
    for (const p of d.matchedPolicies) {
      if (p.effect !== 'Deny' || !p.identifier || evaluation.decision !== 'explicit-deny') continue;
      if (!named.includes(p.identifier)) out.push(`the store matched Deny policy ${p.identifier}, the evaluation named ${named || 'no statement'}`);
    }
  }
  return out.length ? out.join('; ') : null;
}
