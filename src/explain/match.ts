// Wildcard matching for actions, resources and ARN condition values.
//
// A pattern is a list of tokens so that policy variables can put literal `*`/`?` characters
// (`${*}`, `${?}`) next to real wildcards. Actions match case-insensitively; resources and ARNs
// case-sensitively, one colon-separated segment at a time, as the IAM "Resource" element page
// documents: a `*` at the end of a segment may run past the segment's colons.

export type Token = { t: 'lit'; c: string } | { t: 'star' } | { t: 'q' };
export type Pattern = Token[];

const compiled = new Map<string, Pattern>();

/** Compile a plain string where `*` and `?` are wildcards. */
export function compile(text: string): Pattern {
  let p = compiled.get(text);
  if (!p) {
    p = [];
    for (const c of text) {
      if (c === '*') p.push({ t: 'star' });
      else if (c === '?') p.push({ t: 'q' });
      else p.push({ t: 'lit', c });
    }
    compiled.set(text, p);
  }
  return p;
}

/** A pattern that matches exactly `text`, wildcard characters included. */
export function literal(text: string): Pattern {
  return Array.from(text, (c) => ({ t: 'lit', c }) as Token);
}

export function patternText(p: Pattern): string {
  return p.map((tok) => (tok.t === 'lit' ? tok.c : tok.t === 'star' ? '*' : '?')).join('');
}

export function hasWildcard(p: Pattern): boolean {
  return p.some((tok) => tok.t !== 'lit');
}

/** Glob match of a whole string. Iterative with single-star backtracking: linear in practice. */
export function globMatch(pattern: Pattern, value: string, ignoreCase = false): boolean {
  const v = Array.from(ignoreCase ? value.toLowerCase() : value);
  let pi = 0;
  let vi = 0;
  let starP = -1;
  let starV = 0;
  while (vi < v.length) {
    const tok = pattern[pi];
    if (tok && tok.t === 'star') {
      starP = pi++;
      starV = vi;
      continue;
    }
    if (tok && (tok.t === 'q' || (ignoreCase ? tok.c.toLowerCase() : tok.c) === v[vi])) {
      pi++;
      vi++;
      continue;
    }
    if (starP >= 0) {
      pi = starP + 1;
      vi = ++starV;
      continue;
    }
    return false;
  }
  while (pattern[pi]?.t === 'star') pi++;
  return pi === pattern.length;
}

/** Action names (`service:Action`) match case-insensitively with wildcards. */
export function matchAction(pattern: string, action: string): boolean {
  return globMatch(compile(pattern), action, true);
}

/** Number of colon-separated parts before the free-form resource part: `arn:` has 6, Alibaba `acs:` 5. */
function segmentCount(first: string): number {
  return first === 'acs' ? 5 : 6;
}

function splitValue(value: string, n: number): string[] {
  const parts: string[] = [];
  let rest = value;
  for (let i = 0; i < n - 1; i++) {
    const at = rest.indexOf(':');
    if (at < 0) break;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}

function splitPattern(p: Pattern, n: number): Pattern[] {
  const parts: Pattern[] = [[]];
  for (const tok of p) {
    if (tok.t === 'lit' && tok.c === ':' && parts.length < n) parts.push([]);
    else parts[parts.length - 1]!.push(tok);
  }
  return parts;
}

function join(parts: Pattern[]): Pattern {
  const out: Pattern = [];
  parts.forEach((part, i) => {
    if (i > 0) out.push({ t: 'lit', c: ':' });
    out.push(...part);
  });
  return out;
}

/**
 * ARN match: each colon-delimited segment is matched separately (case-sensitive) so `*` in the
 * region cannot swallow the account; a `*` that ends a segment may expand beyond the colon.
 * Empty segments match empty segments (RGW's `arn:aws:s3:::bucket/key`, `arn:aws:iam:::role/R`).
 */
export function matchArn(pattern: Pattern, value: string): boolean {
  if (pattern.length === 1 && pattern[0]!.t === 'star') return true;
  const first = pattern[0]?.t === 'lit' ? patternText(pattern.slice(0, 3)) : '';
  const n = segmentCount(first);
  const ps = splitPattern(pattern, n);
  const vs = splitValue(value, n);
  for (let i = 0; i < ps.length; i++) {
    const seg = ps[i]!;
    const isLast = i === ps.length - 1;
    if (isLast) {
      if (i === vs.length - 1) return globMatch(seg, vs[i]!);
      // fewer pattern segments than value segments: only a trailing `*` can reach further
      return seg[seg.length - 1]?.t === 'star' && globMatch(seg, vs.slice(i).join(':'));
    }
    if (i >= vs.length) return false;
    if (globMatch(seg, vs[i]!)) continue;
    if (seg[seg.length - 1]?.t === 'star') return globMatch(join(ps.slice(i)), vs.slice(i).join(':'));
    return false;
  }
  return false;
}

/** Parsed ARN of a principal. */
export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
  /** `arn` or `acs`. */
  scheme: string;
}

export function parseArn(text: string): ArnParts | null {
  if (text.startsWith('arn:')) {
    const p = splitValue(text, 6);
    if (p.length < 6) return null;
    return { scheme: 'arn', partition: p[1]!, service: p[2]!, region: p[3]!, account: p[4]!, resource: p[5]! };
  }
  if (text.startsWith('acs:')) {
    const p = splitValue(text, 5);
    if (p.length < 5) return null;
    return { scheme: 'acs', partition: 'acs', service: p[1]!, region: p[2]!, account: p[3]!, resource: p[4]! };
  }
  return null;
}
