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
  | 'getBucketPolicy';

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

/**
 * What a step sends, provider-neutral (see src/core/checks.ts for which check sends what). The plan
 * passes the same values to the adapter call, and the adapter turns them into the request record
 * (action, resource ARN, condition keys) that the result carries and --explain evaluates.
 */
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
  putObject(key: string, body: Buffer, write?: WriteOptions & { overwrite?: boolean }): Promise<OpMeta>;
  headObject(key: string): Promise<OpMeta & { size: number | null }>;
  /** Read the object; what comes back is its length and SHA-256, hashed as it streams in. */
  getObject(key: string): Promise<OpMeta & { read: ReadDigest }>;
  /** ListObjectsV2 of one page of LIST_MAX_KEYS keys; no delimiter is sent when it is undefined.
   * `startAfter` only moves the page (it does not change how the request is authorised). */
  listObjects(prefix: string, delimiter: string | undefined, startAfter?: string): Promise<ListResult>;
  createMultipartUpload(key: string, write?: WriteOptions): Promise<OpMeta & { uploadId: string }>;
  uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<OpMeta & { etag: string }>;
  listParts(key: string, uploadId: string): Promise<OpMeta & { parts: PartInfo[] }>;
  /** Uploads under a listing prefix (the core passes the canary folder, `<prefix>.backup-canary/`). */
  listMultipartUploads(prefix: string): Promise<UploadListing>;
  /** Complete; must never overwrite an existing object. */
  completeMultipartUpload(key: string, uploadId: string, parts: PartInfo[]): Promise<OpMeta>;
  abortMultipartUpload(key: string, uploadId: string): Promise<OpMeta>;
  deleteObject(key: string): Promise<OpMeta>;
  /** Least-privilege checks: list the buckets of the account. Optional per provider. */
  listBuckets?(): Promise<OpMeta>;
  /** Least-privilege checks: read the bucket policy (none set counts as allowed). Optional per provider. */
  getBucketPolicy?(): Promise<OpMeta>;
  /** The sweeper: every key under a prefix (paginated, no delimiter). */
  listKeys?(prefix: string): Promise<string[]>;
  /** The sweeper: every incomplete multipart upload under a prefix (paginated). */
  listAllUploads?(prefix: string): Promise<{ key: string; uploadId: string }[]>;
  /** Release sockets and timers. */
  close(): void;
}
