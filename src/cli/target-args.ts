// The yargs declarations of the options that name a target, shared by `probe` and `cleanup`: names,
// types and defaults come from src/core/options.ts (the same table run files are checked against),
// the providers' own flags from the registry; only the help texts are written here.

import type { Argv } from 'yargs';
import { TARGET_FLAGS, type TargetFlags } from '../core/options.js';
import { PROVIDER_NAMES, providerFlags } from '../providers/registry.js';

type Help = Record<keyof TargetFlags, { describe: string; group: string }>;

const HELP: Help = {
  role: { describe: 'Role to assume (arn:aws:iam::<account>:role/<name> or acs:ram::<account>:role/<name>)', group: 'Target:' },
  assume: { describe: 'Assume --role; --no-assume probes the source credentials themselves', group: 'Target:' },
  bucket: { describe: 'Backup bucket', group: 'Target:' },
  prefix: { describe: 'Backup prefix; canaries go under <prefix>.backup-canary/<run-id>/', group: 'Target:' },
  'allow-bucket-root': { describe: 'Allow an empty --prefix (canaries at the bucket root)', group: 'Target:' },
  provider: { describe: `${PROVIDER_NAMES.join(' or ')}; default from the role ARN`, group: 'Target:' },
  region: { describe: 'Region of the bucket and STS (default: the AWS config, or us-east-1 with --endpoint)', group: 'Target:' },
  endpoint: { describe: 'S3 endpoint URL for S3-compatible stores, or the OSS endpoint (also used for STS)', group: 'Target:' },
  'sts-endpoint': { describe: 'STS endpoint URL, when it differs from --endpoint', group: 'Target:' },
  'session-name': { describe: 'Role session name (default backup-canary-<id>)', group: 'Role session:' },
  'external-id': { describe: 'External ID the role trust policy requires', group: 'Role session:' },
  duration: { describe: 'Session duration in seconds (900-43200)', group: 'Role session:' },
  'session-policy': { describe: 'File with a session policy (JSON) to narrow the session', group: 'Role session:' },
  profile: { describe: 'Shared-config profile for the source credentials', group: 'Role session:' },
  timeout: { describe: 'Timeout of each request in seconds', group: 'Requests:' },
  'max-attempts': { describe: 'Attempts per request, retries with backoff included (1-10)', group: 'Requests:' },
  'writer-role': {
    describe: 'Two identities: a writer role (assumed with --writer-profile or the source credentials) puts the canary the --role reads, as the producing application does, and removes it',
    group: 'Writer:',
  },
  'writer-profile': { describe: "Shared-config profile of the writer's credentials (default: the source credentials)", group: 'Writer:' },
  'writer-acl': { describe: "Canned ACL the writer's put sends, as the application sends it (e.g. bucket-owner-full-control; none: no ACL header, the default)", group: 'Writer:' },
};

/** Declares every target option on `y`; `describe` replaces help texts where a command means more. */
export function targetArgs<T>(y: Argv, describe: Partial<Record<keyof TargetFlags, string>> = {}): Argv<T> {
  let out = y;
  for (const [name, spec] of Object.entries(TARGET_FLAGS) as [keyof TargetFlags, (typeof TARGET_FLAGS)[keyof TargetFlags]][]) {
    out = out.option(name, {
      type: spec.type,
      ...(spec.default !== undefined ? { default: spec.default } : {}),
      ...(name === 'bucket' ? { demandOption: true } : {}),
      describe: describe[name] ?? HELP[name].describe,
      group: HELP[name].group,
    });
  }
  for (const f of providerFlags()) out = out.option(f.name, { type: 'boolean', default: false, describe: f.describe, group: 'Target:' });
  return out as unknown as Argv<T>;
}
