// Part of scripts/rgw.mjs (a throwaway Ceph RGW for tests and the demo): seeding helpers: users, roles, policies, buckets, the demo.
// Plain ESM JavaScript, like rgw.mjs: the demo runs it without a compile step.

import crypto from 'node:crypto';
import path from 'node:path';
import { S3Client, CreateBucketCommand, PutBucketPolicyCommand, DeleteBucketPolicyCommand, PutObjectCommand, DeleteObjectCommand, ListObjectsV2Command, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { REGION } from './common.mjs';
import { bin, describeFailure, run } from './install.mjs';
/** radosgw-admin -c DIR/ceph.conf -n client.admin ARGS; returns parsed JSON when the output is JSON. */
export async function radosgwAdmin(rgw, args) {
  const r = await run(bin('radosgw-admin'), ['-c', rgw.conf ?? path.join(rgw.dir, 'ceph.conf'), '-n', 'client.admin', ...args], {
    timeoutMs: 60_000,
  });
  if (r.code !== 0) throw new Error(describeFailure(`radosgw-admin ${args.filter((a) => !a.includes('{')).join(' ')}`, r));
  const text = r.stdout.trim();
  if (!text) return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function createUser(rgw, uid, { accessKeyId, secretAccessKey, caps, displayName } = {}) {
  if (!accessKeyId || !secretAccessKey) throw new Error(`createUser ${uid}: accessKeyId and secretAccessKey are required`);
  await radosgwAdmin(rgw, [
    'user', 'create', `--uid=${uid}`, `--display-name=${displayName || uid}`,
    `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`,
  ]);
  if (caps) await radosgwAdmin(rgw, ['caps', 'add', `--uid=${uid}`, `--caps=${caps}`]);
  return { uid, arn: `arn:aws:iam:::user/${uid}`, accessKeyId, secretAccessKey };
}

export const roleArn = (roleName) => `arn:aws:iam:::role/${roleName}`;
export const userArn = (uid) => `arn:aws:iam:::user/${uid}`;

export async function createRole(rgw, roleName, trustPolicy) {
  await radosgwAdmin(rgw, ['role', 'create', `--role-name=${roleName}`, '--path=/', `--assume-role-policy-doc=${JSON.stringify(trustPolicy)}`]);
  return { name: roleName, arn: roleArn(roleName) };
}

export async function putRolePolicy(rgw, roleName, policyName, policy) {
  await radosgwAdmin(rgw, ['role-policy', 'put', `--role-name=${roleName}`, `--policy-name=${policyName}`, `--policy-doc=${JSON.stringify(policy)}`]);
}

export async function deleteRolePolicy(rgw, roleName, policyName) {
  await radosgwAdmin(rgw, ['role-policy', 'delete', `--role-name=${roleName}`, `--policy-name=${policyName}`]);
}

/** Like IAM DeleteRole: fails while the role still has inline policies. */
export async function deleteRole(rgw, roleName) {
  await radosgwAdmin(rgw, ['role', 'delete', `--role-name=${roleName}`]);
}

/** An S3 client configured for RGW Pacific. creds: { accessKeyId, secretAccessKey, sessionToken? }. */
export function s3For(rgw, creds, extra = {}) {
  return new S3Client({
    endpoint: rgw.endpoint,
    region: rgw.region || REGION,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
    },
    ...extra,
  });
}

export async function withS3(rgw, creds, fn) {
  const s3 = s3For(rgw, creds);
  try {
    return await fn(s3);
  } finally {
    s3.destroy();
  }
}

export function createBucket(rgw, ownerCreds, bucket) {
  return withS3(rgw, ownerCreds, (s3) => s3.send(new CreateBucketCommand({ Bucket: bucket })));
}

export function putBucketPolicy(rgw, ownerCreds, bucket, policy) {
  return withS3(rgw, ownerCreds, (s3) => s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) })));
}

export function deleteBucketPolicy(rgw, ownerCreds, bucket) {
  return withS3(rgw, ownerCreds, (s3) => s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket })));
}

export function putObjectAs(rgw, creds, bucket, key, body) {
  return withS3(rgw, creds, (s3) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body })));
}

/** Every object key and every incomplete multipart upload in the bucket (all pages). */
export function listEverything(rgw, ownerCreds, bucket) {
  return withS3(rgw, ownerCreds, async (s3) => {
    const objects = [];
    let token;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const o of page.Contents || []) objects.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const uploads = [];
    let keyMarker;
    let uploadIdMarker;
    for (;;) {
      const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
      for (const u of page.Uploads || []) uploads.push({ key: u.Key, uploadId: u.UploadId });
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
      if (!keyMarker && !uploadIdMarker) break;
    }
    return { objects, uploads };
  });
}

/** sts:AssumeRole against RGW; returns { accessKeyId, secretAccessKey, sessionToken, expiration }. */
export async function assumeRole(rgw, creds, arn, sessionName = 'rgw-harness', durationSeconds = 900) {
  const sts = new STSClient({
    endpoint: rgw.endpoint,
    region: rgw.region || REGION,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
  });
  try {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: sessionName, DurationSeconds: durationSeconds }));
    const c = out.Credentials;
    if (!c || !c.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('AssumeRole returned no credentials');
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  } finally {
    sts.destroy();
  }
}

export const DEMO = Object.freeze({
  sourceUser: { uid: 'backup-operator', accessKeyId: 'BCOPERATORKEY0000001', secretAccessKey: 'bc-local-operator-secret-not-real-00001' },
  ownerUser: { uid: 'bucket-owner', accessKeyId: 'BCOWNERKEY0000000001', secretAccessKey: 'bc-local-owner-secret-not-real-0000001' },
  roleName: 'nightly-backup',
  rolePolicyName: 'nightly-backup-writes',
  bucket: 'backups-demo',
  lockedBucket: 'backups-locked',
  prefix: 'nightly/',
  lockedSid: 'OnlyOfficeMayWrite',
  officeCidr: '203.0.113.0/24',
});

export function demoRolePolicy(buckets = [DEMO.bucket, DEMO.lockedBucket], prefix = DEMO.prefix) {
  const bucketArns = buckets.map((b) => `arn:aws:s3:::${b}`);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'BackupObjects',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: bucketArns.map((a) => `${a}/${prefix}*`),
      },
      { Sid: 'ListUploads', Effect: 'Allow', Action: ['s3:ListBucketMultipartUploads'], Resource: bucketArns },
      {
        Sid: 'ListBackupPrefix',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: bucketArns,
        Condition: { StringLike: { 's3:prefix': [`${prefix}*`, prefix] } },
      },
    ],
  };
}

export function isAccessDenied(e) {
  return Boolean(e && (e.name === 'AccessDenied' || e.Code === 'AccessDenied') && e.$metadata && e.$metadata.httpStatusCode === 403);
}

/**
 * Seed the demo world: source user, bucket owner, two buckets, the nightly-backup role and a bucket
 * policy that denies the role's writes to backups-locked from outside the office CIDR. Verifies the
 * result with a real role session (put works on backups-demo, is denied on backups-locked) and leaves
 * no objects behind.
 */
export async function seedDemo(rgw) {
  const arn = roleArn(DEMO.roleName);
  const trustPolicy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(DEMO.sourceUser.uid)] }, Action: ['sts:AssumeRole'] }],
  };
  const rolePolicy = demoRolePolicy();
  const lockedPolicy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: DEMO.lockedSid,
        Effect: 'Deny',
        Principal: { AWS: [arn] },
        Action: ['s3:PutObject'],
        Resource: [`arn:aws:s3:::${DEMO.lockedBucket}/*`],
        Condition: { NotIpAddress: { 'aws:SourceIp': [DEMO.officeCidr] } },
      },
    ],
  };

  const [source, owner] = await Promise.all([
    createUser(rgw, DEMO.sourceUser.uid, { ...DEMO.sourceUser, displayName: 'backup operator (source identity)' }),
    createUser(rgw, DEMO.ownerUser.uid, { ...DEMO.ownerUser, displayName: 'bucket owner' }),
    createRole(rgw, DEMO.roleName, trustPolicy).then(() => putRolePolicy(rgw, DEMO.roleName, DEMO.rolePolicyName, rolePolicy)),
  ]);
  await Promise.all([createBucket(rgw, owner, DEMO.bucket), createBucket(rgw, owner, DEMO.lockedBucket)]);
  await putBucketPolicy(rgw, owner, DEMO.lockedBucket, lockedPolicy);

  // Prove the seed: the role can write under nightly/ on backups-demo and is denied on backups-locked.
  const session = await assumeRole(rgw, source, arn, 'seed-check');
  const key = `${DEMO.prefix}.seed-check-${crypto.randomBytes(4).toString('hex')}`;
  await withS3(rgw, session, async (s3) => {
    await s3.send(new PutObjectCommand({ Bucket: DEMO.bucket, Key: key, Body: 'seed check' }));
    await s3.send(new DeleteObjectCommand({ Bucket: DEMO.bucket, Key: key }));
    let lockedWrite = null;
    try {
      await s3.send(new PutObjectCommand({ Bucket: DEMO.lockedBucket, Key: key, Body: 'seed check' }));
      lockedWrite = 'succeeded';
      await s3.send(new DeleteObjectCommand({ Bucket: DEMO.lockedBucket, Key: key }));
    } catch (e) {
      if (!isAccessDenied(e)) throw e;
    }
    if (lockedWrite) throw new Error(`seedDemo: a role write to ${DEMO.lockedBucket} ${lockedWrite}; the bucket policy is not enforced`);
  });

  return {
    endpoint: rgw.endpoint,
    region: rgw.region || REGION,
    users: {
      admin: { ...rgw.admin },
      sourceIdentity: { ...source },
      bucketOwner: { ...owner },
    },
    role: { name: DEMO.roleName, arn, policyName: DEMO.rolePolicyName, trustPolicy, policy: rolePolicy },
    buckets: { open: DEMO.bucket, locked: DEMO.lockedBucket },
    prefix: DEMO.prefix,
    lockedBucketPolicy: { sid: DEMO.lockedSid, officeCidr: DEMO.officeCidr, policy: lockedPolicy },
  };
}
