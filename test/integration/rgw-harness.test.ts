// The local Ceph RGW harness (scripts/rgw.mjs) against a real radosgw: STS, role policy, bucket policy.
// Never skipped: if Ceph cannot be started this test fails loudly.
import t from 'tap';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, GetObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { startRgw, seedDemo, s3For, listEverything } from '../../scripts/rgw.mjs';

/** Gone, or exited and waiting to be reaped (state Z). */
function processGone(pid: number): boolean {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return /^State:\s+[ZX]/m.test(status);
  } catch {
    return true;
  }
}

/** Live processes whose command line names the given ceph.conf. */
function daemonsUsing(conf: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes(conf) && !processGone(Number(entry))) found.push(Number(entry));
    } catch {
      // raced with exit
    }
  }
  return found;
}

function errorOf(p: Promise<unknown>): Promise<any> {
  return p.then(
    () => null,
    (e: unknown) => e,
  );
}

t.test('role session writes under nightly/, the locked bucket denies, nothing is left behind', async (t) => {
  const rgw = await startRgw();
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await rgw.stop();
  });
  t.match(rgw.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.equal(rgw.region, 'us-east-1');
  t.notMatch(rgw.admin.accessKeyId, /^(AKIA|ASIA)/, 'admin key is obviously fake');

  const demo = await seedDemo(rgw);
  t.equal(demo.role.arn, 'arn:aws:iam:::role/nightly-backup');
  t.same(demo.buckets, { open: 'backups-demo', locked: 'backups-locked' });
  t.equal(demo.prefix, 'nightly/');
  for (const user of [demo.users.sourceIdentity, demo.users.bucketOwner]) {
    t.notMatch(user.accessKeyId, /^(AKIA|ASIA)/, `${user.uid} key is obviously fake`);
  }

  const sts = new STSClient({
    endpoint: rgw.endpoint,
    region: rgw.region,
    credentials: {
      accessKeyId: demo.users.sourceIdentity.accessKeyId,
      secretAccessKey: demo.users.sourceIdentity.secretAccessKey,
    },
  });
  const assumed = await sts.send(
    new AssumeRoleCommand({ RoleArn: demo.role.arn, RoleSessionName: 'harness-test', DurationSeconds: 900 }),
  );
  sts.destroy();
  t.equal(assumed.AssumedRoleUser?.Arn, 'arn:aws:sts:::assumed-role/nightly-backup/harness-test');
  const c = assumed.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('AssumeRole returned no credentials');
  const session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };

  const s3 = s3For(rgw, session);
  t.teardown(() => s3.destroy());
  const key = `nightly/harness-${process.pid}-${Date.now()}.canary`;
  const body = `canary ${new Date().toISOString()}`;

  await s3.send(new PutObjectCommand({ Bucket: demo.buckets.open, Key: key, Body: body }));
  const got = await s3.send(new GetObjectCommand({ Bucket: demo.buckets.open, Key: key }));
  t.equal(await got.Body?.transformToString(), body, 'get returns what the role put');
  await s3.send(new DeleteObjectCommand({ Bucket: demo.buckets.open, Key: key }));

  const outside = await errorOf(s3.send(new PutObjectCommand({ Bucket: demo.buckets.open, Key: 'elsewhere/x', Body: 'x' })));
  t.equal(outside?.name, 'AccessDenied', 'role policy is prefix-scoped');
  t.equal(outside?.$metadata?.httpStatusCode, 403);

  const locked = await errorOf(s3.send(new PutObjectCommand({ Bucket: demo.buckets.locked, Key: key, Body: body })));
  t.ok(locked, 'put on the locked bucket is refused');
  t.equal(locked?.name, 'AccessDenied');
  t.equal(locked?.$metadata?.httpStatusCode, 403);

  for (const bucket of [demo.buckets.open, demo.buckets.locked]) {
    t.same(await listEverything(rgw, demo.users.bucketOwner, bucket), { objects: [], uploads: [] }, `${bucket} is empty`);
  }

  const pids = Object.values(rgw.pids);
  t.equal(pids.length, 3);
  t.same(daemonsUsing(rgw.conf).sort(), [...pids].sort(), 'the three daemons run with this cluster conf');
  await rgw.stop();
  stopped = true;
  for (const pid of pids) t.ok(processGone(pid), `daemon ${pid} is gone`);
  t.same(daemonsUsing(rgw.conf), [], 'no daemon of this cluster is left');
  t.notOk(fs.existsSync(rgw.dir), 'cluster dir removed');
  await rgw.stop(); // a second stop is harmless
});

t.test('startRgw rejects loudly when the RGW port is already in use', async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as net.AddressInfo).port;
  await t.rejects(startRgw({ port }), { message: new RegExp(`port 127\\.0\\.0\\.1:${port} is already in use`) });
});

t.test('a radosgw that cannot bind fails the start with its log and leaves nothing behind', async (t) => {
  // An impostor that answers like RGW: only radosgw owning the socket may count as "up".
  const server = http.createServer((_req, res) => res.end('<ListAllMyBucketsResult/>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as net.AddressInfo).port;
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rgw-harness-test-')), 'cluster');
  t.teardown(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  const err = await errorOf(startRgw({ port, dir, portPreflight: false }));
  t.ok(err instanceof Error, 'start rejected');
  t.match(err?.message, /step "start radosgw" failed: client\.rgw\.gw exited/);
  t.match(err?.message, /Address already in use/, 'the cause is in the message');
  t.match(err?.message, /\n--- last lines of \S+\.(log|out) ---\n/, 'daemon log tails are in the message');
  t.notOk(fs.existsSync(dir), 'cluster dir removed');
  t.same(daemonsUsing(path.join(dir, 'ceph.conf')), [], 'mon and osd were stopped');
});

t.test('CLI: start --seed-demo leaves detached daemons running, stop --dir ends them', async (t) => {
  const { execFile } = await import('node:child_process');
  const script = path.resolve('scripts/rgw.mjs');
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [script, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'rgw-harness-cli-'));
  const dir = path.join(parent, 'cluster');
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await cli(['stop', '--dir', dir]);
    fs.rmSync(parent, { recursive: true, force: true });
  });

  const started = await cli(['start', '--dir', dir, '--seed-demo']);
  t.equal(started.code, 0, started.stderr);
  const lines = started.stdout.trim().split('\n');
  t.equal(lines.length, 1, 'one JSON line');
  const info = JSON.parse(lines[0] ?? '{}');
  t.match(info, { endpoint: /^http:\/\/127\.0\.0\.1:\d+$/, dir, demo: { role: { arn: 'arn:aws:iam:::role/nightly-backup' } } });
  const pids = Object.values(info.pids as Record<string, number>);
  t.equal(pids.length, 3);
  // The starting node process has exited; the daemons must still serve.
  t.same(daemonsUsing(path.join(dir, 'ceph.conf')).sort(), [...pids].sort(), 'daemons outlive the CLI');
  t.same(await listEverything({ endpoint: info.endpoint, dir }, info.demo.users.bucketOwner, 'backups-demo'), { objects: [], uploads: [] });

  const again = await cli(['start', '--dir', dir]);
  t.equal(again.code, 1, 'a second start on a running dir is refused');
  t.match(again.stderr, /still running/);

  const stop = await cli(['stop', '--dir', dir]);
  t.equal(stop.code, 0, stop.stderr);
  stopped = true;
  for (const pid of pids) t.ok(processGone(pid), `daemon ${pid} is gone`);
  t.notOk(fs.existsSync(dir), 'cluster dir removed');
  t.equal((await cli(['stop', '--dir', dir])).code, 0, 'stopping again is harmless');

  const bad = await cli(['start', '--port', 'x']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^rgw\.mjs start: invalid rgw port: x\n$/, 'one clear line');
});
