// Which IAM action each probe operation is authorised as on Amazon S3 (and S3-compatible stores).
// SDK-free on purpose: the policy generator and the tests read it without loading the AWS SDK.

import type { Operation } from '../../core/adapter.js';

export const S3_ACTIONS: Record<Operation, string> = {
  assumeRole: 'sts:AssumeRole',
  // HeadBucket: "you must have permissions to perform the s3:ListBucket action"
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html); it sends no s3:prefix.
  headBucket: 's3:ListBucket',
  putObject: 's3:PutObject',
  headObject: 's3:GetObject',
  getObject: 's3:GetObject',
  listObjects: 's3:ListBucket',
  createMultipartUpload: 's3:PutObject',
  uploadPart: 's3:PutObject',
  listParts: 's3:ListMultipartUploadParts',
  listMultipartUploads: 's3:ListBucketMultipartUploads',
  completeMultipartUpload: 's3:PutObject',
  abortMultipartUpload: 's3:AbortMultipartUpload',
  deleteObject: 's3:DeleteObject',
  listBuckets: 's3:ListAllMyBuckets',
  getBucketPolicy: 's3:GetBucketPolicy',
  getBucketVersioning: 's3:GetBucketVersioning',
  getObjectLockConfiguration: 's3:GetBucketObjectLockConfiguration',
  listObjectVersions: 's3:ListBucketVersions',
  deleteObjectVersion: 's3:DeleteObjectVersion',
  putObjectRetention: 's3:PutObjectRetention',
  // Reader checks (issue 15), from the Service Authorization Reference for Amazon S3
  // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html) and each
  // API page's "Permissions": GetObject with a versionId is s3:GetObjectVersion, GetBucketLocation
  // s3:GetBucketLocation, GetBucketNotificationConfiguration s3:GetBucketNotification, and
  // ListBucketInventoryConfigurations s3:GetInventoryConfiguration.
  getObjectTagging: 's3:GetObjectTagging',
  getObjectAcl: 's3:GetObjectAcl',
  getObjectVersion: 's3:GetObjectVersion',
  getBucketLocation: 's3:GetBucketLocation',
  getBucketTagging: 's3:GetBucketTagging',
  getBucketNotification: 's3:GetBucketNotification',
  getInventoryConfiguration: 's3:GetInventoryConfiguration',
  // Ownership evidence (issue 15): "you must have the s3:GetBucketOwnershipControls permission"
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketOwnershipControls.html); GetBucketAcl
  // needs s3:GetBucketAcl (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html).
  getBucketOwnershipControls: 's3:GetBucketOwnershipControls',
  getBucketAcl: 's3:GetBucketAcl',
  // Never sent (evaluated with --explain only): PutBucketNotificationConfiguration is authorised as
  // s3:PutBucketNotification, PutBucketInventoryConfiguration as s3:PutInventoryConfiguration (Service
  // Authorization Reference, above).
  putBucketNotification: 's3:PutBucketNotification',
  putInventoryConfiguration: 's3:PutInventoryConfiguration',
};
