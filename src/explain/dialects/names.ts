// The dialect names, in a leaf module: src/explain/types.ts names the type without importing the
// registry (index.ts), whose rules import types.ts (that was an import cycle).

export type DialectName = 'aws' | 'alibaba';
