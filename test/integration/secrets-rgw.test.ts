// Secrets never reach any output: the source secret key, the STS-issued secret key and session token
// (captured from the real AssumeRole answers by the fault proxy), and the explain profile's secret.
// Real probes through the real binary against a real RGW: healthy, denied (with --explain), a wrong
// source secret, an unreachable endpoint, and requests failing after AssumeRole (real RGW rejections
// of a corrupted token or signature, and AWS-shaped error bodies that echo the token and the
// canonical request); every format, --verbose, --output files, BACKUP_CANARY_DEBUG. Everything the
// process prints and every file it leaves in its working and home directories is searched.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRole, createUser, DEMO, demoRolePolicy, listEverything, putBucketPolicy, putRolePolicy, radosgwAdmin, roleArn, seedDemo, startRgw, userArn } from '../../scripts/rgw.mjs';
import { FORMAT_NAMES } from '../../src/report/index.js';
import { type Exchange, startFaultProxy } from '../fault-proxy/index.js';

const bin = new URL('../../bin/backup-canary', import.meta.url).pathname;
if (!existsSync(new URL('../../dist/main.js', import.meta.url))) throw new Error('dist/ is missing: run npm run build first');

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const owner = demo.users.bucketOwner;
await radosgwAdmin(rgw, ['caps', 'add', `--uid=${owner.uid}`, '--caps=roles=read']);

// A source identity with a random secret, so that any fragment of it in an output is meaningful.
const source = {
  uid: 'secret-holder',
  accessKeyId: `BCSECRETS${randomBytes(6).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64').replace(/[+/=]/g, 'x'),
};
await createUser(rgw, source.uid, source);
await createRole(rgw, 'secrets-backup', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(source.uid)] }, Action: ['sts:AssumeRole'] }] });
await putRolePolicy(rgw, 'secrets-backup', 'writes', demoRolePolicy([DEMO.bucket, DEMO.lockedBucket]));
const role = roleArn('secrets-backup');
// The locked bucket's Deny names the demo role; make it name ours too.
const locked = structuredClone(demo.lockedBucketPolicy.policy);
locked.Statement[0]!.Principal = { AWS: [role] };
await putBucketPolicy(rgw, owner, DEMO.lockedBucket, locked);

const proxy = await startFaultProxy({ upstream: rgw.endpoint, deadlineMs: 280_000, maxRequests: 5000 });
t.teardown(() => proxy.close());

const home = mkdtempSync(join(tmpdir(), 'bc-secrets-'));
t.teardown(() => rmSync(home, { recursive: true, force: true }));
writeFileSync(join(home, 'credentials'), `[policy-reader]\naws_access_key_id = ${owner.accessKeyId}\naws_secret_access_key = ${owner.secretAccessKey}\n`);
const env = (secret = source.secretAccessKey): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home,
  AWS_ACCESS_KEY_ID: source.accessKeyId,
  AWS_SECRET_ACCESS_KEY: secret,
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
  AWS_CONFIG_FILE: join(home, 'config-none'),
  BACKUP_CANARY_DEBUG: '1',
});

/** Every secret seen so far: the source's, the explain profile's, and each STS answer's. */
const secrets = new Map<string, string>([
  ['source secret key', source.secretAccessKey],
  ['explain profile secret key', owner.secretAccessKey],
  ['RGW admin secret key', rgw.admin.secretAccessKey],
]);
const wrongSecret = `wrong-${randomBytes(20).toString('hex')}`;
secrets.set('wrong source secret key', wrongSecret);

function captureSts(log: Exchange[]): number {
  let n = 0;
  for (const ex of log) {
    if (ex.op !== 'AssumeRole' || ex.status !== 200) continue;
    const secret = /<SecretAccessKey>([^<]+)<\/SecretAccessKey>/.exec(ex.responseBody ?? '')?.[1];
    const token = /<SessionToken>([^<]+)<\/SessionToken>/.exec(ex.responseBody ?? '')?.[1];
    if (secret) secrets.set(`STS secret key #${ex.n}`, secret);
    if (token) secrets.set(`STS session token #${ex.n}`, token);
    if (secret && token) n++;
  }
  return n;
}

/** The forms a secret can take in text: as is, URL-encoded, hex (AWS's *Bytes elements), base64. */
function forms(secret: string): string[] {
  const b = Buffer.from(secret, 'utf8');
  const hex = b.toString('hex');
  return [...new Set([secret, encodeURIComponent(secret), hex, hex.replace(/(..)(?!$)/g, '$1 '), b.toString('base64')])];
}

/** Any 16-character window of any form of any secret found in `text`. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const [name, secret] of secrets) {
    for (const f of forms(secret)) {
      const w = Math.min(16, f.length);
      for (let i = 0; i + w <= f.length; i++) {
        if (text.includes(f.slice(i, i + w))) {
          found.push(`${name} (${f === secret ? 'as is' : 'encoded'}, at ${i})`);
          break;
        }
      }
    }
  }
  return found;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  files: Record<string, string>;
  stsAnswers: number;
}

async function run(argv: string[], opts: { secret?: string; endpoint?: string; rules?: Parameters<typeof proxy.setRules>[0] } = {}): Promise<Run> {
  proxy.setRules(opts.rules ?? []);
  proxy.log.length = 0;
  const cwd = mkdtempSync(join(home, 'cwd-'));
  const endpoint = opts.endpoint ?? proxy.endpoint;
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(bin, ['probe', '--bucket', DEMO.bucket, '--prefix', DEMO.prefix, '--endpoint', endpoint, '--path-style', '--timeout', '5', ...argv], { env: env(opts.secret), cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
  const stsAnswers = captureSts(proxy.log);
  const files: Record<string, string> = {};
  for (const f of filesUnder(cwd)) files[f] = readFileSync(f, 'utf8');
  return { ...r, files, stsAnswers };
}

function assertClean(t: Test, r: Run, what: string): void {
  t.same(leaks(r.stdout), [], `${what}: no secret on stdout`);
  t.same(leaks(r.stderr), [], `${what}: no secret on stderr`);
  for (const [f, text] of Object.entries(r.files)) t.same(leaks(text), [], `${what}: no secret in ${f.slice(home.length)}`);
  t.notMatch(r.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, `${what}: no stack trace`);
}

const base = ['--role', role];

t.test('healthy probes: text and json on stdout with --verbose, and every format to a file', async (t) => {
  for (const format of ['text', 'json']) {
    const r = await run([...base, '--verbose', '--format', format]);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stsAnswers, 1, 'the proxy captured the STS credentials of this run');
    t.match(r.stderr, /put-object started/, '--verbose logged');
    assertClean(t, r, `healthy ${format} --verbose`);
  }
  t.ok(FORMAT_NAMES.includes('text') && FORMAT_NAMES.includes('json'));
  for (const format of FORMAT_NAMES) {
    const r = await run([...base, '--format', format, '--output', 'report.out']);
    t.equal(r.code, 0, `${format}: ${r.stderr}`);
    const written = Object.keys(r.files).filter((f) => f.endsWith('report.out'));
    t.equal(written.length, 1, `${format}: the report file was written`);
    t.ok(r.files[written[0]!]!.length > 0, `${format}: and is not empty`);
    assertClean(t, r, `healthy ${format} --output`);
  }
  t.same(await listEverything(rgw, owner, DEMO.bucket), { objects: [], uploads: [] });
});

t.test('denied (bucket-policy Deny) with --explain: reports, hints, evidence and policies hold no secret', async (t) => {
  for (const format of ['json', 'text']) {
    const r = await run([...base, '--bucket', DEMO.lockedBucket, '--explain', '--explain-profile', 'policy-reader', '--source-ip', '127.0.0.1', '--verbose', '--format', format]);
    t.equal(r.code, 1, r.stderr);
    t.match(r.stdout, format === 'json' ? /"explicit": true/ : /OnlyOfficeMayWrite/, `${format}: the denial is explained`);
    t.ok(proxy.log.some((e) => e.op === 'Iam'), 'policies were read through the proxy');
    assertClean(t, r, `denied --explain ${format}`);
  }
  // --explain with the source credentials, which may not read policies: the reading errors too.
  const r = await run([...base, '--bucket', DEMO.lockedBucket, '--explain', '--format', 'json']);
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, /"notVisible"/);
  assertClean(t, r, 'denied --explain without read access');
});

t.test('a wrong source secret: AssumeRole fails with a credentials error, neither secret is printed', async (t) => {
  for (const format of ['json', 'text']) {
    const r = await run([...base, '--verbose', '--format', format], { secret: wrongSecret });
    t.not(r.code, 0);
    t.equal(r.stsAnswers, 0);
    t.match(r.stdout, format === 'json' ? /"id": "assume-role"[\s\S]*"outcome": "(denied|error)"/ : /assume-role/);
    assertClean(t, r, `wrong secret ${format}`);
  }
});

t.test('an unreachable endpoint: network error, exit 3, no secret', async (t) => {
  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  for (const format of ['json', 'text']) {
    const r = await run([...base, '--verbose', '--format', format], { endpoint: `http://127.0.0.1:${closed}` });
    t.equal(r.code, 3, r.stderr);
    t.match(r.stdout, /ECONNREFUSED/);
    assertClean(t, r, `network ${format}`);
  }
});

const token = (ex: Exchange) => ex.requestHeaders['x-amz-security-token'] ?? '';
/** An AWS S3 SignatureDoesNotMatch body, as S3 sends it: it echoes the string to sign and the canonical request (with the session token) in text and hex. */
function signatureDoesNotMatch(ex: Exchange): string {
  const h = ex.requestHeaders;
  const canonical = `${ex.method}\n${ex.path}\n${ex.query}\nhost:${h.host}\nx-amz-content-sha256:${h['x-amz-content-sha256'] ?? ''}\nx-amz-date:${h['x-amz-date'] ?? ''}\nx-amz-security-token:${token(ex)}\n\nhost;x-amz-content-sha256;x-amz-date;x-amz-security-token\nUNSIGNED-PAYLOAD`;
  const sts = `AWS4-HMAC-SHA256\n${h['x-amz-date'] ?? ''}\n20261122/us-east-1/s3/aws4_request\n${'ab'.repeat(32)}`;
  const hex = (s: string) => Buffer.from(s).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  const access = /Credential=([^/]+)\//.exec(h.authorization ?? '')?.[1] ?? '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><AWSAccessKeyId>${access}</AWSAccessKeyId><StringToSign>${sts}</StringToSign><SignatureProvided>${/Signature=([0-9a-f]+)/.exec(h.authorization ?? '')?.[1] ?? ''}</SignatureProvided><StringToSignBytes>${hex(sts)}</StringToSignBytes><CanonicalRequest>${canonical}</CanonicalRequest><CanonicalRequestBytes>${hex(canonical)}</CanonicalRequestBytes><RequestId>FAULT1</RequestId><HostId>fault-host-id</HostId></Error>`;
}
const tokenEcho = (code: string, message: string) => (ex: Exchange) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Token-0>${token(ex)}</Token-0><RequestId>FAULT2</RequestId><HostId>fault-host-id</HostId></Error>`;

t.test('requests failing after AssumeRole: error messages and evidence hold no secret', async (t) => {
  // RGW answers a corrupted token with a plain AccessDenied (it cannot tell it from a refusal): denied, exit 1.
  const cases: [string, Parameters<typeof proxy.setRules>[0], 'denied' | 'error'][] = [
    ['RGW rejects a corrupted session token', [{ op: ['PutObject', 'CreateMultipartUpload'], fault: { kind: 'rewrite', headers: (raw) => raw.map((v, i) => (i > 0 && raw[i - 1]!.toLowerCase() === 'x-amz-security-token' ? `${v.slice(0, -4)}AAAA` : v)) } }], 'denied'],
    ['RGW rejects a corrupted signature', [{ op: ['PutObject', 'CreateMultipartUpload'], fault: { kind: 'rewrite', headers: (raw) => raw.map((v, i) => (i > 0 && raw[i - 1]!.toLowerCase() === 'authorization' ? v.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`) : v)) } }], 'error'],
    ['S3 SignatureDoesNotMatch echoing the canonical request', [{ op: ['PutObject', 'CreateMultipartUpload', 'HeadObject', 'ListObjects'], fault: { kind: 'status', status: 403, code: 'SignatureDoesNotMatch', body: signatureDoesNotMatch } }], 'error'],
    ['S3 ExpiredToken echoing the token', [{ op: ['PutObject', 'CreateMultipartUpload', 'ListObjects'], fault: { kind: 'status', status: 400, code: 'ExpiredToken', body: tokenEcho('ExpiredToken', 'The provided token has expired.') } }], 'error'],
    ['S3 InvalidToken echoing the token', [{ op: ['PutObject', 'CreateMultipartUpload', 'ListObjects'], fault: { kind: 'status', status: 400, code: 'InvalidToken', body: tokenEcho('InvalidToken', 'The provided token is malformed or otherwise invalid.') } }], 'error'],
    ['a connection dropped after AssumeRole', [{ op: ['PutObject', 'CreateMultipartUpload'], fault: { kind: 'drop', at: 'request' } }], 'error'],
  ];
  for (const [name, rules, outcome] of cases) {
    for (const format of ['json', 'text']) {
      const r = await run([...base, '--verbose', '--format', format, '--max-attempts', '1'], { rules });
      t.equal(r.stsAnswers, 1, `${name}: AssumeRole succeeded, its secrets are known`);
      t.equal(r.code, outcome === 'denied' ? 1 : 3, `${name} ${format}: exit code (${r.stderr})`);
      const failed = proxy.log.filter((e) => e.op === 'PutObject' || e.op === 'CreateMultipartUpload');
      t.ok(failed.length > 0 && failed.every((e) => e.fault), `${name}: the faults were injected`);
      if (format === 'json') {
        const j = JSON.parse(r.stdout) as { checks: { id: string; outcome: string; denial?: { code: string } }[] };
        const put = j.checks.find((c) => c.id === 'put-object')!;
        t.equal(put.outcome, outcome, `${name}: put-object is ${outcome} (${put.denial?.code})`);
      }
      assertClean(t, r, `${name} ${format}`);
    }
  }
  t.same(await listEverything(rgw, owner, DEMO.bucket), { objects: [], uploads: [] });
});

t.test('the secrets searched for are real: the search finds them where they are', async (t) => {
  // Guards the guard: a leak check that cannot find anything would pass vacuously.
  const sts = [...secrets].filter(([k]) => k.startsWith('STS'));
  t.ok(sts.length >= 2 * 10, `${sts.length / 2} STS credential sets captured`);
  for (const [name, secret] of secrets) {
    t.ok(secret.length >= 16, `${name} is long enough to search by 16-character windows`);
    t.not(leaks(`xx${secret.slice(3, 19)}xx`).length, 0, `${name}: a 16-character fragment is found`);
    t.not(leaks(encodeURIComponent(secret)).length, 0, `${name}: the URL-encoded form is found`);
  }
  t.not(leaks(signatureDoesNotMatch({ method: 'PUT', path: '/b/k', query: '', requestHeaders: { host: 'h', 'x-amz-security-token': sts.find(([k]) => k.includes('token'))![1] } } as unknown as Exchange)).length, 0, 'the injected AWS-shaped body does carry the token');
});
