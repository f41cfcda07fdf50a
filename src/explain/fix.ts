// The smallest safe fix for a denied request. Rules:
// - never a `*` action or a full-access managed policy: one statement for exactly the denied action,
//   scoped to the bucket and canary prefix (`arn:aws:s3:::B/P*`; bucket-level list actions get the
//   bucket ARN with a `StringLike s3:prefix` condition);
// - a bucket-policy Deny is kept: the backup role is exempted in the Deny's own Condition with
//   `ArnNotLike aws:PrincipalArn <role ARN>` (a role session's aws:PrincipalArn is the role ARN, so
//   every session of the role - and only that role - is covered);
// - a rule scoped to the session name is satisfied by choosing a matching session name;
// - a trust failure gets the trust statement naming the caller (with sts:ExternalId when one was used).

import { DEFAULT_PARTITION } from './dialects/aws/index.js';
import { rulesOf } from './dialects/index.js';
import type { CheckLevel } from '../core/checks.js';
import { compile, globMatch, parseArn } from './match.js';
import { resourceDenyCandidates } from './candidates.js';
import { describeCondition, describeStatement } from './summary.js';
import type { ConditionResult, Dialect, EvaluationResult, Layer, PolicySlot, StatementResult } from './types.js';
import { type Fix, type FixChange, type FixPolicy, type FixRequest, LAYER_POLICY, withEvidence } from './fix-types.js';

export { type Fix, type FixChange, type FixPolicy, type FixRequest, LAYER_POLICY } from './fix-types.js';

const SLOT_OF_LAYER: Record<Layer, PolicySlot> = {
  'resource-policy': 'resource',
  'identity-policy': 'identity',
  'trust-policy': 'trust',
  scp: 'scp',
  rcp: 'rcp',
  'permissions-boundary': 'boundary',
  'session-policy': 'session',
  'kms-key-policy': 'kms',
  'vpc-endpoint-policy': 'vpce',
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
  return p && p.scheme === 'arn' ? p.partition : DEFAULT_PARTITION;
}

/** An Allow statement for exactly this action on exactly the bucket/prefix. */
export function scopedStatement(req: FixRequest, dialect: Dialect, withPrincipal?: unknown): Record<string, unknown> {
  const [service = '', name = ''] = req.action.split(':');
  const prefix = req.prefix ?? '';
  const rules = rulesOf(dialect);
  const bucketArn = rules.bucketArn(req.bucket, partitionOf(req.roleArn));
  const scope: Scope = req.level && req.level !== 'role' ? req.level : scopeOf(service.toLowerCase(), name);
  const stmt: Record<string, unknown> = {
    ...(rules.statementSids ? { Sid: `BackupCanary${name.replace(/[^A-Za-z0-9]/g, '')}` } : {}),
    Effect: 'Allow',
    ...(withPrincipal !== undefined ? { Principal: withPrincipal } : {}),
    Action: [req.action],
  };
  if (req.resource) {
    stmt.Resource = req.resource;
  } else if (scope === 'service') {
    stmt.Resource = rules.allBucketsArn(partitionOf(req.roleArn));
  } else if (scope === 'bucket') {
    stmt.Resource = bucketArn;
    const key = prefixKey(service.toLowerCase(), name);
    if (key && prefix && !req.unprefixed) stmt.Condition = { StringLike: { [key]: [`${prefix}*`] } };
  } else {
    stmt.Resource = `${bucketArn}/${prefix}*`;
  }
  return stmt;
}

/** What a scoped statement grants on, in words: its Resource, and the prefix its condition allows. */
function grantedOn(statement: Record<string, unknown>): string {
  const res = ([] as unknown[]).concat(statement.Resource ?? []).join(', ');
  const like = (statement.Condition as { StringLike?: Record<string, string[]> } | undefined)?.StringLike;
  const prefixes = like ? Object.values(like).flat() : [];
  return prefixes.length ? `${res} (keys ${prefixes.join(', ')})` : res;
}

function policyDoc(dialect: Dialect, statement: Record<string, unknown>): Record<string, unknown> {
  return { Version: rulesOf(dialect).policyVersion, Statement: [statement] };
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

function roleOfCaller(arn: string, dialect: Dialect): string {
  return rulesOf(dialect).roleOfSession(arn) ?? arn;
}

/** Every candidate for this denial, preferred first (one, except for a resource-side Deny). */
export function fixCandidates(result: EvaluationResult, req: FixRequest): Fix[] {
  if (result.decision === 'explicit-deny' && result.decidedBy) {
    const where = `${result.request.action} on ${result.request.resource}`;
    return denyCandidates(result.statements[0]!, req, result.dialect, where, result.request.principal);
  }
  const one = proposeFix(result, req);
  return one ? [one] : [];
}

export function proposeFix(result: EvaluationResult, req: FixRequest): Fix | null {
  if (/[*?]/.test(req.action)) throw new Error(`proposeFix: the action must be concrete, got ${JSON.stringify(req.action)}`);
  // undetermined between an explicit and an implicit deny (an unread policy could also deny): it is
  // denied either way, and the layer that does not allow needs the change
  const deniedEither =
    result.decision === 'undetermined' &&
    !result.possibleDecisions.includes('allowed') &&
    !result.statements.some((s) => s.effect === 'Deny' && s.applies === 'undetermined');
  if (result.decision === 'allowed' || (result.decision === 'undetermined' && !deniedEither) || !result.decidedBy) return null;
  const dialect = result.dialect;
  const layer = result.decidedBy;
  const policy = LAYER_POLICY[layer];
  const where = `${result.request.action} on ${result.request.resource}`;

  if (result.decision === 'explicit-deny') return denyFix(result.statements[0]!, req, dialect, where, result.request.principal);

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
          form: 'session-name',
          change: { kind: 'session-name', sessionName: name },
        };
      }
    }
  }

  if (layer === 'trust-policy') {
    const caller = roleOfCaller(req.callerArn ?? result.request.principal, dialect);
    const near = result.statements.find((s) => s.principal === true && s.action && s.conditionsResult === false);
    // the trust policy admits the caller only with an external id, and this run sent none: the fix is
    // to send it, never a second statement without the requirement
    const failing = near?.conditions.filter((c) => c.result !== true) ?? [];
    if (near && !req.externalId && failing.length && failing.every((c) => /^sts:ExternalId$/i.test(c.key) && !/Not/.test(c.operator))) {
      const values = [...new Set(failing.flatMap((c) => c.policyValues))];
      return {
        summary: `The trust policy of ${req.roleArn} admits the caller only with sts:ExternalId ${values.map((v) => JSON.stringify(v)).join(' or ')} (${describeStatement(near)}), and this run passed no --external-id: pass --external-id with the external ID the role's owner gave you. Keep the trust policy as it is.`,
        policy: 'trust',
        snippet: { ExternalId: values.length === 1 ? values[0]! : values, condition: { [failing[0]!.operator]: { [failing[0]!.key]: failing[0]!.policyValues } } },
        form: 'external-id',
        change: { kind: 'advice' },
      };
    }
    const rules = rulesOf(dialect);
    const statement: Record<string, unknown> = {
      ...(rules.statementSids ? { Sid: 'AllowBackupCanaryCaller' } : {}),
      Effect: 'Allow',
      Principal: rules.trustPrincipal(caller),
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
      form: 'trust-statement',
      change: { kind: 'add-statement', slot: 'trust', statement },
    };
  }

  if (/^sts:AssumeRole/i.test(req.action) || /^sts:AssumeRole/i.test(result.request.action)) {
    const statement = {
      ...(rulesOf(dialect).statementSids ? { Sid: 'AllowAssumeBackupRole' } : {}),
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: req.roleArn,
    };
    return {
      summary: `The caller's own ${layerName(layer)} does not allow sts:AssumeRole on ${req.roleArn}; add this statement to it.`,
      policy,
      snippet: policyDoc(dialect, statement),
      form: 'scoped-allow',
      change: { kind: 'add-statement', slot: SLOT_OF_LAYER[layer], statement },
    };
  }

  if (layer === 'kms-key-policy') {
    // "Key policies in AWS KMS": a key-policy statement names its principal; its Resource is the key
    // ("*" there means this key; the key's own ARN says the same without a wildcard)
    const rules = rulesOf(dialect);
    const statement = {
      ...(rules.statementSids ? { Sid: `BackupCanary${req.action.split(':')[1] ?? ''}` } : {}),
      Effect: 'Allow',
      Principal: rules.rolePrincipal(req.roleArn),
      Action: [req.action],
      Resource: result.request.resource,
    };
    return {
      summary: `The KMS key policy does not let ${req.roleArn} use the key for ${req.action} (an IAM policy alone cannot). Add this statement to the key policy.`,
      policy: 'kms',
      snippet: statement,
      form: 'scoped-allow',
      change: { kind: 'add-statement', slot: 'kms', statement },
    };
  }

  if (layer === 'resource-policy') {
    const statement = scopedStatement(req, dialect, rulesOf(dialect).rolePrincipal(req.roleArn));
    return {
      summary: `The bucket policy does not grant ${where} to ${req.roleArn}${result.crossAccount ? ' (cross-account: the bucket policy and the role policy must both allow)' : ''}. Add this statement to the bucket policy.`,
      policy: 'bucket',
      snippet: statement,
      form: 'scoped-allow',
      change: { kind: 'add-statement', slot: 'resource', statement },
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
  const statement = scopedStatement(req, dialect);
  return {
    summary: `No statement in ${layerName(layer)} allows ${where}.${hint} Add this statement to ${target}; it grants only ${req.action} on ${grantedOn(statement)}.`,
    policy,
    snippet: policyDoc(dialect, statement),
    form: 'scoped-allow',
    change: { kind: 'add-statement', slot: SLOT_OF_LAYER[layer], statement },
  };
}

function layerName(layer: Layer): string {
  return layer.replace('-', ' ');
}

function denyFix(s: StatementResult, req: FixRequest, dialect: Dialect, where: string, caller: string): Fix {
  return denyCandidates(s, req, dialect, where, caller)[0]!;
}

/** Every candidate change for an applying Deny, safest form first; the proof picks the first that holds. */
export function denyCandidates(s: StatementResult, req: FixRequest, dialect: Dialect, where: string, caller: string): Fix[] {
  const policy = LAYER_POLICY[s.layer];
  const evidence = describeStatement(s);
  const advice = (remedy: string, snippet: Record<string, unknown>, form: string): Fix => ({ ...withEvidence(evidence, remedy), policy, snippet, form, change: { kind: 'advice' } });
  // a Deny keyed on the session name: pick a session name that escapes it
  const sessionCond = s.conditions.find((c) => c.result === true && isSessionScoped(c));
  if (sessionCond) {
    const name = sessionNameFor(sessionCond, sessionCond.operator.includes('Not'));
    if (name) {
      return [
        {
          ...withEvidence(evidence, `The Deny is scoped to the session name: assume the role with session name "${name}" and it no longer applies.`),
          policy,
          snippet: { RoleSessionName: name, condition: { [sessionCond.operator]: { [sessionCond.key]: sessionCond.policyValues } } },
          sessionName: name,
          form: 'session-name',
          change: { kind: 'session-name', sessionName: name },
        },
      ];
    }
  }
  const transport = s.conditions.find((c) => c.result === true && /:securetransport$/i.test(c.key));
  if (transport) {
    return [advice(`The Deny requires TLS: send the request over HTTPS; do not exempt anyone from it.`, { [transport.key]: 'true' }, 'use-tls')];
  }
  if (s.layer === 'identity-policy' || s.layer === 'permissions-boundary' || s.layer === 'session-policy') {
    return [
      advice(
        `A Deny in the ${layerName(s.layer)} cannot be overridden by any Allow: change that statement's Action, Resource or Condition so it no longer covers ${where}.`,
        { statement: s.statement, conditions: s.conditions.map(describeCondition) },
        'change-deny',
      ),
    ];
  }
  return resourceDenyCandidates(s, req, dialect, evidence, caller);
}
