// The smallest safe fix for a denied request. Rules:
// - never a `*` action or a full-access managed policy: one statement for exactly the denied action,
//   scoped to the bucket and canary prefix (`arn:aws:s3:::B/P*`; bucket-level list actions get the
//   bucket ARN with a `StringLike s3:prefix` condition);
// - a bucket-policy Deny is kept: the backup role is exempted in the Deny's own Condition with
//   `ArnNotLike aws:PrincipalArn <role ARN>` (a role session's aws:PrincipalArn is the role ARN, so
//   every session of the role - and only that role - is covered);
// - a rule scoped to the session name is satisfied by choosing a matching session name;
// - a trust failure gets the trust statement naming the caller (with sts:ExternalId when one was used).

import type { CheckLevel } from '../core/checks.js';
import { compile, globMatch, parseArn } from './match.js';
import { describeCondition, describeStatement } from './summary.js';
import type { ConditionResult, EvaluationResult, Layer, StatementResult } from './types.js';

export type FixPolicy = 'identity' | 'bucket' | 'trust' | 'scp' | 'rcp' | 'boundary' | 'session';

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
  /** Where the request is authorised, from the check catalog (src/core/checks.ts). Only a request
   * named outside a probe (`backup-canary explain`) falls back to telling it from the action name. */
  level?: CheckLevel;
  /** The request sends no prefix (HeadBucket): a prefix condition would not cover it. */
  unprefixed?: boolean;
}

export interface Fix {
  summary: string;
  /** Which policy the snippet goes into. */
  policy: FixPolicy;
  snippet: Record<string, unknown>;
  /** When the fix is to run with another session name instead of changing a policy. */
  sessionName?: string;
}

const LAYER_POLICY: Record<Layer, FixPolicy> = {
  'resource-policy': 'bucket',
  'identity-policy': 'identity',
  'trust-policy': 'trust',
  scp: 'scp',
  rcp: 'rcp',
  'permissions-boundary': 'boundary',
  'session-policy': 'session',
};

const S3_BUCKET_CONFIG = /^(Get|Put|Delete)(Lifecycle|Encryption|Replication|Accelerate|Inventory|Analytics|Metrics|IntelligentTiering)Configuration$/;

type Scope = 'object' | 'bucket' | 'service';

/** Fallback for an action named outside a probe; a probe's request carries its catalog level. */
function scopeOf(service: string, name: string): Scope {
  if (service === 's3') {
    if (name === 'ListAllMyBuckets') return 'service';
    if (name.startsWith('ListBucket') || /Bucket/.test(name) || S3_BUCKET_CONFIG.test(name)) return 'bucket';
    return 'object';
  }
  if (service === 'oss') {
    if (name === 'ListBuckets') return 'service';
    if (/^List(Objects|ObjectVersions|MultipartUploads)$/.test(name) || /Bucket/.test(name)) return 'bucket';
    return 'object';
  }
  return 'object';
}

/** The prefix condition key for bucket-level list actions, if the action supports one. */
function prefixKey(service: string, name: string): string | null {
  if (service === 's3' && (name === 'ListBucket' || name === 'ListBucketVersions')) return 's3:prefix';
  if (service === 'oss' && (name === 'ListObjects' || name === 'ListObjectVersions')) return 'oss:Prefix';
  return null;
}

function partitionOf(arn: string): string {
  const p = parseArn(arn);
  return p && p.scheme === 'arn' ? p.partition : 'aws';
}

/** An Allow statement for exactly this action on exactly the bucket/prefix. */
export function scopedStatement(req: FixRequest, dialect: 'aws' | 'alibaba', withPrincipal?: unknown): Record<string, unknown> {
  const [service = '', name = ''] = req.action.split(':');
  const prefix = req.prefix ?? '';
  const alibaba = dialect === 'alibaba';
  const bucketArn = alibaba ? `acs:oss:*:*:${req.bucket}` : `arn:${partitionOf(req.roleArn)}:s3:::${req.bucket}`;
  const scope: Scope = req.level && req.level !== 'role' ? req.level : scopeOf(service.toLowerCase(), name);
  const stmt: Record<string, unknown> = {
    ...(alibaba ? {} : { Sid: `BackupCanary${name.replace(/[^A-Za-z0-9]/g, '')}` }),
    Effect: 'Allow',
    ...(withPrincipal !== undefined ? { Principal: withPrincipal } : {}),
    Action: [req.action],
  };
  if (scope === 'service') {
    stmt.Resource = alibaba ? 'acs:oss:*:*:*' : `arn:${partitionOf(req.roleArn)}:s3:::*`;
  } else if (scope === 'bucket') {
    stmt.Resource = bucketArn;
    const key = prefixKey(service.toLowerCase(), name);
    if (key && prefix && !req.unprefixed) stmt.Condition = { StringLike: { [key]: [`${prefix}*`] } };
  } else {
    stmt.Resource = `${bucketArn}/${prefix}*`;
  }
  return stmt;
}

function policyDoc(dialect: 'aws' | 'alibaba', statement: Record<string, unknown>): Record<string, unknown> {
  return { Version: dialect === 'alibaba' ? '1' : '2012-10-17', Statement: [statement] };
}

const SESSION_KEYS = new Set(['aws:userid', 'sts:rolesessionname']);

/** A session name matching (or, when `wantMatch` is false, not matching) the condition's patterns. */
function sessionNameFor(c: ConditionResult, wantMatch: boolean): string | null {
  const valid = (n: string) => /^[\w+=,.@-]{2,64}$/.test(n);
  // aws:userid of a role session is "ROLEID:session-name": the name is what follows the last colon
  const tails = c.policyValues
    .filter((v) => !v.includes('${'))
    .map((v) => (c.key.toLowerCase() === 'aws:userid' ? v.slice(v.lastIndexOf(':') + 1) : v));
  if (wantMatch) {
    for (const t of tails) {
      const name = t.replace(/\*/g, 'canary').replace(/\?/g, 'x');
      if (valid(name)) return name;
    }
    return null;
  }
  const fallback = 'backup-canary';
  return tails.some((t) => globMatch(compile(t), fallback)) ? null : fallback;
}

function isSessionScoped(c: ConditionResult): boolean {
  return SESSION_KEYS.has(c.key.toLowerCase());
}

function exemptRole(statement: Record<string, unknown>, roleArn: string): Record<string, unknown> {
  const st = structuredClone(statement);
  const cond = (st.Condition && typeof st.Condition === 'object' ? st.Condition : {}) as Record<string, Record<string, unknown>>;
  for (const op of ['ArnNotLike', 'ArnNotEquals', 'StringNotLike', 'StringNotEquals']) {
    const block = cond[op];
    if (!block) continue;
    const key = Object.keys(block).find((k) => k.toLowerCase() === 'aws:principalarn');
    if (key) {
      const values = Array.isArray(block[key]) ? (block[key] as unknown[]) : [block[key]];
      if (!values.includes(roleArn)) block[key] = [...values, roleArn];
      st.Condition = cond;
      return st;
    }
  }
  cond.ArnNotLike = { ...(cond.ArnNotLike ?? {}), 'aws:PrincipalArn': roleArn };
  st.Condition = cond;
  return st;
}

function roleOfCaller(arn: string): string {
  const p = parseArn(arn);
  if (p && p.resource.startsWith('assumed-role/')) {
    const role = p.resource.split('/')[1];
    return p.scheme === 'acs' ? `acs:ram::${p.account}:role/${role}` : `arn:${p.partition}:iam::${p.account}:role/${role}`;
  }
  return arn;
}

export function proposeFix(result: EvaluationResult, req: FixRequest): Fix | null {
  if (/[*?]/.test(req.action)) throw new Error(`proposeFix: the action must be concrete, got ${JSON.stringify(req.action)}`);
  if (result.decision === 'allowed' || result.decision === 'undetermined' || !result.decidedBy) return null;
  const dialect = result.dialect;
  const layer = result.decidedBy;
  const policy = LAYER_POLICY[layer];
  const where = `${result.request.action} on ${result.request.resource}`;

  if (result.decision === 'explicit-deny') return denyFix(result.statements[0]!, req, dialect, where);

  // implicit deny: first, a near-miss Allow that only fails on the session name
  for (const s of result.statements) {
    if (!s.action || s.resource !== true || s.principal !== true) continue;
    const failing = s.conditions.filter((c) => c.result !== true);
    if (failing.length && failing.every(isSessionScoped)) {
      const name = sessionNameFor(failing[0]!, !failing[0]!.operator.includes('Not'));
      if (name) {
        return {
          summary: `${describeStatement(s)}. It only fails on the session name: assume the role with session name "${name}".`,
          policy: LAYER_POLICY[s.layer],
          snippet: { RoleSessionName: name, condition: { [failing[0]!.operator]: { [failing[0]!.key]: failing[0]!.policyValues } } },
          sessionName: name,
        };
      }
    }
  }

  if (layer === 'trust-policy') {
    const caller = roleOfCaller(req.callerArn ?? result.request.principal);
    const near = result.statements.find((s) => s.principal === true && s.action && s.conditionsResult === false);
    const statement: Record<string, unknown> =
      dialect === 'alibaba'
        ? { Effect: 'Allow', Principal: { RAM: [caller] }, Action: 'sts:AssumeRole' }
        : {
            Sid: 'AllowBackupCanaryCaller',
            Effect: 'Allow',
            Principal: { AWS: caller },
            Action: 'sts:AssumeRole',
            ...(req.externalId ? { Condition: { StringEquals: { 'sts:ExternalId': req.externalId } } } : {}),
          };
    const why = near
      ? `${describeStatement(near)} names the caller but its condition fails`
      : `no statement in the trust policy of ${req.roleArn} lets ${caller} assume it`;
    return {
      summary: `${why}. Add this statement to the role's trust policy (it names only the caller${req.externalId ? ' and requires the external ID' : ''}).`,
      policy: 'trust',
      snippet: statement,
    };
  }

  if (/^sts:AssumeRole/i.test(req.action) || /^sts:AssumeRole/i.test(result.request.action)) {
    const statement = { Sid: 'AllowAssumeBackupRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: req.roleArn };
    return {
      summary: `The caller's own ${layerName(layer)} does not allow sts:AssumeRole on ${req.roleArn}; add this statement to it.`,
      policy,
      snippet: dialect === 'alibaba' ? policyDoc(dialect, { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: req.roleArn }) : policyDoc(dialect, statement),
    };
  }

  if (layer === 'resource-policy') {
    const principal = dialect === 'alibaba' ? [parseArn(req.roleArn)?.account ?? req.roleArn] : { AWS: req.roleArn };
    return {
      summary: `The bucket policy does not grant ${where} to ${req.roleArn}${result.crossAccount ? ' (cross-account: the bucket policy and the role policy must both allow)' : ''}. Add this statement to the bucket policy.`,
      policy: 'bucket',
      snippet: scopedStatement(req, dialect, principal),
    };
  }

  const near = result.statements.filter((s) => s.layer === layer);
  const hint = near.length ? ` Closest: ${near.map(describeStatement).join(' | ')}.` : '';
  const target =
    layer === 'identity-policy'
      ? `the role policy of ${req.roleArn}`
      : layer === 'scp' || layer === 'rcp'
        ? `the organisation's ${layer.toUpperCase()}s (ask the organisation administrators)`
        : `the ${layerName(layer)}`;
  return {
    summary: `No statement in ${layerName(layer)} allows ${where}.${hint} Add this statement to ${target}; it grants only ${req.action} on ${req.bucket}/${req.prefix ?? ''}.`,
    policy,
    snippet: policyDoc(dialect, scopedStatement(req, dialect)),
  };
}

function layerName(layer: Layer): string {
  return layer.replace('-', ' ');
}

function denyFix(s: StatementResult, req: FixRequest, dialect: 'aws' | 'alibaba', where: string): Fix {
  const policy = LAYER_POLICY[s.layer];
  const evidence = describeStatement(s);
  // a Deny keyed on the session name: pick a session name that escapes it
  const sessionCond = s.conditions.find((c) => c.result === true && isSessionScoped(c));
  if (sessionCond) {
    const name = sessionNameFor(sessionCond, sessionCond.operator.includes('Not'));
    if (name) {
      return {
        summary: `${evidence}. The Deny is scoped to the session name: assume the role with session name "${name}" and it no longer applies.`,
        policy,
        snippet: { RoleSessionName: name, condition: { [sessionCond.operator]: { [sessionCond.key]: sessionCond.policyValues } } },
        sessionName: name,
      };
    }
  }
  const transport = s.conditions.find((c) => c.result === true && /:securetransport$/i.test(c.key));
  if (transport) {
    return {
      summary: `${evidence}. The Deny requires TLS: send the request over HTTPS; do not exempt anyone from it.`,
      policy,
      snippet: { [transport.key]: 'true' },
    };
  }
  if (s.layer === 'identity-policy' || s.layer === 'permissions-boundary' || s.layer === 'session-policy') {
    return {
      summary: `${evidence}. A Deny in the ${layerName(s.layer)} cannot be overridden by any Allow: change that statement's Action, Resource or Condition so it no longer covers ${where}.`,
      policy,
      snippet: { statement: s.statement, conditions: s.conditions.map(describeCondition) },
    };
  }
  if (dialect === 'alibaba') {
    const negated = s.conditions.find(
      (c) => c.result === true && /Not/.test(c.operator) && Array.isArray(c.requestValues) && c.requestValues.length > 0,
    );
    if (negated && Array.isArray(negated.requestValues)) {
      const st = structuredClone(s.statement);
      const cond = st.Condition as Record<string, Record<string, unknown>>;
      const block = cond[negated.operator]!;
      const prev = block[negated.key];
      block[negated.key] = [...(Array.isArray(prev) ? prev : [prev]), ...negated.requestValues];
      return {
        summary: `${evidence}. Alibaba Cloud documents no principal-ARN condition key for bucket policies, so keep the Deny and add this request's ${negated.key} (${negated.requestValues.join(', ')}) to its exception list - note that this exempts that source for every principal.`,
        policy,
        snippet: st,
      };
    }
    return {
      summary: `${evidence}. Keep the Deny; make the request satisfy its condition, or remove ${req.roleArn}'s UID from its Principal list if it is named there.`,
      policy,
      snippet: { statement: s.statement, conditions: s.conditions.map(describeCondition) },
    };
  }
  return {
    summary: `${evidence}. Keep the Deny and exempt only the backup role: add "ArnNotLike": {"aws:PrincipalArn": "${req.roleArn}"} to its Condition (a role session's aws:PrincipalArn is the role ARN, so every session of ${req.roleArn} - and only that role - is covered). Do not widen or remove the Deny.`,
    policy,
    snippet: exemptRole(s.statement, req.roleArn),
  };
}
