// Part of scripts/rgw.mjs (a throwaway Ceph RGW for tests and the demo): the cluster directory (state file, marker) and its ceph.conf, keyrings and log tails.
// Plain ESM JavaScript, like rgw.mjs: the demo runs it without a compile step.

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { MARKER_FILE, STATE_FILE } from './common.mjs';
import { run, tailText } from './install.mjs';
import { isOurLiveDaemon } from './processes.mjs';
export function writeState(cluster) {
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

export function readState(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), 'utf8'));
  } catch {
    return null;
  }
}

export function liveDaemonsOf(state) {
  if (!state || !state.conf || !Array.isArray(state.daemons)) return [];
  return state.daemons.filter((d) => isOurLiveDaemon(d.pid, state.conf));
}

/** Decide the cluster directory. Returns { dir, ownsDir }. Never reuses a foreign non-empty dir. */
export async function prepareDir(dir) {
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

export function cephConf({ dir, fsid, monPort, port, stsKey }) {
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

export const KEYS = [
  ['mon.', ['mon', 'allow *']],
  ['client.admin', ['mon', 'allow *', 'osd', 'allow *', 'mds', 'allow *', 'mgr', 'allow *']],
  ['osd.0', ['mon', 'allow profile osd', 'mgr', 'allow profile osd', 'osd', 'allow *']],
  ['client.rgw.gw', ['mon', 'allow rw', 'osd', 'allow rwx', 'mgr', 'allow rw']],
];

export function logTail(dir, names, lines = 25) {
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
