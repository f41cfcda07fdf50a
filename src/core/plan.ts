// The probe plan: what a backup does, as checks with dependencies. Provider-neutral: each step calls
// the StorageAdapter and records what it created so cleanup can remove exactly that and nothing else.
// What each check sends, its operation and its dependencies are rows of the catalog (checks.ts);
// this file only runs them and verifies the answers.

import type { Operation, PartInfo, ReadDigest, SentRequest, StorageAdapter, WriteOptions } from './adapter.js';
import { canaryBody, canaryFolder, canaryRoot, CANARY_DIR, sha256, sharedCanaryBody } from './canary.js';
import { type CheckId, type CheckKey, type CheckRow, checkRow, LIST_MAX_KEYS } from './checks.js';
import { type CheckResult, RequestFailure, UsageError, type Expectation } from './model.js';
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
  /** What the step sends (the adapter turns it into the result's request record). */
  sent: SentRequest;
  expect: Expectation;
  /** Steps that must have been allowed for this one to run. */
  needs: string[];
  /** What the check knows about a denial of its own request (kept beside the classifier's denial). */
  noteWhenDenied?: (r: CheckResult) => string | undefined;
  /** Steps that must have finished (whatever their outcome) before this one starts. */
  after: string[];
  run(): Promise<StepOutput>;
}

export interface Plan {
  runId: string;
  root: string;
  steps: Step[];
  resources: Resources;
  /** A definition that requires deletes (or aborts) to be denied (aborts: or does not need them) expects its canaries to stay. */
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

export { CHECK_IDS, type CheckId } from './checks.js';

const SMALL = 64 * 1024;

export function buildPlan(adapter: StorageAdapter, o: PlanOptions): Plan {
  const root = canaryRoot(o.prefix, o.runId);
  const res = new Resources();
  // Outside the prefix: the bucket root's canary folder, under this run's id (never a real object).
  const outsideRoot = `${CANARY_DIR}${o.runId}/`;
  const keys: Record<CheckKey, string> = {
    object: `${root}object.bin`,
    multipart: `${root}multipart.bin`,
    aborted: `${root}aborted.bin`,
    missing: `${root}never-created.bin`,
    outside: `${outsideRoot}outside-prefix.bin`,
    'outside-missing': `${outsideRoot}never-created.bin`,
  };
  const objectKey = keys.object;
  const mpuKey = keys.multipart;
  const abortKey = keys.aborted;
  const w = o.write ?? {};
  const body = canaryBody(SMALL);
  const part1 = o.quick ? canaryBody(SMALL) : sharedCanaryBody(o.partSize);
  const part2 = o.quick ? null : canaryBody(SMALL);
  const mpuDigest = part2 ? sha256(part1.bytes, part2.bytes) : part1.sha256;
  const mpuSize = part1.bytes.length + (part2?.bytes.length ?? 0);
  let uploadId = '';
  let abortUploadId = '';
  const parts: PartInfo[] = [];

  /** What a row sends, with this run's keys and the definition's options. */
  const sentOf = (row: CheckRow): SentRequest => {
    const x = row.sends;
    const sent: SentRequest = {};
    if (x.key) sent.key = keys[x.key];
    if (x.list) {
      sent.prefix = x.list.prefix === 'root' ? '' : x.list.prefix === 'canary' ? canaryFolder(o.prefix) : o.prefix;
      const d = x.list.delimiter === 'definition' ? (o.listStyle === 'plain' ? 'none' : '/') : x.list.delimiter;
      if (d === '/') sent.delimiter = '/';
      if (row.op === 'listObjects') sent.maxKeys = LIST_MAX_KEYS;
    }
    if (x.ifNoneMatch) sent.ifNoneMatch = true;
    if (x.objectCreation !== undefined) sent.objectCreation = x.objectCreation;
    if (x.writeHeaders && Object.keys(w).length) sent.write = w;
    return sent;
  };

  const all: Step[] = [];
  const add = (id: CheckId, run: (sent: SentRequest) => Promise<StepOutput>) => {
    const row = checkRow(id)!;
    const sent = sentOf(row);
    // assume-role is a dependency only when the probe assumes one; part 2 is not sent with --quick
    const needs = row.needs.filter((n) => (n !== 'assume-role' || o.assume) && (n !== 'multipart-upload-part-2' || part2));
    all.push({ id, op: row.op, sent, expect: o.expectations[id] ?? 'allow', needs, after: [...row.after], run: () => run(sent) });
  };
  const writeOpts = (sent: SentRequest) => sent.write ?? {};

  if (o.assume) add('assume-role', async () => adapter.assumeRole());

  add('head-bucket', async () => adapter.headBucket());

  add('put-object', async (sent) => {
    res.pending(objectKey);
    try {
      const r = await adapter.putObject(objectKey, body.bytes, writeOpts(sent));
      res.created(objectKey);
      return { ...r, key: objectKey };
    } catch (e) {
      res.failedCreate(objectKey, e);
      throw e;
    }
  });
  add('head-object', async () => {
    const r = await adapter.headObject(objectKey);
    if (r.size !== null && r.size !== body.bytes.length) {
      throw new VerificationError(`HEAD reports ${r.size} bytes, the canary has ${body.bytes.length}`);
    }
    return { retries: r.retries, key: objectKey };
  });
  add('get-object', async () => {
    const r = await adapter.getObject(objectKey);
    verifyBytes(r.read, body.bytes.length, body.sha256);
    return { retries: r.retries, key: objectKey };
  });
  // Listings start just before the canary folder: the page shows it however many backups share the
  // prefix. start-after does not change how the request is authorised.
  const beforeCanaries = (prefix: string) => canaryFolder(prefix).slice(0, -1);
  add('list-prefix', async (sent) => {
    const r = await adapter.listObjects(sent.prefix!, sent.delimiter, beforeCanaries(sent.prefix!));
    const want = `${o.prefix}${CANARY_DIR}`;
    if (res.isCreated(objectKey) && !r.commonPrefixes.includes(want) && !r.keys.some((k) => k.startsWith(want))) {
      throw new VerificationError(`the listing of "${o.prefix}" does not show the canary folder "${want}"`);
    }
    return { retries: r.retries, key: o.prefix };
  });
  add('list-prefix-recursive', async (sent) => {
    // No delimiter: every key below the prefix. The page starts at this run's folder (start-after
    // does not change how the request is authorised), so the canary object is on it.
    const r = await adapter.listObjects(sent.prefix!, undefined, root);
    if (res.isCreated(objectKey) && !r.keys.includes(objectKey)) {
      throw new VerificationError(`the recursive listing of "${o.prefix}" does not show the canary object "${objectKey}"`);
    }
    if (r.commonPrefixes.length) throw new VerificationError(`a listing without a delimiter returned folders (${r.commonPrefixes[0]})`);
    return { retries: r.retries, key: o.prefix };
  });

  add('multipart-create', async (sent) => {
    const r = await adapter.createMultipartUpload(mpuKey, writeOpts(sent));
    uploadId = r.uploadId;
    res.uploadStarted(mpuKey, uploadId);
    return { retries: r.retries, key: mpuKey, uploadId };
  });
  const uploadPart = (n: number, bytes: Buffer) => async () => {
    const r = await adapter.uploadPart(mpuKey, uploadId, n, bytes);
    parts.push({ partNumber: n, etag: r.etag, size: bytes.length });
    return { retries: r.retries, key: mpuKey, uploadId };
  };
  add('multipart-upload-part-1', uploadPart(1, part1.bytes));
  if (part2) add('multipart-upload-part-2', uploadPart(2, part2.bytes));
  add('multipart-list-parts', async () => {
    const r = await adapter.listParts(mpuKey, uploadId);
    const seen = r.parts.map((p) => p.partNumber).sort((a, b) => a - b);
    const want = parts.map((p) => p.partNumber).sort((a, b) => a - b);
    if (seen.join(',') !== want.join(',')) {
      throw new VerificationError(`ListParts shows parts [${seen.join(', ')}], uploaded [${want.join(', ')}]`);
    }
    return { retries: r.retries, key: mpuKey, uploadId };
  });
  add('multipart-list-uploads', async (sent) => {
    const r = await adapter.listMultipartUploads(sent.prefix!);
    if (!r.uploads.some((u) => u.uploadId === uploadId)) {
      throw new VerificationError(`ListMultipartUploads under "${o.prefix}" does not show the canary upload`);
    }
    return { retries: r.retries, key: o.prefix, uploadId };
  });
  add('multipart-complete', async () => {
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
  add('multipart-get', async () => {
    const r = await adapter.getObject(mpuKey);
    verifyBytes(r.read, mpuSize, mpuDigest);
    return { retries: r.retries, key: mpuKey };
  });

  add('abort-create', async (sent) => {
    const r = await adapter.createMultipartUpload(abortKey, writeOpts(sent));
    abortUploadId = r.uploadId;
    res.uploadStarted(abortKey, abortUploadId);
    return { retries: r.retries, key: abortKey, uploadId: abortUploadId };
  });
  add('multipart-abort', async () => {
    const r = await adapter.abortMultipartUpload(abortKey, abortUploadId);
    res.uploadEnded(abortUploadId);
    return { retries: r.retries, key: abortKey, uploadId: abortUploadId };
  });

  add('overwrite-object', async (sent) => {
    // Only ever this run's own canary: an append-only posture must refuse it.
    const r = await adapter.putObject(objectKey, canaryBody(SMALL).bytes, { ...writeOpts(sent), overwrite: true });
    return { ...r, key: objectKey };
  });
  add('read-missing-object', async (sent) => {
    const key = sent.key!;
    try {
      const r = await adapter.getObject(key);
      return { retries: r.retries, key };
    } catch (e) {
      // 404 NoSuchKey: the read was authorised and the key (never created) is not there.
      if (e instanceof RequestFailure && e.denial.httpStatus === 404) return { retries: e.retries, key };
      throw e;
    }
  });
  all[all.length - 1]!.noteWhenDenied = (r) =>
    r.denial?.httpStatus === 403
      ? 'For a key that does not exist, S3 answers 403 also when the read is allowed but the role has no bucket-level s3:ListBucket (a prefix-scoped one is not enough), so this denial may be about listing rather than reading.'
      : undefined;
  add('delete-object', async () => {
    const r = await adapter.deleteObject(objectKey);
    res.deleted(objectKey);
    return { retries: r.retries, key: objectKey };
  });
  add('delete-multipart-object', async () => {
    const r = await adapter.deleteObject(mpuKey);
    res.deleted(mpuKey);
    return { retries: r.retries, key: mpuKey };
  });

  const outsideApplies = () => {
    if (o.prefix === '') throw new SkipStep('the prefix is the bucket root: nothing is outside it');
  };
  add('write-outside-prefix', async (sent) => {
    outsideApplies();
    const outsideKey = sent.key!;
    res.pending(outsideKey);
    let r;
    try {
      r = await adapter.putObject(outsideKey, body.bytes, writeOpts(sent));
    } catch (e) {
      res.failedCreate(outsideKey, e);
      throw e;
    }
    res.created(outsideKey);
    // Over-privileged: remove it at once; cleanup retries if this delete fails.
    await adapter.deleteObject(outsideKey).then(() => res.deleted(outsideKey), () => undefined);
    return { ...r, key: outsideKey };
  });
  add('delete-outside-prefix', async (sent) => {
    outsideApplies();
    // A key of this run that was never created: the request is authorised or not; no object is touched.
    return { ...(await adapter.deleteObject(sent.key!)), key: sent.key! };
  });
  add('list-bucket-root', async (sent) => ({ ...(await adapter.listObjects(sent.prefix!, sent.delimiter, beforeCanaries(sent.prefix!))), key: '' }));
  add('list-all-buckets', async () => {
    if (!adapter.listBuckets) throw new SkipStep(`not supported for provider ${adapter.provider}`);
    return adapter.listBuckets();
  });
  add('read-bucket-policy', async () => {
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
    // An abort expected `any` (the client never needs it, e.g. rclone) that is denied leaves its canary
    // upload: listed for the owner, not a failure of the client's posture.
    leftoversExpected: { objects: o.expectations['delete-object'] === 'deny', uploads: ['deny', 'any'].includes(o.expectations['multipart-abort'] ?? '') },
  };
}

function verifyBytes(got: ReadDigest, size: number, digest: string): void {
  if (got.size !== size) throw new VerificationError(`read ${got.size} bytes, wrote ${size}`);
  if (got.sha256 !== digest) throw new VerificationError('the bytes read back differ from the bytes written (SHA-256 mismatch)');
}
