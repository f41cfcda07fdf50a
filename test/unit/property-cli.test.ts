// Property-based: argument vectors for `probe` and `explain` that mix valid flags with hostile ones
// (bad values, huge strings, control characters, unicode, numbers out of range, duplicated flags,
// negated string flags, flags without their value, unknown and dotted flags, `--` tricks). Each
// vector holds at least one bad flag, so the contract is: exit 2, one message that names a bad flag,
// no stack trace, nothing on stdout and no request sent (a local server counts every request).
// `--help`/`--version` anywhere are the documented exception: exit 0, no request.
import t from 'tap';
import fc from 'fast-check';
import { createServer } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const RUNS = Number(process.env.FC_RUNS ?? 150);
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;

let requests = 0;
const server = createServer((req, res) => {
  requests++;
  req.resume();
  res.statusCode = 500;
  res.end();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
t.teardown(() => server.close());
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
process.env.AWS_ACCESS_KEY_ID = 'BCFAKEKEYFORPROPERTYTESTS';
process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret-for-property-tests';
delete process.env.AWS_PROFILE;

const dir = mkdtempSync(join(tmpdir(), 'bc-prop-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const F = {
  missing: join(dir, 'missing.json'),
  notJson: file('not.json', '{ "Statement": [ '),
  noStatement: file('nostatement.json', '{"Version":"2012-10-17"}'),
  badPolicy: file('bad-policy.json', '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}'),
  bigSession: file('big-session.json', JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: Array.from({ length: 200 }, (_, i) => `arn:aws:s3:::b/${i}/*`) }] })),
  goodPolicy: file('good.json', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' }] })),
  notProbe: file('not-a-probe.yaml', 'just: text\n'),
  subdir: (() => {
    mkdirSync(join(dir, 'a-directory', 'inner'), { recursive: true });
    return join(dir, 'a-directory');
  })(),
};

/** Hostile strings: control characters, escapes, unicode, huge, empty, flag-like. */
const hostile = fc.oneof(
  fc.constantFrom('', ' ', '\n', '\r\n', '\t', '\x00', '\x1b[31mred\x1b[0m', '\u202eevil', '\u2028', 'é', '🪣', '../..', '%00', '${HOME}', '$(id)', '`id`', '--bucket', '-x', '=', 'true', 'null', 'NaN', '__proto__'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.nat({ max: 200_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom('\x00'.repeat(1000), 'é'.repeat(50_000)),
);
const hostileNumber = fc.oneof(
  fc.constantFrom('-1', '0', '-0', '1e309', '-1e309', 'Infinity', '-Infinity', 'NaN', '1.5', '9007199254740993', '1e400', ' ', 'abc', '12abc', '0b1', '--1'),
  fc.double().map(String),
  fc.integer().map(String),
  hostile,
);

type Poison = { flag: string; argv: string[]; needs?: string[]; value?: string; withoutExplain?: boolean };
/** `--flag=value` or `--flag value` (only when the value cannot be read as a flag). */
const setting = (flag: string, value: string) =>
  fc.boolean().map((eq): Poison => ({ flag, value, argv: eq || value === '' || value.startsWith('-') ? [`--${flag}=${value}`] : [`--${flag}`, value] }));
const bad = (flag: string, values: fc.Arbitrary<string>, needs?: string[]) =>
  values.chain((v) => setting(flag, v)).map((p) => (needs ? { ...p, needs } : p));

// The documented rules, used to keep generated "bad" values really bad.
const ROLE = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::(\d{12})?:role\/((?:[\x21-\x7e]+\/)*)([\w+=,.@-]{1,64})$/;
const bucketOk = (b: string) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b) && !b.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(b) && !/^(xn--|sthree-)/.test(b) && !/(-s3alias|--ol-s3|\.mrap|--x-s3)$/.test(b);
const REGION = /^[a-z]{2}(-[a-z0-9]+){1,4}$/;
const SESSION = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL = /^[\w+=,.@:/-]{2,1224}$/;
const inRange = (s: string, lo: number, hi: number, int = true) => {
  const n = Number(s);
  return s.trim() !== '' && Number.isFinite(n) && n >= lo && n <= hi && (!int || Number.isInteger(n));
};

const probePoisons: fc.Arbitrary<Poison>[] = [
  bad('role', fc.oneof(hostile, fc.constantFrom('arn:aws:iam::12:role/x', 'arn:aws:iam::123456789012:user/x', 'arn:aws:s3:::b')).filter((v) => !ROLE.test(v) && !v.startsWith('acs:'))),
  bad('bucket', fc.oneof(hostile, fc.constantFrom('Bad_Bucket', 'ab', 'a'.repeat(64), '192.168.1.1', 'xn--abc', 'a..b', '-abc', 'abc-')).filter((v) => !bucketOk(v))),
  bad('prefix', fc.oneof(fc.constantFrom('db/../x', './x', 'a//b', 'a\x00b', 'a\nb', 'x'.repeat(901), '\x7f'), hostile.map((h) => `a/${h}\x01/`))),
  bad('region', hostile.filter((v) => !REGION.test(v))),
  bad('endpoint', fc.oneof(hostile, fc.constantFrom('ftp://x', 'file:///etc/passwd', 'http://user:pw@h', 'nowhere', 'http://', 'javascript:alert(1)')).filter((v) => !/^https?:\/\/[^@]+$/.test(v) || !URL.canParse(v))),
  bad('sts-endpoint', fc.constantFrom('ftp://x', 'http://u:p@h', 'not a url')),
  bad('session-name', hostile.filter((v) => !SESSION.test(v))),
  bad('external-id', hostile.filter((v) => !EXTERNAL.test(v))),
  bad('duration', hostileNumber.filter((v) => !inRange(v, 900, 43200) && !/^0[xbo]/i.test(v.trim()))),
  bad('timeout', hostileNumber.filter((v) => !inRange(v, Number.MIN_VALUE, 3600, false) && !/^0[xbo]/i.test(v.trim()))),
  bad('max-attempts', hostileNumber.filter((v) => !inRange(v, 1, 10) && !/^0[xbo]/i.test(v.trim()))),
  bad('part-size', fc.oneof(fc.constantFrom('1KiB', '4MiB', '513MiB', '1GiB', '-5MiB', '5 MiB ', 'five', '5.5MiB', '99999999999999999999'), hostile).filter((v) => {
    const m = /^(\d+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(v.trim());
    if (!m) return true;
    const mult = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, b: 1 }[(m[2] ?? 'b').toLowerCase()[0] as 'k'] ?? 1;
    const n = Number(m[1]) * mult;
    return !(Number.isInteger(n) && n >= 5 * 1024 ** 2 && n <= 512 * 1024 ** 2);
  })),
  bad('format', hostile.filter((v) => !['text', 'json', 'junit', 'markdown', 'prometheus'].includes(v))),
  bad('provider', hostile.filter((v) => !['aws', 'alibaba'].includes(v))),
  bad('probe', fc.constantFrom('no-such-probe', 'Bad Name', '../../etc/hostname', F.missing, F.notProbe, F.subdir)),
  bad('session-policy', fc.constantFrom(F.missing, F.notJson, F.noStatement, F.bigSession, F.subdir, '')),
  // (Directories inside the test's own folder: a bug that renames over them leaves its temp file there.)
  bad('output', fc.constantFrom(join(F.missing, 'r.txt'), join(dir, 'nope', 'r.json'), F.subdir, join(F.subdir, 'inner'))),
  bad('source-ip', fc.oneof(hostile, fc.constantFrom('256.1.1.1', '10.0.0.0/8', '::g')).filter((v) => !isIP(v)), ['--explain']),
  bad('caller-arn', hostile.filter((v) => !/^(arn|acs):[^:]*:[^:]+:[^:]*:[^:]*:.+$/.test(v)), ['--explain']),
  bad('source-vpc', hostile.filter((v) => !/^vpc-[0-9a-z]+$/.test(v)), ['--explain']),
  bad('source-vpce', hostile.filter((v) => !/^vpce-[0-9a-z]+$/.test(v)), ['--explain']),
  bad('scp', fc.constantFrom(F.missing, F.notJson, F.badPolicy, F.subdir), ['--explain']),
  // An --explain flag without --explain.
  // (Dropped from a vector whose other poisons bring --explain: then this value is valid, and being
  // given last it overrides an earlier bad one.)
  fc.constantFrom('source-ip', 'caller-arn', 'explain-profile', 'scp').map((flag): Poison => ({ flag, withoutExplain: true, argv: [`--${flag}=${flag === 'source-ip' ? '10.0.0.1' : flag === 'scp' ? F.goodPolicy : 'x'}`] })),
  // A string flag negated: --no-bucket makes it `false`.
  fc.constantFrom('role', 'bucket', 'prefix', 'region', 'endpoint', 'sts-endpoint', 'session-name', 'external-id', 'session-policy', 'profile', 'format', 'output', 'part-size', 'probe', 'provider').map((flag): Poison => ({ flag, argv: [`--no-${flag}`] })),
  // A flag without its value (the next token is another flag).
  fc.constantFrom('role', 'bucket', 'region', 'endpoint', 'duration', 'timeout', 'max-attempts', 'part-size', 'format', 'output', 'session-name', 'probe').map((flag): Poison => ({ flag, argv: [`--${flag}`, '--verbose'] })),
  // Unknown and dotted flags.
  fc.oneof(fc.constantFrom('colour', 'bucket.name', 'role.0', '__proto__', 'constructor', 'prefix.x.y'), fc.stringMatching(/^[a-z][a-z-]{2,20}$/).filter((f) => !KNOWN_PROBE.has(f))).map((flag): Poison => ({ flag, argv: [`--${flag}=1`] })),
];
const KNOWN_PROBE = new Set(['role', 'assume', 'bucket', 'prefix', 'allow-bucket-root', 'provider', 'region', 'endpoint', 'sts-endpoint', 'path-style', 'internal', 'session-name', 'external-id', 'duration', 'session-policy', 'profile', 'format', 'output', 'timeout', 'max-attempts', 'probe', 'part-size', 'verbose', 'quick', 'explain', 'explain-profile', 'source-ip', 'source-vpc', 'source-vpce', 'caller-arn', 'scp', 'rcp', 'help', 'version']);

/** Valid flags that do not change which flag is bad. */
const probeNoise = fc.subarray([['--quick'], ['--verbose'], ['--path-style'], ['--region', 'us-east-1'], ['--session-name', 'prop-test'], ['--duration', '900'], ['--format', 'json'], ['--max-attempts', '1'], ['--timeout', '1'], ['--allow-bucket-root']]);

const baseProbe = ['--role', 'arn:aws:iam::123456789012:role/backup', '--bucket', 'backups', '--prefix', 'db/', '--endpoint', endpoint, '--max-attempts', '1', '--timeout', '1'];

/** A `--` with stray words after it: never a flag, always an error naming a stray word. */
const dashDash = fc.array(fc.oneof(fc.constantFrom('--bucket', 'x', '--role', '-v'), hostile), { minLength: 1, maxLength: 3 }).map((rest): Poison => ({ flag: '--', argv: ['--', ...rest] }));

interface Vector {
  argv: string[];
  poisons: Poison[];
}
/** Counterexamples print short: long arguments are cut. */
const compact = (v: Vector): Vector =>
  Object.assign(v, { [fc.toStringMethod]: () => JSON.stringify(v.argv.map((a) => (a.length > 60 ? `${a.slice(0, 30)}…(${a.length} chars)` : a))) });
const probeVector: fc.Arbitrary<Vector> = fc
  .tuple(probeNoise, fc.array(fc.oneof(...probePoisons), { minLength: 1, maxLength: 3 }), fc.option(dashDash, { freq: 8 }))
  .map(([noise, given, dd]) => {
    const needs = [...new Set(given.flatMap((p) => p.needs ?? []))];
    const poisons = needs.includes('--explain') ? given.filter((p) => !p.withoutExplain) : given;
    const all = dd ? [...poisons, dd] : poisons;
    return compact({ argv: ['probe', ...baseProbe, ...noise.flat(), ...needs, ...poisons.flatMap((p) => p.argv), ...(dd ? dd.argv : [])], poisons: all });
  });

const explainPoisons: fc.Arbitrary<Poison>[] = [
  bad('action', hostile.filter((v) => !/^[\w-]+:[\w*?]+$/.test(v))),
  bad('resource', hostile.filter((v) => !/^(arn|acs):/.test(v))),
  bad('principal', hostile.filter((v) => !/^(arn|acs):/.test(v) && !/^\d{12,16}$/.test(v))),
  bad('resource-account', hostile.filter((v) => !/^\d{12,16}$/.test(v))),
  bad('context', hostile.filter((v) => v.indexOf('=') <= 0)),
  bad('identity-policy', fc.constantFrom(F.missing, F.notJson, F.badPolicy, F.subdir, '')),
  bad('bucket-policy', fc.constantFrom(F.missing, F.notJson, F.badPolicy, F.subdir)),
  bad('trust-policy', fc.constantFrom(F.missing, F.notJson, F.badPolicy)),
  bad('boundary', fc.constantFrom(F.missing, F.notJson, F.badPolicy)),
  bad('session-policy', fc.constantFrom(F.missing, F.notJson, F.badPolicy)),
  bad('scp', fc.constantFrom(F.missing, F.notJson, F.badPolicy)),
  bad('rcp', fc.constantFrom(F.missing, F.notJson, F.badPolicy)),
  bad('dialect', hostile.filter((v) => !['aws', 'alibaba'].includes(v))),
  bad('format', hostile.filter((v) => !['text', 'json'].includes(v))),
  bad('output', fc.constantFrom(join(dir, 'nope', 'r.json'), F.subdir, join(F.subdir, 'inner'))),
  fc.constantFrom('action', 'resource', 'principal', 'role-arn', 'identity-policy', 'bucket-policy', 'format', 'output', 'dialect').map((flag): Poison => ({ flag, argv: [`--no-${flag}`] })),
  fc.constantFrom('action', 'resource', 'principal', 'identity-policy', 'format', 'dialect').map((flag): Poison => ({ flag, argv: [`--${flag}`, '--context=a=b'] })),
  fc.oneof(fc.constantFrom('colour', 'action.x', '__proto__'), fc.stringMatching(/^[a-z][a-z-]{2,20}$/).filter((f) => !KNOWN_EXPLAIN.has(f))).map((flag): Poison => ({ flag, argv: [`--${flag}=1`] })),
];
const KNOWN_EXPLAIN = new Set(['action', 'resource', 'principal', 'role-arn', 'resource-account', 'context', 'undetermined', 'identity-policy', 'bucket-policy', 'trust-policy', 'boundary', 'session-policy', 'scp', 'rcp', 'dialect', 'format', 'output', 'help', 'version']);
const baseExplain = ['--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal', 'arn:aws:iam::123456789012:user/u', '--identity-policy', F.goodPolicy];
const explainNoise = fc.subarray([['--format', 'json'], ['--context', 'aws:SourceIp=10.0.0.1'], ['--undetermined', 'aws:SourceVpc'], ['--role-arn', 'arn:aws:iam::123456789012:role/r'], ['--dialect', 'aws']]);
const explainVector: fc.Arbitrary<Vector> = fc
  .tuple(explainNoise, fc.array(fc.oneof(...explainPoisons), { minLength: 1, maxLength: 3 }), fc.option(dashDash, { freq: 8 }))
  .map(([noise, poisons, dd]) =>
    compact({
      argv: ['explain', ...baseExplain, ...noise.flat(), ...poisons.flatMap((p) => p.argv), ...(dd ? dd.argv : [])],
      poisons: dd ? [...poisons, dd] : poisons,
    }),
  );

/** The message names one of the bad flags (`--flag`, or yargs' `argument: flag`), or a stray word after `--`. */
function namesABadFlag(message: string, v: Vector): boolean {
  return v.poisons.some((p) => {
    // `--` itself is the bad token (its words are shown quoted, control characters escaped)
    if (p.flag === '--') return /after --: "/.test(message);
    if (message.includes(`--${p.flag.split('.')[0]}`)) return true;
    // A bad file is named by its path (`/x/def.yaml:1: ...`, `scp:/x/p.json: Statement[0].Effect: ...`).
    if (p.value && p.value.startsWith('/') && message.includes(`${p.value}:`)) return true;
    // yargs: "Unknown arguments: a-b, aB", "Missing required argument: bucket", "Not enough arguments following: role".
    const m = /^(?:Unknown arguments?|Missing required arguments?|Not enough arguments following|Invalid values?):\s*(.*)$/s.exec(message);
    return !!m && m[1]!.split(/,\s*/).some((name) => name === p.flag || name.includes(p.flag.split('.')[0]!));
  });
}

async function contract(v: Vector): Promise<void> {
  const before = requests;
  const r = await runCli(v.argv);
  const sent = requests - before;
  const show = () => `argv ${JSON.stringify(v.argv.map((a) => (a.length > 80 ? `${a.slice(0, 40)}…(${a.length})` : a)))}: exit ${r.code}, ${sent} requests, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`;
  if (sent !== 0) throw new Error(`a request was sent: ${show()}`);
  if (/\n\s+at .+:\d+:\d+/.test(r.stderr)) throw new Error(`a stack trace: ${show()}`);
  const help = v.argv.some((a) => a === '--help' || a === '-h' || a === '--version');
  if (help) {
    if (r.code !== 0) throw new Error(`--help/--version did not exit 0: ${show()}`);
    return;
  }
  if (r.code !== 2) throw new Error(`exit ${r.code}, not 2: ${show()}`);
  if (r.stdout !== '') throw new Error(`stdout not empty: ${show()}`);
  if (!r.stderr.startsWith('backup-canary: ') || r.stderr.startsWith('backup-canary: internal error')) throw new Error(`not a usage message: ${show()}`);
  const first = r.stderr.slice('backup-canary: '.length).split('\nRun "backup-canary --help"')[0]!;
  if (!namesABadFlag(first, v)) throw new Error(`the message names none of ${v.poisons.map((p) => p.flag).join(', ')}: ${show()}`);
}

t.test('probe: hostile argument vectors are refused with exit 2, a message naming a bad flag, no request', async (t) => {
  await fc.assert(fc.asyncProperty(probeVector, contract), { numRuns: RUNS, seed: SEED });
  t.equal(requests, 0, 'the counting server saw no request');
});

t.test('explain: hostile argument vectors are refused with exit 2, a message naming a bad flag', async (t) => {
  await fc.assert(fc.asyncProperty(explainVector, contract), { numRuns: RUNS, seed: SEED });
  t.equal(requests, 0);
});

// Counterexamples the properties found, kept as named examples so each one reads on its own.
const example = (argv: string[], flag: string): Vector => ({ argv, poisons: [{ flag, argv: flag === '--' ? argv.slice(argv.indexOf('--')) : [] }] });
const examples: [string, Vector][] = [
  ['--no-bucket (a string flag negated)', example(['probe', ...baseProbe, '--no-bucket'], 'bucket')],
  ['--no-prefix', example(['probe', ...baseProbe, '--no-prefix'], 'prefix')],
  ['--no-session-name', example(['probe', ...baseProbe, '--no-session-name'], 'session-name')],
  ['words after --', example(['probe', ...baseProbe, '--', '--bucket', 'x'], '--')],
  ['--duration without its value', example(['probe', ...baseProbe, '--duration', '--verbose'], 'duration')],
  ['--format without its value', example(['probe', ...baseProbe, '--format', '--verbose'], 'format')],
  ['--output with an empty value', example(['probe', ...baseProbe, '--output='], 'output')],
  ['--output naming a directory', example(['probe', ...baseProbe, `--output=${F.subdir}`], 'output')],
  ['--no-part-size', example(['probe', ...baseProbe, '--no-part-size'], 'part-size')],
  ['--role.0=1 (dotted: an object)', example(['probe', ...baseProbe, '--role.0=1'], 'role')],
  ['--region without its value', example(['probe', ...baseProbe, '--region', '--verbose'], 'region')],
  ['--bucket.name=x (dotted)', example(['probe', ...baseProbe, '--bucket.name=x'], 'bucket')],
  ['explain: words after --', example(['explain', ...baseExplain, '--', 'x'], '--')],
  ['explain --format xml', example(['explain', ...baseExplain, '--format', 'xml'], 'format')],
  ['explain --dialect azure', example(['explain', ...baseExplain, '--dialect', 'azure'], 'dialect')],
  ['explain --no-action', example(['explain', ...baseExplain, '--no-action'], 'action')],
  ['explain --output naming a directory', example(['explain', ...baseExplain, `--output=${F.subdir}`], 'output')],
];
for (const [name, v] of examples) {
  t.test(`example: ${name}`, async (t) => {
    await t.resolves(contract(v));
  });
}
