// Reports are written whole or not at all (issue 13, item 8): on a real full file system (a 64 KiB
// tmpfs mounted for this test), with short writes, with EIO/EDQUOT from a fault-injecting file system,
// and with a symlink planted at the temporary name. The target stays as it was, no temporary file is
// left, standard error says why, and the command exits 3.

import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterWriteFailure, emitReports } from '../../src/cli/output.js';
import { EXIT } from '../../src/core/model.js';
import { ReportWriteError, writeAtomically, type WriterFs } from '../../src/report/write.js';
import { runCli } from '../helpers/cli.js';
import { runInput } from '../fixtures/reports/load.js';

const realFs: WriterFs = {
  openSync: (p, f, m) => fs.openSync(p, f, m),
  writeSync: (fd, b, o, l) => fs.writeSync(fd, b, o, l),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (a, b) => fs.renameSync(a, b),
  unlinkSync: (p) => fs.unlinkSync(p),
};

function tempDir(t: Test, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bc-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A 64 KiB tmpfs (this test runs as root, as the suite does on the test machine). */
function smallFs(t: Test): string {
  const dir = tempDir(t, 'tmpfs');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`this test mounts a 64 KiB tmpfs and needs root (mount failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()})`);
  }
  t.teardown(() => execFileSync('umount', [dir]));
  return dir;
}

/** Fills the file system up to `keep` bytes free. */
function fill(dir: string, keep: number): void {
  const st = fs.statfsSync(dir);
  const free = Number(st.bavail) * Number(st.bsize);
  if (free > keep) writeFileSync(join(dir, 'filler'), Buffer.alloc(free - keep, 0x61));
}

const dirEntries = (dir: string) => readdirSync(dir).filter((f) => f !== 'filler').sort();

t.test('a full tmpfs: the write fails with ENOSPC, the old report stays, no temporary file', async (t) => {
  const dir = smallFs(t);
  const file = join(dir, 'report.json');
  writeFileSync(file, 'the previous report\n');
  const big = 'x'.repeat(200 * 1024);
  t.throws(() => writeAtomically(file, big), { name: 'ReportWriteError', code: 'ENOSPC', message: /cannot write ".*report\.json": ENOSPC: no space left on the device .*\(the file is unchanged\)/ });
  t.equal(readFileSync(file, 'utf8'), 'the previous report\n', 'the target is as it was');
  t.same(dirEntries(dir), ['report.json'], 'the temporary file is removed');
  // what fits is written whole
  writeAtomically(file, 'y'.repeat(20 * 1024));
  t.equal(readFileSync(file, 'utf8'), 'y'.repeat(20 * 1024));
  t.same(dirEntries(dir), ['report.json']);
});

t.test('a full tmpfs through the CLI: exit 3, one line on stderr, no truncated report', async (t) => {
  const dir = smallFs(t);
  const P = new URL('../fixtures/policies/', import.meta.url).pathname;
  const out = join(dir, 'explain.json');
  fill(dir, 0);
  const r = await runCli([
    'explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::corp-backups/db/x.bin',
    '--principal', 'arn:aws:sts::111122223333:assumed-role/backup/nightly', '--role-arn', 'arn:aws:iam::111122223333:role/backup',
    '--identity-policy', `${P}role-backup.json`, '--context', 'aws:SourceIp=203.0.113.9', '--format', 'json', '--output', out,
  ]);
  t.equal(r.code, EXIT.incomplete, 'exit 3, although the request is allowed (exit 0 with the report written)');
  t.match(r.stderr, /^backup-canary: cannot write ".*explain\.json": ENOSPC: no space left on the device .*\(the file is unchanged\)\n$/);
  t.same(dirEntries(dir), [], 'no report, no temporary file');
  t.equal(r.stdout, '', 'nothing on standard output either');
});

t.test('emitReports: a report that does not fit is refused, the others are still written', async (t) => {
  const dir = smallFs(t);
  const big = join(dir, 'run.json');
  const other = join(tempDir(t, 'other'), 'run.prom');
  writeFileSync(big, 'previous\n');
  fill(dir, 4096);
  let stdout = '';
  let stderr = '';
  const io = { stdout: (s: string) => void (stdout += s), stderr: (s: string) => void (stderr += s), env: {}, stdoutIsTTY: false };
  const input = runInput();
  const ok = emitReports([{ format: 'json', file: big }, { format: 'prometheus', file: other }, { format: 'text', file: null }], input, io);
  t.equal(ok, false);
  t.equal(readFileSync(big, 'utf8'), 'previous\n', 'the JSON report is unchanged');
  t.match(readFileSync(other, 'utf8'), /^# HELP backup_canary_/m, 'the Prometheus file on another file system is written');
  t.match(stdout, /Run of 5 targets/, 'standard output gets its report');
  t.match(stderr, /cannot write ".*run\.json": ENOSPC/);
  t.same(dirEntries(dir), ['run.json']);
  t.equal(afterWriteFailure(EXIT.ok), EXIT.incomplete);
  t.equal(afterWriteFailure(EXIT.failed), EXIT.incomplete, 'a failed verdict whose report is lost: could not complete');
  t.equal(afterWriteFailure(EXIT.incomplete), EXIT.incomplete);
  t.equal(afterWriteFailure(EXIT.sigterm), EXIT.sigterm, 'an interrupted run keeps its signal code');
});

t.test('short writes are continued until every byte is written', async (t) => {
  const dir = tempDir(t, 'short');
  const file = join(dir, 'r.txt');
  const text = `${'0123456789'.repeat(5000)}é\n`;
  let calls = 0;
  const short: WriterFs = { ...realFs, writeSync: (fd, b, o, l) => (calls++, fs.writeSync(fd, b, o, Math.min(l, 777))) };
  writeAtomically(file, text, 0o644, short);
  t.equal(readFileSync(file, 'utf8'), text);
  t.ok(calls > 60, `written in ${calls} short writes`);
});

t.test('faults: no progress, EDQUOT, EIO on fsync, rename failure: target unchanged, temporary removed', async (t) => {
  const dir = tempDir(t, 'faults');
  const file = join(dir, 'r.txt');
  const fault = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
  const cases: [string, Partial<WriterFs>, RegExp][] = [
    ['a write that makes no progress', { writeSync: (fd, b, o, l) => (o === 0 ? fs.writeSync(fd, b, o, Math.min(l, 10)) : 0) }, /ENOSPC: no space left on the device \(short write: 10 of \d+ bytes written\)/],
    ['EDQUOT', { writeSync: () => { throw fault('EDQUOT'); } }, /EDQUOT: disk quota exceeded/],
    ['EIO on fsync', { fsyncSync: () => { throw fault('EIO'); } }, /EIO: input\/output error/],
    ['ENOSPC on close (NFS)', { closeSync: (fd) => { fs.closeSync(fd); throw fault('ENOSPC'); } }, /ENOSPC/],
    ['rename refused', { renameSync: () => { throw fault('EACCES'); } }, /EACCES: injected/],
  ];
  for (const [name, f, re] of cases) {
    writeFileSync(file, 'old\n');
    t.throws(() => writeAtomically(file, 'new content\n'.repeat(100), 0o644, { ...realFs, ...f }), { name: 'ReportWriteError', message: re }, name);
    t.equal(readFileSync(file, 'utf8'), 'old\n', `${name}: the target is unchanged`);
    t.same(readdirSync(dir), ['r.txt'], `${name}: no temporary file left`);
  }
});

t.test('the temporary file is created exclusively: a planted file or symlink is refused, never followed', async (t) => {
  const dir = tempDir(t, 'excl');
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'do not touch\n');
  const file = join(dir, 'r.txt');
  const names: string[] = [];
  // an attacker wins the race for the first name: a symlink to the victim, then a regular file
  const racing: WriterFs = {
    ...realFs,
    openSync: (p, flags, mode) => {
      names.push(p);
      if (names.length === 1) symlinkSync(victim, p);
      if (names.length === 2) writeFileSync(p, 'planted\n');
      return fs.openSync(p, flags, mode);
    },
  };
  writeAtomically(file, 'report\n', 0o644, racing);
  t.equal(readFileSync(file, 'utf8'), 'report\n');
  t.equal(readFileSync(victim, 'utf8'), 'do not touch\n', 'the symlink was not followed');
  t.equal(readFileSync(names[1]!, 'utf8'), 'planted\n', 'the planted file was not truncated or reused');
  t.equal(new Set(names).size, 3, 'three different random names');
  t.ok(names.every((n) => /\/\.r\.txt\.[0-9a-f]{16}\.tmp$/.test(n)), 'hidden, random, .tmp');
  t.equal(fs.lstatSync(names[0]!).isSymbolicLink(), true, 'the planted symlink is left alone (not ours to remove)');
  // a directory where the temporary name would go, every time: refused after a few names
  const always: WriterFs = { ...realFs, openSync: (p) => { mkdirSync(p); return fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL); } };
  t.throws(() => writeAtomically(join(dir, 'x.txt'), 'x', 0o644, always), ReportWriteError);
});
