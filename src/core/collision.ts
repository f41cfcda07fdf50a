// Never overwrite what is not ours (issue 13, item 7): the guards around a conditional write. RGW
// ignores If-None-Match: * on CompleteMultipartUpload, and on PutObject of a versioned bucket (OSS:
// x-oss-forbid-overwrite has no effect on a versioned bucket), so the key is checked absent before a
// multipart completion, and on a versioned bucket the versions at the key are checked after a write:
// another writer's version is reported (never removed) and the check fails.

import type { StorageAdapter } from './adapter.js';
import type { Resources } from './resources.js';
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
