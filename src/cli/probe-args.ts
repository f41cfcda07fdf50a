// Flags of `backup-canary probe`. Only declarations: validation and the run live in src/core/run.ts.

import type { Argv, Options } from 'yargs';
import { FORMAT_NAMES } from '../report/index.js';
import type { ProbeRequest } from '../core/run.js';
import { type DeliveryArgs, deliveryArgs } from './delivery-args.js';
import { targetArgs } from './target-args.js';

/** The probe command's flags: a target (src/core/options.ts), a probe definition, --explain, output. */
export interface ProbeArgs extends ProbeRequest, DeliveryArgs {
  format: string[];
  output?: string[];
  verbose: boolean;
}

export function probeBuilder(y: Argv): Argv<ProbeArgs> {
  return deliveryArgs<ProbeArgs>(targetArgs<ProbeArgs>(y), '')
    .usage('$0 probe --role ARN --bucket NAME --prefix PATH [options]')
    .option('format', { type: 'string', array: true, default: ['text'], describe: `Report format: ${FORMAT_NAMES.join(', ')} (repeatable)`, group: 'Output:' })
    .option('output', { type: 'string', array: true, describe: 'File for the format in the same position (repeatable); without it, standard output', group: 'Output:' })
    .option('probe', { type: 'string', default: 'default', describe: 'Probe definition: a name from `backup-canary probes list`, or a YAML file', group: 'Target:' })
    .option('part-size', { type: 'string', describe: 'Size of the first multipart part (5MiB-512MiB; default: the definition\'s, else 5MiB)', group: 'Requests:' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Log each check as it starts and ends to standard error (never secrets)', group: 'Output:' })
    .option('trust-policy', { type: 'string', describe: 'The role\'s trust policy file, when it cannot be read: a role only a service can assume is then recognised (no trust change is proposed)', group: 'Target:' })
    .option('quick', { type: 'boolean', default: false, describe: 'One small part instead of a part-size part and a small one', group: 'Requests:' })
    .options(explainOptions())
    .example('$0 probe --role arn:aws:iam::123456789012:role/backup --bucket corp-backups --prefix db/nightly/', 'Probe an AWS S3 target')
    .example('$0 probe --role arn:aws:iam:::role/backup --bucket b --prefix p/ --endpoint http://127.0.0.1:7480 --path-style', 'Probe an S3-compatible store') as unknown as Argv<ProbeArgs>;
}

/** The --explain flags, declared once for `probe` and `run` (validated in src/core/options.ts explainFlags). */
export function explainOptions(): Record<string, Options> {
  return {
    explain: { type: 'boolean', default: false, describe: 'Read the policies that apply and name the statement and condition behind each denial, with a fix', group: 'Explain:' },
    store: { type: 'string', describe: 'The store a proposed fix is proven on: aws-s3, ceph-rgw, s3-compatible (AWS), oss. Default: aws-s3 without --endpoint; with one, ceph-rgw when its request ids are RGW\'s (tx...-default), else s3-compatible', group: 'Explain:' },
    'explain-profile': { type: 'string', describe: 'Shared-config profile that may read the bucket policy and the role (default: the source credentials)', group: 'Explain:' },
    'source-ip': { type: 'string', describe: 'The address the store sees requests from (aws:SourceIp); otherwise undetermined', group: 'Explain:' },
    'source-vpc': { type: 'string', describe: 'aws:SourceVpc of the requests, when they go through a VPC endpoint', group: 'Explain:' },
    'source-vpce': { type: 'string', describe: 'aws:SourceVpce of the requests, when they go through a VPC endpoint', group: 'Explain:' },
    'caller-arn': { type: 'string', describe: 'ARN of the source identity, where the store has no sts:GetCallerIdentity (Ceph RGW)', group: 'Explain:' },
    scp: { type: 'string', array: true, describe: 'Service control policy file to evaluate (repeatable; all --scp files are ONE level, a union: for the root, OUs and account use --scp-level)', group: 'Explain:' },
    'scp-level': { type: 'string', array: true, describe: 'An SCP at an organisation level: LEVEL=FILE, e.g. root=root.json, ou-prod=ou.json, account=acct.json (repeatable; every level must allow, files at one level are a union; not with --scp). Alibaba: control policies by folder', group: 'Explain:' },
    'vpce-policy': { type: 'string', describe: 'Policy file of the VPC endpoint the S3 requests pass through (AWS; one file): it must allow each request as well', group: 'Explain:' },
    'backup-source-ip': { type: 'string', describe: 'The address the backup itself calls from: every check is evaluated a second time as the backup would send it (asBackup)', group: 'Backup vantage (with --explain):' },
    'backup-source-vpc': { type: 'string', describe: 'The VPC the backup calls from (aws:SourceVpc / acs:SourceVpc)', group: 'Backup vantage (with --explain):' },
    'backup-source-vpce': { type: 'string', describe: 'The VPC endpoint the backup calls through (aws:SourceVpce)', group: 'Backup vantage (with --explain):' },
    'backup-session-name': { type: 'string', describe: 'The role session name the backup uses', group: 'Backup vantage (with --explain):' },
    'backup-principal': { type: 'string', describe: 'The backup\'s own principal: a service (backup.amazonaws.com) or the real role\'s ARN (when probing a twin)', group: 'Backup vantage (with --explain):' },
    'kms-key-policy': { type: 'string', describe: 'KMS key policy file of the SSE-KMS key the writes use (definition sse: aws:kms, or the bucket\'s default encryption): evaluated for the kms:GenerateDataKey / kms:Decrypt calls S3 makes; without it the key policy is read with kms:GetKeyPolicy (endpoint: AWS_ENDPOINT_URL_KMS)', group: 'Explain:' },
    rcp: { type: 'string', array: true, describe: 'Resource control policy file to evaluate (repeatable)', group: 'Explain:' },
  };
}
