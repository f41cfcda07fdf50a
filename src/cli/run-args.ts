// Flags of `backup-canary run FILE.yaml`. Declarations only.

import type { Argv } from 'yargs';
import { FORMAT_NAMES } from '../report/index.js';
import type { ExplainInput } from '../core/options.js';
import { type DeliveryArgs, deliveryArgs } from './delivery-args.js';
import { explainOptions } from './probe-args.js';

/** `run`'s --explain flags are `probe`'s; they apply to every target the run file does not set them for. */
export interface RunArgs extends ExplainInput, DeliveryArgs {
  file: string;
  shard?: string;
  'dry-run': boolean;
  concurrency: number;
  format: string[];
  output?: string[];
  verbose: boolean;
}

export function runBuilder(y: Argv): Argv<RunArgs> {
  return deliveryArgs<RunArgs>(y, '; without it, the state file beside the --format prometheus output (<file>.state.json)')
    .usage('$0 run FILE.yaml [--concurrency N] [--shard INDEX/COUNT] [--format F [--output FILE]]... [--explain [--explain-profile P] [--source-ip IP]...]')
    .positional('file', { type: 'string', demandOption: true, describe: 'Run file: "defaults" and a list of "targets" (the probe command\'s options)' })
    .option('concurrency', { type: 'number', default: 8, describe: 'Targets probed at once (1-64)' })
    .option('format', { type: 'string', array: true, default: ['text'], describe: `Report format: ${FORMAT_NAMES.join(', ')} (repeatable)` })
    .option('output', { type: 'string', array: true, describe: 'File for the format in the same position (repeatable); without it, standard output' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Log each target as it starts and ends to standard error' })
    .option('shard', { type: 'string', describe: 'Probe only share INDEX of COUNT (0-based, stable by target name); auto/COUNT takes INDEX from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Validate the file, resolve --shard and list the targets it would probe; no request' })
    // the run file's own explain keys (per target, then "defaults") win over these
    .options(explainOptions())
    .example('$0 run nightly.yaml --format prometheus --output /var/lib/node_exporter/backup_canary.prom --format text', 'Nightly: metrics for the monitor, text for the log')
    .example('$0 run nightly.yaml --explain --explain-profile policy-reader', 'Name the statement behind each denial, for every target')
    .example('$0 run fleet.yaml --shard auto/4 --pushgateway http://pushgateway:9091', 'One pod of a 4-way Indexed Job, pushing its targets\' metrics')
    .example('$0 run fleet.yaml --shard 1/4 --dry-run', 'The targets shard 1 of 4 would probe') as unknown as Argv<RunArgs>;
}
