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
  // Reader checks (issue 15); the requests are in reader-requests.ts.
  // - GetObjectTagging: oss:GetObjectTagging ("get object tags": the oss:GetObjectTagging permission,
  //   https://help.aliyun.com/en/oss/developer-reference/get-object-tags-using-oss-sdk-for-php-v2).
  // - GetObjectACL: oss:GetObjectAcl (https://www.alibabacloud.com/help/en/oss/developer-reference/get-object-acl).
  // - GetObject with versionId: oss:GetObjectVersion ("When downloading an object, if you specify the
  //   object version through versionId, this permission is required",
  //   https://www.alibabacloud.com/help/en/oss/developer-reference/download-objects-16).
  // - GetBucketLocation: oss:GetBucketLocation (OSS RAM action list, "RAM policy overview",
  //   https://www.alibabacloud.com/help/en/oss/user-guide/ram-policy-overview/).
  // - GetBucketTags: "The permission of oss:GetBucketTagging is required"
  //   (https://www.alibabacloud.com/help/en/oss/developer-reference/getbuckettags).
  // - ListBucketInventory (no inventory id needed, as S3's ListBucketInventoryConfigurations):
  //   "Calling the ListBucketInventory operation requires the oss:GetBucketInventory permission"
  //   (https://www.alibabacloud.com/help/en/oss/developer-reference/listbucketinventory; the older
  //   ossutil page list-bucket-inventory names oss:ListBucketInventory instead: the API page is followed).
  getObjectTagging: 'oss:GetObjectTagging',
  getObjectAcl: 'oss:GetObjectAcl',
  getObjectVersion: 'oss:GetObjectVersion',
  getBucketLocation: 'oss:GetBucketLocation',
  getBucketTagging: 'oss:GetBucketTagging',
  getInventoryConfiguration: 'oss:GetBucketInventory',
  // '': OSS documents no equivalent, and the check is skipped on OSS with that reason (reader-steps.ts).
  // OSS has no bucket notification configuration to read: object events go to EventBridge
  // (https://www.alibabacloud.com/help/en/eventbridge/user-guide/oss-events) or to Simple Message
  // Queue (formerly MNS) through its own event notification rules
  // (https://www.alibabacloud.com/help/en/mns/user-guide/create-a-rule-to-generate-oss-event-notifications),
  // configured in those services, not by an OSS bucket API.
  getBucketNotification: '',
  // Ownership evidence (issue 15): OSS has no Object Ownership setting; its bucket owner would come
  // from GetBucketAcl (oss:GetBucketAcl), which this adapter does not send.
  getBucketOwnershipControls: '',
  getBucketAcl: 'oss:GetBucketAcl',
  // Configuration writes (never sent; evaluated with --explain on AWS only): not mapped on OSS.
  putBucketNotification: '',
  putInventoryConfiguration: '',
};
