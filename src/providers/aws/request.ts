// The request record of an S3/STS request the probe sent: the action, the resource ARN at the level
// the check catalog gives (object ARN, bucket ARN, `*`, role ARN) and the condition keys the request
// set. SDK-free: the adapter attaches it to each result and --explain evaluates it as it is.
// Condition keys: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html

import type { Operation, SentRequest } from '../../core/adapter.js';
import { levelOf } from '../../core/checks.js';
import type { RequestRecord } from '../../core/model.js';
import { S3_ACTIONS } from './actions.js';

export interface S3RequestTarget {
  bucket: string;
  roleArn: string | null;
  sessionName: string;
  externalId: string | null;
}

export function partitionOfArn(arn: string | null): string {
  return /^arn:([^:]+):/.exec(arn ?? '')?.[1] ?? 'aws';
}

/*
 * aws:UserAgent is not set here: @aws-sdk v3 builds each request's User-Agent in its user-agent
 * middleware, per request (`m/<features>`), so the value is known only from the request as sent: the
 * adapter records it after signing (user-agent.ts) and adds it to this record (AwsAdapter.describeRequest).
 */
export function describeS3Request(t: S3RequestTarget, op: Operation, sent: SentRequest): RequestRecord {
  const action = S3_ACTIONS[op];
  const context: RequestRecord['context'] = {};
  const level = levelOf(op);
  if (level === 'role') {
    context['sts:RoleSessionName'] = t.sessionName;
    if (t.externalId) context['sts:ExternalId'] = t.externalId;
    return { action, resource: t.roleArn ?? '', context };
  }
  const bucketArn = `arn:${partitionOfArn(t.roleArn)}:s3:::${t.bucket}`;
  // ListAllMyBuckets names no bucket: it is authorised on every S3 resource (policies grant it with
  // "Resource": "*" or "arn:aws:s3:::*"; both match this form), never on a bucket or object ARN.
  const resource = level === 'service' ? `arn:${partitionOfArn(t.roleArn)}:s3:::*` : level === 'bucket' ? bucketArn : `${bucketArn}/${sent.key ?? ''}`;
  // ListObjectVersions carries s3:prefix as ListObjectsV2 does (Service Authorization Reference)
  if (op === 'listObjectVersions' && sent.prefix !== undefined) context['s3:prefix'] = sent.prefix;
  if (op === 'listObjects') {
    context['s3:prefix'] = sent.prefix ?? '';
    if (sent.delimiter !== undefined) context['s3:delimiter'] = sent.delimiter;
    if (sent.maxKeys !== undefined) context['s3:max-keys'] = sent.maxKeys;
  }
  if (sent.ifNoneMatch) context['s3:if-none-match'] = '*';
  if (sent.objectCreation !== undefined) context['s3:ObjectCreationOperation'] = sent.objectCreation;
  const w = sent.write ?? {};
  if (w.acl) context['s3:x-amz-acl'] = w.acl;
  if (w.sse) context['s3:x-amz-server-side-encryption'] = w.sse;
  if (w.kmsKeyId) context['s3:x-amz-server-side-encryption-aws-kms-key-id'] = w.kmsKeyId;
  if (w.storageClass) context['s3:x-amz-storage-class'] = w.storageClass;
  // x-amz-bypass-governance-retention: true needs s3:BypassGovernanceRetention besides the action
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html, API_PutObjectRetention.html).
  if (sent.bypassGovernance) return { action, resource, context, also: ['s3:BypassGovernanceRetention'] };
  return { action, resource, context };
}
