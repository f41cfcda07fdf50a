// The dialects' names: a leaf module, so the evaluator's types can name a dialect without importing the
// dialects' rules (which import those types).

export const DIALECT_NAMES = ['aws', 'alibaba'] as const;

export type DialectName = (typeof DIALECT_NAMES)[number];
