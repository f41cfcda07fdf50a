// The probe plan: what a backup does, as checks with dependencies. Provider-neutral: each step calls
// the StorageAdapter and records what it created so cleanup can remove exactly that and nothing else.

import type { Operation, PartInfo, ReadDigest, StorageAdapter, WriteOptions } from './adapter.js';
import { canaryBody, canaryFolder, canaryRoot, CANARY_DIR, sha256, sharedCanaryBody } from './canary.js';
import { RequestFailure, UsageError, type Expectation } from './model.js';
import { Resources } from './resources.js';

/** Thrown by a step when the service answered but the answer is wrong (bytes, listing). */
export class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationError';
  }
}

/** Thrown by a step that does not apply to this target (e.g. no prefix, so nothing is outside it). */
export class SkipStep extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SkipStep';
  }
}

export interface StepOutput {
  retries: number;
  key?: string;
  uploadId?: string;
}

export interface Step {
  id: string;
  op: Operation;
  expect: Expectation;
  /** Steps that must have been allowed for this one to run. */
  needs: string[];
  /** Steps that must have finished (whatever their outcome) before this one starts. */
  after: string[];
  run(): Promise<StepOutput>;
}

export interface Plan {
  runId: string;
  root: string;
  steps: Step[];
  resources: Resources;
  /** A definition that requires deletes (or aborts) to be denied expects its canaries to stay. */
  leftoversExpected: { objects: boolean; uploads: boolean };
}

export interface PlanOptions {
  prefix: string;
  runId: string;
  partSize: number;
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
  const w = o.write ?? {};
  const delimiter = o.listStyle === 'plain' ? '' : '/';
  const body = canaryBody(SMALL);
  const part1 = o.quick ? canaryBody(SMALL) : sharedCanaryBody(o.partSize);
  const part2 = o.quick ? null : canaryBody(SMALL);
  const mpuDigest = part2 ? sha256(part1.bytes, part2.bytes) : part1.sha256;
  const mpuSize = part1.bytes.length + (part2?.bytes.length ?? 0);
  let uploadId = '';
  let abortUploadId = '';
  const parts: PartInfo[] = [];

  const all: Step[] = [];
  const add = (id: CheckId, op: Operation, needs: CheckId[], after: CheckId[], run: () => Promise<StepOutput>) => {
    all.push({ id, op, expect: o.expectations[id] ?? 'allow', needs, after, run });
  };
  const A: CheckId[] = o.assume ? ['assume-role'] : [];

  if (o.assume) add('assume-role', 'assumeRole', [], [], async () => adapter.assumeRole());

  add('put-object', 'putObject', A, [], async () => {
    res.pending(objectKey);
    try {
      const r = await adapter.putObject(objectKey, body.bytes, w);
      res.created(objectKey);
      return { ...r, key: objectKey };
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
    const r = await adapter.createMultipartUpload(mpuKey, w);
    uploadId = r.uploadId;
    res.uploadStarted(mpuKey, uploadId);
    return { retries: r.retries, key: mpuKey, uploadId };
  });
  const uploadPart = (n: number, bytes: Buffer) => async () => {
    const r = await adapter.uploadPart(mpuKey, uploadId, n, bytes);
    parts.push({ partNumber: n, etag: r.etag, size: bytes.length });
    return { retries: r.retries, key: mpuKey, uploadId };
  };
  add('multipart-upload-part-1', 'uploadPart', ['multipart-create'], [], uploadPart(1, part1.bytes));
  const partSteps: CheckId[] = ['multipart-upload-part-1'];
  if (part2) {
    add('multipart-upload-part-2', 'uploadPart', ['multipart-create'], [], uploadPart(2, part2.bytes));
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
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    res.pending(mpuKey);
    try {
      const r = await adapter.completeMultipartUpload(mpuKey, uploadId, sorted);
      res.uploadEnded(uploadId);
      res.created(mpuKey);
      return { retries: r.retries, key: mpuKey, uploadId };
    } catch (e) {
      res.failedCreate(mpuKey, e);
      throw e;
    }
  });
  add('multipart-get', 'getObject', ['multipart-complete'], [], async () => {
    const r = await adapter.getObject(mpuKey);
    verifyBytes(r.read, mpuSize, mpuDigest);
    return { retries: r.retries, key: mpuKey };
  });

  add('abort-create', 'createMultipartUpload', A, [], async () => {
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
    const r = await adapter.putObject(objectKey, canaryBody(SMALL).bytes, { ...w, overwrite: true });
    return { ...r, key: objectKey };
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
    res.deleted(objectKey);
    return { retries: r.retries, key: objectKey };
  });
  add('delete-multipart-object', 'deleteObject', ['multipart-complete'], ['multipart-get'], async () => {
    const r = await adapter.deleteObject(mpuKey);
    res.deleted(mpuKey);
    return { retries: r.retries, key: mpuKey };
  });

  const outsideApplies = () => {
    if (o.prefix === '') throw new SkipStep('the prefix is the bucket root: nothing is outside it');
  };
  add('write-outside-prefix', 'putObject', A, [], async () => {
    outsideApplies();
    res.pending(outsideKey);
    let r;
    try {
      r = await adapter.putObject(outsideKey, body.bytes, w);
    } catch (e) {
      res.failedCreate(outsideKey, e);
      throw e;
    }
    res.created(outsideKey);
    // Over-privileged: remove it at once; cleanup retries if this delete fails.
    await adapter.deleteObject(outsideKey).then(() => res.deleted(outsideKey), () => undefined);
    return { ...r, key: outsideKey };
  });
  add('delete-outside-prefix', 'deleteObject', A, [], async () => {
    outsideApplies();
    // A key of this run that was never created: the request is authorised or not; no object is touched.
    const key = `${outsideRoot}never-created.bin`;
    return { ...(await adapter.deleteObject(key)), key };
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
    leftoversExpected: { objects: o.expectations['delete-object'] === 'deny', uploads: o.expectations['multipart-abort'] === 'deny' },
  };
}

function verifyBytes(got: ReadDigest, size: number, digest: string): void {
  if (got.size !== size) throw new VerificationError(`read ${got.size} bytes, wrote ${size}`);
  if (got.sha256 !== digest) throw new VerificationError('the bytes read back differ from the bytes written (SHA-256 mismatch)');
}
