// The documented remedy for a read refused because another account owns the object (issue 15): the
// decision is src/core/ownership.ts; these are its texts for S3, as data, each from the pages below.
//
// - "Bucket owner enforced (default) – ACLs are disabled, and the bucket owner automatically owns and
//   has full control over every object in the bucket. ACLs no longer affect permissions to data in the
//   S3 bucket." "Bucket owner preferred – The bucket owner owns and has full control over new objects
//   that other accounts write to the bucket with the bucket-owner-full-control canned ACL."
//   (about-object-ownership, below)
// - "After you apply the Bucket owner enforced setting for Object Ownership, ACLs are disabled. Requests
//   to set ACLs or update ACLs fail with a 400 error and return the AccessControlListNotSupported error
//   code. Requests to read ACLs are still supported." (object-ownership-error-responses)
// - "For S3 buckets with object-writer as the object ownership setting, the AWS account that uploaded
//   the object to the bucket becomes the object owner. [...] Without that permission, the bucket owner
//   doesn't have access to the object." (re:Post knowledge center, s3-bucket-owner-access)
// - Before applying it (paraphrased from the prerequisites page and the troubleshooting page's
//   InvalidBucketAclWithObjectOwnership): a bucket ACL that grants access outside the account must first
//   be migrated to the bucket policy and reset to private, else PutBucketOwnershipControls with
//   BucketOwnerEnforced fails with 400 InvalidBucketAclWithObjectOwnership.

import type { OwnershipRemedy } from '../../core/adapter.js';

export const ABOUT_OBJECT_OWNERSHIP = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html';
export const OWNERSHIP_TROUBLESHOOTING = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html';
export const OWNERSHIP_403 = 'https://repost.aws/knowledge-center/s3-bucket-owner-access';
export const OWNERSHIP_PREREQUISITES = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-migrating-acls-prerequisites.html';
export const PUT_OWNERSHIP_CONTROLS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketOwnershipControls.html';

export const S3_OWNERSHIP_REMEDY: OwnershipRemedy = {
  setting: 'BucketOwnerEnforced',
  request: 'PutBucketOwnershipControls',
  action: 's3:PutBucketOwnershipControls',
  change:
    'Set the bucket\'s Object Ownership to Bucket owner enforced (PutBucketOwnershipControls with ObjectOwnership BucketOwnerEnforced, as the bucket owner): ACLs are disabled and the bucket owner owns every object, including those already written, so the bucket owner\'s policies decide the reads.',
  breaks: [
    'Writers that send an ACL other than bucket-owner-full-control (x-amz-acl or x-amz-grant-* headers, PutObjectAcl) then get 400 AccessControlListNotSupported ("The bucket does not allow ACLs"); they must send no ACL or bucket-owner-full-control.',
    'Existing object ACLs are disabled (kept, no longer evaluated): access that an ACL granted to another account or group stops unless a bucket or identity policy grants it; a bucket ACL that grants access outside the account must be migrated to the bucket policy first, or the change fails with InvalidBucketAclWithObjectOwnership.',
  ],
  docs: [ABOUT_OBJECT_OWNERSHIP, OWNERSHIP_TROUBLESHOOTING, OWNERSHIP_403, OWNERSHIP_PREREQUISITES, PUT_OWNERSHIP_CONTROLS],
};
