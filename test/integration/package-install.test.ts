// The package as npm ships it: `npm pack` of the built tree, installed with `npm install -g` into an
// empty prefix (offline: the bundle in dist/ carries every runtime dependency, so the package has no
// `dependencies` to fetch), then run from PATH in an unrelated directory.
//
// Packs with --ignore-scripts: the suite builds dist/ once before the tests (scripts/test-all.sh), and
// a `prepare` rebuild here would delete dist/ under the other test files that run the binary.
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
if (!existsSync(join(root, 'dist', 'main.js'))) throw new Error('dist/ is missing: run npm run build first');
const pkg = (await import(join(root, 'package.json'), { with: { type: 'json' } })).default as { version: string; license: string; dependencies?: object };

const dir = mkdtempSync(join(tmpdir(), 'bc-pack-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const prefix = join(dir, 'prefix');
const elsewhere = mkdtempSync(join(dir, 'cwd-'));
// npm's own cache and config in the temp dir: nothing from this machine's ~/.npmrc decides the result.
const npmEnv = { ...process.env, npm_config_cache: join(dir, 'cache'), npm_config_userconfig: join(dir, 'npmrc'), npm_config_update_notifier: 'false' };

t.test('npm pack ships exactly the tool: launcher, bundle, probe definitions, schema, licence', async (t) => {
  const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, env: npmEnv });
  const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path).sort();
  const outside = files.filter((f) => !/^(LICENSE|README\.md|package\.json|bin\/backup-canary|dist\/[^/]+\.js|probes\/[^/]+\.yaml|schema\/result\.schema\.json)$/.test(f));
  t.same(outside, [], 'no source, tests, scripts, source maps or dotfiles');
  for (const need of ['LICENSE', 'bin/backup-canary', 'dist/main.js', 'probes/default.yaml', 'schema/result.schema.json']) t.ok(files.includes(need), need);
  t.equal(pkg.license, 'MIT');
  t.equal(pkg.dependencies, undefined, 'runtime dependencies are bundled into dist/');
});

t.test('installed into an empty prefix, it runs from PATH anywhere', async (t) => {
  const tarball = join(dir, `backup-canary-${pkg.version}.tgz`);
  t.ok(existsSync(tarball), tarball);
  await exec('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { cwd: elsewhere, env: npmEnv });
  t.ok(existsSync(join(prefix, 'bin', 'backup-canary')), 'bin/backup-canary linked into the prefix');
  const installed = join(prefix, 'lib', 'node_modules', 'backup-canary');
  t.same(readdirSync(installed).sort(), ['LICENSE', 'README.md', 'bin', 'dist', 'package.json', 'probes', 'schema']);
  // PATH: the prefix's bin and node itself, nothing from this repository.
  const env = { PATH: `${join(prefix, 'bin')}:${join(process.execPath, '..')}:/usr/bin:/bin`, HOME: dir };
  const version = await exec('backup-canary', ['--version'], { cwd: elsewhere, env });
  t.equal(version.stdout.trim(), pkg.version);
  const list = await exec('backup-canary', ['probes', 'list'], { cwd: elsewhere, env });
  t.match(list.stdout, /^default\b/m, 'the shipped definitions are found from the installed package');
  t.match(list.stdout, /^append-only\b/m);
  const show = await exec('backup-canary', ['probes', 'show', 'restic-s3'], { cwd: elsewhere, env });
  t.match(show.stdout, /restic/);
});
