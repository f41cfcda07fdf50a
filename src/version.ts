import { readFileSync } from 'node:fs';

// The bundle has the version inlined at build time (scripts/build.mjs); from source (tests) it is
// read from package.json.
declare const __BC_VERSION__: string | undefined;

export const VERSION: string =
  typeof __BC_VERSION__ === 'string'
    ? __BC_VERSION__
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
