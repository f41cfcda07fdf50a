// YAML input (run files, probe definitions) read within limits, before the yaml library builds a
// document: the file's size (stat, and a bounded read for pipes and devices), the length of each value
// and the nesting depth. A deeply nested file makes the parser run out of stack or memory, and one
// 9 MiB value grows to hundreds of MB of document; both are refused with the file and line instead.
// The limits are far above what a real file needs (a run file nests 3 levels, a definition 3).

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CST, LineCounter, Lexer, parseDocument, type Document } from 'yaml';
import { UsageError } from './model.js';

export interface YamlLimits {
  /** What the file is, for messages: `run file`, `probe definition`. */
  what: string;
  maxBytes: number;
  /** Longest scalar (one value or key), in characters. */
  maxValue?: number;
  /** Deepest nesting of mappings and sequences (block and flow). As for policy files: 64. */
  maxDepth?: number;
}

export const MAX_YAML_DEPTH = 64;
export const MAX_YAML_VALUE = 64 * 1024;

/** The file's text, refused unread when larger than maxBytes (at most maxBytes + 1 bytes are read). */
export function readYamlFile(file: string, l: YamlLimits): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new UsageError(`${file}: cannot read the ${l.what} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UsageError(`${file}: the ${l.what} is not a regular file`);
    if (st.isFile() && st.size > l.maxBytes) throw new UsageError(`${file}: the ${l.what} has ${st.size} bytes; at most ${l.maxBytes}`);
    const buf = Buffer.allocUnsafe(Math.min(l.maxBytes, st.isFile() ? st.size : l.maxBytes) + 1);
    let len = 0;
    for (;;) {
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
      if (len > l.maxBytes) throw new UsageError(`${file}: the ${l.what} has more than ${l.maxBytes} bytes; at most ${l.maxBytes}`);
      if (len === buf.length) break;
    }
    return buf.subarray(0, len).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuses text whose nesting or values exceed the limits, naming the line; reads only tokens (the
 * lexer is linear and keeps no tree). Block nesting is counted from indentation, flow nesting from
 * brackets.
 */
export function checkYamlLimits(text: string, file: string, l: YamlLimits): void {
  const maxDepth = l.maxDepth ?? MAX_YAML_DEPTH;
  const maxValue = l.maxValue ?? MAX_YAML_VALUE;
  if (text.length > l.maxBytes) throw new UsageError(`${file}: the ${l.what} has ${text.length} characters; at most ${l.maxBytes}`);
  let line = 1;
  let col = 0;
  let flow = 0;
  let lineStart = true;
  let valueNext = false;
  const block: number[] = [];
  const tooDeep = () => {
    throw new UsageError(`${file}:${line}: the ${l.what} nests mappings and sequences more than ${maxDepth} levels deep`);
  };
  for (const tok of new Lexer().lex(text)) {
    const type = CST.tokenType(tok);
    if (valueNext || type === 'single-quoted-scalar' || type === 'double-quoted-scalar') {
      if (tok.length > maxValue) throw new UsageError(`${file}:${line}: a value of ${tok.length} characters; at most ${maxValue} in a ${l.what}`);
    }
    const isValue = valueNext;
    valueNext = type === 'scalar';
    if (type === 'scalar' || type === 'doc-mode') {
      // markers without text
    } else if (type === 'newline') {
      lineStart = true;
    } else if (type === 'space' && !isValue) {
      // indentation or separation
    } else if (type === 'comment') {
      // a comment line does not open a level
    } else if (flow === 0 && (lineStart || type === 'seq-item-ind' || type === 'explicit-key-ind')) {
      // a line's first content, or one more `- ` on it (`- - x`): a block level at this column
      if (lineStart) while (block.length && block[block.length - 1]! >= col) block.pop();
      if (!lineStart || block[block.length - 1] !== col) block.push(col);
      lineStart = false;
      if (block.length > maxDepth) tooDeep();
    }
    if (!isValue && (type === 'flow-seq-start' || type === 'flow-map-start')) {
      flow++;
      if (block.length + flow > maxDepth) tooDeep();
    } else if (!isValue && (type === 'flow-seq-end' || type === 'flow-map-end')) {
      flow = Math.max(0, flow - 1);
    }
    // the lexer's markers (document start, scalar follows, flow error end) take no place on the line
    if (type === 'doc-mode' || type === 'scalar' || type === 'flow-error-end') continue;
    const nl = tok.lastIndexOf('\n');
    if (nl === -1) col += tok.length;
    else {
      for (let i = tok.indexOf('\n'); i !== -1; i = tok.indexOf('\n', i + 1)) line++;
      col = tok.length - nl - 1;
    }
  }
}

/** Checked, then parsed: the document and its line counter (for file:line messages). */
export function parseYaml(text: string, file: string, l: YamlLimits): { doc: Document; lc: LineCounter } {
  checkYamlLimits(text, file, l);
  const lc = new LineCounter();
  return { doc: parseDocument(text, { lineCounter: lc, prettyErrors: true }), lc };
}
