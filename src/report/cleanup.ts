// The `cleanup` command's output: what the sweep found (stale canaries, incomplete uploads, what it
// left alone and why) and what it removed, as text or as one JSON document.

import type { SweepOutcome } from '../core/sweep.js';

export interface CleanupReportInput {
  bucket: string;
  prefix: string;
  /** --older-than as given (`24h`) and in seconds. */
  olderThan: string;
  olderThanSeconds: number;
  outcome: SweepOutcome;
}

export function renderCleanupReport(r: CleanupReportInput, format: 'text' | 'json'): string {
  const { root, plan, removed, leftovers, versions } = r.outcome;
  if (versions) return renderVersioned(r, format);
  if (format === 'json') {
    const out = {
      schemaVersion: 1,
      bucket: r.bucket,
      prefix: r.prefix,
      olderThanSeconds: r.olderThanSeconds,
      removed,
      objects: plan.objects,
      uploads: plan.uploads,
      tooRecent: plan.tooRecent,
      foreign: plan.foreign,
      leftovers,
    };
    return `${JSON.stringify(out, null, 2)}\n`;
  }
  const lines = [`Stale canaries under ${r.bucket}/${root} older than ${r.olderThan}: ${plan.objects.length} objects, ${plan.uploads.length} incomplete uploads.`];
  for (const o of plan.objects) lines.push(`  ${o.key}  (run ${o.runId}, ${Math.round(o.ageSeconds / 3600)} h old)`);
  for (const u of plan.uploads) lines.push(`  ${u.key}  upload ${u.uploadId}  (run ${u.runId})`);
  if (plan.tooRecent) lines.push(`Left alone: ${plan.tooRecent} canaries younger than ${r.olderThan} (a probe may be running).`);
  if (plan.foreign.length) lines.push(`Left alone: ${plan.foreign.length} keys under ${root} that are not backup-canary canaries.`);
  if (r.outcome.versionsNote) lines.push(`Note: ${r.outcome.versionsNote}.`);
  if (removed) {
    const count = plan.objects.length + plan.uploads.length - leftovers.length;
    lines.push(`Removed ${count}.${leftovers.length ? ` Could not remove ${leftovers.length}:` : ''}`);
    for (const l of leftovers) lines.push(`  ! ${l.key}${l.uploadId ? ` (upload ${l.uploadId})` : ''}: ${l.why}`);
  } else if (plan.objects.length + plan.uploads.length) {
    lines.push('Nothing removed: run again with --yes to remove them.');
  }
  return `${lines.join('\n')}\n`;
}

/** A versioned bucket: versions and delete markers, and the retained ones with their date. */
function renderVersioned(r: CleanupReportInput, format: 'text' | 'json'): string {
  const { root, plan, removed, leftovers } = r.outcome;
  const versions = r.outcome.versions!;
  const retained = leftovers.filter((l) => l.retainUntil);
  const failed = leftovers.filter((l) => !l.retainUntil);
  if (format === 'json') {
    const out = {
      schemaVersion: 1,
      bucket: r.bucket,
      prefix: r.prefix,
      olderThanSeconds: r.olderThanSeconds,
      removed,
      versioned: true,
      objects: plan.objects,
      versions: versions.versions,
      uploads: plan.uploads,
      tooRecent: plan.tooRecent,
      foreign: plan.foreign,
      leftovers,
    };
    return `${JSON.stringify(out, null, 2)}\n`;
  }
  const markers = versions.versions.filter((v) => v.deleteMarker).length;
  const lines = [
    `Stale canaries under ${r.bucket}/${root} older than ${r.olderThan}: ${versions.keys} objects (${versions.versions.length} versions and delete markers, ${markers} of them delete markers), ${plan.uploads.length} incomplete uploads.`,
  ];
  for (const v of versions.versions) lines.push(`  ${v.key}  ${v.deleteMarker ? 'delete marker' : 'version'} ${v.versionId}  (run ${v.runId}, ${Math.round(v.ageSeconds / 3600)} h old)`);
  for (const u of plan.uploads) lines.push(`  ${u.key}  upload ${u.uploadId}  (run ${u.runId})`);
  if (plan.tooRecent) lines.push(`Left alone: ${plan.tooRecent} canaries younger than ${r.olderThan} (a probe may be running).`);
  if (plan.foreign.length) lines.push(`Left alone: ${plan.foreign.length} keys under ${root} that are not backup-canary canaries (none of their versions is touched).`);
  if (removed) {
    lines.push(`Removed ${versions.versions.length + plan.uploads.length - leftovers.length}.`);
    if (retained.length) lines.push(`Retained by Object Lock / WORM (removable after their date): ${retained.length}`);
    for (const l of retained) lines.push(`  ~ ${l.key} (version ${l.versionId}): until ${l.retainUntil} (${l.mode})`);
    if (failed.length) lines.push(`Could not remove ${failed.length}:`);
    for (const l of failed) lines.push(`  ! ${l.key}${l.uploadId ? ` (upload ${l.uploadId})` : ` (${l.deleteMarker ? 'delete marker' : 'version'} ${l.versionId})`}: ${l.why}`);
  } else if (versions.versions.length + plan.uploads.length) {
    lines.push('Nothing removed: run again with --yes to remove them.');
  }
  return `${lines.join('\n')}\n`;
}
