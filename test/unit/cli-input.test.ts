// Bad input: one clear line on stderr, exit 2, no stack trace, and no request sent (a local server
// counts every request that reaches it).
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

let requests = 0;
const server = createServer((_req, res) => {
  requests++;
  res.statusCode = 500;
  res.end();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
t.teardown(() => server.close());
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
process.env.AWS_ACCESS_KEY_ID = 'BCFAKEKEYFORINPUTTESTS';
process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret-for-input-tests';

const dir = mkdtempSync(join(tmpdir(), 'bc-input-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'bad.json'), '{ not json');
writeFileSync(join(dir, 'nostatement.json'), '{"Version":"2012-10-17"}');
// --writer-profile is looked up in these (empty) shared files, not the machine's
writeFileSync(join(dir, 'aws-config'), '[profile app-writer]\nregion = us-east-1\n');
writeFileSync(join(dir, 'aws-credentials'), '');
process.env.AWS_CONFIG_FILE = join(dir, 'aws-config');
process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'aws-credentials');
writeFileSync(join(dir, 'writer-acl.yaml'), `targets:\n  - name: w\n    role: arn:aws:iam::123456789012:role/backup\n    bucket: backups\n    prefix: db/\n    endpoint: ${endpoint}\n    writer-role: arn:aws:iam::123456789012:role/app\n    writer-acl: owner-full\n`);
writeFileSync(join(dir, 'writer-ok.yaml'), `targets:\n  - name: w\n    role: arn:aws:iam::123456789012:role/backup\n    bucket: backups\n    prefix: db/\n    probe: s3-backup-source\n    endpoint: ${endpoint}\n    writer-profile: app-writer\n    writer-acl: bucket-owner-full-control\n`);

const base = ['probe', '--role', 'arn:aws:iam::123456789012:role/backup', '--bucket', 'backups', '--prefix', 'db/', '--endpoint', endpoint];
const cases: [string, string[], RegExp][] = [
  ['malformed ARN', ['probe', '--role', 'arn:aws:iam::12:role/x', '--bucket', 'backups', '--prefix', 'p', '--endpoint', endpoint], /--role: "arn:aws:iam::12:role\/x" is not an IAM role ARN/],
  ['invalid bucket', [...base.slice(0, 3), '--bucket', 'Bad_Bucket', '--prefix', 'p', '--endpoint', endpoint], /--bucket: "Bad_Bucket" is not a valid bucket name/],
  ['prefix with ..', [...base, '--prefix', 'db/../other'], /--prefix: "db\/\.\.\/other" has a "\." or "\.\." segment/],
  ['empty prefix', [...base, '--prefix', ''], /--allow-bucket-root/],
  ['unknown flag', [...base, '--colour'], /Unknown argument: colour/],
  ['missing bucket', ['probe', '--role', 'arn:aws:iam::123456789012:role/backup', '--prefix', 'p'], /Missing required argument: bucket/],
  ['missing role', ['probe', '--bucket', 'backups', '--prefix', 'p'], /--role is required/],
  ['duration too short', [...base, '--duration', '60'], /--duration: 60 is out of range \(900 to 43200 seconds\)/],
  ['duration too long', [...base, '--duration', '50000'], /--duration: 50000 is out of range/],
  ['duration not a number', [...base, '--duration', 'soon'], /--duration: NaN is out of range/],
  ['bad session name', [...base, '--session-name', 'has space'], /--session-name/],
  ['bad endpoint', [...base, '--endpoint', 'nowhere'], /--endpoint: "nowhere" is not a URL/],
  ['bad region', [...base, '--region', 'Mars'], /--region: "Mars" is not a region name/],
  ['bad format', [...base, '--format', 'xml'], /--format: "xml" is not supported \(supported: text, json, junit, markdown, prometheus\)/],
  ['two formats to standard output', [...base, '--format', 'json', '--format', 'text'], /only one format can go to standard output/],
  ['more outputs than formats', [...base, '--format', 'json', '--output', '/tmp/a.json', '--output', '/tmp/b.json'], /2 files for 1 formats/],
  ['same output twice', [...base, '--format', 'json', '--output', '/tmp/a.json', '--format', 'junit', '--output', '/tmp/a.json'], /the same file is named twice/],
  ['run: bad concurrency', ['run', '/nonexistent.yaml', '--concurrency', '0'], /--concurrency: 0 is out of range/],
  ['run: missing file', ['run', '/nonexistent.yaml'], /cannot read the run file \(ENOENT\)/],
  ['probes show: unknown', ['probes', 'show', 'nope'], /no probe definition "nope"/],
  ['probes: no subcommand', ['probes'], /Name a subcommand/],
  ['cleanup: bad age', ['cleanup', '--no-assume', '--bucket', 'backups', '--prefix', 'p', '--older-than', 'x', '--endpoint', endpoint], /--older-than/],
  ['unknown probe definition', [...base, '--probe', 'nope'], /--probe: no probe definition "nope"/],
  ['bad part size', [...base, '--part-size', '1KiB'], /--part-size: 1024 is out of range/],
  ['bad timeout', [...base, '--timeout', '0'], /--timeout: 0 is out of range/],
  ['bad attempts', [...base, '--max-attempts', '99'], /--max-attempts: 99 is out of range/],
  ['unreadable session policy', [...base, '--session-policy', join(dir, 'missing.json')], /--session-policy: cannot read .*ENOENT/],
  ['session policy not JSON', [...base, '--session-policy', join(dir, 'bad.json')], /--session-policy: .* is not valid JSON/],
  ['session policy without statements', [...base, '--session-policy', join(dir, 'nostatement.json')], /no "Statement"/],
  ['role with --no-assume', [...base, '--no-assume'], /exclude each other/],
  ['unknown provider', [...base, '--provider', 'azure'], /--provider: "azure" is not supported/],
  ['output dir missing', [...base, '--output', join(dir, 'nope', 'r.json')], /--output: cannot write/],
  // bidirectional and invisible characters (issue 13 item 9): refused, the flag named, shown escaped
  ['right-to-left override in the prefix', [...base, '--prefix', 'db/\u202etxt.exe/'], /^backup-canary: --prefix: contains U\+202E \(RIGHT-TO-LEFT OVERRIDE\); control and invisible characters are not allowed$/m],
  ['zero-width space in the prefix', [...base, '--prefix', 'db\u200b/'], /--prefix: contains U\+200B \(ZERO WIDTH SPACE\)/],
  ['isolate in the bucket', [...base.slice(0, 3), '--bucket', 'back\u2066ups', '--prefix', 'p', '--endpoint', endpoint], /--bucket: contains U\+2066 \(LEFT-TO-RIGHT ISOLATE\)/],
  ['right-to-left mark in the session name', [...base, '--session-name', 'nightly\u200f'], /--session-name: contains U\+200F \(RIGHT-TO-LEFT MARK\)/],
  ['bidi in a cleanup prefix', ['cleanup', '--no-assume', '--bucket', 'backups', '--prefix', 'a\u2067b', '--endpoint', endpoint], /--prefix: contains U\+2067/],
  ['bidi in the policy prefix', ['policy', '--bucket', 'backups', '--prefix', '\u202ax/'], /--prefix: contains U\+202A/],
  ['C1 control in the profile', [...base, '--profile', 'dev\u009b31m'], /--profile: contains U\+009B/],
  ['an Alibaba flag for an AWS target', [...base, '--internal'], /--internal applies to Alibaba Cloud OSS only/],
  // the writer of a two-identity probe (issue 15)
  ['writer ACL that is not canned', [...base, '--writer-role', 'arn:aws:iam::123456789012:role/app', '--writer-acl', 'owner-full'], /^backup-canary: --writer-acl: "owner-full" is not a canned ACL of aws \(none, private, .*bucket-owner-full-control\)$/m],
  ['an OSS canned ACL for S3', [...base, '--writer-role', 'arn:aws:iam::123456789012:role/app', '--writer-acl', 'default'], /--writer-acl: "default" is not a canned ACL of aws/],
  ['writer ACL without a writer', [...base, '--writer-acl', 'private'], /--writer-acl goes with --writer-role or --writer-profile/],
  ['malformed writer role', [...base, '--writer-role', 'arn:aws:iam::12:role/x'], /--writer-role: "arn:aws:iam::12:role\/x" is not an IAM role ARN/],
  ['a RAM role as the writer of an S3 target', [...base, '--writer-role', 'acs:ram::123456789012:role/app'], /--writer-role: "acs:ram::123456789012:role\/app" is not an IAM role ARN/],
  ['writer profile that does not exist', [...base, '--writer-profile', 'no-such-writer'], /--writer-profile: no profile "no-such-writer" in .*aws-config or .*aws-credentials/],
  ['writer ACL with cleanup', ['cleanup', '--no-assume', '--bucket', 'backups', '--prefix', 'p', '--writer-role', 'arn:aws:iam::123456789012:role/app', '--writer-acl', 'private', '--endpoint', endpoint], /--writer-acl applies to probes/],
  ['writer ACL in a run file', ['run', join(dir, 'writer-acl.yaml')], /writer-acl\.yaml:2: target "w": --writer-acl: "owner-full" is not a canned ACL of aws/],
  ['no command', [], /Name a command/],
  ['unknown command', ['frobnicate'], /Unknown argument: frobnicate/],
];

for (const [name, argv, re] of cases) {
  t.test(name, async (t) => {
    const before = requests;
    const r = await runCli(argv);
    t.equal(r.code, 2, 'exit code 2');
    t.match(r.stderr, re);
    t.match(r.stderr, /^backup-canary: .*\nRun "backup-canary --help" for usage\.\n$/, 'one clear line plus the usage pointer');
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
    t.equal(r.stdout, '');
    t.equal(requests, before, 'no request sent');
  });
}

t.test('a writer in a run file is valid: --dry-run lists the target, no request', async (t) => {
  const before = requests;
  const r = await runCli(['run', join(dir, 'writer-ok.yaml'), '--dry-run']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /w  aws backups\/db\/ at http:\/\/127\.0\.0\.1:\d+ \(s3-backup-source\) as arn:aws:iam::123456789012:role\/backup; writer profile app-writer, ACL bucket-owner-full-control/);
  t.equal(requests, before, 'no request sent');
});

t.test('--help and --version', async (t) => {
  const h = await runCli(['--help']);
  t.equal(h.code, 0);
  t.match(h.stdout, /backup-canary probe/);
  t.match(h.stdout, /Exit codes: 0 every expectation met/);
  const ph = await runCli(['probe', '--help']);
  t.equal(ph.code, 0);
  for (const flag of ['--role', '--no-assume', '--bucket', '--prefix', '--allow-bucket-root', '--region', '--endpoint', '--sts-endpoint', '--path-style', '--session-name', '--external-id', '--duration', '--session-policy', '--profile', '--format', '--output', '--timeout', '--part-size', '--quick', '--writer-role', '--writer-profile', '--writer-acl']) {
    t.match(ph.stdout, flag, flag);
  }
  const v = await runCli(['--version']);
  t.equal(v.code, 0);
  t.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  t.equal(requests, 0);
});
