// From what the explainer could not read (its "not visible" list) to the PolicySet's unread slots:
// the evaluation is undetermined wherever an unread policy could decide, and says what would read it.
// "Not implemented" for listing attached managed policies (Ceph RGW answers 405) means the store has
// no such policies, so nothing is missing; a denied read means the policies exist but are unseen.

import type { PolicySlot, UnreadPolicy } from './types.js';

export interface NotVisibleEntry {
  policy: string;
  why: string;
}

interface Rule {
  match: RegExp;
  slots: PolicySlot[];
  /** The permission that reads it (the explain profile needs it). */
  permission: string;
  /** A store that does not implement this API has no such policy. */
  absentWhenNotImplemented?: boolean;
}

const RULES: Rule[] = [
  { match: /^bucket-policy/, slots: ['resource'], permission: 's3:GetBucketPolicy / oss:GetBucketPolicy' },
  { match: /^trust-policy and permissions boundary/, slots: ['trust', 'boundary'], permission: 'iam:GetRole' },
  { match: /^trust-policy/, slots: ['trust'], permission: 'iam:GetRole / ram:GetRole' },
  { match: /^permissions-boundary:/, slots: ['boundary'], permission: 'iam:GetPolicy and iam:GetPolicyVersion' },
  { match: /^(role-inline:|inline role policies)/, slots: ['identity'], permission: 'iam:ListRolePolicies and iam:GetRolePolicy' },
  {
    match: /^(role-managed:|attached managed role policies)/,
    slots: ['identity'],
    permission: 'iam:ListAttachedRolePolicies, iam:GetPolicy and iam:GetPolicyVersion',
    absentWhenNotImplemented: true,
  },
  { match: /^(RAM policies of the role|ram-policy:)/, slots: ['identity'], permission: 'ram:ListPoliciesForRole and ram:GetPolicy' },
  { match: /^all policies/, slots: ['resource', 'trust', 'identity'], permission: 'credentials that may read the policies' },
];

const NOT_IMPLEMENTED = /does not implement|NotImplemented|MethodNotAllowed|\b405\b/;
/** A policy that does not exist (deleted between listing and reading) cannot decide anything. */
const NOT_FOUND = /EntityNotExist|NoSuchEntity|\b404\b/;

/**
 * The unread policies for a PolicySet. `explainProfile` is the profile that was used to read
 * (null: the source credentials), so the hint says what to change.
 */
export function unreadPolicies(notVisible: NotVisibleEntry[], explainProfile: string | null): UnreadPolicy[] {
  const out: UnreadPolicy[] = [];
  for (const n of notVisible) {
    const rule = RULES.find((r) => r.match.test(n.policy));
    if (!rule) continue;
    if (rule.absentWhenNotImplemented && NOT_IMPLEMENTED.test(n.why)) continue;
    if (NOT_FOUND.test(n.why)) continue;
    const readWith = explainProfile
      ? `${rule.permission} for the --explain-profile ${explainProfile}`
      : `${rule.permission} for the source credentials, or an --explain-profile that has it`;
    for (const slot of rule.slots) out.push({ slot, policy: n.policy, why: n.why, readWith });
  }
  return out;
}
