// Flags of `backup-canary policy` (the least-privilege generator). Declarations only: validation and
// the output live in policy-command.ts.

import type { Argv } from 'yargs';
import { DEFAULT_PROVIDER, PROVIDER_NAMES, providerInfos } from '../providers/registry.js';

export interface PolicyArgs {
  probe: string;
  bucket: string;
  prefix: string;
  'allow-bucket-root': boolean;
  provider: string;
  role?: string;
  format: string;
  'twin-role'?: string;
  'twin-caller'?: string;
  'twin-external-id'?: string;
  writer?: boolean;
}

export function policyBuilder(y: Argv): Argv<PolicyArgs> {
  return y
    .usage('$0 policy --probe NAME|FILE --bucket NAME --prefix PATH [--provider aws|alibaba] [--role ARN]')
    .option('probe', { type: 'string', default: 'default', describe: 'Probe definition: a name from `backup-canary probes list`, or a YAML file' })
    .option('bucket', { type: 'string', demandOption: true, describe: 'Backup bucket' })
    .option('prefix', { type: 'string', default: '', describe: 'Backup prefix (normalised as for probe: leading / removed, trailing / added)' })
    .option('allow-bucket-root', { type: 'boolean', default: false, describe: 'Allow an empty --prefix (the policy then covers the whole bucket)' })
    .option('provider', { type: 'string', default: DEFAULT_PROVIDER, choices: PROVIDER_NAMES, describe: providerInfos().map((p) => `${p.name}: ${p.policyKind}`).join('; ') })
    .option('role', { type: 'string', describe: 'The backup role: adds the bucket-policy exception for a restrictive Deny and the cross-account grant' })
    .option('format', { type: 'string', default: 'text', choices: ['text', 'json'], describe: 'Output format' })
    .option('writer', { type: 'boolean', default: false, describe: "The probe runs with a writer (--writer-role / --writer-profile): put-object is the writer's, so the role gets no s3:PutObject / oss:PutObject and no cleanup delete for the canary" })
    .option('twin-role', { type: 'string', describe: 'Print a canary twin role of this name for a role only a service can assume (same permissions, trusted only by --twin-caller)' })
    .option('twin-caller', { type: 'string', describe: 'With --twin-role: the ARN the canary runs as' })
    .option('twin-external-id', { type: 'string', describe: 'With --twin-role: the external id its trust policy requires (default: a new random one)' })
    .example('$0 policy --probe rclone-s3 --bucket corp-backups --prefix db/nightly/', 'The IAM policy rclone needs on that prefix')
    .example('$0 policy --probe polardb-oss --provider alibaba --bucket backups --prefix polardb/', 'The RAM policy for PolarDB backups to OSS') as unknown as Argv<PolicyArgs>;
}
