// The least-privilege policy a probe definition needs: `backup-canary policy`.
//
// Rules (each one is tested, the AWS output also on a real Ceph RGW):
// - Only what checks expected `allow` need, plus what the probe's own cleanup needs (s3:DeleteObject
//   for the canaries it writes, s3:AbortMultipartUpload for an upload it leaves open) unless the
//   definition expects that very thing denied. A check expected `deny` never gets a permission.
// - `any` means "the tool does not need it": no permission is added for it (least privilege); the
//   check passes whatever the answer. Its action may still be granted because another check needs it.
// - Object actions on `arn:aws:s3:::B/P*` (`acs:oss:*:*:B/P*`), s3:ListBucket on the bucket with
//   `StringLike s3:prefix` in the form the definition lists (prefix-delimiter: [P, P*]; plain: [P*]),
//   bucket-level actions on the bucket ARN. Never a `*` action, never a bare `*` resource.
// - Statements are grouped so that each one is necessary: every statement carries at least one
//   action some check (or the cleanup) of the definition needs and no other statement grants.
// - read-missing-object (AWS) needs s3:ListBucket without the prefix condition: Amazon S3 and Ceph RGW
//   answer 404 for a missing key only to a caller allowed to list the bucket, and a GetObject request
//   carries no s3:prefix. Stated in the notes; unexpressible when list-bucket-root is expected `deny`.
// - An overwrite expected `deny` next to a put expected `allow` (append-only) is expressed on AWS with
//   the documented conditional-write keys: s3:PutObject only with `If-None-Match` (s3:if-none-match),
//   and for multipart parts only where s3:ObjectCreationOperation is false. Where an expectation cannot
//   be expressed in an identity policy at all it is listed in `unexpressed` with the reason.
//
// - HeadBucket (head-bucket; restic `init`) is authorised as s3:ListBucket and sends no prefix
//   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html): it needs s3:ListBucket
//   without the prefix condition, stated in the notes. On OSS it is GetBucketInfo (oss:GetBucketInfo),
//   a bucket-level action. No statement ever conditions s3:delimiter: the recursive listing
//   (list-prefix-recursive; rclone delete, restic check/prune) sends none.
//
// What each check sends comes from the check catalog (src/core/checks.ts); the statements are built
// with the same `scopedStatement` the --explain fixes use. Loads no SDK: the action names come from
// the providers' SDK-free actions modules.

import type { Operation } from '../core/adapter.js';
import type { Expectation } from '../core/model.js';
import { type CheckRow, checkRow } from '../core/checks.js';
import type { ProbeDefinition } from '../core/definition.js';
import type { PolicyFacts } from '../core/provider.js';
import type { DialectName } from '../explain/dialects/names.js';
import { rulesOf } from '../explain/dialects/index.js';
import { scopedStatement } from '../explain/fix.js';
import { providerInfo } from '../providers/registry.js';
import { backupSourceNote } from './writer-note.js';

/** A provider whose name is also its policy dialect's (each provider's info.ts). */
export type PolicyProvider = DialectName;

export interface GenerateOptions {
  profile: Pick<ProbeDefinition, 'name' | 'checks' | 'options'>;
  bucket: string;
  /** Normalised prefix (`db/nightly/`), or '' for the bucket root. */
  prefix: string;
  provider: PolicyProvider;
  /** The backup role: enables the bucket-policy exception and the cross-account grant. */
  roleArn?: string;
  /** AWS partition (`aws`, `aws-cn`, ...); default: the role ARN's, else `aws`. */
  partition?: string;
  /** With a writer (probe --writer-role, issue 15): put-object is the writer's, not the role's (nor its cleanup). */
  writer?: boolean;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface PolicySnippet {
  summary: string;
  snippet: Record<string, unknown>;
}

export interface GeneratedPolicy {
  provider: PolicyProvider;
  /** The role's identity policy (AWS) or RAM policy (Alibaba Cloud). */
  identity: PolicyDocument;
  /** Where relevant (a role is named, AWS): how to keep a restrictive bucket-policy Deny and let the role through. */
  bucketException?: PolicySnippet;
  /** Where relevant (a role is named, AWS): the bucket-policy grant needed only when the role is in another account. */
  bucketGrant?: PolicySnippet;
  /** Expectations no identity policy can meet, with the reason (enforce them elsewhere). */
  unexpressed: { check: string; expect: Expectation; why: string }[];
  notes: string[];
}

/** Where a check's request lands, relative to the backup prefix. */
type Where = 'prefix' | 'outside' | 'list-prefix' | 'list-root' | 'bucket' | 'service';

interface CheckSpec {
  op: Operation;
  where: Where;
  /** The request carries `If-None-Match: *` (s3:if-none-match present). */
  ifNoneMatch?: boolean;
  /** s3:ObjectCreationOperation: true for PutObject/CompleteMultipartUpload, false for Create/UploadPart. */
  creation?: boolean;
  /** A bucket request authorised as the listing action but sending no prefix (S3 HeadBucket). */
  unprefixedList?: boolean;
}

/**
 * What the generator needs of a check, read from the catalog row (src/core/checks.ts) and the
 * provider's action names; null for assume-role (not an S3/OSS request) and unknown ids.
 */
export function checkSpec(id: string, actions: Record<Operation, string>): CheckSpec | null {
  const row = checkRow(id);
  if (!row || row.level === 'role') return null;
  const s: CheckSpec = { op: row.op, where: whereOf(row, actions) };
  if (row.sends.ifNoneMatch !== undefined) s.ifNoneMatch = row.sends.ifNoneMatch;
  if (row.sends.objectCreation !== undefined) s.creation = row.sends.objectCreation;
  if (row.level === 'bucket' && !row.sends.list && actions[row.op] === actions.listObjects) s.unprefixedList = true;
  return s;
}

function whereOf(row: CheckRow, actions: Record<Operation, string>): Where {
  if (row.level === 'service') return 'service';
  if (row.level === 'object') return row.scope === 'outside' ? 'outside' : 'prefix';
  if (actions[row.op] === actions.listObjects) {
    // a listing of the prefix is scoped by s3:prefix; the root listing and HeadBucket (no prefix) are not
    return row.sends.list?.prefix === 'backup' ? 'list-prefix' : 'list-root';
  }
  return 'bucket';
}

/** The order actions are listed in a statement (the order a backup uses them). */
const OBJECT_OPS: Operation[] = ['putObject', 'getObject', 'deleteObject', 'deleteObjectVersion', 'abortMultipartUpload', 'listParts', 'putObjectRetention'];
const BUCKET_OPS: Operation[] = ['headBucket', 'listMultipartUploads', 'getBucketPolicy'];

/** Granted action names by where they apply. */
interface Grants {
  object: Set<string>;
  list: boolean;
  /** s3:ListBucket without the prefix condition (only when listing the root is expected allowed). */
  listRoot: boolean;
  bucket: Set<string>;
  service: Set<string>;
  /** AWS: s3:PutObject only with If-None-Match (plus multipart parts), so an overwrite is denied. */
  conditionalPut: boolean;
  /** With conditionalPut: multipart create/part requests are needed. */
  parts: boolean;
  /** Actions added only for the probe's cleanup. */
  cleanup: Set<string>;
}

export function generatePolicy(o: GenerateOptions): GeneratedPolicy {
  const { checks, options } = o.profile;
  const prefix = o.prefix;
  const f = factsOf(o);
  const actions = f.actions;
  const ids = Object.keys(checks).filter((id) => checkSpec(id, actions));
  const spec = (id: string) => checkSpec(id, actions)!;
  const expect = (id: string): Expectation | undefined => checks[id];
  const g: Grants = { object: new Set(), list: false, listRoot: false, bucket: new Set(), service: new Set(), conditionalPut: false, parts: false, cleanup: new Set() };
  const unexpressed: GeneratedPolicy['unexpressed'] = [];
  const notes: string[] = [];

  // 1. What the checks expected `allow` need. With a writer, put-object is the writer's request.
  const writerPut = (id: string) => o.writer === true && id === 'put-object';
  const allowIds = ids.filter((id) => expect(id) === 'allow' && !writerPut(id));
  const grant = (s: CheckSpec) => {
    if (s.where === 'prefix') g.object.add(actions[s.op]);
    else if (s.where === 'list-prefix') g.list = true;
    else if (s.where === 'list-root') g.list = g.listRoot = true;
    else if (s.where === 'bucket') g.bucket.add(actions[s.op]);
    else if (s.where === 'service') g.service.add(actions[s.op]);
    // 'outside': never granted (object actions are scoped to the prefix); reported below
  };
  for (const id of allowIds) grant(spec(id));
  // Amazon S3 (and Ceph RGW) answer 404 for a missing key only to a caller allowed s3:ListBucket on the
  // bucket; a GetObject request carries no s3:prefix, so a prefix-scoped ListBucket does not count.
  // read-missing-object therefore needs ListBucket without the prefix condition, unless the definition
  // forbids listing the root (then it cannot be expressed; reported below).
  const missingNeedsList = f.missingKeyNeedsUnprefixedList && expect('read-missing-object') === 'allow';
  if (missingNeedsList && expect('list-bucket-root') !== 'deny') g.list = g.listRoot = true;
  const putOp = (op: Operation) => actions[op] === actions.putObject;
  const needsPut = allowIds.some((id) => spec(id).where === 'prefix' && putOp(spec(id).op));
  if (f.conditionalWriteKeys && needsPut && expect('overwrite-object') === 'deny') {
    g.conditionalPut = true;
    g.parts = allowIds.some((id) => spec(id).where === 'prefix' && putOp(spec(id).op) && spec(id).creation === false);
  }

  const allowed = (id: string): boolean => {
    const s = spec(id);
    const action = actions[s.op];
    switch (s.where) {
      case 'prefix':
      case 'outside': {
        if (s.where === 'outside' && prefix !== '') return false;
        if (!g.object.has(action)) return false;
        if (id === 'read-missing-object' && f.missingKeyNeedsUnprefixedList && !(g.listRoot || prefix === '')) return false;
        if (action !== actions.putObject || !g.conditionalPut) return true;
        return s.creation ? Boolean(s.ifNoneMatch) : g.parts;
      }
      case 'list-prefix':
        return g.list;
      case 'list-root':
        return g.listRoot || (g.list && prefix === '');
      case 'bucket':
        return g.bucket.has(action);
      case 'service':
        return g.service.has(action);
    }
  };

  // 2. The cleanup: canaries the probe writes must be removable, unless the definition expects them to stay.
  for (let changed = true; changed; ) {
    changed = false;
    // (with a writer the canary object is the writer's: the writer removes it, not the role)
    const objects = ['put-object', 'multipart-complete'].some((id) => id in checks && !writerPut(id) && allowed(id));
    if (objects && expect('delete-object') !== 'deny' && !g.object.has(actions.deleteObject)) {
      g.object.add(actions.deleteObject);
      g.cleanup.add(actions.deleteObject);
      changed = true;
    }
    // A definition that reads or reports versions expects a versioned bucket (AWS Backup for S3
    // requires one): there the cleanup removes each canary version by id, s3:DeleteObjectVersion.
    const versioned = ['get-object-version', 'list-bucket-versions'].some((id) => expect(id) === 'allow' || expect(id) === 'any');
    if (objects && versioned && expect('delete-object-version') !== 'deny' && actions.deleteObjectVersion && !g.object.has(actions.deleteObjectVersion)) {
      g.object.add(actions.deleteObjectVersion);
      g.cleanup.add(actions.deleteObjectVersion);
      changed = true;
    }
    const openUploads =
      ('abort-create' in checks && allowed('abort-create')) ||
      ('multipart-create' in checks && allowed('multipart-create') && !('multipart-complete' in checks && allowed('multipart-complete')));
    if (openUploads && expect('multipart-abort') !== 'deny' && !g.object.has(actions.abortMultipartUpload)) {
      g.object.add(actions.abortMultipartUpload);
      g.cleanup.add(actions.abortMultipartUpload);
      changed = true;
    }
  }

  // 3. Expectations the generated policy cannot meet.
  for (const id of ids) {
    const e = expect(id)!;
    if (e === 'any' || writerPut(id)) continue;
    const s = spec(id);
    const ok = allowed(id);
    if (s.where === 'outside' && prefix === '') {
      unexpressed.push({ check: id, expect: e, why: 'the prefix is the bucket root: nothing is outside it (the probe skips this check)' });
    } else if (e === 'allow' && !ok && id === 'read-missing-object') {
      unexpressed.push({ check: id, expect: e, why: 'Amazon S3 answers 404 for a missing key only to a caller that may s3:ListBucket the bucket without a prefix condition, and the definition expects listing the bucket root denied' });
    } else if (e === 'allow' && !ok) {
      unexpressed.push({ check: id, expect: e, why: `${actions[s.op]} outside the backup prefix: the generated policy grants object actions on the prefix only` });
    } else if (e === 'deny' && ok) {
      unexpressed.push({ check: id, expect: e, why: conflictReason(id, s, o, actions, ids.filter((x) => x !== id && expect(x) === 'allow')) });
    }
  }

  const identity: PolicyDocument = { Version: rulesOf(o.provider).policyVersion, Statement: statements(g, o, actions) };
  const out: GeneratedPolicy = { provider: o.provider, identity, unexpressed, notes };

  // 4. Notes: what this policy does not cover, and the decisions behind it.
  notes.push(f.assumeRoleNote);
  const anyIds = ids.filter((id) => expect(id) === 'any' && !allowed(id));
  if (anyIds.length) notes.push(`Checks expected "any" (${anyIds.join(', ')}) get no permission: the tool does not need them, so least privilege leaves them out; they pass either way.`);
  for (const action of g.cleanup) {
    notes.push(`${action} is included only so the probe can remove what it creates (its cleanup); no check of the definition requires it otherwise.`);
  }
  notes.push(...backupSourceNote(ids.map((id) => ({ id, op: spec(id).op, expect: expect(id)! })), actions, o.writer === true));
  if (g.conditionalPut) {
    notes.push(
      `${actions.putObject} is allowed only with If-None-Match (s3:if-none-match)${g.parts ? ', and for multipart create/part requests (s3:ObjectCreationOperation false)' : ''}: a write that would overwrite is denied. Amazon S3 documents these keys ("Enforce conditional writes"); S3-compatible stores may not evaluate them (Ceph RGW Pacific does not: tested, it lets the overwrite through).`,
    );
  }
  if (missingNeedsList && g.listRoot && expect('list-bucket-root') !== 'allow') {
    notes.push(
      's3:ListBucket has no prefix condition: read-missing-object reads a key that does not exist, and Amazon S3 (like Ceph RGW) answers 404 only to a caller that may s3:ListBucket the bucket, 403 otherwise; a GetObject request carries no s3:prefix, so a prefix-scoped ListBucket does not count. This lets the role list the whole bucket.',
    );
  }
  if (f.headBucketIsUnprefixedList && allowIds.some((id) => spec(id).unprefixedList)) {
    notes.push(
      's3:ListBucket has no prefix condition: head-bucket sends HeadBucket (restic init checks the bucket with it), which Amazon S3 authorises as s3:ListBucket and which carries no s3:prefix (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html); a prefix-scoped ListBucket refuses it (restic 0.14: "client.BucketExists: Access Denied"). This lets the role list the whole bucket.',
    );
  }
  if (allowIds.includes('list-prefix-recursive')) {
    notes.push(
      `The listing is not conditioned on ${f.delimiterKey}: list-prefix-recursive lists without a delimiter, as rclone delete/purge and restic check/prune do; a StringEquals ${f.delimiterKey} "/" condition would refuse it.`,
    );
  }
  if (options.sse === 'aws:kms' || options.sse === 'aws:kms:dsse' || options.sse === 'KMS') {
    notes.push(`Writes use KMS encryption${options['kms-key-id'] ? ` (key ${options['kms-key-id']})` : ''}: the role also needs kms:GenerateDataKey and kms:Decrypt on that key (key policy or identity policy); not generated here.`);
  }
  if (options.acl && f.cannedAclKey) {
    notes.push(`Writes send the canned ACL "${options.acl}" (s3:x-amz-acl). A bucket owner may require it with a StringEquals s3:x-amz-acl condition on s3:PutObject; multipart part and complete requests carry no ACL header, so such a condition must not cover them.`);
  }
  if (prefix === '') notes.push('The prefix is the bucket root: object actions cover the whole bucket and s3:ListBucket has no prefix condition.');
  if (o.roleArn && f.bucketPolicyForRole) {
    out.bucketException = bucketException(o, g);
    out.bucketGrant = bucketGrant(identity, o.roleArn);
  } else if (o.roleArn) {
    notes.push(f.noBucketPolicyForRole);
  } else if (f.bucketPolicyForRole) {
    notes.push('Name the role (--role) to also get the bucket-policy exception for a restrictive Deny and the cross-account grant.');
  }
  return out;
}

function conflictReason(id: string, s: CheckSpec, o: GenerateOptions, actions: Record<Operation, string>, allowIds: string[]): string {
  const action = actions[s.op];
  const overwrite = factsOf(o).overwriteUnexpressible;
  if (id === 'overwrite-object' && overwrite) return overwrite.replace('{prefix}', o.prefix);
  if (s.where === 'list-root') {
    if (o.prefix === '') return 'with the bucket root as prefix, listing the prefix is listing the root';
    const by = allowIds.filter((x) => checkSpec(x, actions)?.where === 'list-root' || x === 'read-missing-object');
    return `${action} without a prefix condition is needed by ${by.join(', ') || 'another check'}: HeadBucket and the bucket-root listing are both authorised as ${action} without a prefix, so an identity policy cannot allow one and deny the other`;
  }
  const by = allowIds.filter((x) => {
    const t = checkSpec(x, actions);
    return t && actions[t.op] === action;
  });
  return `${action} on the prefix is needed by ${by.length ? by.join(', ') : 'the probe\'s cleanup'}: an identity policy cannot allow one and deny the other`;
}

function factsOf(o: GenerateOptions): PolicyFacts {
  return providerInfo(o.provider).policy;
}

function fixReq(o: GenerateOptions, action: string) {
  const fallback = factsOf(o).defaultPartition;
  const partition = o.partition ?? (o.roleArn ? (/^arn:([^:]+):/.exec(o.roleArn)?.[1] ?? fallback) : fallback);
  return { action, bucket: o.bucket, prefix: o.prefix, roleArn: o.roleArn?.startsWith('arn:') ? o.roleArn : `arn:${partition}:iam:::role/backup` };
}

function merged(o: GenerateOptions, names: string[], sid: string): PolicyStatement {
  const first = scopedStatement(fixReq(o, names[0]!), o.provider) as unknown as PolicyStatement;
  const st: PolicyStatement = { ...(rulesOf(o.provider).statementSids ? { Sid: sid } : {}), Effect: 'Allow', Action: names, Resource: first.Resource };
  if (first.Condition) st.Condition = first.Condition;
  return st;
}

/** Granted action names in the order a backup uses them. */
function ordered(granted: Set<string>, ops: Operation[], actions: Record<Operation, string>): string[] {
  const known = [...new Set(ops.map((op) => actions[op]))].filter((a) => granted.has(a));
  return [...known, ...[...granted].filter((a) => !known.includes(a)).sort()];
}

function statements(g: Grants, o: GenerateOptions, actions: Record<Operation, string>): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  const objectActions = ordered(g.object, OBJECT_OPS, actions).filter((a) => !(g.conditionalPut && a === actions.putObject));
  if (objectActions.length) out.push(merged(o, objectActions, 'BackupObjects'));
  if (g.conditionalPut) {
    out.push({ ...merged(o, [actions.putObject], 'BackupWriteIfAbsent'), Condition: { Null: { 's3:if-none-match': 'false' } } });
    if (g.parts) out.push({ ...merged(o, [actions.putObject], 'BackupMultipartParts'), Condition: { Bool: { 's3:ObjectCreationOperation': 'false' } } });
  }
  if (g.list) {
    const st = merged(o, [actions.listObjects], 'ListBackupPrefix');
    if (g.listRoot || o.prefix === '') {
      delete st.Condition;
      if (st.Sid) st.Sid = 'ListBackupBucket';
    }
    else {
      const key = factsOf(o).prefixKey;
      const values = o.profile.options.list === 'plain' ? [`${o.prefix}*`] : [o.prefix, `${o.prefix}*`];
      st.Condition = { StringLike: { [key]: values } };
    }
    out.push(st);
  }
  const bucketActions = ordered(g.bucket, BUCKET_OPS, actions);
  if (bucketActions.length) out.push(merged(o, bucketActions, 'BackupBucketLevel'));
  if (g.service.size) out.push(merged(o, [...g.service].sort(), 'ListAllBuckets'));
  return out;
}

function bucketException(o: GenerateOptions, g: Grants): PolicySnippet {
  const role = o.roleArn!;
  const covered = [...g.object, ...(g.list ? ['s3:ListBucket'] : []), ...g.bucket];
  return {
    summary:
      `If the bucket policy has a Deny that would cover the backup role's requests (${covered.join(', ')}), for example "only from the office network", ` +
      `keep the Deny and exempt only this role: add this to that Deny statement's Condition. A role session's aws:PrincipalArn is the role ARN, ` +
      `so every session of ${role} - and only that role - is let through. Do not widen or remove the Deny. ` +
      'If the Deny already has an ArnNotLike aws:PrincipalArn list, add the role ARN to that list instead. ' +
      'Caution on S3-compatible stores: one that does not know aws:PrincipalArn (Ceph RGW Pacific, tested) treats the condition as false, which lifts the Deny for everyone.',
    snippet: { Condition: { ArnNotLike: { 'aws:PrincipalArn': [role] } } },
  };
}

function bucketGrant(identity: PolicyDocument, roleArn: string): PolicySnippet {
  // ListAllMyBuckets is not a bucket permission: a bucket policy cannot grant it
  const statements = identity.Statement.filter((s) => !s.Action.includes('s3:ListAllMyBuckets')).map((s) => ({
    ...(s.Sid ? { Sid: `${s.Sid}ForBackupRole` } : {}),
    Effect: s.Effect,
    Principal: { AWS: roleArn },
    Action: s.Action,
    Resource: s.Resource,
    ...(s.Condition ? { Condition: s.Condition } : {}),
  }));
  return {
    summary:
      'Only when the role is in another account than the bucket: cross-account access needs both the role\'s own policy and a grant in the bucket policy. ' +
      'Add these statements to the bucket policy (same actions, resources and conditions, naming the role). Within one account the identity policy alone is enough.',
    snippet: { Statement: statements },
  };
}
