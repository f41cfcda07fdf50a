// Kleene three-valued logic: false dominates AND, true dominates OR, otherwise undetermined.

import type { Tri } from './types.js';

export const U = 'undetermined' as const;

export function and3(values: Iterable<Tri>): Tri {
  let result: Tri = true;
  for (const v of values) {
    if (v === false) return false;
    if (v === U) result = U;
  }
  return result;
}

export function or3(values: Iterable<Tri>): Tri {
  let result: Tri = false;
  for (const v of values) {
    if (v === true) return true;
    if (v === U) result = U;
  }
  return result;
}

export function not3(v: Tri): Tri {
  return v === U ? U : !v;
}
