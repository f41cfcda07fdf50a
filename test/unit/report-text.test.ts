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
