// Values yargs would let through silently, refused before any handler runs (so before any request):
// a string or number flag given without its value (`--format --verbose`, `--region=`), negated
// (`--no-bucket` makes a string `false`), or words after `--` (no command takes positional words
// there). One rule for every command, read from the command's own option declarations.

import type { Argv } from 'yargs';
import { UsageError } from '../core/model.js';

/** The part of yargs' option table this check reads (`Argv#getOptions()`). */
interface OptionTable {
  string: string[];
  number: string[];
  key: Record<string, unknown>;
  default: Record<string, unknown>;
}

const NUMBER_LITERAL = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Throws a UsageError naming the first bad flag. `tokens` are the raw arguments after the command
 * name; `argv` is what yargs parsed from them.
 */
export function checkValues(tokens: readonly string[], argv: Record<string, unknown>, y: Argv): void {
  const o = (y as unknown as { getOptions(): OptionTable }).getOptions();
  const valued = new Set([...o.string, ...o.number]);
  const numeric = new Set(o.number);
  const end = tokens.indexOf('--');
  const flags = end === -1 ? tokens : tokens.slice(0, end);

  // `--flag` followed by nothing or by another flag: yargs keeps the default for arrays and numbers.
  for (let i = 0; i < flags.length; i++) {
    // `--flag=` (empty): yargs drops it from an array that has other values
    const eq = /^--([^=]+)=$/.exec(flags[i]!);
    if (eq && valued.has(eq[1]!) && o.default[eq[1]!] !== '') throw new UsageError(`--${eq[1]} needs a value`);
    const m = /^--([^=]+)$/.exec(flags[i]!);
    if (!m || !valued.has(m[1]!)) continue;
    const next = flags[i + 1];
    const isValue = next !== undefined && (!next.startsWith('-') || next === '-' || (numeric.has(m[1]!) && NUMBER_LITERAL.test(next)));
    if (!isValue) throw new UsageError(`--${m[1]} needs a value`);
  }

  for (const name of valued) {
    if (!Object.hasOwn(argv, name)) continue;
    const values = ([] as unknown[]).concat(argv[name]);
    // `--no-<string flag>`: yargs-parser's boolean negation turns the value into false
    if (values.includes(false)) throw new UsageError(`--${name} needs a value (--no-${name} is not an option)`);
    // `--flag=` (empty): refused unless empty is the flag's documented default (such as --prefix)
    const emptyMeans = o.default[name] === '';
    if (!emptyMeans && (values.length === 0 || values.some((v) => v === ''))) throw new UsageError(`--${name} needs a value`);
  }

  if (end !== -1 && end < tokens.length - 1) {
    const words = tokens.slice(end + 1).map((w) => JSON.stringify(w.length > 60 ? `${w.slice(0, 60)}…` : w));
    throw new UsageError(`unexpected arguments after --: ${words.join(' ')} (this command takes no positional arguments there)`);
  }
}
