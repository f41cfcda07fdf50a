// The shapes of a proposed fix and the policy each layer's fix goes into: a leaf module shared by the fix
// builder (fix.ts) and the candidate generator (candidates.ts).

import type { CheckLevel } from '../core/checks.js';
import type { Dialect, Layer, PolicySlot } from './types.js';

export type FixPolicy = 'identity' | 'bucket' | 'trust' | 'scp' | 'rcp' | 'boundary' | 'session' | 'kms' | 'vpce';

export interface FixRequest {
  /** The denied action, e.g. `s3:PutObject` (must not contain wildcards). */
  action: string;
  bucket: string;
  /** The canary prefix, e.g. `backups/canary/`. */
  prefix?: string;
  /** The backup role (the role the canary runs as / assumes). */
  roleArn: string;
  /** The session name used for AssumeRole. */
  sessionName?: string;
  /** The sts:ExternalId sent with AssumeRole, if any. */
  externalId?: string;
  /** Who called sts:AssumeRole (for trust fixes); defaults to the evaluated request's principal. */
  callerArn?: string;
  /** The role's unique id (AROA...), for aws:userid-based exemptions. */
  roleId?: string;
  /** Where the request is authorised, from the check catalog (src/core/checks.ts). Only a request
   * named outside a probe (`backup-canary explain`) falls back to telling it from the action name. */
  level?: CheckLevel;
  /** The request sends no prefix (HeadBucket): a prefix condition would not cover it. */
  unprefixed?: boolean;
  /**
   * The request's own resource when it is not the store's bucket or object: the key ARN of a KMS call
   * the store makes for an SSE-KMS write (src/explain/kms-call.ts). A fix grants on exactly that.
   */
  resource?: string;
}

/** What the fix changes, so it can be applied to the policy set and evaluated before it is shown. */
export type FixChange =
  | { kind: 'replace-statement'; slot: PolicySlot; policy: string; index: number; statement: Record<string, unknown> }
  | { kind: 'add-statement'; slot: PolicySlot; statement: Record<string, unknown> }
  | { kind: 'session-name'; sessionName: string }
  | { kind: 'advice' };

export interface Fix {
  /** The evidence (the deciding statement) and the change, in one sentence. */
  summary: string;
  /** The change alone, where the summary starts with the evidence (reports print the evidence as "why"). */
  remedy?: string;
  /** Which policy the snippet goes into. */
  policy: FixPolicy;
  snippet: Record<string, unknown>;
  /** When the fix is to run with another session name instead of changing a policy. */
  sessionName?: string;
  /** The form of the change (e.g. `principal-arn-condition`, `not-principal`, `scoped-allow`). */
  form?: string;
  change?: FixChange;
}

export const LAYER_POLICY: Record<Layer, FixPolicy> = {
  'resource-policy': 'bucket',
  'identity-policy': 'identity',
  'trust-policy': 'trust',
  scp: 'scp',
  rcp: 'rcp',
  'permissions-boundary': 'boundary',
  'session-policy': 'session',
  'kms-key-policy': 'kms',
  'vpc-endpoint-policy': 'vpce',
};

/** A fix sentence in its two parts: the evidence and the change (kept apart so no report cuts them). */
export function withEvidence(evidence: string, remedy: string): { summary: string; remedy: string } {
  return { summary: `${evidence}. ${remedy}`, remedy };
}
