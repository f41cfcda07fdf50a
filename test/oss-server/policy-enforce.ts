// Bucket-policy Deny statements, enforced by the OSS endpoint when `state.options.enforceBucketPolicy`
// is on (off by default: authorization is otherwise scripted). Written apart from the project's
// evaluator (src/explain), so a test that compares the two compares independent readings of the
// documentation ("OSS authorization syntax and elements",
// alibabacloud.com/help/en/oss/user-guide/authorization-syntax-and-elements; "Bucket Policy").
// Only what this server can know is evaluated: acs:SourceIp (the socket's address), acs:SourceVpc /
// acs:SourceVpcId (state.options.sourceVpc, none by default), acs:AccessId, acs:SecureTransport. A
// statement using another key or operator makes the request fail with a test-server error (500)
// rather than pass silently.

import type { RequestFacts } from './diagnostic.js';
import type { RequestPrincipal } from './types.js';

export interface PolicyRequest {
  /** RAM action, e.g. oss:PutObject */
  action: string;
  bucket: string;
  ownerId: string;
  /** '' for a bucket-level request */
  key: string;
  principal: RequestPrincipal;
  facts: RequestFacts;
}

export interface PolicyMatch {
  index: number;
  sid?: string;
}

function list(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function glob(pattern: string, value: string, ignoreCase = false): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, ignoreCase ? 'i' : '').test(value);
}

function ipv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** A CIDR block (first and last address included), a plain address, or a `*` pattern (documented for acs:SourceIp). */
function ipMatches(pattern: string, address: string): boolean {
  if (pattern.includes('*')) return glob(pattern, address);
  const [net, bits] = pattern.split('/');
  const a = ipv4(address);
  const n = ipv4(net ?? '');
  if (a === undefined || n === undefined) return pattern === address;
  const len = bits === undefined ? 32 : Number(bits);
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return ((a & mask) >>> 0) === ((n & mask) >>> 0);
}

function keyValues(key: string, f: RequestFacts): string[] {
  switch (key.toLowerCase()) {
    case 'acs:sourceip':
      return [f.sourceIp];
    case 'acs:sourcevpc':
    case 'acs:sourcevpcid':
      return f.sourceVpc ? [f.sourceVpc] : [];
    case 'acs:accessid':
      return [f.accessKeyId];
    case 'acs:securetransport':
      return [String(f.secureTransport)];
    default:
      throw new Error(`the OSS test server cannot evaluate condition key ${key}`);
  }
}

const OPERATORS: Record<string, { negated: boolean; match: (p: string, v: string) => boolean }> = {
  IpAddress: { negated: false, match: ipMatches },
  IpAddressIncludeBorder: { negated: false, match: ipMatches },
  NotIpAddress: { negated: true, match: ipMatches },
  NotIpAddressIncludeBorder: { negated: true, match: ipMatches },
  StringEquals: { negated: false, match: (p, v) => p === v },
  StringNotEquals: { negated: true, match: (p, v) => p === v },
  StringEqualsIgnoreCase: { negated: false, match: (p, v) => p.toLowerCase() === v.toLowerCase() },
  StringNotEqualsIgnoreCase: { negated: true, match: (p, v) => p.toLowerCase() === v.toLowerCase() },
  StringLike: { negated: false, match: (p, v) => glob(p, v) },
  StringNotLike: { negated: true, match: (p, v) => glob(p, v) },
  Bool: { negated: false, match: (p, v) => p.toLowerCase() === v.toLowerCase() },
};

/** Every operator and key must hold (AND); one policy value matching a request value is enough (OR). */
function conditionHolds(condition: unknown, f: RequestFacts): boolean {
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) throw new Error('the OSS test server cannot read this Condition');
  for (const [operator, keys] of Object.entries(condition as Record<string, unknown>)) {
    const op = OPERATORS[operator];
    if (!op) throw new Error(`the OSS test server cannot evaluate condition operator ${operator}`);
    for (const [key, policyValues] of Object.entries((keys ?? {}) as Record<string, unknown>)) {
      const values = keyValues(key, f);
      // a key the request does not carry: a negated operator holds, any other does not
      if (values.length === 0) {
        if (!op.negated) return false;
        continue;
      }
      const any = list(policyValues).some((p) => values.some((v) => op.match(p, v)));
      if (op.negated ? any : !any) return false;
    }
  }
  return true;
}

/** Bucket-policy principals: "*" (or an empty list: everyone), an account UID, `arn:sts::UID:assumed-role/ROLE/SESSION` (wildcards). */
function principalMatches(principal: unknown, p: RequestPrincipal): boolean {
  const entries = list(principal);
  if (Array.isArray(principal) && entries.length === 0) return true;
  const session = p.type === 'assumed-role' && p.roleArn ? `arn:sts::${p.accountId}:assumed-role/${p.roleArn.slice(p.roleArn.indexOf(':role/') + 6)}/${p.sessionName ?? ''}` : undefined;
  return entries.some((e) => e === '*' || e === p.accountId || (session !== undefined && e.startsWith('arn:sts::') && glob(e, session)));
}

/** `acs:oss:{region}:{account}:{bucket}[/{key}]`; the server has one region, so any region part matches. */
function resourceMatches(pattern: string, r: PolicyRequest): boolean {
  if (pattern === '*') return true;
  const parts = pattern.split(':');
  if (parts.length < 5 || parts[0] !== 'acs' || !glob(parts[1]!, 'oss')) return false;
  const rest = parts.slice(4).join(':');
  return glob(parts[3]!, r.ownerId) && glob(rest, r.key ? `${r.bucket}/${r.key}` : r.bucket);
}

/** The first Deny statement of the bucket policy that matches the request, if any. */
export function bucketPolicyDenies(policyText: string, r: PolicyRequest): PolicyMatch | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(policyText);
  } catch {
    return undefined;
  }
  const raw = (doc as { Statement?: unknown }).Statement;
  const statements = Array.isArray(raw) ? raw : raw ? [raw] : [];
  for (const [index, st] of statements.entries()) {
    const s = st as Record<string, unknown>;
    if (s.Effect !== 'Deny') continue;
    if (!list(s.Action).some((a) => glob(a, r.action, true))) continue;
    if (!list(s.Resource).some((p) => resourceMatches(p, r))) continue;
    if (!principalMatches(s.Principal, r.principal)) continue;
    if (!conditionHolds(s.Condition, r.facts)) continue;
    return typeof s.Sid === 'string' ? { index, sid: s.Sid } : { index };
  }
  return undefined;
}
