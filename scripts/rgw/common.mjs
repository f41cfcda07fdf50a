// Part of scripts/rgw.mjs (a throwaway Ceph RGW for tests and the demo): constants every part shares (region, file names, binaries, packages, the admin user).
// Plain ESM JavaScript, like rgw.mjs: the demo runs it without a compile step.

export const REGION = 'us-east-1';
export const STATE_FILE = 'rgw-harness.json';
export const MARKER_FILE = '.backup-canary-rgw';
// xmllint (libxml2-utils) is not Ceph: the suite validates JUnit output against its XML schema with it,
// and installing it here keeps "npm run test:all installs what it needs" true on a fresh machine.
export const REQUIRED_BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph-authtool', 'monmaptool', 'ceph', 'uuidgen', 'xmllint'];
export const APT_PACKAGES = ['ceph-mon', 'ceph-osd', 'radosgw', 'ceph-common', 'ceph-base', 'uuid-runtime', 'libxml2-utils'];
export const EXTRA_BIN_DIRS = ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin', '/usr/local/sbin'];

// Obviously local, fake credentials. Never shaped like an AWS key id (AKIA.../ASIA...).
export const ADMIN = Object.freeze({
  uid: 'admin',
  accessKeyId: 'BCADMINKEY0000000001',
  secretAccessKey: 'bc-local-admin-secret-not-a-real-key-0001',
});
export const ADMIN_CAPS = 'roles=*;users=*;buckets=*;user-policy=*';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const noop = () => {};
