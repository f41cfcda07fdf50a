// The probe plan: what a backup does, as checks with dependencies. Provider-neutral: each step calls
// the StorageAdapter and records what it created so cleanup can remove exactly that and nothing else.
// What each check sends, its operation and its dependencies are rows of the catalog (checks.ts);
// this file only runs them and verifies the answers.

import { createHash } from 'node:crypto';
import { CANARY_MARKER, type CanaryWrite, type PartInfo, type ReadDigest, type SentRequest, type StorageAdapter, type WriteOptions } from './adapter.js';
import { BucketFacts } from './bucket.js';
import { canaryBody, canaryFolder, canaryRoot, CANARY_DIR, sha256, sharedCanaryBody, type CanaryBody } from './canary.js';
import { type CheckId, type CheckKey, type CheckRow, CHECKS, checkRow, LIST_MAX_KEYS } from './checks.js';
import { collisionGuards, measureConditionalComplete } from './collision.js';
import { lockSteps, retentionMayRefuse } from './lock-steps.js';
import { readerSteps } from './reader-steps.js';
import { type PlanWriter, writerSteps } from './writer.js';
import { leftoversExpectedOf, type LeftoversExpected } from './leftovers.js';
import { type ConditionalWrites, RequestFailure, UsageError, type Expectation } from './model.js';
import { own } from './own.js';
import { proves } from './removal.js';
import { type Proof, Resources } from './resources.js';
import { SkipStep, type Step, type StepOutput, VerificationError } from './step.js';

export { SkipStep, VerificationError, type Step, type StepOutput } from './step.js';

export interface Plan {
  runId: string;
  root: string;
  steps: Step[];
  resources: Resources;
  /** Versioning and Object Lock of the bucket, read by the first write step. */
  bucket: BucketFacts;
  /** A definition that requires deletes (or aborts) to be denied (aborts: or does not need them) expects its canaries to stay. */
  leftoversExpected: LeftoversExpected;
  /** Two identities: the writer's adapter; with --no-assume, the source credentials retry its removals. */
  writer?: StorageAdapter;
  writerFallback?: StorageAdapter;
  /** With multipart-complete in the plan: whether the store honours If-None-Match: * on it (collision.ts). */
  conditionalWrites(): ConditionalWrites | undefined;
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
  /** Two identities (issue 15): the writer puts the canary object instead of the probed identity. */
  writer?: PlanWriter;
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
  const bucket = new BucketFacts(adapter);
  if (o.writer) bucket.writtenByAnotherIdentity(o.writer.adapter); // the writer's object: ownership may name `acl`
  const marker = { [CANARY_MARKER]: o.runId };
  const body = canaryBody(SMALL);
  // With --quick one small part. On an Object Lock / WORM bucket every completed version stays until
  // its retention ends: unless the part size was chosen, part 1 is small and the upload is completed
  // with part 1 only (a single part may be smaller than 5 MiB), so 64 KiB stays.
  let small: boolean | null = null;
  const smallParts = async () => {
    if (small === null) {
      small = o.quick || (!o.partSizeSet && (await bucket.keepSmall()));
    }
    return small;
  };
  let part1: CanaryBody | null = null;
  const part2 = o.quick ? null : canaryBody(SMALL);
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

  const { absent, noOverwrite } = collisionGuards(adapter, res);

  // Two identities (issue 15, src/core/writer.ts): the writer's session and its put-object step.
  const writer = o.writer;
  const ws = writerSteps(writer);
  const all: Step[] = [];
  const add = (id: CheckId, run: (sent: SentRequest) => Promise<StepOutput>, finding?: 'not-immutable') => {
    const row = checkRow(id)!;
    const sent = sentOf(row);
    // assume-role is a dependency only when the probe assumes one; part 2 is not sent with --quick
    const needs = row.needs.filter((n) => (n !== 'assume-role' || o.assume) && (n !== 'multipart-upload-part-2' || part2));
    const step: Step = { id, op: row.op, sent, expect: o.expectations[id] ?? 'allow', needs, after: [...row.after], run: () => run(sent) };
    ws.mark(step);
    if (finding) step.finding = finding;
    if (retentionMayRefuse(row)) step.expectedRefusal = (r) => bucket.retentionRefused(r.denial);
    if ('evaluatedOnly' in row && row.evaluatedOnly) step.evaluatedOnly = true;
    all.push(step);
  };
  /** The definition's write headers, and always the canary marker (x-amz-meta- / x-oss-meta-backup-canary-run). */
  const writeOpts = (sent: SentRequest): CanaryWrite => ({ ...(sent.write ?? {}), metadata: marker });

  if (o.assume) add('assume-role', async () => adapter.assumeRole());

  add('head-bucket', async () => adapter.headBucket());

  add('put-object', async (sent) => {
    await bucket.read();
    // Two identities: the writer puts the canary the role reads (setup), the way the application does.
    const by = writer ? 'writer' : 'probe';
    if (writer) await ws.session();
    res.pending(objectKey, proofOf(body.bytes), by);
    try {
      const r = await (writer?.adapter ?? adapter).putObject(objectKey, body.bytes, writeOpts(sent));
      res.created(objectKey, r, undefined, by);
      await noOverwrite(objectKey, r.versionId, 'PutObject');
      await bucket.learnFromWrite(objectKey, r.versionId);
      return { retries: r.retries, key: objectKey };
    } catch (e) {
      res.failedCreate(objectKey, e);
      throw e;
    } finally {
      bucket.wroteCanary();
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
    await bucket.read();
    const r = await adapter.createMultipartUpload(mpuKey, writeOpts(sent));
    uploadId = r.uploadId;
    res.uploadStarted(mpuKey, uploadId);
    return { retries: r.retries, key: mpuKey, uploadId };
  });
  const uploadPart = async (n: number, b: Buffer) => {
    const r = await adapter.uploadPart(mpuKey, uploadId, n, b);
    parts.push({ partNumber: n, etag: r.etag, size: b.length });
    return { retries: r.retries, key: mpuKey, uploadId };
  };
  add('multipart-upload-part-1', async () => uploadPart(1, (await firstPart()).bytes));
  const sideKey = `${root}multipart-part-2.bin`;
  if (part2) {
    add('multipart-upload-part-2', async (sent) => {
      await firstPart();
      if (!small) return uploadPart(2, part2.bytes);
      // Object Lock: RGW refuses to complete a subset of the uploaded parts (InvalidPart) and every
      // part but the last must be 5 MiB, so part 2 goes to an upload of its own, aborted at once:
      // the request is the same UploadPart, and the completed canary stays one small part.
      const side = await adapter.createMultipartUpload(sideKey, writeOpts(sent));
      res.uploadStarted(sideKey, side.uploadId);
      const r = await adapter.uploadPart(sideKey, side.uploadId, 2, part2.bytes);
      await adapter.abortMultipartUpload(sideKey, side.uploadId).then(() => res.uploadEnded(side.uploadId), () => undefined);
      return { retries: r.retries, key: sideKey, uploadId: side.uploadId };
    });
  }
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
  let conditional: ConditionalWrites | undefined;
  const leftoversExpected = leftoversExpectedOf((id) => own(o.expectations, id));
  add('multipart-complete', async () => {
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
    // Unversioned: an overwrite at the canary key between the HEAD above and the completion leaves no
    // trace (no noncurrent version to find). Whether the store would have refused it is measured on
    // this run's own keys (collision.ts); where it would not, the check says the guarantee does not hold.
    // Versioning Enabled keeps an overwritten object as a noncurrent version (found by noOverwrite);
    // Suspended replaces the null version, as an unversioned bucket replaces the object: measured.
    const versioned = bucket.describe(res).versioning?.status === 'Enabled' || Boolean(r.versionId && r.versionId !== 'null');
    if (versioned) conditional = { completeMultipartUpload: 'unknown', why: 'not measured on a versioned bucket: an overwrite at the canary key keeps the other writer\'s object as a noncurrent version, which multipart-complete finds and reports' };
    await noOverwrite(mpuKey, r.versionId, 'CompleteMultipartUpload');
    if (versioned) return { retries: r.retries, key: mpuKey, uploadId };
    if (leftoversExpected.objects) {
      conditional = { completeMultipartUpload: 'unknown', why: 'not measured: the definition requires deletes to be denied, so the measuring object could not be removed' };
      return { retries: r.retries, key: mpuKey, uploadId };
    }
    conditional = await measureConditionalComplete({ adapter, res, runId: o.runId, root, write: { ...w, metadata: marker }, kms });
    if (conditional.completeMultipartUpload !== 'ignored') return { retries: r.retries, key: mpuKey, uploadId };
    const caveat = {
      finding: 'collision-unguarded' as const,
      why: `the store ignores If-None-Match: * on CompleteMultipartUpload on this bucket, which keeps no earlier version (unversioned or versioning suspended; target.conditionalWrites): an object another writer had created at ${mpuKey} between the HEAD that found the key absent and the completion would have been overwritten without trace, and this check could not tell; the no-overwrite guarantee does not hold for multipart uploads here (bucket versioning makes such an overwrite detectable)`,
    };
    return { retries: r.retries, key: mpuKey, uploadId, caveat };
  });
  add('multipart-get', async () => {
    const r = await adapter.getObject(mpuKey);
    const c = completed();
    verifyBytes(r.read, c.size, c.digest);
    return { retries: r.retries, key: mpuKey };
  });

  add('abort-create', async (sent) => {
    await bucket.read();
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
    const next = canaryBody(SMALL).bytes;
    const r = await adapter.putObject(objectKey, next, { ...writeOpts(sent), overwrite: true });
    res.created(objectKey, r, proofOf(next));
    return { retries: r.retries, key: objectKey };
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
    res.deleted(objectKey, r);
    return { retries: r.retries, key: objectKey };
  });
  add('delete-multipart-object', async () => {
    const r = await adapter.deleteObject(mpuKey);
    res.deleted(mpuKey, r);
    return { retries: r.retries, key: mpuKey };
  });
  // Configuration writes (put-bucket-notification, put-inventory-configuration): never sent; the runner
  // reports them not-probed and --explain evaluates the request they describe.
  for (const row of CHECKS) {
    if ('evaluatedOnly' in row && row.evaluatedOnly) {
      add(row.id, async () => {
        throw new Error(`${row.id} is never sent`);
      });
    }
  }
  lockSteps({ adapter, res, bucket, objectKey, add, steps: all });
  readerSteps({ adapter, res, bucket, objectKey, body: body.bytes, add, steps: all });

  const outsideApplies = () => {
    if (o.prefix === '') throw new SkipStep('the prefix is the bucket root: nothing is outside it');
  };
  add('write-outside-prefix', async (sent) => {
    outsideApplies();
    const outsideKey = sent.key!;
    await bucket.read();
    res.pending(outsideKey, proofOf(body.bytes));
    let r;
    try {
      r = await adapter.putObject(outsideKey, body.bytes, writeOpts(sent));
    } catch (e) {
      res.failedCreate(outsideKey, e);
      throw e;
    }
    res.created(outsideKey, r);
    // Over-privileged: remove it at once (unversioned; by version id in cleanup otherwise).
    if (!r.versionId) await adapter.deleteObject(outsideKey).then((d) => res.deleted(outsideKey, d), () => undefined);
    return { retries: r.retries, key: outsideKey };
  });
  add('delete-outside-prefix', async (sent) => {
    outsideApplies();
    // A key of this run that was never created: the request is authorised or not; no object is touched.
    const d = await adapter.deleteObject(sent.key!);
    // On a versioned bucket even this creates a delete marker: cleanup removes it by version id.
    res.deleted(sent.key!, d);
    return { retries: d.retries, key: sent.key! };
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
  if (!ids.has('put-object')) bucket.wroteCanary();
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
    // see src/core/leftovers.ts: which canaries the definition expects to stay
    leftoversExpected,
    ...(writer ? { writer: writer.adapter } : {}),
    // with --no-assume the probed identity is the source credentials: they retry the writer's removals
    ...(writer && !o.assume ? { writerFallback: adapter } : {}),
    conditionalWrites: () =>
      conditional ?? (ids.has('multipart-complete') ? { completeMultipartUpload: 'unknown', why: 'not measured: multipart-complete did not complete an upload (see that check)' } : undefined),
  };
}

function verifyBytes(got: ReadDigest, size: number, digest: string): void {
  if (got.size !== size) throw new VerificationError(`read ${got.size} bytes, wrote ${size}`);
  if (got.sha256 !== digest) throw new VerificationError('the bytes read back differ from the bytes written (SHA-256 mismatch)');
}
