// `backup-canary run` over five targets on a real RGW: healthy, append-only, restore-readonly,
// office-IP deny, over-privileged — in text, JUnit and Prometheus at once.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRole, DEMO, demoRolePolicy, listEverything, putRolePolicy, roleArn, seedDemo, startRgw, userArn } from '../../scripts/rgw.mjs';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(demo.users.sourceIdentity.uid)] }, Action: ['sts:AssumeRole'] }] };
const B = DEMO.bucket;

// append-only: everything a backup writes and reads, and an explicit Deny on deletes.
const appendOnly = demoRolePolicy([B]);
appendOnly.Statement.push({ Sid: 'NeverDelete', Effect: 'Deny', Action: ['s3:DeleteObject'], Resource: [`arn:aws:s3:::${B}/*`] });
await createRole(rgw, 'archive-writer', trust);
await putRolePolicy(rgw, 'archive-writer', 'append-only', appendOnly);
// restore-readonly: read the prefix and list the bucket, nothing else. The listing is not scoped by
// s3:prefix: the definition's read-missing-object check reads a never-created key, and S3 (like RGW)
// answers 404 rather than 403 only to a caller with an unconditioned s3:ListBucket (see the definition).
await createRole(rgw, 'restore-reader', trust);
await putRolePolicy(rgw, 'restore-reader', 'read-only', {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${B}/restore/*`] },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${B}`] },
  ],
});
// over-privileged: s3:* on the bucket, probed with the read-only definition.
await createRole(rgw, 'too-broad', trust);
await putRolePolicy(rgw, 'too-broad', 'everything', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: [`arn:aws:s3:::${B}`, `arn:aws:s3:::${B}/*`] }] });

const dir = mkdtempSync(join(tmpdir(), 'bc-run-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const runFile = join(dir, 'nightly.yaml');
writeFileSync(
  runFile,
  `defaults:
  endpoint: ${rgw.endpoint}
  path-style: true
  prefix: nightly/
  timeout: 10
targets:
  - name: healthy
    role: ${demo.role.arn}
    bucket: ${B}
  - name: append-only
    role: ${roleArn('archive-writer')}
    bucket: ${B}
    prefix: nightly/archive/
    probe: append-only
  - name: restore-readonly
    role: ${roleArn('restore-reader')}
    bucket: ${B}
    prefix: restore/
    probe: restore-readonly
  - name: office-ip-deny
    role: ${demo.role.arn}
    bucket: ${DEMO.lockedBucket}
  - name: over-privileged
    role: ${roleArn('too-broad')}
    bucket: ${B}
    prefix: restore/
    probe: restore-readonly
`,
);

t.test('five targets, three formats, one verdict', async (t) => {
  useCredentials(demo.users.sourceIdentity);
  const junit = join(dir, 'junit.xml');
  const prom = join(dir, 'backup_canary.prom');
  const json = join(dir, 'run.json');
  const r = await runCli(['run', runFile, '--concurrency', '3', '--format', 'junit', '--output', junit, '--format', 'prometheus', '--output', prom, '--format', 'json', '--output', json, '--format', 'text']);
  const j = JSON.parse(readFileSync(json, 'utf8'));
  t.match(j, { schemaVersion: 1, kind: 'run', verdict: 'fail' });
  t.equal(j.targets.length, 5);
  t.equal(r.code, 1, 'the worst verdict is fail');
  t.equal(r.stderr, '', 'no progress output when standard error is not a terminal');
  const summary = r.stdout.slice(r.stdout.indexOf('Run of 5 targets:'));
  t.match(summary, /PASS  healthy: .*16\/16 expectations met/);
  t.match(summary, /PASS  restore-readonly: .*7\/7 expectations met/);
  t.match(summary, /FAIL  office-ip-deny:/);
  t.match(summary, /FAIL  over-privileged:/);
  // RGW has no s3:if-none-match condition: an overwrite cannot be refused there, and the probe says so.
  t.match(summary, /FAIL  append-only:/);
  t.match(r.stdout, /overwrite-object\s+allowed \(expected denied\)/);
  t.match(r.stdout, /write-outside-prefix\s+allowed \(expected denied\)/);

  const xml = readFileSync(junit, 'utf8');
  t.equal((xml.match(/<testsuite /g) ?? []).length, 5);
  t.match(xml, /<testcase classname="office-ip-deny[^>]*name="put-object \(s3:PutObject\)"[^>]*>\s*<failure [^>]*message="s3:PutObject was denied, expected allowed/);
  const metrics = readFileSync(prom, 'utf8');
  t.comment(`run over five targets, text:\n${r.stdout}\njunit:\n${xml}\nprometheus file:\n${metrics}`);
  t.match(metrics, /^backup_canary_check_success\{[^}]*target="healthy"[^}]*check="put-object"[^}]*\} 1$/m);
  t.match(metrics, /^backup_canary_check_success\{[^}]*target="office-ip-deny"[^}]*check="put-object"[^}]*\} 0$/m);
  t.match(metrics, /^backup_canary_last_run_timestamp_seconds\{[^}]*target="healthy"[^}]*\} \d+/m);
  t.notOk(existsSync(`${prom}.tmp`));

  // Only the append-only target's canaries stay (the role must not delete): sweep them as the owner.
  const left = await listEverything(rgw, owner, B);
  t.ok(left.objects.every((k) => k.startsWith('nightly/archive/.backup-canary/')), left.objects.join(', '));
  t.same(left.uploads, []);
  useCredentials(owner);
  const sweep = await runCli(['cleanup', '--no-assume', '--bucket', B, '--prefix', 'nightly/archive/', '--endpoint', rgw.endpoint, '--path-style', '--older-than', '0s', '--yes']);
  t.equal(sweep.code, 0, sweep.stderr);
  t.same(await listEverything(rgw, owner, B), { objects: [], uploads: [] });
  t.same(await listEverything(rgw, owner, DEMO.lockedBucket), { objects: [], uploads: [] });
});

t.test('a bad target fails the whole file before any request, naming file and line', async (t) => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, `targets:\n  - name: ok\n    role: ${demo.role.arn}\n    bucket: ${B}\n    region: us-east-1\n    prefix: p/\n  - name: broken\n    role: not-an-arn\n    bucket: ${B}\n    prefix: p/\n`);
  const before = await listEverything(rgw, owner, B);
  const r = await runCli(['run', bad]);
  t.equal(r.code, 2);
  t.match(r.stderr, new RegExp(`${bad.replace(/[.]/g, '\\.')}:7: target "broken": --role: "not-an-arn" is not an IAM role ARN`));
  t.same(await listEverything(rgw, owner, B), before);
});
