// Which RAM action each probe operation is authorised as on Alibaba Cloud OSS. SDK-free on purpose:
// the policy generator and the tests can read it without loading ali-oss.
//
// OSS authorises InitiateMultipartUpload, UploadPart and CompleteMultipartUpload as oss:PutObject,
// HeadObject as oss:GetObject, and ListObjectsV2 as oss:ListObjects. The bucket probe (headBucket) is
// GetBucketInfo, authorised as oss:GetBucketInfo:
//   https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketinfo

import type { Operation } from '../../core/adapter.js';

export const OSS_ACTIONS: Record<Operation, string> = {
  assumeRole: 'sts:AssumeRole',
  headBucket: 'oss:GetBucketInfo',
  putObject: 'oss:PutObject',
  headObject: 'oss:GetObject',
  getObject: 'oss:GetObject',
  listObjects: 'oss:ListObjects',
  createMultipartUpload: 'oss:PutObject',
  uploadPart: 'oss:PutObject',
  listParts: 'oss:ListParts',
  listMultipartUploads: 'oss:ListMultipartUploads',
  completeMultipartUpload: 'oss:PutObject',
  abortMultipartUpload: 'oss:AbortMultipartUpload',
  deleteObject: 'oss:DeleteObject',
  listBuckets: 'oss:ListBuckets',
  getBucketPolicy: 'oss:GetBucketPolicy',
  getBucketVersioning: 'oss:GetBucketVersioning',
  getObjectLockConfiguration: 'oss:GetBucketWorm',
  listObjectVersions: 'oss:ListObjectVersions',
  deleteObjectVersion: 'oss:DeleteObjectVersion',
  // OSS has no per-object retention: a WORM policy holds for the whole bucket (ExtendBucketWorm only
  // lengthens it). The adapter has no putObjectRetention; the name is for reports only.
  putObjectRetention: 'oss:ExtendBucketWorm',
  // Reader checks (issue 15). GetBucketTags: "The permission of oss:GetBucketTagging is required"
  // (https://www.alibabacloud.com/help/en/oss/developer-reference/getbuckettags); GetBucketLocation,
  // GetObjectTagging, GetObjectACL and GetObject with versionId (oss:GetObjectVersion) are in the
  // OSS RAM action list ("RAM policy overview", https://www.alibabacloud.com/help/en/oss/user-guide/ram-policy-overview/).
  getObjectTagging: 'oss:GetObjectTagging',
  getObjectAcl: 'oss:GetObjectAcl',
  getObjectVersion: 'oss:GetObjectVersion',
  getBucketLocation: 'oss:GetBucketLocation',
  getBucketTagging: 'oss:GetBucketTagging',
  // '': OSS has no equivalent request here, and the check is skipped on OSS with that reason. OSS has
  // no S3-style bucket notification configuration (event notifications go through EventBridge/MNS),
  // and its bucket inventory read (GetBucketInventory) needs an inventory id: not mapped in this slice.
  getBucketNotification: '',
  getInventoryConfiguration: '',
  // Configuration writes (never sent, evaluated with --explain on AWS only): not mapped on OSS.
  putBucketNotification: '',
  putInventoryConfiguration: '',
};
