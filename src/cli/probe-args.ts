// Flags of `backup-canary probe`. Only declarations: validation and the run live in probe-command.ts.

import type { Argv } from 'yargs';

export interface ProbeArgs {
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
  internal: boolean;
  'session-name'?: string;
  'external-id'?: string;
  duration: number;
  'session-policy'?: string;
  profile?: string;
  format: string[];
  output?: string[];
  timeout: number;
  'max-attempts': number;
  'part-size'?: string;
  probe: string;
  quick: boolean;
  verbose: boolean;
  explain: boolean;
  'explain-profile'?: string;
  store?: string;
  'source-ip'?: string;
  'source-vpc'?: string;
  'source-vpce'?: string;
  'caller-arn'?: string;
  scp?: string[];
  rcp?: string[];
}

export function probeBuilder(y: Argv): Argv<ProbeArgs> {
  return y
    .usage('$0 probe --role ARN --bucket NAME --prefix PATH [options]')
    .option('role', { type: 'string', describe: 'Role to assume (arn:aws:iam::<account>:role/<name> or acs:ram::<account>:role/<name>)', group: 'Target:' })
    .option('assume', { type: 'boolean', default: true, describe: 'Assume --role; --no-assume probes the source credentials themselves', group: 'Target:' })
    .option('bucket', { type: 'string', demandOption: true, describe: 'Backup bucket', group: 'Target:' })
    .option('prefix', { type: 'string', default: '', describe: 'Backup prefix; canaries go under <prefix>.backup-canary/<run-id>/', group: 'Target:' })
    .option('allow-bucket-root', { type: 'boolean', default: false, describe: 'Allow an empty --prefix (canaries at the bucket root)', group: 'Target:' })
    .option('provider', { type: 'string', describe: 'aws (S3 and S3-compatible) or alibaba (OSS); default from the role ARN', group: 'Target:' })
    .option('region', { type: 'string', describe: 'Region of the bucket and STS (default: the AWS config, or us-east-1 with --endpoint)', group: 'Target:' })
    .option('endpoint', { type: 'string', describe: 'S3 endpoint URL for S3-compatible stores (also used for STS)', group: 'Target:' })
    .option('sts-endpoint', { type: 'string', describe: 'STS endpoint URL, when it differs from --endpoint', group: 'Target:' })
    .option('path-style', { type: 'boolean', default: false, describe: 'Path-style addressing (http://host/bucket/key)', group: 'Target:' })
    .option('internal', { type: 'boolean', default: false, describe: 'Alibaba Cloud: use the -internal OSS endpoint and the sts-vpc STS endpoint of --region (for hosts inside that region)', group: 'Target:' })
    .option('session-name', { type: 'string', describe: 'Role session name (default backup-canary-<id>)', group: 'Role session:' })
    .option('external-id', { type: 'string', describe: 'External ID the role trust policy requires', group: 'Role session:' })
    .option('duration', { type: 'number', default: 900, describe: 'Session duration in seconds (900-43200)', group: 'Role session:' })
    .option('session-policy', { type: 'string', describe: 'File with a session policy (JSON) to narrow the session', group: 'Role session:' })
    .option('profile', { type: 'string', describe: 'Shared-config profile for the source credentials', group: 'Role session:' })
    .option('format', { type: 'string', array: true, default: ['text'], describe: 'Report format: text, json, junit, markdown, prometheus (repeatable)', group: 'Output:' })
    .option('output', { type: 'string', array: true, describe: 'File for the format in the same position (repeatable); without it, standard output', group: 'Output:' })
    .option('timeout', { type: 'number', default: 30, describe: 'Timeout of each request in seconds', group: 'Requests:' })
    .option('max-attempts', { type: 'number', default: 3, describe: 'Attempts per request, retries with backoff included (1-10)', group: 'Requests:' })
    .option('probe', { type: 'string', default: 'default', describe: 'Probe definition: a name from `backup-canary probes list`, or a YAML file', group: 'Target:' })
    .option('part-size', { type: 'string', describe: 'Size of the first multipart part (5MiB-512MiB; default: the definition\'s, else 5MiB)', group: 'Requests:' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Log each check as it starts and ends to standard error (never secrets)', group: 'Output:' })
    .option('quick', { type: 'boolean', default: false, describe: 'One small part instead of a part-size part and a small one', group: 'Requests:' })
    .option('explain', { type: 'boolean', default: false, describe: 'Read the policies that apply and name the statement and condition behind each denial, with a fix', group: 'Explain:' })
    .option('store', { type: 'string', describe: 'The store a proposed fix is proven on: aws-s3, ceph-rgw, s3-compatible (AWS dialect), oss. Default: aws-s3 without --endpoint; with one, ceph-rgw when its request ids are RGW\'s (tx...-default), else s3-compatible', group: 'Explain:' })
    .option('explain-profile', { type: 'string', describe: 'Shared-config profile that may read the bucket policy and the role (default: the source credentials)', group: 'Explain:' })
    .option('source-ip', { type: 'string', describe: 'The address the store sees requests from (aws:SourceIp); otherwise undetermined', group: 'Explain:' })
    .option('source-vpc', { type: 'string', describe: 'aws:SourceVpc of the requests, when they go through a VPC endpoint', group: 'Explain:' })
    .option('source-vpce', { type: 'string', describe: 'aws:SourceVpce of the requests, when they go through a VPC endpoint', group: 'Explain:' })
    .option('caller-arn', { type: 'string', describe: 'ARN of the source identity, where the store has no sts:GetCallerIdentity (Ceph RGW)', group: 'Explain:' })
    .option('scp', { type: 'string', array: true, describe: 'Service control policy file to evaluate (repeatable)', group: 'Explain:' })
    .option('rcp', { type: 'string', array: true, describe: 'Resource control policy file to evaluate (repeatable)', group: 'Explain:' })
    .example('$0 probe --role arn:aws:iam::123456789012:role/backup --bucket corp-backups --prefix db/nightly/', 'Probe an AWS S3 target')
    .example('$0 probe --role arn:aws:iam:::role/backup --bucket b --prefix p/ --endpoint http://127.0.0.1:7480 --path-style', 'Probe an S3-compatible store') as unknown as Argv<ProbeArgs>;
}
