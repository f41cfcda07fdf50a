// Principal / NotPrincipal matching ("AWS JSON policy elements: Principal" and "NotPrincipal").
// - an account id or `arn:aws:iam::ACCT:root` names the account: it delegates to the account's
//   identity policies (grant 'account'), except for the root user itself;
// - a role ARN matches every session of that role (grant 'role'; the session ARN drops the role's
//   path, so the role is compared by account and name); an assumed-role session ARN matches
//   exactly that session; no partial wildcards (only "*" on its own);
// - Alibaba: `{"RAM": ["acs:ram::UID:root"]}` in trust policies; OSS bucket policies list UIDs
//   (`["*"]`, `["<uid>"]`, an empty list meaning everyone), where `*` globs are accepted, and role
//   sessions as `arn:sts::UID:assumed-role/ROLE/SESSION` (`*` wildcards anywhere; a session part of
//   `*` covers every session of the role).
// NotPrincipal follows the documented order of checks for a role session (account, then role, then
// session): the caller is excluded only when its account is listed and its role or session is.

import type { Caller } from './context.js';
import { globMatch, compile, parseArn } from './match.js';
import type { ParsedPrincipal, PrincipalType } from './policy.js';
import type { PrincipalGrant } from './types.js';

const RANK: Record<PrincipalGrant, number> = { account: 1, role: 2, direct: 3, external: 4 };

function best(a: PrincipalGrant | null, b: PrincipalGrant | null): PrincipalGrant | null {
  if (!a) return b;
  if (!b) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

/** What "*" grants to this caller. */
function anyGrant(caller: Caller): PrincipalGrant {
  switch (caller.kind) {
    case 'anonymous':
    case 'service':
    case 'federated':
      return 'external';
    case 'assumed-role':
    case 'role':
      return 'role';
    default:
      return 'direct';
  }
}

function accountGrant(caller: Caller): PrincipalGrant {
  return caller.kind === 'root' ? 'direct' : 'account';
}

/** Match one ARN-or-id entry of type AWS / RAM / ID. */
function matchIdentity(value: string, caller: Caller, glob: boolean): PrincipalGrant | null {
  if (caller.kind === 'anonymous' || caller.kind === 'service' || caller.kind === 'federated') return null;
  if (/^\d+$/.test(value) || (!value.includes(':') && !value.includes('*') && value === caller.account)) {
    if (caller.account !== null && value === caller.account) return accountGrant(caller);
    if (caller.userId && value === caller.userId) return 'direct';
    return null;
  }
  if (value.startsWith('arn:sts::') && caller.scheme === 'acs') return matchStsSession(value, caller);
  const arn = parseArn(value);
  if (arn) {
    if (arn.resource === 'root') {
      return caller.account !== null && arn.account === caller.account ? accountGrant(caller) : null;
    }
    if (arn.resource.startsWith('role/') && caller.kind === 'assumed-role') {
      const name = arn.resource.split('/').pop();
      if (arn.account === caller.account && name === caller.roleName) return 'role';
      return null;
    }
    if (caller.arn && caller.arn === value) return caller.kind === 'role' ? 'role' : 'direct';
    if (glob && caller.arn && value.includes('*') && globMatch(compile(value), caller.arn)) return 'direct';
    return null;
  }
  // a unique id: AIDA... (user) or AROA... (role; sessions have aws:userid "AROA...:session")
  if (caller.userId) {
    if (caller.userId === value) return 'direct';
    if (caller.userId.startsWith(`${value}:`)) return 'role';
    if (glob && value.includes('*') && globMatch(compile(value), caller.userId)) return 'direct';
  }
  if (glob && value.includes('*') && caller.arn && globMatch(compile(value), caller.arn)) return 'direct';
  return null;
}

/** OSS bucket-policy role-session principal `arn:sts::UID:assumed-role/ROLE/SESSION` against a RAM role session. */
function matchStsSession(value: string, caller: Caller): PrincipalGrant | null {
  if (caller.kind !== 'assumed-role' || caller.account === null) return null;
  const asSts = `arn:sts::${caller.account}:assumed-role/${caller.roleName ?? ''}/${caller.sessionName ?? ''}`;
  if (!globMatch(compile(value), asSts)) return null;
  // every session of the role: still limited by the role's own policies like a role grant
  return /\/\*$/.test(value) || value === `arn:sts::${caller.account}:assumed-role/*` ? 'role' : 'direct';
}

function matchEntry(type: PrincipalType, value: string, caller: Caller): PrincipalGrant | null {
  switch (type) {
    case 'Service':
      return caller.kind === 'service' && caller.service === value ? 'external' : null;
    case 'Federated':
      return caller.federated === value ? 'external' : null;
    case 'CanonicalUser':
      return caller.canonicalUser === value ? 'direct' : null;
    case 'ID':
      return matchIdentity(value, caller, true);
    default:
      return matchIdentity(value, caller, false);
  }
}

/** The strongest grant this Principal element gives the caller, or null when it does not name it. */
export function matchPrincipal(p: ParsedPrincipal, caller: Caller): PrincipalGrant | null {
  let grant: PrincipalGrant | null = p.any ? anyGrant(caller) : null;
  for (const e of p.entries) grant = best(grant, matchEntry(e.type, e.value, caller));
  return grant;
}

/** Is the caller excluded by this NotPrincipal element? */
export function excludedByNotPrincipal(p: ParsedPrincipal, caller: Caller, anyEntry = false): boolean {
  if (p.any) return true;
  const grants = p.entries.map((e) => matchEntry(e.type, e.value, caller));
  // a store that excludes whoever an entry names (Ceph RGW: the role ARN covers its sessions, and the
  // account's root ARN every user of the account: test/integration/fix-proof-rgw.test.ts)
  if (anyEntry) return grants.some((g) => g !== null);
  if (grants.includes('external')) return true;
  const accountListed = grants.includes('account') || caller.kind === 'root' && grants.includes('direct');
  switch (caller.kind) {
    case 'root':
      return grants.includes('direct');
    case 'assumed-role':
      return accountListed && (grants.includes('role') || grants.includes('direct'));
    case 'user':
    case 'role':
    case 'federated-user':
      return accountListed && (grants.includes('direct') || grants.includes('role'));
    default:
      return grants.some((g) => g !== null);
  }
}
