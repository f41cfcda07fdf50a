// Removing what a run created, and nothing else (issue 13), each as the identity that created it
// (issue 15: the writer's canaries by the writer; see removeAs):
// - a key this run surely created: on an unversioned bucket a plain DELETE; on a versioned one every
//   version its writes returned and every delete marker its deletes created, each by version id
//   (DeleteObject with VersionId: s3:DeleteObjectVersion / oss:DeleteObjectVersion);
// - a key whose creation is uncertain (the answer was lost, or a retry met 412): only after a HEAD
//   proves it is this run's canary — the marker `backup-canary-run: <run id>`, the size and the
//   ETag of the canary's bytes — and on a versioned bucket only that proven version by id; otherwise
//   it is left untouched and reported (it may be another writer's object);
// - a version under Object Lock / WORM retention cannot be removed before its retention ends: it is
//   reported with `retainUntil` and `mode` (expected: it does not fail the verdict by itself).

import { CANARY_MARKER, type StorageAdapter } from './adapter.js';
import type { Creator, ObjectLockDescription, Leftover } from './model.js';
import { RequestFailure } from './model.js';
import type { ObjectRecord, Proof, Resources } from './resources.js';

export interface RemovalContext {
  adapter: StorageAdapter;
  res: Resources;
  /** The bucket's Object Lock, when known: estimates a retention the role may not HEAD. */
  lock: ObjectLockDescription | null;
  /** Two identities (issue 15): the writer removes what the writer created. */
  writer?: StorageAdapter;
  /**
   * With --no-assume the probed identity is the source credentials themselves: what the writer could
   * not remove of its own is tried once more with them (only what the ledger says the writer created).
   */
  writerFallback?: StorageAdapter;
}

/** The context whose adapter is the identity that created it. */
function as(c: RemovalContext, by: Creator): RemovalContext {
  return by === 'writer' && c.writer ? { ...c, adapter: c.writer } : c;
}

/**
 * One removal as the identity that created it; for the writer, what stays is tried once with the
 * fallback (--no-assume source credentials), and is reported as the writer's. Retained versions are
 * not retried: nothing removes them before their date.
 */
async function removeAs(c: RemovalContext, by: Creator, remove: (x: RemovalContext) => Promise<Leftover[]>): Promise<Leftover[]> {
  const first = await remove(as(c, by));
  if (by !== 'writer') return first;
  const retry = first.length === 1 && refused.has(first[0]!) && c.writerFallback && c.writer ? c.writerFallback : null;
  const out = retry ? (await remove({ ...c, adapter: retry })).map((l) => ({ ...l, why: `${first[0]!.why}; then with the source credentials: ${l.why}` })) : first;
  return out.map((l) => ({ ...l, by: 'writer' as const }));
}

const one = (l: Leftover | null): Leftover[] => (l ? [l] : []);

/** Leftovers that stay because a request was refused or failed (another identity may succeed). */
const refused = new WeakSet<Leftover>();
function failed(l: Leftover): Leftover {
  refused.add(l);
  return l;
}

/** Remove one key's canaries, each version and delete marker as the identity that created it; returns what stays. */
export async function removeObject(c: RemovalContext, rec: ObjectRecord): Promise<Leftover[]> {
  const out: Leftover[] = [];
  if (rec.state === 'uncertain' || rec.state === 'pending') {
    out.push(...(await removeAs(c, rec.by, async (x) => one(await removeIfProven(x, rec)))));
  } else if (rec.state === 'created' && rec.versions.length === 0) {
    out.push(...(await removeAs(c, rec.by, (x) => removeUnversioned(x, rec))));
  }
  for (const v of rec.versions) {
    out.push(...(await removeAs(c, v.by, async (x) => one(await removeVersion(x, rec.key, v.versionId, false, v.at)))));
  }
  for (const m of rec.markers) {
    out.push(...(await removeAs(c, m.by, async (x) => one(await removeVersion(x, rec.key, m.versionId, true, null)))));
  }
  return out;
}

/** No version id came back: an unversioned bucket. A plain DELETE removes it. */
async function removeUnversioned(c: RemovalContext, rec: ObjectRecord): Promise<Leftover[]> {
  const out: Leftover[] = [];
  try {
    const d = await c.adapter.deleteObject(rec.key);
    c.res.deleted(rec.key, d, rec.by);
    // The bucket was versioned after all (a version id was not returned): remove the marker too.
    if (d.deleteMarker && d.versionId) {
      const l = await removeVersion(c, rec.key, d.versionId, true, null);
      if (l) out.push(l);
      // A null delete marker (versioning Suspended) replaced the null version the write made: nothing
      // stays. Any other marker leaves the canary as a noncurrent version whose id never reached us.
      if (d.versionId !== 'null') out.push({ key: rec.key, why: 'the bucket keeps versions but the write returned no version id: the canary stays as a noncurrent version; remove it as the bucket owner' });
    }
  } catch (err) {
    const kept = retainedUnversioned(c, rec, err);
    out.push(kept ?? failed({ key: rec.key, why: why(c.adapter.actions.deleteObject, err) }));
  }
  return out;
}

export async function removeVersion(c: RemovalContext, key: string, versionId: string, marker: boolean, at: Date | null): Promise<Leftover | null> {
  const a = c.adapter;
  const base: Leftover = { key, versionId, why: '' };
  if (marker) base.deleteMarker = true;
  if (!a.deleteObjectVersion) {
    base.why = `a ${marker ? 'delete marker' : 'version'} of this run; removing by version id is not supported for provider ${a.provider}: remove it as the bucket owner`;
    return base;
  }
  try {
    await a.deleteObjectVersion(key, versionId);
    c.res.versionDeleted(key, versionId);
    return null;
  } catch (err) {
    if (err instanceof RequestFailure && (err.denial.code === 'NoSuchVersion' || (err.denial.code === 'NoSuchKey' && err.denial.httpStatus === 404))) {
      c.res.versionDeleted(key, versionId);
      return null;
    }
    if (!marker) {
      const r = await retention(c, key, versionId, at);
      if (r && Date.parse(r.until) > Date.now()) {
        base.retainUntil = r.until;
        base.mode = r.mode;
        base.why = `retained by ${r.mode === 'WORM' ? 'the WORM retention policy' : `Object Lock (${r.mode})`} until ${r.until}${r.estimated ? ' (from the bucket default retention)' : ''}: it cannot be removed before then`;
        return base;
      }
    }
    base.why = why(a.actions.deleteObjectVersion, err);
    return failed(base);
  }
}

/** The version's retention: from HEAD (versionId) when the role may read it, else the bucket default. */
async function retention(c: RemovalContext, key: string, versionId: string, at: Date | null): Promise<{ until: string; mode: string; estimated: boolean } | null> {
  try {
    const h = await c.adapter.headObject(key, versionId);
    if (h.retainUntil) return { until: h.retainUntil, mode: h.lockMode ?? c.lock?.mode ?? 'unknown', estimated: false };
  } catch {
    // may not HEAD a version (s3:GetObjectVersion): estimate below
  }
  const l = c.lock;
  if (l?.enabled && l.mode && l.days && at) return { until: new Date(at.getTime() + l.days * 86_400_000).toISOString(), mode: l.mode, estimated: true };
  return null;
}

/** An unversioned WORM bucket refuses the plain DELETE of an object it retains: report it with its date. */
function retainedUnversioned(c: RemovalContext, rec: ObjectRecord, err: unknown): Leftover | null {
  const l = c.lock;
  if (!(err instanceof RequestFailure) || err.denial.source !== 'object-lock' || !l?.enabled) return null;
  const mode = l.mode ?? 'WORM';
  const by = mode === 'WORM' ? 'the WORM retention policy' : `Object Lock (${mode})`;
  // The retention period could not be read (the lock was learned from the refusal): no date to give.
  if (!l.days || !rec.createdAt) return { key: rec.key, mode, why: `retained by ${by} (${err.denial.code}); its retention period could not be read, so its date is unknown: it cannot be removed before then` };
  const until = new Date(rec.createdAt.getTime() + l.days * 86_400_000).toISOString();
  return { key: rec.key, retainUntil: until, mode, why: `retained by ${by} until about ${until} (its write plus the ${l.days}-day retention): it cannot be removed before then` };
}

/** Whether HEAD's answer shows this run's canary bytes; the reason when not. */
export function proves(h: { size: number | null; etag?: string; metadata?: Record<string, string> }, p: Proof | undefined): string | null {
  if (!p) return 'nothing to compare it with';
  const marker = h.metadata?.[CANARY_MARKER];
  if (marker !== p.runId) return marker ? `its marker names run ${marker}` : `it has no ${CANARY_MARKER} marker`;
  if (h.size !== p.size) return `it has ${h.size ?? 'unknown'} bytes, the canary ${p.size}`;
  // OSS prints ETags in upper case, S3 in lower case.
  if (p.etag !== null && unquote(h.etag)?.toLowerCase() !== p.etag.toLowerCase()) return `its ETag ${h.etag ?? '(none)'} is not the canary's "${p.etag}"`;
  return null;
}

async function removeIfProven(c: RemovalContext, rec: ObjectRecord): Promise<Leftover | null> {
  const a = c.adapter;
  let h;
  try {
    h = await a.headObject(rec.key);
  } catch (err) {
    if (err instanceof RequestFailure && err.denial.httpStatus === 404) {
      c.res.disown(rec.key);
      return null;
    }
    // HEAD of a missing key is 403 without bucket-level s3:ListBucket: a prefix-scoped listing of
    // exactly this key tells whether anything is there.
    if (err instanceof RequestFailure && err.denial.httpStatus === 403 && (await listedAbsent(a, rec.key))) {
      c.res.disown(rec.key);
      return null;
    }
    return failed({ key: rec.key, why: `may exist (its upload did not get a clear answer); it is deleted only once a HEAD proves it is this run's canary, and ${why(a.actions.headObject, err)}` });
  }
  const notOurs = proves(h, rec.proof);
  if (notOurs) {
    const l: Leftover = { key: rec.key, why: `exists but is not proved to be this run's canary (${notOurs}): another writer's object, left untouched` };
    if (h.versionId) l.versionId = h.versionId;
    return l;
  }
  // Proven ours. Versioned: only this version, by id; unversioned: a plain DELETE.
  if (h.versionId && h.versionId !== 'null' && a.deleteObjectVersion) return removeVersion(c, rec.key, h.versionId, false, new Date());
  try {
    const d = await a.deleteObject(rec.key);
    c.res.deleted(rec.key, d, rec.by);
    if (d.deleteMarker && d.versionId) return removeVersion(c, rec.key, d.versionId, true, null);
    return null;
  } catch (err) {
    return failed({ key: rec.key, why: why(a.actions.deleteObject, err) });
  }
}

async function listedAbsent(a: StorageAdapter, key: string): Promise<boolean> {
  if (!a.listKeys) return false;
  try {
    return !(await a.listKeys(key)).includes(key);
  } catch {
    return false;
  }
}

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, '');
}

export function why(action: string, err: unknown, owner = true): string {
  const tail = owner ? '; remove it as the bucket owner' : '';
  if (err instanceof RequestFailure) {
    const d = err.denial;
    const verb = err.kind === 'denied' ? 'denied' : 'failed';
    return `${action} ${verb} (${d.code}${d.httpStatus ? ` ${d.httpStatus}` : ''})${tail}`;
  }
  return `${action} failed (${err instanceof Error ? err.message : String(err)})${tail}`;
}

/**
 * The sweeper on a versioned bucket: remove each listed version and delete marker of a stale canary
 * by its id. Versions still under retention stay and are reported with their date.
 */
export async function removeVersions(
  adapter: StorageAdapter,
  items: { key: string; versionId: string; deleteMarker: boolean; lastModified?: string }[],
  res: Resources,
): Promise<Leftover[]> {
  const c: RemovalContext = { adapter, res, lock: null };
  const out: Leftover[] = [];
  // One at a time per key keeps the order of a key's versions; keys in parallel.
  const byKey = new Map<string, typeof items>();
  for (const i of items) byKey.set(i.key, [...(byKey.get(i.key) ?? []), i]);
  await Promise.all(
    [...byKey.values()].map(async (list) => {
      for (const i of list) {
        const l = await removeVersion(c, i.key, i.versionId, i.deleteMarker, i.lastModified ? new Date(i.lastModified) : null);
        if (l) out.push(l);
      }
    }),
  );
  return out.sort((a, b) => a.key.localeCompare(b.key) || (a.versionId ?? '').localeCompare(b.versionId ?? ''));
}
