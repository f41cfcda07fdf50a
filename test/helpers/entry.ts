// The process entry (src/cli/entry.ts) as the launcher runs it, for tests that need real process streams.
import { run } from '../../src/cli/entry.js';

await run();
