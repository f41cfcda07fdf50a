// readPolicyFile: the one reader behind every policy file flag. Size and nesting are checked before
// parsing, pipes and devices are read no further than the cap, and every refusal is a UsageError
// naming the flag and the file.
import t from 'tap';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/core/model.js';
import { MAX_POLICY_BYTES, MAX_POLICY_DEPTH, nestingDepth, readPolicyFile } from '../../src/explain/read.js';

const dir = mkdtempSync(join(tmpdir(), 'bc-policy-read-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { StringLike: { 's3:prefix': ['a/*'] } } }] };

t.test('a policy file: its text and its JSON', async (t) => {
  const file = join(dir, 'ok.json');
  writeFileSync(file, JSON.stringify(policy, null, 2));
  const r = readPolicyFile(file, '--identity-policy');
  t.same(r.json, policy);
  t.equal(r.text, JSON.stringify(policy, null, 2));
});

t.test('a file at the cap is read; one byte more is refused before parsing, with both sizes', async (t) => {
  const at = join(dir, 'at.json');
  const body = JSON.stringify({ ...policy, Id: '' });
  writeFileSync(at, body.replace('"Id":""', `"Id":"${'x'.repeat(MAX_POLICY_BYTES - body.length)}"`));
  t.equal(readPolicyFile(at, '--bucket-policy').text.length, MAX_POLICY_BYTES);

  const over = join(dir, 'over.json');
  writeFileSync(over, '');
  truncateSync(over, 10 * 1024 * 1024); // sparse: 10 MiB of NUL, never valid JSON, never read
  t.throws(() => readPolicyFile(over, '--identity-policy'), {
    name: 'UsageError',
    message: /^--identity-policy: ".*over\.json" is too large: a policy document is at most 1024 KiB \(AWS's largest, a bucket policy, is 20 KB\); this one is 10\.0 MiB$/,
  });
});

t.test('a device or pipe without a size: read no further than the cap', { skip: process.platform === 'win32' }, async (t) => {
  t.throws(() => readPolicyFile('/dev/zero', '--scp'), { name: 'UsageError', message: /^--scp: "\/dev\/zero" is too large: .*this one is more than 1\.0 MiB$/ });
});

t.test('missing, a directory, not JSON: a UsageError naming the flag and the file', async (t) => {
  t.throws(() => readPolicyFile(join(dir, 'none.json'), '--trust-policy'), { name: 'UsageError', message: /^--trust-policy: cannot read ".*none\.json": ENOENT$/ });
  t.throws(() => readPolicyFile(dir, '--rcp'), { name: 'UsageError', message: /^--rcp: cannot read ".*": it is a directory, not a policy file$/ });
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"Version":');
  t.throws(() => readPolicyFile(bad, '--session-policy'), { name: 'UsageError', message: /^--session-policy: ".*bad\.json" is not valid JSON/ });
  t.ok(new UsageError('x') instanceof Error);
});

t.test('deep nesting is refused before parsing; brackets inside strings do not count', async (t) => {
  const deep = join(dir, 'deep.json');
  const d = 400_000; // fits in the size cap; JSON.stringify of it overflows the stack
  writeFileSync(deep, `{"Version":"2012-10-17","Statement":${'['.repeat(d)}${']'.repeat(d)}}`);
  t.throws(() => readPolicyFile(deep, '--session-policy'), {
    name: 'UsageError',
    message: new RegExp(`^--session-policy: ".*deep\\.json" nests arrays and objects more than ${MAX_POLICY_DEPTH} levels deep`),
  });
  t.equal(nestingDepth(JSON.stringify(policy)), 6);
  t.equal(nestingDepth(JSON.stringify({ Sid: '[[[[{{{{\\"[[[' })), 1);
  const brackets = join(dir, 'brackets.json');
  writeFileSync(brackets, JSON.stringify({ ...policy, Id: '['.repeat(1000) }));
  t.equal((readPolicyFile(brackets, '--identity-policy').json as { Id: string }).Id.length, 1000);
});
