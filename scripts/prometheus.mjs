#!/usr/bin/env node
// Debian's Prometheus tools for the suite: `promtool` (package prometheus) checks the shipped alert
// rules and the textfile output; `prometheus-pushgateway` receives `--pushgateway` pushes.
//
// Library:  import { installPrometheusTools, startPushgateway, promtool } from './prometheus.mjs'
// CLI:      node scripts/prometheus.mjs install
//
// A test's Pushgateway listens on 127.0.0.1 on a free port, keeps its state in memory (no
// persistence file: --persistence.file=""), and is stopped by PID in teardown. The packaged
// service (on machines where Debian starts it) is never used.

import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePackages, findBinary as findOnPath } from './apt.mjs';

const APT_PACKAGES = ['prometheus', 'prometheus-pushgateway'];
const BINARIES = ['promtool', 'prometheus-pushgateway'];

export function findBinary(name) {
  return findOnPath(name);
}

function run(cmd, args, { input, ...opts } = {}) {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 16 << 20, ...opts }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin.end(input);
  });
}

/** Install the Debian packages when a binary is missing (root only). Quick when both are there. */
export async function installPrometheusTools(log = () => {}) {
  return ensurePackages({ what: 'Prometheus tools', packages: APT_PACKAGES, binaries: BINARIES, log });
}

/** `promtool ARGS...`: exit code and output. Throws when promtool is not installed. */
export async function promtool(args, opts = {}) {
  const bin = findBinary('promtool');
  if (!bin) throw new Error('promtool not found (run: node scripts/prometheus.mjs install)');
  return run(bin, args, opts);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A Pushgateway on 127.0.0.1:<free port>, in memory; `stop()` ends it (by its PID). */
export async function startPushgateway() {
  const bin = findBinary('prometheus-pushgateway');
  if (!bin) throw new Error('prometheus-pushgateway not found (run: node scripts/prometheus.mjs install)');
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(bin, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    let ready = false;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        const r = await fetch(`${url}/-/ready`);
        if (r.ok) {
          ready = true;
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (ready) {
      return {
        url,
        port,
        pid: child.pid,
        async stop() {
          if (child.exitCode !== null) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        },
      };
    }
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    if (attempt >= 2) throw new Error(`prometheus-pushgateway did not become ready on ${url}: ${stderr.trim().split('\n').slice(-2).join(' | ')}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2];
  if (cmd !== 'install') {
    process.stderr.write('usage: node scripts/prometheus.mjs install\n');
    process.exit(2);
  }
  installPrometheusTools((m) => process.stderr.write(`prometheus.mjs: ${m}\n`)).then(
    (r) => process.stdout.write(`${JSON.stringify({ ok: true, ...r })}\n`),
    (e) => {
      process.stderr.write(`prometheus.mjs: ${e.message}\n`);
      process.exit(1);
    },
  );
}
