#!/usr/bin/env node
// The real backup clients the suite runs against the local RGW (test/integration/clients-rgw.test.ts):
// Debian's `rclone` and `restic` packages, installed with apt-get when missing, as scripts/rgw.mjs
// installs Ceph. A missing client is an error, never a skipped test.
//
// Library:  import { ensureClientsInstalled, clientVersions } from './clients.mjs'
// CLI:      node scripts/clients.mjs install | versions
//
// Plain ESM JavaScript on purpose: scripts/test-all.sh runs it before anything is compiled.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLIENT_PACKAGES = Object.freeze(['rclone', 'restic']);
const EXTRA_BIN_DIRS = ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin'];

/** Absolute path of an executable in PATH (or the usual system dirs), or null. */
export function findClient(name) {
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

function run(cmd, args, { timeoutMs = 60_000, env } = {}) {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: env ?? process.env, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), timedOut: Boolean(error && error.killed), spawnError: error && typeof error.code === 'string' ? error.message : null });
    });
  });
}

function failure(what, r) {
  if (r.spawnError) return `${what}: ${r.spawnError}`;
  const tail = String(r.stderr || r.stdout).trimEnd().split('\n').slice(-15).join('\n');
  return `${what}: ${r.timedOut ? 'timed out' : `exit ${r.code}`}\n${tail}`;
}

/**
 * Make sure `rclone` and `restic` are installed; install Debian's packages with apt-get when not
 * (root only). Throws with the reason when they are missing and cannot be installed.
 */
export async function ensureClientsInstalled({ log = () => {} } = {}) {
  const missing = CLIENT_PACKAGES.filter((b) => !findClient(b));
  if (missing.length === 0) return { installed: false };
  const command = `apt-get install -y --no-install-recommends ${CLIENT_PACKAGES.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) throw new Error(`backup clients missing (${missing.join(', ')}) and installing them needs root. Run as root: apt-get update && ${command}`);
  const aptGet = findClient('apt-get');
  if (!aptGet) throw new Error(`backup clients missing (${missing.join(', ')}) and apt-get is not available`);
  log(`installing ${CLIENT_PACKAGES.join(', ')} (missing: ${missing.join(', ')})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await run(aptGet, ['update'], { env, timeoutMs: 10 * 60_000 });
  if (update.code !== 0) throw new Error(`Installing ${CLIENT_PACKAGES.join(', ')} failed: ${failure('apt-get update', update)}`);
  const install = await run(aptGet, ['install', '-y', '--no-install-recommends', ...CLIENT_PACKAGES], { env, timeoutMs: 20 * 60_000 });
  if (install.code !== 0) throw new Error(`Installing ${CLIENT_PACKAGES.join(', ')} failed: ${failure('apt-get install', install)}`);
  const still = CLIENT_PACKAGES.filter((b) => !findClient(b));
  if (still.length) throw new Error(`Installing ${CLIENT_PACKAGES.join(', ')} failed: still missing after apt-get install: ${still.join(', ')}`);
  log(`${CLIENT_PACKAGES.join(', ')} installed`);
  return { installed: true };
}

/** First line of `rclone version` and `restic version`, e.g. "rclone v1.60.1-DEV". */
export async function clientVersions() {
  const out = {};
  for (const name of CLIENT_PACKAGES) {
    const bin = findClient(name);
    if (!bin) throw new Error(`${name} is not installed (run: node scripts/clients.mjs install)`);
    const r = await run(bin, ['version'], { timeoutMs: 15_000, env: { PATH: process.env.PATH || '/usr/bin:/bin', HOME: '/nonexistent' } });
    if (r.code !== 0) throw new Error(failure(`${name} version`, r));
    out[name] = r.stdout.split('\n')[0].trim();
  }
  return out;
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (rest.length || !['install', 'versions'].includes(command)) {
    process.stderr.write('usage: node scripts/clients.mjs install | versions\n');
    return 2;
  }
  try {
    if (command === 'install') {
      const r = await ensureClientsInstalled({ log: (m) => process.stderr.write(`clients.mjs: ${m}\n`) });
      process.stdout.write(JSON.stringify({ ok: true, installed: r.installed, versions: await clientVersions() }) + '\n');
    } else {
      process.stdout.write(JSON.stringify(await clientVersions()) + '\n');
    }
    return 0;
  } catch (e) {
    const [first, ...details] = String((e && e.message) || e).split('\n');
    process.stderr.write(`clients.mjs ${command}: ${first}\n${details.length ? details.join('\n') + '\n' : ''}`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
