// Which canaries a probe definition expects to stay, and so which leftovers do not fail a target. One
// place for the verdict (src/core/probe.ts) and every report (src/report/common.ts).
// - `objects`: the definition requires delete-object to be denied (append-only), so the object stays;
// - `uploads`: it requires the abort to be denied, or does not need it (`any`, e.g. rclone);
// - `versions`: it does not require delete-object-version: on a versioned or Object Lock bucket the
//   role's DeleteObject leaves a noncurrent version and a delete marker that only s3:DeleteObjectVersion
//   removes. Real backup clients do not need that permission (restic and rclone never send it), so a
//   role without it is not a broken backup: the versions are listed for the owner to sweep
//   (`backup-canary cleanup`), never silently dropped.
// Versions kept by an Object Lock / WORM retention (`retainUntil`) stay by design and never fail.

import type { Expectation, Leftover } from './model.js';

export interface LeftoversExpected {
  objects: boolean;
  uploads: boolean;
  versions: boolean;
}

export function leftoversExpectedOf(expectation: (check: string) => Expectation | undefined): LeftoversExpected {
  const abort = expectation('multipart-abort');
  return {
    objects: expectation('delete-object') === 'deny',
    uploads: abort === 'deny' || abort === 'any',
    versions: expectation('delete-object-version') !== 'allow',
  };
}

export const NONE_EXPECTED: LeftoversExpected = { objects: false, uploads: false, versions: false };

/** The leftovers that make a target fail. */
export function unexpectedOf(leftovers: Leftover[], e: LeftoversExpected): Leftover[] {
  return leftovers.filter((l) => {
    // Retained by Object Lock / WORM (mode alone: the retention period could not be read).
    if (l.retainUntil || l.mode) return false;
    if (l.uploadId) return !e.uploads;
    if (l.versionId && e.versions) return false;
    return !e.objects;
  });
}
