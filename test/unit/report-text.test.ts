// The text format through the registry: a probe prints exactly what renderText prints; a run prints
// every target that way, a blank line between, then one line per target and the aggregated verdict.

import t from 'tap';
import type { RunResult } from '../../src/core/model.js';
import { FORMAT_NAMES, FORMATS, type ReportInput, singleRun, targetNames } from '../../src/report/index.js';
import { renderText } from '../../src/report/text.js';
import { result, runInput } from '../fixtures/reports/load.js';

t.test('the registry has every format, and each renders a probe and a run', async (t) => {
  t.same(FORMAT_NAMES, ['text', 'json', 'junit', 'markdown', 'prometheus']);
  for (const name of FORMAT_NAMES) {
    for (const input of [singleRun(result('office-ip')), runInput()]) {
      const out = FORMATS[name]!(input, { color: false, hostname: 'h' });
      t.ok(out.endsWith('\n') && out.length > 200, `${name} ${input.kind}`);
      t.ok(out.includes('office-backups'), `${name} ${input.kind}: names the target`);
    }
  }
});

t.test('probe: exactly renderText', async (t) => {
  for (const name of ['pass', 'office-ip', 'oss-denied'] as const) {
    const r = result(name);
    t.equal(FORMATS.text!(singleRun(r), { color: false }), renderText(r, { color: false }), name);
    t.equal(FORMATS.text!(singleRun(r), { color: true }), renderText(r, { color: true }), `${name}, colour`);
  }
});

t.test('run: each target as probe prints it, then the summary', async (t) => {
  const input = runInput();
  const out = FORMATS.text!(input, { color: false });
  let at = 0;
  for (const r of input.results) {
    const part = renderText(r, { color: false });
    const i = out.indexOf(part, at);
    t.ok(i >= at, `${r.target.name} in order`);
    t.equal(out.slice(i + part.length, i + part.length + 1), '\n', 'a blank line after it');
    at = i + part.length;
  }
  t.equal(out.slice(at), [
    '',
    'Run of 5 targets:',
    '  PASS  db-nightly: aws corp-backups/db/nightly/ (default): 16/16 expectations met (1184 ms)',
    '  ERROR dr-site: aws dr-backups/db/ (default): could not complete: assume-role failed (3020 ms)',
    '  PASS  vault-append-only: aws vault/restic/ (append-only): 7/7 expectations met (204 ms)',
    '  FAIL  vault-over-privileged: aws vault/kopia/ (no-delete): 6/7 expectations met, 1 canary left behind (187 ms)',
    '  FAIL  office-nas: aws office-backups/nas/ (default): 2/16 expectations met (311 ms)',
    '',
    'ERROR 2 passed, 2 failed, 1 could not complete; 30 allowed, 5 denied, 1 error, 26 skipped (3127 ms)',
    '',
  ].join('\n'));
  const colored = FORMATS.text!(input, { color: true });
  t.match(colored, '\x1b[31mERROR\x1b[0m 2 passed');
  t.match(colored, '  \x1b[32mPASS \x1b[0m db-nightly');
});

t.test('run: targets that never ran or were interrupted say why', async (t) => {
  const a: RunResult = { ...result('pass'), runId: '', checks: [], leftovers: [], verdict: 'error', error: 'not started: interrupted by SIGTERM', interrupted: 'SIGTERM', durationMs: 0 };
  const b: RunResult = { ...result('pass'), verdict: 'error', interrupted: 'SIGINT' };
  const input: ReportInput = { kind: 'run', results: [a, b], verdict: 'error', durationMs: 7, startedAt: a.startedAt };
  const out = FORMATS.text!(input, { color: false });
  t.match(out, /^ {2}ERROR aws corp-backups\/db\/nightly\/ \(default\) as arn:aws:iam::123456789012:role\/nightly-backup #1: could not complete: not started: interrupted by SIGTERM \(0 ms\)$/m);
  t.match(out, /^ {2}ERROR .* #2: could not complete: interrupted by SIGINT \(1184 ms\)$/m);
  t.match(out, /^Run of 2 targets:$/m);
  t.same(targetNames([result('pass')]), ['aws corp-backups/db/nightly/ (default)']);
});

/** office-ip with the proof a ceph-rgw run gives: two candidates rejected, the third shown. */
function withProof(r: RunResult, safe = true): RunResult {
  const put = r.checks.find((c) => c.id === 'put-object')!;
  const fix = put.explain!.fix!;
  const checks = (failed: Record<string, string>) =>
    (['store-supports', 'role-allowed', 'others-unchanged'] as const).map((check) => ({ check, ok: !(check in failed), detail: failed[check] ?? 'ok' }));
  fix.safe = safe;
  fix.proof = {
    store: 'ceph-rgw',
    candidates: [
      { form: 'principal-arn-condition', summary: 's', shown: false, checks: checks({ 'store-supports': 'ceph-rgw does not support the condition key aws:PrincipalArn', 'others-unchanged': 'another user of the account goes from explicit-deny to allowed (aws:SourceIp=127.0.0.1)' }) },
      { form: 'not-principal', summary: 's', shown: false, checks: checks({ 'others-unchanged': 'another user of the account goes from explicit-deny to allowed (any request)' }) },
      { form: 'not-principal-role', summary: 's', shown: safe, checks: checks(safe ? {} : { 'role-allowed': "the role's request is explicit-deny after the change" }) },
    ],
  };
  return r;
}

t.test('a fix shown after rejected candidates: one line per rejected candidate, with the proof leg that failed', async (t) => {
  const out = renderText(withProof(result('office-ip')), { color: false });
  const lines = out.split('\n');
  const policy = lines.findIndex((l) => /^ {6}\w+ policy: \{/.test(l));
  t.ok(policy > 0, 'the snippet line');
  t.same(lines.slice(policy + 1, policy + 3), [
    '      not proposed on ceph-rgw: principal-arn-condition: store-supports failed (ceph-rgw does not support the condition key aws:PrincipalArn); others-unchanged failed (another user of the account goes from explicit-deny to allowed (aws:SourceIp=127.0.0.1))',
    '      not proposed on ceph-rgw: not-principal: others-unchanged failed (another user of the account goes from explicit-deny to allowed (any request))',
  ]);
  t.notMatch(out, /not proposed on ceph-rgw: not-principal-role/, 'the shown candidate is not listed as rejected');
  t.equal(out.match(/not proposed on/g)?.length, 2, 'once, not for each check that shares the fix');

  const none = renderText(withProof(result('office-ip'), false), { color: false });
  t.match(none, /not proposed on ceph-rgw: not-principal-role: role-allowed failed \(the role's request is explicit-deny after the change\)/, 'no candidate proven: every one says why');
  t.notMatch(renderText(result('office-ip'), { color: false }), /not proposed on/, 'a fix without a proof record prints no such line');
});
