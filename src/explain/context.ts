// The request context: the caller's identity parsed from its ARN, the context keys AWS/Alibaba
// derive from it (aws:PrincipalArn, aws:PrincipalAccount, aws:userid, aws:username, ...), the
// keys the caller supplied, and which keys are undetermined (present in the real request but
// unknowable here) as opposed to absent.

import { parseArn } from './match.js';
import type { ContextValue, Dialect, RequestContext } from './types.js';
import type { Lookup } from './variables.js';

export type PrincipalKind = 'assumed-role' | 'user' | 'root' | 'role' | 'federated-user' | 'service' | 'federated' | 'anonymous' | 'unknown';

export interface Caller {
  kind: PrincipalKind;
  arn: string | null;
  account: string | null;
  partition: string;
  scheme: 'arn' | 'acs';
  /** For a role session: role name, session name, and the role ARN (with path when supplied). */
  roleName?: string;
  sessionName?: string;
  roleArn?: string;
  userName?: string;
  userId?: string;
  service?: string;
  federated?: string;
  canonicalUser?: string;
}

/** Keys every real request carries (or may carry) whose value a dry evaluation cannot see. */
const DEFAULT_UNDETERMINED: Record<Dialect, string[]> = {
  aws: [
    'aws:SourceIp',
    'aws:SecureTransport',
    'aws:CurrentTime',
    'aws:EpochTime',
    'aws:SourceVpc',
    'aws:SourceVpce',
    'aws:VpcSourceIp',
    'aws:UserAgent',
    'aws:Referer',
    'aws:RequestedRegion',
    'aws:PrincipalOrgID',
    'aws:PrincipalOrgPaths',
    'aws:PrincipalTag/*',
    'aws:ResourceOrgID',
    'aws:ResourceOrgPaths',
    'aws:ResourceTag/*',
    'aws:MultiFactorAuthPresent',
    'aws:MultiFactorAuthAge',
    'aws:TokenIssueTime',
    'aws:ViaAWSService',
    'aws:CalledVia',
    'aws:SourceIdentity',
    'aws:userid',
    's3:TlsVersion',
    's3:signatureversion',
    's3:signatureAge',
    's3:authType',
    's3:x-amz-content-sha256',
  ],
  alibaba: ['acs:SourceIp', 'acs:SecureTransport', 'acs:CurrentTime', 'acs:SourceVpc', 'acs:MFAPresent', 'acs:AccessId'],
};

export function parseCaller(req: RequestContext, dialect: Dialect): Caller {
  const p = req.principal ?? {};
  const base = {
    partition: 'aws',
    scheme: (dialect === 'alibaba' ? 'acs' : 'arn') as 'arn' | 'acs',
    ...(p.userId ? { userId: p.userId } : {}),
    ...(p.canonicalUser ? { canonicalUser: p.canonicalUser } : {}),
  };
  if (p.anonymous) return { ...base, kind: 'anonymous', arn: null, account: null };
  if (p.service) return { ...base, kind: 'service', arn: null, account: p.account ?? null, service: p.service };
  if (p.federated && !p.arn) return { ...base, kind: 'federated', arn: null, account: p.account ?? null, federated: p.federated };
  const arn = p.arn ?? null;
  const parts = arn ? parseArn(arn) : null;
  const account = p.account ?? (parts?.account || (parts ? '' : null));
  const caller: Caller = {
    ...base,
    kind: 'unknown',
    arn,
    account,
    ...(parts ? { partition: parts.partition, scheme: parts.scheme as 'arn' | 'acs' } : {}),
    ...(p.federated ? { federated: p.federated } : {}),
  };
  if (!parts) return caller;
  const res = parts.resource;
  if (res === 'root') {
    caller.kind = 'root';
  } else if (res.startsWith('assumed-role/')) {
    const [, roleName, ...session] = res.split('/');
    caller.kind = 'assumed-role';
    caller.roleName = roleName ?? '';
    caller.sessionName = session.join('/');
    caller.roleArn =
      p.roleArn ??
      (parts.scheme === 'acs' ? `acs:ram::${parts.account}:role/${roleName}` : `arn:${parts.partition}:iam::${parts.account}:role/${roleName}`);
  } else if (res.startsWith('user/')) {
    caller.kind = 'user';
    caller.userName = res.split('/').pop() ?? '';
  } else if (res.startsWith('role/')) {
    caller.kind = 'role';
    caller.roleName = res.split('/').pop() ?? '';
    caller.roleArn = arn!;
  } else if (res.startsWith('federated-user/')) {
    caller.kind = 'federated-user';
    caller.userName = res.slice('federated-user/'.length);
  }
  return caller;
}

/** The identity used for aws:PrincipalArn: a session's role ARN, otherwise the caller's ARN. */
export function principalArnOf(caller: Caller): string | null {
  if (caller.kind === 'assumed-role') return caller.roleArn ?? null;
  return caller.arn;
}

function derivedKeys(caller: Caller, dialect: Dialect): Record<string, ContextValue> {
  const out: Record<string, ContextValue> = {};
  if (dialect === 'alibaba') return out;
  const principalArn = principalArnOf(caller);
  if (principalArn) out['aws:PrincipalArn'] = principalArn;
  if (caller.account) out['aws:PrincipalAccount'] = caller.account;
  if (caller.userName && caller.kind === 'user') out['aws:username'] = caller.userName;
  if (caller.userId) out['aws:userid'] = caller.userId;
  const type: Partial<Record<PrincipalKind, string>> = {
    'assumed-role': 'AssumedRole',
    user: 'User',
    root: 'Account',
    'federated-user': 'FederatedUser',
    anonymous: 'Anonymous',
  };
  if (type[caller.kind]) out['aws:PrincipalType'] = type[caller.kind]!;
  if (caller.kind === 'service' && caller.service) out['aws:PrincipalServiceName'] = caller.service;
  // present in every signed request: true only when a service principal calls
  if (caller.kind !== 'anonymous') out['aws:PrincipalIsAWSService'] = caller.kind === 'service' ? 'true' : 'false';
  return out;
}

function toStrings(v: ContextValue): string[] {
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

function keyPatternMatches(pattern: string, key: string): boolean {
  const p = pattern.toLowerCase();
  const k = key.toLowerCase();
  return p.endsWith('*') ? k.startsWith(p.slice(0, -1)) : p === k;
}

export class ContextLookup {
  private readonly known = new Map<string, string[]>();
  private readonly undetermined: string[];
  private readonly absent: string[];
  /** Undetermined keys actually consulted, in first-use order (display casing as in the policy). */
  readonly usedUndetermined = new Map<string, string>();

  constructor(req: RequestContext, caller: Caller, dialect: Dialect, resourceAccount: string | null) {
    const set = (k: string, v: ContextValue) => this.known.set(k.toLowerCase(), toStrings(v));
    for (const [k, v] of Object.entries(derivedKeys(caller, dialect))) set(k, v);
    if (dialect === 'aws' && resourceAccount) set('aws:ResourceAccount', resourceAccount);
    for (const [k, v] of Object.entries(req.context ?? {})) set(k, v);
    this.absent = req.absent ?? [];
    this.undetermined = [...(req.undetermined ?? []), ...DEFAULT_UNDETERMINED[dialect]];
  }

  lookup = (key: string): Lookup => {
    const values = this.known.get(key.toLowerCase());
    if (values) return { state: 'present', values };
    if (this.absent.some((p) => keyPatternMatches(p, key))) return { state: 'absent' };
    if (this.undetermined.some((p) => keyPatternMatches(p, key))) {
      if (!this.usedUndetermined.has(key.toLowerCase())) this.usedUndetermined.set(key.toLowerCase(), key);
      return { state: 'undetermined' };
    }
    return { state: 'absent' };
  };
}
