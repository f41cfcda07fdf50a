// The permission scenarios of the real-client agreement test (test/integration/clients-rgw.test.ts):
// each is a role policy, optionally a bucket policy and a session policy, on its own bucket and role.
// The backup prefix is PREFIX; restic's repository is PREFIX + "restic", rclone's destination
// PREFIX + "rclone", and the probe's canaries go under PREFIX + ".backup-canary/".
import { demoRolePolicy } from '../../scripts/rgw.mjs';
import type { ClientName } from './real-clients.js';

export const PREFIX = 'backups/';
export const OFFICE_CIDR = '203.0.113.0/24';

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { AWS: string[] } | '*';
  Action: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: Record<string, Record<string, string[] | string>>;
}
export interface Policy {
  Version: '2012-10-17';
  Statement: Statement[];
}

export interface Scenario {
  id: string;
  /** Where the permissions come from: role policy, bucket policy, session policy, or the generator. */
  via: 'role' | 'bucket' | 'session' | 'generated';
  title: string;
  /** The role's only inline policy; null: no policy at all. `generated:X` = `backup-canary policy --probe X`. */
  role: ((bucket: string) => Policy) | null | `generated:${string}`;
  bucketPolicy?: (bucket: string, roleArn: string) => Policy;
  session?: (bucket: string) => Policy;
  /**
   * A client failure no permission check can see (an RGW quirk, a client bug): the client's stderr must
   * match `symptom`, and the row is reported as a known difference, never as agreement. None so far.
   */
  knownDifference?: Partial<Record<ClientName, { why: string; symptom: RegExp }>>;
  /** Create the bucket with Object Lock enabled and this default retention (versioning comes with it). */
  objectLock?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; days: number };
  /** The scenario makes restic retry a denied request for ~90 s: start it first. */
  slow?: boolean;
}

const bucketArn = (b: string) => `arn:aws:s3:::${b}`;
const objects = (b: string, prefix = PREFIX) => `${bucketArn(b)}/${prefix}*`;
const doc = (...Statement: Statement[]): Policy => ({ Version: '2012-10-17', Statement });

const OBJECT_ACTIONS = ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];

/** Healthy: every object action under the prefix, bucket-level listing (unconditioned) and location. */
function fullPrefix(b: string, drop: string[] = []): Policy {
  const keep = (a: string[]) => a.filter((x) => !drop.includes(x));
  return doc(
    { Sid: 'BackupObjects', Effect: 'Allow', Action: keep(OBJECT_ACTIONS), Resource: [objects(b)] },
    { Sid: 'BackupBucket', Effect: 'Allow', Action: keep(['s3:ListBucket', 's3:ListBucketMultipartUploads', 's3:GetBucketLocation']), Resource: [bucketArn(b)] },
  );
}

/** The seed's rclone-style policy (scripts/rgw.mjs demoRolePolicy): ListBucket only with s3:prefix. */
function seed(b: string): Policy {
  return demoRolePolicy([b], PREFIX) as Policy;
}

function seedWithoutMultipart(b: string): Policy {
  const p = seed(b);
  const multipart = ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:ListBucketMultipartUploads'];
  p.Statement = p.Statement.map((s) => ({ ...s, Action: s.Action.filter((a) => !multipart.includes(a)) })).filter((s) => s.Action.length > 0);
  return p;
}

const roleOnly = (roleArn: string) => ({ AWS: [roleArn] });

export const SCENARIOS: Scenario[] = [
  {
    id: 'seed-prefix',
    via: 'role',
    title: "the seed's prefix policy (ListBucket with s3:prefix, multipart actions granted)",
    role: seed,
  },
  {
    id: 'seed-prefix-no-multipart',
    via: 'role',
    title: "the seed's prefix policy without AbortMultipartUpload, ListMultipartUploadParts, ListBucketMultipartUploads",
    role: seedWithoutMultipart,
  },
  {
    id: 'prefix-delimiter',
    via: 'role',
    title: 'ListBucket only with s3:prefix and s3:delimiter "/"',
    role: (b) =>
      doc(
        { Sid: 'BackupObjects', Effect: 'Allow', Action: OBJECT_ACTIONS, Resource: [objects(b)] },
        {
          Sid: 'ListDelimited',
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: [bucketArn(b)],
          Condition: { StringLike: { 's3:prefix': [`${PREFIX}*`, PREFIX] }, StringEquals: { 's3:delimiter': ['/'] } },
        },
      ),
  },
  {
    // HeadBucket and unprefixed listing pass (no s3:prefix), prefixed listing only with the delimiter:
    // what restic's check/prune and rclone's delete send (a recursive listing, empty delimiter) is refused.
    id: 'delimiter-required',
    via: 'role',
    title: 'ListBucket without s3:prefix, or with s3:delimiter "/" (recursive prefix listing refused)',
    slow: true,
    role: (b) =>
      doc(
        { Sid: 'BackupObjects', Effect: 'Allow', Action: OBJECT_ACTIONS, Resource: [objects(b)] },
        { Sid: 'BucketItself', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(b)], Condition: { Null: { 's3:prefix': ['true'] } } },
        { Sid: 'ListDelimited', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(b)], Condition: { StringEquals: { 's3:delimiter': ['/'] } } },
      ),
  },
  {
    id: 'deny-unprefixed-list',
    via: 'role',
    title: 'everything on the bucket, but a Deny on ListBucket without s3:prefix (Null condition)',
    role: (b) =>
      doc(
        { Sid: 'All', Effect: 'Allow', Action: ['s3:*'], Resource: [bucketArn(b), `${bucketArn(b)}/*`] },
        { Sid: 'NoUnprefixedListing', Effect: 'Deny', Action: ['s3:ListBucket'], Resource: [bucketArn(b)], Condition: { Null: { 's3:prefix': ['true'] } } },
      ),
  },
  {
    id: 'no-bucket-location',
    via: 'role',
    title: 'healthy minus s3:GetBucketLocation (no region configured in restic)',
    role: (b) => fullPrefix(b, ['s3:GetBucketLocation']),
  },
  {
    // A common mistake: ListBucket granted on the objects' ARN, where it never applies.
    id: 'list-on-object-arn',
    via: 'role',
    title: 'every action, ListBucket included, on arn:aws:s3:::B/backups/* only (ListBucket never applies there)',
    role: (b) => doc({ Sid: 'Everything', Effect: 'Allow', Action: [...OBJECT_ACTIONS, 's3:ListBucket', 's3:GetBucketLocation'], Resource: [objects(b)] }),
  },
  {
    // Ransomware protection with restic's lock exception: deletes refused except for lock files.
    id: 'worm-except-locks',
    via: 'bucket',
    title: 'bucket policy: Deny s3:DeleteObject to the role except on restic lock files (NotResource .../locks/*)',
    slow: true,
    role: (b) => fullPrefix(b),
    bucketPolicy: (b, roleArn) =>
      doc({ Sid: 'NoDeletesButLocks', Effect: 'Deny', Principal: roleOnly(roleArn), Action: ['s3:DeleteObject'], NotResource: [`${bucketArn(b)}/${PREFIX}restic/locks/*`] }),
  },
  { id: 'healthy-prefix', via: 'role', title: 'healthy: every object action under the prefix, unconditioned bucket listing', role: (b) => fullPrefix(b) },
  { id: 'no-get-object', via: 'role', title: 'healthy minus s3:GetObject', role: (b) => fullPrefix(b, ['s3:GetObject']) },
  { id: 'no-delete-object', via: 'role', title: 'healthy minus s3:DeleteObject', slow: true, role: (b) => fullPrefix(b, ['s3:DeleteObject']) },
  { id: 'no-list-bucket', via: 'role', title: 'healthy minus s3:ListBucket', role: (b) => fullPrefix(b, ['s3:ListBucket']) },
  { id: 'read-only', via: 'role', title: 'read-only: GetObject and ListBucket only', role: (b) => fullPrefix(b, ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']) },
  {
    id: 'office-ip-deny',
    via: 'bucket',
    title: `bucket policy: Deny s3:PutObject to the role from outside the office (NotIpAddress ${OFFICE_CIDR}; RGW sees 127.0.0.1)`,
    role: (b) => fullPrefix(b),
    bucketPolicy: (b, roleArn) =>
      doc({ Sid: 'OnlyOfficeMayWrite', Effect: 'Deny', Principal: roleOnly(roleArn), Action: ['s3:PutObject'], Resource: [`${bucketArn(b)}/*`], Condition: { NotIpAddress: { 'aws:SourceIp': [OFFICE_CIDR] } } }),
  },
  {
    id: 'bucket-deny-delete',
    via: 'bucket',
    title: 'bucket policy: Deny s3:DeleteObject to the role (WORM-style), role healthy',
    slow: true,
    role: (b) => fullPrefix(b),
    bucketPolicy: (b, roleArn) => doc({ Sid: 'NoDeletes', Effect: 'Deny', Principal: roleOnly(roleArn), Action: ['s3:DeleteObject'], Resource: [`${bucketArn(b)}/*`] }),
  },
  {
    // A common bucket policy: refuse uploads that do not ask for server-side encryption. Neither client
    // sends x-amz-server-side-encryption unless configured to; the definitions send none either. (A Null
    // condition: RGW Pacific does not match StringNotEquals on a missing key, see ceph-rgw notes.)
    id: 'require-sse-header',
    via: 'bucket',
    title: 'bucket policy: Deny s3:PutObject without an x-amz-server-side-encryption header (Null condition)',
    role: (b) => fullPrefix(b),
    bucketPolicy: (b) =>
      doc({ Sid: 'RequireSse', Effect: 'Deny', Principal: '*', Action: ['s3:PutObject'], Resource: [`${bucketArn(b)}/*`], Condition: { Null: { 's3:x-amz-server-side-encryption': ['true'] } } }),
  },
  {
    // Immutable backups: Object Lock with a default retention. Deletes without a version id add a
    // delete marker (RGW answers 204), so restic's lock removal and rclone's delete succeed.
    id: 'object-lock-governance',
    via: 'bucket',
    title: 'bucket with Object Lock, default retention GOVERNANCE 1 day; role healthy',
    role: (b) => fullPrefix(b),
    objectLock: { mode: 'GOVERNANCE', days: 1 },
  },
  {
    id: 'bucket-grant-only',
    via: 'bucket',
    title: 'no role policy; the bucket policy grants the role everything on the bucket',
    role: null,
    bucketPolicy: (b, roleArn) => doc({ Sid: 'BackupRole', Effect: 'Allow', Principal: roleOnly(roleArn), Action: ['s3:*'], Resource: [bucketArn(b), `${bucketArn(b)}/*`] }),
  },
  {
    id: 'session-seed-prefix',
    via: 'session',
    title: "role healthy; the session policy is the seed's prefix policy",
    role: (b) => fullPrefix(b),
    session: seed,
  },
  {
    id: 'session-other-prefix',
    via: 'session',
    title: 'role healthy; the session policy only allows another prefix (other/)',
    role: (b) => fullPrefix(b),
    session: (b) =>
      doc(
        { Sid: 'OtherObjects', Effect: 'Allow', Action: OBJECT_ACTIONS, Resource: [objects(b, 'other/')] },
        { Sid: 'OtherList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(b)], Condition: { StringLike: { 's3:prefix': ['other/*'] } } },
      ),
  },
  {
    id: 'session-no-delete',
    via: 'session',
    title: 'role healthy; the session policy allows everything but s3:DeleteObject',
    slow: true,
    role: (b) => fullPrefix(b),
    session: (b) => fullPrefix(b, ['s3:DeleteObject']),
  },
  { id: 'generated-restic-s3', via: 'generated', title: '`backup-canary policy --probe restic-s3` as the role\'s only policy', role: 'generated:restic-s3' },
  { id: 'generated-rclone-s3', via: 'generated', title: '`backup-canary policy --probe rclone-s3` as the role\'s only policy', role: 'generated:rclone-s3' },
];
