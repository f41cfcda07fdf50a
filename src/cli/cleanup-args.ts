// Flags of `backup-canary cleanup`. Declarations only: the target's options are the probe's
// (src/cli/target-args.ts); the sweep itself is src/core/sweep.ts.

import type { Argv } from 'yargs';
import type { TargetFlags } from '../core/options.js';
import { targetArgs } from './target-args.js';

export interface CleanupArgs extends TargetFlags {
  'older-than': string;
  yes: boolean;
  format: string;
}

export function cleanupBuilder(y: Argv): Argv<CleanupArgs> {
  return targetArgs<CleanupArgs>(y, {
    role: 'Role to assume for the sweep (or --no-assume: the source credentials, e.g. the bucket owner)',
    assume: 'Assume --role; --no-assume sweeps with the source credentials',
    prefix: 'Backup prefix: stale canaries under <prefix>.backup-canary/ are swept',
    'allow-bucket-root': 'Allow an empty --prefix',
  })
    .usage('$0 cleanup --bucket NAME --prefix PATH [--older-than 24h] [--yes] [--role ARN | --no-assume]')
    .option('older-than', { type: 'string', default: '24h', describe: 'Only canaries whose run id is older than this (s, m, h, d, w)' })
    .option('yes', { type: 'boolean', default: false, describe: 'Remove them; without --yes, only show what would be removed' })
    .option('format', { type: 'string', default: 'text', choices: ['text', 'json'], describe: 'Output format' }) as unknown as Argv<CleanupArgs>;
}
