// Flags of `backup-canary probe`. Only declarations: validation and the run live in src/core/run.ts.

import type { Argv } from 'yargs';
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
    .option('format', { type: 'string', array: true, default: ['text'], describe: 'Report format: text, json, junit, markdown, prometheus (repeatable)', group: 'Output:' })
    .option('output', { type: 'string', array: true, describe: 'File for the format in the same position (repeatable); without it, standard output', group: 'Output:' })
    .option('probe', { type: 'string', default: 'default', describe: 'Probe definition: a name from `backup-canary probes list`, or a YAML file', group: 'Target:' })
    .option('part-size', { type: 'string', describe: 'Size of the first multipart part (5MiB-512MiB; default: the definition\'s, else 5MiB)', group: 'Requests:' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Log each check as it starts and ends to standard error (never secrets)', group: 'Output:' })
    .option('quick', { type: 'boolean', default: false, describe: 'One small part instead of a part-size part and a small one', group: 'Requests:' })
    .option('explain', { type: 'boolean', default: false, describe: 'Read the policies that apply and name the statement and condition behind each denial, with a fix', group: 'Explain:' })
    .option('store', { type: 'string', describe: 'The store a proposed fix is proven on: aws-s3, ceph-rgw, s3-compatible (AWS), oss. Default: aws-s3 without --endpoint; with one, ceph-rgw when its request ids are RGW\'s (tx...-default), else s3-compatible', group: 'Explain:' })
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
