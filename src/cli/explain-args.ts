// Flags of `backup-canary explain` (offline evaluation). Declarations only.

import type { Argv } from 'yargs';
import { DIALECTS } from '../providers/registry.js';

export interface ExplainArgs {
  action?: string;
  resource?: string;
  replay?: string;
  principal?: string;
  'principal-type'?: string;
  'role-arn'?: string;
  'resource-account'?: string;
  'identity-policy'?: string[];
  'bucket-policy'?: string;
  'trust-policy'?: string;
  boundary?: string;
  'session-policy'?: string[];
  scp?: string[];
  rcp?: string[];
  'scp-level'?: string[];
  'kms-key-policy'?: string;
  'vpce-policy'?: string[];
  store?: string;
  context?: string[];
  undetermined?: string[];
  dialect: string;
  format: string;
  output?: string;
}

export function explainBuilder(y: Argv): Argv<ExplainArgs> {
  return y
    .usage('$0 explain --action ACTION --resource ARN --principal ARN [policy files] [--context key=value]...')
    .option('replay', { type: 'string', describe: 'A probe\'s JSON report (--explain): re-evaluate every request it recorded with the given policy files replacing the recorded ones; exit 1 names each allowed check that would be denied', group: 'Replay:' })
    .option('action', { type: 'string', describe: 'The request\'s action, e.g. s3:PutObject', group: 'Request:' })
    .option('resource', { type: 'string', describe: 'The resource ARN, e.g. arn:aws:s3:::bucket/prefix/key, or * (s3:ListAllMyBuckets)', group: 'Request:' })
    .option('principal', { type: 'string', describe: 'The caller: a role session, role, user or account ARN; with --principal-type service, the service (ec2.amazonaws.com)', group: 'Request:' })
    .option('principal-type', { type: 'string', choices: ['arn', 'service', 'anonymous'], default: 'arn', describe: 'What --principal names: an ARN (default), a service principal, or anonymous (no --principal)', group: 'Request:' })
    .option('role-arn', { type: 'string', describe: 'The role (with its path) when --principal is a role session', group: 'Request:' })
    .option('resource-account', { type: 'string', describe: 'Account owning the bucket (default: the caller\'s, same-account)', group: 'Request:' })
    .option('context', { type: 'string', array: true, describe: 'A context key and value, e.g. aws:SourceIp=10.0.0.1 (repeat a key for several values)', group: 'Request:' })
    .option('undetermined', { type: 'string', array: true, describe: 'A context key whose value is unknown (evaluated as undetermined)', group: 'Request:' })
    .option('identity-policy', { type: 'string', array: true, describe: 'Identity policy file (repeatable)', group: 'Policies:' })
    .option('bucket-policy', { type: 'string', describe: 'Bucket (resource) policy file', group: 'Policies:' })
    .option('trust-policy', { type: 'string', describe: 'Role trust policy file (for sts:AssumeRole)', group: 'Policies:' })
    .option('boundary', { type: 'string', describe: 'Permissions boundary file', group: 'Policies:' })
    .option('session-policy', { type: 'string', array: true, describe: 'Session policy file (repeatable)', group: 'Policies:' })
    .option('scp', { type: 'string', array: true, describe: 'Service control policy file (repeatable; all --scp files are ONE level, a union: for the root, OUs and account use --scp-level)', group: 'Policies:' })
    .option('rcp', { type: 'string', array: true, describe: 'Resource control policy file (repeatable)', group: 'Policies:' })
    .option('scp-level', { type: 'string', array: true, describe: 'An SCP at an organisation level: LEVEL=FILE, e.g. root=root.json, ou-prod=ou.json, account=acct.json (repeatable; every level must allow, policies at one level are a union; not with --scp). Alibaba: control policies by folder', group: 'Policies:' })
    .option('kms-key-policy', { type: 'string', describe: 'KMS key policy file (for kms: actions; the key policy must allow)', group: 'Policies:' })
    .option('vpce-policy', { type: 'string', array: true, describe: 'VPC endpoint policy file the request passes through (repeatable)', group: 'Policies:' })
    .option('store', { type: 'string', describe: 'The store the fix is proven on: aws-s3 (default for aws), ceph-rgw, s3-compatible, oss (default for alibaba)', group: 'Output:' })
    .option('dialect', { type: 'string', default: DIALECTS[0], choices: DIALECTS, describe: 'Policy language: aws, or alibaba (RAM and OSS)', group: 'Output:' })
    .option('format', { type: 'string', default: 'text', choices: ['text', 'json'], describe: 'Output format', group: 'Output:' })
    .option('output', { type: 'string', describe: 'Write to this file instead of standard output', group: 'Output:' })
    .example('$0 explain --action s3:PutObject --resource arn:aws:s3:::backups/db/x --principal arn:aws:sts::123456789012:assumed-role/backup/s --role-arn arn:aws:iam::123456789012:role/backup --identity-policy role.json --bucket-policy bucket.json --context aws:SourceIp=198.51.100.7', 'Check a policy change before applying it')
    .example('$0 explain --replay last-probe.json --bucket-policy new-bucket-policy.json', 'Gate a bucket-policy change on what the probe recorded: exit 1 names the checks it would deny') as unknown as Argv<ExplainArgs>;
}
