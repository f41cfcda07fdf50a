// `backup-canary cleanup`: the sweeper (src/core/sweep.ts). Lists only keys under
// `<prefix>.backup-canary/` whose run id is older than the threshold, and incomplete uploads of such
// keys; shows them; removes them only with --yes. Exit 0 when done (or a dry run), 1 when something
// could not be removed, 3 when the store could not be listed.

import { EXIT, RequestFailure, UsageError } from '../core/model.js';
import { resolveTarget } from '../core/run.js';
import { writerTarget } from '../core/writer.js';
import { parseAge, sweepCanaries } from '../core/sweep.js';
import { renderCleanupFailure, renderCleanupReport } from '../report/cleanup.js';
import type { CleanupArgs } from './cleanup-args.js';
import type { Io } from './io.js';

export async function runCleanupCommand(a: CleanupArgs, io: Io): Promise<number> {
  const olderThan = parseAge(a['older-than']);
  if (olderThan === null) throw new UsageError(`--older-than: "${a['older-than']}" is not an age (e.g. 30m, 24h, 7d)`);
  const format = a.format === 'json' ? 'json' : 'text';
  const resolved = await resolveTarget(a, io.env);
  const { provider } = resolved;
  if (resolved.target.writer?.acl) throw new UsageError('--writer-acl applies to probes (the writer\'s put); the sweep sends no writes');
  // With --writer-role / --writer-profile the sweep runs as the writer: the identity that put the canaries.
  const target = writerTarget(resolved.target) ?? resolved.target;
  const adapter = provider.createAdapter(target);
  try {
    if (target.roleArn) await adapter.assumeRole();
    const outcome = await sweepCanaries(adapter, { prefix: target.prefix, olderThanSeconds: olderThan, remove: a.yes });
    io.stdout(renderCleanupReport({ bucket: target.bucket, prefix: target.prefix, olderThan: a['older-than'], olderThanSeconds: olderThan, outcome }, format));
    // Versions under Object Lock / WORM retention stay until their date by design: not a failure.
    return outcome.leftovers.some((l) => !l.retainUntil) ? EXIT.failed : EXIT.ok;
  } catch (err) {
    if (err instanceof RequestFailure) {
      io.stderr(renderCleanupFailure(err));
      return err.kind === 'denied' ? EXIT.failed : EXIT.incomplete;
    }
    throw err;
  } finally {
    adapter.close();
  }
}
