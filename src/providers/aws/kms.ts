// The KMS calls S3 makes on the caller's behalf when the probe's writes use SSE-KMS (definition
// `sse: aws:kms`), as requests the evaluator can judge against the key policy (--kms-key-policy).
// "Using server-side encryption with AWS KMS keys (SSE-KMS)" and "Multipart upload API and
// permissions" (Amazon S3 User Guide, UsingKMSEncryption / mpuoverview#mpuAndPermissions; the
// CreateMultipartUpload API reference): an upload needs kms:GenerateDataKey on the key; a
// download of the encrypted object, and the parts and completion of an encrypted multipart upload,
// need kms:Decrypt (../shared/notes/denial-evidence.md, "KMS via S3"). SDK-free.

import { checkRow } from '../../core/checks.js';
import type { CheckResult } from '../../core/model.js';

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
export function kmsActionOf(check: CheckResult): string | null {
  const row = checkRow(check.id);
  if (!row || !check.request) return null;
  if (row.op === 'putObject' || row.op === 'createMultipartUpload') return usesKms(check) ? 'kms:GenerateDataKey' : null;
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
