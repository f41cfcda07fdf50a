// Operating it on a real Ceph RGW: --profile with region and endpoint_url (no --endpoint), --baseline
// and run's state file saying put-object went allowed → denied after a bucket-policy change (and,
// with --explain on both runs, that the bucket policy's digest changed), --pushgateway to Debian's
// real Pushgateway (and a push failure: exit 3, verdict still printed), --quiet and colour.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteBucketPolicy, DEMO, listEverything, putBucketPolicy, radosgwAdmin, seedDemo, startRgw } from '../../scripts/rgw.mjs';
import { startPushgateway } from '../../scripts/prometheus.mjs';
import type { RunResult } from '../../src/core/model.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const pgw = await startPushgateway();
t.teardown(() => pgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const operator = demo.users.sourceIdentity;
await radosgwAdmin(rgw, ['caps', 'add', `--uid=${owner.uid}`, '--caps=roles=read']);

const dir = mkdtempSync(join(tmpdir(), 'bc-ops-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
// The shared files as a user has them: a profile with region and endpoint_url, its keys, and a
// policy reader for --explain.
writeFileSync(join(dir, 'config'), `[profile src]\nregion = ${demo.region}\nendpoint_url = ${rgw.endpoint}\n`);
writeFileSync(
  join(dir, 'credentials'),
  `[src]\naws_access_key_id = ${operator.accessKeyId}\naws_secret_access_key = ${operator.secretAccessKey}\n[policy-reader]\naws_access_key_id = ${owner.accessKeyId}\naws_secret_access_key = ${owner.secretAccessKey}\n`,
);
process.env.AWS_CONFIG_FILE = join(dir, 'config');
process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, LANG: 'C.UTF-8', ...extra });
const B = DEMO.bucket;
const probeArgs = (extra: string[] = []) => ['probe', '--role', demo.role.arn, '--bucket', B, '--prefix', DEMO.prefix, '--endpoint', rgw.endpoint, '--path-style', ...extra];
const denyPut = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'FreezeWrites', Effect: 'Deny', Principal: { AWS: [demo.role.arn] }, Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${B}/*`] }],
};

t.test('--profile with region and endpoint_url probes the RGW without --endpoint', async (t) => {
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete process.env[k];
  const json = join(dir, 'profile.json');
  const r = await runCli(['probe', '--profile', 'src', '--role', demo.role.arn, '--bucket', B, '--prefix', DEMO.prefix, '--path-style', '--format', 'json', '--output', json, '--format', 'text'], { env: env() });
  t.equal(r.code, 0, r.stderr + r.stdout);
  t.match(r.stdout, new RegExp(`^backup-canary probe: aws ${B}/${DEMO.prefix} at ${rgw.endpoint.replace(/[.]/g, '\\.')}$`, 'm'), 'the report names the endpoint of the profile');
  const doc = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  t.equal(doc.target.endpoint, rgw.endpoint);
  t.equal(doc.target.region, demo.region);
  t.equal(doc.verdict, 'pass');
  // the same through AWS_PROFILE (what the SDK alone honours)
  const viaEnv = await runCli(['probe', '--role', demo.role.arn, '--bucket', B, '--prefix', DEMO.prefix, '--path-style', '--quick'], { env: env({ AWS_PROFILE: 'src' }) });
  t.equal(viaEnv.code, 0, viaEnv.stderr);
  const missing = await runCli(['probe', '--profile', 'nope', '--role', demo.role.arn, '--bucket', B, '--prefix', DEMO.prefix], { env: env() });
  t.equal(missing.code, 2);
  t.match(missing.stderr, /^backup-canary: --profile: profile "nope" is missing: it is in neither .*config \(AWS_CONFIG_FILE\) nor .*credentials \(AWS_SHARED_CREDENTIALS_FILE\)$/m);
  t.same(await listEverything(rgw, owner, B), { objects: [], uploads: [] });
});

t.test('--baseline and the run state file: put-object allowed → denied after a bucket-policy change', async (t) => {
  useCredentials(operator);
  const explain = ['--explain', '--explain-profile', 'policy-reader', '--caller-arn', `arn:aws:iam:::user/${operator.uid}`];
  const before = join(dir, 'before.json');
  // a bucket policy that does not touch the role, so that both runs read one (and digest it)
  await putBucketPolicy(rgw, owner, B, { Version: '2012-10-17', Statement: [{ Sid: 'OwnerReads', Effect: 'Allow', Principal: { AWS: [`arn:aws:iam:::user/${owner.uid}`] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${B}/*`] }] });
  const first = await runCli(probeArgs([...explain, '--format', 'json', '--output', before]), { env: env() });
  t.equal(first.code, 0, first.stderr + first.stdout);
  const runFile = join(dir, 'nightly.yaml');
  writeFileSync(runFile, `defaults:\n  endpoint: ${rgw.endpoint}\n  path-style: true\n  quick: true\ntargets:\n  - name: nightly\n    role: ${demo.role.arn}\n    bucket: ${B}\n    prefix: ${DEMO.prefix}\n`);
  const prom = join(dir, 'backup_canary.prom');
  const run1 = await runCli(['run', runFile, '--format', 'prometheus', '--output', prom, '--format', 'text'], { env: env() });
  t.equal(run1.code, 0, run1.stderr + run1.stdout);
  t.ok(existsSync(`${prom}.state.json`), 'the state file sits beside the Prometheus output');
  t.notMatch(run1.stdout, /changed since/, 'the first run has nothing to compare with');

  await putBucketPolicy(rgw, owner, B, denyPut);
  try {
    const after = join(dir, 'after.json');
    const text = join(dir, 'after.txt');
    const second = await runCli(probeArgs([...explain, '--baseline', before, '--format', 'json', '--output', after, '--format', 'text', '--output', text]), { env: env() });
    t.equal(second.code, 1, 'the probe fails now');
    const doc = JSON.parse(readFileSync(after, 'utf8')) as RunResult;
    const firstDoc = JSON.parse(readFileSync(before, 'utf8')) as RunResult;
    t.same(doc.changes?.find((c) => c.check === 'put-object'), { check: 'put-object', action: 's3:PutObject', from: 'allowed', to: 'denied', since: firstDoc.startedAt });
    const bucketPolicy = doc.policyChanges?.find((p) => p.policy === 'bucket-policy');
    t.ok(bucketPolicy, `the bucket policy is named as changed: ${JSON.stringify(doc.policyChanges)}`);
    t.not(bucketPolicy?.from, bucketPolicy?.to);
    t.equal(bucketPolicy?.from, firstDoc.explain?.digests?.['bucket-policy']);
    const report = readFileSync(text, 'utf8');
    t.comment(report);
    const since = `${firstDoc.startedAt.slice(0, 16)}Z`;
    t.match(report, new RegExp(`^changed since ${since}: s3:PutObject allowed → denied \\(put-object\\)$`, 'm'));
    t.match(report, new RegExp(`^policy changed since ${since}: bucket-policy sha256:[0-9a-f]{12} → sha256:[0-9a-f]{12}$`, 'm'));

    const run2 = await runCli(['run', runFile, '--format', 'prometheus', '--output', prom, '--format', 'text'], { env: env() });
    t.equal(run2.code, 1);
    t.match(run2.stdout, /^changed since \S+: s3:PutObject allowed → denied \(put-object\)$/m, 'run compares with its state file');
    t.match(run2.stdout, /^nightly: aws /m, 'the run section is headed by the target name');
    const state = JSON.parse(readFileSync(`${prom}.state.json`, 'utf8')) as { targets: RunResult[] };
    t.equal(state.targets[0]!.checks.find((c) => c.id === 'put-object')?.outcome, 'denied', 'the state file is replaced by this run');
  } finally {
    await deleteBucketPolicy(rgw, owner, B);
  }
  useCredentials(owner);
  const sweep = await runCli(['cleanup', '--no-assume', '--bucket', B, '--prefix', DEMO.prefix, '--endpoint', rgw.endpoint, '--path-style', '--older-than', '0s', '--yes']);
  t.equal(sweep.code, 0, sweep.stderr);
  t.same(await listEverything(rgw, owner, B), { objects: [], uploads: [] });
});

t.test('--pushgateway: metrics land on the real Pushgateway; a failed push exits 3 and keeps the verdict', async (t) => {
  useCredentials(operator);
  const r = await runCli(probeArgs(['--quick', '--pushgateway', pgw.url]), { env: env() });
  t.equal(r.code, 0, r.stderr);
  const exposed = await (await fetch(`${pgw.url}/metrics`)).text();
  const name = `aws ${B}/${DEMO.prefix} (default)`;
  t.match(exposed, new RegExp(`^backup_canary_success\\{[^}]*job="backup-canary"[^}]*target="${name.replace(/[()/.]/g, '\\$&')}"[^}]*\\} 1$`, 'm'));
  t.match(exposed, /^backup_canary_check_success\{[^}]*check="put-object"[^}]*\} 1$/m);

  const failed = await runCli(probeArgs(['--quick', '--pushgateway', 'http://127.0.0.1:1']), { env: env() });
  t.equal(failed.code, 3, 'a push that did not land: exit 3');
  t.match(failed.stdout, /^PASS /m, 'the verdict is still printed');
  t.match(failed.stderr, /^backup-canary: push to the Pushgateway failed for 1 of 1 target: http:\/\/127\.0\.0\.1:1\/metrics\/job\/backup-canary\/target@base64\/\S+: /m);
  const bad = await runCli(probeArgs(['--pushgateway', 'ftp://x']), { env: env() });
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--pushgateway: "ftp:\/\/x" must be an http:\/\/ or https:\/\/ URL/);
});

t.test('--quiet, colour and ASCII symbols', async (t) => {
  useCredentials(operator);
  const quiet = await runCli(probeArgs(['--quick', '--quiet']), { env: env() });
  t.equal(quiet.code, 0);
  t.match(quiet.stdout, /^PASS {2}\d+ allowed, \d+ denied, 0 errors, \d+ skipped; every expectation met \(\d+ ms\)\n$/, 'the verdict line only');
  const runFile = join(dir, 'quiet.yaml');
  writeFileSync(runFile, `targets:\n  - name: q\n    role: ${demo.role.arn}\n    bucket: ${B}\n    prefix: ${DEMO.prefix}\n    endpoint: ${rgw.endpoint}\n    path-style: true\n    quick: true\n`);
  const runQuiet = await runCli(['run', runFile, '--quiet'], { env: env() });
  t.equal(runQuiet.code, 0);
  t.equal(runQuiet.stdout, '', 'run --quiet prints nothing when every target passed');
  const forced = await runCli(probeArgs(['--quick']), { env: env({ FORCE_COLOR: '1' }) });
  t.match(forced.stdout, /\x1b\[32m/, 'FORCE_COLOR colours a non-terminal');
  const noColor = await runCli(probeArgs(['--quick', '--no-color']), { env: env({ FORCE_COLOR: '1' }), tty: true });
  t.notMatch(noColor.stdout, /\x1b\[/, '--no-color wins');
  const dumb = await runCli(probeArgs(['--quick']), { env: env({ TERM: 'dumb' }), tty: true });
  t.notMatch(dumb.stdout, /\x1b\[|[^\x00-\x7f]/, 'TERM=dumb: no colour, ASCII only');
  t.match(dumb.stdout, /^ {2}\+ s3:PutObject/m);
  const cLocale = await runCli(probeArgs(['--quick']), { env: env({ LANG: 'C', LC_ALL: '' }) });
  t.notMatch(cLocale.stdout, /[^\x00-\x7f]/, 'a C locale gets ASCII');
  t.same(await listEverything(rgw, owner, B), { objects: [], uploads: [] });
});
