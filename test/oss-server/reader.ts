// Reads a backup of the bucket makes (issue 15), and the RAM policies attached to a role, as Alibaba
// documents them:
// - GetObjectTagging (`GET /<key>?tagging`): <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>,
//   an empty <TagSet/> when the object has none (https://www.alibabacloud.com/help/doc-detail/114878.html);
//   tags come from the `x-oss-tagging` header of the write (PutObject).
// - GetObjectACL (`GET /<key>?acl`): <AccessControlPolicy><Owner><ID/><DisplayName/></Owner>
//   <AccessControlList><Grant>default|private|public-read|public-read-write</Grant></AccessControlList>
//   </AccessControlPolicy>; `default` when the write sent no `x-oss-object-acl` (the object follows the
//   bucket ACL) (https://www.alibabacloud.com/help/doc-detail/31987.html).
// - GetBucketLocation (`GET /?location`): <LocationConstraint>oss-<region></LocationConstraint>
//   (https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketlocation).
// - GetBucketTags (`GET /?tagging`): 200 and an empty <Tagging/> when the bucket has no tags
//   (https://www.alibabacloud.com/help/en/oss/developer-reference/getbuckettags).
// - ListBucketInventory (`GET /?inventory`) / GetBucketInventory (`GET /?inventory&inventoryId=`), both
//   authorised as oss:GetBucketInventory (https://www.alibabacloud.com/help/en/oss/developer-reference/listbucketinventory,
//   .../getbucketinventory); no inventory (or not that id): 404 NoSuchInventory.
// - RAM policies of a role (RoleSpec.policies): a session of that role is allowed an OSS request only
//   when a statement allows its RAM action on its acs:oss resource and none denies it. An explicit Deny
//   answers EC 0003-00000201 (PolicyType AccountLevelIdentityBasedPolicy, NoPermissionType
//   ExplicitDeny, message "Access denied by bucket policy.": the page's sample,
//   https://www.alibabacloud.com/help/en/oss/support/0003-00000201); no Allow answers EC 0003-00000202
//   ("not granted the required permissions in RAM policies", https://help.aliyun.com/en/oss/user-guide/0003-00000202)
//   with NoPermissionType ImplicitDeny (the 0003-00000201 page's note).

import { ossError, type OssErrorResponse } from './errors.js';
import type { Bucket, RequestPrincipal, StoredObject } from './types.js';
import { el, wrap, xmlDocument } from './xml.js';

type Query = Map<string, string>;

export interface ReaderResult {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  error?: OssErrorResponse;
}

/** The reader API of a bucket-level GET, or undefined. */
export function bucketReaderApi(q: Query): string | undefined {
  if (q.has('location')) return 'GetBucketLocation';
  if (q.has('tagging')) return 'GetBucketTags';
  if (q.has('inventory')) return q.has('inventoryId') ? 'GetBucketInventory' : 'ListBucketInventory';
  return undefined;
}

/** The reader API of an object-level GET, or undefined. */
export function objectReaderApi(q: Query): string | undefined {
  if (q.has('tagging')) return 'GetObjectTagging';
  if (q.has('acl')) return 'GetObjectACL';
  return undefined;
}

function xml(body: string): ReaderResult {
  return { status: 200, headers: { 'Content-Type': 'application/xml' }, body: xmlDocument(body) + '\n' };
}

function fail(name: Parameters<typeof ossError>[0], extra?: Array<[string, string]>): ReaderResult {
  const e = ossError(name, extra);
  return { status: e.status, error: e };
}

/** Object ACLs PutObject accepts in x-oss-object-acl (PutObjectACL / PutObject pages). */
export const OBJECT_ACLS = ['default', 'private', 'public-read', 'public-read-write'];

/** x-oss-tagging: URL-encoded `k1=v1&k2=v2` (PutObject "x-oss-tagging"). */
export function parseTagging(header: string | undefined): Record<string, string> | undefined {
  if (header === undefined) return undefined;
  return Object.fromEntries(new URLSearchParams(header));
}

/** A reader request on an object (`found` is the current object) or the bucket. */
export function readerRequest(api: string, bucket: Bucket, obj: StoredObject | undefined, q: Query): ReaderResult | undefined {
  switch (api) {
    case 'GetObjectTagging':
    case 'GetObjectACL': {
      if (!obj) return fail('NoSuchKey', [['Key', '']]);
      if (api === 'GetObjectACL') {
        const owner = wrap('Owner', el('ID', bucket.ownerId) + el('DisplayName', bucket.ownerId));
        return xml(wrap('AccessControlPolicy', owner + wrap('AccessControlList', el('Grant', obj.acl ?? 'default'))));
      }
      const tags = Object.entries(obj.tags ?? {}).map(([k, v]) => wrap('Tag', el('Key', k) + el('Value', v))).join('');
      return xml(wrap('Tagging', wrap('TagSet', tags)));
    }
    case 'GetBucketLocation':
      return xml(el('LocationConstraint', `oss-${bucket.region ?? 'cn-hangzhou'}`));
    case 'GetBucketTags': {
      const tags = Object.entries(bucket.tags ?? {}).map(([k, v]) => wrap('Tag', el('Key', k) + el('Value', v))).join('');
      return xml(tags ? wrap('Tagging', wrap('TagSet', tags)) : '<Tagging></Tagging>');
    }
    case 'ListBucketInventory': {
      const ids = bucket.inventories ?? [];
      if (!ids.length) return fail('NoSuchInventory');
      return xml(wrap('ListInventoryConfigurationsResult', ids.map((id) => inventoryXml(id, bucket)).join('') + el('IsTruncated', false)));
    }
    case 'GetBucketInventory': {
      const id = q.get('inventoryId') ?? '';
      if (!(bucket.inventories ?? []).includes(id)) return fail('NoSuchInventory');
      return xml(inventoryXml(id, bucket));
    }
    default:
      return undefined;
  }
}

/** An InventoryConfiguration in the shape of the GetBucketInventory page's sample response. */
function inventoryXml(id: string, bucket: Bucket): string {
  const destination = wrap(
    'OSSBucketDestination',
    el('Format', 'CSV') + el('AccountId', bucket.ownerId) + el('RoleArn', `acs:ram::${bucket.ownerId}:role/AliyunOSSRole`) + el('Bucket', `acs:oss:::${bucket.name}-inventory`) + el('Prefix', `inventory/${id}/`),
  );
  return wrap(
    'InventoryConfiguration',
    el('Id', id) + el('IsEnabled', true) + wrap('Destination', destination) + wrap('Schedule', el('Frequency', 'Daily')) + wrap('Filter', el('Prefix', '')) +
      el('IncludedObjectVersions', 'All') + wrap('OptionalFields', el('Field', 'Size') + el('Field', 'LastModifiedDate')),
  );
}

// ---------------------------------------------------------------------------------------------
// RAM policies attached to a role

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

function glob(pattern: string, value: string, ci: boolean): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ci ? 'is' : 's');
  return re.test(value);
}

/** The request's condition keys this server knows: oss:Prefix and oss:Delimiter of the listings. */
export function conditionKeys(api: string, q: Query): Record<string, string> {
  const keys: Record<string, string> = {};
  if (api === 'ListObjects' || api === 'ListObjectsV2') {
    keys['oss:prefix'] = q.get('prefix') ?? '';
    const d = q.get('delimiter');
    if (d !== undefined) keys['oss:delimiter'] = d;
  }
  return keys;
}

function conditionHolds(cond: unknown, keys: Record<string, string>): boolean {
  if (cond === undefined) return true;
  for (const [op, body] of Object.entries(cond as Record<string, Record<string, unknown>>)) {
    if (op !== 'StringLike' && op !== 'StringEquals') throw new Error(`test server: RAM condition operator ${op} is not supported`);
    for (const [k, want] of Object.entries(body)) {
      const name = k.toLowerCase();
      if (name !== 'oss:prefix' && name !== 'oss:delimiter') throw new Error(`test server: RAM condition key ${k} is not supported`);
      const v = keys[name];
      if (v === undefined) return false;
      if (!list(want).some((w) => (op === 'StringLike' ? glob(w, v, false) : w === v))) return false;
    }
  }
  return true;
}

/** `allow`, `explicit` (a Deny matched) or `implicit` (no Allow) for a request under `policies`. */
export function ramDecision(policies: (string | object)[], action: string, resource: string, keys: Record<string, string>): 'allow' | 'explicit' | 'implicit' {
  let allowed = false;
  for (const p of policies) {
    const doc = (typeof p === 'string' ? JSON.parse(p) : p) as { Statement?: Statement[] | Statement };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    for (const s of statements) {
      if (!list(s.Action).some((a) => glob(a, action, true))) continue;
      if (!list(s.Resource).some((r) => glob(r, resource, false))) continue;
      if (!conditionHolds(s.Condition, keys)) continue;
      if (s.Effect === 'Deny') return 'explicit';
      if (s.Effect === 'Allow') allowed = true;
    }
  }
  return allowed ? 'allow' : 'implicit';
}

