// The shipped alert rules and the textfile output, checked by Debian's promtool (the suite installs
// it: scripts/prometheus.mjs install): `promtool check rules`, `promtool test rules` on the rules'
// unit tests, and `promtool check metrics` (the exposition linter) over what --format prometheus writes.
import t from 'tap';
import { join } from 'node:path';
import { promtool } from '../../scripts/prometheus.mjs';
import { renderPrometheus } from '../../src/report/prometheus.js';
import { result, ROOT, runInput } from '../fixtures/reports/load.js';

const dir = join(ROOT, 'deploy', 'prometheus');

t.test('promtool check rules: the rules file is valid', async (t) => {
  const r = await promtool(['check', 'rules', 'backup-canary.rules.yml'], { cwd: dir });
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /SUCCESS: 4 rules found/);
});

t.test('promtool test rules: the unit tests of every alert pass', async (t) => {
  const r = await promtool(['test', 'rules', 'backup-canary.rules.test.yml'], { cwd: dir });
  t.comment(r.stdout.trim());
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /SUCCESS/);
  t.notMatch(r.stdout, /FAILED/);
});

t.test('promtool check metrics: the textfile output lints clean', async (t) => {
  for (const [name, text] of [
    ['a run of five targets', renderPrometheus(runInput())],
    ['one probe', renderPrometheus({ kind: 'probe', results: [result('office-ip')], verdict: 'fail', durationMs: 1, startedAt: result('office-ip').startedAt })],
  ] as const) {
    const r = await promtool(['check', 'metrics'], { input: text });
    t.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
    t.equal(`${r.stdout}${r.stderr}`.trim(), '', `${name}: no lint findings`);
  }
});
