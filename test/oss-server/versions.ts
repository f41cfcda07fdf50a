// Versioning and WORM retention policies of the OSS test server, as Alibaba documents them:
// - Versioning (https://www.alibabacloud.com/help/en/oss/user-guide/overview-78 and the API pages
//   PutBucketVersioning, GetBucketVersioning, ListObjectVersions (GetBucketVersions), DeleteObject):
//   Enabled: every write gets a new version id (`x-oss-version-id`); a DeleteObject without versionId
//   adds a delete marker (`x-oss-delete-marker: true`, its id in `x-oss-version-id`); with versionId it
//   removes that version. Suspended: writes and deletes use the version id `null`, replacing the null
//   version. Versioning can be suspended, never switched off. `x-oss-forbid-overwrite` has no effect
//   on a bucket whose versioning is Enabled or Suspended (PutObject API page).
// - WORM (https://www.alibabacloud.com/help/en/oss/developer-reference/initiatebucketworm,
//   completebucketworm, getbucketworm, extendbucketworm): a bucket-level retention policy of
//   RetentionPeriodInDays, `InProgress` for 24 hours after InitiateBucketWorm (protecting already),
//   `Locked` after CompleteBucketWorm; objects cannot be deleted or overwritten until their last
//   modification plus the retention period (409 FileImmutable); a locked policy can only be extended.
//   GetBucketWorm without a policy: 404 NoSuchWORMConfiguration.

import { randomBytes } from 'node:crypto';
import { ossError, type OssErrorName } from './errors.js';
import type { Bucket, StoredObject } from './types.js';
import { el, wrap } from './xml.js';

type Query = { get(name: string): string | undefined | null };

export interface VersionResult {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  error?: ReturnType<typeof ossError>;
}

function fail(name: OssErrorName, extra?: Array<[string, string]>): VersionResult {
  const e = ossError(name, extra);
  return { status: e.status, error: e };
}

function newVersionId(): string {
  // OSS version ids look like `CAEQNhiBgMDJgZCA0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFhZjhjYmY0****`.
  return `CAEQ${randomBytes(24).toString('base64url')}`;
}

/** Whether x-oss-forbid-overwrite is honoured (not on a versioned or suspended bucket). */
export function forbidOverwriteApplies(bucket: Bucket): boolean {
  return bucket.versioning === undefined;
}

/** The WORM retention that still holds an object written at `at`, or null. */
export function retainedUntil(bucket: Bucket, at: Date, now = new Date()): Date | null {
  const w = bucket.worm;
  if (!w) return null;
  if (w.state === 'InProgress' && now.getTime() - w.created.getTime() > 86_400_000) return null;
  const until = new Date(at.getTime() + w.days * 86_400_000);
  return until > now ? until : null;
}

/** A write: the current object, and on a versioned bucket a new version. Returns the version id. */
export function recordWrite(bucket: Bucket, obj: StoredObject): string | undefined {
  bucket.objects.set(obj.key, obj);
  if (!bucket.versioning) return undefined;
  const versionId = bucket.versioning === 'Enabled' ? newVersionId() : 'null';
  const list = (bucket.versions.get(obj.key) ?? []).filter((v) => v.versionId !== versionId);
  list.push({ ...obj, versionId });
  bucket.versions.set(obj.key, list);
  obj.versionId = versionId;
  return versionId;
}

/** An overwrite refused by WORM retention (OSS: objects under retention cannot be overwritten). */
export function overwriteBlocked(bucket: Bucket, key: string): VersionResult | undefined {
  if (bucket.versioning) return undefined; // a new version; the retained one stays
  const existing = bucket.objects.get(key);
  if (existing && retainedUntil(bucket, existing.lastModified)) return fail('FileImmutable');
  return undefined;
}

function latestVisible(bucket: Bucket, key: string): void {
  const list = bucket.versions.get(key) ?? [];
  const latest = list[list.length - 1];
  if (latest && !latest.deleteMarker) bucket.objects.set(key, latest);
  else bucket.objects.delete(key);
}

/** DeleteObject, with or without versionId. */
export function deleteObject(bucket: Bucket, key: string, versionId: string | null): VersionResult {
  if (versionId !== null) {
    const list = bucket.versions.get(key) ?? [];
    const v = list.find((x) => x.versionId === versionId);
    if (!v) {
      // Unversioned bucket: versionId=null is the object itself.
      if (!bucket.versioning && versionId === 'null') return deleteObject(bucket, key, null);
      return { status: 204 };
    }
    if (!v.deleteMarker && retainedUntil(bucket, v.lastModified)) return fail('FileImmutable');
    bucket.versions.set(key, list.filter((x) => x !== v));
    if (!bucket.versions.get(key)!.length) bucket.versions.delete(key);
    latestVisible(bucket, key);
    return { status: 204, headers: { 'x-oss-version-id': versionId, ...(v.deleteMarker ? { 'x-oss-delete-marker': 'true' } : {}) } };
  }
  if (!bucket.versioning) {
    const existing = bucket.objects.get(key);
    if (existing && retainedUntil(bucket, existing.lastModified)) return fail('FileImmutable');
    bucket.objects.delete(key);
    return { status: 204 };
  }
  const markerId = bucket.versioning === 'Enabled' ? newVersionId() : 'null';
  const list = (bucket.versions.get(key) ?? []).filter((v) => v.versionId !== markerId);
  list.push({ key, body: Buffer.alloc(0), etag: '', contentType: '', lastModified: new Date(), type: 'Normal', versionId: markerId, deleteMarker: true });
  bucket.versions.set(key, list);
  bucket.objects.delete(key);
  return { status: 204, headers: { 'x-oss-delete-marker': 'true', 'x-oss-version-id': markerId } };
}

/** The object (or version) a GET/HEAD reads; an error result when there is none. */
export function readVersion(bucket: Bucket, key: string, versionId: string | null): StoredObject | VersionResult {
  if (versionId === null || (!bucket.versioning && versionId === 'null')) {
    const obj = bucket.objects.get(key);
    if (obj) return obj;
    const latest = bucket.versions.get(key)?.at(-1);
    if (latest?.deleteMarker) return { ...fail('NoSuchKey', [['Key', key]]), headers: { 'x-oss-delete-marker': 'true', 'x-oss-version-id': latest.versionId! } };
    return fail('NoSuchKey', [['Key', key]]);
  }
  const v = bucket.versions.get(key)?.find((x) => x.versionId === versionId);
  if (!v) return fail('NoSuchVersion', [['Key', key], ['VersionId', versionId]]);
  if (v.deleteMarker) return { ...fail('MethodNotAllowed'), headers: { 'x-oss-delete-marker': 'true' } };
  return v;
}

/** Bucket-level versioning and WORM requests; undefined when `api` is not one of them. */
export function bucketConfig(bucket: Bucket, api: string, q: Query, body: Buffer, ownerId: string): VersionResult | undefined {
  switch (api) {
    case 'GetBucketVersioning':
      return xml(wrap('VersioningConfiguration', bucket.versioning ? el('Status', bucket.versioning) : ''));
    case 'PutBucketVersioning': {
      const status = /<Status>\s*(Enabled|Suspended)\s*<\/Status>/.exec(body.toString('utf8'))?.[1] as 'Enabled' | 'Suspended' | undefined;
      if (!status) return fail('MalformedXML');
      bucket.versioning = status;
      return { status: 200 };
    }
    case 'ListObjectVersions':
      return listVersions(bucket, q, ownerId);
    case 'InitiateBucketWorm': {
      const days = Number(/<RetentionPeriodInDays>\s*(\d+)\s*<\/RetentionPeriodInDays>/.exec(body.toString('utf8'))?.[1]);
      if (!Number.isInteger(days) || days < 1 || days > 25_550) return fail('MalformedXML');
      if (bucket.versioning === 'Suspended') return fail('InvalidBucketState');
      if (bucket.worm?.state === 'Locked') return fail('WORMConfigurationLocked');
      const id = randomBytes(8).toString('hex').toUpperCase();
      bucket.worm = { id, state: 'InProgress', days, created: new Date() };
      return { status: 200, headers: { 'x-oss-worm-id': id } };
    }
    case 'CompleteBucketWorm':
    case 'ExtendBucketWorm': {
      const w = bucket.worm;
      if (!w || w.id !== q.get('wormId')) return fail('NoSuchWORMConfiguration');
      if (api === 'CompleteBucketWorm') {
        w.state = 'Locked';
        return { status: 200 };
      }
      const days = Number(/<RetentionPeriodInDays>\s*(\d+)\s*<\/RetentionPeriodInDays>/.exec(body.toString('utf8'))?.[1]);
      if (w.state !== 'Locked') return fail('WORMConfigurationNotLocked');
      // A locked policy's retention can only be extended, never shortened.
      if (!Number.isInteger(days) || days <= w.days) return fail('MalformedXML');
      w.days = days;
      return { status: 200 };
    }
    case 'GetBucketWorm': {
      const w = bucket.worm;
      if (!w) return fail('NoSuchWORMConfiguration');
      return xml(
        wrap('WormConfiguration', el('WormId', w.id) + el('State', w.state) + el('RetentionPeriodInDays', w.days) + el('CreationDate', w.created.toISOString().slice(0, 19))),
      );
    }
    default:
      return undefined;
  }
}

function xml(body: string): VersionResult {
  return { status: 200, headers: { 'Content-Type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` };
}

function listVersions(bucket: Bucket, q: Query, ownerId: string): VersionResult {
  const prefix = q.get('prefix') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const idMarker = q.get('version-id-marker') ?? '';
  const max = Math.min(1000, Number(q.get('max-keys') ?? 1000) || 1000);
  // Every version of every key (unversioned objects as version `null`), keys in order, newest first.
  const all: StoredObject[] = [];
  const keys = new Set([...bucket.objects.keys(), ...bucket.versions.keys()]);
  for (const key of [...keys].sort()) {
    if (!key.startsWith(prefix)) continue;
    const list = bucket.versions.get(key);
    if (list) all.push(...[...list].reverse());
    else all.push({ ...bucket.objects.get(key)!, versionId: 'null' });
  }
  let start = 0;
  if (keyMarker) {
    start = all.findIndex((v) => v.key > keyMarker);
    if (idMarker) {
      const i = all.findIndex((v) => v.key === keyMarker && v.versionId === idMarker);
      if (i >= 0) start = i + 1;
    }
    if (start < 0) start = all.length;
  }
  const page = all.slice(start, start + max);
  const truncated = start + max < all.length;
  const owner = wrap('Owner', el('ID', ownerId) + el('DisplayName', ownerId));
  const latestOf = (v: StoredObject) => bucket.versions.get(v.key)?.at(-1)?.versionId === v.versionId || !bucket.versions.has(v.key);
  let items = '';
  for (const v of page) {
    if (v.deleteMarker) {
      items += wrap('DeleteMarker', el('Key', v.key) + el('VersionId', v.versionId) + el('IsLatest', latestOf(v)) + el('LastModified', v.lastModified.toISOString()) + owner);
    } else {
      items += wrap(
        'Version',
        el('Key', v.key) + el('VersionId', v.versionId) + el('IsLatest', latestOf(v)) + el('LastModified', v.lastModified.toISOString()) + el('ETag', v.etag) + el('Type', v.type) + el('Size', v.body.length) + el('StorageClass', 'Standard') + owner,
      );
    }
  }
  const last = page[page.length - 1];
  const body =
    el('Name', bucket.name) + el('Prefix', prefix) + el('KeyMarker', keyMarker) + el('VersionIdMarker', idMarker) + el('MaxKeys', max) + el('IsTruncated', truncated) +
    (truncated && last ? el('NextKeyMarker', last.key) + el('NextVersionIdMarker', last.versionId) : '') + items;
  return xml(wrap('ListVersionsResult', body));
}

/** Headers a versioned object answers with. */
export function versionHeaders(obj: StoredObject, bucket: Bucket): Record<string, string> {
  const h: Record<string, string> = {};
  if (bucket.versioning && obj.versionId) h['x-oss-version-id'] = obj.versionId;
  for (const [k, v] of Object.entries(obj.meta ?? {})) h[`x-oss-meta-${k}`] = v;
  return h;
}
