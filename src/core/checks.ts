// The check catalog: one row per check id, the single source of what each check sends. The planner
// (plan.ts) runs the rows, the policy generator (src/policy/generate.ts) grants from them, the fix
// builder and both explainers take the resource level from them, and the classifiers take the
// denial stage from them. Nothing else encodes whether a request is bucket- or object-level.
//
// The per-provider action name (IAM `s3:*`, RAM `oss:*`) comes from each provider's actions module
// (src/providers/*/actions.ts), keyed by the row's Operation: S3 authorises HeadBucket as
// s3:ListBucket, OSS authorises GetBucketInfo as oss:GetBucketInfo; the row says what is sent.
//
// Sources for the rows that are not plain object requests:
// - HeadBucket: "To use this operation, you must have permissions to perform the s3:ListBucket
//   action" - https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html. A HEAD on the
//   bucket carries no `prefix`, so a ListBucket grant conditioned on s3:prefix does not cover it.
// - OSS has no HeadBucket in its API reference; the documented bucket probe is GetBucketInfo
//   (`GET /?bucketInfo`, "you must have the oss:GetBucketInfo permission") -
//   https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketinfo
// - Conditional writes (If-None-Match, s3:if-none-match, s3:ObjectCreationOperation):
//   https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html

import type { Operation } from './adapter.js';

/** Where a request is authorised: on an object ARN, the bucket ARN, the account (`*`), or a role. */
export type CheckLevel = 'object' | 'bucket' | 'service' | 'role';

/** Which key an object-level check touches (plan.ts names the concrete keys). */
export type CheckKey = 'object' | 'multipart' | 'aborted' | 'missing' | 'outside' | 'outside-missing';

/** What a listing sends: which prefix and which delimiter (`definition`: the definition's `list` option). */
export interface ListSends {
  /** The backup prefix, the bucket root, or the prefix's canary folder (`<prefix>.backup-canary/`). */
  prefix: 'backup' | 'root' | 'canary';
  delimiter: '/' | 'none' | 'definition';
}

/** What the request carries beyond the operation itself. */
export interface Sends {
  key?: CheckKey;
  /** `If-None-Match: *` (S3) / `x-oss-forbid-overwrite: true` (OSS): never replaces an object. */
  ifNoneMatch?: boolean;
  /** s3:ObjectCreationOperation: true for PutObject/CompleteMultipartUpload, false for create/part. */
  objectCreation?: boolean;
  /** The definition's write headers (ACL, encryption, storage class). */
  writeHeaders?: boolean;
  uploadId?: boolean;
  /** The version id this run's own write returned (`null` on an unversioned bucket). */
  versionId?: boolean;
  list?: ListSends;
}

export interface CheckRow {
  id: string;
  op: Operation;
  level: CheckLevel;
  /** Relative to the backup prefix: inside it, outside it (least-privilege checks), or neither. */
  scope: 'prefix' | 'outside' | 'none';
  sends: Sends;
  /** Checks that must have been allowed for this one to run (`assume-role` only when one is assumed). */
  needs: string[];
  /** Checks that must have finished first, whatever their outcome. */
  after: string[];
  /** One line for `probes show` and the docs. */
  does: string;
  /**
   * Never sent: a configuration write a backup service performs (it would change the bucket). The runner
   * calls no adapter method for it; the check is `not-probed`, and with --explain the request it
   * describes is evaluated over the policies read (outcome `evaluated`).
   */
  evaluatedOnly?: true;
}

/** Every listing of the probe asks for at most this many keys (sent as max-keys). */
export const LIST_MAX_KEYS = 100;

const A = 'assume-role';

/** The rows, in report order. */
export const CHECKS = [
  { id: 'assume-role', op: 'assumeRole', level: 'role', scope: 'none', sends: {}, needs: [], after: [], does: 'AssumeRole into the backup role' },
  // restic `init` (minio-go BucketExists) and any client that checks the bucket first.
  { id: 'head-bucket', op: 'headBucket', level: 'bucket', scope: 'none', sends: {}, needs: [A], after: [], does: 'HeadBucket (OSS: GetBucketInfo): the bucket exists and may be used; no prefix is sent' },
  { id: 'put-object', op: 'putObject', level: 'object', scope: 'prefix', sends: { key: 'object', ifNoneMatch: true, objectCreation: true, writeHeaders: true }, needs: [A], after: [], does: 'PutObject of a new canary, never over an existing object' },
  { id: 'head-object', op: 'headObject', level: 'object', scope: 'prefix', sends: { key: 'object' }, needs: ['put-object'], after: [], does: 'HeadObject of the canary (size checked)' },
  { id: 'get-object', op: 'getObject', level: 'object', scope: 'prefix', sends: { key: 'object' }, needs: ['put-object'], after: [], does: 'GetObject of the canary (bytes verified)' },
  { id: 'list-prefix', op: 'listObjects', level: 'bucket', scope: 'prefix', sends: { list: { prefix: 'backup', delimiter: 'definition' } }, needs: [A], after: ['put-object'], does: 'ListObjectsV2 of the prefix with the definition\'s delimiter (default "/")' },
  { id: 'list-prefix-recursive', op: 'listObjects', level: 'bucket', scope: 'prefix', sends: { list: { prefix: 'backup', delimiter: 'none' } }, needs: [A], after: ['put-object'], does: 'ListObjectsV2 of the prefix without a delimiter (recursive, as rclone delete and restic check/prune list)' },
  { id: 'multipart-create', op: 'createMultipartUpload', level: 'object', scope: 'prefix', sends: { key: 'multipart', objectCreation: false, writeHeaders: true }, needs: [A], after: [], does: 'CreateMultipartUpload' },
  { id: 'multipart-upload-part-1', op: 'uploadPart', level: 'object', scope: 'prefix', sends: { key: 'multipart', objectCreation: false, uploadId: true }, needs: ['multipart-create'], after: [], does: 'UploadPart 1 (--part-size)' },
  { id: 'multipart-upload-part-2', op: 'uploadPart', level: 'object', scope: 'prefix', sends: { key: 'multipart', objectCreation: false, uploadId: true }, needs: ['multipart-create'], after: [], does: 'UploadPart 2 (small last part; not sent with --quick)' },
  { id: 'multipart-list-parts', op: 'listParts', level: 'object', scope: 'prefix', sends: { key: 'multipart', uploadId: true }, needs: ['multipart-upload-part-1', 'multipart-upload-part-2'], after: [], does: 'ListParts of the open upload' },
  { id: 'multipart-list-uploads', op: 'listMultipartUploads', level: 'bucket', scope: 'prefix', sends: { list: { prefix: 'canary', delimiter: 'none' } }, needs: ['multipart-create'], after: [], does: 'ListMultipartUploads under the prefix\'s canary folder' },
  { id: 'multipart-complete', op: 'completeMultipartUpload', level: 'object', scope: 'prefix', sends: { key: 'multipart', ifNoneMatch: true, objectCreation: true, uploadId: true }, needs: ['multipart-upload-part-1', 'multipart-upload-part-2'], after: ['multipart-list-parts', 'multipart-list-uploads'], does: 'CompleteMultipartUpload, never over an existing object' },
  { id: 'multipart-get', op: 'getObject', level: 'object', scope: 'prefix', sends: { key: 'multipart' }, needs: ['multipart-complete'], after: [], does: 'GetObject of the completed upload (bytes verified)' },
  { id: 'abort-create', op: 'createMultipartUpload', level: 'object', scope: 'prefix', sends: { key: 'aborted', objectCreation: false, writeHeaders: true }, needs: [A], after: [], does: 'CreateMultipartUpload of a second upload, to abort' },
  { id: 'multipart-abort', op: 'abortMultipartUpload', level: 'object', scope: 'prefix', sends: { key: 'aborted', uploadId: true }, needs: ['abort-create'], after: ['multipart-list-uploads'], does: 'AbortMultipartUpload' },
  { id: 'overwrite-object', op: 'putObject', level: 'object', scope: 'prefix', sends: { key: 'object', ifNoneMatch: false, objectCreation: true, writeHeaders: true }, needs: ['put-object'], after: ['head-object', 'get-object', 'list-prefix', 'list-prefix-recursive'], does: 'PutObject over this run\'s own canary (no If-None-Match)' },
  { id: 'read-missing-object', op: 'getObject', level: 'object', scope: 'prefix', sends: { key: 'missing' }, needs: [A], after: [], does: 'GetObject of a never-created key: 404 means the read is authorised' },
  { id: 'delete-object', op: 'deleteObject', level: 'object', scope: 'prefix', sends: { key: 'object' }, needs: ['put-object'], after: ['head-object', 'get-object', 'list-prefix', 'list-prefix-recursive', 'overwrite-object', 'get-object-tagging', 'get-object-acl', 'get-object-version', 'list-bucket-versions'], does: 'DeleteObject of the canary' },
  { id: 'delete-multipart-object', op: 'deleteObject', level: 'object', scope: 'prefix', sends: { key: 'multipart' }, needs: ['multipart-complete'], after: ['multipart-get'], does: 'DeleteObject of the completed upload' },
  // Versioned and Object Lock / WORM buckets (issue 13): only this run's own canary version, by id.
  { id: 'delete-object-version', op: 'deleteObjectVersion', level: 'object', scope: 'prefix', sends: { key: 'object', versionId: true }, needs: ['put-object'], after: ['head-object', 'get-object', 'list-prefix', 'list-prefix-recursive', 'overwrite-object', 'delete-object', 'get-object-tagging', 'get-object-acl', 'get-object-version', 'list-bucket-versions'], does: 'DeleteObject with the canary\'s own VersionId (s3:DeleteObjectVersion)' },
  { id: 'delete-locked-version', op: 'deleteObjectVersion', level: 'object', scope: 'prefix', sends: { key: 'object', versionId: true }, needs: ['put-object'], after: ['head-object', 'get-object', 'list-prefix', 'list-prefix-recursive', 'shorten-retention', 'get-object-tagging', 'get-object-acl', 'get-object-version', 'list-bucket-versions'], does: 'DeleteObject of the canary\'s retained version by id (GOVERNANCE: with x-amz-bypass-governance-retention: true): the lock must refuse it' },
  { id: 'shorten-retention', op: 'putObjectRetention', level: 'object', scope: 'prefix', sends: { key: 'object', versionId: true }, needs: ['put-object'], after: ['head-object', 'get-object', 'list-prefix', 'list-prefix-recursive'], does: 'PutObjectRetention to an earlier date (GOVERNANCE: with x-amz-bypass-governance-retention: true): the lock must refuse it' },
  // Least privilege: a definition expects these denied. Only keys of this run, outside the prefix.
  { id: 'write-outside-prefix', op: 'putObject', level: 'object', scope: 'outside', sends: { key: 'outside', ifNoneMatch: true, objectCreation: true, writeHeaders: true }, needs: [A], after: [], does: 'PutObject outside the prefix (removed at once if allowed)' },
  { id: 'delete-outside-prefix', op: 'deleteObject', level: 'object', scope: 'outside', sends: { key: 'outside-missing' }, needs: [A], after: [], does: 'DeleteObject of a never-created key outside the prefix' },
  { id: 'list-bucket-root', op: 'listObjects', level: 'bucket', scope: 'none', sends: { list: { prefix: 'root', delimiter: '/' } }, needs: [A], after: [], does: 'ListObjectsV2 of the bucket root with delimiter "/"' },
  { id: 'list-all-buckets', op: 'listBuckets', level: 'service', scope: 'none', sends: {}, needs: [A], after: [], does: 'ListBuckets of the account' },
  { id: 'read-bucket-policy', op: 'getBucketPolicy', level: 'bucket', scope: 'none', sends: {}, needs: [A], after: [], does: 'GetBucketPolicy (none set counts as allowed)' },
  // Reader checks of a backup source (issue 15, src/core/reader-steps.ts): read-only requests a backup
  // of the bucket makes (AWS Backup for S3, vendors), on this run's own canary and the bucket.
  { id: 'get-object-tagging', op: 'getObjectTagging', level: 'object', scope: 'prefix', sends: { key: 'object' }, needs: ['put-object'], after: [], does: 'GetObjectTagging of the canary' },
  { id: 'get-object-acl', op: 'getObjectAcl', level: 'object', scope: 'prefix', sends: { key: 'object' }, needs: ['put-object'], after: [], does: 'GetObjectAcl of the canary' },
  { id: 'get-object-version', op: 'getObjectVersion', level: 'object', scope: 'prefix', sends: { key: 'object', versionId: true }, needs: ['put-object'], after: [], does: 'GetObject of the canary with its own VersionId (s3:GetObjectVersion, OSS: oss:GetObjectVersion; skipped on an unversioned bucket)' },
  { id: 'list-bucket-versions', op: 'listObjectVersions', level: 'bucket', scope: 'prefix', sends: { list: { prefix: 'canary', delimiter: 'none' } }, needs: [A], after: ['put-object'], does: 'ListObjectVersions under the prefix\'s canary folder (the canary object is listed)' },
  { id: 'get-bucket-versioning', op: 'getBucketVersioning', level: 'bucket', scope: 'none', sends: {}, needs: [A], after: [], does: 'GetBucketVersioning' },
  { id: 'get-bucket-location', op: 'getBucketLocation', level: 'bucket', scope: 'none', sends: {}, needs: [A], after: [], does: 'GetBucketLocation' },
  { id: 'get-bucket-tagging', op: 'getBucketTagging', level: 'bucket', scope: 'none', sends: {}, needs: [A], after: [], does: 'GetBucketTagging (OSS: GetBucketTags; no tags set counts as allowed)' },
  { id: 'get-bucket-notification', op: 'getBucketNotification', level: 'bucket', scope: 'none', sends: {}, needs: [A], after: [], does: 'GetBucketNotificationConfiguration (never PutBucketNotification)' },
  { id: 'get-inventory-configuration', op: 'getInventoryConfiguration', level: 'bucket', scope: 'none', sends: {}, needs: [A], after: [], does: 'ListBucketInventoryConfigurations (s3:GetInventoryConfiguration; OSS: ListBucketInventory, oss:GetBucketInventory; never PutInventoryConfiguration)' },
  // Configuration writes AWS Backup for S3 performs (its documented S3BucketBackupPermissions grant
  // s3:PutBucketNotification and s3:PutInventoryConfiguration:
  // https://docs.aws.amazon.com/aws-backup/latest/devguide/security-iam-awsmanpol.html). Never sent: a
  // probe must not change the bucket's configuration. Evaluated with --explain only (issue 15 item 2).
  { id: 'put-bucket-notification', op: 'putBucketNotification', level: 'bucket', scope: 'none', sends: {}, needs: [A], after: [], evaluatedOnly: true, does: 'PutBucketNotificationConfiguration: never sent; evaluated with --explain only' },
  { id: 'put-inventory-configuration', op: 'putInventoryConfiguration', level: 'bucket', scope: 'none', sends: {}, needs: [A], after: [], evaluatedOnly: true, does: 'PutBucketInventoryConfiguration (s3:PutInventoryConfiguration): never sent; evaluated with --explain only' },
] as const satisfies readonly CheckRow[];

export type CheckId = (typeof CHECKS)[number]['id'];

/** Every check id, in report order. */
export const CHECK_IDS: readonly CheckId[] = CHECKS.map((c) => c.id);

/**
 * Requests the probe makes that are not checks of their own: reading the bucket's Object Lock / WORM
 * configuration before writing (issue 13), and its Object Ownership and owner (issue 15). (GetBucketVersioning and ListObjectVersions, also sent
 * before writing and in cleanup, are reader checks since issue 15: their rows give the level.)
 */
export const NOT_A_CHECK: Partial<Record<Operation, CheckLevel>> = {
  getObjectLockConfiguration: 'bucket',
  // Ownership evidence (issue 15, src/core/bucket.ts): the bucket's Object Ownership and its owner.
  getBucketOwnershipControls: 'bucket',
  getBucketAcl: 'bucket',
};

const BY_ID = new Map<string, CheckRow>(CHECKS.map((c) => [c.id, c as CheckRow]));

export function checkRow(id: string): CheckRow | undefined {
  return BY_ID.get(id);
}

/**
 * The level of an operation, from the rows that use it (every operation is used by at least one row,
 * and all rows of one operation agree: test/unit/checks.test.ts). The classifiers and the sweeper's
 * requests only know the operation.
 */
export function levelOf(op: Operation): CheckLevel {
  for (const c of CHECKS) if (c.op === op) return c.level;
  const extra = NOT_A_CHECK[op];
  if (extra) return extra;
  throw new Error(`no check row uses operation ${op}`);
}

/** Whether the request of this operation is authorised on the bucket (or account) rather than an object. */
export function isBucketLevel(op: Operation): boolean {
  const l = levelOf(op);
  return l === 'bucket' || l === 'service';
}
