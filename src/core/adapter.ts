// The one interface a cloud provider implements. The runner knows nothing else about a cloud.
// Every method throws RequestFailure (see model.ts) when the service refuses or cannot be reached.

import type { Identity, RequestRecord } from './model.js';

/** Provider-neutral names of the requests a probe makes. */
export type Operation =
  | 'assumeRole'
  | 'headBucket'
  | 'putObject'
  | 'headObject'
  | 'getObject'
  | 'listObjects'
  | 'createMultipartUpload'
  | 'uploadPart'
  | 'listParts'
  | 'listMultipartUploads'
  | 'completeMultipartUpload'
  | 'abortMultipartUpload'
  | 'deleteObject'
  | 'listBuckets'
  | 'getBucketPolicy'
  | 'getBucketVersioning'
  | 'getObjectLockConfiguration'
  | 'listObjectVersions'
  | 'deleteObjectVersion'
  | 'putObjectRetention'
  // Reader checks of a backup source (issue 15): read-only requests on the canary and the bucket.
  | 'getObjectTagging'
  | 'getObjectAcl'
  | 'getObjectVersion'
  | 'getBucketLocation'
  | 'getBucketTagging'
  | 'getBucketNotification'
  | 'getInventoryConfiguration'
  // Ownership evidence (issue 15): read once like versioning and lock, not checks of their own.
  | 'getBucketOwnershipControls'
  | 'getBucketAcl'
  // Configuration writes (issue 15): never sent, so no StorageAdapter method; evaluated with --explain.
  | 'putBucketNotification'
  | 'putInventoryConfiguration';

export interface OpMeta {
  /** SDK retries before the answer (attempts - 1). */
  retries: number;
}

export interface ListResult extends OpMeta {
  keys: string[];
  commonPrefixes: string[];
}

export interface UploadListing extends OpMeta {
  uploads: { key: string; uploadId: string }[];
}

/** What a read returned: its length and SHA-256 (the bytes themselves are not kept). */
export interface ReadDigest {
  size: number;
  sha256: string;
}

export interface PartInfo {
  partNumber: number;
  etag: string;
  size?: number;
}

/** Headers a backup tool sends on writes, from the probe definition's options. */
export interface WriteOptions {
  /** Canned ACL header, e.g. `bucket-owner-full-control`. */
  acl?: string;
  /** Server-side encryption, e.g. `aws:kms` or `AES256` (OSS: `KMS`, `AES256`). */
  sse?: string;
  kmsKeyId?: string;
  storageClass?: string;
}

/** What a write returned: the version it created (versioned buckets) and its ETag. */
export interface WriteMeta extends OpMeta {
  /** The new version's id (`null` on a suspended bucket is the string "null"); absent when unversioned. */
  versionId?: string;
  etag?: string;
}

/** What a delete without a version id returned: on a versioned bucket, the delete marker it created. */
export interface DeleteMeta extends OpMeta {
  deleteMarker?: boolean;
  versionId?: string;
}

/** What HEAD returned: size, and (when the store says) version, ETag, user metadata and retention. */
export interface HeadMeta extends OpMeta {
  size: number | null;
  versionId?: string;
  etag?: string;
  /** User metadata, lower-case names without the `x-amz-meta-` / `x-oss-meta-` prefix. */
  metadata?: Record<string, string>;
  /** Object Lock retention of this version (S3), ISO time. */
  retainUntil?: string;
  lockMode?: string;
}

export type VersioningStatus = 'Enabled' | 'Suspended' | 'Off';

/** Object Lock (S3) or a WORM retention policy (OSS) of the bucket. */
export interface ObjectLockInfo {
  enabled: boolean;
  /** `COMPLIANCE` / `GOVERNANCE` (S3 default retention), `WORM` (OSS retention policy); null: none. */
  mode: string | null;
  /** Default retention in days (S3 Years are converted at 365 days); null: none. */
  days: number | null;
  /** OSS: `InProgress` or `Locked`. */
  state?: string;
}

export interface ObjectVersion {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  size?: number;
  etag?: string;
  lastModified?: string;
}

/** The bucket's Object Ownership setting (S3 GetBucketOwnershipControls). */
export type ObjectOwnershipSetting = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';

/** The owner an ACL document names: the canonical id (and the display name, where the store still sends one). */
export interface AclOwner {
  id: string;
  displayName?: string;
}

/** What an ownership read returned; `unanswered`: the store answered another document (it does not implement the request). */
export interface OwnershipAnswer extends OpMeta {
  /** null: the bucket has no ownership setting stored (S3: OwnershipControlsNotFoundError). */
  setting: ObjectOwnershipSetting | null;
  unanswered?: string;
}

export interface OwnerAnswer extends OpMeta {
  /** null: the ACL document named no owner. */
  owner: AclOwner | null;
  unanswered?: string;
}

/**
 * The ownership reads made with the owner's credentials (the --explain credentials, or the source
 * credentials the probe itself uses with --no-assume), for what the probed role may not read.
 */
export interface OwnerReads {
  /** Whose credentials these are, as the report names them (e.g. `the --explain-profile "admin" credentials`). */
  readonly as: string;
  getBucketOwnershipControls(): Promise<OwnershipAnswer>;
  getBucketOwner(): Promise<OwnerAnswer>;
  getObjectOwner(key: string): Promise<OwnerAnswer>;
}

/** A provider's documented texts for an ownership denial (data: src/providers/<p>/ownership.ts). */
export interface OwnershipRemedy {
  /** The setting that makes the bucket owner own every object, e.g. BucketOwnerEnforced. */
  setting: ObjectOwnershipSetting;
  /** The request that applies it, e.g. PutBucketOwnershipControls, and the action it needs. */
  request: string;
  action: string;
  /** The change in one sentence. */
  change: string;
  /** What the change breaks, one sentence each. */
  breaks: string[];
  /** The documentation pages the texts are taken from. */
  docs: string[];
}

/** Headers a write of a canary carries besides the definition's options. */
export interface CanaryWrite extends WriteOptions {
  /** User metadata: the canary marker `backup-canary-run: <run id>`. */
  metadata?: Record<string, string>;
}

/** The canary marker's metadata name (`x-amz-meta-backup-canary-run`, `x-oss-meta-backup-canary-run`). */
export const CANARY_MARKER = 'backup-canary-run';

/**
 * What a step sends, provider-neutral (see src/core/checks.ts for which check sends what). The plan
 * passes the same values to the adapter call, and the adapter turns them into the request record
 * (action, resource ARN, condition keys) that the result carries and --explain evaluates.
 */
/** The lock proofs on a GOVERNANCE retention: send the bypass header (S3 x-amz-bypass-governance-retention: true). */
export interface LockBypass {
  bypassGovernance?: boolean;
}

export interface SentRequest {
  key?: string;
  /** Listings: the prefix sent (`''` for the bucket root). */
  prefix?: string;
  /** Listings: the delimiter, when one is sent. */
  delimiter?: string;
  maxKeys?: number;
  /** `If-None-Match: *` (S3) / `x-oss-forbid-overwrite: true` (OSS). */
  ifNoneMatch?: boolean;
  /** s3:ObjectCreationOperation. */
  objectCreation?: boolean;
  write?: WriteOptions;
  /** S3 `x-amz-bypass-governance-retention: true` (the lock proofs on a GOVERNANCE retention). */
  bypassGovernance?: boolean;
}

export interface StorageAdapter {
  /** e.g. 'aws' or 'alibaba'. */
  readonly provider: string;
  /** The IAM/RAM action name each operation is authorised as (`s3:PutObject`, `oss:PutObject`, ...). */
  readonly actions: Record<Operation, string>;
  /** Who we are: filled in by assumeRole. */
  identity(): Identity;
  /** The request record of what a step sent: its action, resource ARN and the condition keys it set. */
  describeRequest(op: Operation, sent: SentRequest): RequestRecord;
  /** Assume the role (or, with no role, just load the source credentials). */
  assumeRole(): Promise<OpMeta>;
  /** Create the object; never overwrites (conditional create) unless `overwrite` is set, which the
   * plan does only on a key this run created. */
  /** Does the bucket exist and may we use it: S3 HeadBucket (s3:ListBucket, no prefix), OSS GetBucketInfo. */
  headBucket(): Promise<OpMeta>;
  putObject(key: string, body: Buffer, write?: CanaryWrite & { overwrite?: boolean }): Promise<WriteMeta>;
  /** HEAD the object (or, with `versionId`, that version). */
  headObject(key: string, versionId?: string): Promise<HeadMeta>;
  /** Read the object; what comes back is its length and SHA-256, hashed as it streams in. */
  getObject(key: string): Promise<OpMeta & { read: ReadDigest }>;
  /** ListObjectsV2 of one page of LIST_MAX_KEYS keys; no delimiter is sent when it is undefined.
   * `startAfter` only moves the page (it does not change how the request is authorised). */
  listObjects(prefix: string, delimiter: string | undefined, startAfter?: string): Promise<ListResult>;
  createMultipartUpload(key: string, write?: CanaryWrite): Promise<OpMeta & { uploadId: string }>;
  uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<OpMeta & { etag: string }>;
  listParts(key: string, uploadId: string): Promise<OpMeta & { parts: PartInfo[] }>;
  /** Uploads under a listing prefix (the core passes the canary folder, `<prefix>.backup-canary/`). */
  listMultipartUploads(prefix: string): Promise<UploadListing>;
  /** Complete; must never overwrite an existing object. */
  completeMultipartUpload(key: string, uploadId: string, parts: PartInfo[]): Promise<WriteMeta>;
  abortMultipartUpload(key: string, uploadId: string): Promise<OpMeta>;
  deleteObject(key: string): Promise<DeleteMeta>;
  /** Least-privilege checks: list the buckets of the account. Optional per provider. */
  listBuckets?(): Promise<OpMeta>;
  /** Least-privilege checks: read the bucket policy (none set counts as allowed). Optional per provider. */
  getBucketPolicy?(): Promise<OpMeta>;
  /** The sweeper: every key under a prefix (paginated, no delimiter). */
  listKeys?(prefix: string): Promise<string[]>;
  /** The sweeper: every incomplete multipart upload under a prefix (paginated). */
  listAllUploads?(prefix: string): Promise<{ key: string; uploadId: string }[]>;
  /** The bucket's versioning status (S3 GetBucketVersioning, OSS GetBucketVersioning). */
  getBucketVersioning?(): Promise<OpMeta & { status: VersioningStatus }>;
  /** S3 GetObjectLockConfiguration, OSS GetBucketWorm. */
  getObjectLockConfiguration?(): Promise<OpMeta & { lock: ObjectLockInfo }>;
  /** Every version and delete marker under a prefix (paginated). */
  listObjectVersions?(prefix: string): Promise<OpMeta & { versions: ObjectVersion[] }>;
  /**
   * Delete one version (or delete marker) by id. Cleanup never bypasses a governance retention; only
   * the lock proofs (src/core/lock-steps.ts) ask for `bypassGovernance` (S3 x-amz-bypass-governance-retention: true).
   */
  deleteObjectVersion?(key: string, versionId: string, opts?: LockBypass): Promise<OpMeta>;
  /** S3 PutObjectRetention on one version (with the governance bypass header only when asked). */
  putObjectRetention?(key: string, versionId: string, mode: string, retainUntil: Date, opts?: LockBypass): Promise<OpMeta>;
  // Reader checks of a backup source (src/core/reader-steps.ts). Optional per provider: a provider
  // whose service documents no equivalent has no method and no action name (its actions entry is '').
  /** S3 GetObjectTagging, OSS GetObjectTagging (no version id: the current version). */
  getObjectTagging?(key: string): Promise<OpMeta & { unanswered?: string }>;
  /** S3 GetObjectAcl, OSS GetObjectACL; `owner`: the object's owner the ACL names. */
  getObjectAcl?(key: string): Promise<OpMeta & { unanswered?: string; owner?: AclOwner | null }>;
  /** GetObject of one version by id (s3:GetObjectVersion); the bytes are hashed as they stream in. */
  getObjectVersion?(key: string, versionId: string): Promise<OpMeta & { read: ReadDigest }>;
  getBucketLocation?(): Promise<OpMeta & { unanswered?: string }>;
  /** "Not configured" (NoSuchTagSet) counts as an answer: the request was authorised. */
  getBucketTagging?(): Promise<OpMeta & { unanswered?: string }>;
  /** `unanswered`: the store answered something else than the configuration (it does not implement it). */
  getBucketNotification?(): Promise<OpMeta & { unanswered?: string }>;
  /** S3 ListBucketInventoryConfigurations (authorised as s3:GetInventoryConfiguration). */
  getInventoryConfiguration?(): Promise<OpMeta & { unanswered?: string }>;
  // Ownership evidence (src/core/bucket.ts, src/core/ownership.ts). Optional per provider.
  /** S3 GetBucketOwnershipControls (s3:GetBucketOwnershipControls). */
  getBucketOwnershipControls?(): Promise<OwnershipAnswer>;
  /** The bucket owner, from the bucket's ACL document (S3 GetBucketAcl, s3:GetBucketAcl). */
  getBucketOwner?(): Promise<OwnerAnswer>;
  /** The same reads with the owner's credentials, when this run has them; null: it has none. */
  ownerReads?(): OwnerReads | null;
  /** The provider's documented remedy for a read refused because another account owns the object. */
  readonly ownershipRemedy?: OwnershipRemedy;
  /** The store's lock needs versioning (S3 Object Lock): a write without a version id means no lock. */
  readonly lockNeedsVersioning?: boolean;
  /** Release sockets and timers. */
  close(): void;
}
