// Benchmark floor (not shipped): the longest chain of dependent requests of the probe plan
// (src/core/plan.ts), issued with the raw SDK in ONE warm process; only the chain is timed.
//
//   assume-role → multipart-create → part 1 ‖ part 2 → list-parts → complete → multipart-get
//   → delete-multipart-object                      (7 round trips; --quick: part 1 only, 64 KiB)
//
// Every other check of the plan hangs off this chain and can overlap it (put/head/get/list/delete
// of the small object is 5 deep; list-uploads runs beside the parts; the abort pair beside it all).
// Bodies are made before the clock starts; one HTTP handler (keep-alive) serves STS and S3, as in
// the tool. Also, for comparison (not the floor): "plan", every request of the default plan with the
// plan's dependencies and concurrency, raw SDK, same warm process — what the store allows for the
// whole probe. Prints JSON: { default: [ms...], quick: [ms...], plan: [ms...] }.
//
// Env: BENCH_ENDPOINT BENCH_ROLE BENCH_BUCKET BENCH_PREFIX BENCH_REPS (10) BENCH_WARMUP (3),
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the source identity).
import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const env = process.env;
const endpoint = env.BENCH_ENDPOINT;
const Bucket = env.BENCH_BUCKET;
const region = 'us-east-1';
const reps = Number(env.BENCH_REPS || 10);
const warmup = Number(env.BENCH_WARMUP || 3);
const handler = new NodeHttpHandler({ requestTimeout: 30_000, connectionTimeout: 30_000 });
const sts = new STSClient({
  endpoint,
  region,
  requestHandler: handler,
  credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
});
const bodies = { default: [randomBytes(5 * 1024 * 1024), randomBytes(64 * 1024)], quick: [randomBytes(64 * 1024)] };

const session = async (n) => {
  const r = await sts.send(new AssumeRoleCommand({ RoleArn: env.BENCH_ROLE, RoleSessionName: `bench-floor-${n}`, DurationSeconds: 900 }));
  const c = r.Credentials;
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    requestHandler: handler,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
  });
};

async function chain(kind, n) {
  if (kind === 'plan') return plan(n);
  const Key = `${env.BENCH_PREFIX}bench-floor/${process.pid}-${kind}-${n}/multipart.bin`;
  const t0 = process.hrtime.bigint();
  const s3 = await session(n);
  let UploadId;
  try {
    ({ UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key })));
    const parts = await Promise.all(
      bodies[kind].map(async (Body, i) => {
        const p = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }));
        return { PartNumber: i + 1, ETag: p.ETag };
      }),
    );
    await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    UploadId = undefined;
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    await got.Body.transformToByteArray();
    await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    return Number(process.hrtime.bigint() - t0) / 1e6;
  } catch (e) {
    if (UploadId) await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => {});
    await s3.send(new DeleteObjectCommand({ Bucket, Key })).catch(() => {});
    throw e;
  }
}

/** The whole default plan (src/core/plan.ts), same dependencies and concurrency, no verification. */
async function plan(n) {
  const root = `${env.BENCH_PREFIX}bench-floor/${process.pid}-plan-${n}/`;
  const [obj, mpu, abk] = ['object.bin', 'multipart.bin', 'aborted.bin'].map((k) => root + k);
  const [part1, part2] = bodies.default;
  const t0 = process.hrtime.bigint();
  const who = sts.send(new GetCallerIdentityCommand({})).catch(() => null); // as the tool does, beside AssumeRole
  const s3 = await session(n);
  await who;
  const send = (C, input) => s3.send(new C({ Bucket, ...input }));
  let up;
  let up2;
  try {
    const objectSide = (async () => {
      await send(PutObjectCommand, { Key: obj, Body: bodies.quick[0], IfNoneMatch: '*' });
      await Promise.all([
        send(HeadObjectCommand, { Key: obj }),
        send(GetObjectCommand, { Key: obj }).then((g) => g.Body.transformToByteArray()),
        send(ListObjectsV2Command, { Prefix: env.BENCH_PREFIX, Delimiter: '/', StartAfter: `${env.BENCH_PREFIX}.backup-canary`, MaxKeys: 100 }),
      ]);
      await send(DeleteObjectCommand, { Key: obj });
    })();
    const created = send(CreateMultipartUploadCommand, { Key: mpu }).then((r) => (up = r.UploadId));
    const listUploads = created.then(() => send(ListMultipartUploadsCommand, { Prefix: root }));
    const mpuSide = (async () => {
      await created;
      const parts = await Promise.all(
        [part1, part2].map(async (Body, i) => ({ PartNumber: i + 1, ETag: (await send(UploadPartCommand, { Key: mpu, UploadId: up, PartNumber: i + 1, Body })).ETag })),
      );
      await send(ListPartsCommand, { Key: mpu, UploadId: up });
      await listUploads;
      await send(CompleteMultipartUploadCommand, { Key: mpu, UploadId: up, IfNoneMatch: '*', MultipartUpload: { Parts: parts } });
      up = undefined;
      await (await send(GetObjectCommand, { Key: mpu })).Body.transformToByteArray();
      await send(DeleteObjectCommand, { Key: mpu });
    })();
    const abortSide = (async () => {
      up2 = (await send(CreateMultipartUploadCommand, { Key: abk })).UploadId;
      await listUploads;
      await send(AbortMultipartUploadCommand, { Key: abk, UploadId: up2 });
      up2 = undefined;
    })();
    await Promise.all([objectSide, mpuSide, abortSide]);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  } catch (e) {
    for (const [Key, UploadId] of [[mpu, up], [abk, up2]]) if (UploadId) await send(AbortMultipartUploadCommand, { Key, UploadId }).catch(() => {});
    for (const Key of [obj, mpu]) await send(DeleteObjectCommand, { Key }).catch(() => {});
    throw e;
  }
}

const KINDS = ['default', 'quick', 'plan'];
const out = { default: [], quick: [], plan: [] };
for (let i = 0; i < warmup; i++) for (const kind of KINDS) await chain(kind, -i - 1);
for (let i = 0; i < reps; i++) for (const kind of KINDS) out[kind].push(await chain(kind, i));
handler.destroy();
process.stdout.write(`${JSON.stringify(out)}\n`);
