// Finding system binaries and installing the Debian packages that provide them, for the suite's
// set-up scripts (scripts/rgw/install.mjs: Ceph; scripts/clients.mjs: rclone and restic;
// scripts/prometheus.mjs: promtool and the Pushgateway). A missing binary that cannot be installed is
// an error with the exact command to run, never a skipped test.
//
// Plain ESM JavaScript: scripts/test-all.sh and the demo run these before anything is compiled.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const SYSTEM_BIN_DIRS = Object.freeze(['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin']);

/** Absolute path of an executable file in PATH or the usual system dirs, or null. */
export function findBinary(name, extraDirs = SYSTEM_BIN_DIRS) {
  const dirs = [...(process.env.PATH || '').split(path.delimiter).filter(Boolean), ...extraDirs];
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
 * Make sure `binaries` exist; when some are missing, install Debian's `packages` with apt-get
 * (update, then install; root only). `what` names them in messages ("Ceph", "backup clients").
 * Quick (a few stat calls) when everything is installed. Throws with the reason otherwise.
 */
export async function ensurePackages({ what, packages, binaries, extraDirs = SYSTEM_BIN_DIRS, log = () => {} }) {
  const missingNow = () => binaries.filter((b) => !findBinary(b, extraDirs));
  const missing = missingNow();
  if (missing.length === 0) return { installed: false };
  const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) throw new Error(`${what} missing (${missing.join(', ')}) and installing it needs root. Run as root: apt-get update && ${command}`);
  const aptGet = findBinary('apt-get', extraDirs);
  if (!aptGet) throw new Error(`${what} missing (${missing.join(', ')}) and apt-get is not available`);
  log(`installing ${packages.join(', ')} (missing: ${missing.join(', ')})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await run(aptGet, ['update'], { env, timeoutMs: 10 * 60_000 });
  if (update.code !== 0) throw new Error(`Installing ${what} failed: ${describeFailure('apt-get update', update)}`);
  const install = await run(aptGet, ['install', '-y', '--no-install-recommends', ...packages], { env, timeoutMs: 20 * 60_000 });
  if (install.code !== 0) throw new Error(`Installing ${what} failed: ${describeFailure('apt-get install', install)}`);
  const still = missingNow();
  if (still.length) throw new Error(`Installing ${what} failed: still missing after apt-get install: ${still.join(', ')}`);
  log(`${packages.join(', ')} installed`);
  return { installed: true };
}
