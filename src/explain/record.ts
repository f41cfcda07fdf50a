// The evaluation input of each check, recorded in the report (issue 11 item 5): the request as it was
// authorised (`check.explain.input.request`) and the policies by slot, with the documents themselves
// once per report in `explain.policies`. `explain --replay` and `--backup-*` re-evaluate from this
// record alone, so what they evaluate is exactly what the probe evaluated, documents swapped or
// vantage changed.

import type { CheckResult, EvaluationInputRecord, RunResult } from '../core/model.js';
import type { Dialect, NamedPolicy, PolicySet, PolicySlot, RequestContext, UnreadPolicy } from './types.js';

const SLOTS: PolicySlot[] = ['identity', 'resource', 'trust', 'boundary', 'session', 'scp', 'rcp', 'kms', 'vpce'];
const LIST_SLOTS = new Set<PolicySlot>(['identity', 'scp', 'rcp', 'vpce']);

/** Documents awaiting `hoistPolicies` (the check's record names them). */
const pending = new WeakMap<CheckResult, Record<string, unknown>>();

function parsed(doc: unknown): unknown {
  if (typeof doc !== 'string') return doc;
  try {
    return JSON.parse(doc);
  } catch {
    return doc;
  }
}

/** Record what one check's evaluation was given. */
export function recordInput(check: CheckResult, request: RequestContext, policies: PolicySet, dialect: Dialect, store: string | null): void {
  if (!check.explain) return;
  const docs: Record<string, unknown> = {};
  const slots: Record<string, string | string[]> = {};
  for (const slot of SLOTS) {
    const v = policies[slot] as NamedPolicy | NamedPolicy[] | undefined;
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    for (const p of list) docs[p.name] = p.level ? { level: p.level, document: parsed(p.document) } : parsed(p.document);
    slots[slot] = Array.isArray(v) || LIST_SLOTS.has(slot) ? list.map((p) => p.name) : list[0]!.name;
  }
  const rec: EvaluationInputRecord = { dialect, store, request: JSON.parse(JSON.stringify(request)) as Record<string, unknown>, policies: slots };
  if (policies.notVisible?.length) rec.notVisible = policies.notVisible.map((u) => ({ ...u }));
  check.explain.input = rec;
  pending.set(check, docs);
}

/** The documents recorded for `from` (an evaluation made on a copy of a check) belong to `to` as well. */
export function adoptPolicies(from: CheckResult, to: CheckResult): void {
  const docs = pending.get(from);
  if (docs) pending.set(to, { ...(pending.get(to) ?? {}), ...docs });
}

/** Move the recorded documents into `result.explain.policies` (once each, by name). */
export function hoistPolicies(result: RunResult): void {
  if (!result.explain) return;
  const all: Record<string, unknown> = { ...(result.explain.policies ?? {}) };
  for (const c of result.checks) Object.assign(all, pending.get(c) ?? {});
  if (Object.keys(all).length) result.explain.policies = all;
}

export interface ReplayInput {
  check: CheckResult;
  dialect: Dialect;
  store: string | null;
  request: RequestContext;
  policies: PolicySet;
}

function named(name: string, docs: Record<string, unknown>): NamedPolicy {
  const d = docs[name];
  if (typeof d === 'object' && d !== null && 'level' in d && 'document' in d) {
    const x = d as { level: string; document: unknown };
    return { name, document: x.document, level: x.level };
  }
  return { name, document: d };
}

/**
 * Every recorded check's evaluation input, rebuilt (documents from `docs`, default the report's own).
 * `kmsCalls`: also the KMS call a check made the store make (`explain.kms`, S3 with SSE-KMS), as a
 * check of its own with the kms: action (replay: a changed identity policy can deny that call too).
 */
export function recordedInputs(result: RunResult, docs: Record<string, unknown> = result.explain?.policies ?? {}, kmsCalls = false): ReplayInput[] {
  const out: ReplayInput[] = [];
  const records: Array<{ check: CheckResult; rec: EvaluationInputRecord | undefined }> = [];
  for (const check of result.checks) {
    records.push({ check, rec: check.explain?.input });
    const kms = check.explain?.kms;
    if (kmsCalls && kms?.explain.input) records.push({ check: { ...check, action: kms.action }, rec: kms.explain.input });
  }
  for (const { check, rec } of records) {
    if (!rec) continue;
    const policies: PolicySet = { lenient: true };
    for (const [slot, v] of Object.entries(rec.policies)) {
      const s = slot as PolicySlot;
      const list = (Array.isArray(v) ? v : [v]).filter((n) => Object.hasOwn(docs, n)).map((n) => named(n, docs));
      if (Array.isArray(v) || LIST_SLOTS.has(s)) (policies as Record<string, unknown>)[s] = list;
      else if (list[0]) (policies as Record<string, unknown>)[s] = list[0];
    }
    if (rec.notVisible?.length) policies.notVisible = rec.notVisible as UnreadPolicy[];
    out.push({ check, dialect: rec.dialect as Dialect, store: rec.store, request: JSON.parse(JSON.stringify(rec.request)) as RequestContext, policies });
  }
  return out;
}
