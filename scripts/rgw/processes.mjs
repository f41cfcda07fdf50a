// Part of scripts/rgw.mjs (a throwaway Ceph RGW for tests and the demo): processes, by saved PID only, after checking /proc/PID/cmdline names this cluster's ceph.conf.
// Plain ESM JavaScript, like rgw.mjs: the demo runs it without a compile step.

import fs from 'node:fs';
import { sleep } from './common.mjs';
export function readProc(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

export function isZombie(pid) {
  const status = readProc(pid, 'status');
  if (status === null) return true; // gone
  const m = /^State:\s+(\S)/m.exec(status);
  return Boolean(m && (m[1] === 'Z' || m[1] === 'X'));
}

/** True when PID is alive (not a zombie) and its command line names this cluster's ceph.conf. */
export function isOurLiveDaemon(pid, conf) {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  const cmdline = readProc(pid, 'cmdline');
  if (!cmdline) return false; // gone, or a zombie (empty cmdline)
  if (!cmdline.split('\0').includes(conf)) return false; // PID reused by something else
  return !isZombie(pid);
}

export function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export async function waitGone(pids, conf, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = pids.filter((pid) => isOurLiveDaemon(pid, conf));
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await sleep(20);
  }
}

/** SIGTERM, wait, SIGKILL after a grace period. Returns PIDs still alive afterwards (should be none). */
export async function terminate(pids, conf, graceMs = 3000) {
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
export const STOP_GROUPS = [['rgw'], ['osd'], ['mon']];

export async function stopDaemons(conf, daemons) {
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
export const live = new Set();
export let exitHookInstalled = false;
export function installExitHook() {
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
