// Checksums on every write (issue 13, item 6), seen on the wire between the real CLI and a real Ceph
// RGW by the fault proxy (test/fault-proxy/, which logs each request's headers and the MD5 of the body
// it forwarded). Every request that carries object bytes (PutObject, UploadPart) sends Content-MD5, and
// it is the MD5 of exactly the bytes sent. AWS requires it, or an x-amz-checksum-* header, for uploads to an
// Object Lock bucket: "The Content-MD5 or x-amz-sdk-checksum-algorithm header is required for any
// request to upload an object with a retention period configured using Amazon S3 Object Lock"
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html, the same for UploadPart:
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html). PutObjectRetention also needs one.
// RGW's limit (notes/ceph-rgw.md, "SDK settings needed against RGW Pacific"): the SDK's own streamed
// checksums (aws-chunked bodies with an x-amz-trailer) are refused with 411 MissingContentLength, so
// none of those headers may be sent.
import t, { type Test } from 'tap';
import { CreateBucketCommand, PutObjectLockConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3For, seedDemo, startRgw } from '../../scripts/rgw.mjs';
import type { RunResult } from '../../src/core/model.js';
import { type Exchange, startFaultProxy } from '../fault-proxy/index.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const s3: S3Client = s3For(rgw, owner);
t.teardown(() => s3.destroy());
useCredentials(owner);

const PLAIN = 'checksum-plain';
const LOCKED = 'checksum-locked';
await s3.send(new CreateBucketCommand({ Bucket: PLAIN }));
await s3.send(new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }));
await s3.send(
  new PutObjectLockConfigurationCommand({
    Bucket: LOCKED,
    ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
  }),
);

const proxy = await startFaultProxy({ upstream: rgw.endpoint, deadlineMs: 240_000, maxRequests: 2000 });
t.teardown(() => proxy.close());

async function probe(bucket: string, extra: string[] = []): Promise<{ code: number; json: RunResult; stderr: string; log: Exchange[] }> {
  proxy.log.length = 0;
  const r = await runCli(['probe', '--no-assume', '--bucket', bucket, '--prefix', 'nightly/', '--endpoint', proxy.endpoint, '--path-style', '--format', 'json', ...extra]);
  const deadline = Date.now() + 5000;
  while (proxy.log.some((e) => e.endedAt === undefined) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  try {
    return { code: r.code, json: JSON.parse(r.stdout) as RunResult, stderr: r.stderr, log: [...proxy.log] };
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

/** Requests that carry object bytes: PutObject (not its ?retention / ?acl / ?tagging sub-resources) and UploadPart. */
const byteWrites = (log: Exchange[]) => log.filter((e) => e.op === 'UploadPart' || (e.op === 'PutObject' && !/(^|&)(retention|legal-hold|acl|tagging)(=|&|$)/.test(e.query)));
const STREAMED = ['x-amz-trailer', 'x-amz-sdk-checksum-algorithm', 'x-amz-decoded-content-length'];

function assertChecksums(t: Test, log: Exchange[]): void {
  const writes = byteWrites(log);
  for (const e of writes) {
    const what = `${e.op} ${e.path.replace(/.*\//, '')}${e.sdkAttempt && e.sdkAttempt > 1 ? ` (attempt ${e.sdkAttempt})` : ''}`;
    t.ok((e.requestBodyLength ?? 0) > 0, `${what} carries bytes`);
    t.equal(e.requestHeaders['content-md5'], e.requestBodyMd5, `${what}: Content-MD5 is the MD5 of the ${e.requestBodyLength} bytes sent`);
    for (const h of STREAMED) t.notOk(h in e.requestHeaders, `${what}: no ${h} (RGW refuses streamed checksums)`);
    t.notOk(/aws-chunked/.test(e.requestHeaders['content-encoding'] ?? ''), `${what}: not an aws-chunked body`);
    t.equal(e.status, 200, `${what}: RGW accepted it (it checks Content-MD5: BadDigest otherwise)`);
  }
}

t.test('a default probe: every PutObject and UploadPart sends the Content-MD5 of its bytes', async (t) => {
  const p = await probe(PLAIN);
  t.equal(p.code, 0, `${p.stderr}\n${JSON.stringify(p.json.checks.filter((c) => !c.ok), null, 1)}`);
  t.equal(p.json.verdict, 'pass');
  const writes = byteWrites(p.log);
  // put-object at object.bin; multipart parts 1 and 2 at multipart.bin
  t.ok(writes.some((e) => e.op === 'PutObject' && e.path.endsWith('/object.bin')), 'PutObject of the canary');
  t.same(writes.filter((e) => e.op === 'UploadPart' && e.path.endsWith('/multipart.bin')).map((e) => new URLSearchParams(e.query).get('partNumber')).sort(), ['1', '2'], 'UploadPart of parts 1 and 2');
  t.ok(writes.some((e) => e.op === 'UploadPart' && (e.requestBodyLength ?? 0) >= 5 * 1024 * 1024), 'a full 5 MiB part carries it too');
  assertChecksums(t, p.log);
});

t.test('Object Lock (GOVERNANCE, 1 day): the writes AWS refuses without a checksum carry it, PutObjectRetention too', async (t) => {
  const p = await probe(LOCKED);
  t.equal(p.code, 0, `${p.stderr}\n${JSON.stringify(p.json.checks.filter((c) => !c.ok), null, 1)}`);
  t.match(p.json.target.objectLock, { enabled: true, mode: 'GOVERNANCE', days: 1 });
  const writes = byteWrites(p.log);
  t.ok(writes.some((e) => e.op === 'PutObject') && writes.some((e) => e.op === 'UploadPart'), `${writes.length} writes of object bytes, PutObject and UploadPart`);
  assertChecksums(t, p.log);

  // shorten-retention: PutObjectRetention requires Content-MD5 or an x-amz-checksum-* header
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html); the SDK adds one.
  // On GOVERNANCE the lock proofs send x-amz-bypass-governance-retention: true; the bucket owner probed
  // here may bypass (versions-rgw has the roles), so immutable-s3 fails with not-immutable.
  const i = await probe(LOCKED, ['--probe', 'immutable-s3']);
  t.equal(i.code, 1, i.stderr);
  t.match(Object.fromEntries(i.json.checks.map((c) => [c.id, `${c.outcome} ${c.finding}`])), { 'shorten-retention': 'allowed not-immutable', 'delete-locked-version': 'allowed not-immutable' });
  assertChecksums(t, i.log);
  const bypassed = i.log.filter((e) => /(^|&)(retention|versionId=)/.test(e.query) && e.requestHeaders['x-amz-bypass-governance-retention'] === 'true');
  t.ok(bypassed.some((e) => e.op === 'PutObject') && bypassed.some((e) => e.op === 'DeleteObject'), `the bypass header on the wire: ${bypassed.map((e) => e.op).join(', ')}`);
  const retention = i.log.filter((e) => e.op === 'PutObject' && /(^|&)retention(=|&|$)/.test(e.query));
  t.ok(retention.length >= 1, 'shorten-retention sent PutObjectRetention');
  for (const e of retention) {
    const sums = Object.keys(e.requestHeaders).filter((h) => h === 'content-md5' || h.startsWith('x-amz-checksum-'));
    t.ok(sums.length >= 1, `PutObjectRetention carries a checksum header (${sums.join(', ') || 'none'})`);
    if (e.requestHeaders['content-md5']) t.equal(e.requestHeaders['content-md5'], e.requestBodyMd5, 'PutObjectRetention: the Content-MD5 of its XML body');
  }
});
