// Never overwrite what is not ours (issue 13, item 7): the guards around a conditional write. RGW
// ignores If-None-Match: * on CompleteMultipartUpload, and on PutObject of a versioned bucket (OSS:
// x-oss-forbid-overwrite has no effect on a versioned bucket), so the key is checked absent before a
// multipart completion, and on a versioned bucket the versions at the key are checked after a write:
// another writer's version is reported (never removed) and the check fails.

import { createHash, randomBytes } from 'node:crypto';
import type { CanaryWrite, StorageAdapter } from './adapter.js';
import { type ConditionalWrites, RequestFailure } from './model.js';
import { proves } from './removal.js';
import type { Proof, Resources } from './resources.js';
import { VerificationError } from './step.js';

export function collisionGuards(adapter: StorageAdapter, res: Resources) {
  /** HEAD before CompleteMultipartUpload: is something already at the key? 403 cannot tell (no s3:ListBucket). */
  const absent = async (key: string): Promise<{ exists: boolean; versionId?: string }> => {
    try {
      const h = await adapter.headObject(key);
      return h.versionId ? { exists: true, versionId: h.versionId } : { exists: true };
    } catch {
      return { exists: false };
    }
  };
  /** On a versioned bucket: versions at the key older than ours that this run did not write. */
  const overwrittenVersions = async (key: string, ours: string | undefined): Promise<string[]> => {
    if (!ours || ours === 'null' || !adapter.listObjectVersions) return [];
    try {
      const mine = new Set((res.record(key)?.versions ?? []).map((v) => v.versionId));
      const { versions } = await adapter.listObjectVersions(key);
      return versions.filter((v) => v.key === key && !v.deleteMarker && !mine.has(v.versionId)).map((v) => v.versionId);
    } catch {
      return [];
    }
  };
  /**
   * Versioned bucket: a conditional write that found another writer's object must have been refused
   * (412); RGW ignores If-None-Match on versioned PutObject and on CompleteMultipartUpload (OSS:
   * x-oss-forbid-overwrite has no effect on a versioned bucket), so the other object became a
   * noncurrent version. Report it (never remove it) and fail the check.
   */
  const noOverwrite = async (key: string, ours: string | undefined, request: string) => {
    const overwritten = await overwrittenVersions(key, ours);
    if (!overwritten.length) return;
    for (const v of overwritten) {
      res.noteForeign({ key, versionId: v, why: `another writer's version at the canary key (the store ignored If-None-Match: * on ${request}): left untouched` });
    }
    throw new VerificationError(
      `the store ignored If-None-Match: * on ${request}: the object another writer created at ${key} is now a noncurrent version (${overwritten.join(', ')}), left untouched; on an unversioned bucket it would have been lost`,
    );
  };
  return { absent, noOverwrite };
}

/** The measuring objects' size: a few bytes each (a single part may be smaller than 5 MiB). */
const TINY = 16;

export interface MeasureContext {
  adapter: StorageAdapter;
  res: Resources;
  runId: string;
  /** This run's folder, `<prefix>.backup-canary/<run-id>/`. */
  root: string;
  /** The definition's write headers and the canary marker. */
  write: CanaryWrite;
  /** SSE-KMS: the ETag is not the MD5 of the bytes, so the proof compares marker and size only. */
  kms: boolean;
}

/**
 * Does the store honour If-None-Match: * (OSS x-oss-forbid-overwrite) on CompleteMultipartUpload for
 * this bucket? Amazon S3 answers 412 Precondition Failed when the key exists ("Uploads the object only
 * if the object key name does not already exist in the bucket specified. Otherwise, Amazon S3 returns
 * a 412 Precondition Failed error" - https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html); Ceph RGW Pacific
 * completes and overwrites (notes/ceph-rgw.md).
 *
 * Measured on this run's own keys only, and never over anything else:
 * 1. PutObject (If-None-Match: *) of 16 bytes at a fresh key of this run's folder whose name carries 48
 *    random bits of its own (`conditional-<hex>.bin`): no one can know the name before this request;
 * 2. CreateMultipartUpload and one 16-byte UploadPart at that key;
 * 3. HEAD: the object there must be the one step 1 wrote (marker, size, ETag), else nothing is completed;
 * 4. CompleteMultipartUpload with If-None-Match: *. 412 (409 FileAlreadyExists on OSS): honoured, the
 *    upload is aborted. 200: ignored; the object is now the measuring upload's 16 bytes (HEAD proves it).
 * Every object and upload goes into the ledger, so cleanup removes exactly them (a leftover is reported).
 * What remains possible: a writer that writes this fresh key in the one round trip between the HEAD of
 * step 3 and the completion, on a store that ignores the header. That writer would have to learn the
 * name from this run's own requests and write into this run's folder; the check says so.
 */
export async function measureConditionalComplete(c: MeasureContext): Promise<ConditionalWrites> {
  const { adapter: a, res } = c;
  const key = `${c.root}conditional-${randomBytes(6).toString('hex')}.bin`;
  const first = randomBytes(TINY);
  const put: Proof = { runId: c.runId, size: TINY, etag: c.kms ? null : createHash('md5').update(first).digest('hex') };
  const unknown = (why: string): ConditionalWrites => ({ completeMultipartUpload: 'unknown', why });
  res.pending(key, put);
  try {
    res.created(key, await a.putObject(key, first, c.write), put);
  } catch (e) {
    res.failedCreate(key, e);
    return unknown(`not measured: the PutObject of the measuring object ${key} ${refused(e)}`);
  }
  let uploadId: string;
  try {
    uploadId = (await a.createMultipartUpload(key, c.write)).uploadId;
    res.uploadStarted(key, uploadId);
  } catch (e) {
    return unknown(`not measured: CreateMultipartUpload at ${key} ${refused(e)}`);
  }
  const second = randomBytes(TINY);
  const abort = () => a.abortMultipartUpload(key, uploadId).then(() => res.uploadEnded(uploadId), () => undefined);
  let etag: string;
  try {
    etag = (await a.uploadPart(key, uploadId, 1, second)).etag;
  } catch (e) {
    await abort();
    return unknown(`not measured: UploadPart at ${key} ${refused(e)}`);
  }
  // Step 3: complete only over this run's own object.
  const before = await a.headObject(key).catch((e: unknown) => e);
  const notOurs = before instanceof Error ? `HEAD ${refused(before)}` : proves(before as Parameters<typeof proves>[0], put);
  if (notOurs) {
    await abort();
    if (!(before instanceof Error)) res.disown(key);
    return unknown(`not measured: the object at ${key} is not (or not proved to be) the one this run wrote (${notOurs}); nothing was completed over it`);
  }
  const mpu: Proof = { runId: c.runId, size: TINY, etag: c.kms ? null : `${createHash('md5').update(createHash('md5').update(second).digest()).digest('hex')}-1` };
  res.pending(key, mpu);
  try {
    const w = await a.completeMultipartUpload(key, uploadId, [{ partNumber: 1, etag, size: TINY }]);
    res.uploadEnded(uploadId);
    res.created(key, w, mpu);
  } catch (e) {
    if (e instanceof RequestFailure && (e.denial.httpStatus === 412 || e.denial.code === 'PreconditionFailed' || e.denial.code === 'FileAlreadyExists')) {
      await abort();
      // the object at the key is still the one step 1 wrote
      res.created(key, {}, put);
      return { completeMultipartUpload: 'honoured', why: `CompleteMultipartUpload with If-None-Match: * over this run's own object ${key} was refused (${e.denial.code} ${e.denial.httpStatus ?? ''}`.trimEnd() + '): the store refuses to complete over an existing object' };
    }
    await abort();
    // which object is at the key now decides what cleanup may remove: the one step 1 wrote, the
    // measuring upload's, or (neither proved) nothing, reported
    const h = await a.headObject(key).catch(() => null);
    if (h && !proves(h, put)) res.created(key, {}, put);
    else if (h && !proves(h, mpu)) res.created(key, {}, mpu);
    else res.failedCreate(key, e);
    return unknown(`CompleteMultipartUpload with If-None-Match: * over this run's own object ${key} ${refused(e)}: neither refused as a precondition nor completed`);
  }
  const after = await a.headObject(key).catch(() => null);
  const other = after ? proves(after, mpu) : null;
  if (after && other) {
    // not the measuring upload: another writer's object got there; never removed
    res.disown(key);
    res.noteForeign({ key, why: `an object at this run's measuring key that is not this run's (${other}): left untouched` });
  }
  const replaced = after !== null && !other;
  return {
    completeMultipartUpload: 'ignored',
    why: `CompleteMultipartUpload with If-None-Match: * over this run's own object ${key} succeeded${replaced ? ' and replaced it (HEAD shows the measuring upload)' : ''}: the store ignores the header on CompleteMultipartUpload for this bucket`,
  };
}

function refused(e: unknown): string {
  if (e instanceof RequestFailure) return `was ${e.kind === 'denied' ? 'denied' : 'refused'} (${e.denial.code}${e.denial.httpStatus ? ` ${e.denial.httpStatus}` : ''})`;
  return `failed (${e instanceof Error ? e.message : String(e)})`;
}
