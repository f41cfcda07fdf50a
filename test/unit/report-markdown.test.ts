// Markdown for a job summary: heading with the verdict, one table per target, fixes below, leftovers.

import t from 'tap';
import type { RunResult } from '../../src/core/model.js';
import { FORMATS, type ReportInput, singleRun } from '../../src/report/index.js';
import { code, md } from '../../src/report/markdown.js';
import { result, runInput } from '../fixtures/reports/load.js';

const render = (input: ReportInput) => FORMATS.markdown!(input, { color: false });
/** The rows of the table that follows `heading` (a target's `####` line), split into cells. */
function table(out: string, heading?: string): string[][] {
  const from = heading ? out.indexOf(heading) : 0;
  t.ok(from >= 0, `heading ${heading}`);
  const lines = out.slice(from).split('\n');
  const start = lines.findIndex((l) => l.startsWith('| | check |'));
  const rows: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(l.slice(2, -2).split(/(?<!\\) \| /));
  }
  return rows;
}

t.test('a probe: heading with the verdict, one row per check, the fix once', async (t) => {
  const out = render(singleRun(result('office-ip')));
  t.equal(out.split('\n')[0], '### ❌ backup-canary: FAIL · aws office-backups/nas/ (default)');
  t.match(out, /^2\/16 expectations met · role `arn:aws:sts:::assumed-role\/nightly-backup\/backup-canary-9c0d11aa` at `http:\/\/127\.0\.0\.1:7480` · run `20261122T020004Z-b71e02` · 311 ms$/m);
  const rows = table(out);
  t.equal(rows.length, 16);
  t.same(rows.map((r) => r.length), Array(16).fill(5), 'five cells in every row');
  t.same(rows[1], [
    '❌',
    '`put-object`',
    '`s3:PutObject`',
    'denied (expected allowed)',
    'resource-policy (explicit deny) · `AccessDenied 403` · bucket-policy Sid=OnlyOfficeMayWrite (Deny): NotIpAddress aws:SourceIp 203.0.113.0/24 vs 127.0.0.1 → matched',
  ]);
  t.same(rows[2], ['➖', '`head-object`', '`s3:GetObject`', 'skipped (expected allowed)', 'skipped: needs put-object, which was denied']);
  t.same(rows[0]!.slice(0, 4), ['✅', '`assume-role`', '`sts:AssumeRole`', 'allowed']);
  t.same(rows.map((r) => r[0]).join(''), '✅❌➖➖✅❌➖➖➖➖➖➖❌➖➖➖');
  const fix = out.slice(out.indexOf('**Fix**'));
  t.ok(out.indexOf('**Fix**') > out.indexOf('| ❌ | `abort-create`'), 'the fix is below the table');
  t.match(fix, /^- `put-object` \(request `tx000003112dcfd568a4f69-006b029fa1-1009-default`\): bucket-policy Sid=OnlyOfficeMayWrite \(Deny\): .*Keep the Deny and exempt only the backup role/m);
  t.match(fix, /  bucket policy:\n\n  ```json\n  \{"Sid":"OnlyOfficeMayWrite","Effect":"Deny",.*"ArnNotLike":\{"aws:PrincipalArn":"arn:aws:iam:::role\/nightly-backup"\}\}\}\n  ```/);
  t.match(fix, /^- `multipart-create`: as for `put-object`\.$/m);
  t.match(fix, /^- `abort-create`: as for `put-object`\.$/m);
  t.equal(fix.match(/```json/g)?.length, 1, 'the snippet once');
  t.match(out, /Policies not visible to the evaluation: `role-managed` \(ListAttachedRolePolicies answered 405 MethodNotAllowed/);
});

t.test('a pass has no fix section; OSS evidence shows the EC and the RecommendDoc', async (t) => {
  const pass = render(singleRun(result('pass')));
  t.equal(pass.split('\n')[0], '### ✅ backup-canary: PASS · aws corp-backups/db/nightly/ (default)');
  t.notMatch(pass, /\*\*Fix\*\*|❌|Left behind/);
  t.same(table(pass).map((r) => r[0]), Array(16).fill('✅'));
  const oss = render(singleRun(result('oss-denied')));
  t.same(table(oss)[1]!.slice(3), ['denied (expected allowed)', 'resource-policy (explicit deny) · `AccessDenied 403 EC 0003-00000101`']);
  t.match(oss, /^  See https:\/\/api\.aliyun\.com\/troubleshoot?\?q=0003-00000101$/m);
});

t.test('a run: one heading with the aggregated verdict, a section per target, leftovers', async (t) => {
  const out = render(runInput());
  t.equal(out.split('\n')[0], '### ❌ backup-canary run: ERROR · 5 targets: 2 passed, 2 failed, 1 could not complete (3127 ms)');
  const headings = out.split('\n').filter((l) => l.startsWith('#### '));
  t.same(headings, [
    '#### ✅ db-nightly: aws corp-backups/db/nightly/ (default): PASS',
    '#### ❌ dr-site: aws dr-backups/db/ (default): ERROR',
    '#### ✅ vault-append-only: aws vault/restic/ (append-only): PASS',
    '#### ❌ vault-over-privileged: aws vault/kopia/ (no-delete): FAIL',
    '#### ❌ office-nas: aws office-backups/nas/ (default): FAIL',
  ]);
  t.same(table(out, '#### ❌ dr-site')[0], ['❌', '`assume-role`', '`sts:AssumeRole`', 'error (expected allowed)', 'endpoint · `ECONNREFUSED`']);
  t.same(table(out, '#### ✅ vault-append-only')[5], ['✅', '`multipart-abort`', '`s3:AbortMultipartUpload`', 'denied (expected denied)', 'source not named by the response · `AccessDenied 403`']);
  t.same(table(out, '#### ❌ vault-over-privileged')[6], ['❌', '`delete-object`', '`s3:DeleteObject`', 'allowed (expected denied) **over-privileged**', '']);
  const section = (h: string) => {
    const from = out.indexOf(h);
    const to = out.indexOf('\n#### ', from + 1);
    return out.slice(from, to < 0 ? undefined : to);
  };
  t.match(section('#### ❌ vault-over-privileged'), /^- `delete-object`: `s3:DeleteObject` must be denied under this definition; remove the permission that grants it\.$/m);
  t.match(section('#### ❌ vault-over-privileged'), /\*\*Left behind \(1\)\*\*\n\n- ❌ `kopia\/\.backup-canary\/20261122T020003Z-c0ffee\/multipart\.bin` \(upload `2~mpJ8fZ0c9Yh3xq7KdWn1TQ4vRsg`\): s3:AbortMultipartUpload failed/);
  t.match(section('#### ✅ vault-append-only'), /- ➖ `restic\/\.backup-canary\/20261122T020002Z-5a6b7c\/object\.bin` \(expected by the definition\): /);
  t.match(section('#### ❌ dr-site'), /^- `assume-role`: Nothing listens at https:\/\/10\.20\.30\.40/m);
  t.notMatch(section('#### ❌ office-nas'), /dr-site|vault/, 'sections are separate');
});

t.test('a target that never ran says why, with no table', async (t) => {
  const r: RunResult = { ...result('pass'), runId: '', checks: [], leftovers: [], verdict: 'error', error: 'could not load credentials: profile "dr" not found', durationMs: 0 };
  const out = render({ kind: 'run', results: [r], verdict: 'error', durationMs: 0, startedAt: r.startedAt });
  t.match(out, /\*\*Could not run:\*\* could not load credentials: profile "dr" not found/);
  t.notMatch(out, /\| \| check \|/);
  t.notMatch(out, /run ``/, 'no empty run id');
});

t.test('cells stay cells: pipes, newlines, Markdown and HTML in messages', async (t) => {
  const r = result('office-ip');
  const skipped = r.checks.find((k) => k.outcome === 'skipped')!;
  skipped.reason = 'needs a|b\nand *bold* <script>alert(1)</script> [link](http://x) \u001b[31m';
  const rows = table(render(singleRun(r)));
  const row = rows.find((x) => x[1] === `\`${skipped.id}\``)!;
  t.equal(row.length, 5, 'the pipe did not split the cell');
  t.equal(row[4], 'skipped: needs a\\|b and \\*bold\\* \\<script\\>alert(1)\\</script\\> \\[link\\](http://x) \\u001b\\[31m');
  t.equal(md('a_b~c#d&e!f`g\\h'), 'a\\_b\\~c\\#d\\&e\\!f\\`g\\\\h');
  t.equal(code('a|b'), '`a\\|b`');
  t.equal(code('x `y` z'), '``x `y` z``');
  t.equal(code('`y`'), '`` `y` ``');
  t.equal(code(''), '');
});

t.test('a fix shown after rejected candidates: one list item per rejected candidate under the snippet', async (t) => {
  const r = result('office-ip');
  const fix = r.checks.find((c) => c.id === 'put-object')!.explain!.fix!;
  fix.safe = true;
  fix.proof = {
    store: 'ceph-rgw',
    candidates: [
      { form: 'principal-arn-condition', summary: 's', shown: false, checks: [{ check: 'store-supports', ok: false, detail: 'ceph-rgw does not support the condition key aws:PrincipalArn' }, { check: 'role-allowed', ok: true, detail: 'ok' }] },
      { form: 'not-principal-role', summary: 's', shown: true, checks: [{ check: 'store-supports', ok: true, detail: 'ok' }] },
    ],
  };
  const out = render(singleRun(r));
  const section = out.slice(out.indexOf('**Fix**'));
  t.match(section, /  ```\n\n  - not proposed on ceph-rgw: principal-arn-condition: store-supports failed \(ceph-rgw does not support the condition key aws:PrincipalArn\)\n/);
  t.equal(section.match(/not proposed on/g)?.length, 1, 'only the rejected candidate, once');
  t.notMatch(render(singleRun(result('office-ip'))), /not proposed on/, 'no proof record: no such line');
});
