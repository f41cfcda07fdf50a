#!/usr/bin/env node
// The real backup clients the suite runs against the local RGW (test/integration/clients-rgw.test.ts):
// Debian's `rclone` and `restic` packages, installed with apt-get when missing, as scripts/rgw.mjs
// installs Ceph. A missing client is an error, never a skipped test.
//
// Library:  import { ensureClientsInstalled, clientVersions } from './clients.mjs'
// CLI:      node scripts/clients.mjs install | versions
//
// Plain ESM JavaScript on purpose: scripts/test-all.sh runs it before anything is compiled.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeFailure, ensurePackages, findBinary, run } from './apt.mjs';

export const CLIENT_PACKAGES = Object.freeze(['rclone', 'restic']);

/** Absolute path of an executable in PATH (or the usual system dirs), or null. */
export function findClient(name) {
  return findBinary(name);
}

/**
 * Make sure `rclone` and `restic` are installed; install Debian's packages with apt-get when not
 * (root only). Throws with the reason when they are missing and cannot be installed.
 */
export async function ensureClientsInstalled({ log = () => {} } = {}) {
  return ensurePackages({ what: 'backup clients', packages: [...CLIENT_PACKAGES], binaries: [...CLIENT_PACKAGES], log });
}

/** First line of `rclone version` and `restic version`, e.g. "rclone v1.60.1-DEV". */
export async function clientVersions() {
  const out = {};
  for (const name of CLIENT_PACKAGES) {
    const bin = findClient(name);
    if (!bin) throw new Error(`${name} is not installed (run: node scripts/clients.mjs install)`);
    const r = await run(bin, ['version'], { timeoutMs: 15_000, env: { PATH: process.env.PATH || '/usr/bin:/bin', HOME: '/nonexistent' } });
    if (r.code !== 0) throw new Error(describeFailure(`${name} version`, r));
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
