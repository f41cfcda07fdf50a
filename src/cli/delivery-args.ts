// Flags of `probe` and `run` about where a result goes besides the report files: a Pushgateway, the
// baseline it is compared with, and how the human report looks (quiet, colour). Declarations only;
// src/cli/delivery.ts acts on them.

import type { Argv } from 'yargs';

export interface DeliveryArgs {
  pushgateway?: string;
  baseline?: string;
  quiet: boolean;
  /** undefined: decided by the environment (FORCE_COLOR, NO_COLOR, TERM, a terminal). */
  color?: boolean;
}

export function deliveryArgs<T>(y: Argv, state: string): Argv<T> {
  return y
    .option('pushgateway', { type: 'string', describe: 'Also push the metrics of --format prometheus to this Prometheus Pushgateway (job backup-canary, one group per target)', group: 'Output:' })
    .option('baseline', { type: 'string', describe: `A previous --format json report: say what changed since (check outcomes; policy digests when both runs had --explain)${state}`, group: 'Output:' })
    .option('quiet', { type: 'boolean', default: false, describe: 'Standard output: the verdict line only (run: nothing when every target passed)', group: 'Output:' })
    .option('color', { type: 'boolean', describe: 'Colour the text report (--no-color: never); default: on a terminal, unless NO_COLOR, TERM=dumb (FORCE_COLOR forces it)', group: 'Output:' }) as unknown as Argv<T>;
}
