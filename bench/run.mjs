#!/usr/bin/env node
// `npm run bench` (a benchmark, not a test; issue 6 §1). Against a throwaway local Ceph RGW, in one run:
//   1. backup-canary's default probe and --quick (whole process, cold start included);
//   2. the same requests scripted by hand: bench/awscli.sh (Debian's awscli 2.9) and bench/rclone.sh
//      (Debian's rclone 1.60, what it can do);
//   3. the floor: the plan's longest chain of dependent requests, raw SDK, one warm process (bench/floor.mjs);
//   4. start-up: `--help` and `--version` against `node -e 0`;
//   5. scale: `run FILE.yaml` with 1/10/100/500 targets at --concurrency 1/8/32: wall time, peak RSS.
// Medians over BENCH_REPS (default 10) repetitions after a warm-up, with min and max; the series of a
// comparison run interleaved (round by round) so that load from other processes spreads evenly.
// Prints a table and the ratios, writes bench/RESULTS.md; targets are reported, never asserted.
// Installs what it needs (as root, Debian packages only), stops RGW and removes everything it started,
// also on failure and Ctrl-C, after listing the bucket as its owner to show nothing was left.
//
// Env: BENCH_REPS (10), BENCH_BUDGET_S (840: the scale section adds repetitions only while the whole run
// is projected to end within this many seconds), BENCH_REBUILD=1 (rebuild dist/ even when present),
// BENCH_SCALE_N (1,10,100,500: target counts of the scale section; fewer for a quick try).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEMO, listEverything, radosgwAdmin, roleArn, seedDemo, startRgw } from '../scripts/rgw.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const BIN = join(ROOT, 'bin/backup-canary');
const AWS = '/usr/bin/aws'; // Debian's awscli; an `aws` earlier in PATH (pip, pyenv) is not the peer
const REPS = Math.max(1, Number(process.env.BENCH_REPS || 10));
const BUDGET_MS = Number(process.env.BENCH_BUDGET_S || 840) * 1000;
const SCALE_N = (process.env.BENCH_SCALE_N || '1,10,100,500').split(',').map(Number);
const SCALE_C = [1, 8, 32];
const PREFIX = DEMO.prefix; // nightly/: the demo role may write under nightly/* only
const T_START = Date.now();

const log = (m) => process.stderr.write(`[bench ${fmtClock(Date.now() - T_START)}] ${m}\n`);
const fmtClock = (ms) => `${String(Math.floor(ms / 60000)).padStart(2, '0')}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}`;

// ------------------------------------------------------------------------------------------------
// Teardown: children, RGW, temp dir — on success, failure, and the first SIGINT/SIGTERM.

const live = new Set();
let interrupted = null;
class Interrupted extends Error {}
const checkInterrupt = () => {
  if (interrupted) throw new Interrupted(`interrupted by ${interrupted}`);
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) {
      // Second signal: stop at once (the RGW harness's exit hook still kills its daemons and removes its dir).
      process.stderr.write('bench: second signal, exiting now\n');
      process.exit(sig === 'SIGTERM' ? 143 : 130);
    }
    interrupted = sig;
    log(`${sig}: stopping the running measurement, then cleaning up (send again to exit at once)`);
    // A probe that gets SIGINT/SIGTERM cleans up its own canaries before it exits.
    for (const c of live) killGroup(c, sig);
  });
}
function killGroup(child, sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    try {
      child.kill(sig);
    } catch {
      // already gone
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Processes and statistics

/** Spawn in its own process group; resolve with the wall time (hrtime, spawn → exit) and outputs. */
function runChild(cmd, args, { env, stdout = false, timeoutMs = 15 * 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    checkInterrupt();
    const t0 = process.hrtime.bigint();
    let ms = 0;
    const child = spawn(cmd, args, { env, stdio: ['ignore', stdout ? 'pipe' : 'ignore', 'pipe'], detached: true });
    live.add(child);
    const out = [];
    let err = '';
    child.stdout?.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => {
      if (err.length < 64 * 1024) err += d;
    });
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      live.delete(child);
      reject(e);
    });
    child.on('exit', () => {
      ms = Number(process.hrtime.bigint() - t0) / 1e6;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, ms, stdout: Buffer.concat(out).toString('utf8'), stderr: err });
    });
  });
}

/** Run and require exit code 0; returns the wall time in ms (and the result). */
async function timed(cmd, args, opts) {
  const r = await runChild(cmd, args, opts);
  checkInterrupt();
  if (r.code !== 0) {
    const tail = r.stderr.trim().split('\n').slice(-4).join(' | ');
    throw new Error(`${[cmd, ...args].join(' ').slice(0, 160)}: exit ${r.code ?? r.signal}${tail ? `: ${tail}` : ''}`);
  }
  return r;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : NaN;
};
const stats = (xs) => ({ n: xs.length, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/**
 * Interleaved series: `warmup` rounds discarded, then `reps` rounds; one run of every series per round.
 * A series that fails is dropped (its error kept) and the others go on.
 */
async function rounds(series, reps, warmup, between = async () => {}) {
  for (const s of series) {
    s.times = [];
    s.error = null;
  }
  const alive = () => series.filter((s) => !s.error);
  for (let r = -warmup; r < reps; r++) {
    for (const s of alive()) {
      try {
        const ms = await s.run();
        if (r >= 0) s.times.push(ms);
      } catch (e) {
        if (e instanceof Interrupted || interrupted) throw new Interrupted(`interrupted by ${interrupted}`);
        s.error = e.message;
        log(`  ${s.name}: FAILED: ${e.message}`);
      }
    }
    if (r >= 0) log(`  round ${r + 1}/${reps}: ${alive().map((s) => `${s.name} ${fmt(s.times.at(-1))}`).join(', ')}`);
    await between();
  }
  return series;
}

const fmt = (ms) => (ms === undefined || Number.isNaN(ms) ? 'n/a' : ms >= 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const fmtX = (x) => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×` : 'n/a');
const mb = (kb) => (kb ? `${(kb / 1024).toFixed(0)} MB` : 'n/a');
const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (head, rows) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const statCells = (s) => (s.times?.length ? [fmt(median(s.times)), fmt(Math.min(...s.times)), fmt(Math.max(...s.times)), String(s.times.length)] : ['n/a', '', '', '0']);

// ------------------------------------------------------------------------------------------------
// Setup: tools (Debian packages only), the bundle

function commandV(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const installed = [];
function ensureTools() {
  const want = [];
  if (!commandV(AWS)) want.push('awscli');
  if (!commandV('rclone')) want.push('rclone');
  if (!commandV('jq')) want.push('jq');
  if (!commandV('/usr/bin/time')) want.push('time');
  if (!want.length) return;
  if (process.getuid?.() !== 0) throw new Error(`missing ${want.join(', ')}; as root: apt-get install -y --no-install-recommends ${want.join(' ')}`);
  log(`installing Debian packages: ${want.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...want], { env, stdio: ['ignore', 'ignore', 'inherit'] }).status;
  if (install() !== 0) {
    spawnSync('apt-get', ['update'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (install() !== 0) throw new Error(`apt-get install ${want.join(' ')} failed`);
  }
  installed.push(...want);
}

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

let buildNote = '';
function ensureBuilt() {
  const main = join(ROOT, 'dist/main.js');
  if (!existsSync(main) || process.env.BENCH_REBUILD === '1') {
    log('building dist/ (node scripts/build.mjs)');
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('the build failed');
    buildNote = 'dist/ built by this run.';
    return;
  }
  const built = statSync(main).mtimeMs;
  const src = newestMtime(join(ROOT, 'src'));
  buildNote =
    src > built
      ? `**dist/ is older than src/** (bundle ${new Date(built).toISOString()}, newest source ${new Date(src).toISOString()}): figures are for the bundle as built; run \`npm run build\` or BENCH_REBUILD=1 first.`
      : `dist/ as present (built ${new Date(built).toISOString()}, newer than every file in src/).`;
}

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim().split('\n')[0] : 'n/a';
}

function machine() {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'n/a';
  const mem = /MemTotal:\s*(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  return {
    date: new Date().toISOString(),
    nproc: sh('nproc', []),
    memory: mem ? `${(Number(mem) / 1024 / 1024).toFixed(1)} GiB` : 'n/a',
    cpu,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    ceph: sh('ceph', ['--version']).replace(/^ceph version /, ''),
    awscli: sh(AWS, ['--version']),
    rclone: sh('rclone', ['version']),
    load: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

// ------------------------------------------------------------------------------------------------
// Room in the store. The harness's OSD is a memstore of 1 GiB and its RGW runs no garbage collection,
// so the tails of deleted multipart objects (5 MiB a probe) are never freed: after ~190 default probes
// the OSD is full and every write hangs. The bench raises the memstore limit at run time and runs
// `radosgw-admin gc process --include-all` between measurements (never during one).

let storeNote = '';
async function roomInTheStore() {
  const avail = Number(/MemAvailable:\s*(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) * 1024;
  const bytes = Math.max(2 ** 30, Math.min(8 * 2 ** 30, Math.floor((avail * 0.5) / 2 ** 30) * 2 ** 30));
  const r = spawnSync('ceph', ['-c', rgw.conf, '-n', 'client.admin', '--connect-timeout', '15', 'tell', 'osd.0', 'config', 'set', 'memstore_device_bytes', String(bytes)], { encoding: 'utf8', timeout: 30_000 });
  storeNote =
    r.status === 0
      ? `memstore limit raised to ${bytes / 2 ** 30} GiB at run time (the harness sets 1 GiB and runs no RGW garbage collection); \`radosgw-admin gc process --include-all\` between measurements, never during one.`
      : `could not raise the memstore limit (${(r.stderr || '').trim().split('\n')[0]}): the OSD holds 1 GiB; gc between measurements only.`;
  log(storeNote);
  if (bytes < 4 * 2 ** 30) log('warning: less than 4 GiB for the store; 500 default probes write ~2.6 GB');
}
async function gc() {
  try {
    await radosgwAdmin(rgw, ['gc', 'process', '--include-all']);
  } catch (e) {
    log(`radosgw-admin gc process failed: ${e.message.split('\n')[0]}`);
  }
}

// ------------------------------------------------------------------------------------------------
// The run

let rgw = null;
let tmp = null;
let owner = null;
let leftoverNote = 'not checked';
const results = { series: {}, floor: null, diag: {}, scale: [], errors: [] };

async function main() {
  ensureTools();
  ensureBuilt();
  const m0 = machine();
  tmp = mkdtempSync(join(os.tmpdir(), 'backup-canary-bench-'));
  log('starting a local Ceph RGW and seeding the demo');
  rgw = await startRgw({ log: () => {} });
  checkInterrupt();
  await roomInTheStore();
  const demo = await seedDemo(rgw);
  owner = demo.users.bucketOwner;
  const source = demo.users.sourceIdentity;
  const ROLE = roleArn(DEMO.roleName);
  log(`RGW at ${rgw.endpoint}; role ${ROLE}, bucket ${DEMO.bucket}, prefix ${PREFIX}`);

  // Files and a clean environment for every child: the source identity in env, empty shared config.
  const data = join(tmp, 'data');
  const scratch = join(tmp, 'scratch');
  for (const d of [data, scratch]) mkdirSync(d, { recursive: true });
  const rnd = (n) => randomBytes(n);
  const small = rnd(64 * 1024);
  const part1 = rnd(5 * 1024 * 1024);
  const part2 = rnd(64 * 1024);
  writeFileSync(join(data, 'small.bin'), small);
  writeFileSync(join(data, 'part1.bin'), part1);
  writeFileSync(join(data, 'part2.bin'), part2);
  writeFileSync(join(data, 'mpu.bin'), Buffer.concat([part1, part2]));
  writeFileSync(join(tmp, 'aws-config'), '[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n');
  writeFileSync(join(tmp, 'aws-credentials'), '');
  const env = { ...process.env };
  // Sandbox CA settings (AWS_CA_BUNDLE breaks rclone on http; NODE_EXTRA_CA_CERTS costs every node start)
  // and any credentials or profile of the caller are not part of what is measured.
  for (const k of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CA_BUNDLE', 'AWS_ENDPOINT_URL', 'NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS']) delete env[k];
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: source.accessKeyId,
    AWS_SECRET_ACCESS_KEY: source.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(tmp, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'aws-credentials'),
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS,
    BENCH_ENDPOINT: rgw.endpoint,
    BENCH_ROLE: ROLE,
    BENCH_BUCKET: DEMO.bucket,
    BENCH_PREFIX: PREFIX,
    BENCH_DATA: data,
    BENCH_TMP: scratch,
    BENCH_DIR: HERE,
  });
  const probeArgs = ['probe', '--role', ROLE, '--bucket', DEMO.bucket, '--prefix', PREFIX, '--endpoint', rgw.endpoint, '--path-style'];
  const run = (cmd, args, opts = {}) => async () => (await timed(cmd, args, { env, ...opts })).ms;

  // 4. start-up (cheap: twice the repetitions)
  log(`start-up: node -e 0, --version, --help (${Math.max(REPS, 20)} interleaved rounds after 3 warm-up rounds)`);
  const startup = await rounds(
    [
      { key: 'node', name: 'node -e 0', run: run(process.execPath, ['-e', '0']) },
      { key: 'version', name: 'backup-canary --version', run: run(BIN, ['--version']) },
      { key: 'help', name: 'backup-canary --help', run: run(BIN, ['--help']) },
    ],
    Math.max(REPS, 20),
    3,
  );
  for (const s of startup) results.series[s.key] = s;

  // 1 + 2. the probe against the hand-written scripts
  log(`probe vs scripts: ${REPS} interleaved rounds after 1 warm-up round (the awscli script takes ~15 s a round)`);
  const cmp = await rounds(
    [
      { key: 'probe', name: 'backup-canary probe', run: run(BIN, probeArgs) },
      { key: 'quick', name: 'backup-canary probe --quick', run: run(BIN, [...probeArgs, '--quick']) },
      { key: 'awscli', name: 'awscli script', run: run('bash', [join(HERE, 'awscli.sh')]) },
      { key: 'rclone', name: 'rclone script', run: run('bash', [join(HERE, 'rclone.sh')]) },
    ],
    REPS,
    1,
    gc,
  );
  for (const s of cmp) results.series[s.key] = s;

  // 3. the floor
  log(`floor: the longest dependent chain, raw SDK, one warm process (${REPS} repetitions after 3 warm-up)`);
  try {
    const r = await timed(process.execPath, [join(HERE, 'floor.mjs')], { env: { ...env, BENCH_REPS: String(REPS), BENCH_WARMUP: '3' }, stdout: true });
    results.floor = JSON.parse(r.stdout);
  } catch (e) {
    if (interrupted) throw e;
    results.errors.push(`floor: ${e.message}`);
  }

  await gc();

  // Diagnostics (to attribute time): import cost of the bundle, in-process vs whole-process, one timeline.
  log('diagnostics: bundle import times, in-process time, timeline, peak RSS of one probe');
  const dist = join(ROOT, 'dist');
  const awsChunk = readdirSync(dist).find((f) => /^aws-[A-Z0-9]+\.js$/.test(f));
  const importCode = `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(join(dist, 'main.js')).href)});
const t1 = performance.now(); ${awsChunk ? `await import(${JSON.stringify(pathToFileURL(join(dist, awsChunk)).href)});` : ''}
const t2 = performance.now(); process.stdout.write(JSON.stringify([t1 - t0, t2 - t1]));`;
  const imp = { main: [], aws: [] };
  for (let i = -2; i < REPS; i++) {
    const r = await timed(process.execPath, ['--input-type=module', '-e', importCode], { env, stdout: true });
    const [a, b] = JSON.parse(r.stdout);
    if (i >= 0) imp.main.push(a), imp.aws.push(b);
  }
  results.diag.importMain = imp.main;
  results.diag.importAws = imp.aws;
  results.diag.awsChunk = awsChunk;
  const inproc = { wall: [], report: [] };
  let timeline = null;
  for (let i = 0; i < 5; i++) {
    const r = await timed(BIN, [...probeArgs, '--format', 'json', '--verbose'], { env, stdout: true });
    const rep = JSON.parse(r.stdout);
    inproc.wall.push(r.ms);
    inproc.report.push(rep.durationMs);
    if (i === 2) timeline = { stderr: r.stderr, checks: rep.checks.map((c) => [c.id, c.durationMs]), wall: r.ms, durationMs: rep.durationMs };
  }
  results.diag.inproc = inproc;
  results.diag.timeline = timeline;
  const rss1 = await runTimed(BIN, probeArgs, env);
  await gc();
  results.diag.probeRss = rss1;

  // 5. scale
  await scale(env, ROLE);

  // Done measuring.
  results.machine = m0;
  results.machine.loadEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
/** CPU seconds (user + system) used so far by the store's daemons (radosgw, ceph-osd). */
function storeCpu() {
  let ticks = 0;
  for (const pid of [rgw?.pids.rgw, rgw?.pids.osd]) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    } catch {
      return NaN;
    }
  }
  return ticks / CLK_TCK;
}

/** Run under /usr/bin/time -v: wall (hrtime), peak RSS (KB), CPU seconds of the measured process and of the store. */
async function runTimed(cmd, args, env, timeoutMs) {
  const out = join(tmp, `time-${process.hrtime.bigint()}.txt`);
  const store0 = storeCpu();
  const r = await timed('/usr/bin/time', ['-v', '-o', out, cmd, ...args], { env, timeoutMs });
  const storeS = storeCpu() - store0;
  const t = readFileSync(out, 'utf8');
  rmSync(out, { force: true });
  const num = (re) => Number(re.exec(t)?.[1] ?? NaN);
  return { ms: r.ms, rssKb: num(/Maximum resident set size \(kbytes\): (\d+)/), cpuS: num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/), storeS };
}

async function scale(env, ROLE) {
  const files = {};
  for (const n of SCALE_N) {
    const lines = ['defaults:', `  role: ${ROLE}`, `  bucket: ${DEMO.bucket}`, `  endpoint: ${rgw.endpoint}`, '  path-style: true', 'targets:'];
    for (let i = 1; i <= n; i++) lines.push(`  - name: t${i}`, `    prefix: ${PREFIX}bench-${i}/`);
    files[n] = join(tmp, `run-${n}.yaml`);
    writeFileSync(files[n], `${lines.join('\n')}\n`);
  }
  const cells = [];
  for (const n of SCALE_N) for (const c of SCALE_C) cells.push({ n, c, runs: [], warm: n <= 10, once: n === 500 && c === 1, error: null });
  const once = async (cell) => {
    await gc();
    try {
      const r = await runTimed(BIN, ['run', files[cell.n], '--concurrency', String(cell.c)], env, 20 * 60_000);
      return r;
    } catch (e) {
      if (e instanceof Interrupted || interrupted) throw e;
      cell.error = e.message;
      log(`  run ${cell.n}×c${cell.c}: FAILED: ${e.message}`);
      return null;
    }
  };
  // Pass 1: every cell once, cheapest first. For 1 and 10 targets that run is a warm-up (discarded);
  // for 100 and 500 it counts (no separate warm-up: the earlier cells warmed RGW and the page cache).
  log('scale: pass 1 (every cell once; a warm-up for 1 and 10 targets)');
  for (const cell of cells) {
    const r = await once(cell);
    if (r && !cell.warm) cell.runs.push(r);
    cell.estimate = r?.ms ?? Infinity;
    log(`  ${cell.n} targets × c${cell.c}: ${r ? `${fmt(r.ms)}, ${mb(r.rssKb)}` : 'failed'}`);
  }
  // Pass 2: rounds adding one repetition to each cell still short of REPS, while the whole run is
  // projected to end within the budget. 500 targets at concurrency 1 is measured once.
  log(`scale: pass 2 (up to ${REPS} repetitions a cell within the time budget of ${BUDGET_MS / 1000} s for the whole run)`);
  for (;;) {
    let added = 0;
    for (const cell of cells) {
      if (cell.error || cell.once || cell.runs.length >= REPS) continue;
      if (Date.now() - T_START + cell.estimate * 1.2 + 20_000 > BUDGET_MS) continue;
      const r = await once(cell);
      if (!r) continue;
      cell.runs.push(r);
      cell.estimate = median(cell.runs.map((x) => x.ms));
      added++;
    }
    if (!added) break;
    log(`  scale round: ${cells.map((c) => `${c.n}×c${c.c}:${c.runs.length}`).join(' ')}`);
  }
  results.scale = cells;
}

// ------------------------------------------------------------------------------------------------
// Report

function report() {
  const S = results.series;
  const med = (k) => (S[k]?.times?.length ? median(S[k].times) : NaN);
  const floorD = results.floor ? median(results.floor.default) : NaN;
  const floorQ = results.floor ? median(results.floor.quick) : NaN;
  const probe = med('probe');
  const quick = med('quick');
  const startup = med('version');
  const node = med('node');
  const cell = (n, c) => results.scale.find((x) => x.n === n && x.c === c);
  const cellMed = (n, c) => {
    const x = cell(n, c);
    return x?.runs.length ? median(x.runs.map((r) => r.ms)) : NaN;
  };
  const out = [];
  const m = results.machine ?? machine();
  out.push('# backup-canary benchmark results', '');
  out.push(`Written by \`node bench/run.mjs\` (\`npm run bench\`) on ${m.date}. Figures are reported, never asserted.`, '');
  out.push('## Machine', '');
  out.push(
    table(
      ['', ''],
      [
        ['date', m.date],
        ['CPU', `${m.cpu} (nproc ${m.nproc})`],
        ['memory', m.memory],
        ['kernel', m.kernel],
        ['node', m.node],
        ['Ceph (RGW, one memstore OSD, 127.0.0.1)', m.ceph],
        ['awscli (Debian)', m.awscli],
        ['rclone (Debian)', m.rclone],
        ['load average (1/5/15 min) at start → end', `${m.load} → ${m.loadEnd ?? 'n/a'}`],
        ['bundle', buildNote],
        ['store', storeNote],
        ['installed by this run', installed.length ? `${installed.join(', ')} (apt-get, Debian)` : 'nothing (all present)'],
      ],
    ),
    '',
  );
  out.push(
    'Each figure is the median of the repetitions (n) after a warm-up, with min and max; the series of one comparison',
    'ran interleaved round by round. Wall time is spawn to exit (process.hrtime). The machine is shared: other',
    'processes may have been running (see the load average), which widens min–max.',
    '',
  );

  out.push('## 1–2. The default probe against the same requests scripted by hand', '');
  const peer = (k, what) => [S[k]?.name ?? k, ...statCells(S[k] ?? {}), what + (S[k]?.error ? ` — FAILED: ${S[k].error}` : '')];
  out.push(
    table(
      ['what', 'median', 'min', 'max', 'n', 'requests'],
      [
        peer('probe', '16 checks (assume, put, head, get, list, multipart create, 5 MiB + 64 KiB parts, list parts, list uploads, complete, get, abort pair, 2 deletes); independent ones concurrent'),
        peer('quick', 'the same with one 64 KiB part (15 checks)'),
        peer('awscli', 'bench/awscli.sh: 17 `aws` processes in sequence (sts assume-role + 16 s3api calls), the same requests'),
        peer('rclone', 'bench/rclone.sh: node AssumeRole helper + 8 rclone commands: put, get×2, list, multipart (create, 2 parts, complete) in one copyto, list uploads, delete×2 — no separate head, list-parts or abort pair'),
      ],
    ),
    '',
  );

  out.push('## 3. The floor', '');
  out.push(
    'The longest chain of dependent requests in the plan (src/core/plan.ts), raw SDK, one warm process, only the chain timed:',
    '`assume-role → multipart-create → part 1 ‖ part 2 → list-parts → complete → multipart-get → delete-multipart-object` (7 round trips).',
    '',
  );
  if (results.floor) {
    const f = (xs) => [fmt(median(xs)), fmt(Math.min(...xs)), fmt(Math.max(...xs)), String(xs.length)];
    const rowsF = [['default (5 MiB + 64 KiB parts)', ...f(results.floor.default)], ['--quick (one 64 KiB part)', ...f(results.floor.quick)]];
    if (results.floor.plan?.length) rowsF.push(['for comparison, not the floor: the whole default plan (all 16 checks, their dependencies and concurrency), raw SDK, same warm process', ...f(results.floor.plan)]);
    out.push(table(['chain', 'median', 'min', 'max', 'n'], rowsF), '');
  } else out.push(`Not measured: ${results.errors.find((e) => e.startsWith('floor')) ?? 'n/a'}`, '');

  out.push('## 4. Start-up', '');
  out.push(table(['what', 'median', 'min', 'max', 'n'], ['node', 'version', 'help'].map((k) => [S[k]?.name ?? k, ...statCells(S[k] ?? {})])), '');

  out.push('## Ratios', '');
  out.push(
    table(
      ['ratio', 'value'],
      [
        ['canary / awscli (default probe ÷ awscli script)', `${fmtX(probe / med('awscli'))} (the probe is ${fmtX(med('awscli') / probe)} faster)`],
        ['canary / rclone (default probe ÷ rclone script, which does fewer requests)', `${fmtX(probe / med('rclone'))} (${fmtX(med('rclone') / probe)} faster)`],
        ['canary / floor (default probe, whole process ÷ floor chain)', fmtX(probe / floorD)],
        ['canary --quick / floor --quick', fmtX(quick / floorQ)],
        ['probe in-process (report durationMs, see Diagnostics) / whole plan raw SDK warm', fmtX(median(results.diag.inproc?.report ?? []) / median(results.floor?.plan ?? []))],
        ['help / node (`--help` ÷ `node -e 0`)', fmtX(med('help') / node)],
        ['version / node (`--version` ÷ `node -e 0`)', fmtX(startup / node)],
      ],
    ),
    '',
  );

  out.push('## 5. Scale: `backup-canary run FILE.yaml`', '');
  out.push(
    `Targets \`t1…tN\` with prefixes \`${PREFIX}bench-<i>/\` in ${DEMO.bucket} (the demo role may write under ${PREFIX}* only), default probe.`,
    'Wall time of the whole process; peak RSS = "Maximum resident set size" of `/usr/bin/time -v` (the largest of the',
    'repetitions); CPU = user + system seconds of the backup-canary process, RGW+OSD CPU = those of radosgw and',
    'ceph-osd during the run (/proc/PID/stat), medians; with 2 cores, CPU ÷ wall near 2 means the machine is the limit.',
    '1 and 10 targets: one discarded',
    'warm-up run per cell; 100 and 500: no separate warm-up. Repetitions are bounded by the time budget (n column);',
    '500 targets at concurrency 1 is measured once.',
    '',
  );
  const srows = results.scale.map((x) => {
    const ms = x.runs.map((r) => r.ms);
    const st = ms.length ? stats(ms) : null;
    const rss = x.runs.length ? Math.max(...x.runs.map((r) => r.rssKb)) : NaN;
    const cpu = x.runs.length ? median(x.runs.map((r) => r.cpuS)) : NaN;
    const store = x.runs.length ? median(x.runs.map((r) => r.storeS)) : NaN;
    return [
      String(x.n),
      String(x.c),
      st ? fmt(st.median) : 'n/a',
      st ? fmt(st.min) : '',
      st ? fmt(st.max) : '',
      String(ms.length),
      st ? `${Math.round(st.median / x.n)} ms` : '',
      Number.isFinite(cpu) ? `${cpu.toFixed(2)} s` : '',
      Number.isFinite(store) ? `${store.toFixed(2)} s` : '',
      mb(rss),
      x.error ? `FAILED: ${x.error.slice(0, 120)}` : '',
    ];
  });
  out.push(table(['targets', 'concurrency', 'median', 'min', 'max', 'n', 'per target', 'CPU', 'RGW+OSD CPU', 'peak RSS', ''], srows), '');

  out.push('## Targets of issue 6', '');
  const yes = (ok) => (ok === null ? 'not measured' : ok ? '**met**' : '**not met**');
  const known = (...xs) => xs.every(Number.isFinite);
  const t1lim = 1.3 * floorD + startup;
  const t4lim = 20 * cellMed(1, 32);
  const rss500 = SCALE_C.map((c) => cell(500, c)).filter((x) => x?.runs.length).map((x) => ({ c: x.c, kb: Math.max(...x.runs.map((r) => r.rssKb)) }));
  const rssMax = rss500.length ? Math.max(...rss500.map((x) => x.kb)) : NaN;
  out.push(
    table(
      ['target', 'figures', 'verdict'],
      [
        [
          'default probe ≤ 1.3× the floor plus start-up',
          `probe ${fmt(probe)} vs 1.3 × ${fmt(floorD)} + ${fmt(startup)} (\`--version\`) = ${fmt(t1lim)}; read as 1.3 × (floor + start-up) = ${fmt(1.3 * (floorD + startup))}`,
          `${yes(known(probe, floorD, startup) ? probe <= t1lim : null)} (${yes(known(probe, floorD, startup) ? probe <= 1.3 * (floorD + startup) : null)} under the second reading)`,
        ],
        ['≥ 10× faster than the awscli script', `${fmt(med('awscli'))} ÷ ${fmt(probe)} = ${fmtX(med('awscli') / probe)}`, yes(known(probe, med('awscli')) ? med('awscli') / probe >= 10 : null)],
        ['`--help` ≤ 1.5× `node -e 0`', `${fmt(med('help'))} ÷ ${fmt(node)} = ${fmtX(med('help') / node)}`, yes(known(med('help'), node) ? med('help') / node <= 1.5 : null)],
        [
          '500 targets at concurrency 32 in ≤ 20× one target\'s time',
          `${fmt(cellMed(500, 32))} vs 20 × ${fmt(cellMed(1, 32))} (1 target, concurrency 32) = ${fmt(t4lim)} (${fmtX(cellMed(500, 32) / cellMed(1, 32))})`,
          yes(known(cellMed(500, 32), cellMed(1, 32)) ? cellMed(500, 32) <= t4lim : null),
        ],
        ['peak RSS ≤ 150 MB for 500 targets', rss500.map((x) => `c${x.c}: ${mb(x.kb)}`).join(', ') || 'n/a', yes(Number.isFinite(rssMax) ? rssMax <= 150 * 1024 : null)],
      ],
    ),
    '',
  );

  out.push('## Diagnostics (where the time goes)', '');
  const d = results.diag;
  if (d.importMain) {
    const inp = d.inproc;
    out.push(
      table(
        ['measure', 'median', 'min', 'max', 'n'],
        [
          ['`import(dist/main.js)` (yargs + CLI; what `--help`/`--version` load)', ...statCells({ times: d.importMain })],
          [`\`import(dist/${d.awsChunk})\` after it (AWS SDK chunk, loaded by \`probe\`)`, ...statCells({ times: d.importAws })],
          ['default probe, whole process (`--format json --verbose`)', ...statCells({ times: inp.wall })],
          ['the same, in-process `durationMs` of the report (plan + requests + cleanup)', ...statCells({ times: inp.report })],
          ['difference: node start, bundle + SDK load, flag parsing, report, exit', ...statCells({ times: inp.wall.map((w, i) => w - inp.report[i]) })],
        ],
      ),
      '',
    );
    if (d.probeRss) out.push(`One default probe under \`/usr/bin/time -v\`: ${fmt(d.probeRss.ms)}, peak RSS ${mb(d.probeRss.rssKb)}, CPU ${d.probeRss.cpuS.toFixed(2)} s.`, '');
    if (d.timeline) {
      out.push(`Timeline of one probe (\`--verbose\`, ms since the probe command started; whole process ${fmt(d.timeline.wall)}, report durationMs ${d.timeline.durationMs}):`, '', '```');
      out.push(d.timeline.stderr.trim(), '```', '');
    }
  }

  out.push('## Leftovers', '', leftoverNote, '');
  if (results.errors.length) out.push('## Errors', '', ...results.errors.map((e) => `- ${e}`), '');
  return out.join('\n');
}

// ------------------------------------------------------------------------------------------------

let code = 0;
try {
  await main();
} catch (e) {
  if (e instanceof Interrupted || interrupted) code = interrupted === 'SIGTERM' ? 143 : 130;
  else {
    code = 1;
    results.errors.push(`aborted: ${e.message.split('\n')[0]}`);
    log(`FAILED: ${e.message}`);
  }
} finally {
  for (const c of live) killGroup(c, 'SIGTERM');
  // Wait (bounded) for interrupted probes to finish their own cleanup.
  for (let i = 0; i < 100 && live.size; i++) await new Promise((r) => setTimeout(r, 100));
  for (const c of live) killGroup(c, 'SIGKILL');
  if (rgw && owner) {
    try {
      const left = await listEverything(rgw, owner, DEMO.bucket);
      leftoverNote =
        left.objects.length || left.uploads.length
          ? `**Left in ${DEMO.bucket}** (listed as the bucket owner before RGW was stopped): ${left.objects.length} objects, ${left.uploads.length} uploads: ${[...left.objects, ...left.uploads.map((u) => `${u.key} (upload ${u.uploadId})`)].slice(0, 10).join(', ')}`
          : `Nothing left: ${DEMO.bucket} listed as the bucket owner after the run (ListObjectsV2 and ListMultipartUploads, all pages): 0 objects, 0 uploads.`;
    } catch (e) {
      leftoverNote = `Could not list ${DEMO.bucket} as the owner: ${e.message.split('\n')[0]}`;
    }
    log(leftoverNote.replace(/\*\*/g, ''));
  }
  if (rgw) {
    await rgw.stop().catch((e) => log(`stopping RGW failed: ${e.message}`));
    log(`RGW stopped and its directory ${rgw.dir} removed`);
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
if (!interrupted && Object.keys(results.series).length) {
  const md = report();
  process.stdout.write(`${md}\n`);
  // A failed run prints what it measured but keeps the RESULTS.md of the last complete run.
  if (code === 0) {
    writeFileSync(join(HERE, 'RESULTS.md'), `${md}\n`);
    log(`wrote bench/RESULTS.md (${fmtClock(Date.now() - T_START)} in all)`);
  } else log('the run failed: bench/RESULTS.md not written');
} else if (interrupted) log('interrupted: bench/RESULTS.md not written');
process.exit(code);
