// Faults between the CLI and a real Ceph RGW, injected by the fault proxy (test/fault-proxy/):
// throttling and 5xx (retried with backoff, counted), dropped connections and answers slower than
// --timeout (error at stage network, cleanup still runs, exit 3), answers lost after the store acted,
// SIGKILL mid-upload (the stale canary stays findable by run id) and RGW stopped mid-run.
// After every fault: whatever is still in the bucket (listed as the owner) is in `leftovers`.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AbortMultipartUploadCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { DEMO, listEverything, s3For, seedDemo, startRgw } from '../../scripts/rgw.mjs';
import { runIdTime } from '../../src/core/canary.js';
import type { CheckResult, RunResult } from '../../src/core/model.js';
import { type Exchange, type FaultRule, startFaultProxy, storeStateFromLog } from '../fault-proxy/index.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const bin = new URL('../../bin/backup-canary', import.meta.url).pathname;
if (!existsSync(new URL('../../dist/main.js', import.meta.url))) throw new Error('dist/ is missing: run npm run build first');

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const operator = demo.users.sourceIdentity;
useCredentials(operator);

const proxy = await startFaultProxy({ upstream: rgw.endpoint, deadlineMs: 280_000, maxRequests: 5000 });
t.teardown(() => proxy.close());

const PREFIX = 'nightly/';
const ROOT_RE = /^nightly\/\.backup-canary\/(\d{8}T\d{6}Z-[0-9a-f]{6})\//;

interface Probe {
  code: number;
  stdout: string;
  stderr: string;
  json: RunResult;
  by: Record<string, CheckResult>;
  log: Exchange[];
  ms: number;
}

/** Wait until every logged exchange has ended (the proxy sees a client's close a moment later). */
async function settled(): Promise<Exchange[]> {
  const deadline = Date.now() + 5000;
  while (proxy.log.some((e) => e.endedAt === undefined) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return [...proxy.log];
}

async function probeVia(rules: FaultRule[], extra: string[] = []): Promise<Probe> {
  proxy.setRules(rules);
  proxy.log.length = 0;
  const t0 = Date.now();
  const r = await runCli(['probe', '--role', demo.role.arn, '--bucket', DEMO.bucket, '--prefix', PREFIX, '--endpoint', proxy.endpoint, '--path-style', '--format', 'json', ...extra]);
  const ms = Date.now() - t0;
  let json: RunResult;
  try {
    json = JSON.parse(r.stdout) as RunResult;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { ...r, json, by: Object.fromEntries(json.checks.map((c) => [c.id, c])), log: await settled(), ms };
}

const ops = (log: Exchange[], op: string) => log.filter((e) => e.op === op);

/**
 * The bucket as the owner sees it must match the report: every object and every open upload still
 * there is in `leftovers` (and, when cleanup could reach the store, nothing else is). Then the owner
 * empties the bucket for the next test.
 */
async function assertLeftoversMatchBucket(t: Test, p: Probe): Promise<void> {
  const left = await listEverything(rgw, owner, DEMO.bucket);
  const reported = p.json.leftovers;
  for (const key of left.objects) t.ok(reported.some((l) => l.key === key && !l.uploadId), `object ${key} still in the bucket is reported`);
  for (const u of left.uploads) t.ok(reported.some((l) => l.key === u.key && l.uploadId === u.uploadId), `upload ${u.key} ${u.uploadId} still open is reported`);
  for (const l of reported) {
    const there = l.uploadId ? left.uploads.some((u) => u.uploadId === l.uploadId) : left.objects.includes(l.key);
    t.ok(there, `leftover ${l.key} ${l.uploadId ?? ''} is really there (${l.why})`);
  }
  const s3 = s3For(rgw, owner);
  try {
    for (const u of left.uploads) await s3.send(new AbortMultipartUploadCommand({ Bucket: DEMO.bucket, Key: u.key, UploadId: u.uploadId }));
    for (const key of left.objects) await s3.send(new DeleteObjectCommand({ Bucket: DEMO.bucket, Key: key }));
  } finally {
    s3.destroy();
  }
}

t.test('the proxy is bounded: loopback only, stops after its deadline and after N requests', async (t) => {
  await t.rejects(startFaultProxy({ upstream: 'http://192.0.2.1:80' }), /loopback/);
  const get = (url: string) => fetch(url).then((r) => r.status, (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message);
  const short = await startFaultProxy({ upstream: rgw.endpoint, deadlineMs: 300 });
  t.equal(await get(short.endpoint), 200, 'forwards while alive');
  await new Promise((r) => setTimeout(r, 500));
  t.equal(short.closedBy, 'deadline');
  t.equal(await get(short.endpoint), 'ECONNREFUSED', 'gone after its deadline');
  const counted = await startFaultProxy({ upstream: rgw.endpoint, maxRequests: 2 });
  t.same([await get(counted.endpoint), await get(counted.endpoint)], [200, 200]);
  t.not(await get(counted.endpoint), 200, 'the request over the limit is refused');
  t.equal(counted.closedBy, 'max-requests');
  await counted.close();
});

t.test('the proxy is transparent: a healthy probe through it passes, the signed Host header is kept', async (t) => {
  const p = await probeVia([]);
  t.equal(p.code, 0, p.stderr);
  t.equal(p.json.verdict, 'pass');
  t.ok(p.log.length >= 16, `${p.log.length} requests went through the proxy`);
  t.ok(p.log.every((e) => e.forwarded && e.status !== undefined), 'every request forwarded and answered');
  // Before writing the probe reads the bucket's versioning and Object Lock configuration (the demo
  // role may not: 403, learned from the writes instead), and before CompleteMultipartUpload it checks
  // the key is absent (HEAD: 404, or 403 without bucket-level s3:ListBucket).
  const bucketReads = p.log.filter((e) => e.op === 'ListObjects' && /^(versioning|object-lock)=?$/.test(e.query));
  t.equal(bucketReads.length, 2, 'GetBucketVersioning and GetObjectLockConfiguration, once each');
  // ... and the ownership evidence (issue 15): GetBucketOwnershipControls and GetBucketAcl, once each.
  const ownershipReads = p.log.filter((e) => (e.op === 'ListObjects' && /^ownershipControls=?$/.test(e.query)) || (e.op === 'BucketOther' && e.method === 'GET' && /^acl=?$/.test(e.query)));
  t.equal(ownershipReads.length, 2, 'GetBucketOwnershipControls and GetBucketAcl, once each');
  const absentCheck = (e: Exchange) => e.op === 'HeadObject' && /\/multipart\.bin$/.test(e.path) && (e.status === 403 || e.status === 404);
  const failed = p.log.filter((e) => e.status! >= 300 && !bucketReads.includes(e) && !ownershipReads.includes(e) && !absentCheck(e)).map((e) => `${e.op} ${e.status}`);
  // RGW has no sts:GetCallerIdentity; read-missing-object asks for a key that does not exist.
  t.ok(failed.every((f) => /^(GetCallerIdentity|GetObject) (4\d\d)$/.test(f)), `only expected 4xx answers: ${failed.join(', ')}`);
  t.ok(ops(p.log, 'PutObject').some((e) => e.status === 200), 'signed writes accepted through the proxy');
  t.ok(p.log.every((e) => e.requestHeaders.host === `127.0.0.1:${proxy.port}`), 'Host is the proxy host:port the client signed');
  t.same(ops(p.log, 'AssumeRole').length, 1);
  t.same(await listEverything(rgw, owner, DEMO.bucket), { objects: [], uploads: [] });
});

t.test('503 SlowDown on the first 2 attempts of PutObject: retried with backoff, the check passes with retries 2', async (t) => {
  const p = await probeVia([{ name: 'slowdown', op: 'PutObject', path: /\/object\.bin$/, attempts: [1, 2], fault: { kind: 'status', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' } }]);
  t.equal(p.code, 0, p.stderr);
  t.equal(p.json.verdict, 'pass');
  t.match(p.by['put-object'], { outcome: 'allowed', ok: true, retries: 2 });
  const puts = ops(p.log, 'PutObject').filter((e) => e.path.endsWith('/object.bin'));
  t.same(puts.map((e) => e.status), [503, 503, 200]);
  t.same(puts.map((e) => e.sdkAttempt), [1, 2, 3], 'the SDK numbered its attempts');
  t.equal(new Set(puts.map((e) => e.invocationId)).size, 1, 'one invocation, three attempts');
  t.same(puts.map((e) => e.forwarded), [false, false, true]);
  const gaps = puts.slice(1).map((e, i) => e.startedAt - (puts[i]!.endedAt ?? puts[i]!.startedAt));
  t.comment(`backoff gaps: ${gaps.join(', ')} ms`);
  t.ok(gaps.every((g) => g >= 0), 'each retry starts after the previous answer');
  // Full-jitter backoff (base 500 ms for throttling): both waits under 20 ms has a chance of ~1e-4.
  t.ok(gaps[0]! + gaps[1]! >= 20, 'the SDK backed off before retrying');
  await assertLeftoversMatchBucket(t, p);
});

t.test('500 InternalError on the first attempt of UploadPart and CompleteMultipartUpload: retried, retries 1', async (t) => {
  const p = await probeVia([
    { name: 'part500', op: 'UploadPart', query: /(^|&)partNumber=1(&|$)/, attempts: [1], fault: { kind: 'status', status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' } },
    { name: 'complete500', op: 'CompleteMultipartUpload', attempts: [1], fault: { kind: 'status', status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' } },
  ]);
  t.equal(p.code, 0, p.stderr);
  t.match(p.by['multipart-upload-part-1'], { outcome: 'allowed', ok: true, retries: 1 });
  t.match(p.by['multipart-complete'], { outcome: 'allowed', ok: true, retries: 1 });
  t.notOk('retries' in p.by['multipart-upload-part-2']!, 'no retries reported where there were none');
  await assertLeftoversMatchBucket(t, p);
});

t.test('503 on every attempt of PutObject: error at stage object after 3 attempts, dependants skipped, exit 3', async (t) => {
  const p = await probeVia([{ op: 'PutObject', path: /\/object\.bin$/, fault: { kind: 'status', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' } }]);
  t.equal(p.code, 3);
  t.equal(p.json.verdict, 'error');
  t.match(p.by['put-object'], { outcome: 'error', ok: false, retries: 2, denial: { stage: 'object', source: 'endpoint', code: 'SlowDown', httpStatus: 503 } });
  t.match(p.by['put-object']!.denial!.hint, /throttling requests \(SlowDown, HTTP 503\) after 3 attempts/);
  t.equal(ops(p.log, 'PutObject').filter((e) => e.path.endsWith('/object.bin')).length, 3);
  for (const id of ['head-object', 'get-object', 'delete-object']) t.match(p.by[id], { outcome: 'skipped', reason: 'needs put-object, which failed' }, id);
  t.equal(p.by['multipart-complete']!.outcome, 'allowed', 'independent checks still ran');
  t.same(p.json.leftovers, []);
  await assertLeftoversMatchBucket(t, p);
});

t.test('a connection dropped mid-request on UploadPart: error at stage network, cleanup aborts the upload, exit 3', async (t) => {
  const p = await probeVia([{ name: 'drop', op: 'UploadPart', query: /(^|&)partNumber=1(&|$)/, fault: { kind: 'drop', at: 'request' } }]);
  t.equal(p.code, 3);
  t.equal(p.json.verdict, 'error');
  const part = p.by['multipart-upload-part-1']!;
  t.match(part, { outcome: 'error', ok: false, retries: 2, denial: { stage: 'network', source: 'endpoint', httpStatus: null } });
  t.match(part.denial!.code, /^(ECONNRESET|EPIPE)$/);
  t.match(part.denial!.hint, /closed mid-request/);
  t.equal(ops(p.log, 'UploadPart').filter((e) => /partNumber=1(&|$)/.test(e.query)).length, 3, '3 attempts, all dropped');
  for (const id of ['multipart-list-parts', 'multipart-complete', 'multipart-get']) t.equal(p.by[id]!.outcome, 'skipped', id);
  const aborts = ops(p.log, 'AbortMultipartUpload').filter((e) => e.path.endsWith('/multipart.bin'));
  t.same(aborts.map((e) => e.status), [204], 'cleanup aborted the open upload');
  t.same(p.json.leftovers, []);
  await assertLeftoversMatchBucket(t, p);
});

t.test('a response cut off mid-body on GetObject: error at stage network, exit 3, nothing left', async (t) => {
  const p = await probeVia([{ name: 'cut', op: 'GetObject', path: /\/object\.bin$/, fault: { kind: 'drop', at: 'mid-response' } }]);
  t.equal(p.code, 3);
  t.match(p.by['get-object'], { outcome: 'error', ok: false, denial: { stage: 'network', httpStatus: null } });
  t.equal(p.by['delete-object']!.outcome, 'allowed', 'the canary was still deleted by its own check');
  t.same(p.json.leftovers, []);
  await assertLeftoversMatchBucket(t, p);
});

t.test('a response delayed beyond --timeout on UploadPart: error at stage network (TimeoutError), cleanup runs, exit 3', async (t) => {
  const p = await probeVia([{ name: 'slow', op: 'UploadPart', query: /(^|&)partNumber=1(&|$)/, fault: { kind: 'delay', ms: 8000 } }], ['--timeout', '2']);
  t.equal(p.code, 3);
  const part = p.by['multipart-upload-part-1']!;
  t.match(part, { outcome: 'error', ok: false, denial: { stage: 'network', source: 'endpoint', code: 'TimeoutError', httpStatus: null } });
  t.match(part.denial!.hint, /within the timeout/);
  t.ok(part.durationMs >= 2000 && part.durationMs < 20_000, `gave up after ${part.durationMs} ms (timeout 2 s per attempt)`);
  const attempts = ops(p.log, 'UploadPart').filter((e) => /partNumber=1(&|$)/.test(e.query));
  t.ok(attempts.every((e) => e.forwarded && e.error === 'client left before the answer was complete'), 'the client gave up on every delayed answer');
  t.equal(attempts.length, (part.retries ?? 0) + 1, 'retries counted');
  t.same(p.json.leftovers, []);
  await assertLeftoversMatchBucket(t, p);
});

// The store did the work, the client never heard: the retry then meets the store's own state.
t.test('PutObject answered by the store but the answer lost: the canary is still removed or reported', async (t) => {
  const p = await probeVia([{ name: 'lost', op: 'PutObject', path: /\/object\.bin$/, attempts: [1], fault: { kind: 'drop', at: 'forwarded' } }]);
  const puts = ops(p.log, 'PutObject').filter((e) => e.path.endsWith('/object.bin'));
  t.equal(puts[0]!.status, 200, 'the store created the object on the first attempt');
  t.same(puts.slice(1).map((e) => e.status), [412], 'the retry met the object the first attempt wrote (If-None-Match: *)');
  t.equal(p.code, 3);
  t.match(p.by['put-object'], { outcome: 'error', retries: 1, denial: { stage: 'object', code: 'PreconditionFailed', httpStatus: 412 } });
  t.match(p.by['put-object']!.denial!.hint, /an earlier attempt most likely wrote it and its answer was lost/);
  const deletes = ops(p.log, 'DeleteObject').filter((e) => e.path.endsWith('/object.bin'));
  t.same(deletes.map((e) => e.status), [204], 'cleanup deleted the canary the lost attempt wrote');
  t.same(p.json.leftovers, []);
  await assertLeftoversMatchBucket(t, p);
});

t.test('CreateMultipartUpload answered but the answer lost: the orphan upload is aborted or reported', async (t) => {
  const p = await probeVia([{ name: 'lost', op: 'CreateMultipartUpload', path: /\/multipart\.bin$/, attempts: [1], fault: { kind: 'drop', at: 'forwarded' } }]);
  const creates = ops(p.log, 'CreateMultipartUpload').filter((e) => e.path.endsWith('/multipart.bin'));
  t.equal(creates[0]!.status, 200, 'the store opened an upload on the first attempt');
  t.equal(creates.length, 2, 'the SDK retried');
  t.match(p.by['multipart-create'], { outcome: 'allowed', retries: 1 });
  t.equal(p.code, 0, 'every check passed');
  const orphan = /<UploadId>([^<]+)<\/UploadId>/.exec(creates[0]!.responseBody ?? '')?.[1];
  t.ok(orphan, 'the store named the upload in the answer that was lost');
  t.not(orphan, p.by['multipart-create']!.uploadId, 'the run only knows the second upload');
  const sweep = ops(p.log, 'ListMultipartUploads').filter((e) => new URLSearchParams(e.query).get('prefix') === `nightly/.backup-canary/${p.json.runId}/`);
  t.equal(sweep.length, 1, "cleanup listed the run's own root for uploads it could not know");
  const aborts = ops(p.log, 'AbortMultipartUpload').filter((e) => e.query.includes(encodeURIComponent(orphan!)) || e.query.includes(orphan!));
  t.same(aborts.map((e) => e.status), [204], 'cleanup aborted the orphan upload');
  t.same(p.json.leftovers, []);
  await assertLeftoversMatchBucket(t, p);
});

t.test('CompleteMultipartUpload answered but the answer lost: the object is removed or reported, no phantom leftovers', async (t) => {
  const p = await probeVia([{ name: 'lost', op: 'CompleteMultipartUpload', attempts: [1], fault: { kind: 'drop', at: 'forwarded' } }]);
  // the canary's completions (the If-None-Match measurement completes an upload of its own afterwards)
  const completes = ops(p.log, 'CompleteMultipartUpload').filter((e) => e.path.endsWith('/multipart.bin'));
  t.equal(completes[0]!.status, 200, 'the store completed the upload on the first attempt');
  // RGW answers the retried complete with 200 (the upload is complete): the run goes on normally.
  t.same(completes.slice(1).map((e) => e.status), [200]);
  t.match(p.by['multipart-complete'], { outcome: 'allowed', retries: 1 });
  t.equal(p.code, 0);
  t.same(p.json.leftovers, []);
  await assertLeftoversMatchBucket(t, p);
});

t.test('CompleteMultipartUpload done by the store, the retry answered NoSuchUpload (as AWS may): object removed, no phantom upload leftover', async (t) => {
  const p = await probeVia([
    { name: 'lost', op: 'CompleteMultipartUpload', attempts: [1], fault: { kind: 'drop', at: 'forwarded' } },
    { name: 'nosuchupload', op: 'CompleteMultipartUpload', attempts: [2], fault: { kind: 'status', status: 404, code: 'NoSuchUpload', message: 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.' } },
  ]);
  const completes = ops(p.log, 'CompleteMultipartUpload');
  t.same(completes.map((e) => e.status), [200, 404]);
  t.equal(p.code, 3);
  t.match(p.by['multipart-complete'], { outcome: 'error', retries: 1, denial: { code: 'NoSuchUpload', httpStatus: 404 } });
  const deletes = ops(p.log, 'DeleteObject').filter((e) => e.path.endsWith('/multipart.bin'));
  t.same(deletes.map((e) => e.status), [204], 'cleanup deleted the object the lost attempt completed');
  t.same(p.json.leftovers, [], 'the upload is gone (NoSuchUpload on abort), so it is not reported as left behind');
  await assertLeftoversMatchBucket(t, p);
});

// The binary, killed with SIGKILL while part 1 is on its way: no cleanup can run. What the sweeper
// relies on: the stale canary and its upload are visible to the bucket owner under
// `<prefix>.backup-canary/<run-id>/`, and run ids sort by time. Then `backup-canary cleanup` (the
// sweeper, which landed with the run files) removes them: the bucket ends empty.
t.test('SIGKILL during a multipart upload: the stale upload stays under <prefix>.backup-canary/<run-id>/, run ids sort by time, the sweeper removes it', async (t) => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: '/nonexistent', AWS_ACCESS_KEY_ID: operator.accessKeyId, AWS_SECRET_ACCESS_KEY: operator.secretAccessKey };
  // Part 1's answer is held long enough that the kill surely lands while it is in flight.
  proxy.setRules([{ name: 'hold', op: 'UploadPart', fault: { kind: 'delay', ms: 5000 } }]);
  const killRun = () =>
    new Promise<{ signal: string | null; stderr: string; startedAt: number; endedAt: number; sawMarker: boolean }>((resolve) => {
      const startedAt = Date.now();
      const child = spawn(bin, ['probe', '--role', demo.role.arn, '--bucket', DEMO.bucket, '--prefix', PREFIX, '--endpoint', proxy.endpoint, '--path-style', '--verbose', '--format', 'json'], { env });
      let stderr = '';
      let sawMarker = false;
      child.stderr.on('data', (d) => {
        stderr += d;
        if (!sawMarker && stderr.includes('multipart-upload-part-1 started')) {
          sawMarker = true;
          setTimeout(() => child.kill('SIGKILL'), 300);
        }
      });
      const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (_code, signal) => {
        clearTimeout(guard);
        resolve({ signal, stderr, startedAt, endedAt: Date.now(), sawMarker });
      });
    });

  const first = await killRun();
  await new Promise((r) => setTimeout(r, 1100)); // run ids have one-second resolution
  const second = await killRun();
  for (const r of [first, second]) {
    t.ok(r.sawMarker, 'saw "multipart-upload-part-1 started"');
    t.equal(r.signal, 'SIGKILL');
  }
  const left = await listEverything(rgw, owner, DEMO.bucket);
  const keys = [...left.objects, ...left.uploads.map((u) => u.key)];
  t.ok(keys.length > 0, 'the killed runs left canaries behind');
  for (const k of keys) t.match(k, ROOT_RE, `${k} is under <prefix>.backup-canary/<run-id>/`);
  const runIds = [...new Set(keys.map((k) => ROOT_RE.exec(k)![1]!))];
  t.equal(runIds.length, 2, 'one run id per killed run');
  const uploadsByRun = (id: string) => left.uploads.filter((u) => u.key === `nightly/.backup-canary/${id}/multipart.bin`);
  const sorted = [...runIds].sort();
  const times = sorted.map((id) => runIdTime(id)!.getTime());
  t.ok(times[0]! < times[1]!, 'lexical order of run ids is the order of their times');
  t.ok(times[0]! >= Math.floor(first.startedAt / 1000) * 1000 && times[0]! <= first.endedAt, 'the first run id carries the first run\'s start time');
  t.ok(times[1]! >= Math.floor(second.startedAt / 1000) * 1000 && times[1]! <= second.endedAt, 'the second run id carries the second run\'s start time');
  for (const id of sorted) t.equal(uploadsByRun(id).length, 1, `run ${id}: its multipart upload is still open and visible to the owner`);

  // The sweeper, as the backup role: too recent for the default age, then taken with --older-than 0s.
  const sweep = ['cleanup', '--role', demo.role.arn, '--bucket', DEMO.bucket, '--prefix', PREFIX, '--endpoint', rgw.endpoint, '--path-style', '--format', 'json'];
  const young = await runCli([...sweep, '--yes']);
  t.equal(young.code, 0, young.stderr);
  t.same(await listEverything(rgw, owner, DEMO.bucket), left, 'canaries younger than 24h are kept (a probe may still be running)');
  const dry = await runCli([...sweep, '--older-than', '0s']);
  t.equal(dry.code, 0, dry.stderr);
  t.same(await listEverything(rgw, owner, DEMO.bucket), left, 'a dry run removes nothing');
  const swept = await runCli([...sweep, '--older-than', '0s', '--yes']);
  t.equal(swept.code, 0, swept.stderr);
  for (const k of keys) t.match(swept.stdout, k, `the sweep names ${k}`);
  t.same(await listEverything(rgw, owner, DEMO.bucket), { objects: [], uploads: [] }, 'the stale canaries and their uploads are gone');
});

// Last: it stops this file's RGW. The stop happens between requests (the proxy holds new requests
// until none is in flight), so the proxy's log says exactly what the store held when it went away.
t.test('RGW stopped mid-run: clear error, no stack trace, exit 3, every object and upload the run created is a leftover', async (t) => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: '/nonexistent', AWS_ACCESS_KEY_ID: operator.accessKeyId, AWS_SECRET_ACCESS_KEY: operator.secretAccessKey };
  let stoppedAt = 0;
  proxy.setRules([
    {
      name: 'stop-rgw',
      op: 'DeleteObject',
      path: /\/object\.bin$/,
      attempts: [1],
      fault: {
        kind: 'hook',
        freeze: true,
        run: async () => {
          await rgw.stop();
          stoppedAt = Date.now();
        },
      },
    },
  ]);
  proxy.log.length = 0;
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(bin, ['probe', '--role', demo.role.arn, '--bucket', DEMO.bucket, '--prefix', PREFIX, '--endpoint', proxy.endpoint, '--path-style', '--format', 'json', '--timeout', '10'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
  t.ok(stoppedAt > 0, 'RGW was stopped during the run');
  t.equal(r.code, 3, r.stderr);
  t.equal(r.stderr, '', 'nothing on stderr: no stack trace, no warning');
  const j = JSON.parse(r.stdout) as RunResult;
  t.equal(j.verdict, 'error');
  const errors = j.checks.filter((c) => c.outcome === 'error');
  t.ok(errors.length > 0, 'some checks failed');
  for (const c of errors) {
    t.match(c.denial, { stage: 'network', source: 'endpoint', httpStatus: null }, `${c.id}: network`);
    t.match(c.denial!.hint, /Nothing accepted the connection at http:\/\/127\.0\.0\.1:\d+|closed mid-request/, `${c.id}: says the store is not there`);
  }
  t.ok(errors.some((c) => c.denial!.code === 'ECONNREFUSED'), 'the store refuses connections');

  // Ground truth from the proxy: what the store held when it stopped.
  const held = storeStateFromLog(proxy.log, DEMO.bucket);
  t.same(held.unsure, [], 'no request was in flight when the store stopped');
  t.comment(`the store held ${held.objects.length} objects and ${held.uploads.length} uploads; reported: ${j.leftovers.map((l) => `${l.key.replace(/^.*\//, '')} ${l.why}`).join(' | ')}`);
  t.ok(held.objects.some((k) => k.endsWith('/object.bin')), 'the canary object existed when the store stopped (stopped at its delete)');
  for (const key of held.objects) t.ok(j.leftovers.some((l) => l.key === key && !l.uploadId), `object ${key} is reported as a leftover`);
  for (const u of held.uploads) t.ok(j.leftovers.some((l) => l.key === u.key && l.uploadId === u.uploadId), `upload ${u.key} ${u.uploadId} is reported as a leftover`);
  for (const l of j.leftovers) {
    t.match(l.key, new RegExp(`^nightly/\\.backup-canary/${j.runId}/`), 'a leftover of this run');
    const held_ = l.uploadId ? held.uploads.some((u) => u.uploadId === l.uploadId) : held.objects.includes(l.key);
    // Beyond what the store surely held, only creates that got no answer, flagged as such.
    if (!held_) t.match(l.why, /^may exist \(its upload did not get a clear answer\)/, `${l.key}: not surely there, and says so`);
    t.match(l.why, /(failed \((ECONNREFUSED|ECONNRESET)\)); remove it as the bucket owner/, 'says why it stays');
  }
  t.not(j.verdict, 'pass', 'never claimed clean');
  t.equal(proxy.closedBy, 'upstream-down', 'the proxy mirrored the stopped store');
});
