// Property-based: any JSON as a policy file for `explain` is either refused (exit 2, the message names
// the file and the field) or evaluated to a decision (exit 0 allowed, 1 denied, 3 undetermined) —
// never a crash. Huge policies (10 MB, shaped several ways) are refused, or handled within bounded
// memory and time, measured on the real binary (peak RSS of the process against a small policy).
import t from 'tap';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const RUNS = Number(process.env.FC_RUNS ?? 200);
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const dir = mkdtempSync(join(tmpdir(), 'bc-prop-policy-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'allow-all.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }));

const hostileString = fc.oneof(
  fc.constantFrom('', ' ', '*', '?', '**', '${', '${aws:username}', '${*}', '${?}', '${$}', '${aws:username', '}', 'arn:', 'arn:aws:s3:::', '\u0000', '\ud800', 'é', '🪣', '__proto__', 'constructor'),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
);
const action = fc.oneof(fc.constantFrom('s3:PutObject', 's3:*', '*', 's3:Put*', 's3:?utObject', 'S3:putobject', 'sts:AssumeRole', 'iam:*', 's3:', ':PutObject', 'oss:PutObject'), hostileString);
const resource = fc.oneof(
  fc.constantFrom('*', 'arn:aws:s3:::b/*', 'arn:aws:s3:::b/k', 'arn:aws:s3:::b', 'arn:aws:s3:::b/${aws:username}/*', 'arn:aws:s3:::*/*', 'arn:aws:s3:::b/${aws:PrincipalTag/team}/*', 'arn:*:s3:::b/*', 'acs:oss:*:*:b/*', 'arn:aws:iam::123456789012:role/r'),
  hostileString,
);
const principal = fc.oneof(
  fc.constantFrom('*', { AWS: '*' }, { AWS: ['arn:aws:iam::123456789012:role/r'] }, { AWS: '123456789012' }, { Service: 's3.amazonaws.com' }, { Federated: 'x' }, { CanonicalUser: 'abc' }, {}, { AWS: [] }, { Bogus: 'x' }),
  fc.jsonValue({ maxDepth: 2 }),
);
const OPERATORS = ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'StringEqualsIgnoreCase', 'NumericLessThan', 'NumericEquals', 'DateGreaterThan', 'DateLessThan', 'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnLike', 'ArnNotEquals', 'Null'];
const operator = fc.oneof(
  fc.constantFrom(...OPERATORS),
  fc.tuple(fc.constantFrom('ForAnyValue:', 'ForAllValues:', 'Bogus:', ''), fc.constantFrom(...OPERATORS), fc.constantFrom('', 'IfExists', 'ifexists')).map(([a, b, c]) => `${a}${b}${c}`),
  hostileString,
);
const conditionKey = fc.oneof(fc.constantFrom('aws:SourceIp', 's3:prefix', 'aws:CurrentTime', 'aws:SecureTransport', 'aws:PrincipalArn', 'aws:username', 'aws:PrincipalTag/team', 'sts:ExternalId', 'aws:EpochTime', 'aws:SourceVpce'), hostileString);
const conditionValue = fc.oneof(
  fc.constantFrom('10.0.0.0/8', '10.0.0.1', '::1/128', '300.1.1.1/99', '2026-01-01T00:00:00Z', 'not a date', 'true', 'false', '42', '1e999', 'arn:aws:iam::*:role/*', '*', '${aws:username}', 'QUJD', '%%'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  hostileString,
);
const condition = fc.dictionary(operator, fc.dictionary(conditionKey, fc.oneof(conditionValue, fc.array(conditionValue, { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })), { maxKeys: 3 }), { maxKeys: 3 });
const oneOrMany = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.array(a, { maxLength: 4 }));

const statement = fc.record(
  {
    Sid: fc.oneof(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 })),
    Effect: fc.oneof(fc.constantFrom('Allow', 'Deny', 'allow', 'DENY', ''), fc.jsonValue({ maxDepth: 1 })),
    Action: oneOrMany(action),
    NotAction: oneOrMany(action),
    Resource: oneOrMany(resource),
    NotResource: oneOrMany(resource),
    Principal: principal,
    NotPrincipal: principal,
    Condition: fc.oneof(condition, fc.jsonValue({ maxDepth: 2 })),
    Bogus: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);
/** A statement that is valid, with a valid condition sometimes: evaluations, not only refusals. */
const validStatement = fc.record(
  {
    Sid: fc.stringMatching(/^[A-Za-z0-9]{0,8}$/),
    Effect: fc.constantFrom('Allow', 'Deny'),
    Action: oneOrMany(fc.constantFrom('s3:PutObject', 's3:*', '*', 's3:Put*', 's3:?utObject', 'S3:putobject', 's3:GetObject', 'iam:*')),
    Resource: oneOrMany(fc.constantFrom('*', 'arn:aws:s3:::b/*', 'arn:aws:s3:::b/k', 'arn:aws:s3:::b', 'arn:aws:s3:::b/${aws:username}/*', 'arn:aws:s3:::*/*', 'arn:aws:s3:::b/${aws:PrincipalTag/team}/*', 'arn:*:s3:::b/*', 'arn:aws:s3:::other/*')),
    Condition: fc.constantFrom(
      { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } },
      { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
      { StringLike: { 's3:prefix': ['k*', ''] } },
      { Bool: { 'aws:SecureTransport': 'true' } },
      { DateLessThan: { 'aws:CurrentTime': '2099-01-01T00:00:00Z' } },
      { 'ForAnyValue:StringEquals': { 'aws:PrincipalTag/team': ['a', 'b'] } },
      { StringEqualsIfExists: { 'sts:ExternalId': 'x' } },
      { Null: { 'aws:SourceVpce': 'true' } },
      { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/r' } },
    ),
  },
  { requiredKeys: ['Effect', 'Action', 'Resource'] },
);

/** Policy-shaped documents (valid, and broken in one or many places), and some arbitrary JSON. */
const policy = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ Version: fc.constantFrom('2012-10-17', '2008-10-17'), Statement: fc.oneof(validStatement, fc.array(validStatement, { minLength: 1, maxLength: 4 })) }, { requiredKeys: ['Statement'] }),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.array(validStatement, { minLength: 1, maxLength: 3 }), statement).map(([ok, broken]) => ({ Version: '2012-10-17', Statement: [...ok, broken] })),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        Version: fc.oneof(fc.constantFrom('2012-10-17', '2008-10-17', '1', '2012-10-18'), fc.jsonValue({ maxDepth: 1 })),
        Id: fc.jsonValue({ maxDepth: 1 }),
        Statement: fc.oneof({ weight: 4, arbitrary: fc.array(statement, { maxLength: 4 }) }, statement, fc.jsonValue({ maxDepth: 2 })),
        Extra: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const FIELDS = /(^|[.\]: ])(Version|Id|Statement|Sid|Effect|Action|NotAction|Resource|NotResource|Principal|NotPrincipal|Condition|Extra|Bogus)\b|a policy must be a JSON object|unknown top-level element/;
const DECISIONS: Record<number, string[]> = { 0: ['allowed'], 1: ['explicit-deny', 'implicit-deny'], 3: ['undetermined'] };

let n = 0;
async function explainWith(doc: unknown, extra: string[] = []) {
  const file = join(dir, `p${n++}.json`);
  writeFileSync(file, JSON.stringify(doc));
  const r = await runCli([
    'explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal', 'arn:aws:sts::123456789012:assumed-role/r/s',
    '--role-arn', 'arn:aws:iam::123456789012:role/r', '--identity-policy', file, '--format', 'json', ...extra,
  ]);
  return { ...r, file, flag: 'identity-policy' };
}

function contract(r: { code: number; stdout: string; stderr: string; file: string; flag: string }): void {
  const show = () => `exit ${r.code}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}, stdout ${JSON.stringify(r.stdout.slice(0, 200))}`;
  if (/\n\s+at .+:\d+:\d+/.test(r.stderr) || /internal error/.test(r.stderr)) throw new Error(`a crash: ${show()}`);
  if (r.code === 2) {
    if (r.stdout !== '') throw new Error(`refused but printed: ${show()}`);
    // Repeatable flags name the file (`identity:/path/p.json: ...`); single ones their flag (`bucket-policy: ...`).
    if (!r.stderr.includes(r.file) && !r.stderr.includes(`${r.flag}:`)) throw new Error(`the refusal does not name the file: ${show()}`);
    if (!FIELDS.test(r.stderr)) throw new Error(`the refusal does not name the field: ${show()}`);
    return;
  }
  const want = DECISIONS[r.code];
  if (!want) throw new Error(`exit ${r.code} is neither a decision nor a refusal: ${show()}`);
  if (r.stderr !== '') throw new Error(`a decision with something on stderr: ${show()}`);
  const out = JSON.parse(r.stdout) as { decision: string; summary: string };
  if (!want.includes(out.decision)) throw new Error(`exit ${r.code} but decision ${out.decision}: ${show()}`);
  if (typeof out.summary !== 'string' || !out.summary) throw new Error(`a decision without a summary: ${show()}`);
}

t.test('any JSON as --identity-policy: a decision, or exit 2 naming the file and the field; never a crash', async (t) => {
  const seen: Record<number, number> = {};
  await fc.assert(
    fc.asyncProperty(policy, fc.boolean(), async (doc, withContext) => {
      const r = await explainWith(doc, withContext ? ['--context', 'aws:SourceIp=10.1.2.3', '--context', 's3:prefix=k'] : []);
      seen[r.code] = (seen[r.code] ?? 0) + 1;
      contract(r);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  t.comment(`exit codes seen: ${JSON.stringify(seen)}`);
  t.ok(seen[2] && (seen[0] || seen[1] || seen[3]), 'the generator reaches refusals and decisions');
});

t.test('the same documents as a bucket policy (Principal required) follow the same contract', async (t) => {
  await fc.assert(
    fc.asyncProperty(policy, async (doc) => {
      const file = join(dir, `b${n++}.json`);
      writeFileSync(file, JSON.stringify(doc));
      const r = await runCli([
        'explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--principal', 'arn:aws:sts::123456789012:assumed-role/r/s',
        '--role-arn', 'arn:aws:iam::123456789012:role/r', '--identity-policy', join(dir, 'allow-all.json'), '--bucket-policy', file, '--format', 'json',
      ]);
      contract({ ...r, file, flag: 'bucket-policy' });
    }),
    { numRuns: Math.ceil(RUNS / 2), seed: SEED },
  );
});

// ---------------------------------------------------------------------------------------------
// Huge policies, through the real binary. Peak RSS comes from the process itself (a preload that
// writes process.resourceUsage().maxRSS at exit), compared with the same command on a small policy.

const bin = new URL('../../bin/backup-canary', import.meta.url).pathname;
const MB = 1024 * 1024;
/** Bounds for a 10 MB input: at most this much more peak memory than with a small policy, and this long. */
const RSS_BOUND_MB = 160;
const TIME_BOUND_MS = 20_000;

const hook = join(dir, 'rss-hook.mjs');
writeFileSync(hook, "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => { if (process.env.RSS_OUT) writeFileSync(process.env.RSS_OUT, String(process.resourceUsage().maxRSS)); });\n");

function measured(argv: string[]): Promise<{ code: number | null; stdout: number; stderr: string; rssMB: number; ms: number }> {
  const rssFile = join(dir, `rss-${n++}`);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', hook, bin, ...argv], { env: { PATH: process.env.PATH, HOME: dir, RSS_OUT: rssFile } });
    let stdout = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.length));
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d;
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      const kb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : NaN;
      resolve({ code, stdout, stderr, rssMB: kb / 1024, ms: Date.now() - t0 });
    });
  });
}

function fill(target: number, make: (i: number) => string): string[] {
  const out: string[] = [];
  let len = 0;
  for (let i = 0; len < target; i++) {
    const s = make(i);
    out.push(s);
    len += s.length + 1;
  }
  return out;
}
const statementText = (i: number) => JSON.stringify({ Sid: `S${i}`, Effect: i % 2 ? 'Allow' : 'Deny', Action: ['s3:PutObject', 's3:Get*'], Resource: [`arn:aws:s3:::b/${i}/*`], Condition: { StringLike: { 's3:prefix': [`p${i}/*`] } } });
const HUGE: [string, () => string][] = [
  ['50,000 statements', () => `{"Version":"2012-10-17","Statement":[${fill(10 * MB, statementText).join(',')}]}`],
  ['one Action list of 800,000 actions', () => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: fill(10 * MB, (i) => `s3:Action${i}`), Resource: '*' }] })],
  ['one 10 MB string', () => JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'x'.repeat(10 * MB), Effect: 'Allow', Action: 's3:*', Resource: '*' }] })],
  ['5 million nested arrays', () => `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k":${'['.repeat(5 * MB)}${']'.repeat(5 * MB)}}}}]}`],
  ['wildcard-heavy resources', () => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: fill(10 * MB, (i) => `arn:aws:s3:::b/${'*a'.repeat(200)}${i}`) }] })],
];

t.test('a 10 MB policy to explain: refused with a clear message, or handled within bounded memory and time', async (t) => {
  if (!existsSync(new URL('../../dist/main.js', import.meta.url))) throw new Error('dist/ is missing: run npm run build first');
  const args = (file: string) => ['explain', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/1/k', '--principal', 'arn:aws:sts::123456789012:assumed-role/r/s', '--role-arn', 'arn:aws:iam::123456789012:role/r', '--identity-policy', file];
  const small = join(dir, 'small.json');
  writeFileSync(small, `{"Version":"2012-10-17","Statement":[${statementText(1)}]}`);
  const base = await measured(args(small));
  t.equal(base.code, 1, `the small policy evaluates (${base.stderr})`);
  t.ok(base.rssMB > 10, `baseline peak RSS ${base.rssMB.toFixed(0)} MB, ${base.ms} ms`);
  for (const [name, make] of HUGE) {
    const file = join(dir, `huge-${n++}.json`);
    writeFileSync(file, make());
    const r = await measured(args(file));
    const delta = r.rssMB - base.rssMB;
    t.comment(`${name}: exit ${r.code}, ${r.ms} ms, peak RSS ${r.rssMB.toFixed(0)} MB (+${delta.toFixed(0)} MB), ${r.stdout} bytes out, ${JSON.stringify(r.stderr.slice(0, 160))}`);
    t.notMatch(r.stderr, /internal error|\n\s+at .+:\d+:\d+/, `${name}: no crash`);
    if (r.code === 2) {
      t.match(r.stderr, /--identity-policy|identity:/, `${name}: refused, naming the file`);
    } else {
      t.ok([0, 1, 3].includes(r.code ?? -1), `${name}: a decision (exit ${r.code})`);
    }
    t.ok(delta <= RSS_BOUND_MB, `${name}: peak memory +${delta.toFixed(0)} MB over a small policy (bound ${RSS_BOUND_MB} MB)`);
    t.ok(r.ms <= TIME_BOUND_MS, `${name}: ${r.ms} ms (bound ${TIME_BOUND_MS} ms)`);
  }
});
