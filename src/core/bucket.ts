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
// Object Ownership and the bucket owner (issue 15; S3 GetBucketOwnershipControls, GetBucketAcl), read
// at the same time; what the role may not read is read with the owner's credentials when the run has
// them (adapter.ownerReads()). The canary object's owner is recorded by the reader steps
// (src/core/reader-steps.ts), and src/core/ownership.ts decides from the three after the run.

import type { AclOwner, OwnerAnswer, OwnerReads, OwnershipAnswer, StorageAdapter } from './adapter.js';
import {
  type CheckResult,
  type Denial,
  type ObjectLockDescription,
  type ObjectOwnershipDescription,
  type OwnerRecord,
  RequestFailure,
  type VersioningDescription,
} from './model.js';
import { annotateOwnership } from './ownership.js';
import type { Resources } from './resources.js';

/** How long the multipart check waits for the canary's write to tell the lock (when it cannot be read). */
const WRITE_WAIT_MS = 20_000;

/** The probed credentials read it (the role, or the source credentials with --no-assume). */
export const PROBED = 'probed';

/** Why nothing else read what the probed credentials could not (with --no-assume they are the source credentials). */
const NO_OTHER_CREDENTIALS = 'no other credentials in this run to read it with (with --explain, the --explain-profile or source credentials read what the role may not)';

export class BucketFacts {
  private reading: Promise<void> | null = null;
  private versioning: VersioningDescription | null = null;
  private lock: ObjectLockDescription | null = null;
  /** The lock configuration request was refused or failed (not: the provider has none). */
  private lockUnread = false;
  private wroteResolve: () => void = () => undefined;
  private readonly written = new Promise<void>((r) => (this.wroteResolve = r));
  private ownership: ObjectOwnershipDescription | null = null;
  private objectOwner: { key: string; owner: OwnerRecord | null; note?: string } | null = null;
  private learning: Promise<void> | null = null;
  /** Whether the probed identity wrote the canary (false: another identity, e.g. the application's writer). */
  private readerWrote = true;
  /** The canary object whose owner the reader steps read (set by src/core/reader-steps.ts). */
  canaryKey: string | null = null;

  constructor(private readonly adapter: StorageAdapter) {}

  /** Read the configurations once; never throws. */
  read(): Promise<void> {
    this.reading ??= Promise.all([this.readVersioning(), this.readLock(), this.readOwnership()]).then(() => undefined);
    return this.reading;
  }

  /** The canary objects were written by another identity than the probed one (the two-identity flow). */
  writtenByAnotherIdentity(writer?: StorageAdapter): void {
    this.readerWrote = false;
    // the writer owns what it put (under ObjectWriter): it may read the canary's ACL where the role may not
    const acl = writer?.getObjectAcl?.bind(writer);
    if (acl) this.writerAcl = async (key) => { const r = await acl(key); return { ...r, owner: r.owner ?? null }; };
  }

  /** The writer's GetObjectAcl (two identities), when no owner's credentials are given. */
  private writerAcl: ((key: string) => Promise<OwnerAnswer>) | null = null;

  /** Who else may read the canary's owner: the owner's credentials, else the writer that put it. */
  private objectOwnerReader(): Pick<OwnerReads, 'as' | 'getObjectOwner'> | null {
    const owner = this.adapter.ownerReads?.() ?? null;
    if (owner) return owner;
    const acl = this.writerAcl;
    return acl ? { as: "the writer's credentials", getObjectOwner: (key) => acl(key) } : null;
  }

  private async readOwnership(): Promise<void> {
    const a = this.adapter;
    if (!a.getBucketOwnershipControls) {
      this.ownership = { setting: 'unknown', why: 'not-supported', note: `${a.provider} has no Object Ownership setting` };
      return;
    }
    const owner = a.ownerReads?.() ?? null;
    const [setting, bucketOwner] = await Promise.all([
      readWith(() => a.getBucketOwnershipControls!(), owner && (() => owner.getBucketOwnershipControls()), owner),
      a.getBucketOwner ? readWith(() => a.getBucketOwner!(), owner && (() => owner.getBucketOwner()), owner) : null,
    ]);
    const d: ObjectOwnershipDescription = { setting: 'unknown' };
    if (setting.ok) {
      d.readAs = setting.as;
      if (setting.value.unanswered) Object.assign(d, { why: 'not-implemented', note: setting.value.unanswered });
      else if (setting.value.setting) d.setting = setting.value.setting;
      else Object.assign(d, { why: 'not-configured', note: 'no Object Ownership setting is stored for the bucket (a bucket made before the setting existed, or its setting was deleted): ACLs are enabled, and the writing account owns what it writes' });
    } else {
      Object.assign(d, { why: setting.why, note: setting.note });
    }
    if (bucketOwner?.ok && bucketOwner.value.owner && !bucketOwner.value.unanswered) d.bucketOwner = { ...bucketOwner.value.owner, readAs: bucketOwner.as };
    else if (bucketOwner) d.note = [d.note, `bucket owner: ${bucketOwner.ok ? (bucketOwner.value.unanswered ?? 'the ACL names no owner') : bucketOwner.note}`].filter(Boolean).join('; ');
    this.ownership = d;
  }

  /** What the get-object-acl check read as the probed credentials. */
  recordObjectOwner(key: string, owner: AclOwner | null): void {
    this.objectOwner = { key, owner: owner ? { ...owner, readAs: PROBED } : null, ...(owner ? {} : { note: 'the ACL names no owner' }) };
  }

  /**
   * A reader step was refused on the canary: read its owner with the owner's credentials, once (unless
   * the probed credentials already read it). Never throws; waited for before the step ends, so before cleanup.
   */
  learnObjectOwner(key: string, probedRefusal?: unknown): Promise<void> {
    if (this.objectOwner?.owner) return Promise.resolve();
    this.learning ??= (async () => {
      const owner = this.objectOwnerReader();
      const why = probedRefusal ? `${this.adapter.actions.getObjectAcl} as the probed credentials ${refusal(probedRefusal)}` : undefined;
      // get-object-acl may record the owner meanwhile (the probed credentials read it): that one stays
      const learned = (o: NonNullable<BucketFacts['objectOwner']>) => {
        if (!this.objectOwner?.owner) this.objectOwner = o;
      };
      if (!owner) {
        learned({ key, owner: null, note: [why, NO_OTHER_CREDENTIALS].filter(Boolean).join('; ') });
        return;
      }
      try {
        const r = await owner.getObjectOwner(key);
        learned(r.owner && !r.unanswered ? { key, owner: { ...r.owner, readAs: owner.as } } : { key, owner: null, note: r.unanswered ?? 'the ACL names no owner' });
      } catch (err) {
        learned({ key, owner: null, note: [why, `${this.adapter.actions.getObjectAcl} as ${owner.as} ${refusal(err)}`].filter(Boolean).join('; ') });
      }
    })();
    return this.learning;
  }

  /** After the run: the object owner on get-object-acl, and the ownership finding on each reader denial. */
  annotate(checks: CheckResult[]): void {
    const objectKey = this.canaryKey;
    // A provider without the setting (OSS) gets no ownership findings at all, not "undetermined" ones.
    if (!this.ownership || this.ownership.why === 'not-supported' || objectKey === null) return;
    const o = this.ownership;
    const known = this.objectOwner?.key === objectKey ? this.objectOwner : null;
    annotateOwnership(
      checks,
      {
        setting: o.setting,
        ...(o.why ? { settingWhy: o.why } : {}),
        bucketOwner: o.bucketOwner ?? null,
        objectKey,
        objectOwner: known?.owner ?? null,
        ...(known?.note ? { objectOwnerNote: known.note } : known ? {} : { objectOwnerNote: 'no reader step read it' }),
        readerWrote: this.readerWrote,
      },
      this.adapter.ownershipRemedy,
    );
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
      this.lockUnread = true;
      this.lock = { enabled: null, mode: null, days: null, note: `${a.actions.getObjectLockConfiguration} ${refusal(err)}; the canaries are kept small as on a locked bucket` };
    }
  }

  /**
   * Keep the canaries small: Object Lock (or WORM) is enabled, or its configuration could not be read
   * (a lock that cannot be read may still hold what the run writes for years: the multipart check
   * then uses one small part, as on a locked bucket, and the report's objectLock says so). A retained
   * canary is reported with its date when a HEAD of its version shows it, else from the refusal.
   */
  async keepSmall(): Promise<boolean> {
    await this.read();
    // Unreadable: the canary's own write tells (put-object runs first; bounded, so nothing waits forever).
    if (this.lockUnread && this.lock?.enabled === null) await Promise.race([this.written, new Promise((r) => setTimeout(r, WRITE_WAIT_MS).unref())]);
    return this.lock?.enabled === true || (this.lockUnread && this.lock?.enabled === null);
  }

  /** put-object has finished (or will not run): keepSmall() stops waiting for it. */
  wroteCanary(): void {
    this.wroteResolve();
  }

  /**
   * The configuration could not be read: learn the lock from the canary's own write — a HEAD of the
   * version it returned shows the retention the bucket's default put on it (x-amz-object-lock-mode,
   * -retain-until-date). Never throws.
   */
  async learnFromWrite(key: string, versionId: string | undefined): Promise<void> {
    const l = this.lock;
    if (!l || !this.lockUnread || l.enabled !== null) return;
    if (!versionId || versionId === 'null') {
      // No version id: an unversioned bucket, which cannot have a lock where the lock needs versioning.
      if (this.adapter.lockNeedsVersioning) {
        Object.assign(l, { enabled: false, from: 'write-responses' });
        l.note = `${l.note}; learned from the canary's write: it returned no version id, and Object Lock needs a versioned bucket`;
      }
      return;
    }
    try {
      const h = await this.adapter.headObject(key, versionId);
      if (h.retainUntil && h.lockMode) {
        Object.assign(l, { enabled: true, mode: h.lockMode, from: 'write-responses' });
        l.note = `${l.note}; learned from the canary's version (HEAD): retained (${h.lockMode}) until ${h.retainUntil}`;
      }
    } catch {
      // may not HEAD a version: the lock stays unknown (the canaries are small anyway)
    }
  }

  /**
   * A delete or overwrite of the canary refused by the retention (the store said so, e.g. OSS 409
   * FileImmutable): expected on a locked bucket, as a retained version is on S3. When the configuration
   * could not be read, the lock is learned from this refusal. Returns the check's note, or undefined
   * when the refusal is not the retention's (or the bucket is not known to be locked).
   */
  retentionRefused(d: Denial | undefined): string | undefined {
    const l = this.lock;
    if (!l || d?.source !== 'object-lock') return undefined;
    if (this.lockUnread && l.enabled === null) {
      Object.assign(l, { enabled: true, from: 'write-responses' });
      l.note = `${l.note}; learned from a delete or overwrite the retention refused (${d.code})`;
    }
    if (l.enabled !== true) return undefined;
    const what = l.mode === 'WORM' ? 'WORM retention policy' : `Object Lock${l.mode ? ` (${l.mode})` : ''}`;
    return `refused by the bucket's ${what} (${d.code}${d.httpStatus ? ` ${d.httpStatus}` : ''}): expected on a locked bucket; the canary stays until its retention ends and is listed under leftovers`;
  }

  lockInfo(): ObjectLockDescription | null {
    return this.lock;
  }

  /** Versioning as the report shows it: from GetBucketVersioning, else from the version ids writes returned. */
  describe(res: Resources): { versioning?: VersioningDescription; objectLock?: ObjectLockDescription; objectOwnership?: ObjectOwnershipDescription } {
    const out: { versioning?: VersioningDescription; objectLock?: ObjectLockDescription; objectOwnership?: ObjectOwnershipDescription } = {};
    if (this.versioning) {
      out.versioning = { ...this.versioning };
      if (out.versioning.status === 'unknown' && res.sawVersions()) out.versioning.status = 'Enabled';
    }
    if (this.lock) out.objectLock = { ...this.lock };
    if (this.ownership && this.ownership.why !== 'not-supported') out.objectOwnership = { ...this.ownership };
    return out;
  }

  /** Versioned (or suspended): cleanup works by version id and lists versions, not just keys. */
  versioned(res: Resources): boolean {
    const s = this.versioning?.status;
    return s === 'Enabled' || s === 'Suspended' || res.sawVersions();
  }
}

type Read<T> = { ok: true; value: T; as: string } | { ok: false; why: 'denied' | 'not-implemented' | 'failed'; note: string };

/**
 * One ownership read: as the probed credentials, then (when they are refused) as the owner's. An
 * unsupported request (405 / 501) is the store not implementing it.
 */
async function readWith<T extends OwnershipAnswer | OwnerAnswer>(probed: () => Promise<T>, asOwner: (() => Promise<T>) | null, owner: OwnerReads | null): Promise<Read<T>> {
  let first: unknown;
  try {
    return { ok: true, value: await probed(), as: PROBED };
  } catch (err) {
    first = err;
  }
  const unsupported = first instanceof RequestFailure && (first.denial.httpStatus === 405 || first.denial.httpStatus === 501);
  if (unsupported) return { ok: false, why: 'not-implemented', note: `refused as unsupported ${refusal(first)}` };
  const denied = first instanceof RequestFailure && first.kind === 'denied';
  if (!asOwner || !owner) return { ok: false, why: denied ? 'denied' : 'failed', note: `as the probed credentials ${refusal(first)}; ${NO_OTHER_CREDENTIALS}` };
  try {
    return { ok: true, value: await asOwner(), as: owner.as };
  } catch (err) {
    const ownerDenied = err instanceof RequestFailure && err.kind === 'denied';
    return { ok: false, why: denied && ownerDenied ? 'denied' : 'failed', note: `as the probed credentials ${refusal(first)}; as ${owner.as} ${refusal(err)}` };
  }
}

function refusal(err: unknown): string {
  if (err instanceof RequestFailure) {
    return `${err.kind === 'denied' ? 'denied' : 'failed'} (${err.denial.code}${err.denial.httpStatus ? ` ${err.denial.httpStatus}` : ''})`;
  }
  return `failed (${err instanceof Error ? err.message : String(err)})`;
}
