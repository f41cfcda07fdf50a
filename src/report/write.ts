// The one writer of report files (every command's --output): a reader never sees half a report, a
// full disk never leaves a truncated one, and a crash never leaves an empty file.
//
// A temporary file in the same directory (same file system, so rename is atomic) with a random name,
// created with O_CREAT|O_EXCL|O_NOFOLLOW (an existing file or symlink planted at that name is refused,
// never followed or truncated); every byte written (short writes continue where they stopped); fsync;
// rename over the target; fsync of the directory (so the rename itself is durable). Any failure on
// the way — ENOSPC, EDQUOT, EIO, a short write that makes no progress — removes the temporary file,
// leaves the target as it was, and throws a ReportWriteError saying which file and why.
//
// The temporary name starts with `.` and ends with `.tmp`: node_exporter's textfile collector reads
// only `*.prom`, and shell globs skip dot files, so nobody picks up the file being written.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const { constants } = fs;

/** The file-system calls the writer makes (a test may pass one that fails or writes short). */
export interface WriterFs {
  openSync(path: string, flags: number, mode: number): number;
  writeSync(fd: number, buffer: Buffer, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

const realFs: WriterFs = {
  openSync: (p, f, m) => fs.openSync(p, f, m),
  writeSync: (fd, b, o, l) => fs.writeSync(fd, b, o, l),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (a, b) => fs.renameSync(a, b),
  unlinkSync: (p) => fs.unlinkSync(p),
};

/** A report that could not be written; the target file is unchanged. `code` is the errno name. */
export class ReportWriteError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    detail: string,
  ) {
    super(`cannot write "${file}": ${detail} (the file is unchanged)`);
    this.name = 'ReportWriteError';
  }
}

const EXCL = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
const WHY: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
};

export function writeAtomically(path: string, text: string, mode = 0o644, io: WriterFs = realFs): void {
  const target = resolve(path);
  const dir = dirname(target);
  const bytes = Buffer.from(text, 'utf8');
  const { fd, tmp } = createTemporary(dir, basename(target), mode, io, target);
  try {
    try {
      let off = 0;
      while (off < bytes.length) {
        const n = io.writeSync(fd, bytes, off, bytes.length - off);
        // write(2) returns 0 only when it cannot go on; a loop on it would never end
        if (!(n > 0)) throw Object.assign(new Error(`short write: ${off} of ${bytes.length} bytes written`), { code: 'ENOSPC' });
        off += n;
      }
      io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
    io.renameSync(tmp, target);
  } catch (e) {
    try {
      io.unlinkSync(tmp);
    } catch {
      // already renamed: nothing to remove
    }
    throw writeError(target, e);
  }
  syncDirectory(dir);
}

function createTemporary(dir: string, base: string, mode: number, io: WriterFs, target: string): { fd: number; tmp: string } {
  for (let attempt = 0; ; attempt++) {
    const tmp = join(dir, `.${base}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      return { fd: io.openSync(tmp, EXCL, mode), tmp };
    } catch (e) {
      // a name taken by someone else's file or symlink is never reused; another random name is tried
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 4) continue;
      throw writeError(target, e);
    }
  }
}

function writeError(target: string, e: unknown): ReportWriteError {
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  const message = e instanceof Error ? e.message : String(e);
  const why = Object.hasOwn(WHY, code) ? WHY[code] : undefined;
  return new ReportWriteError(target, code, why ? `${code}: ${why} (${message})` : message.startsWith(code) ? message : `${code}: ${message}`);
}

/** Make the rename durable. Some platforms and file systems cannot fsync a directory: best effort. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // EISDIR/EINVAL/EPERM on platforms without directory fsync: the file itself is already synced
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
