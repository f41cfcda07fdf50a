// The dialect registry: the only place that maps a dialect name to its rules.

import { alibaba } from './alibaba/index.js';
import { aws } from './aws/index.js';
import type { DialectRules } from './types.js';

const DIALECTS = { aws, alibaba } as const;

export type DialectName = keyof typeof DIALECTS;

export const DIALECT_NAMES = Object.keys(DIALECTS) as DialectName[];

export function isDialect(name: unknown): name is DialectName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(DIALECTS, name);
}

export function rulesOf(name: DialectName): DialectRules {
  return DIALECTS[name];
}

export type { DialectRules } from './types.js';
