// Part of scripts/rgw.mjs (a throwaway Ceph RGW for tests and the demo): binaries and installation.
// Plain ESM JavaScript, like rgw.mjs: the demo runs it without a compile step.

import { describeFailure, ensurePackages, findBinary as findOnPath, run, tailText } from '../apt.mjs';
import { APT_PACKAGES, EXTRA_BIN_DIRS, REQUIRED_BINARIES, noop } from './common.mjs';

export { describeFailure, run, tailText };

export function findBinary(name) {
  return findOnPath(name, EXTRA_BIN_DIRS);
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

/**
 * Make sure the Debian Ceph packages are present; install them with apt-get when not (root only).
 * Quick (a few stat calls) when everything is installed.
 */
export async function ensureCephInstalled({ log = noop } = {}) {
  const r = await ensurePackages({ what: 'Ceph', packages: APT_PACKAGES, binaries: REQUIRED_BINARIES, extraDirs: EXTRA_BIN_DIRS, log });
  if (r.installed) binCache.clear();
  return r;
}
