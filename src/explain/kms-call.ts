// A check whose request makes the store call KMS on the caller's behalf (S3 with SSE-KMS) is allowed
// only when both the store request and the KMS call are: the KMS call is evaluated as its own request
// (kms:* action on the key, the key policy in the `kms` slot; see evaluate.ts, "Key policies in AWS
// KMS") and recorded under `check.explain.kms`. Where the store request alone is allowed, the KMS
// call decides the check: its decision, source, statement and fix become the check's.

import type { CheckResult } from '../core/model.js';
import { type CheckEvaluation, explainCheck } from './merge.js';
import { adoptPolicies } from './record.js';
import type { Dialect } from './types.js';

/** The KMS call's evaluation: `ev.request.action` is the kms: action, `ev.request.resource` the key ARN. */
export function explainKmsCall(check: CheckResult, ev: CheckEvaluation, dialect: Dialect, unseen: string): void {
  if (!check.explain) return;
  const call: CheckResult = { ...check, action: ev.request.action, explain: undefined };
  explainCheck(call, ev, dialect, unseen);
  adoptPolicies(call, check); // the key policy's document goes into the report's explain.policies too
  const k = call.explain;
  if (!k) return;
  const storeAllowed = check.explain.decision === 'allowed' && !check.explain.error;
  const kms = { action: ev.request.action, resource: ev.request.resource, explain: k };
  if (!storeAllowed || k.decision === 'allowed') {
    check.explain.kms = kms;
    return;
  }
  // The store request is allowed by the policies read: whether the check is allowed is the KMS call's
  // answer. The store-side "policies allow it" mismatch no longer holds; the KMS call's own stands.
  const { input } = check.explain;
  const decided = { ...k };
  delete decided.input;
  check.explain = {
    ...decided,
    summary: `${check.action} is allowed by the policies read; the ${ev.request.action} call it makes on ${ev.request.resource}: ${k.summary}`,
    kms,
    ...(input ? { input } : {}),
  };
}
