// The real binary (the bundle in dist/, as users run it) against a real RGW: exit codes, no SDK
// warnings, and SIGINT/SIGTERM in each phase: cleanup completes, exit 130/143, nothing left.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DEMO, listEverything, seedDemo, startRgw } from '../../scripts/rgw.mjs';
import type { RunResult } from '../../src/core/model.js';

const bin = new URL('../../bin/backup-canary', import.meta.url).pathname;
if (!existsSync(new URL('../../dist/main.js', import.meta.url))) throw new Error('dist/ is missing: run npm run build first');

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const operator = demo.users.sourceIdentity;
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: '/nonexistent', AWS_ACCESS_KEY_ID: operator.accessKeyId, AWS_SECRET_ACCESS_KEY: operator.secretAccessKey };
const args = (extra: string[] = []) => ['probe', '--role', demo.role.arn, '--bucket', DEMO.bucket, '--prefix', 'nightly/', '--endpoint', rgw.endpoint, '--path-style', ...extra];

function run(argv: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void) {
  return new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(bin, argv, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

t.test('a healthy probe through the binary: exit 0, no warnings on stderr', async (t) => {
  const r = await run(args());
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '', 'nothing on stderr: no SDK Node-version warning');
  t.match(r.stdout, /^PASS /m);
  t.same(await listEverything(rgw, demo.users.bucketOwner, DEMO.bucket), { objects: [], uploads: [] });
});

t.test('usage errors through the binary: exit 2, one line', async (t) => {
  const r = await run(['probe', '--bucket', 'Bad_Bucket', '--role', demo.role.arn, '--prefix', 'p']);
  t.equal(r.code, 2);
  t.equal(r.stderr.split('\n').filter(Boolean).length, 2);
  t.notMatch(r.stderr, /\n\s+at /);
});

// Each phase: the signal arrives once the named step has started.
const phases: [string, string][] = [
  ['assume', 'assume-role started'],
  ['put', 'put-object started'],
  ['multipart', 'multipart-upload-part-1 started'],
  ['delete', 'delete-object started'],
];
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  for (const [phase, marker] of phases) {
    t.test(`${sig} during ${phase}: cleanup completes, exit ${sig === 'SIGINT' ? 130 : 143}, nothing left`, async (t) => {
      let sent = false;
      const r = await run(args(['--verbose', '--format', 'json', '--part-size', '16MiB']), (text, child) => {
        if (!sent && text.includes(marker)) {
          sent = true;
          child.kill(sig);
        }
      });
      t.ok(sent, `saw "${marker}"`);
      t.equal(r.code, sig === 'SIGINT' ? 130 : 143, r.stderr);
      t.match(r.stderr, new RegExp(`${sig} received, cleaning up canaries`));
      const j = JSON.parse(r.stdout) as RunResult;
      t.equal(j.interrupted, sig);
      t.equal(j.verdict, 'error');
      t.same(j.leftovers, []);
      t.same(await listEverything(rgw, demo.users.bucketOwner, DEMO.bucket), { objects: [], uploads: [] }, 'nothing left in the bucket');
    });
  }
}
