// Bundle the CLI into dist/ as ESM with code splitting: the entry chunk holds yargs and the CLI;
// each provider's SDKs sit in their own chunks, loaded only when a probe runs.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/cli/entry.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  chunkNames: '[name]-[hash]',
  define: { __BC_VERSION__: JSON.stringify(pkg.version) },
  sourcemap: 'linked',
  legalComments: 'none',
  external: ['proxy-agent'],
  banner: {
    // CommonJS dependencies inside an ESM bundle still call require().
    js: "import { createRequire as __bcCreateRequire } from 'node:module'; const require = __bcCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
