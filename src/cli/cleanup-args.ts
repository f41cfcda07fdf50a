// Flags of `backup-canary cleanup`. Declarations only.

import type { Argv } from 'yargs';

export interface CleanupArgs {
  role?: string;
  assume: boolean;
  bucket: string;
  prefix: string;
  'allow-bucket-root': boolean;
  provider?: string;
  region?: string;
  endpoint?: string;
  'sts-endpoint'?: string;
  'path-style': boolean;
  'session-name'?: string;
  'external-id'?: string;
  duration: number;
  profile?: string;
  timeout: number;
  'max-attempts': number;
  'older-than': string;
  yes: boolean;
  format: string;
}

export function cleanupBuilder(y: Argv): Argv<CleanupArgs> {
  return y
    .usage('$0 cleanup --bucket NAME --prefix PATH [--older-than 24h] [--yes] [--role ARN | --no-assume]')
    .option('role', { type: 'string', describe: 'Role to assume for the sweep (or --no-assume: the source credentials, e.g. the bucket owner)' })
    .option('assume', { type: 'boolean', default: true, describe: 'Assume --role; --no-assume sweeps with the source credentials' })
    .option('bucket', { type: 'string', demandOption: true, describe: 'Backup bucket' })
    .option('prefix', { type: 'string', default: '', describe: 'Backup prefix: stale canaries under <prefix>.backup-canary/ are swept' })
    .option('allow-bucket-root', { type: 'boolean', default: false, describe: 'Allow an empty --prefix' })
    .option('provider', { type: 'string', describe: 'aws or alibaba; default from the role ARN' })
    .option('region', { type: 'string', describe: 'Region' })
    .option('endpoint', { type: 'string', describe: 'Endpoint URL (S3-compatible stores; OSS)' })
    .option('sts-endpoint', { type: 'string', describe: 'STS endpoint URL' })
    .option('path-style', { type: 'boolean', default: false, describe: 'Path-style addressing' })
    .option('session-name', { type: 'string', describe: 'Role session name' })
    .option('external-id', { type: 'string', describe: 'External ID for the role' })
    .option('duration', { type: 'number', default: 900, describe: 'Session duration in seconds' })
    .option('profile', { type: 'string', describe: 'Shared-config profile for the source credentials' })
    .option('timeout', { type: 'number', default: 30, describe: 'Timeout of each request in seconds' })
    .option('max-attempts', { type: 'number', default: 3, describe: 'Attempts per request' })
    .option('older-than', { type: 'string', default: '24h', describe: 'Only canaries whose run id is older than this (s, m, h, d, w)' })
    .option('yes', { type: 'boolean', default: false, describe: 'Remove them; without --yes, only show what would be removed' })
    .option('format', { type: 'string', default: 'text', choices: ['text', 'json'], describe: 'Output format' }) as unknown as Argv<CleanupArgs>;
}
