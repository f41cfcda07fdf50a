#!/usr/bin/env node
// A throwaway, real Ceph RADOS Gateway (S3 + STS + IAM) on 127.0.0.1 for tests and the demo.
//
// One mon, one memstore OSD and one radosgw, all under one temp dir with one ceph.conf.
// Nothing is written to /etc/ceph or /var/lib/ceph. Daemons are stopped by saved PID only,
// after checking /proc/PID/cmdline names this cluster's ceph.conf.
//
// Library:  import { startRgw, seedDemo } from './rgw.mjs'
// CLI:      node scripts/rgw.mjs install | start [--dir D] [--port P] [--seed-demo] [--verbose] | stop --dir D
//
// Plain ESM JavaScript on purpose: the demo script runs it without a compile step.

import { spawn, execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  S3Client,
  CreateBucketCommand,
  PutBucketPolicyCommand,
  DeleteBucketPolicyCommand,
  PutObjectCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  ListMultipartUploadsCommand,
} from '@aws-sdk/client-s3';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';

export const REGION = 'us-east-1';
const STATE_FILE = 'rgw-harness.json';
const MARKER_FILE = '.backup-canary-rgw';
// xmllint (libxml2-utils) is not Ceph: the suite validates JUnit output against its XML schema with it,
// and installing it here keeps "npm run test:all installs what it needs" true on a fresh machine.
const REQUIRED_BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph-authtool', 'monmaptool', 'ceph', 'uuidgen', 'xmllint'];
const APT_PACKAGES = ['ceph-mon', 'ceph-osd', 'radosgw', 'ceph-common', 'ceph-base', 'uuid-runtime', 'libxml2-utils'];
const EXTRA_BIN_DIRS = ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin', '/usr/local/sbin'];

// Obviously local, fake credentials. Never shaped like an AWS key id (AKIA.../ASIA...).
const ADMIN = Object.freeze({
  uid: 'admin',
  accessKeyId: 'BCADMINKEY0000000001',
  secretAccessKey: 'bc-local-admin-secret-not-a-real-key-0001',
});
const ADMIN_CAPS = 'roles=*;users=*;buckets=*;user-policy=*';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const noop = () => {};

// ---------------------------------------------------------------------------------------------
// Binaries and installation

function findBinary(name) {
  const dirs = [...(process.env.PATH || '').split(path.delimiter).filter(Boolean), ...EXTRA_BIN_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function missingBinaries() {
  return REQUIRED_BINARIES.filter((b) => !findBinary(b));
}

const binCache = new Map();
function bin(name) {
  let p = binCache.get(name);
  if (!p) {
    p = findBinary(name);
    if (!p) throw new Error(`${name} not found in PATH, /usr/bin or /usr/sbin (run: node scripts/rgw.mjs install)`);
    binCache.set(name, p);
  }
  return p;
}

function tailText(text, lines = 15) {
  return String(text || '').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Run a command without a shell; never rejects for a non-zero exit, only reports it. */
function run(cmd, args, { timeoutMs = 60_000, env } = {}) {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: env ?? process.env, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) code = typeof error.code === 'number' ? error.code : -1;
        const timedOut = Boolean(error && error.killed);
        resolve({ code, stdout: String(stdout), stderr: String(stderr), timedOut, spawnError: error && typeof error.code === 'string' ? error : null });
      },
    );
  });
}

function describeFailure(what, r) {
  if (r.spawnError) return `${what}: ${r.spawnError.message}`;
  if (r.timedOut) return `${what}: timed out\n${tailText(r.stderr || r.stdout)}`;
  return `${what}: exit ${r.code}\n${tailText(r.stderr || r.stdout)}`;
}

/**
 * Make sure the Debian Ceph packages are present; install them with apt-get when not (root only).
 * Quick (a few stat calls) when everything is installed.
 */
export async function ensureCephInstalled({ log = noop } = {}) {
  const missing = missingBinaries();
  if (missing.length === 0) return { installed: false };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      `Ceph is not installed (missing: ${missing.join(', ')}) and installing it needs root. ` +
        `Run as root: apt-get update && apt-get install -y --no-install-recommends ${APT_PACKAGES.join(' ')}`,
    );
  }
  log(`installing Ceph packages (missing: ${missing.join(', ')})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptGet = findBinary('apt-get');
  if (!aptGet) throw new Error(`Ceph is not installed (missing: ${missing.join(', ')}) and apt-get is not available`);
  const update = await run(aptGet, ['update'], { env, timeoutMs: 10 * 60_000 });
  if (update.code !== 0) throw new Error(`Installing Ceph failed: ${describeFailure('apt-get update', update)}`);
  const install = await run(aptGet, ['install', '-y', '--no-install-recommends', ...APT_PACKAGES], { env, timeoutMs: 20 * 60_000 });
  if (install.code !== 0) throw new Error(`Installing Ceph failed: ${describeFailure('apt-get install', install)}`);
  binCache.clear();
  const still = missingBinaries();
  if (still.length) throw new Error(`Installing Ceph failed: still missing after apt-get install: ${still.join(', ')}`);
  log('Ceph packages installed');
  return { installed: true };
}

// ---------------------------------------------------------------------------------------------
// Ports

function listenOnce(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(server));
  });
}

async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnce(0));
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
}

async function assertPortFree(port, what) {
  let server;
  try {
    server = await listenOnce(port);
  } catch (e) {
    if (e && e.code === 'EADDRINUSE') throw new Error(`${what} port 127.0.0.1:${port} is already in use`);
    throw new Error(`${what} port 127.0.0.1:${port} cannot be bound: ${e && e.message}`);
  }
  await new Promise((r) => server.close(() => r()));
}

function validPort(p, what) {
  const n = Number(p);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`invalid ${what} port: ${p}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Processes: by saved PID only, after checking /proc/PID/cmdline names this cluster's ceph.conf

function readProc(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

function isZombie(pid) {
  const status = readProc(pid, 'status');
  if (status === null) return true; // gone
  const m = /^State:\s+(\S)/m.exec(status);
  return Boolean(m && (m[1] === 'Z' || m[1] === 'X'));
}

/** True when PID is alive (not a zombie) and its command line names this cluster's ceph.conf. */
function isOurLiveDaemon(pid, conf) {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  const cmdline = readProc(pid, 'cmdline');
  if (!cmdline) return false; // gone, or a zombie (empty cmdline)
  if (!cmdline.split('\0').includes(conf)) return false; // PID reused by something else
  return !isZombie(pid);
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function waitGone(pids, conf, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = pids.filter((pid) => isOurLiveDaemon(pid, conf));
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await sleep(20);
  }
}

/** SIGTERM, wait, SIGKILL after a grace period. Returns PIDs still alive afterwards (should be none). */
async function terminate(pids, conf, graceMs = 3000) {
  const ours = pids.filter((pid) => isOurLiveDaemon(pid, conf));
  for (const pid of ours) signal(pid, 'SIGTERM');
  let alive = await waitGone(ours, conf, graceMs);
  if (alive.length) {
    for (const pid of alive) if (isOurLiveDaemon(pid, conf)) signal(pid, 'SIGKILL');
    alive = await waitGone(alive, conf, 5000);
  }
  return alive;
}

// Stop order: radosgw, then osd, then mon (each waits for the mon while shutting down: SIGTERM on
// the mon first makes the others hang until SIGKILL).
const STOP_GROUPS = [['rgw'], ['osd'], ['mon']];

async function stopDaemons(conf, daemons) {
  const leftovers = [];
  for (const group of STOP_GROUPS) {
    const pids = daemons.filter((d) => group.includes(d.role)).map((d) => d.pid);
    leftovers.push(...(await terminate(pids, conf)));
  }
  const ungrouped = daemons.filter((d) => !STOP_GROUPS.flat().includes(d.role)).map((d) => d.pid);
  leftovers.push(...(await terminate(ungrouped, conf)));
  return leftovers;
}

// Clusters started by this process, killed synchronously if the process exits without stop().
const live = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const cluster of live) {
      for (const d of cluster.daemons) if (isOurLiveDaemon(d.pid, cluster.conf)) signal(d.pid, 'SIGKILL');
      if (cluster.ownsDir) {
        try {
          fs.rmSync(cluster.dir, { recursive: true, force: true, maxRetries: 3 });
        } catch {
          // best effort
        }
      }
    }
    live.clear();
  });
}

// ---------------------------------------------------------------------------------------------
// Cluster directory and configuration

function writeState(cluster) {
  const state = {
    conf: cluster.conf,
    dir: cluster.dir,
    port: cluster.port,
    monPort: cluster.monPort,
    endpoint: cluster.port ? `http://127.0.0.1:${cluster.port}` : undefined,
    daemons: cluster.daemons.map(({ role, name, pid }) => ({ role, name, pid })),
    ...(cluster.extraState || {}),
  };
  fs.writeFileSync(path.join(cluster.dir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
}

function readState(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), 'utf8'));
  } catch {
    return null;
  }
}

function liveDaemonsOf(state) {
  if (!state || !state.conf || !Array.isArray(state.daemons)) return [];
  return state.daemons.filter((d) => isOurLiveDaemon(d.pid, state.conf));
}

/** Decide the cluster directory. Returns { dir, ownsDir }. Never reuses a foreign non-empty dir. */
async function prepareDir(dir) {
  if (!dir) {
    const made = await fsp.mkdtemp(path.join(os.tmpdir(), 'backup-canary-rgw-'));
    fs.writeFileSync(path.join(made, MARKER_FILE), 'throwaway Ceph RGW cluster made by scripts/rgw.mjs\n');
    return { dir: made, ownsDir: true };
  }
  const abs = path.resolve(dir);
  let entries = null;
  try {
    entries = fs.readdirSync(abs);
  } catch (e) {
    if (e.code !== 'ENOENT') throw new Error(`cannot use ${abs}: ${e.message}`);
  }
  if (entries && entries.length) {
    if (!entries.includes(MARKER_FILE)) {
      throw new Error(`refusing to use ${abs}: it is not empty and was not made by scripts/rgw.mjs`);
    }
    const running = liveDaemonsOf(readState(abs));
    if (running.length) {
      throw new Error(
        `a cluster in ${abs} is still running (pids ${running.map((d) => d.pid).join(', ')}); ` +
          `stop it first: node scripts/rgw.mjs stop --dir ${abs}`,
      );
    }
    fs.rmSync(abs, { recursive: true, force: true });
  }
  fs.mkdirSync(abs, { recursive: true });
  fs.writeFileSync(path.join(abs, MARKER_FILE), 'throwaway Ceph RGW cluster made by scripts/rgw.mjs\n');
  return { dir: abs, ownsDir: true };
}

function cephConf({ dir, fsid, monPort, port, stsKey }) {
  const d = (p) => path.join(dir, p);
  return `# Throwaway single-node Ceph cluster for backup-canary tests. Made by scripts/rgw.mjs.
[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
mon initial members = a
public addr = 127.0.0.1
ms bind msgr1 = false
ms bind msgr2 = true
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = ${d('keyring')}
run dir = ${d('run')}
pid file = ${d('run')}/$name.pid
admin socket = ${d('run')}/$name.asok
log file = ${d('log')}/$name.log
mon cluster log file = ${d('log')}/cluster.log
crash dir = ${d('crash')}
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
client mount timeout = 20

[mon]
mon data = ${d('mon')}/$name
paxos propose interval = 0.05
paxos min wait = 0.01

[osd]
osd data = ${d('osd')}/$name
osd objectstore = memstore

[client]
# CLI clients (radosgw-admin, ceph) run concurrently: no admin socket for them.
admin socket =

[client.rgw.gw]
admin socket = ${d('run')}/$name.asok
rgw data = ${d('rgw')}
rgw frontends = beast endpoint=127.0.0.1:${port}
rgw dns name =
rgw init timeout = 30
rgw enable lc threads = false
rgw enable gc threads = false
rgw enable quota threads = false
rgw run sync thread = false
rgw s3 auth use sts = true
rgw sts key = ${stsKey}
rgw enable apis = s3, sts, iam, admin
`;
}

const KEYS = [
  ['mon.', ['mon', 'allow *']],
  ['client.admin', ['mon', 'allow *', 'osd', 'allow *', 'mds', 'allow *', 'mgr', 'allow *']],
  ['osd.0', ['mon', 'allow profile osd', 'mgr', 'allow profile osd', 'osd', 'allow *']],
  ['client.rgw.gw', ['mon', 'allow rw', 'osd', 'allow rwx', 'mgr', 'allow rw']],
];

function logTail(dir, names, lines = 25) {
  const parts = [];
  for (const name of names) {
    for (const file of [`${name}.log`, `${name}.out`]) {
      let text;
      try {
        text = fs.readFileSync(path.join(dir, 'log', file), 'utf8');
      } catch {
        continue;
      }
      if (!text.trim()) continue;
      parts.push(`--- last lines of ${file} ---\n${tailText(text, lines)}`);
    }
  }
  return parts.join('\n');
}

class StepError extends Error {
  constructor(step, message, logs = []) {
    super(message);
    this.step = step;
    this.logs = logs;
  }
}

function spawnDaemon(cluster, role, name, binary, args) {
  const outPath = path.join(cluster.dir, 'log', `${name}.out`);
  const out = fs.openSync(outPath, 'a');
  let command = bin(binary);
  let argv = args;
  // Not detached: the kernel kills the daemon if this process dies, even by SIGKILL.
  const setpriv = cluster.detach ? null : findBinary('setpriv');
  if (setpriv) {
    argv = ['--pdeathsig', 'KILL', '--', command, ...args];
    command = setpriv;
  }
  let child;
  try {
    child = spawn(command, argv, { stdio: ['ignore', out, out], detached: cluster.detach });
  } finally {
    fs.closeSync(out);
  }
  if (!child.pid) throw new StepError(`start ${name}`, `could not spawn ${binary}`);
  const daemon = { role, name, pid: child.pid, exit: null, child };
  child.on('error', (e) => {
    daemon.exit = daemon.exit || { error: e.message };
  });
  child.on('exit', (code, sig) => {
    daemon.exit = { code, signal: sig };
  });
  // Never keep this process alive for the daemons: stop() or the 'exit' hook ends them.
  child.unref();
  cluster.daemons.push(daemon);
  writeState(cluster);
  return daemon;
}

// Ceph daemons usually exit with -errno, and may lose their last log lines when they do (the log
// thread is not flushed): name the errno so the cause survives, e.g. radosgw's 98 = EADDRINUSE.
const ERRNO_NAMES = new Map(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));
function exitText(daemon) {
  if (daemon.exit && daemon.exit.error) return `${daemon.name} failed to run: ${daemon.exit.error}`;
  if (!daemon.exit) return `${daemon.name} (pid ${daemon.pid}) exited`;
  if (daemon.exit.signal) return `${daemon.name} exited (signal ${daemon.exit.signal})`;
  const errno = ERRNO_NAMES.get(daemon.exit.code);
  const hint = errno === 'EADDRINUSE' ? ': Address already in use' : '';
  return `${daemon.name} exited (code ${daemon.exit.code}${errno ? `, probably ${errno}${hint}` : ''})`;
}

// We are the parent while starting: the child's 'exit' event is the reliable signal (between fork and
// exec /proc/PID/cmdline still shows node, so a /proc check here would race).
function daemonDied(daemon) {
  return Boolean(daemon.exit);
}

async function waitFor(what, cluster, daemons, check, { timeoutMs, intervalMs = 25 }) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const dead = daemons.find((d) => daemonDied(d));
    if (dead) throw new Error(exitText(dead));
    const r = await check();
    if (r === true) return;
    if (typeof r === 'string') last = r;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last: ${last})` : ''}`);
    await sleep(intervalMs);
  }
}

function tcpConnects(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when PID holds the LISTEN socket on 127.0.0.1:port (so an answer on the port is really its). */
function ownsListenSocket(pid, port) {
  const table = readProc('self/net', 'tcp') || '';
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set();
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1] === local && cols[3] === '0A') inodes.add(cols[9]);
  }
  if (inodes.size === 0) return false;
  let fds;
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    let target;
    try {
      target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m && inodes.has(m[1])) return true;
  }
  return false;
}

/** Anonymous GET / must answer like RGW does (ListAllMyBucketsResult), not just any HTTP server. */
function rgwAnswers(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        if (body.length < 4096) body += c;
      });
      res.on('end', () => {
        if (res.statusCode === 200 && body.includes('ListAllMyBucketsResult')) resolve(true);
        else resolve(`HTTP ${res.statusCode} ${body.slice(0, 200).replace(/\s+/g, ' ')}`);
      });
      res.on('error', (e) => resolve(e.message));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', (e) => resolve(e.message));
  });
}

async function cephCli(cluster, args, timeoutMs = 30_000) {
  const r = await run(bin('ceph'), ['-c', cluster.conf, '-n', 'client.admin', '--connect-timeout', '15', ...args], { timeoutMs });
  if (r.code !== 0) throw new Error(describeFailure(`ceph ${args.join(' ')}`, r));
  return r.stdout;
}

function makeHandle(cluster) {
  const handle = {
    endpoint: `http://127.0.0.1:${cluster.port}`,
    port: cluster.port,
    monPort: cluster.monPort,
    dir: cluster.dir,
    conf: cluster.conf,
    region: REGION,
    admin: { ...ADMIN },
    pids: Object.fromEntries(cluster.daemons.map((d) => [d.role, d.pid])),
    stop: () => stopCluster(cluster),
  };
  return handle;
}

async function stopCluster(cluster) {
  if (!cluster.stopping) {
    cluster.stopping = (async () => {
      const leftovers = await stopDaemons(cluster.conf, cluster.daemons);
      live.delete(cluster);
      if (leftovers.length) {
        throw new Error(`rgw harness: could not stop daemons (pids ${leftovers.join(', ')}); dir ${cluster.dir} kept`);
      }
      if (cluster.ownsDir) await fsp.rm(cluster.dir, { recursive: true, force: true, maxRetries: 3 });
    })();
  }
  return cluster.stopping;
}

/**
 * Start a throwaway Ceph cluster with a radosgw on 127.0.0.1.
 * Options: dir (default: a fresh temp dir), port (RGW HTTP port, default: a free one), monPort, log
 * (progress callback), detach (daemons survive this process; used by the CLI), portPreflight (default
 * true; false only to exercise radosgw's own bind failure in tests).
 * Resolves only once radosgw itself (the process owning the listening socket) answers S3 requests.
 */
export async function startRgw(options = {}) {
  try {
    return await startOnce(options);
  } catch (e) {
    // Ports we picked ourselves can be taken by someone else before the daemon binds: retry once.
    const picked = !options.port && !options.monPort;
    if (!picked || !/Address already in use/.test(String(e && e.message))) throw e;
    (options.log || noop)('a picked port was taken before the daemon bound it; retrying with fresh ports');
    return startOnce(options);
  }
}

async function startOnce({ dir, port, monPort, log = noop, detach = false, portPreflight = true } = {}) {
  const t0 = Date.now();
  await ensureCephInstalled({ log });
  const given = (p) => p !== undefined && p !== null && p !== '' && Number(p) !== 0; // 0: pick one
  port = given(port) ? validPort(port, 'rgw') : undefined;
  monPort = given(monPort) ? validPort(monPort, 'mon') : undefined;
  if (port && portPreflight) await assertPortFree(port, 'rgw');
  if (monPort && portPreflight) await assertPortFree(monPort, 'mon');
  if (!port || !monPort) {
    const [a, b] = (await freePorts(3)).filter((p) => p !== port && p !== monPort);
    if (!port) port = a;
    if (!monPort) monPort = b;
  }

  const { dir: clusterDir, ownsDir } = await prepareDir(dir);
  const cluster = {
    dir: clusterDir,
    ownsDir,
    conf: path.join(clusterDir, 'ceph.conf'),
    port,
    monPort,
    detach,
    daemons: [],
    stopping: null,
  };
  if (Buffer.byteLength(path.join(clusterDir, 'run', 'client.rgw.gw.asok')) > 100) {
    await fsp.rm(clusterDir, { recursive: true, force: true });
    throw new Error(`rgw harness: dir path too long for unix sockets: ${clusterDir}`);
  }
  live.add(cluster);
  installExitHook();

  let current = 'prepare';
  const step = async (name, fn) => {
    current = name;
    const s = Date.now();
    const r = await fn();
    log(`${name}: ${Date.now() - s} ms`);
    return r;
  };
  const stepLogs = {
    'mkfs mon and osd': ['mon.a', 'osd.0'],
    'start ceph-mon': ['mon.a'],
    'create osd.0': ['mon.a', 'client.admin'],
    'start ceph-osd': ['osd.0', 'mon.a'],
    'start radosgw': ['client.rgw.gw', 'osd.0'],
    'create admin user': ['client.admin', 'client.rgw.gw'],
  };

  try {
    const fsid = crypto.randomUUID();
    const osdUuid = crypto.randomUUID();
    const stsKey = crypto.randomBytes(8).toString('hex'); // exactly 16 characters
    const d = (p) => path.join(clusterDir, p);

    await step('write config', async () => {
      for (const sub of ['run', 'log', 'mon', 'osd/osd.0', 'rgw', 'crash']) fs.mkdirSync(d(sub), { recursive: true });
      fs.writeFileSync(cluster.conf, cephConf({ dir: clusterDir, fsid, monPort, port, stsKey }));
      writeState(cluster);
    });

    await step('create keyring and monmap', async () => {
      const results = await Promise.all([
        ...KEYS.map(([name, caps], i) => {
          const capArgs = [];
          for (let j = 0; j < caps.length; j += 2) capArgs.push('--cap', caps[j], caps[j + 1]);
          return run(bin('ceph-authtool'), ['--create-keyring', d(`keyring.${i}`), '--gen-key', '-n', name, ...capArgs]);
        }),
        run(bin('monmaptool'), [
          '--create', '--fsid', fsid, '--enable-all-features', '--set-min-mon-release', 'pacific',
          '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, d('monmap'),
        ]),
      ]);
      const bad = results.find((r) => r.code !== 0);
      if (bad) throw new Error(describeFailure('ceph-authtool/monmaptool', bad));
      const keyring = KEYS.map((_, i) => fs.readFileSync(d(`keyring.${i}`), 'utf8')).join('');
      fs.writeFileSync(d('keyring'), keyring, { mode: 0o600 });
      KEYS.forEach((_, i) => fs.rmSync(d(`keyring.${i}`)));
    });

    await step('mkfs mon and osd', async () => {
      const [mon, osd] = await Promise.all([
        run(bin('ceph-mon'), ['-c', cluster.conf, '--mkfs', '-i', 'a', '--monmap', d('monmap'), '--keyring', d('keyring')]),
        run(bin('ceph-osd'), ['-c', cluster.conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid, '--no-mon-config']),
      ]);
      if (mon.code !== 0) throw new Error(describeFailure('ceph-mon --mkfs', mon));
      if (osd.code !== 0) throw new Error(describeFailure('ceph-osd --mkfs', osd));
    });

    const mon = await step('start ceph-mon', async () => {
      const daemon = spawnDaemon(cluster, 'mon', 'mon.a', 'ceph-mon', ['-c', cluster.conf, '-f', '-i', 'a']);
      await waitFor('ceph-mon to listen', cluster, [daemon], () => tcpConnects(monPort), { timeoutMs: 15_000 });
      return daemon;
    });

    await step('create osd.0', async () => {
      const out = (await cephCli(cluster, ['osd', 'new', osdUuid, '0'])).trim();
      if (out !== '0') throw new Error(`ceph osd new returned "${out}", expected 0`);
    });

    const osd = await step('start ceph-osd', async () => {
      const daemon = spawnDaemon(cluster, 'osd', 'osd.0', 'ceph-osd', ['-c', cluster.conf, '-f', '-i', '0']);
      await waitFor(
        'osd.0 up',
        cluster,
        [mon, daemon],
        async () => {
          const dump = JSON.parse(await cephCli(cluster, ['osd', 'dump', '-f', 'json']));
          const o = (dump.osds || []).find((x) => x.osd === 0);
          return o && o.up === 1 ? true : `osd.0 up=${o ? o.up : 'missing'}`;
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      return daemon;
    });

    await step('start radosgw', async () => {
      const daemon = spawnDaemon(cluster, 'rgw', 'client.rgw.gw', 'radosgw', ['-c', cluster.conf, '-f', '-n', 'client.rgw.gw']);
      const answers = () => (ownsListenSocket(daemon.pid, port) ? rgwAnswers(port) : `radosgw not listening on ${port} yet`);
      await waitFor(`radosgw to answer on 127.0.0.1:${port}`, cluster, [mon, osd, daemon], answers, {
        timeoutMs: 40_000,
        intervalMs: 50,
      });
    });

    const handle = makeHandle(cluster);
    await step('create admin user', () =>
      createUser(handle, ADMIN.uid, { ...ADMIN, displayName: 'backup-canary local admin', caps: ADMIN_CAPS }),
    );
    cluster.extraState = { admin: handle.admin };
    writeState(cluster);
    if (detach) live.delete(cluster); // the CLI's daemons outlive this process on purpose
    log(`rgw ready at ${handle.endpoint} in ${Date.now() - t0} ms (dir ${clusterDir})`);
    return handle;
  } catch (e) {
    const logs = logTail(clusterDir, stepLogs[current] || []);
    let cleanup = '';
    try {
      await stopCluster(cluster);
    } catch (stopError) {
      cleanup = `\n(cleanup also failed: ${stopError.message})`;
    }
    const reason = e && e.message ? e.message : String(e);
    const err = new Error(`rgw harness: step "${current}" failed: ${reason}${cleanup}${logs ? `\n${logs}` : ''}`);
    err.step = current;
    throw err;
  }
}

/** Stop a cluster started detached (CLI `start`), from the PIDs saved in its dir. */
export async function stopRgwDir(dir) {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs)) return { stopped: [] }; // already stopped and removed
  if (!fs.existsSync(path.join(abs, MARKER_FILE))) {
    throw new Error(`${abs} is not a cluster dir made by scripts/rgw.mjs (no ${MARKER_FILE})`);
  }
  const state = readState(abs);
  if (state && state.conf && Array.isArray(state.daemons)) {
    const leftovers = await stopDaemons(state.conf, state.daemons);
    if (leftovers.length) throw new Error(`could not stop daemons (pids ${leftovers.join(', ')}); dir ${abs} kept`);
  }
  await fsp.rm(abs, { recursive: true, force: true, maxRetries: 3 });
  return { stopped: state ? state.daemons.map((d) => d.pid) : [] };
}

// ---------------------------------------------------------------------------------------------
// Seeding helpers

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

async function withS3(rgw, creds, fn) {
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

function isAccessDenied(e) {
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

// ---------------------------------------------------------------------------------------------
// CLI

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const opts = { command, flags: new Set() };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const [k, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (k === '--dir' || k === '--port') {
      const v = inline ?? rest[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${k} needs a value`);
      opts[k.slice(2)] = v;
    } else if (k === '--seed-demo' || k === '--verbose') {
      opts.flags.add(k.slice(2));
    } else {
      throw new Error(`unknown argument: ${a}`);
    }
  }
  return opts;
}

const USAGE = 'usage: node scripts/rgw.mjs install | start [--dir D] [--port P] [--seed-demo] [--verbose] | stop --dir D';

function printLine(obj) {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(obj) + '\n', () => resolve()));
}

async function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`rgw.mjs: ${e.message}\n${USAGE}\n`);
    return 1;
  }
  const verbose = opts.flags.has('verbose');
  const log = verbose ? (m) => process.stderr.write(`rgw.mjs: ${m}\n`) : noop;
  try {
    if (opts.command === 'install') {
      const r = await ensureCephInstalled({ log: (m) => process.stderr.write(`rgw.mjs: ${m}\n`) });
      await printLine({ ok: true, installed: r.installed });
      return 0;
    }
    if (opts.command === 'start') {
      const rgw = await startRgw({ dir: opts.dir, port: opts.port, log, detach: true });
      let demo;
      if (opts.flags.has('seed-demo')) {
        try {
          demo = await seedDemo(rgw);
        } catch (e) {
          await stopRgwDir(rgw.dir).catch(noop);
          throw new Error(`seeding the demo failed (cluster stopped): ${e.message}`);
        }
      }
      await printLine({ endpoint: rgw.endpoint, port: rgw.port, dir: rgw.dir, region: rgw.region, admin: rgw.admin, pids: rgw.pids, ...(demo ? { demo } : {}) });
      return 0;
    }
    if (opts.command === 'stop') {
      if (!opts.dir) throw new Error('stop needs --dir D');
      const r = await stopRgwDir(opts.dir);
      await printLine({ ok: true, stopped: r.stopped });
      return 0;
    }
    process.stderr.write(`${USAGE}\n`);
    return 1;
  } catch (e) {
    const message = String((e && e.message) || e);
    const [first, ...details] = message.split('\n');
    process.stderr.write(`rgw.mjs ${opts.command}: ${first}${details.length && !verbose ? ' (use --verbose for daemon log tails)' : ''}\n`);
    if (verbose && details.length) process.stderr.write(details.join('\n') + '\n');
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
