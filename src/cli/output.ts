// Where reports go: `--format F [--output FILE]` pairs, by position (the first --output belongs to the
// first --format, ...); a format without a file goes to standard output, at most one of them.
// Files are checked before any request and written by the one atomic writer (src/report/write.ts).
// A report that cannot be written is said on standard error; the command then exits 3 (or with its
// own worse code), and the other reports are still written.

import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EXIT, UsageError } from '../core/model.js';
import { own } from '../core/own.js';
import { FORMATS, type ReportInput } from '../report/index.js';
import { outputStyle, styled } from '../report/style.js';
import { ReportWriteError, writeAtomically } from '../report/write.js';
import type { Io } from './io.js';

export interface OutputSpec {
  format: string;
  file: string | null;
}

export function checkWritable(file: string): void {
  const path = resolve(file);
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(path);
  } catch {
    // a new file: its directory decides
  }
  if (existing && !existing.isFile()) throw new UsageError(`--output: "${path}" exists and is not a regular file`);
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`--output: cannot write to directory "${dir}"`);
  }
}

export function parseOutputs(formats: string[] | string, outputs: string[] | string | undefined): OutputSpec[] {
  const f = ([] as string[]).concat(formats);
  const o = ([] as string[]).concat(outputs ?? []);
  if (o.length > f.length) {
    // One --format and its --output given in the other order is still one pair.
    if (f.length === 1 && o.length === 1) return [{ format: f[0]!, file: o[0]! }];
    throw new UsageError(`--output: ${o.length} files for ${f.length} formats (pair each --output with a --format)`);
  }
  const specs = f.map((format, i) => ({ format, file: o[i] ?? null }));
  for (const s of specs) {
    if (!own(FORMATS, s.format)) throw new UsageError(`--format: "${s.format}" is not supported (supported: ${Object.keys(FORMATS).join(', ')})`);
    if (s.file) checkWritable(s.file);
  }
  if (specs.filter((s) => !s.file).length > 1) throw new UsageError('--format: only one format can go to standard output; give the others an --output FILE');
  const files = specs.filter((s) => s.file).map((s) => resolve(s.file!));
  if (new Set(files).size !== files.length) throw new UsageError('--output: the same file is named twice');
  return specs;
}

/** How the text report on standard output looks: --color/--no-color, --quiet. */
export interface View {
  color?: boolean;
  quiet?: boolean;
}

/** Renders and writes every report; false when one could not be written (said on standard error). */
export function emitReports(specs: OutputSpec[], input: ReportInput, io: Io, view: View = {}): boolean {
  let ok = true;
  // colour and symbols (src/report/style.ts): colour only on standard output; ASCII outside UTF-8 locales
  const style = outputStyle(io.env, io.stdoutIsTTY, view.color);
  for (const s of specs) {
    const color = !s.file && s.format === 'text' && style.color;
    const previous = s.file && s.format === 'prometheus' ? readIfExists(s.file) : undefined;
    let text = FORMATS[s.format]!(input, { color, ...(previous !== undefined ? { previous } : {}) });
    if (s.format === 'text') {
      if (!s.file && view.quiet) text = verdictLine(text, input);
      text = styled(text, style);
    }
    if (s.file) ok = writeOutput(s.file, text, io) && ok;
    else io.stdout(text);
  }
  return ok;
}

/** --quiet: the text report's last line (the verdict); for a run that passed, nothing. */
function verdictLine(text: string, input: ReportInput): string {
  if (input.kind === 'run' && input.verdict === 'pass') return '';
  const last = text.trimEnd().split('\n').pop() ?? '';
  return `${last}\n`;
}

/** Writes one output file; false (and why, on standard error) when it could not be written. */
export function writeOutput(file: string, text: string, io: Io): boolean {
  try {
    writeAtomically(file, text);
    return true;
  } catch (e) {
    if (!(e instanceof ReportWriteError)) throw e;
    io.stderr(`backup-canary: ${e.message}\n`);
    return false;
  }
}

/** The exit code when a report could not be written: 3 (could not complete), or the command's worse one. */
export function afterWriteFailure(code: number): number {
  return code === EXIT.ok || code === EXIT.failed ? EXIT.incomplete : code;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
