// Reader checks of a backup source (issue 15, Deliver item 2): read-only requests a backup of the
// bucket makes (AWS Backup for S3, SaaS vendors), on this run's own canary object and on the bucket.
// Nothing here writes: configuration writes a backup service performs (PutBucketNotification,
// PutInventoryConfiguration) are never sent.
// - get-object-version: GetObject with the canary's own VersionId, authorised as s3:GetObjectVersion
//   ("To use GetObject with a versionId, you need s3:GetObjectVersion",
//   https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html); skipped on an unversioned
//   bucket (the write returned no version id).
// - get-bucket-tagging / get-bucket-notification / get-inventory-configuration: a "not configured"
//   answer (NoSuchTagSet, an empty configuration) means the request was authorised: allowed.
// A provider whose service documents no equivalent has no adapter method and an empty action name:
// the check is skipped with that reason.

import type { SentRequest, StorageAdapter } from './adapter.js';
import type { BucketFacts } from './bucket.js';
import { sha256 } from './canary.js';
import type { CheckId } from './checks.js';
import type { Resources } from './resources.js';
import { RequestFailure } from './model.js';
import { SkipStep, type Step, type StepOutput, VerificationError } from './step.js';

interface ReaderStepInput {
  adapter: StorageAdapter;
  res: Resources;
  /** Ownership evidence: get-object-acl records the canary's owner; a refused object read learns it as the owner. */
  bucket: BucketFacts;
  objectKey: string;
  /** The canary's bytes as put-object wrote them (the first version). */
  body: Buffer;
  add: (id: CheckId, run: (sent: SentRequest) => Promise<StepOutput>) => void;
  /** The plan's steps so far: a refused get-object / head-object of the canary learns its owner too. */
  steps?: Step[];
}

type Reader = 'getObjectTagging' | 'getObjectAcl' | 'getObjectVersion' | 'getBucketLocation' | 'getBucketTagging' | 'getBucketNotification' | 'getInventoryConfiguration' | 'listObjectVersions' | 'getBucketVersioning';

/** The adapter's method, or a skip naming why this provider cannot send it. */
function method<K extends Reader>(a: StorageAdapter, op: K): NonNullable<StorageAdapter[K]> {
  const m = a[op];
  if (!a.actions[op]) throw new SkipStep(`${a.provider} documents no equivalent of this request (no ${a.provider} action to authorise it)`);
  if (!m) throw new SkipStep(`not supported for provider ${a.provider}`);
  return (m as (...args: unknown[]) => unknown).bind(a) as NonNullable<StorageAdapter[K]>;
}

export function readerSteps(x: ReaderStepInput): void {
  const { adapter: a, res, bucket, objectKey, body, add } = x;
  const digest = sha256(body);
  bucket.canaryKey = objectKey;
  // A refused read of the canary: its owner is evidence (src/core/ownership.ts), read with the owner's
  // credentials before the step ends (so before cleanup removes the object). The refusal stays the result.
  const ownerOnDenial = async <T>(run: () => Promise<T>, aclRefused = false): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof RequestFailure && err.kind === 'denied') await bucket.learnObjectOwner(objectKey, aclRefused ? err : undefined);
      throw err;
    }
  };

  // An answer that is not the document asked for (a store that ignores the sub-resource and answers
  // the plain GET instead) is an error, never a pass: the request was not authorised as the one asked for.
  const answered = async (r: Promise<{ retries: number; unanswered?: string }>, key?: string): Promise<StepOutput> => {
    const m = await r;
    if (m.unanswered) throw new VerificationError(m.unanswered);
    return key ? { retries: m.retries, key } : { retries: m.retries };
  };
  for (const s of x.steps ?? []) {
    if (s.id !== 'get-object' && s.id !== 'head-object') continue;
    const run = s.run.bind(s);
    s.run = () => ownerOnDenial(run);
  }
  add('get-object-tagging', async () => ownerOnDenial(() => answered(method(a, 'getObjectTagging')(objectKey), objectKey)));
  add('get-object-acl', async () =>
    ownerOnDenial(async () => {
      const r = await method(a, 'getObjectAcl')(objectKey);
      if (!r.unanswered) bucket.recordObjectOwner(objectKey, r.owner ?? null);
      return answered(Promise.resolve(r), objectKey);
    }, true),
  );
  add('get-object-version', async () => ownerOnDenial(async () => {
    const get = method(a, 'getObjectVersion');
    // the version put-object created (an overwrite adds a later one; this reads the first by id)
    const versionId = res.record(objectKey)?.versions[0]?.versionId;
    if (!versionId || versionId === 'null') throw new SkipStep('the write returned no version id: the bucket is not versioned, so there is no version to read by id');
    const r = await get(objectKey, versionId);
    if (r.read.size !== body.length) throw new VerificationError(`read ${r.read.size} bytes of version ${versionId}, wrote ${body.length}`);
    if (r.read.sha256 !== digest) throw new VerificationError(`the bytes of version ${versionId} differ from the bytes written (SHA-256 mismatch)`);
    return { retries: r.retries, key: objectKey };
  }));
  add('list-bucket-versions', async (sent) => {
    const r = await method(a, 'listObjectVersions')(sent.prefix!);
    if (res.isCreated(objectKey) && !r.versions.some((v) => v.key === objectKey)) {
      throw new VerificationError(`ListObjectVersions under "${sent.prefix}" does not show the canary object "${objectKey}"`);
    }
    return { retries: r.retries, key: sent.prefix! };
  });
  add('get-bucket-versioning', async () => ({ retries: (await method(a, 'getBucketVersioning')()).retries }));
  add('get-bucket-location', async () => answered(method(a, 'getBucketLocation')()));
  add('get-bucket-tagging', async () => answered(method(a, 'getBucketTagging')()));
  add('get-bucket-notification', async () => answered(method(a, 'getBucketNotification')()));
  add('get-inventory-configuration', async () => answered(method(a, 'getInventoryConfiguration')()));
}
