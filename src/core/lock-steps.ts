// Checks for versioned and Object Lock / WORM buckets (issue 13), on this run's own canary only:
// - delete-object-version: delete the canary's own version by id (s3:DeleteObjectVersion,
//   oss:DeleteObjectVersion); on an unversioned bucket the version id is `null`.
// - delete-locked-version: the same request on a locked bucket must be refused by the retention;
//   allowed means the lock does not hold (finding `not-immutable`).
// - shorten-retention: PutObjectRetention to an earlier date than the version's retention must be
//   refused (COMPLIANCE: always; GOVERNANCE: without s3:BypassGovernanceRetention). Allowed: `not-immutable`.
// - GOVERNANCE retention (the version's mode from HEAD, else the bucket default): both proofs send
//   x-amz-bypass-governance-retention: true. "To use this header, you must have the
//   s3:BypassGovernanceRetention permission" (API_DeleteObject); a role that has it can delete and
//   shorten, so ransomware holding its keys can too: refused means the lock holds against this role,
//   accepted is `not-immutable`, and the canary version is then really gone (the ledger drops it) or
//   its retention shortened (cleanup reports the new date from HEAD). Cleanup never sends the header.
//   Measured on Ceph RGW Pacific 16.2.15 (test/integration/versions-rgw.test.ts): PutObjectRetention
//   honours it as AWS does (refused without an Allow of s3:BypassGovernanceRetention), but DeleteObject
//   with a VersionId and the header deletes unless s3:BypassGovernanceRetention is explicitly denied.
// Sources: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html (retention modes),
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html ("Bypassing a
// Governance Retention configuration requires the s3:BypassGovernanceRetention permission"),
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html (VersionId).

import type { LockBypass, SentRequest, StorageAdapter } from './adapter.js';
import type { BucketFacts } from './bucket.js';
import type { CheckId, CheckRow } from './checks.js';
import type { Resources } from './resources.js';
import { SkipStep, type Step, type StepOutput } from './step.js';

interface LockStepInput {
  adapter: StorageAdapter;
  res: Resources;
  bucket: BucketFacts;
  objectKey: string;
  /** The plan's step builder (the catalog row gives op, sends, needs, after). */
  add: (id: CheckId, run: (sent: SentRequest) => Promise<StepOutput>, finding?: 'not-immutable') => void;
  /** The plan's steps so far (delete-locked-version's note when denied). */
  steps?: Step[];
}

/**
 * A delete or overwrite of a canary, which the bucket's retention may refuse (OSS WORM: 409
 * FileImmutable): such a refusal is expected, as a retained version is on S3 (issue 13 item 3).
 */
export function retentionMayRefuse(row: CheckRow): boolean {
  const onCanary = row.sends.key === 'object' || row.sends.key === 'multipart';
  return onCanary && (row.op === 'deleteObject' || row.op === 'deleteObjectVersion' || (row.op === 'putObject' && row.sends.ifNoneMatch === false));
}

export function lockSteps(x: LockStepInput): void {
  const { adapter, res, bucket, objectKey, add } = x;
  const deleteVersion = async (versionId: string, opts?: LockBypass): Promise<StepOutput> => {
    if (!adapter.deleteObjectVersion) throw new SkipStep(`deleting by version id is not supported for provider ${adapter.provider}`);
    const r = await adapter.deleteObjectVersion(objectKey, versionId, opts);
    res.versionDeleted(objectKey, versionId);
    return { retries: r.retries, key: objectKey };
  };

  /** The canary version's retention: HEAD of the version, else the bucket's default retention. */
  const retentionOf = async (versionId: string): Promise<{ until: number; mode: string } | null> => {
    try {
      const h = await adapter.headObject(objectKey, versionId);
      if (h.retainUntil) {
        const mode = h.lockMode ?? bucket.lockInfo()?.mode ?? null;
        if (mode) return { until: Date.parse(h.retainUntil), mode };
      }
    } catch {
      // may not HEAD a version: fall back to the bucket's default retention
    }
    const lock = bucket.lockInfo();
    if (lock?.enabled && lock.mode && lock.days) {
      const at = res.record(objectKey)?.versions.find((v) => v.versionId === versionId)?.at ?? new Date();
      return { until: at.getTime() + lock.days * 86_400_000, mode: lock.mode };
    }
    return null;
  };

  /**
   * GOVERNANCE: send the bypass header, so the proof holds only when the role lacks
   * s3:BypassGovernanceRetention (ransomware holding a role that has it can delete and shorten).
   */
  const bypassFor = (sent: SentRequest, mode: string | null): LockBypass => {
    if (mode !== 'GOVERNANCE') return {};
    sent.bypassGovernance = true;
    return { bypassGovernance: true };
  };
  const bypassNote = (opts: LockBypass, what: string): Pick<StepOutput, 'note'> =>
    opts.bypassGovernance
      ? { note: `sent with x-amz-bypass-governance-retention: true on a GOVERNANCE retention and the store ${what}: whoever holds these credentials can remove the protection (s3:BypassGovernanceRetention)` }
      : {};

  let unbypassed: string | undefined;
  add('delete-object-version', async () => {
    const versions = (res.record(objectKey)?.versions ?? []).map((v) => v.versionId);
    if (!versions.length) return deleteVersion('null');
    let retries = 0;
    for (const v of versions) retries += (await deleteVersion(v)).retries;
    return { retries, key: objectKey };
  });

  add(
    'delete-locked-version',
    async (sent) => {
      const versionId = res.latestVersion(objectKey) ?? 'null';
      const r = versionId === 'null' ? null : await retentionOf(versionId);
      const opts = bypassFor(sent, r?.mode ?? null);
      if (!r && versionId !== 'null' && bucket.lockInfo()?.enabled === null) {
        unbypassed = `the version's retention could not be read (a HEAD showed none; ${bucket.lockInfo()?.note}), so the request went without the governance bypass header: on a GOVERNANCE retention, s3:BypassGovernanceRetention is not tested`;
      }
      const out = await deleteVersion(versionId, opts);
      return { ...out, ...(unbypassed ? { note: unbypassed } : bypassNote(opts, 'deleted the retained version')) };
    },
    'not-immutable',
  );
  const locked = x.steps?.find((s) => s.id === 'delete-locked-version');
  if (locked) locked.noteWhenDenied = () => unbypassed;

  add(
    'shorten-retention',
    async (sent) => {
      if (!adapter.putObjectRetention) throw new SkipStep(`per-object retention is not supported for provider ${adapter.provider}`);
      const versionId = res.latestVersion(objectKey);
      if (!versionId) throw new SkipStep('the write returned no version id: the bucket is not versioned, so it has no Object Lock and nothing holds the canary');
      const r = await retentionOf(versionId);
      if (!r && bucket.lockInfo()?.enabled === null) {
        throw new SkipStep(`the canary version's retention could not be read (a HEAD of the version showed none, and ${bucket.lockInfo()?.note}): no earlier date to ask for`);
      }
      if (!r) throw new SkipStep("the canary's version has no retention (the bucket has no Object Lock default retention): nothing holds it");
      // Earlier than the retention it has, still in the future.
      const earlier = new Date(Date.now() + Math.max(1000, Math.floor((r.until - Date.now()) / 2)));
      const opts = bypassFor(sent, r.mode);
      const out = await adapter.putObjectRetention(objectKey, versionId, r.mode, earlier, opts);
      return { retries: out.retries, key: objectKey, ...bypassNote(opts, `shortened the retention to ${earlier.toISOString()}`) };
    },
    'not-immutable',
  );
}
