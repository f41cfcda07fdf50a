// `backup-canary policy` through a local yargs instance with the real builder (main.ts wires it later):
// input validation (exit 2 via UsageError), prefix normalisation, text and JSON output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import yargs from 'yargs';
import { policyBuilder, type PolicyArgs } from '../../src/cli/policy-args.js';
import { runPolicyCommand } from '../../src/cli/policy-command.js';
import { UsageError } from '../../src/core/model.js';

async function policy(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  let code = -1;
  const io = { stdout: (s: string) => void (out += s), stderr: () => undefined, env: {}, stdoutIsTTY: false };
  await yargs()
    .command<PolicyArgs>('policy', 'generate', policyBuilder, async (a) => {
      code = await runPolicyCommand(a, io);
    })
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    })
    .parseAsync(['policy', ...argv]);
  return { code, out };
}

t.test('text output: the policy, then the notes; the prefix is normalised as for probe', async (t) => {
  const r = await policy(['--bucket', 'corp-backups', '--prefix', '/db/nightly']);
  t.equal(r.code, 0);
  t.match(r.out, /^# IAM identity policy for the backup role: probe definition "default" on corp-backups\/db\/nightly\/\n/);
  t.match(r.out, /"Resource": "arn:aws:s3:::corp-backups\/db\/nightly\/\*"/);
  t.match(r.out, /"db\/nightly\/",\s+"db\/nightly\/\*"/);
  t.match(r.out, /\n# Notes\n- sts:AssumeRole is not part of this policy/);
  t.notMatch(r.out, /Not expressible/);
});

t.test('JSON output with a role: identity, exception, grant, notes', async (t) => {
  const role = 'arn:aws:iam::123456789012:role/nightly-backup';
  const r = await policy(['--probe', 'rclone-s3', '--bucket', 'corp-backups', '--prefix', 'rclone', '--role', role, '--format', 'json']);
  t.equal(r.code, 0);
  const j = JSON.parse(r.out);
  t.match(j, { schemaVersion: 1, probe: 'rclone-s3', provider: 'aws', bucket: 'corp-backups', prefix: 'rclone/', role, unexpressed: [] });
  t.same(j.identity.Statement.map((s: { Sid: string }) => s.Sid), ['BackupObjects', 'ListBackupPrefix']);
  t.same(j.bucketException.snippet, { Condition: { ArnNotLike: { 'aws:PrincipalArn': [role] } } });
  t.equal(j.bucketGrant.snippet.Statement.length, 2);
  const text = await policy(['--probe', 'rclone-s3', '--bucket', 'corp-backups', '--prefix', 'rclone', '--role', role]);
  t.match(text.out, /# Bucket policy: a restrictive Deny keeps applying to everyone else\n/);
  t.match(text.out, /# Bucket policy, cross-account only\n/);
});

t.test('Alibaba Cloud: a RAM policy; what RAM cannot express is printed', async (t) => {
  const r = await policy(['--probe', 'append-only', '--provider', 'alibaba', '--bucket', 'backups-1', '--prefix', 'db/', '--role', 'acs:ram::1234567890123456:role/backup']);
  t.equal(r.code, 0);
  t.match(r.out, /^# RAM policy for acs:ram::1234567890123456:role\/backup/);
  t.match(r.out, /"Version": "1"/);
  t.match(r.out, /# Not expressible in this policy[^\n]*\n- overwrite-object \(expected deny\): .*PutBucketOverwriteConfig/);
  const root = await policy(['--probe', 'polardb-oss', '--provider', 'alibaba', '--bucket', 'backups-1', '--prefix', '', '--allow-bucket-root', '--format', 'json']);
  t.equal(JSON.parse(root.out).identity.Statement[0].Resource, 'acs:oss:*:*:backups-1/*');
});

t.test('a definition file works as --probe', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bc-policy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'mine.yaml');
  writeFileSync(file, 'name: mine\ndescription: d\nsource: https://example.com/doc\nchecks:\n  put-object: allow\n  list-prefix: allow\n');
  const r = await policy(['--probe', file, '--bucket', 'corp-backups', '--prefix', 'x', '--format', 'json']);
  t.same(JSON.parse(r.out).identity.Statement.map((s: { Action: string[] }) => s.Action), [['s3:PutObject', 's3:DeleteObject'], ['s3:ListBucket']]);
});

t.test('bad input is a usage error (exit 2 in main), before anything is generated', async (t) => {
  const bad = async (argv: string[], message: RegExp) => t.rejects(policy(argv), { name: 'UsageError', message }, argv.join(' '));
  await bad(['--bucket', 'Bad_Bucket', '--prefix', 'x'], /--bucket: "Bad_Bucket" is not a valid bucket name/);
  await bad(['--bucket', 'corp-backups', '--prefix', 'a/../b'], /--prefix: "a\/..\/b" has a "." or ".." segment/);
  await bad(['--bucket', 'corp-backups'], /--prefix is empty/);
  await bad(['--bucket', 'corp-backups', '--prefix', 'x', '--role', 'arn:aws:iam::123:role/x'], /--role: .* is not an IAM role ARN/);
  await bad(['--bucket', 'corp-backups', '--prefix', 'x', '--provider', 'alibaba', '--role', 'arn:aws:iam::123456789012:role/x'], /--role: .* is not a RAM role ARN/);
  await bad(['--probe', 'polardb-oss', '--bucket', 'corp-backups', '--prefix', 'x'], /--probe: definition "polardb-oss" is for alibaba, not aws/);
  await bad(['--probe', 'no-such', '--bucket', 'corp-backups', '--prefix', 'x'], /no probe definition "no-such"/);
  await bad(['--bucket', 'corp-backups', '--prefix', 'x', '--provider', 'azure'], /Invalid values/);
  await bad(['--bucket', 'corp-backups', '--prefix', 'x', '--format', 'junit'], /Invalid values/);
  const direct = (over: Partial<PolicyArgs>) =>
    runPolicyCommand({ probe: 'default', bucket: 'corp-backups', prefix: 'x', 'allow-bucket-root': false, provider: 'aws', format: 'text', ...over }, { stdout: () => undefined, stderr: () => undefined, env: {}, stdoutIsTTY: false });
  await t.rejects(direct({ provider: 'gcp' }), { name: 'UsageError', message: /--provider: "gcp" is not supported \(supported: aws, alibaba\)/ });
  await t.rejects(direct({ format: 'xml' }), { name: 'UsageError', message: /--format: "xml" is not text or json/ });
});
