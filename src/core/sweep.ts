// The sweeper's decisions, provider-neutral and pure: which listed keys and uploads are stale
// canaries. Only keys of the exact form `<prefix>.backup-canary/<run-id>/<name>.bin`, whose run id
// parses as a time older than the threshold, qualify. Anything else — `.backup-canary-notes.txt`,
// `backups/data.bin`, a folder a person named `.backup-canary/notes/` — is never touched.

import type { ObjectVersion, StorageAdapter } from './adapter.js';
import { canaryFolder, runIdTime } from './canary.js';
import { type Leftover, RequestFailure, UsageError } from './model.js';
import { Resources } from './resources.js';
import { cleanup } from './runner.js';
import { removeVersions } from './removal.js';

export interface SweepItem {
  key: string;
  uploadId?: string;
  runId: string;
  ageSeconds: number;
}

export interface SweepPlan {
  objects: SweepItem[];
  uploads: SweepItem[];
  /** Canaries younger than the threshold (a probe may be running). */
  tooRecent: number;
  /** Keys under the canary folder that are not canaries of this tool. */
  foreign: string[];
}

const NAME = /^[a-z0-9-]{1,40}\.bin$/;

/** The run id of a canary key under the prefix, or null when the key is not one of ours. */
export function canaryRunId(prefix: string, key: string): string | null {
  const root = canaryFolder(prefix);
  if (!key.startsWith(root)) return null;
  const rest = key.slice(root.length).split('/');
  if (rest.length !== 2 || !NAME.test(rest[1]!)) return null;
  return runIdTime(rest[0]!) ? rest[0]! : null;
}

export function planSweep(
  prefix: string,
  keys: string[],
  uploads: { key: string; uploadId: string }[],
  olderThanSeconds: number,
  now: Date = new Date(),
): SweepPlan {
  const plan: SweepPlan = { objects: [], uploads: [], tooRecent: 0, foreign: [] };
  const consider = (key: string, uploadId?: string) => {
    const runId = canaryRunId(prefix, key);
    if (!runId) {
      plan.foreign.push(uploadId ? `${key} (upload ${uploadId})` : key);
      return;
    }
    const ageSeconds = Math.floor((now.getTime() - runIdTime(runId)!.getTime()) / 1000);
    if (ageSeconds < olderThanSeconds) {
      plan.tooRecent++;
      return;
    }
    const item: SweepItem = { key, runId, ageSeconds };
    if (uploadId) plan.uploads.push({ ...item, uploadId });
    else plan.objects.push(item);
  };
  for (const k of keys) consider(k);
  for (const u of uploads) consider(u.key, u.uploadId);
  return plan;
}

export interface VersionSweepItem extends SweepItem {
  versionId: string;
  deleteMarker: boolean;
  lastModified?: string;
}

export interface VersionSweepPlan {
  /** Every version and delete marker of a stale canary key, each removed by its id. */
  versions: VersionSweepItem[];
  /** Distinct stale canary keys. */
  keys: number;
  tooRecent: number;
  /** Keys (not versions) under the canary folder that are not canaries of this tool. */
  foreign: string[];
}

/**
 * A versioned bucket: the same decision per version. Only versions of stale canary keys qualify; a
 * decoy key's versions (and delete markers) are never touched.
 */
export function planVersionSweep(prefix: string, listed: ObjectVersion[], olderThanSeconds: number, now: Date = new Date()): VersionSweepPlan {
  const plan: VersionSweepPlan = { versions: [], keys: 0, tooRecent: 0, foreign: [] };
  const keys = new Set<string>();
  const recent = new Set<string>();
  const foreign = new Set<string>();
  for (const v of listed) {
    const runId = canaryRunId(prefix, v.key);
    if (!runId) {
      foreign.add(v.key);
      continue;
    }
    const ageSeconds = Math.floor((now.getTime() - runIdTime(runId)!.getTime()) / 1000);
    if (ageSeconds < olderThanSeconds) {
      recent.add(v.key);
      continue;
    }
    keys.add(v.key);
    const item: VersionSweepItem = { key: v.key, runId, ageSeconds, versionId: v.versionId, deleteMarker: v.deleteMarker };
    if (v.lastModified) item.lastModified = v.lastModified;
    plan.versions.push(item);
  }
  plan.keys = keys.size;
  plan.tooRecent = recent.size;
  plan.foreign = [...foreign];
  return plan;
}

/** Whether a version listing shows a versioned (or once versioned) bucket: ids other than `null`, or markers. */
export function looksVersioned(listed: ObjectVersion[]): boolean {
  return listed.some((v) => v.deleteMarker || v.versionId !== 'null');
}

export interface SweepOutcome {
  /** The folder listed: `<prefix>.backup-canary/`. */
  root: string;
  plan: SweepPlan;
  /** Whether removal was asked for (--yes); without it, nothing is touched. */
  removed: boolean;
  /** What could not be removed, and why (versions under retention carry `retainUntil`: expected). */
  leftovers: Leftover[];
  /** A versioned bucket: every version and delete marker of the stale canaries (plan.objects is empty). */
  versions?: VersionSweepPlan;
  /** Why versions were not listed (e.g. ListBucketVersions denied): only current objects are swept. */
  versionsNote?: string;
}

/**
 * The sweep of one bucket and prefix: list the canary folder (keys and incomplete uploads), plan, and
 * with `remove` abort and delete exactly the planned items, as the runner's cleanup does for a run's
 * own canaries. The adapter has assumed its role (if any) already. A failed listing throws.
 */
export async function sweepCanaries(
  adapter: StorageAdapter,
  o: { prefix: string; olderThanSeconds: number; remove: boolean; now?: Date },
): Promise<SweepOutcome> {
  if (!adapter.listKeys || !adapter.listAllUploads) throw new UsageError('cleanup is not supported for this provider');
  const root = canaryFolder(o.prefix);
  // A versioned bucket keeps every version and delete marker: list those (ListObjectVersions) when
  // the role may. An unversioned bucket (only `null` ids, no markers) is swept by key.
  let listed: ObjectVersion[] | null = null;
  let versionsNote: string | undefined;
  if (adapter.listObjectVersions) {
    try {
      listed = (await adapter.listObjectVersions(root)).versions;
    } catch (err) {
      if (!(err instanceof RequestFailure)) throw err;
      versionsNote = `${adapter.actions.listObjectVersions} ${err.kind === 'denied' ? 'denied' : 'failed'} (${err.denial.code}): only current objects are swept; on a versioned bucket their older versions and delete markers stay`;
    }
  }
  if (listed && looksVersioned(listed)) {
    const uploads = await adapter.listAllUploads(root);
    const versions = planVersionSweep(o.prefix, listed, o.olderThanSeconds, o.now);
    const plan = planSweep(o.prefix, [], uploads, o.olderThanSeconds, o.now);
    plan.tooRecent += versions.tooRecent;
    plan.foreign.push(...versions.foreign);
    if (!o.remove) return { root, plan, removed: false, leftovers: [], versions };
    const res = new Resources();
    for (const u of plan.uploads) res.uploadStarted(u.key, u.uploadId!);
    const leftovers = [...(await cleanup(adapter, { resources: res })), ...(await removeVersions(adapter, versions.versions, res))];
    return { root, plan, removed: true, leftovers, versions };
  }
  const [keys, uploads] = await Promise.all([adapter.listKeys(root), adapter.listAllUploads(root)]);
  const plan = planSweep(o.prefix, keys, uploads, o.olderThanSeconds, o.now);
  const note = versionsNote ? { versionsNote } : {};
  if (!o.remove) return { root, plan, removed: false, leftovers: [], ...note };
  const res = new Resources();
  for (const u of plan.uploads) res.uploadStarted(u.key, u.uploadId!);
  for (const p of plan.objects) res.created(p.key);
  return { root, plan, removed: true, leftovers: await cleanup(adapter, { resources: res }), ...note };
}

/** `24h`, `30m`, `7d`, `90s`, `0s` → seconds. */
export function parseAge(value: string): number | null {
  const m = /^(\d{1,6})\s*(s|m|h|d|w)$/.exec(value.trim());
  if (!m) return null;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
}
