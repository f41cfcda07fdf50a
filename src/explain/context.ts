// The request context: the caller's identity parsed from its ARN, the context keys AWS/Alibaba
// derive from it (aws:PrincipalArn, aws:PrincipalAccount, aws:userid, aws:username, ...), the
// keys the caller supplied, and which keys are undetermined (present in the real request but
// unknowable here) as opposed to absent.

import { DEFAULT_PARTITION } from './dialects/aws/index.js';
import { rulesOf } from './dialects/index.js';
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

export function parseCaller(req: RequestContext, dialect: Dialect): Caller {
  const p = req.principal ?? {};
  const base = {
    partition: DEFAULT_PARTITION,
    scheme: rulesOf(dialect).scheme as 'arn' | 'acs',
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

function toStrings(v: ContextValue): string[] {
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

function keyPatternMatches(pattern: string, key: string): boolean {
  const p = pattern.toLowerCase();
  const k = key.toLowerCase();
  return p.endsWith('*') ? k.startsWith(p.slice(0, -1)) : p === k;
}

/**
 * The request context: known keys (derived from the caller, or given), keys known to be absent, and
 * everything else undetermined. A key the tool does not know is never guessed absent: a Deny on
 * acs:UserAgent or an unknown tag key hinges on it ("undetermined, never absent"). The only keys
 * absent without being listed are the ones the service derives from the caller (aws:username for a
 * role session, ...): the dialect knows exactly when they exist.
 */
export class ContextLookup {
  private readonly known = new Map<string, string[]>();
  private readonly undetermined: string[];
  private readonly absent: string[];
  private readonly derivedFamily: Set<string>;
  /** Undetermined keys actually consulted, in first-use order (display casing as in the policy). */
  readonly usedUndetermined = new Map<string, string>();

  constructor(req: RequestContext, caller: Caller, dialect: Dialect, resourceAccount: string | null) {
    const rules = rulesOf(dialect);
    const set = (k: string, v: ContextValue) => this.known.set(k.toLowerCase(), toStrings(v));
    for (const [k, v] of Object.entries(rules.derivedKeys(caller, resourceAccount))) set(k, v);
    for (const [k, v] of Object.entries(req.context ?? {})) set(k, v);
    this.absent = [...(req.absent ?? []), ...rules.actionAbsentKeys(req.action)];
    this.undetermined = [...(req.undetermined ?? []), ...rules.defaultUndetermined];
    this.derivedFamily = new Set(rules.derivedFamily.map((k) => k.toLowerCase()));
  }

  lookup = (key: string): Lookup => {
    const values = this.known.get(key.toLowerCase());
    if (values) return { state: 'present', values };
    if (this.absent.some((p) => keyPatternMatches(p, key))) return { state: 'absent' };
    if (this.undetermined.some((p) => keyPatternMatches(p, key))) return this.unknown(key);
    if (this.derivedFamily.has(key.toLowerCase())) return { state: 'absent' };
    return this.unknown(key);
  };

  private unknown(key: string): Lookup {
    if (!this.usedUndetermined.has(key.toLowerCase())) this.usedUndetermined.set(key.toLowerCase(), key);
    return { state: 'undetermined' };
  }
}
