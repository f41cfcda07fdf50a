// What the probe knows about the bucket before it writes: versioning (a versioned bucket keeps every
// version and delete marker, so cleanup must remove them by version id) and Object Lock / WORM
// retention (versions stay until their retention ends, so the canaries are kept small). Read once, by
// the first write step (after AssumeRole); a role that may not read them is not a failure: versioning
// is then learned from the writes' version ids, and the report says what could not be read.
//
// S3: GetBucketVersioning, GetObjectLockConfiguration
//   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html,
//    https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectLockConfiguration.html)
// OSS: GetBucketVersioning, GetBucketWorm
//   (https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketversioning,
//    https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketworm)

import type { StorageAdapter } from './adapter.js';
import { type ObjectLockDescription, RequestFailure, type VersioningDescription } from './model.js';
import type { Resources } from './resources.js';

export class BucketFacts {
  private reading: Promise<void> | null = null;
  private versioning: VersioningDescription | null = null;
  private lock: ObjectLockDescription | null = null;

  constructor(private readonly adapter: StorageAdapter) {}

  /** Read both configurations once; never throws. */
  read(): Promise<void> {
    this.reading ??= Promise.all([this.readVersioning(), this.readLock()]).then(() => undefined);
    return this.reading;
  }

  private async readVersioning(): Promise<void> {
    const a = this.adapter;
    if (!a.getBucketVersioning) {
      this.versioning = { status: 'unknown', from: 'write-responses', note: `GetBucketVersioning is not supported for provider ${a.provider}` };
      return;
    }
    try {
      this.versioning = { status: (await a.getBucketVersioning()).status, from: 'GetBucketVersioning' };
    } catch (err) {
      this.versioning = { status: 'unknown', from: 'write-responses', note: `${a.actions.getBucketVersioning} ${refusal(err)}; versioning is learned from the writes' version ids` };
    }
  }

  private async readLock(): Promise<void> {
    const a = this.adapter;
    if (!a.getObjectLockConfiguration) {
      this.lock = { enabled: null, mode: null, days: null, note: `not supported for provider ${a.provider}` };
      return;
    }
    try {
      const { lock } = await a.getObjectLockConfiguration();
      this.lock = { enabled: lock.enabled, mode: lock.mode, days: lock.days };
      if (lock.state) this.lock.state = lock.state;
    } catch (err) {
      this.lock = { enabled: null, mode: null, days: null, note: `${a.actions.getObjectLockConfiguration} ${refusal(err)}` };
    }
  }

  /**
   * Object Lock (or WORM) is enabled: the canaries are kept small. When the configuration could not be
   * read the normal sizes are used (the report's objectLock says it could not be read); a retained
   * canary is still reported, with its date when a HEAD of its version shows it.
   */
  locked(): boolean {
    return this.lock?.enabled === true;
  }

  lockInfo(): ObjectLockDescription | null {
    return this.lock;
  }

  /** Versioning as the report shows it: from GetBucketVersioning, else from the version ids writes returned. */
  describe(res: Resources): { versioning?: VersioningDescription; objectLock?: ObjectLockDescription } {
    const out: { versioning?: VersioningDescription; objectLock?: ObjectLockDescription } = {};
    if (this.versioning) {
      out.versioning = { ...this.versioning };
      if (out.versioning.status === 'unknown' && res.sawVersions()) out.versioning.status = 'Enabled';
    }
    if (this.lock) out.objectLock = { ...this.lock };
    return out;
  }

  /** Versioned (or suspended): cleanup works by version id and lists versions, not just keys. */
  versioned(res: Resources): boolean {
    const s = this.versioning?.status;
    return s === 'Enabled' || s === 'Suspended' || res.sawVersions();
  }
}

function refusal(err: unknown): string {
  if (err instanceof RequestFailure) {
    return `${err.kind === 'denied' ? 'denied' : 'failed'} (${err.denial.code}${err.denial.httpStatus ? ` ${err.denial.httpStatus}` : ''})`;
  }
  return `failed (${err instanceof Error ? err.message : String(err)})`;
}
