// Run the real backup clients (Debian's rclone 1.60 and restic 0.14) against a local RGW with an assumed
// role's temporary credentials, as a user would: restic init / backup / backup / check / forget --prune,
// rclone copy / check / delete. Every command is bounded by a kill timeout; a workload stops at its first
// failing command. Credentials only travel in the child's environment, never in a file or the output.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { findClient } from '../../scripts/clients.mjs';

export type ClientName = 'restic' | 'rclone';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface CommandRun {
  command: string;
  code: number | null;
  timedOut: boolean;
  /** Epoch milliseconds: which access-log lines belong to this command. */
  startedAt: number;
  endedAt: number;
  durationMs: number;
  /** The last lines of standard error (restic and rclone print no secrets there). */
  stderrTail: string;
}

export interface WorkloadResult {
  client: ClientName;
  ok: boolean;
  /** The command that failed, and how: "backup: exit 1", "backup: stale lock", "check: timed out". */
  failure?: string;
  runs: CommandRun[];
  durationMs: number;
}

export interface WorkloadTarget {
  endpoint: string;
  bucket: string;
  /** The repository / destination path inside the bucket, without a trailing slash. */
  path: string;
  credentials: TemporaryCredentials;
  /** A private directory for this run (config, password file, cache, source copies). */
  workDir: string;
  /** Kill timeout of each command. */
  timeoutMs: number;
}

/** A minimal environment: no AWS_CA_BUNDLE, AWS_PROFILE or RESTIC_* of the test process leaks in. */
function childEnv(target: WorkloadTarget, extra: Record<string, string>): NodeJS.ProcessEnv {
  const home = path.join(target.workDir, 'home');
  fs.mkdirSync(home, { recursive: true });
  return {
    PATH: process.env.PATH || '/usr/bin:/bin',
    HOME: home,
    TMPDIR: target.workDir,
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: target.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: target.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: target.credentials.sessionToken,
    ...extra,
  };
}

function runCommand(bin: string, args: string[], env: NodeJS.ProcessEnv, label: string, timeoutMs: number): Promise<CommandRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(bin, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 32 * 1024 * 1024 }, (error, _stdout, stderr) => {
      const timedOut = Boolean(error && (error as NodeJS.ErrnoException & { killed?: boolean }).killed);
      let code: number | null = 0;
      if (error) code = typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null;
      const tail = String(stderr).trimEnd().split('\n').slice(-6).join('\n');
      const endedAt = Date.now();
      resolve({ command: label, code: timedOut ? null : code, timedOut, startedAt: started, endedAt, durationMs: endedAt - started, stderrTail: tail });
    });
  });
}

function requireClient(name: ClientName): string {
  const bin = findClient(name);
  if (!bin) throw new Error(`${name} is not installed (node scripts/clients.mjs install)`);
  return bin;
}

function describe(run: CommandRun): string {
  return `${run.command}: ${run.timedOut ? `timed out after ${Math.round(run.durationMs / 1000)} s` : `exit ${run.code}`}`;
}

/** Small files for restic (it never used multipart for 20 MiB in our runs): two generations of one dir. */
function resticSource(dir: string): { dir: string; change(): void } {
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'first generation\n');
  fs.writeFileSync(path.join(dir, 'sub', 'data.bin'), crypto.randomBytes(256 * 1024));
  return {
    dir,
    change() {
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'second generation\n');
      fs.writeFileSync(path.join(dir, 'sub', 'data.bin'), crypto.randomBytes(256 * 1024));
    },
  };
}

/**
 * restic 0.14: init, backup, backup (changed data), check, forget --keep-last 1 --prune. After each command
 * that exits 0, `locksLeft` (listed by the bucket owner) must be empty: restic exits 0 when it cannot
 * remove its lock, after retrying for about 90 s, and the next command then fails on the stale lock.
 */
export async function runResticWorkload(target: WorkloadTarget, locksLeft: () => Promise<string[]>): Promise<WorkloadResult> {
  const started = Date.now();
  const bin = requireClient('restic');
  fs.mkdirSync(target.workDir, { recursive: true });
  const passwordFile = path.join(target.workDir, 'restic-password');
  fs.writeFileSync(passwordFile, crypto.randomBytes(18).toString('base64url') + '\n', { mode: 0o600 });
  const src = resticSource(path.join(target.workDir, 'restic-src'));
  const env = childEnv(target, {
    RESTIC_REPOSITORY: `s3:${target.endpoint}/${target.bucket}/${target.path}`,
    RESTIC_PASSWORD_FILE: passwordFile,
    RESTIC_CACHE_DIR: path.join(target.workDir, 'restic-cache'),
  });
  const steps: [string, string[], (() => void)?][] = [
    ['init', ['init']],
    ['backup', ['backup', src.dir]],
    ['backup (2nd)', ['backup', src.dir], () => src.change()],
    ['check', ['check']],
    ['forget --prune', ['forget', '--keep-last', '1', '--prune']],
  ];
  const runs: CommandRun[] = [];
  for (const [label, args, before] of steps) {
    before?.();
    const run = await runCommand(bin, args, env, label, target.timeoutMs);
    runs.push(run);
    if (run.code !== 0) return { client: 'restic', ok: false, failure: describe(run), runs, durationMs: Date.now() - started };
    const locks = await locksLeft();
    if (locks.length) return { client: 'restic', ok: false, failure: `${label}: exit 0, stale lock left (${locks.length})`, runs, durationMs: Date.now() - started };
  }
  return { client: 'restic', ok: true, runs, durationMs: Date.now() - started };
}

/** A source tree for rclone with one file above the multipart cutoff configured below (5 MiB). */
export function rcloneSource(dir: string): string {
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a.txt'), 'rclone canary file\n');
  fs.writeFileSync(path.join(dir, 'sub', 'b.bin'), crypto.randomBytes(64 * 1024));
  fs.writeFileSync(path.join(dir, 'big.bin'), crypto.randomBytes(6 * 1024 * 1024 + 4096));
  return dir;
}

/**
 * rclone 1.60: copy, check, delete, through a generated config (no secrets in it: env_auth reads the
 * temporary credentials from the environment). provider Ceph, path style, no_check_bucket (the bucket
 * exists; without it rclone sends CreateBucket), upload_cutoff and chunk_size 5 MiB so big.bin goes
 * multipart. See https://rclone.org/s3/ (options provider, env_auth, force_path_style, no_check_bucket,
 * upload_cutoff, chunk_size).
 */
export async function runRcloneWorkload(target: WorkloadTarget, sourceDir: string): Promise<WorkloadResult> {
  const started = Date.now();
  const bin = requireClient('rclone');
  fs.mkdirSync(target.workDir, { recursive: true });
  const config = path.join(target.workDir, 'rclone.conf');
  fs.writeFileSync(
    config,
    [
      '[rgw]',
      'type = s3',
      'provider = Ceph',
      'env_auth = true',
      `endpoint = ${target.endpoint}`,
      'region = us-east-1',
      'force_path_style = true',
      'no_check_bucket = true',
      'upload_cutoff = 5Mi',
      'chunk_size = 5Mi',
      '',
    ].join('\n'),
  );
  const env = childEnv(target, { RCLONE_CONFIG: config });
  const remote = `rgw:${target.bucket}/${target.path}`;
  const steps: [string, string[]][] = [
    ['copy', ['copy', sourceDir, remote]],
    ['check', ['check', sourceDir, remote]],
    ['delete', ['delete', remote]],
  ];
  const runs: CommandRun[] = [];
  for (const [label, args] of steps) {
    const run = await runCommand(bin, args, env, label, target.timeoutMs);
    runs.push(run);
    if (run.code !== 0) return { client: 'rclone', ok: false, failure: describe(run), runs, durationMs: Date.now() - started };
  }
  return { client: 'rclone', ok: true, runs, durationMs: Date.now() - started };
}

/** Which requests in RGW's access log are this client's: restic 0.14 sends minio-go's user agent. */
export const USER_AGENT: Record<ClientName, RegExp> = {
  restic: /minio-go\//,
  rclone: /^rclone\//,
};

export interface DenialContext {
  method: string;
  /** The object key of the request ('' for the bucket itself). */
  key: string;
  action: string;
  /** The client's repository / destination path in the bucket (no trailing slash). */
  path: string;
}

/**
 * 403s a client survives, with the evidence (a successful run that met them). The request that stopped
 * a client is the first 403 of its failing command that is not one of these; the test also checks that
 * every 403 of a successful run is listed here.
 */
export const TOLERATED_DENIALS: Record<ClientName, { what: string; why: string; matches(d: DenialContext): boolean }[]> = {
  restic: [
    {
      what: 'GET /bucket/?location= (s3:GetBucketLocation)',
      why: 'restic (minio-go) asks for the bucket location when no region is configured and falls back to us-east-1 when that is denied',
      matches: (d) => d.action === 's3:GetBucketLocation',
    },
  ],
  rclone: [
    {
      what: 'HEAD of the destination root itself (s3:GetObject on a missing key)',
      why:
        'rclone first checks whether the remote root is a file (HEAD bucket/path); S3 and RGW answer 403 instead of 404 for a ' +
        'missing key when the caller may not list the bucket without a prefix, and rclone takes that as "not a file"',
      matches: (d) => d.method === 'HEAD' && d.key === d.path,
    },
    {
      what: 'HEAD ?versionId= of an object it has just uploaded to a versioned bucket (s3:GetObjectVersion)',
      why:
        'in a versioned (or Object Lock) bucket rclone 1.60 reads back the version it wrote; when that is denied the copy ' +
        'still succeeds and check and delete work with plain HEAD and GET (seen in the object-lock scenario)',
      matches: (d) => d.method === 'HEAD' && d.action === 's3:GetObjectVersion' && d.key.startsWith(`${d.path}/`),
    },
  ],
};
