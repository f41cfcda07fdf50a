// The JSON contract (schemaVersion 1). Keys are emitted in a stable order; see README "JSON contract".

import type { RunResult } from '../core/model.js';

export function renderJson(result: RunResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
