// Writing a report so that a reader never sees half of it and a crash never leaves an empty file:
// a temporary file in the same directory (same file system, so rename is atomic), fsync, rename
// over the target, fsync of the directory (so the rename itself is durable).
//
// The temporary name starts with `.` and ends with `.tmp`: node_exporter's textfile collector reads
// only `*.prom`, and shell globs skip dot files, so nobody picks up the file being written.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export function writeAtomically(path: string, text: string, mode = 0o644): void {
  const target = resolve(path);
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      const bytes = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never written: nothing to remove
    }
    throw e;
  }
  syncDirectory(dir);
}

/** Make the rename durable. Some platforms and file systems cannot fsync a directory: best effort. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // EISDIR/EINVAL/EPERM on platforms without directory fsync: the file itself is already synced
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
