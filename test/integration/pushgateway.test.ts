// src/report/pushgateway.ts against Debian's real prometheus-pushgateway on 127.0.0.1 (started here,
// in memory, stopped in teardown): the groups land, a second push replaces a group (a check that is
// gone disappears), last_success is carried over a failed run, grouping keys with `/` and spaces, and
// a failed push is an error that names the group.
import t from 'tap';
import type { RunResult } from '../../src/core/model.js';
import { groupingPath, PushError, pushReport } from '../../src/report/pushgateway.js';
import { startPushgateway } from '../../scripts/prometheus.mjs';
import { result } from '../fixtures/reports/load.js';

const pgw = await startPushgateway();
t.teardown(() => pgw.stop());

const named = (name: string, base: RunResult = result('pass')): RunResult => ({ ...structuredClone(base), target: { ...base.target, name } });
const input = (results: RunResult[]) => ({ kind: 'run' as const, results, verdict: results.every((r) => r.verdict === 'pass') ? ('pass' as const) : ('fail' as const), durationMs: 10, startedAt: results[0]!.startedAt });
const exposed = async () => (await (await fetch(`${pgw.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('backup_canary_'));

t.test('each target is its own group under job backup-canary', async (t) => {
  const pushed = await pushReport(pgw.url, input([named('db'), named('files')]));
  t.same(pushed.map((p) => p.target), ['db', 'files']);
  t.equal(pushed[0]!.url, `${pgw.url}/metrics/job/backup-canary/target/db`);
  const lines = await exposed();
  const put = result('pass').checks.find((c) => c.id === 'put-object')!;
  t.ok(put, 'the fixture has a put-object check');
  for (const target of ['db', 'files']) {
    t.ok(lines.some((l) => l.startsWith('backup_canary_success{') && l.includes(`job="backup-canary"`) && l.includes(`target="${target}"`) && l.endsWith(' 1')), `success of ${target}`);
    t.ok(lines.some((l) => l.startsWith('backup_canary_check_success{') && l.includes(`target="${target}"`) && l.includes('check="put-object"')), `put-object of ${target}`);
  }
  // the Pushgateway's own view of the groups
  const api = (await (await fetch(`${pgw.url}/api/v1/metrics`)).json()) as { data: { labels: Record<string, string> }[] };
  t.same(api.data.map((g) => g.labels).sort((a, b) => a.target!.localeCompare(b.target!)), [
    { job: 'backup-canary', target: 'db' },
    { job: 'backup-canary', target: 'files' },
  ]);
});

t.test('a second push replaces the group: a check that is gone disappears; last_success carries over a failure', async (t) => {
  const before = await exposed();
  const lastSuccess = before.find((l) => l.startsWith('backup_canary_last_success_timestamp_seconds{') && l.includes('target="db"'));
  t.ok(lastSuccess, 'db passed in the first push');
  const failing = named('db');
  failing.verdict = 'fail';
  failing.startedAt = new Date(Date.parse(failing.startedAt) + 86_400_000).toISOString();
  failing.checks = failing.checks.filter((c) => c.id !== 'multipart-create');
  const put = failing.checks.find((c) => c.id === 'put-object')!;
  put.outcome = 'denied';
  put.ok = false;
  await pushReport(pgw.url, input([failing]));
  const after = await exposed();
  const db = after.filter((l) => l.includes('target="db"'));
  t.notOk(db.some((l) => l.includes('check="multipart-create"')), 'the removed check is gone from the group');
  t.ok(db.some((l) => l.startsWith('backup_canary_success{') && l.endsWith(' 0')), 'db now fails');
  t.ok(db.some((l) => l.startsWith('backup_canary_check_success{') && l.includes('check="put-object"') && l.endsWith(' 0')));
  t.equal(db.find((l) => l.startsWith('backup_canary_last_success_timestamp_seconds{'))?.split(' ').pop(), lastSuccess!.split(' ').pop(), 'last success kept from the previous push');
  t.ok(after.some((l) => l.includes('target="files"') && l.includes('check="multipart-create"')), 'the other group is untouched');
});

t.test('grouping keys: a value with / or spaces goes as @base64, the Pushgateway decodes it', async (t) => {
  t.equal(groupingPath('backup-canary', [['target', 'aws b/p/ (default)']]), `/metrics/job/backup-canary/target@base64/${Buffer.from('aws b/p/ (default)').toString('base64url')}`);
  t.equal(groupingPath('backup-canary', [['target', '']]), '/metrics/job/backup-canary/target@base64/=');
  t.equal(groupingPath('backup-canary', [['target', 'a b']]), '/metrics/job/backup-canary/target/a%20b');
  const unnamed = result('pass'); // no run-file name: the target is `<provider> <bucket>/<prefix> (<probe>)`
  await pushReport(pgw.url, { kind: 'probe', results: [unnamed], verdict: 'pass', durationMs: 1, startedAt: unnamed.startedAt });
  const api = (await (await fetch(`${pgw.url}/api/v1/metrics`)).json()) as { data: { labels: Record<string, string> }[] };
  const want = `${unnamed.target.provider} ${unnamed.target.bucket}/${unnamed.target.prefix} (${unnamed.target.probe})`;
  t.ok(api.data.some((g) => g.labels.target === want), `group target="${want}"`);
});

t.test('a push that does not land is a PushError naming the group', async (t) => {
  await t.rejects(pushReport('http://127.0.0.1:1', input([named('db')]), { timeoutMs: 2000 }), PushError);
  await t.rejects(pushReport(`${pgw.url}/nowhere`, input([named('db')])), { name: 'PushError', message: /\/nowhere\/metrics\/job\/backup-canary\/target\/db: HTTP 404/ });
});
