// The probe plan: what a backup does, as checks with dependencies. Provider-neutral: each step calls
// the StorageAdapter and records what it created so cleanup can remove exactly that and nothing else.

import { createHash } from 'node:crypto';
import { CANARY_MARKER, type CanaryWrite, type Operation, type PartInfo, type ReadDigest, type StorageAdapter, type WriteOptions } from './adapter.js';
import { BucketFacts } from './bucket.js';
import { canaryBody, canaryFolder, canaryRoot, CANARY_DIR, sha256, sharedCanaryBody, type CanaryBody } from './canary.js';
import { RequestFailure, UsageError, type Expectation } from './model.js';
import { proves } from './removal.js';
import { type Proof, Resources } from './resources.js';
import { lockSteps } from './lock-steps.js';
import { SkipStep, type Step, type StepOutput, VerificationError } from './step.js';

export { SkipStep, VerificationError, type Step, type StepOutput } from './step.js';

export interface Plan {
  runId: string;
  root: string;
  steps: Step[];
  resources: Resources;
  /** Versioning and Object Lock of the bucket, read by the first write step. */
  bucket: BucketFacts;
  /** A definition that requires deletes (or aborts) to be denied expects its canaries to stay. */
  leftoversExpected: { objects: boolean; uploads: boolean };
}

export interface PlanOptions {
  prefix: string;
  runId: string;
  partSize: number;
  /** Whether the user (or the definition) chose the part size; if not, Object Lock buckets get one small part. */
  partSizeSet?: boolean;
  /** One small part instead of a part-size part plus a small one. */
  quick: boolean;
  /** Whether to assume a role first (false: the source credentials are probed directly). */
  assume: boolean;
  /** Expectations by check id; checks absent from the map are not run. */
  expectations: Record<string, Expectation>;
  /** Headers sent on writes (ACL, encryption, storage class), from the probe definition. */
  write?: WriteOptions;
  /** How to list: with prefix and delimiter `/` (most backup tools), or the prefix alone. */
  listStyle?: 'prefix-delimiter' | 'plain';
}

/** Every check the plan knows, in report order. */
export const CHECK_IDS = [
  'assume-role',
  'put-object',
  'head-object',
  'get-object',
  'list-prefix',
  'multipart-create',
  'multipart-upload-part-1',
  'multipart-upload-part-2',
  'multipart-list-parts',
  'multipart-list-uploads',
  'multipart-complete',
  'multipart-get',
  'abort-create',
  'multipart-abort',
  'overwrite-object',
  'read-missing-object',
  'delete-object',
  'delete-multipart-object',
  // Versioned buckets: delete the canary's own version by id (s3:DeleteObjectVersion).
  'delete-object-version',
  // Object Lock / WORM: the lock must refuse these (a definition expects them denied).
  'delete-locked-version',
  'shorten-retention',
  // Least privilege: a definition expects these denied. Only keys of this run, outside the prefix.
  'write-outside-prefix',
  'delete-outside-prefix',
  'list-bucket-root',
  'list-all-buckets',
  'read-bucket-policy',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

const SMALL = 64 * 1024;

export function buildPlan(adapter: StorageAdapter, o: PlanOptions): Plan {
  const root = canaryRoot(o.prefix, o.runId);
  const res = new Resources();
  const objectKey = `${root}object.bin`;
  const mpuKey = `${root}multipart.bin`;
  const abortKey = `${root}aborted.bin`;
  const missingKey = `${root}never-created.bin`;
  // Outside the prefix: the bucket root's canary folder, under this run's id (never a real object).
  const outsideRoot = `${CANARY_DIR}${o.runId}/`;
  const outsideKey = `${outsideRoot}outside-prefix.bin`;
  const bucket = new BucketFacts(adapter);
  const w: CanaryWrite = { ...(o.write ?? {}), metadata: { [CANARY_MARKER]: o.runId } };
  const delimiter = o.listStyle === 'plain' ? '' : '/';
  const body = canaryBody(SMALL);
  // With --quick one small part. On an Object Lock / WORM bucket (or one whose lock cannot be read)
  // every completed version stays until its retention ends: unless the part size was chosen, both
  // parts are small and the upload is completed with part 1 only (CompleteMultipartUpload may list a
  // subset of the uploaded parts; a single part may be smaller than 5 MiB), so 64 KiB stays.
  const two = !o.quick && o.expectations['multipart-upload-part-2'] !== undefined;
  let small: boolean | null = null;
  const smallParts = async () => {
    if (small === null) {
      await bucket.read();
      small = o.quick || (!o.partSizeSet && bucket.mayRetain() && bucket.locked());
    }
    return small;
  };
  let part1: CanaryBody | null = null;
  const part2 = two ? canaryBody(SMALL) : null;
  let choosing: Promise<CanaryBody> | null = null;
  // Memoized as a promise: parts 1 and 2 run concurrently and must see the same body.
  const firstPart = () => (choosing ??= smallParts().then((sm) => (part1 = sm ? canaryBody(SMALL) : sharedCanaryBody(o.partSize))));
  /** The parts CompleteMultipartUpload names, and the digest, size and ETag of the object they make. */
  const completed = () => {
    if (!part1) throw new VerificationError('part 1 was not uploaded');
    const used = small || !part2 ? [part1] : [part1, part2];
    const md5s = used.map((b) => createHash('md5').update(b.bytes).digest());
    return {
      numbers: used.map((_, i) => i + 1),
      digest: used.length === 1 ? used[0]!.sha256 : sha256(...used.map((b) => b.bytes)),
      size: used.reduce((n, b) => n + b.bytes.length, 0),
      etag: `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${used.length}`,
    };
  };
  const kms = Boolean(w.sse && /kms/i.test(w.sse));
  const proofOf = (b: Buffer): Proof => ({ runId: o.runId, size: b.length, etag: kms ? null : createHash('md5').update(b).digest('hex') });
  let uploadId = '';
  let abortUploadId = '';
  const parts: PartInfo[] = [];

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
   * (412); RGW ignores If-None-Match on versioned PutObject and on CompleteMultipartUpload, so the
   * other object became a noncurrent version. Report it (never remove it) and fail the check.
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

  const all: Step[] = [];
  const add = (id: CheckId, op: Operation, needs: CheckId[], after: CheckId[], run: () => Promise<StepOutput>) => {
    all.push({ id, op, expect: o.expectations[id] ?? 'allow', needs, after, run });
  };
  const A: CheckId[] = o.assume ? ['assume-role'] : [];

  if (o.assume) add('assume-role', 'assumeRole', [], [], async () => adapter.assumeRole());

  add('put-object', 'putObject', A, [], async () => {
    await bucket.read();
    res.pending(objectKey, proofOf(body.bytes));
    try {
      const r = await adapter.putObject(objectKey, body.bytes, w);
      res.created(objectKey, r);
      await noOverwrite(objectKey, r.versionId, 'PutObject');
      return { retries: r.retries, key: objectKey };
    } catch (e) {
      res.failedCreate(objectKey, e);
      throw e;
    }
  });
  add('head-object', 'headObject', ['put-object'], [], async () => {
    const r = await adapter.headObject(objectKey);
    if (r.size !== null && r.size !== body.bytes.length) {
      throw new VerificationError(`HEAD reports ${r.size} bytes, the canary has ${body.bytes.length}`);
    }
    return { retries: r.retries, key: objectKey };
  });
  add('get-object', 'getObject', ['put-object'], [], async () => {
    const r = await adapter.getObject(objectKey);
    verifyBytes(r.read, body.bytes.length, body.sha256);
    return { retries: r.retries, key: objectKey };
  });
  add('list-prefix', 'listObjects', A, ['put-object'], async () => {
    const r = await adapter.listObjects(o.prefix, delimiter);
    const want = `${o.prefix}${CANARY_DIR}`;
    if (res.isCreated(objectKey) && !r.commonPrefixes.includes(want) && !r.keys.some((k) => k.startsWith(want))) {
      throw new VerificationError(`the listing of "${o.prefix}" does not show the canary folder "${want}"`);
    }
    return { retries: r.retries, key: o.prefix };
  });

  add('multipart-create', 'createMultipartUpload', A, [], async () => {
    await bucket.read();
    const r = await adapter.createMultipartUpload(mpuKey, w);
    uploadId = r.uploadId;
    res.uploadStarted(mpuKey, uploadId);
    return { retries: r.retries, key: mpuKey, uploadId };
  });
  const uploadPart = (n: number, bytes: () => Promise<Buffer>) => async () => {
    const b = await bytes();
    const r = await adapter.uploadPart(mpuKey, uploadId, n, b);
    parts.push({ partNumber: n, etag: r.etag, size: b.length });
    return { retries: r.retries, key: mpuKey, uploadId };
  };
  add('multipart-upload-part-1', 'uploadPart', ['multipart-create'], [], uploadPart(1, async () => (await firstPart()).bytes));
  const partSteps: CheckId[] = ['multipart-upload-part-1'];
  if (part2) {
    const sideKey = `${root}multipart-part-2.bin`;
    add('multipart-upload-part-2', 'uploadPart', ['multipart-create'], [], async () => {
      await firstPart();
      if (!small) return uploadPart(2, async () => part2.bytes)();
      // Object Lock: RGW refuses to complete a subset of the uploaded parts (InvalidPart) and every
      // part but the last must be 5 MiB, so part 2 goes to an upload of its own, aborted at once:
      // the request is the same UploadPart, and the completed canary stays one small part.
      const side = await adapter.createMultipartUpload(sideKey, w);
      res.uploadStarted(sideKey, side.uploadId);
      const r = await adapter.uploadPart(sideKey, side.uploadId, 2, part2.bytes);
      await adapter.abortMultipartUpload(sideKey, side.uploadId).then(() => res.uploadEnded(side.uploadId), () => undefined);
      return { retries: r.retries, key: sideKey, uploadId: side.uploadId };
    });
    partSteps.push('multipart-upload-part-2');
  }
  add('multipart-list-parts', 'listParts', partSteps, [], async () => {
    const r = await adapter.listParts(mpuKey, uploadId);
    const seen = r.parts.map((p) => p.partNumber).sort((a, b) => a - b);
    const want = parts.map((p) => p.partNumber).sort((a, b) => a - b);
    if (seen.join(',') !== want.join(',')) {
      throw new VerificationError(`ListParts shows parts [${seen.join(', ')}], uploaded [${want.join(', ')}]`);
    }
    return { retries: r.retries, key: mpuKey, uploadId };
  });
  add('multipart-list-uploads', 'listMultipartUploads', ['multipart-create'], [], async () => {
    const r = await adapter.listMultipartUploads(canaryFolder(o.prefix));
    if (!r.uploads.some((u) => u.uploadId === uploadId)) {
      throw new VerificationError(`ListMultipartUploads under "${o.prefix}" does not show the canary upload`);
    }
    return { retries: r.retries, key: o.prefix, uploadId };
  });
  add('multipart-complete', 'completeMultipartUpload', partSteps, ['multipart-list-parts', 'multipart-list-uploads'], async () => {
    const c = completed();
    const sorted = parts.filter((p) => c.numbers.includes(p.partNumber)).sort((a, b) => a.partNumber - b.partNumber);
    const proof: Proof = { runId: o.runId, size: c.size, etag: kms ? null : c.etag };
    // If-None-Match: * is sent, but RGW ignores it on CompleteMultipartUpload (it honours it on
    // PutObject): the key is checked absent first and the object verified as the canary's after.
    const before = await absent(mpuKey);
    if (before.exists) {
      throw new VerificationError(`an object already exists at the canary key ${mpuKey}${before.versionId ? ` (version ${before.versionId})` : ''}: not completing the upload over it (it is left untouched)`);
    }
    res.pending(mpuKey, proof);
    let r;
    try {
      r = await adapter.completeMultipartUpload(mpuKey, uploadId, sorted);
    } catch (e) {
      res.failedCreate(mpuKey, e);
      throw e;
    }
    res.uploadEnded(uploadId);
    const after = await adapter.headObject(mpuKey, r.versionId).catch(() => null);
    if (after) {
      const notOurs = proves(after, proof);
      if (notOurs) {
        // Not ours at our key: someone wrote it; never delete it. Our version (if any) stays known.
        res.created(mpuKey, r);
        if (!r.versionId) res.disown(mpuKey);
        throw new VerificationError(`after CompleteMultipartUpload the object at ${mpuKey} is not the canary (${notOurs}): another writer's object, left untouched`);
      }
    }
    res.created(mpuKey, r, proof);
    await noOverwrite(mpuKey, r.versionId, 'CompleteMultipartUpload');
    return { retries: r.retries, key: mpuKey, uploadId };
  });
  add('multipart-get', 'getObject', ['multipart-complete'], [], async () => {
    const r = await adapter.getObject(mpuKey);
    const c = completed();
    verifyBytes(r.read, c.size, c.digest);
    return { retries: r.retries, key: mpuKey };
  });

  add('abort-create', 'createMultipartUpload', A, [], async () => {
    await bucket.read();
    const r = await adapter.createMultipartUpload(abortKey, w);
    abortUploadId = r.uploadId;
    res.uploadStarted(abortKey, abortUploadId);
    return { retries: r.retries, key: abortKey, uploadId: abortUploadId };
  });
  add('multipart-abort', 'abortMultipartUpload', ['abort-create'], ['multipart-list-uploads'], async () => {
    const r = await adapter.abortMultipartUpload(abortKey, abortUploadId);
    res.uploadEnded(abortUploadId);
    return { retries: r.retries, key: abortKey, uploadId: abortUploadId };
  });

  add('overwrite-object', 'putObject', ['put-object'], ['head-object', 'get-object', 'list-prefix'], async () => {
    // Only ever this run's own canary: an append-only posture must refuse it.
    const next = canaryBody(SMALL).bytes;
    const r = await adapter.putObject(objectKey, next, { ...w, overwrite: true });
    res.created(objectKey, r, proofOf(next));
    return { retries: r.retries, key: objectKey };
  });
  add('read-missing-object', 'getObject', A, [], async () => {
    try {
      const r = await adapter.getObject(missingKey);
      return { retries: r.retries, key: missingKey };
    } catch (e) {
      // 404 NoSuchKey: the read was authorised and the key (never created) is not there.
      if (e instanceof RequestFailure && e.denial.httpStatus === 404) return { retries: e.retries, key: missingKey };
      if (e instanceof RequestFailure && e.denial.httpStatus === 403) {
        e.denial.hint = `${e.denial.hint} Note: for a key that does not exist, S3 answers 403 also when the read is allowed but the role has no bucket-level s3:ListBucket (a prefix-scoped one is not enough), so this denial may be about listing rather than reading.`;
      }
      throw e;
    }
  });
  add('delete-object', 'deleteObject', ['put-object'], ['head-object', 'get-object', 'list-prefix', 'overwrite-object'], async () => {
    const r = await adapter.deleteObject(objectKey);
    res.deleted(objectKey, r);
    return { retries: r.retries, key: objectKey };
  });
  add('delete-multipart-object', 'deleteObject', ['multipart-complete'], ['multipart-get'], async () => {
    const r = await adapter.deleteObject(mpuKey);
    res.deleted(mpuKey, r);
    return { retries: r.retries, key: mpuKey };
  });
  all.push(...lockSteps({ adapter, expectations: o.expectations, res, bucket, objectKey, A }));

  const outsideApplies = () => {
    if (o.prefix === '') throw new SkipStep('the prefix is the bucket root: nothing is outside it');
  };
  add('write-outside-prefix', 'putObject', A, [], async () => {
    outsideApplies();
    await bucket.read();
    res.pending(outsideKey, proofOf(body.bytes));
    let r;
    try {
      r = await adapter.putObject(outsideKey, body.bytes, w);
    } catch (e) {
      res.failedCreate(outsideKey, e);
      throw e;
    }
    res.created(outsideKey, r);
    // Over-privileged: remove it at once (unversioned; by version id in cleanup otherwise).
    if (!r.versionId) await adapter.deleteObject(outsideKey).then((d) => res.deleted(outsideKey, d), () => undefined);
    return { retries: r.retries, key: outsideKey };
  });
  add('delete-outside-prefix', 'deleteObject', A, [], async () => {
    outsideApplies();
    // A key of this run that was never created: the request is authorised or not; no object is touched.
    const key = `${outsideRoot}never-created.bin`;
    const d = await adapter.deleteObject(key);
    // On a versioned bucket even this creates a delete marker: cleanup removes it by version id.
    res.deleted(key, d);
    return { retries: d.retries, key };
  });
  add('list-bucket-root', 'listObjects', A, [], async () => ({ ...(await adapter.listObjects('', '/')), key: '' }));
  add('list-all-buckets', 'listBuckets', A, [], async () => {
    if (!adapter.listBuckets) throw new SkipStep(`not supported for provider ${adapter.provider}`);
    return adapter.listBuckets();
  });
  add('read-bucket-policy', 'getBucketPolicy', A, [], async () => {
    if (!adapter.getBucketPolicy) throw new SkipStep(`not supported for provider ${adapter.provider}`);
    return adapter.getBucketPolicy();
  });

  const steps = all.filter((s) => s.id in o.expectations || (s.id === 'assume-role' && o.assume));
  const ids = new Set(steps.map((s) => s.id));
  for (const s of steps) {
    const missing = s.needs.filter((n) => !ids.has(n));
    if (missing.length) throw new UsageError(`probe definition: check "${s.id}" needs ${missing.join(', ')}, which the probe does not run`);
    s.after = s.after.filter((a) => ids.has(a));
  }
  return {
    runId: o.runId,
    root,
    steps,
    resources: res,
    bucket,
    leftoversExpected: { objects: o.expectations['delete-object'] === 'deny', uploads: o.expectations['multipart-abort'] === 'deny' },
  };
}

function verifyBytes(got: ReadDigest, size: number, digest: string): void {
  if (got.size !== size) throw new VerificationError(`read ${got.size} bytes, wrote ${size}`);
  if (got.sha256 !== digest) throw new VerificationError('the bytes read back differ from the bytes written (SHA-256 mismatch)');
}
