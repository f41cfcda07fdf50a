// `backup-canary run FILE.yaml --explain` on a real Ceph RGW (issue 12 item 8): a run file with a
// healthy target and one behind the demo's office-IP bucket-policy Deny, explained per target with
// the bucket owner (who may read roles) as the explain profile from a real shared credentials file;
// and run-file explain keys that are wrong exit 2 naming file:line before any request.
import t from 'tap';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, listEverything, radosgwAdmin, seedDemo, startRgw } from '../../scripts/rgw.mjs';
import type { RunResult } from '../../src/core/model.js';
import { runCli, useCredentials } from '../helpers/cli.js';

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
await radosgwAdmin(rgw, ['caps', 'add', `--uid=${owner.uid}`, '--caps=roles=read']);

const dir = mkdtempSync(join(tmpdir(), 'bc-run-explain-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'credentials'), `[policy-reader]\naws_access_key_id = ${owner.accessKeyId}\naws_secret_access_key = ${owner.secretAccessKey}\n`);
process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
process.env.AWS_CONFIG_FILE = join(dir, 'config-none');

// The explain keys are in the run file; a third target turns explain off to show its hint still asks for it.
const runFile = join(dir, 'nightly.yaml');
writeFileSync(
  runFile,
  `defaults:
  endpoint: ${rgw.endpoint}
  path-style: true
  prefix: ${DEMO.prefix}
  role: ${demo.role.arn}
  timeout: 10
  explain: true
  explain-profile: policy-reader
  source-ip: 127.0.0.1
targets:
  - name: healthy
    bucket: ${DEMO.bucket}
  - name: office-only
    bucket: ${DEMO.lockedBucket}
  - name: office-only-unexplained
    bucket: ${DEMO.lockedBucket}
    explain: false
`,
);

t.test('run with explain keys: the denying Sid for the broken target in JSON and text, no mismatch on the healthy one', async (t) => {
  useCredentials(demo.users.sourceIdentity);
  const textFile = join(dir, 'run.txt');
  const r = await runCli(['run', runFile, '--concurrency', '2', '--format', 'text', '--output', textFile, '--format', 'json']);
  const text = readFileSync(textFile, 'utf8');
  t.comment(`backup-canary run nightly.yaml (text report):\n${text}`);
  t.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout) as { verdict: string; targets: RunResult[] };
  t.equal(j.verdict, 'fail');
  const by = Object.fromEntries(j.targets.map((x) => [x.target.name, x]));

  const healthy = by.healthy!;
  t.equal(healthy.verdict, 'pass');
  t.ok(healthy.explain, 'the healthy target carries explain as the probe does');
  t.same(healthy.explain!.read, ['bucket-policy (none set)', 'trust-policy', 'role-inline:nightly-backup-writes']);
  for (const c of healthy.checks) t.notOk(c.explain?.mismatch, `healthy ${c.id}: no explain.mismatch${c.explain?.mismatch ? ` (${c.explain.mismatch})` : ''}`);

  const locked = by['office-only']!;
  t.equal(locked.verdict, 'fail');
  const put = locked.checks.find((c: RunResult['checks'][number]) => c.id === 'put-object')!;
  // the denial stays as the classifier made it (RGW names no policy); the evaluation's reading is under explain
  t.match(put.denial, { source: 'unknown', rule: /^aws\./ });
  t.match(put.explain, {
    decision: 'explicit-deny',
    decidedBy: 'resource-policy',
    source: { source: 'resource-policy', explicit: true },
    statement: { policy: 'bucket-policy', sid: DEMO.lockedSid, effect: 'Deny' },
    conditions: [{ key: 'aws:SourceIp', operator: 'NotIpAddress', requestValues: ['127.0.0.1'], result: true }],
    fix: { policy: 'bucket' },
  });
  t.notMatch(put.denial!.hint, /run with --explain/, 'explain on: the hint does not ask for it');
  for (const c of locked.checks) t.notOk(c.explain?.mismatch, `office-only ${c.id}: no explain.mismatch`);

  const plain = by['office-only-unexplained']!;
  t.notOk(plain.explain, 'explain: false: no explain section');
  const plainPut = plain.checks.find((c: RunResult['checks'][number]) => c.id === 'put-object')!;
  t.equal(plainPut.outcome, 'denied');
  t.notOk(plainPut.explain);
  t.match(plainPut.denial!.hint, /run with --explain/, 'explain off for this target: the hint offers it');

  // text: the why under the broken target's section, none under the healthy one's
  const lockedSection = text.slice(text.indexOf('office-only: aws'), text.indexOf('office-only-unexplained: aws'));
  t.match(lockedSection, /\s+why: bucket-policy Sid=OnlyOfficeMayWrite \(Deny\): NotIpAddress aws:SourceIp 203\.0\.113\.0\/24 vs 127\.0\.0\.1 → matched\n/);
  t.match(lockedSection, /^Explain: read bucket-policy, trust-policy, role-inline:nightly-backup-writes$/m);
  t.notMatch(text.slice(text.indexOf('healthy: aws'), text.indexOf('office-only: aws')), /mismatch:/);
  t.same(await listEverything(rgw, owner, DEMO.bucket), { objects: [], uploads: [] });
  t.same(await listEverything(rgw, owner, DEMO.lockedBucket), { objects: [], uploads: [] });
});

t.test('run --explain on the command line explains the targets of a file without explain keys', async (t) => {
  useCredentials(demo.users.sourceIdentity);
  const plainFile = join(dir, 'plain.yaml');
  writeFileSync(plainFile, `targets:\n  - name: office-only\n    endpoint: ${rgw.endpoint}\n    path-style: true\n    role: ${demo.role.arn}\n    bucket: ${DEMO.lockedBucket}\n    prefix: ${DEMO.prefix}\n`);
  const r = await runCli(['run', plainFile, '--explain', '--explain-profile', 'policy-reader', '--source-ip', '127.0.0.1', '--format', 'json']);
  t.equal(r.code, 1, r.stderr);
  const put = (JSON.parse(r.stdout) as { targets: RunResult[] }).targets[0]!.checks.find((c: RunResult['checks'][number]) => c.id === 'put-object')!;
  t.match(put.explain, { source: { source: 'resource-policy' }, statement: { policy: 'bucket-policy', sid: DEMO.lockedSid } });
});

t.test('a wrong explain key or a missing policy file in a run file: exit 2 naming file:line, before any request', async (t) => {
  // Every target points at this listener: a request sent would be a connection counted here.
  let connections = 0;
  const trap = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((res) => trap.listen(0, '127.0.0.1', () => res()));
  t.teardown(() => trap.close());
  const port = (trap.address() as { port: number }).port;
  const sub = join(dir, 'policies');
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(dir, 'scp.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }));
  const head = `defaults:\n  endpoint: http://127.0.0.1:${port}\n  path-style: true\n  role: ${demo.role.arn}\n  prefix: p/\n  explain: true\ntargets:\n  - name: first\n    bucket: ${DEMO.bucket}\n`;
  const cases: [string, string, RegExp][] = [
    ['typo.yaml', `${head}  - name: second\n    bucket: ${DEMO.bucket}\n    source-ipp: 127.0.0.1\n`, /typo\.yaml:12: targets\[1\]: unknown option "source-ipp"/],
    ['missing.yaml', `${head}  - name: second\n    bucket: ${DEMO.bucket}\n    scp: no-such-scp.json\n`, /missing\.yaml:10: target "second": --scp: cannot read ".*no-such-scp\.json"/],
    // relative to the run file's directory, not the working directory: policies/scp.json is not ./scp.json
    ['policies/relative.yaml', `${head}  - name: second\n    bucket: ${DEMO.bucket}\n    rcp: scp.json\n`, /relative\.yaml:10: target "second": --rcp: cannot read ".*policies\/scp\.json"/],
    ['badip.yaml', `${head}  - name: second\n    bucket: ${DEMO.bucket}\n    source-ip: 999.1.1.1\n`, /badip\.yaml:10: target "second": --source-ip: "999\.1\.1\.1" is not an IPv4/],
    ['profile.yaml', `${head}  - name: second\n    bucket: ${DEMO.bucket}\n    explain-profile: no-such-profile\n`, /profile\.yaml:10: target "second": .*no-such-profile/],
  ];
  for (const [name, body, re] of cases) {
    const f = join(dir, name);
    writeFileSync(f, body);
    const out = join(dir, `${name.replace('/', '-')}.json`);
    const r = await runCli(['run', f, '--format', 'json', '--output', out], { env: { ...process.env, AWS_ACCESS_KEY_ID: 'BCNOREQUESTKEY000001', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret-never-sent-0001' } });
    t.equal(r.code, 2, `${name}: exit 2`);
    t.match(r.stderr.split('\n')[0], re, name);
    t.notMatch(r.stderr, /^\s+at /m, `${name}: no stack trace`);
    t.throws(() => readFileSync(out), { code: 'ENOENT' }, `${name}: nothing written`);
  }
  // a flag of run --explain without explain anywhere
  const off = join(dir, 'off.yaml');
  writeFileSync(off, `targets:\n  - bucket: ${DEMO.bucket}\n    endpoint: http://127.0.0.1:${port}\n    role: ${demo.role.arn}\n    prefix: p/\n`);
  const r = await runCli(['run', off, '--source-ip', '127.0.0.1']);
  t.equal(r.code, 2);
  t.match(r.stderr, /--source-ip goes with --explain/);
  t.equal(connections, 0, 'no request was sent');
});
