// Policy variables ("IAM policy elements: Variables and tags"):
//   ${aws:username}                 replaced with the request's single value for the key
//   ${aws:username, 'fallback'}     default when the key has no value ('' inside the quotes is one ')
//   ${*} ${?} ${$}                  a literal *, ? or $ (so * and ? are not wildcards)
// Key names are case-insensitive, defaults case-sensitive, spaces around either are ignored.
// A key that is absent or multivalued has no value: without a default the text cannot match
// anything ("policy variables with no value"). Substitution is one pass: a default that itself
// looks like a variable stays literal. Only policies with Version 2012-10-17 have variables.
// A `${` that does not form a valid variable is kept as literal text.

import type { Pattern, Token } from './match.js';

export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'special'; char: '*' | '?' | '$' }
  | { kind: 'var'; key: string; default?: string; raw: string };

export interface Template {
  raw: string;
  parts: TemplatePart[];
  hasVariables: boolean;
}

export function parseTemplate(raw: string, variablesEnabled: boolean): Template {
  if (!variablesEnabled || !raw.includes('${')) {
    return { raw, parts: [{ kind: 'text', text: raw }], hasVariables: false };
  }
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  let hasVariables = false;
  while (i < raw.length) {
    if (raw.startsWith('${', i)) {
      const parsed = parseVariable(raw, i);
      if (parsed) {
        if (text) parts.push({ kind: 'text', text });
        text = '';
        parts.push(parsed.part);
        if (parsed.part.kind === 'var') hasVariables = true;
        i = parsed.end;
        continue;
      }
    }
    text += raw[i];
    i++;
  }
  if (text) parts.push({ kind: 'text', text });
  return { raw, parts, hasVariables: hasVariables || parts.some((p) => p.kind === 'special') };
}

function parseVariable(raw: string, start: number): { part: TemplatePart; end: number } | null {
  let i = start + 2;
  let name = '';
  while (i < raw.length && raw[i] !== '}' && raw[i] !== ',') name += raw[i++];
  if (i >= raw.length) return null;
  const key = name.trim();
  if (!key) return null;
  if (raw[i] === '}') {
    const end = i + 1;
    if (key === '*' || key === '?' || key === '$') return { part: { kind: 'special', char: key }, end };
    if (/\s/.test(key)) return null;
    return { part: { kind: 'var', key, raw: raw.slice(start, end) }, end };
  }
  // default value: , 'text'
  i++;
  while (raw[i] === ' ') i++;
  if (raw[i] !== "'") return null;
  i++;
  let def = '';
  for (;;) {
    if (i >= raw.length) return null;
    if (raw[i] === "'") {
      if (raw[i + 1] === "'") {
        def += "'";
        i += 2;
        continue;
      }
      i++;
      break;
    }
    def += raw[i++];
  }
  while (raw[i] === ' ') i++;
  if (raw[i] !== '}') return null;
  if (/\s/.test(key)) return null;
  const end = i + 1;
  return { part: { kind: 'var', key, default: def, raw: raw.slice(start, end) }, end };
}

/** What a context key looks like to the evaluator. */
export type Lookup =
  | { state: 'present'; values: string[] }
  | { state: 'absent' }
  | { state: 'undetermined' };

export type Resolved =
  | { kind: 'ok'; pattern: Pattern; text: string }
  /** A variable had no value and no default: the text matches nothing. */
  | { kind: 'unresolved'; keys: string[]; text: string }
  | { kind: 'undetermined'; keys: string[]; text: string };

/**
 * Substitute variables. Text parts become wildcard tokens when `wildcards` is true (StringLike,
 * ArnLike, Resource); substituted values and `${*}`/`${?}` are always literal characters.
 */
export function resolveTemplate(tpl: Template, lookup: (key: string) => Lookup, wildcards: boolean): Resolved {
  const pattern: Token[] = [];
  const unresolved: string[] = [];
  const undetermined: string[] = [];
  let display = '';
  const pushLiteral = (s: string) => {
    for (const c of s) pattern.push({ t: 'lit', c });
    display += s;
  };
  for (const part of tpl.parts) {
    if (part.kind === 'text') {
      for (const c of part.text) {
        if (wildcards && c === '*') pattern.push({ t: 'star' });
        else if (wildcards && c === '?') pattern.push({ t: 'q' });
        else pattern.push({ t: 'lit', c });
      }
      display += part.text;
    } else if (part.kind === 'special') {
      pushLiteral(part.char);
    } else {
      const found = lookup(part.key);
      if (found.state === 'present' && found.values.length === 1) {
        pushLiteral(found.values[0]!);
      } else if (found.state === 'undetermined') {
        undetermined.push(part.key);
        display += part.raw;
      } else if (part.default !== undefined) {
        pushLiteral(part.default);
      } else {
        unresolved.push(part.key);
        display += part.raw;
      }
    }
  }
  // a variable with no value makes the text unmatchable whatever the undetermined ones turn out to be
  if (unresolved.length) return { kind: 'unresolved', keys: unresolved, text: display };
  if (undetermined.length) return { kind: 'undetermined', keys: undetermined, text: display };
  return { kind: 'ok', pattern, text: display };
}
