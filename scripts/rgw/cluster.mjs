// Part of scripts/rgw.mjs (a throwaway Ceph RGW for tests and the demo): daemons: spawn, wait until they answer, start and stop a cluster.
// Plain ESM JavaScript, like rgw.mjs: the demo runs it without a compile step.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ADMIN, ADMIN_CAPS, MARKER_FILE, REGION, noop, sleep } from './common.mjs';
import { bin, describeFailure, ensureCephInstalled, findBinary, run } from './install.mjs';
import { assertPortFree, freePorts, validPort } from './ports.mjs';
import { installExitHook, live, readProc, signal, stopDaemons } from './processes.mjs';
import { KEYS, cephConf, logTail, prepareDir, readState, writeState } from './config.mjs';
import { createUser } from './seed.mjs';
export class StepError extends Error {
  constructor(step, message, logs = []) {
    super(message);
    this.step = step;
    this.logs = logs;
  }
}

export function spawnDaemon(cluster, role, name, binary, args) {
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
export const ERRNO_NAMES = new Map(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));
export function exitText(daemon) {
  if (daemon.exit && daemon.exit.error) return `${daemon.name} failed to run: ${daemon.exit.error}`;
  if (!daemon.exit) return `${daemon.name} (pid ${daemon.pid}) exited`;
  if (daemon.exit.signal) return `${daemon.name} exited (signal ${daemon.exit.signal})`;
  const errno = ERRNO_NAMES.get(daemon.exit.code);
  const hint = errno === 'EADDRINUSE' ? ': Address already in use' : '';
  return `${daemon.name} exited (code ${daemon.exit.code}${errno ? `, probably ${errno}${hint}` : ''})`;
}

// We are the parent while starting: the child's 'exit' event is the reliable signal (between fork and
// exec /proc/PID/cmdline still shows node, so a /proc check here would race).
export function daemonDied(daemon) {
  return Boolean(daemon.exit);
}

export async function waitFor(what, cluster, daemons, check, { timeoutMs, intervalMs = 25 }) {
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

export function tcpConnects(port) {
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
export function ownsListenSocket(pid, port) {
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
export function rgwAnswers(port) {
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

export async function cephCli(cluster, args, timeoutMs = 30_000) {
  const r = await run(bin('ceph'), ['-c', cluster.conf, '-n', 'client.admin', '--connect-timeout', '15', ...args], { timeoutMs });
  if (r.code !== 0) throw new Error(describeFailure(`ceph ${args.join(' ')}`, r));
  return r.stdout;
}

export function makeHandle(cluster) {
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

export async function stopCluster(cluster) {
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

export async function startOnce({ dir, port, monPort, log = noop, detach = false, portPreflight = true } = {}) {
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
