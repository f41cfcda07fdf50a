// Checks for versioned and Object Lock / WORM buckets (issue 13), on this run's own canary only:
// - delete-object-version: delete the canary's own version by id (s3:DeleteObjectVersion,
//   oss:DeleteObjectVersion); on an unversioned bucket the version id is `null`.
// - delete-locked-version: the same request on a locked bucket must be refused by the retention;
//   allowed means the lock does not hold (finding `not-immutable`).
// - shorten-retention: PutObjectRetention to an earlier date than the version's retention must be
//   refused (COMPLIANCE: always; GOVERNANCE: without s3:BypassGovernanceRetention, and this tool never
//   sends x-amz-bypass-governance-retention). Allowed: `not-immutable`.
// Sources: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html (retention modes),
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html (VersionId).

import type { SentRequest, StorageAdapter } from './adapter.js';
import type { BucketFacts } from './bucket.js';
import type { CheckId } from './checks.js';
import type { Resources } from './resources.js';
import { SkipStep, type StepOutput } from './step.js';

interface LockStepInput {
  adapter: StorageAdapter;
  res: Resources;
  bucket: BucketFacts;
  objectKey: string;
  /** The plan's step builder (the catalog row gives op, sends, needs, after). */
  add: (id: CheckId, run: (sent: SentRequest) => Promise<StepOutput>, finding?: 'not-immutable') => void;
}

export function lockSteps(x: LockStepInput): void {
  const { adapter, res, bucket, objectKey, add } = x;
  const deleteVersion = async (versionId: string): Promise<StepOutput> => {
    if (!adapter.deleteObjectVersion) throw new SkipStep(`deleting by version id is not supported for provider ${adapter.provider}`);
    const r = await adapter.deleteObjectVersion(objectKey, versionId);
    res.versionDeleted(objectKey, versionId);
    return { retries: r.retries, key: objectKey };
  };

  add('delete-object-version', async () => {
    const versions = (res.record(objectKey)?.versions ?? []).map((v) => v.versionId);
    if (!versions.length) return deleteVersion('null');
    let retries = 0;
    for (const v of versions) retries += (await deleteVersion(v)).retries;
    return { retries, key: objectKey };
  });

  add('delete-locked-version', async () => deleteVersion(res.latestVersion(objectKey) ?? 'null'), 'not-immutable');

  add(
    'shorten-retention',
    async () => {
      if (!adapter.putObjectRetention) throw new SkipStep(`per-object retention is not supported for provider ${adapter.provider}`);
      const versionId = res.latestVersion(objectKey);
      if (!versionId) throw new SkipStep('the write returned no version id: the bucket is not versioned, so it has no Object Lock and nothing holds the canary');
      let until: number | null = null;
      let mode: string | null = null;
      try {
        const h = await adapter.headObject(objectKey, versionId);
        if (h.retainUntil) {
          until = Date.parse(h.retainUntil);
          mode = h.lockMode ?? null;
        }
      } catch {
        // may not HEAD a version: fall back to the bucket's default retention
      }
      const lock = bucket.lockInfo();
      if (until === null && lock?.enabled && lock.mode && lock.days) {
        const at = res.record(objectKey)?.versions.find((v) => v.versionId === versionId)?.at ?? new Date();
        until = at.getTime() + lock.days * 86_400_000;
        mode = lock.mode;
      }
      if (until === null || !mode) {
        throw new SkipStep("the canary's version has no retention (the bucket has no Object Lock default retention): nothing holds it");
      }
      // Earlier than the retention it has, still in the future.
      const earlier = new Date(Date.now() + Math.max(1000, Math.floor((until - Date.now()) / 2)));
      const r = await adapter.putObjectRetention(objectKey, versionId, mode, earlier);
      return { retries: r.retries, key: objectKey };
    },
    'not-immutable',
  );
}
