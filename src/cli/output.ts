// Writing reports to files: checked before the probe runs, written atomically (temp file, rename),
// so a reader (a pipeline step, a textfile collector) never sees half a report.

import { accessSync, constants, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/model.js';

export function checkWritable(file: string): void {
  const dir = dirname(resolve(file));
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`--output: cannot write to directory "${dir}"`);
  }
}

export function writeReport(file: string, content: string): void {
  const path = resolve(file);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, content, { mode: 0o644 });
  renameSync(tmp, path);
}
