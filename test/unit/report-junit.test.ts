// JUnit XML: validated with xmllint against the JUnit schema CI servers read (Debian package
// libxml2-utils; missing xmllint fails this file, it never skips), content read back with XPath.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { CheckResult, RunResult } from '../../src/core/model.js';
import { FORMATS, type ReportInput, singleRun } from '../../src/report/index.js';
import { attr, junitTimestamp, renderJunit, text, xmlChars } from '../../src/report/junit.js';
import { REPORT_FIXTURES, result, runInput } from '../fixtures/reports/load.js';

const XSD = join(REPORT_FIXTURES, 'junit.xsd');
const dir = mkdtempSync(join(tmpdir(), 'report-junit-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function xmllint(args: string[], xml: string): { status: number | null; stdout: string; stderr: string; error?: Error } {
  const file = join(dir, `r${++n}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', [...args, file], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ...(r.error ? { error: r.error } : {}) };
}
const validate = (xml: string) => xmllint(['--noout', '--schema', XSD], xml);
const xpath = (xml: string, expr: string) => {
  const r = xmllint(['--xpath', expr], xml);
  if (r.status !== 0 && r.status !== 10) throw new Error(`xmllint --xpath ${expr}: ${r.stderr}`);
  return r.stdout.endsWith('\n') ? r.stdout.slice(0, -1) : r.stdout; // xmllint ends the result with a newline

};
const junit = (input: ReportInput) => FORMATS.junit!(input, { color: false, hostname: 'ci-runner-7' });

t.before(() => {
  const v = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) {
    throw new Error('xmllint is required to validate JUnit output: install the Debian package libxml2-utils (apt-get install libxml2-utils)');
  }
});

t.test('every output is valid against the JUnit schema', async (t) => {
  const inputs: [string, ReportInput][] = [
    ['pass', singleRun(result('pass'))],
    ['office-ip', singleRun(result('office-ip'))],
    ['oss-denied', singleRun(result('oss-denied'))],
    ['run of five', runInput()],
  ];
  for (const [name, input] of inputs) {
    const r = validate(junit(input));
    t.equal(r.status, 0, `${name}: ${r.stderr.trim()}`);
    t.match(r.stderr, /validates/);
  }
  const withOwnHost = renderJunit(singleRun(result('pass')));
  t.equal(xpath(withOwnHost, 'string(//testsuite/@hostname)'), hostname().trim() || 'localhost', 'the hostname defaults to this machine');
  t.equal(validate(withOwnHost).status, 0);
});

t.test('the validation can fail: what the schema forbids is rejected', async (t) => {
  const ok = junit(singleRun(result('office-ip')));
  const broken: [string, string][] = [
    ['a skipped attribute (not in this schema)', ok.replace('<testsuite ', '<testsuite skipped="0" ')],
    ['a <skipped/> element', ok.replace(/<failure type="skipped"[^>]*>[^<]*<\/failure>/, '<skipped/>')],
    ['a failure without type', ok.replace('<failure type="denied" ', '<failure ')],
    ['a timestamp with a zone', ok.replace(/timestamp="([^"]+)"/, 'timestamp="$1Z"')],
    ['no <properties>', ok.replace(/<properties>[\s\S]*<\/properties>\n/, '')],
    ['no <system-err>', ok.replace(/<system-err>[\s\S]*<\/system-err>\n/, '')],
  ];
  for (const [name, xml] of broken) {
    t.not(xml, ok, `${name}: the document was changed`);
    const r = validate(xml);
    t.not(r.status, 0, `${name}: rejected`);
    t.match(r.stderr, /fails to validate/, name);
  }
});

t.test('one suite per target, one case per check, counts that match the verdicts', async (t) => {
  const xml = junit(runInput());
  t.equal(xpath(xml, 'count(/testsuites/testsuite)'), '5');
  const suite = (i: number, a: string) => xpath(xml, `string(/testsuites/testsuite[@id="${i}"]/@${a})`);
  // [name, tests, failures, errors]: db-nightly, dr-site, vault-append-only (+cleanup, passing), vault-over-privileged (+cleanup, failing), office-nas
  const expected = [
    ['db-nightly: aws corp-backups/db/nightly/ (default)', '16', '0', '0'],
    ['dr-site: aws dr-backups/db/ (default)', '16', '15', '1'],
    ['vault-append-only: aws vault/restic/ (append-only)', '8', '0', '0'],
    ['vault-over-privileged: aws vault/kopia/ (no-delete)', '8', '2', '0'],
    ['office-nas: aws office-backups/nas/ (default)', '16', '14', '0'],
  ];
  expected.forEach(([name, tests, failures, errors], i) => {
    t.same([suite(i, 'name'), suite(i, 'tests'), suite(i, 'failures'), suite(i, 'errors')], [name, tests, failures, errors], name!);
    t.equal(suite(i, 'package'), 'backup-canary');
    t.equal(suite(i, 'hostname'), 'ci-runner-7');
    t.equal(xpath(xml, `count(/testsuites/testsuite[@id="${i}"]/testcase/failure)`), failures, `${name}: failure elements`);
    t.equal(xpath(xml, `count(/testsuites/testsuite[@id="${i}"]/testcase/error)`), errors, `${name}: error elements`);
  });
  t.equal(suite(0, 'timestamp'), '2026-11-22T02:00:00', 'UTC, no fraction, no zone');
  t.equal(suite(0, 'time'), '1.184');
  t.equal(xpath(xml, 'string(//testsuite[@id="0"]/testcase[2]/@name)'), 'put-object (s3:PutObject)');
  t.equal(xpath(xml, 'string(//testsuite[@id="0"]/testcase[2]/@classname)'), 'db-nightly: aws corp-backups/db/nightly/ (default)');
  t.equal(xpath(xml, 'string(//testsuite[@id="0"]/testcase[1]/@time)'), '0.412');
  t.equal(xpath(xml, 'string(//testsuite[@id="0"]/properties/property[@name="role"]/@value)'), 'arn:aws:iam::123456789012:role/nightly-backup');
  t.equal(xpath(xml, 'string(//testsuite[@id="4"]/properties/property[@name="endpoint"]/@value)'), 'http://127.0.0.1:7480');
});

t.test('a denied check that should be allowed: the message names action, source and hint; the text has the evidence', async (t) => {
  const xml = junit(singleRun(result('office-ip')));
  const failure = '//testcase[@name="put-object (s3:PutObject)"]/failure';
  t.equal(xpath(xml, `string(${failure}/@type)`), 'denied');
  const message = xpath(xml, `string(${failure}/@message)`);
  t.match(message, /^s3:PutObject was denied, expected allowed: stage object, resource-policy \(explicit deny\)\. /);
  t.match(message, 'Keep the Deny and exempt only the backup role: add "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam:::role/nightly-backup"}');
  const body = xpath(xml, `string(${failure})`);
  for (const line of [
    'code: AccessDenied',
    'status: 403',
    'request id: tx000003112dcfd568a4f69-006b029fa1-1009-default',
    'statement: bucket-policy Sid=OnlyOfficeMayWrite (Deny)',
    'condition: NotIpAddress aws:SourceIp [203.0.113.0/24] vs [127.0.0.1] → true',
    'evaluation: explicit-deny by resource-policy: bucket-policy Sid=OnlyOfficeMayWrite (Deny)',
    'bucket policy: {"Sid":"OnlyOfficeMayWrite","Effect":"Deny"',
  ]) t.ok(body.includes(line), `evidence: ${line}`);
  t.match(xpath(xml, 'string(//system-out)'), /explain: not visible: role-managed: ListAttachedRolePolicies answered 405/);
});

t.test('OSS evidence: EC, RecommendDoc, AccessDeniedDetail', async (t) => {
  const xml = junit(singleRun(result('oss-denied')));
  const failure = '//testcase[@name="put-object (oss:PutObject)"]/failure';
  t.match(xpath(xml, `string(${failure}/@message)`), /^oss:PutObject was denied, expected allowed: stage object, resource-policy \(explicit deny\)\. A Deny statement in the bucket policy of polardb-backup-hz/);
  const body = xpath(xml, `string(${failure})`);
  for (const line of [
    'EC: 0003-00000101',
    'recommend doc: https://api.aliyun.com/troubleshoot?q=0003-00000101',
    'access denied detail: PolicyType=BucketPolicy',
    'access denied detail: NoPermissionType=ExplicitDeny',
    'request id: 673F2C1B9E4D4730324E567A',
    'message: You have no right to access this object because of bucket policy.',
  ]) t.ok(body.includes(line), `evidence: ${line}`);
});

t.test('skipped checks are failures (a skipped check never passes); no <skipped> element at all', async (t) => {
  const xml = junit(runInput());
  t.notMatch(xml, /<skipped/);
  const skipped = '//testsuite[@id="4"]/testcase[@name="head-object (s3:GetObject)"]/failure';
  t.equal(xpath(xml, `string(${skipped}/@type)`), 'skipped');
  t.equal(xpath(xml, `string(${skipped}/@message)`), 'skipped: needs put-object, which was denied');
  // a skipped check whose expectation is deny fails too: the probe's verdict counts it as not met
  const r = result('pass');
  const k = r.checks.find((c) => c.id === 'delete-object')!;
  Object.assign(k, { expect: 'deny', outcome: 'skipped', ok: false, durationMs: 0, reason: 'needs put-object, which was denied' });
  delete k.key;
  const one = junit(singleRun({ ...r, verdict: 'fail' }));
  t.equal(xpath(one, 'string(//testcase[@name="delete-object (s3:DeleteObject)"]/failure/@type)'), 'skipped');
  t.equal(validate(one).status, 0);
});

t.test('errors, over-privileged checks, leftovers', async (t) => {
  const xml = junit(runInput());
  const err = '//testsuite[@id="1"]/testcase[@name="assume-role (sts:AssumeRole)"]/error';
  t.equal(xpath(xml, `string(${err}/@type)`), 'ECONNREFUSED');
  t.match(xpath(xml, `string(${err}/@message)`), /^sts:AssumeRole could not complete at stage network: ECONNREFUSED: connect ECONNREFUSED 10\.20\.30\.40:443\. Nothing listens/);
  t.match(xpath(xml, `string(${err})`), /retries: 2/);

  const over = '//testsuite[@id="3"]/testcase[@name="delete-object (s3:DeleteObject)"]/failure';
  t.equal(xpath(xml, `string(${over}/@type)`), 'over-privileged');
  t.match(xpath(xml, `string(${over}/@message)`), /^s3:DeleteObject was allowed, expected denied \(over-privileged\)/);

  const cleanup = '//testsuite[@id="3"]/testcase[@name="cleanup"]/failure';
  t.equal(xpath(xml, `string(${cleanup}/@type)`), 'leftover');
  t.match(xpath(xml, `string(${cleanup}/@message)`), /^1 canary left behind: kopia\/\.backup-canary\/20261122T020003Z-c0ffee\/multipart\.bin \(upload 2~mpJ8fZ0c9Yh3xq7KdWn1TQ4vRsg\): s3:AbortMultipartUpload failed/);
  t.match(xpath(xml, 'string(//testsuite[@id="3"]/system-err)'), /^left behind: kopia\/\.backup-canary\/20261122T020003Z-c0ffee\/multipart\.bin/);

  // append-only: the canaries it must not delete are listed, the cleanup case passes
  t.equal(xpath(xml, 'count(//testsuite[@id="2"]/testcase[@name="cleanup"])'), '1');
  t.equal(xpath(xml, 'count(//testsuite[@id="2"]/testcase[@name="cleanup"]/*)'), '0');
  t.match(xpath(xml, 'string(//testsuite[@id="2"]/system-err)'), /left behind \(expected by the definition\): restic\/\.backup-canary\/20261122T020002Z-5a6b7c\/aborted\.bin \(upload 2~aB3/);
  t.equal(xpath(xml, 'count(//testsuite[@id="0"]/testcase[@name="cleanup"])'), '0', 'no cleanup case without leftovers');
});

t.test('an interrupted run: the checks it did not reach are errors; a target that never ran is one error', async (t) => {
  const r = result('pass');
  r.checks.slice(4).forEach((k: CheckResult) => {
    for (const key of ['key', 'uploadId', 'retries'] as const) delete k[key];
    Object.assign(k, { outcome: 'skipped', ok: false, durationMs: 0, reason: 'interrupted by SIGTERM' });
  });
  const interrupted: RunResult = { ...r, verdict: 'error', interrupted: 'SIGTERM' };
  const notRun: RunResult = { ...result('office-ip'), runId: '', checks: [], leftovers: [], verdict: 'error', error: 'not started: interrupted by SIGTERM', interrupted: 'SIGTERM', durationMs: 0 };
  delete notRun.explain;
  const xml = junit({ kind: 'run', results: [interrupted, notRun], verdict: 'error', durationMs: 10, startedAt: r.startedAt });
  t.equal(validate(xml).status, 0);
  t.equal(xpath(xml, 'count(//testsuite[@id="0"]/testcase/error[@type="interrupted"])'), String(r.checks.length - 4));
  t.equal(xpath(xml, 'string(//testsuite[@id="0"]/@errors)'), String(r.checks.length - 4));
  t.equal(xpath(xml, 'string(//testsuite[@id="0"]/@failures)'), '0');
  t.equal(xpath(xml, 'string(//testsuite[@id="1"]/@tests)'), '1');
  t.equal(xpath(xml, 'string(//testsuite[@id="1"]/testcase/@name)'), 'probe');
  t.equal(xpath(xml, 'string(//testsuite[@id="1"]/testcase/error/@message)'), 'not started: interrupted by SIGTERM');
});

t.test('escaping: markup, quotes, whitespace, and characters XML 1.0 forbids', async (t) => {
  const nasty = 'a<b>&c "d" \'e\' ]]> tab\there\nline2\rcr \u0000nul \u001besc \u007fdel \uFFFEnonchar \uD800lone 😀 ok';
  const expectedMessage = 'a<b>&c "d" \'e\' ]]> tab\there\nline2\rcr \\u0000nul \\u001besc \u007fdel \\ufffenonchar \\ud800lone 😀 ok';
  t.equal(xmlChars(nasty), expectedMessage);
  const r = result('office-ip');
  const put = r.checks.find((k) => k.id === 'put-object')!;
  put.denial!.hint = nasty;
  // the message's next step is the evaluated fix when there is one (it lives under explain)
  put.explain!.fix!.summary = nasty;
  put.denial!.message = nasty;
  r.target.name = 'name with "quotes" & <angles>';
  const xml = junit(singleRun(r));
  const v = validate(xml);
  t.equal(v.status, 0, v.stderr);
  const message = xpath(xml, 'string(//testcase[@name="put-object (s3:PutObject)"]/failure/@message)');
  t.ok(message.endsWith(`. ${expectedMessage}`), 'the attribute reads back exactly, newline, tab and CR included');
  const body = xpath(xml, 'string(//testcase[@name="put-object (s3:PutObject)"]/failure)');
  t.ok(body.includes(`message: ${expectedMessage}`), 'the element text reads back exactly, CR included');
  t.equal(xpath(xml, 'string(//testsuite/@name)'), 'name with "quotes" & <angles>: aws office-backups/nas/ (default)');
  t.equal(text('a]]>b\r'), 'a]]&gt;b&#13;');
  t.equal(attr('x"\t\n'), 'x&quot;&#9;&#10;');
});

t.test('timestamps', async (t) => {
  t.equal(junitTimestamp('2026-11-22T02:00:04.530Z'), '2026-11-22T02:00:04');
  t.equal(junitTimestamp('2026-11-22T03:00:04.530+01:00'), '2026-11-22T02:00:04', 'converted to UTC');
  t.equal(junitTimestamp('not a date'), '1970-01-01T00:00:00', 'never an invalid document');
});

t.test('targets that look alike get distinct suite names', async (t) => {
  const a = result('pass');
  const b = { ...result('pass'), target: { ...a.target, role: 'arn:aws:iam::123456789012:role/other' } };
  const c = result('pass');
  const xml = junit({ kind: 'run', results: [a, b, c], verdict: 'pass', durationMs: 1, startedAt: a.startedAt });
  t.equal(validate(xml).status, 0);
  t.same([0, 1, 2].map((i) => xpath(xml, `string(//testsuite[@id="${i}"]/@name)`)), [
    'aws corp-backups/db/nightly/ (default) as arn:aws:iam::123456789012:role/nightly-backup #1',
    'aws corp-backups/db/nightly/ (default) as arn:aws:iam::123456789012:role/other',
    'aws corp-backups/db/nightly/ (default) as arn:aws:iam::123456789012:role/nightly-backup #2',
  ]);
});

t.test('--backup-*: the backup vantage is a test case of its own, failing when the backup would fail', async (t) => {
  const r = result('pass');
  r.asBackup = {
    verdict: 'fail',
    vantage: { sourceIp: '198.51.100.7' },
    checks: [
      { id: 'put-object', action: 's3:PutObject', decision: 'explicit-deny', decidedBy: 'resource-policy', statement: { policy: 'bucket-policy', sid: 'OfficeOnly', effect: 'Deny' }, summary: 'explicit deny', ok: false, differs: 'this run was allowed; from the backup\'s vantage bucket-policy Sid OfficeOnly denies it' },
      { id: 'get-object', action: 's3:GetObject', decision: 'allowed', decidedBy: null, statement: null, summary: 'allowed', ok: true },
    ],
  };
  r.verdict = 'fail';
  const xml = junit(singleRun(r));
  t.equal(validate(xml).status, 0, 'valid against the JUnit schema');
  t.equal(xpath(xml, 'string(//testcase[@name="as the backup (from 198.51.100.7)"]/failure/@type)'), 'backup-vantage');
  t.match(xpath(xml, 'string(//testcase[@name="as the backup (from 198.51.100.7)"]/failure/@message)'), /1 check would be denied: put-object$/);
  t.match(xpath(xml, 'string(//testcase[@name="as the backup (from 198.51.100.7)"]/failure)'), /put-object: this run was allowed; from the backup's vantage bucket-policy Sid OfficeOnly denies it/);
  t.equal(xpath(xml, 'string(//testsuite/@failures)'), '1', 'the suite fails as the run does');
  r.asBackup.verdict = 'pass';
  r.asBackup.checks = [r.asBackup.checks[1]!];
  const ok = junit(singleRun(r));
  t.equal(xpath(ok, 'count(//testcase[@name="as the backup (from 198.51.100.7)"]/failure)'), '0', 'holds for the backup: a passing case');
});
