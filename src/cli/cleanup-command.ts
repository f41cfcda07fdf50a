// `backup-canary cleanup`: the sweeper. Lists only keys under `<prefix>.backup-canary/` whose run id
// is older than the threshold, and incomplete uploads of such keys; shows them; removes them only
// with --yes. Exit 0 when done (or a dry run), 1 when something could not be removed, 3 when the
// store could not be listed.

import { EXIT, type Leftover, RequestFailure, UsageError } from '../core/model.js';
import { cleanup } from '../core/runner.js';
import { Resources } from '../core/resources.js';
import { CANARY_DIR } from '../core/canary.js';
import { looksVersioned, parseAge, planSweep, planVersionSweep } from '../core/sweep.js';
import { removeVersions } from '../core/removal.js';
import type { ObjectVersion } from '../core/adapter.js';
import { loadProvider, providerForRole } from '../providers/registry.js';
import type { CleanupArgs } from './cleanup-args.js';
import type { Io } from './io.js';
import type { ProbeArgs } from './probe-args.js';
import { targetOptions } from './probe-command.js';

export async function runCleanupCommand(a: CleanupArgs, io: Io): Promise<number> {
  const olderThan = parseAge(a['older-than']);
  if (olderThan === null) throw new UsageError(`--older-than: "${a['older-than']}" is not an age (e.g. 30m, 24h, 7d)`);
  const probeArgs: ProbeArgs = { ...a, internal: false, format: [], quick: false, verbose: false, probe: 'default', explain: false };
  const target = targetOptions(probeArgs);
  const providerName = a.provider ?? providerForRole(target.roleArn);
  const provider = await loadProvider(providerName);
  provider.validate(target);
  const adapter = provider.createAdapter(target);
  const root = `${target.prefix}${CANARY_DIR}`;
  const say = (s: string) => a.format === 'text' && io.stdout(`${s}\n`);
  try {
    if (!adapter.listKeys || !adapter.listAllUploads) throw new UsageError(`cleanup is not supported for provider ${providerName}`);
    if (target.roleArn) await adapter.assumeRole();
    // A versioned bucket keeps every version and delete marker: list those (ListObjectVersions) when
    // the role may; an unversioned bucket (only `null` ids, no markers) is swept by key as before.
    let listed: ObjectVersion[] | null = null;
    if (adapter.listObjectVersions) {
      try {
        listed = (await adapter.listObjectVersions(root)).versions;
      } catch (err) {
        if (!(err instanceof RequestFailure)) throw err;
        say(`Versions not listed (${adapter.actions.listObjectVersions} ${err.kind === 'denied' ? 'denied' : 'failed'}: ${err.denial.code}): sweeping current objects only; a versioned bucket keeps their older versions.`);
      }
    }
    if (listed && looksVersioned(listed)) return await sweepVersions(listed, olderThan);
    const [keys, uploads] = await Promise.all([adapter.listKeys(root), adapter.listAllUploads(root)]);
    const plan = planSweep(target.prefix, keys, uploads, olderThan);
    say(`Stale canaries under ${target.bucket}/${root} older than ${a['older-than']}: ${plan.objects.length} objects, ${plan.uploads.length} incomplete uploads.`);
    for (const o of plan.objects) say(`  ${o.key}  (run ${o.runId}, ${Math.round(o.ageSeconds / 3600)} h old)`);
    for (const u of plan.uploads) say(`  ${u.key}  upload ${u.uploadId}  (run ${u.runId})`);
    if (plan.tooRecent) say(`Left alone: ${plan.tooRecent} canaries younger than ${a['older-than']} (a probe may be running).`);
    if (plan.foreign.length) say(`Left alone: ${plan.foreign.length} keys under ${root} that are not backup-canary canaries.`);

    let leftovers: { key: string; uploadId?: string; why: string }[] = [];
    if (a.yes) {
      // The runner's cleanup does exactly this for a run's own canaries: abort, then delete.
      const res = new Resources();
      for (const u of plan.uploads) res.uploadStarted(u.key, u.uploadId!);
      for (const o of plan.objects) res.created(o.key);
      leftovers = await cleanup(adapter, { resources: res });
      const removed = plan.objects.length + plan.uploads.length - leftovers.length;
      say(`Removed ${removed}.${leftovers.length ? ` Could not remove ${leftovers.length}:` : ''}`);
      for (const l of leftovers) say(`  ! ${l.key}${l.uploadId ? ` (upload ${l.uploadId})` : ''}: ${l.why}`);
    } else if (plan.objects.length + plan.uploads.length) {
      say('Nothing removed: run again with --yes to remove them.');
    }
    if (a.format === 'json') {
      io.stdout(`${JSON.stringify({ schemaVersion: 1, bucket: target.bucket, prefix: target.prefix, olderThanSeconds: olderThan, removed: a.yes, objects: plan.objects, uploads: plan.uploads, tooRecent: plan.tooRecent, foreign: plan.foreign, leftovers }, null, 2)}\n`);
    }
    return leftovers.length ? EXIT.failed : EXIT.ok;

    async function sweepVersions(versions: ObjectVersion[], olderThan: number): Promise<number> {
      const uploads = await adapter.listAllUploads!(root);
      const vplan = planVersionSweep(target.prefix, versions, olderThan);
      const uplan = planSweep(target.prefix, [], uploads, olderThan);
      const markers = vplan.versions.filter((v) => v.deleteMarker).length;
      say(
        `Stale canaries under ${target.bucket}/${root} older than ${a['older-than']}: ${vplan.keys} objects (${vplan.versions.length} versions and delete markers, ${markers} of them delete markers), ${uplan.uploads.length} incomplete uploads.`,
      );
      for (const v of vplan.versions) say(`  ${v.key}  ${v.deleteMarker ? 'delete marker' : 'version'} ${v.versionId}  (run ${v.runId}, ${Math.round(v.ageSeconds / 3600)} h old)`);
      for (const u of uplan.uploads) say(`  ${u.key}  upload ${u.uploadId}  (run ${u.runId})`);
      if (vplan.tooRecent + uplan.tooRecent) say(`Left alone: ${vplan.tooRecent + uplan.tooRecent} canaries younger than ${a['older-than']} (a probe may be running).`);
      const foreign = [...vplan.foreign, ...uplan.foreign];
      if (foreign.length) say(`Left alone: ${foreign.length} keys under ${root} that are not backup-canary canaries (none of their versions is touched).`);
      let left: Leftover[] = [];
      if (a.yes) {
        const res = new Resources();
        for (const u of uplan.uploads) res.uploadStarted(u.key, u.uploadId!);
        left = [...(await cleanup(adapter, { resources: res })), ...(await removeVersions(adapter, vplan.versions, res))];
        const retained = left.filter((l) => l.retainUntil);
        const failed = left.filter((l) => !l.retainUntil);
        say(`Removed ${vplan.versions.length + uplan.uploads.length - left.length}.`);
        if (retained.length) say(`Retained by Object Lock / WORM (removable after the date): ${retained.length}:`);
        for (const l of retained) say(`  ~ ${l.key} (version ${l.versionId}): until ${l.retainUntil} (${l.mode})`);
        if (failed.length) say(`Could not remove ${failed.length}:`);
        for (const l of failed) say(`  ! ${l.key}${l.uploadId ? ` (upload ${l.uploadId})` : ` (${l.deleteMarker ? 'delete marker' : 'version'} ${l.versionId})`}: ${l.why}`);
      } else if (vplan.versions.length + uplan.uploads.length) {
        say('Nothing removed: run again with --yes to remove them.');
      }
      if (a.format === 'json') {
        io.stdout(
          `${JSON.stringify({ schemaVersion: 1, bucket: target.bucket, prefix: target.prefix, olderThanSeconds: olderThan, removed: a.yes, versioned: true, objects: [], versions: vplan.versions, uploads: uplan.uploads, tooRecent: vplan.tooRecent + uplan.tooRecent, foreign, leftovers: left }, null, 2)}\n`,
        );
      }
      // Versions under retention are expected to stay until their date: not a failure of the sweep.
      return left.some((l) => !l.retainUntil) ? EXIT.failed : EXIT.ok;
    }
  } catch (err) {
    if (err instanceof RequestFailure) {
      io.stderr(`backup-canary cleanup: ${err.denial.code}${err.denial.httpStatus ? ` ${err.denial.httpStatus}` : ''} at ${err.denial.stage}: ${err.denial.hint}\n`);
      return err.kind === 'denied' ? EXIT.failed : EXIT.incomplete;
    }
    throw err;
  } finally {
    adapter.close();
  }
}
