// Condition evaluation ("IAM JSON policy elements: Condition operators", "Conditions with multiple
// context keys or values", "Multivalued context keys"):
// - operators in a block, and keys under one operator, are ANDed;
// - several policy values for one key are ORed; for a negated operator (StringNotEquals, NotIpAddress,
//   ArnNotLike, ...) they are NORed: true only when the request value matches none of them;
// - a key missing from the request makes a condition false, except that negated operators are
//   then true, ...IfExists is true, ForAllValues is true, and Null tests presence itself;
// - ForAnyValue: at least one request value matches (false when the key is missing or empty);
//   ForAllValues: every request value matches (true when the key is missing or empty);
// - a key whose value cannot be known makes the condition undetermined, never guessed.

import { ipValueContains, parseIpValue } from './ip.js';
import { globMatch, matchArn, type Pattern, patternText } from './match.js';
import { type ParsedCondition, parseBool, parseDate, parseNumber } from './policy.js';
import { U, and3, not3, or3 } from './tri.js';
import type { ConditionResult, Tri } from './types.js';
import { type Lookup, type Resolved, resolveTemplate } from './variables.js';

type Compare = (requestValue: string, policy: Pattern) => boolean;

function comparator(base: ParsedCondition['base']): Compare {
  switch (base) {
    case 'StringEquals':
      return (v, p) => v === patternText(p);
    case 'StringEqualsIgnoreCase':
      return (v, p) => v.toLowerCase() === patternText(p).toLowerCase();
    case 'StringLike':
      return (v, p) => globMatch(p, v);
    case 'ArnLike':
      return (v, p) => matchArn(p, v);
    case 'Bool':
      return (v, p) => {
        const a = parseBool(v);
        return a !== null && a === parseBool(patternText(p));
      };
    case 'BinaryEquals':
      return (v, p) => Buffer.from(v, 'base64').equals(Buffer.from(patternText(p), 'base64'));
    case 'IpAddress':
      // wildcard values (acs:SourceIp 192.168.*) only get past the parser in a dialect that documents them
      return (v, p) => {
        const ip = parseIpValue(patternText(p), true);
        return ip !== null && ipValueContains(ip, v);
      };
    default:
      break;
  }
  if (base.startsWith('Numeric')) {
    const rel = relation(base.slice('Numeric'.length));
    return (v, p) => {
      const a = parseNumber(v);
      const b = parseNumber(patternText(p));
      return a !== null && b !== null && rel(a, b);
    };
  }
  const rel = relation(base.slice('Date'.length));
  return (v, p) => {
    const a = parseDate(v);
    const b = parseDate(patternText(p));
    return a !== null && b !== null && rel(a, b);
  };
}

function relation(name: string): (a: number, b: number) => boolean {
  switch (name) {
    case 'Equals':
      return (a, b) => a === b;
    case 'LessThan':
      return (a, b) => a < b;
    case 'LessThanEquals':
      return (a, b) => a <= b;
    case 'GreaterThan':
      return (a, b) => a > b;
    default:
      return (a, b) => a >= b;
  }
}

const WILDCARD_BASES = new Set(['StringLike', 'ArnLike']);

export interface ConditionOptions {
  /** The store does not support this key: the condition never matches. */
  unsupported?: (key: string) => boolean;
  /** A negated operator on a missing key never matches (Ceph RGW). */
  negatedMissingNeverMatches?: boolean;
}

export function evaluateCondition(cond: ParsedCondition, lookup: (key: string) => Lookup, opts: ConditionOptions = {}): ConditionResult {
  if (opts.unsupported?.(cond.key)) {
    return {
      operator: cond.operator,
      key: cond.key,
      policyValues: cond.values.map((t) => t.raw),
      requestValues: null,
      result: false,
      note: `${cond.key} is not supported by this store: the condition never matches`,
    };
  }
  const found = lookup(cond.key);
  const resolved: Resolved[] = cond.values.map((t) => resolveTemplate(t, lookup, WILDCARD_BASES.has(cond.base)));
  const policyValues = resolved.map((r) => r.text);
  const base = { operator: cond.operator, key: cond.key, policyValues };
  if (found.state === 'undetermined') {
    return {
      ...base,
      requestValues: 'undetermined',
      result: U,
      note: `${cond.key} cannot be known without the real request`,
      undeterminedKeys: [cond.key],
    };
  }
  const requestValues = found.state === 'present' ? found.values : null;

  if (cond.base === 'Null') {
    const present = found.state === 'present' && found.values.length > 0;
    const result = or3(resolved.map((r) => (r.kind === 'ok' ? parseBool(r.text) === !present : false)));
    return { ...base, requestValues, result, note: present ? 'key present' : 'key absent' };
  }

  if (!requestValues || requestValues.length === 0) {
    let result: boolean;
    let note: string;
    if (cond.ifExists) {
      result = true;
      note = 'key absent: ...IfExists is true';
    } else if (cond.set === 'ForAllValues') {
      result = true;
      note = 'key absent or empty: ForAllValues is true';
    } else if (cond.set === 'ForAnyValue') {
      result = false;
      note = 'key absent or empty: ForAnyValue is false';
    } else if (cond.negated && opts.negatedMissingNeverMatches) {
      result = false;
      note = 'key absent: this store never matches a negated operator on a missing key';
    } else if (cond.negated) {
      result = true;
      note = 'key absent: a negated operator is true';
    } else {
      result = false;
      note = 'key absent: no value to match';
    }
    return { ...base, requestValues, result, note };
  }

  const compare = comparator(cond.base);
  // does one request value match any policy value?
  const matchesAny = (v: string): Tri =>
    or3(resolved.map((r) => (r.kind === 'ok' ? compare(v, r.pattern) : r.kind === 'undetermined' ? U : false)));
  const perValue = requestValues.map((v) => (cond.negated ? not3(matchesAny(v)) : matchesAny(v)));
  let result: Tri;
  if (cond.set === 'ForAllValues') result = and3(perValue);
  else if (cond.set === 'ForAnyValue') result = or3(perValue);
  // a single-valued operator given several request values: any match for a positive operator,
  // no match at all for a negated one
  else result = cond.negated ? and3(perValue) : or3(perValue);
  const unresolved = resolved.flatMap((r) => (r.kind === 'unresolved' ? r.keys : []));
  const undetermined = result === U ? resolved.flatMap((r) => (r.kind === 'undetermined' ? r.keys : [])) : [];
  return {
    ...base,
    requestValues,
    result,
    ...(unresolved.length ? { note: `policy variable without a value: ${unresolved.join(', ')}` } : {}),
    ...(undetermined.length ? { undeterminedKeys: undetermined } : {}),
  };
}

export function evaluateConditions(
  conds: ParsedCondition[],
  lookup: (key: string) => Lookup,
  opts: ConditionOptions = {},
): { results: ConditionResult[]; result: Tri } {
  const results = conds.map((c) => evaluateCondition(c, lookup, opts));
  return { results, result: and3(results.map((r) => r.result)) };
}
