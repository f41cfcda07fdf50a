// What this run created and has not yet removed. Cleanup acts on exactly this, so the tool never
// touches an object it did not create: on a versioned bucket every version a write of this run
// returned and every delete marker a delete of this run created, by version id; a key whose creation
// is uncertain only after a HEAD proves it is this run's canary (see Proof).

// Two identities (issue 15): every key, version and delete marker records who created it (`by`: the
// probed identity or the writer), and cleanup removes each with the identity that created it.

import type { DeleteMeta, WriteMeta } from './adapter.js';
import { type Creator, type Leftover, RequestFailure } from './model.js';

export type ObjectState = 'pending' | 'created' | 'uncertain' | 'deleted';

/** What identifies the canary's current bytes at a key: the marker, size and ETag a HEAD must show. */
export interface Proof {
  runId: string;
  size: number;
  /** The ETag a plain write of these bytes gets: the MD5 (single put) or MD5-of-MD5s-N (multipart). */
  etag: string | null;
}

export interface ObjectRecord {
  key: string;
  /** `deleted`: the current object is gone (a delete marker) but versions of this run remain. */
  state: ObjectState;
  /** Who wrote the key's current object (or attempted to: a pending or uncertain create). */
  by: Creator;
  /** Version ids this run's writes returned, oldest first, each with the identity that wrote it. */
  versions: { versionId: string; at: Date; by: Creator }[];
  /** Delete markers this run's deletes created, each with the identity whose delete created it. */
  markers: { versionId: string; by: Creator }[];
  proof?: Proof;
  /** When this run's last write at the key succeeded (estimates a retention the role may not read). */
  createdAt?: Date;
}

export class Resources {
  private readonly objects = new Map<string, ObjectRecord>();
  private readonly uploads = new Map<string, string>();
  private readonly foreign: Leftover[] = [];
  /** A write or delete of this run got a version id back (stays true after cleanup). */
  private versionSeen = false;

  private entry(key: string): ObjectRecord {
    let e = this.objects.get(key);
    if (!e) {
      e = { key, state: 'pending', by: 'probe', versions: [], markers: [] };
      this.objects.set(key, e);
    }
    return e;
  }

  pending(key: string, proof?: Proof, by: Creator = 'probe'): void {
    const e = this.entry(key);
    if (e.state !== 'created') {
      e.state = 'pending';
      e.by = by;
    }
    if (proof) e.proof = proof;
  }
  /** A write by `by` succeeded: the key is ours, and so is the version it returned. */
  created(key: string, w: Partial<WriteMeta> = {}, proof?: Proof, by: Creator = 'probe'): void {
    const e = this.entry(key);
    e.state = 'created';
    e.by = by;
    e.createdAt = new Date();
    if (proof) e.proof = proof;
    if (w.versionId) this.versionSeen = true;
    if (w.versionId && !e.versions.some((v) => v.versionId === w.versionId)) e.versions.push({ versionId: w.versionId, at: new Date(), by });
  }
  /**
   * A create failed. A denial, or a refusal such as 412 (the key existed: not ours), on the first
   * attempt means nothing was written. Any other failure (timeout, dropped connection), and any answer
   * after retries, leaves it uncertain: an earlier attempt whose answer was lost may have written the
   * key (the retry then meets it: 412 on If-None-Match) — or another writer may have.
   */
  failedCreate(key: string, err: unknown): void {
    const answered = err instanceof RequestFailure && err.retries === 0 && err.denial.httpStatus !== null && err.denial.httpStatus < 500;
    const e = this.entry(key);
    if (!answered) e.state = 'uncertain';
    else if (e.versions.length || e.markers.length) e.state = e.state === 'pending' ? 'deleted' : e.state;
    else this.objects.delete(key);
  }
  /** A delete (by `by`) without version id succeeded; on a versioned bucket it created a delete marker. */
  deleted(key: string, d: Partial<DeleteMeta> = {}, by: Creator = 'probe'): void {
    const e = this.objects.get(key);
    if (d.deleteMarker && d.versionId) {
      this.versionSeen = true;
      const rec = e ?? this.entry(key);
      const id = d.versionId;
      if (!rec.markers.some((m) => m.versionId === id)) rec.markers.push({ versionId: id, by });
      rec.state = 'deleted';
      return;
    }
    if (!e) return;
    if (e.versions.length || e.markers.length) e.state = 'deleted';
    else this.objects.delete(key);
  }
  /** A version or delete marker of this run was removed by id. */
  versionDeleted(key: string, versionId: string): void {
    const e = this.objects.get(key);
    if (!e) return;
    e.versions = e.versions.filter((v) => v.versionId !== versionId);
    e.markers = e.markers.filter((m) => m.versionId !== versionId);
    if (!e.versions.length && !e.markers.length) this.objects.delete(key);
  }
  /** The key's current object is not this run's (proved by HEAD): forget it, keep nothing to delete. */
  disown(key: string): void {
    this.objects.delete(key);
  }
  isCreated(key: string): boolean {
    return this.objects.get(key)?.state === 'created';
  }
  record(key: string): ObjectRecord | undefined {
    return this.objects.get(key);
  }
  /** The newest version id a write of this run returned at the key. */
  latestVersion(key: string): string | undefined {
    const v = this.objects.get(key)?.versions;
    return v?.length ? v[v.length - 1]!.versionId : undefined;
  }
  /** Whether any write of this run got a version id back (the bucket is or was versioned). */
  sawVersions(): boolean {
    return this.versionSeen;
  }
  /** Another writer's version found at one of this run's keys: never removed, always reported. */
  noteForeign(l: Leftover): void {
    if (!this.foreign.some((f) => f.key === l.key && f.versionId === l.versionId)) this.foreign.push(l);
  }
  foreignVersions(): Leftover[] {
    return [...this.foreign];
  }
  uploadStarted(key: string, uploadId: string): void {
    this.uploads.set(uploadId, key);
  }
  uploadEnded(uploadId: string): void {
    this.uploads.delete(uploadId);
  }
  /** Objects to remove in cleanup, with whether they surely exist and the versions of this run. */
  remainingObjects(): ObjectRecord[] {
    return [...this.objects.values()].map((e) => ({ ...e, versions: [...e.versions], markers: [...e.markers] }));
  }
  /** Whether any key, version or marker still recorded was created by `by`. */
  holdsFrom(by: Creator): boolean {
    return [...this.objects.values()].some((e) => e.by === by || e.versions.some((v) => v.by === by) || e.markers.some((m) => m.by === by));
  }
  remainingUploads(): { key: string; uploadId: string }[] {
    return [...this.uploads].map(([uploadId, key]) => ({ key, uploadId }));
  }
}
