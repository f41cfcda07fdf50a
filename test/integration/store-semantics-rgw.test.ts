// The Ceph RGW rows of the fix-proof capability table (src/explain/dialects/aws/stores.ts CEPH_RGW),
// observed on a real RGW (Pacific, as scripts/rgw.mjs installs it): "NotAction in a Deny is ignored" and "a negated operator (StringNotEquals)
// on a key missing from the request never matches" (../shared/notes/ceph-rgw.md, "Where RGW differs
// from AWS"). AWS documents the opposite for both ("IAM JSON policy elements: NotAction": a Deny with
// NotAction denies every action not listed; "IAM JSON policy elements: Condition operators": a negated
// operator matches when the key is absent from the request). Each scenario has a control that shows
// the statement is otherwise enforced, so a pass is never a policy RGW simply did not read. The
// evaluator, given the same policy and request, must agree with RGW under ceph-rgw and with AWS's
// documentation under aws-s3.
import t from 'tap';
import { PutObjectCommand, type ObjectCannedACL } from '@aws-sdk/client-s3';
import { assumeRole, createBucket, createRole, createUser, deleteBucketPolicy, putBucketPolicy, putRolePolicy, roleArn, s3For, startRgw, userArn } from '../../scripts/rgw.mjs';
import { evaluate } from '../../src/explain/index.js';
import { AWS_S3, CEPH_RGW } from '../../src/explain/dialects/aws/stores.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const owner = { uid: 'sem-owner', accessKeyId: 'BCSEMOWNERKEY0000001', secretAccessKey: 'bc-local-semowner-secret-not-real-001' };
const writer = { uid: 'sem-writer', accessKeyId: 'BCSEMWRITERKEY000002', secretAccessKey: 'bc-local-semwriter-secret-not-real-02' };
await createUser(rgw, owner.uid, owner);
await createUser(rgw, writer.uid, writer);
const BUCKET = 'semantics';
await createBucket(rgw, owner, BUCKET);
const OBJECTS = `arn:aws:s3:::${BUCKET}/*`;
const writerMayWrite = { Sid: 'WriterMayWrite', Effect: 'Allow', Principal: { AWS: [userArn(writer.uid)] }, Action: ['s3:PutObject'], Resource: [OBJECTS] };

async function writerPut(key: string, extra: { ACL?: ObjectCannedACL; GrantRead?: string } = {}): Promise<string> {
  const s3 = s3For(rgw, writer);
  try {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'writer', ...extra }));
    return 'allowed';
  } catch (e) {
    return (e as { name?: string }).name ?? 'error';
  } finally {
    s3.destroy();
  }
}

/** What the evaluator says about the writer's PutObject under a store's semantics. */
function predicted(deny: Record<string, unknown>, store: typeof AWS_S3, header?: string, context: Record<string, string> = {}): string {
  return evaluate({
    dialect: 'aws',
    store,
    // the header the SDK sends or not: a key the request does not carry is absent, never guessed
    request: { action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/k`, principal: { arn: userArn(writer.uid) }, context, absent: header && !(header in context) ? [header] : [] },
    policies: {
      identity: [{ name: 'writer-allows-all', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
      resource: { name: 'bucket-policy', document: { Version: '2012-10-17', Statement: [deny, writerMayWrite] } },
    },
  }).decision;
}

t.test('control: with only the Allow, the writer may write', async (t) => {
  await putBucketPolicy(rgw, owner, BUCKET, { Version: '2012-10-17', Statement: [writerMayWrite] });
  t.equal(await writerPut('control.bin'), 'allowed');
});

t.test('RGW ignores NotAction in a Deny (AWS would deny every action but the listed ones)', async (t) => {
  const byAction = { Sid: 'NoWrites', Effect: 'Deny', Principal: '*', Action: ['s3:PutObject'], Resource: [OBJECTS] };
  await putBucketPolicy(rgw, owner, BUCKET, { Version: '2012-10-17', Statement: [byAction, writerMayWrite] });
  t.equal(await writerPut('notaction/control.bin'), 'AccessDenied', 'control: the same Deny written with Action is enforced');

  const byNotAction = { Sid: 'ReadOnly', Effect: 'Deny', Principal: '*', NotAction: ['s3:GetObject'], Resource: [OBJECTS] };
  await putBucketPolicy(rgw, owner, BUCKET, { Version: '2012-10-17', Statement: [byNotAction, writerMayWrite] });
  t.equal(await writerPut('notaction/put.bin'), 'allowed', 'RGW: the NotAction Deny does not stop PutObject');
  t.equal(predicted(byNotAction, CEPH_RGW), 'allowed', 'the evaluator under ceph-rgw agrees');
  t.equal(predicted(byNotAction, AWS_S3), 'explicit-deny', 'under aws-s3 the documented answer: denied');
});

t.test('RGW: StringNotEquals on a key the request does not carry never matches (AWS: it matches)', async (t) => {
  // s3:x-amz-grant-read comes from the x-amz-grant-read header, which the SDK sends only when asked
  const onlyOwnerReads = {
    Sid: 'OnlyOwnerMayBeGrantedRead',
    Effect: 'Deny',
    Principal: '*',
    Action: ['s3:PutObject'],
    Resource: [OBJECTS],
    Condition: { StringNotEquals: { 's3:x-amz-grant-read': [`id=${owner.uid}`] } },
  };
  await putBucketPolicy(rgw, owner, BUCKET, { Version: '2012-10-17', Statement: [onlyOwnerReads, writerMayWrite] });
  t.equal(await writerPut('negated/other-grant.bin', { GrantRead: `id=${writer.uid}` }), 'AccessDenied', 'control: another x-amz-grant-read value is denied (the condition is evaluated)');
  t.equal(await writerPut('negated/no-grant.bin'), 'allowed', 'RGW: without the header the Deny does not apply');
  t.equal(predicted(onlyOwnerReads, CEPH_RGW, 's3:x-amz-grant-read'), 'allowed', 'the evaluator under ceph-rgw agrees (key absent)');
  t.equal(predicted(onlyOwnerReads, AWS_S3, 's3:x-amz-grant-read'), 'explicit-deny', 'under aws-s3 the documented answer: denied');
  t.equal(predicted(onlyOwnerReads, CEPH_RGW, 's3:x-amz-grant-read', { 's3:x-amz-grant-read': `id=${writer.uid}` }), 'explicit-deny', 'with the other value both agree: denied');
});

t.test('an aws:userid exemption on RGW keeps no plain user and no anonymous caller denied (aws:userid is set for role sessions only)', async (t) => {
  // The userid-condition fix candidate exempts the role with StringNotLike aws:userid "ROLEID:*". On
  // RGW only a role session carries aws:userid; for a plain user or an anonymous caller the key is
  // missing, so the negated condition never matches and the Deny stops applying to them. This is why
  // the fix proof (src/explain/proof.ts) evaluates the users a Deny names with no aws:userid it could
  // know, and an anonymous caller where the Deny covers "*": the exemption is never proven for them.
  const publicWrite = { Sid: 'PublicWrite', Effect: 'Allow', Principal: '*', Action: ['s3:PutObject'], Resource: [OBJECTS] };
  const denyAll = { Sid: 'NoWrites', Effect: 'Deny', Principal: '*', Action: ['s3:PutObject'], Resource: [OBJECTS] };
  const exemptRole = { ...denyAll, Sid: 'OnlyTheRole', Condition: { StringNotLike: { 'aws:userid': ['AROAEXAMPLEROLEID:*'] } } };
  const anyUserid = { ...denyAll, Sid: 'AnyUserid', Condition: { StringLike: { 'aws:userid': ['*'] } } };
  const anonPut = async (key: string) => (await fetch(`${rgw.endpoint}/${BUCKET}/${key}`, { method: 'PUT', body: 'anonymous' })).status;
  await createRole(rgw, 'sem-role', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(writer.uid)] }, Action: ['sts:AssumeRole'] }] });
  await putRolePolicy(rgw, 'sem-role', 'writes', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [OBJECTS] }] });
  const session = await assumeRole(rgw, writer, roleArn('sem-role'), 'sem-session');
  const sessionPut = async (key: string) => {
    const s3 = s3For(rgw, session);
    try {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'role' }));
      return 'allowed';
    } catch (e) {
      return (e as { name?: string }).name ?? 'error';
    } finally {
      s3.destroy();
    }
  };
  const all = async (key: string) => ({ user: await writerPut(`${key}-user`), anonymous: await anonPut(`${key}-anon`), session: await sessionPut(`${key}-session`) });

  await putBucketPolicy(rgw, owner, BUCKET, { Version: '2012-10-17', Statement: [publicWrite] });
  t.same(await all('userid/open'), { user: 'allowed', anonymous: 200, session: 'allowed' }, 'control: the public-write Allow lets all three write');
  await putBucketPolicy(rgw, owner, BUCKET, { Version: '2012-10-17', Statement: [denyAll, publicWrite] });
  t.same(await all('userid/deny'), { user: 'AccessDenied', anonymous: 403, session: 'AccessDenied' }, 'control: the Deny without a condition refuses all three');
  await putBucketPolicy(rgw, owner, BUCKET, { Version: '2012-10-17', Statement: [anyUserid, publicWrite] });
  t.same(await all('userid/any'), { user: 'allowed', anonymous: 200, session: 'AccessDenied' }, 'StringLike aws:userid "*": only the role session carries the key');
  await putBucketPolicy(rgw, owner, BUCKET, { Version: '2012-10-17', Statement: [exemptRole, publicWrite] });
  t.same(await all('userid/exempt'), { user: 'allowed', anonymous: 200, session: 'AccessDenied' }, 'the exemption for another role id: the user and the anonymous caller escape the Deny');
  await deleteBucketPolicy(rgw, owner, BUCKET);
});

t.test('observed, not a store rule: RGW fills s3:x-amz-acl on a PutObject that sends no x-amz-acl', async (t) => {
  // A StringNotEquals s3:x-amz-acl Deny refuses a PutObject without the header on RGW, as on AWS, so
  // this key is no example of the missing-key rule (RGW's IAM environment carries a value for it).
  const needsOwnerAcl = {
    Sid: 'OwnerMustGetFullControl',
    Effect: 'Deny',
    Principal: '*',
    Action: ['s3:PutObject'],
    Resource: [OBJECTS],
    Condition: { StringNotEquals: { 's3:x-amz-acl': ['bucket-owner-full-control'] } },
  };
  await putBucketPolicy(rgw, owner, BUCKET, { Version: '2012-10-17', Statement: [needsOwnerAcl, writerMayWrite] });
  t.equal(await writerPut('acl/owner-acl.bin', { ACL: 'bucket-owner-full-control' }), 'allowed', 'control: the named x-amz-acl passes');
  t.equal(await writerPut('acl/no-acl.bin'), 'AccessDenied', 'without the header: denied');
  await deleteBucketPolicy(rgw, owner, BUCKET);
});
