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
};
