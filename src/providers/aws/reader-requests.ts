// The S3 requests of the reader checks (src/core/reader-steps.ts, issue 15); the adapter wraps each in
// its classified call. Read-only: nothing here writes a configuration.
// - GetObjectTagging / GetObjectAcl of the current version (no versionId: s3:GetObjectTagging,
//   s3:GetObjectAcl; with one they would be s3:GetObjectVersionTagging / s3:GetObjectVersionAcl).
// - GetObject with VersionId: s3:GetObjectVersion (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
// - GetBucketTagging answers NoSuchTagSet when the bucket has no tags: the request was authorised
//   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html).
// - GetBucketNotificationConfiguration (s3:GetBucketNotification) answers an empty configuration when none is set.
// - ListBucketInventoryConfigurations is authorised as s3:GetInventoryConfiguration
//   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBucketInventoryConfigurations.html); it
//   needs no configuration id, unlike GetBucketInventoryConfiguration.

import { createHash } from 'node:crypto';
import {
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketTaggingCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListBucketInventoryConfigurationsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { OpMeta, ReadDigest } from '../../core/adapter.js';
import { evidenceFromError } from './classify.js';

function meta(r: { $metadata: { attempts?: number } }): OpMeta {
  return { retries: Math.max(0, (r.$metadata.attempts ?? 1) - 1) };
}

export async function getObjectTagging(s3: S3Client, bucket: string, key: string): Promise<OpMeta> {
  return meta(await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key })));
}

export async function getObjectAcl(s3: S3Client, bucket: string, key: string): Promise<OpMeta> {
  return meta(await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: key })));
}

export async function getObjectVersion(s3: S3Client, bucket: string, key: string, versionId: string): Promise<OpMeta & { read: ReadDigest }> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of (r.Body as AsyncIterable<Uint8Array> | undefined) ?? []) {
    h.update(chunk);
    size += chunk.length;
  }
  return { ...meta(r), read: { size, sha256: h.digest('hex') } };
}

export async function getBucketLocation(s3: S3Client, bucket: string): Promise<OpMeta> {
  return meta(await s3.send(new GetBucketLocationCommand({ Bucket: bucket })));
}

export async function getBucketTagging(s3: S3Client, bucket: string): Promise<OpMeta> {
  try {
    return meta(await s3.send(new GetBucketTaggingCommand({ Bucket: bucket })));
  } catch (err) {
    // No tags set: the request itself was authorised (AWS and RGW: 404 NoSuchTagSet).
    if (evidenceFromError(err).code === 'NoSuchTagSet') return { retries: 0 };
    throw err;
  }
}

export async function getBucketNotification(s3: S3Client, bucket: string): Promise<OpMeta> {
  return meta(await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket })));
}

export async function getInventoryConfiguration(s3: S3Client, bucket: string): Promise<OpMeta> {
  return meta(await s3.send(new ListBucketInventoryConfigurationsCommand({ Bucket: bucket })));
}
