// Flags of `backup-canary run FILE.yaml`. Declarations only.

import type { Argv } from 'yargs';
import { FORMAT_NAMES } from '../report/index.js';

export interface RunArgs {
  file: string;
  concurrency: number;
  format: string[];
  output?: string[];
  verbose: boolean;
}

export function runBuilder(y: Argv): Argv<RunArgs> {
  return y
    .usage('$0 run FILE.yaml [--concurrency N] [--format F [--output FILE]]...')
    .positional('file', { type: 'string', demandOption: true, describe: 'Run file: "defaults" and a list of "targets" (the probe command\'s options)' })
    .option('concurrency', { type: 'number', default: 8, describe: 'Targets probed at once (1-64)' })
    .option('format', { type: 'string', array: true, default: ['text'], describe: `Report format: ${FORMAT_NAMES.join(', ')} (repeatable)` })
    .option('output', { type: 'string', array: true, describe: 'File for the format in the same position (repeatable); without it, standard output' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Log each target as it starts and ends to standard error' })
    .example('$0 run nightly.yaml --format prometheus --output /var/lib/node_exporter/backup_canary.prom --format text', 'Nightly: metrics for the monitor, text for the log') as unknown as Argv<RunArgs>;
}
