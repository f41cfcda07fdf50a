// Flags of `backup-canary run FILE.yaml`. Declarations only.

import type { Argv } from 'yargs';
import { FORMAT_NAMES } from '../report/index.js';
import type { ExplainInput } from '../core/options.js';
import { explainOptions } from './probe-args.js';

/** `run`'s --explain flags are `probe`'s; they apply to every target the run file does not set them for. */
export interface RunArgs extends ExplainInput {
  file: string;
  concurrency: number;
  format: string[];
  output?: string[];
  verbose: boolean;
}

export function runBuilder(y: Argv): Argv<RunArgs> {
  return y
    .usage('$0 run FILE.yaml [--concurrency N] [--format F [--output FILE]]... [--explain [--explain-profile P] [--source-ip IP]...]')
    .positional('file', { type: 'string', demandOption: true, describe: 'Run file: "defaults" and a list of "targets" (the probe command\'s options)' })
    .option('concurrency', { type: 'number', default: 8, describe: 'Targets probed at once (1-64)' })
    .option('format', { type: 'string', array: true, default: ['text'], describe: `Report format: ${FORMAT_NAMES.join(', ')} (repeatable)` })
    .option('output', { type: 'string', array: true, describe: 'File for the format in the same position (repeatable); without it, standard output' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Log each target as it starts and ends to standard error' })
    // the run file's own explain keys (per target, then "defaults") win over these
    .options(explainOptions())
    .example('$0 run nightly.yaml --format prometheus --output /var/lib/node_exporter/backup_canary.prom --format text', 'Nightly: metrics for the monitor, text for the log')
    .example('$0 run nightly.yaml --explain --explain-profile policy-reader', 'Name the statement behind each denial, for every target') as unknown as Argv<RunArgs>;
}
