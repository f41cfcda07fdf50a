// Conventions without a store: region from AWS_DEFAULT_REGION and the profile, a missing region or
// profile named as such, run --dry-run with --shard through the CLI (three shards of 12 targets),
// the shard in JSON and metrics, shell completion. No request is sent (a local server counts them).
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderJsonReport } from '../../src/report/json.js';
import { renderPrometheus } from '../../src/report/prometheus.js';
import { runCli } from '../helpers/cli.js';
import { result } from '../fixtures/reports/load.js';

let requests = 0;
const server = createServer((_req, res) => {
  requests++;
  res.statusCode = 500;
  res.end();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
t.teardown(() => server.close());
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const dir = mkdtempSync(join(tmpdir(), 'bc-conv-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'config'), '[profile eu]\nregion = eu-west-3\n[profile local]\nendpoint_url = ' + endpoint + '\n');
writeFileSync(join(dir, 'credentials'), '[eu]\naws_access_key_id = BCFAKE\naws_secret_access_key = fake\n');
process.env.AWS_CONFIG_FILE = join(dir, 'config');
process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
process.env.AWS_EC2_METADATA_DISABLED = 'true';
for (const k of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) delete process.env[k];

const names = Array.from({ length: 12 }, (_, i) => `db-${String(i + 1).padStart(2, '0')}`);
const fleet = join(dir, 'fleet.yaml');
writeFileSync(fleet, `targets:\n${names.map((n) => `  - name: ${n}\n    role: arn:aws:iam::123456789012:role/backup\n    bucket: corp-backups\n    prefix: ${n}/\n`).join('')}`);
const listed = (out: string) => names.filter((n) => new RegExp(`^  ${n} `, 'm').test(out));

t.test('region: AWS_DEFAULT_REGION, the profile; a missing one says which flag or variable sets it', async (t) => {
  const dflt = await runCli(['run', fleet, '--dry-run'], { env: { ...process.env, AWS_DEFAULT_REGION: 'ap-southeast-2' } });
  t.equal(dflt.code, 0, dflt.stderr);
  t.match(dflt.stdout, /^ {2}db-01 +aws corp-backups\/db-01\/ in ap-southeast-2 \(default\) as arn:aws:iam::123456789012:role\/backup$/m);
  const prof = await runCli(['run', fleet, '--dry-run'], { env: { ...process.env, AWS_PROFILE: 'eu' } });
  t.match(prof.stdout, / in eu-west-3 /);
  const local = await runCli(['run', fleet, '--dry-run'], { env: { ...process.env, AWS_PROFILE: 'local' } });
  t.match(local.stdout, new RegExp(` at ${endpoint.replace(/[.]/g, '\\.')} `), 'endpoint_url of the profile');
  const none = await runCli(['probe', '--role', 'arn:aws:iam::123456789012:role/backup', '--bucket', 'corp-backups', '--prefix', 'db/']);
  t.equal(none.code, 2);
  t.match(none.stderr, /^backup-canary: no region for bucket corp-backups: pass --region, set AWS_REGION \(or AWS_DEFAULT_REGION\), or set "region" in profile "default" of .*config \(AWS_CONFIG_FILE\)$/m);
  const missing = await runCli(['probe', '--profile', 'nope', '--role', 'arn:aws:iam::123456789012:role/backup', '--bucket', 'corp-backups', '--prefix', 'db/', '--endpoint', endpoint]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /--profile: profile "nope" is missing/);
  const envMissing = await runCli(['probe', '--role', 'arn:aws:iam::123456789012:role/backup', '--bucket', 'corp-backups', '--prefix', 'db/', '--endpoint', endpoint], { env: { ...process.env, AWS_PROFILE: 'nope' } });
  t.match(envMissing.stderr, /AWS_PROFILE: profile "nope" is missing/);
  t.equal(requests, 0, 'no request reached the store');
});

t.test('run --dry-run --shard: three shards of 12 targets are disjoint, cover all and are stable', async (t) => {
  const env = { ...process.env, AWS_REGION: 'eu-central-1' };
  const shares: string[][] = [];
  for (const i of [0, 1, 2]) {
    const r = await runCli(['run', fleet, '--shard', `${i}/3`, '--dry-run'], { env });
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, new RegExp(`^${fleet.replace(/[.]/g, '\\.')}: 12 targets; shard ${i}/3 would probe \\d+ targets?:$`, 'm'));
    shares.push(listed(r.stdout));
  }
  t.comment(shares.map((s) => s.join(',')).join(' | '));
  t.same(shares.flat().sort(), names, 'disjoint and complete');
  for (const i of [0, 1, 2]) {
    const again = await runCli(['run', fleet, '--shard', `${i}/3`, '--dry-run'], { env });
    t.same(listed(again.stdout), shares[i], `shard ${i} is the same again`);
  }
  const bad = await runCli(['run', fleet, '--shard', '3/3', '--dry-run'], { env });
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--shard: index 3 is out of range for 3 shards/);
  t.equal(requests, 0);
});

t.test('the shard is in the JSON report and a label of every target metric', async (t) => {
  const r = result('pass');
  r.target.name = 'db-01';
  r.shard = '1/3';
  const input = { kind: 'run' as const, results: [r], verdict: r.verdict, durationMs: 1, startedAt: r.startedAt };
  t.equal(JSON.parse(renderJsonReport(input)).shard, '1/3');
  const prom = renderPrometheus(input);
  const samples = prom.split('\n').filter((l) => l && !l.startsWith('#'));
  t.ok(samples.length > 10);
  t.ok(samples.every((l) => l.includes('shard="1/3"')), 'every sample carries shard="1/3"');
});

t.test('backup-canary completion prints a bash completion script; the shell asks with --get-yargs-completions', async (t) => {
  const r = await runCli(['completion']);
  t.equal(r.code, 0);
  t.match(r.stdout, /###-begin-backup-canary-completions-###/);
  t.match(r.stdout, /backup-canary --get-yargs-completions/);
  const words = await runCli(['--get-yargs-completions', 'backup-canary', 'run', '--']);
  t.match(words.stdout, /^--shard$/m);
  t.match(words.stdout, /^--dry-run$/m);
  t.match(words.stdout, /^--pushgateway$/m);
});
