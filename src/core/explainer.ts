// The hook through which a provider explains a finished run (--explain): it reads the policies that
// apply, evaluates each check's request, and annotates the result. The core only calls it.

import type { RunResult } from './model.js';

export interface Explainer {
  explain(result: RunResult): Promise<void>;
}
