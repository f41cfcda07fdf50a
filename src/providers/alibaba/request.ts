// The request record of an OSS/STS request the probe sent: the RAM action, the acs: resource at the
// level the check catalog gives (object, bucket, account `*`, role) and the condition keys the request
// set (oss:Prefix, oss:Delimiter for listings). SDK-free: the adapter attaches it to each result and
// --explain evaluates it as it is.

import type { Operation, SentRequest } from '../../core/adapter.js';
import { levelOf } from '../../core/checks.js';
import type { RequestRecord } from '../../core/model.js';
import { OSS_ACTIONS } from './actions.js';

export interface OssRequestTarget {
  bucket: string;
  region: string;
  roleArn: string | null;
  externalId: string | null;
}

export function accountOfRamArn(arn: string | null): string {
  return /^acs:ram::(\d+):/.exec(arn ?? '')?.[1] ?? '*';
}

export function describeOssRequest(t: OssRequestTarget, op: Operation, sent: SentRequest): RequestRecord {
  const action = OSS_ACTIONS[op];
  const context: RequestRecord['context'] = {};
  const level = levelOf(op);
  if (level === 'role') {
    if (t.externalId) context['sts:ExternalId'] = t.externalId;
    return { action, resource: t.roleArn ?? '', context };
  }
  const account = accountOfRamArn(t.roleArn);
  const bucket = `acs:oss:${t.region}:${account}:${t.bucket}`;
  const resource = level === 'service' ? `acs:oss:*:${account}:*` : level === 'bucket' ? bucket : `${bucket}/${sent.key ?? ''}`;
  if (op === 'listObjects') {
    context['oss:Prefix'] = sent.prefix ?? '';
    if (sent.delimiter !== undefined) context['oss:Delimiter'] = sent.delimiter;
  }
  return { action, resource, context };
}
