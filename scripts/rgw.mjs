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
//
// The parts, in scripts/rgw/: common.mjs (shared constants), install.mjs (binaries, apt), ports.mjs,
// processes.mjs (PIDs checked against /proc before any signal), config.mjs (cluster directory,
// ceph.conf, keyrings), cluster.mjs (daemons; startRgw, stopRgwDir), seed.mjs (users, roles,
// policies, buckets, the demo). This file re-exports their public API and is the command line.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { noop } from './rgw/common.mjs';
import { ensureCephInstalled } from './rgw/install.mjs';
import { startRgw, stopRgwDir } from './rgw/cluster.mjs';
import { seedDemo } from './rgw/seed.mjs';

export { REGION } from './rgw/common.mjs';
export { ensureCephInstalled } from './rgw/install.mjs';
export { startRgw, stopRgwDir } from './rgw/cluster.mjs';
export { radosgwAdmin, createUser, roleArn, userArn, createRole, putRolePolicy, deleteRolePolicy, deleteRole, s3For, createBucket, putBucketPolicy, deleteBucketPolicy, putObjectAs, listEverything, assumeRole, DEMO, demoRolePolicy, seedDemo } from './rgw/seed.mjs';

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
