// Part of scripts/rgw.mjs (a throwaway Ceph RGW for tests and the demo): binaries and installation.
// Plain ESM JavaScript, like rgw.mjs: the demo runs it without a compile step.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { APT_PACKAGES, EXTRA_BIN_DIRS, REQUIRED_BINARIES, noop } from './common.mjs';
export function findBinary(name) {
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

export function missingBinaries() {
  return REQUIRED_BINARIES.filter((b) => !findBinary(b));
}

export const binCache = new Map();
export function bin(name) {
  let p = binCache.get(name);
  if (!p) {
    p = findBinary(name);
    if (!p) throw new Error(`${name} not found in PATH, /usr/bin or /usr/sbin (run: node scripts/rgw.mjs install)`);
    binCache.set(name, p);
  }
  return p;
}

export function tailText(text, lines = 15) {
  return String(text || '').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Run a command without a shell; never rejects for a non-zero exit, only reports it. */
export function run(cmd, args, { timeoutMs = 60_000, env } = {}) {
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

export function describeFailure(what, r) {
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
