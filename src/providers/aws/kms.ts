// The KMS calls S3 makes on the caller's behalf when the probe's writes use SSE-KMS (definition
// `sse: aws:kms`), as requests the evaluator can judge against the key policy (--kms-key-policy).
// "Using server-side encryption with AWS KMS keys (SSE-KMS)" and "Multipart upload API and
// permissions" (Amazon S3 User Guide, UsingKMSEncryption / mpuoverview#mpuAndPermissions; the
// CreateMultipartUpload API reference): an upload needs kms:GenerateDataKey on the key; a
// download of the encrypted object, and the parts and completion of an encrypted multipart upload,
// need kms:Decrypt (../shared/notes/denial-evidence.md, "KMS via S3"). SDK-free.

import { checkRow } from '../../core/checks.js';
import type { CheckResult } from '../../core/model.js';
import type { NamedPolicy, UnreadPolicy } from '../../explain/types.js';

const SSE = 's3:x-amz-server-side-encryption';
const KEY = 's3:x-amz-server-side-encryption-aws-kms-key-id';

/** What this run's writes asked for: SSE-KMS, with the key id they named (null: the bucket's default / aws/s3). */
export interface KmsWrites {
  keyId: string | null;
}

function usesKms(c: CheckResult): boolean {
  const v = c.request?.context[SSE];
  return typeof v === 'string' && /^aws:kms/.test(v);
}

function sendsSse(c: CheckResult): boolean {
  return typeof c.request?.context[SSE] === 'string';
}

/** The run's SSE-KMS writes, from the requests its checks sent; null when no write asked for SSE-KMS. */
export function kmsWrites(checks: CheckResult[]): KmsWrites | null {
  const w = checks.find(usesKms);
  if (!w) return null;
  const key = w.request?.context[KEY];
  return { keyId: typeof key === 'string' ? key : null };
}

/**
 * For a run whose writes use SSE-KMS (kmsWrites): the KMS action S3 calls for this check, or null
 * when it calls none: writes that asked for SSE-KMS
 * need kms:GenerateDataKey; parts and completion of this run's multipart uploads, and reads of the
 * objects this run wrote, need kms:Decrypt. A key that was never written (read-missing-object) and
 * HEAD/list/delete requests call no KMS action.
 */
export function kmsActionOf(check: CheckResult, bucketDefault = false): string | null {
  const row = checkRow(check.id);
  if (!row || !check.request) return null;
  // with the bucket's default SSE-KMS, a write that sends no encryption header is encrypted with its key
  if (row.op === 'putObject' || row.op === 'createMultipartUpload') return usesKms(check) || (bucketDefault && !sendsSse(check)) ? 'kms:GenerateDataKey' : null;
  if (row.op === 'uploadPart' || row.op === 'completeMultipartUpload') return 'kms:Decrypt';
  if (row.op === 'getObject' && (row.sends.key === 'object' || row.sends.key === 'multipart')) return 'kms:Decrypt';
  return null;
}

/**
 * The key's ARN as KMS authorises it: the key id the writes named, if it is a key ARN, or a key id
 * completed with the region and the role's account (where S3 looks it up). An alias, or no key id
 * (the bucket's default key or aws/s3), leaves the key unknown: null.
 */
export function kmsKeyArn(keyId: string | null, partition: string, region: string | null, account: string | null): string | null {
  if (!keyId) return null;
  if (/^arn:[^:]+:kms:[^:]+:\d{12}:key\/.+$/.test(keyId)) return keyId;
  if (/^(mrk-)?[0-9a-f-]{32,36}$/i.test(keyId) && region && account) return `arn:${partition}:kms:${region}:${account}:key/${keyId}`;
  return null;
}

/** GetBucketEncryption's answer (kms-read.ts): the default rule's algorithm and key id, or why it was not read. */
export type BucketEncryptionRead = { read: true; algorithm: string | null; keyId: string | null } | { read: false; why: string };
/** kms:GetKeyPolicy's answer: the policy document, or why it was not read. */
export type KeyPolicyRead = { document: string } | { why: string };

/** What --explain read for the KMS layer (AwsExplainer.readKms). */
export interface KmsRead {
  /** The bucket's default encryption (read when the writes do not name their key). */
  encryption?: BucketEncryptionRead;
  /** The key whose policy kms:GetKeyPolicy asked for, and its answer. */
  keyPolicy?: { keyId: string; read: KeyPolicyRead };
  /** Why kms:GetKeyPolicy was not called. */
  notCalled?: string;
}

/** The KMS key that decides this run's writes. `keyId` null: the AWS managed key aws/s3 (not known here). */
export interface DecidingKey {
  keyId: string | null;
  /** `writes`: the definition's sse/kms-key-id; `bucket-default`: the bucket's default encryption. */
  from: 'writes' | 'bucket-default';
}

/**
 * The key whose policy decides, or null when no KMS call is made: the key the writes named (definition
 * `sse: aws:kms`, `kms-key-id`); writes with SSE-KMS and no key id use aws/s3 ("PutObject": without
 * x-amz-server-side-encryption-aws-kms-key-id S3 uses the AWS managed key); writes without SSE
 * use the bucket's default encryption, a KMS key when its SSEAlgorithm is aws:kms or aws:kms:dsse.
 */
export function decidingKey(writes: KmsWrites | null, enc: BucketEncryptionRead | undefined): DecidingKey | null {
  if (writes) return { keyId: writes.keyId, from: 'writes' };
  if (enc?.read && enc.algorithm && /^aws:kms/.test(enc.algorithm)) return { keyId: enc.keyId, from: 'bucket-default' };
  return null;
}

/** Whether kms:GetKeyPolicy can name this key: a key id or key ARN ("GetKeyPolicy": KeyId; aliases are not accepted). */
export function keyPolicyReadable(keyId: string): boolean {
  return !/^(arn:[^:]+:kms:[^:]*:\d*:)?alias\//.test(keyId);
}

/** The KMS key-policy layer of a run whose writes use SSE-KMS. */
export interface KmsLayer {
  /** The key's ARN; null when the key is not known (no kms-key-id, or an alias). */
  keyArn: string | null;
  policy: NamedPolicy | null;
  unread?: UnreadPolicy;
  /** Where the key came from. */
  from: DecidingKey['from'];
}

/**
 * The layer: the --kms-key-policy file wins; else the policy kms:GetKeyPolicy returned; else an
 * unread entry naming the key policy, why it was not read, and what would read it.
 */
export function kmsLayer(key: DecidingKey, keyArn: string | null, file: NamedPolicy | null, read: KmsRead | undefined): KmsLayer {
  const base = { keyArn, from: key.from };
  if (file) return { ...base, policy: file };
  const got = read?.keyPolicy;
  if (got && 'document' in got.read) return { ...base, policy: { name: `kms-key-policy:${keyArn ?? got.keyId}`, document: got.read.document } };
  const label = keyArn ?? (key.keyId ? `the key ${key.keyId}` : key.from === 'bucket-default' ? 'the bucket\'s default SSE-KMS key' : 'the AWS managed key aws/s3');
  const why = got && 'why' in got.read ? got.read.why : (read?.notCalled ?? 'kms:GetKeyPolicy was not called');
  const target = keyArn ?? key.keyId;
  return {
    ...base,
    policy: null,
    unread: {
      slot: 'kms',
      policy: `kms-key-policy of ${label}`,
      why,
      readWith: `kms:GetKeyPolicy${target ? ` on ${target}` : ''} for the explain credentials (--explain-profile; endpoint AWS_ENDPOINT_URL_KMS), or --kms-key-policy FILE (e.g. from aws kms get-key-policy --policy-name default)`,
    },
  };
}
