import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRunFile, MAX_TARGETS, parseRunFile } from '../../src/core/runfile.js';
import { mapPool } from '../../src/core/pool.js';
import { explainFlags, type ExplainInput, runExplainInput } from '../../src/core/options.js';

t.test('defaults apply to every target; each target may override', async (t) => {
  const rf = parseRunFile(
    'defaults:\n  endpoint: http://127.0.0.1:7480\n  path-style: true\n  prefix: nightly/\ntargets:\n  - name: a\n    bucket: one\n  - bucket: two\n    prefix: other/\n    timeout: 5\n',
    'r.yaml',
  );
  t.same(rf.targets, [
    { endpoint: 'http://127.0.0.1:7480', 'path-style': true, prefix: 'nightly/', name: 'a', bucket: 'one' },
    { endpoint: 'http://127.0.0.1:7480', 'path-style': true, prefix: 'other/', bucket: 'two', timeout: 5, name: 'target-2' },
  ]);
  t.same(rf.lines, [6, 8]);
});

t.test('malformed run files name the file, the line and the field', async (t) => {
  const cases: [string, RegExp][] = [
    ['targets: []\n', /^r\.yaml:1: "targets" must be a non-empty list/],
    ['defaults: {}\n', /"targets" must be a non-empty list/],
    ['targets:\n  - bucket: b\n    colour: red\n', /^r\.yaml:3: targets\[0\]: unknown option "colour"/],
    ['targets:\n  - bucket: b\n    path-style: yes please\n', /^r\.yaml:3: targets\[0\]: "path-style" must be true or false/],
    ['targets:\n  - bucket: b\n    timeout: soon\n', /^r\.yaml:3: targets\[0\]: "timeout" must be a number/],
    ['targets:\n  - prefix: p\n', /^r\.yaml:2: targets\[0\] \(target-1\): "bucket" is required/],
    ['targets:\n  - {name: a, bucket: b}\n  - {name: a, bucket: c}\n', /^r\.yaml:3: target name "a" is used twice/],
    ['targets:\n  - just-a-string\n', /^r\.yaml:2: targets\[0\] must be a mapping/],
    ['extra: 1\ntargets:\n  - bucket: b\n', /^r\.yaml:1: unknown key "extra"/],
    ['defaults:\n  name: x\ntargets:\n  - bucket: b\n', /"name" belongs to each target/],
    ['targets: [\n', /^r\.yaml:\d+:/],
    ['- a\n', /a run file is a mapping/],
  ];
  for (const [text, re] of cases) t.throws(() => parseRunFile(text, 'r.yaml'), { name: 'UsageError', message: re }, text);
});

t.test('too many targets or bytes are refused', async (t) => {
  const many = `targets:\n${'  - bucket: b\n'.repeat(MAX_TARGETS + 1)}`;
  t.throws(() => parseRunFile(many, 'r.yaml'), { message: /10001 targets; at most 10000/ });
  const dir = mkdtempSync(join(tmpdir(), 'bc-runfile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'big.yaml'), Buffer.alloc(11 * 1024 * 1024, 0x20));
  t.throws(() => loadRunFile(join(dir, 'big.yaml')), { message: /at most 10485760/ });
  t.throws(() => loadRunFile(join(dir, 'none.yaml')), { message: /cannot read the run file \(ENOENT\)/ });
});

t.test('the pool keeps order, bounds concurrency and stops starting on abort', async (t) => {
  let running = 0;
  let peak = 0;
  const out = await mapPool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5 * (8 - n)));
    running--;
    return n * 10;
  }, { onSkipped: () => -1 });
  t.same(out, [10, 20, 30, 40, 50, 60, 70]);
  t.equal(peak, 3);
  const ac = new AbortController();
  const r = await mapPool([1, 2, 3, 4], 1, async (n) => {
    if (n === 2) ac.abort('SIGINT');
    return n;
  }, { signal: ac.signal, onSkipped: () => 0 });
  t.same(r, [1, 2, 0, 0]);
});

t.test('run-file keys, probe flags and cleanup flags come from one table', async (t) => {
  const { default: yargs } = await import('yargs');
  const { probeBuilder } = await import('../../src/cli/probe-args.js');
  const { cleanupBuilder } = await import('../../src/cli/cleanup-args.js');
  const { TARGET_FLAGS, targetKeys, withDefaults } = await import('../../src/core/options.js');
  const declared = (b: (y: ReturnType<typeof yargs>) => unknown) => {
    const o = (b(yargs()) as unknown as { getOptions(): { key: Record<string, unknown>; default: Record<string, unknown> } }).getOptions();
    return { keys: new Set(Object.keys(o.key)), defaults: o.default };
  };
  const probe = declared(probeBuilder);
  const cleanup = declared(cleanupBuilder);
  const keys = targetKeys();
  for (const k of Object.keys(keys)) t.ok(probe.keys.has(k), `run-file key ${k} is a probe flag`);
  for (const k of [...Object.keys(TARGET_FLAGS), 'path-style', 'internal']) t.ok(cleanup.keys.has(k), `cleanup takes --${k}`);
  for (const [k, spec] of Object.entries(keys)) if (spec.default !== undefined) t.same(probe.defaults[k], spec.default, `--${k} defaults as in run files`);
  t.same(withDefaults({ bucket: 'b', timeout: 5, 'part-size': 8 }), { assume: true, bucket: 'b', prefix: '', 'allow-bucket-root': false, duration: 900, timeout: 5, 'max-attempts': 3, 'path-style': false, internal: false, probe: 'default', 'part-size': '8', quick: false });
});

t.test('--explain keys in run files: per target and in defaults, policy files relative to the run file', async (t) => {
  const rf = parseRunFile(
    'defaults:\n  explain: true\n  explain-profile: reader\n  source-ip: 203.0.113.7\n  scp: org/scp.json\ntargets:\n' +
      '  - name: a\n    bucket: one\n    rcp: [rcp1.json, /abs/rcp2.json]\n    session-policy: s.json\n' +
      '  - name: b\n    bucket: two\n    explain: false\n',
    '/etc/bc/nightly.yaml',
  );
  t.same(rf.targets, [
    { explain: true, 'explain-profile': 'reader', 'source-ip': '203.0.113.7', scp: ['/etc/bc/org/scp.json'], name: 'a', bucket: 'one', rcp: ['/etc/bc/rcp1.json', '/abs/rcp2.json'], 'session-policy': '/etc/bc/s.json' },
    // explain: false drops the explain keys a target inherits
    { name: 'b', bucket: 'two', explain: false },
  ]);
});

t.test('bad --explain keys in run files name the file, the line and the key', async (t) => {
  const cases: [string, RegExp][] = [
    ['targets:\n  - bucket: b\n    explain: sure\n', /^r\.yaml:3: targets\[0\]: "explain" must be true or false/],
    ['targets:\n  - bucket: b\n    explain-profil: x\n', /^r\.yaml:3: targets\[0\]: unknown option "explain-profil"/],
    ['targets:\n  - bucket: b\n    scp: []\n', /^r\.yaml:3: targets\[0\]: "scp" must name at least one file/],
    ['targets:\n  - bucket: b\n    scp:\n      - a.json\n      - {x: 1}\n', /^r\.yaml:5: targets\[0\]: "scp" must be a file name or a list of file names/],
    ['targets:\n  - bucket: b\n    explain: false\n    source-ip: 1.2.3.4\n', /^r\.yaml:4: targets\[0\]: "source-ip" goes with "explain: true", and this mapping says "explain: false"/],
    ['defaults:\n  explain: false\n  store: ceph-rgw\ntargets:\n  - bucket: b\n', /^r\.yaml:3: defaults: "store" goes with "explain: true"/],
  ];
  for (const [text, re] of cases) t.throws(() => parseRunFile(text, 'r.yaml'), { name: 'UsageError', message: re }, text);
});

t.test('run --explain and its flags fill in what a target does not set; the file wins', async (t) => {
  const cli = { explain: true, 'explain-profile': 'cli-reader', 'source-ip': '198.51.100.1', scp: ['cli.json'] };
  t.same(runExplainInput({ 'explain-profile': 'file-reader' }, cli), { explain: true, 'explain-profile': 'file-reader', 'source-ip': '198.51.100.1', scp: ['cli.json'] });
  t.same(runExplainInput({ explain: false }, cli), { explain: false }, 'explain: false in the file keeps it off');
  t.same(runExplainInput({ explain: true }, { explain: false, 'source-ip': '198.51.100.1' }), { explain: true, 'source-ip': '198.51.100.1' });
  t.same(runExplainInput({}, { explain: false }), { explain: false });
  // what reaches the probe is checked as `probe --explain` checks it
  t.throws(() => explainFlags(runExplainInput({ 'source-ip': '1.2.3' }, { explain: true })), { name: 'UsageError', message: /--source-ip: "1\.2\.3" is not an IPv4/ });
  t.throws(() => explainFlags(runExplainInput({ 'source-ip': '1.2.3.4' }, { explain: false })), { name: 'UsageError', message: /--source-ip goes with --explain/ });
});

t.test('kms-key-policy: a run-file key relative to the run file, a --explain flag, filled in by run --kms-key-policy', async (t) => {
  const rf = parseRunFile('targets:\n  - bucket: b\n    explain: true\n    kms-key-policy: keys/backup.json\n', '/etc/bc/nightly.yaml');
  t.same(rf.targets, [{ name: 'target-1', bucket: 'b', explain: true, 'kms-key-policy': '/etc/bc/keys/backup.json' }]);
  t.equal(explainFlags({ explain: true, 'kms-key-policy': '/etc/bc/keys/backup.json' })!.kmsKeyPolicyFile, '/etc/bc/keys/backup.json');
  t.equal(explainFlags({ explain: true })!.kmsKeyPolicyFile, null);
  t.same(runExplainInput({}, { explain: true, 'kms-key-policy': 'k.json' }), { explain: true, 'kms-key-policy': 'k.json' });
  t.throws(() => explainFlags({ explain: false, 'kms-key-policy': 'k.json' }), { name: 'UsageError', message: /--kms-key-policy goes with --explain/ });
  t.throws(() => parseRunFile('targets:\n  - bucket: b\n    explain: false\n    kms-key-policy: k.json\n', 'r.yaml'), { name: 'UsageError', message: /"kms-key-policy" goes with "explain: true"/ });
});

t.test('the backup-vantage keys are run-file keys too: they reach the explain flags of their target', async (t) => {
  const rf = parseRunFile(
    'defaults:\n  explain: true\ntargets:\n  - name: polardb\n    bucket: one\n    backup-source-ip: 198.51.100.7\n    backup-session-name: daebaksrv-S3Backup\n',
    '/etc/bc/nightly.yaml',
  );
  const input = runExplainInput(rf.targets[0]! as Partial<ExplainInput>, { explain: false });
  const flags = explainFlags(input);
  t.match(flags, { backup: { sourceIp: '198.51.100.7', sessionName: 'daebaksrv-S3Backup' } });
  // checked when the target is prepared, before any request (as `probe --backup-source-ip` is)
  const bad = parseRunFile('targets:\n  - bucket: b\n    explain: true\n    backup-source-ip: 198.51.100\n', 'r.yaml');
  t.throws(() => explainFlags(runExplainInput(bad.targets[0]! as Partial<ExplainInput>, { explain: false })), { name: 'UsageError', message: /--backup-source-ip: "198\.51\.100" is not an IPv4 or IPv6 address/ });
});

t.test('scp-level and vpce-policy: run-file keys (FILE relative to the run file), --explain flags, filled in by run', async (t) => {
  const rf = parseRunFile(
    'defaults:\n  explain: true\n  scp-level: [root=org/root.json, ou-prod=/abs/ou.json]\ntargets:\n  - bucket: b\n    vpce-policy: net/endpoint.json\n  - bucket: c\n    scp-level: account=acct.json\n',
    '/etc/bc/nightly.yaml',
  );
  t.same(rf.targets[0], { explain: true, 'scp-level': ['root=/etc/bc/org/root.json', 'ou-prod=/abs/ou.json'], bucket: 'b', 'vpce-policy': '/etc/bc/net/endpoint.json', name: 'target-1' });
  t.same(rf.targets[1]!['scp-level'], ['account=/etc/bc/acct.json'], 'one value is a list of one');
  const flags = explainFlags(runExplainInput(rf.targets[0]! as Partial<ExplainInput>, { explain: false }))!;
  t.same(flags.scpLevels, [{ level: 'root', file: '/etc/bc/org/root.json' }, { level: 'ou-prod', file: '/abs/ou.json' }]);
  t.same(flags.scpFiles, []);
  t.equal(flags.vpcePolicyFile, '/etc/bc/net/endpoint.json');
  t.same(explainFlags({ explain: true })!.scpLevels, []);
  t.equal(explainFlags({ explain: true })!.vpcePolicyFile, null);
  // run's flags fill in; --scp and --scp-level are one group: a target that sets either keeps its own
  t.same(runExplainInput({}, { explain: true, 'scp-level': ['root=r.json'], 'vpce-policy': 'v.json' }), { explain: true, 'scp-level': ['root=r.json'], 'vpce-policy': 'v.json' });
  t.same(runExplainInput({ scp: ['own.json'] }, { explain: true, 'scp-level': ['root=r.json'] }), { explain: true, scp: ['own.json'] });
  t.same(runExplainInput({ 'scp-level': ['root=own.json'] }, { explain: true, scp: ['cli.json'] }), { explain: true, 'scp-level': ['root=own.json'] });
});

t.test('bad scp-level and vpce-policy values are usage errors before any request', async (t) => {
  const cases: [ExplainInput, RegExp][] = [
    [{ explain: true, 'scp-level': ['root'] }, /^--scp-level: "root" is not LEVEL=FILE \(e\.g\. root=root\.json\)$/],
    [{ explain: true, 'scp-level': ['=f.json'] }, /--scp-level: "=f\.json" is not LEVEL=FILE/],
    [{ explain: true, 'scp-level': ['root='] }, /--scp-level: "root=" is not LEVEL=FILE/],
    [{ explain: true, 'scp-level': ['ou prod=f.json'] }, /^--scp-level: "ou prod" is not a level name/],
    [{ explain: true, 'scp-level': ['root:1=f.json'] }, /--scp-level: "root:1" is not a level name/],
    [{ explain: true, scp: ['a.json'], 'scp-level': ['root=b.json'] }, /^--scp and --scp-level: use one \(--scp puts every SCP at one level\)$/],
    [{ explain: false, 'scp-level': ['root=a.json'] }, /^--scp-level goes with --explain$/],
    [{ explain: false, 'vpce-policy': 'a.json' }, /^--vpce-policy goes with --explain$/],
  ];
  for (const [input, re] of cases) t.throws(() => explainFlags(input), { name: 'UsageError', message: re }, JSON.stringify(input));
  t.throws(() => parseRunFile('targets:\n  - bucket: b\n    explain: false\n    scp-level: root=a.json\n', 'r.yaml'), { name: 'UsageError', message: /^r\.yaml:4: targets\[0\]: "scp-level" goes with "explain: true"/ });
  t.throws(() => parseRunFile('targets:\n  - bucket: b\n    scp-level: []\n', 'r.yaml'), { name: 'UsageError', message: /^r\.yaml:3: targets\[0\]: "scp-level" must name at least one file/ });
  t.throws(() => parseRunFile('targets:\n  - bucket: b\n    vpce-policy: [a.json]\n', 'r.yaml'), { name: 'UsageError', message: /^r\.yaml:3: targets\[0\]: "vpce-policy" must be a string/ });
});
