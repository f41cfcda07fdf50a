// Backup sources on Alibaba Cloud OSS (issue 15, Deliver item 5): the reader checks through the real CLI
// and the real ali-oss / @alicloud/sts20150401 clients, against the OSS test server (test/oss-server/,
// reader.ts follows Alibaba's pages). The role's RAM policies are enforced by the server: each reader
// check is allowed by a RAM policy that grants its documented action, denied (identity-policy, implicit
// or explicit, with OSS's EC and AccessDeniedDetail) by one that does not; GetObject with a versionId
// needs oss:GetObjectVersion, not oss:GetObject; the generated oss-backup-source RAM policy, as the
// role's only policy, passes.
import t, { type Test } from 'tap';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestFailure, type RunResult } from '../../src/core/model.js';
import { runPolicyCommand } from '../../src/cli/policy-command.js';
import type { PolicyArgs } from '../../src/cli/policy-args.js';
import type { PolicyDocument } from '../../src/policy/generate.js';
import { evaluate } from '../../src/explain/evaluate.js';
import { AlibabaAdapter } from '../../src/providers/alibaba/adapter.js';
import { startOssServer } from '../oss-server/index.js';
import { runCli } from '../helpers/cli.js';

const ACCOUNT = '1234567890123456';
const ROLE = `acs:ram::${ACCOUNT}:role/backup-reader`;
const USER = `acs:ram::${ACCOUNT}:user/backup-operator`;
const SOURCE = { accessKeyId: 'TESTOSSSOURCEKEY01', accessKeySecret: 'local-test-secret-source-01' };
const VERSIONED = 'source-versioned';
const PLAIN = 'source-plain';
const PREFIX = 'data/';

const server = await startOssServer();
t.teardown(() => server.stop());
server.addAccessKey({ ...SOURCE, principal: { type: 'user', arn: USER, uid: '200000000000000001', displayName: 'backup-operator' } });
server.addRole({ arn: ROLE, trusts: [USER] });
server.state.createBucket(VERSIONED);
server.state.buckets.get(VERSIONED)!.versioning = 'Enabled';
server.state.createBucket(PLAIN);
process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = SOURCE.accessKeyId;
process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = SOURCE.accessKeySecret;
delete process.env.ALIBABA_CLOUD_SECURITY_TOKEN;
delete process.env.ALIBABA_CLOUD_PROFILE;

/** The reader checks with an OSS action, and the RAM action each is authorised as (alibaba/actions.ts). */
const READERS: Record<string, string> = {
  'get-object-tagging': 'oss:GetObjectTagging',
  'get-object-acl': 'oss:GetObjectAcl',
  'get-object-version': 'oss:GetObjectVersion',
  'list-bucket-versions': 'oss:ListObjectVersions',
  'get-bucket-versioning': 'oss:GetBucketVersioning',
  'get-bucket-location': 'oss:GetBucketLocation',
  'get-bucket-tagging': 'oss:GetBucketTagging',
  'get-inventory-configuration': 'oss:GetBucketInventory',
};
const OBJECT_READS = ['oss:GetObjectVersion', 'oss:GetObjectTagging', 'oss:GetObjectAcl'];
const BUCKET_READS = ['oss:ListObjectVersions', 'oss:GetBucketVersioning', 'oss:GetBucketLocation', 'oss:GetBucketTagging', 'oss:GetBucketInventory'];

/** A RAM policy for the role: what the probe's own canary needs, plus `object` and `bucket` reads. */
function ramPolicy(bucket: string, object: string[], bucketLevel: string[], extra: object[] = []) {
  return {
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject', 'oss:DeleteObject', 'oss:DeleteObjectVersion', ...object], Resource: [`acs:oss:*:${ACCOUNT}:${bucket}/${PREFIX}*`] },
      { Effect: 'Allow', Action: ['oss:GetBucketWorm', 'oss:GetBucketVersioning', 'oss:ListObjectVersions', ...bucketLevel], Resource: [`acs:oss:*:${ACCOUNT}:${bucket}`] },
      ...extra,
    ],
  };
}
function setPolicies(t: Test, policies: object[] | undefined) {
  const role = server.state.findRole(ROLE)!;
  role.policies = policies;
  t.teardown(() => {
    delete role.policies;
  });
}

const dir = mkdtempSync(join(tmpdir(), 'bc-oss-sources-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const READER_DEF = join(dir, 'oss-reader.yaml');
writeFileSync(
  READER_DEF,
  ['name: oss-reader', 'description: every OSS reader check', 'source: https://www.alibabacloud.com/help/en/oss/user-guide/ram-policy-overview/', 'providers: [alibaba]', 'checks:', '  assume-role: allow', '  put-object: allow', ...Object.keys(READERS).map((id) => `  ${id}: allow`), ''].join('\n'),
);

async function probe(bucket: string, def: string, extra: string[] = [], endpoint = server.ossEndpoint) {
  const r = await runCli(['probe', '--probe', def, '--role', ROLE, '--bucket', bucket, '--prefix', PREFIX, '--region', 'cn-hangzhou', '--endpoint', endpoint, '--sts-endpoint', server.stsEndpoint, '--timeout', '10', '--format', 'json', ...extra]);
  let json: RunResult;
  try {
    json = JSON.parse(r.stdout) as RunResult;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  const by = Object.fromEntries(json.checks.map((c) => [c.id, c]));
  return { code: r.code, json, by, failed: json.checks.filter((c) => !c.ok).map((c) => `${c.id}:${c.outcome}:${c.denial?.ec ?? c.reason ?? ''}`) };
}

/** Every version, delete marker and current object left in a bucket. */
function left(bucket: string): string[] {
  const b = server.state.buckets.get(bucket)!;
  return [...new Set([...b.objects.keys(), ...b.versions.keys()])];
}

t.beforeEach(() => {
  server.script.reset();
  server.state.clearRequests();
});

t.test('a RAM policy granting every reader action: each reader check allowed on a versioned bucket, nothing left', async (t) => {
  setPolicies(t, [ramPolicy(VERSIONED, OBJECT_READS, BUCKET_READS)]);
  const p = await probe(VERSIONED, READER_DEF);
  t.same(p.failed, [], 'every check allowed');
  t.equal(p.json.verdict, 'pass');
  t.equal(p.code, 0);
  for (const [id, action] of Object.entries(READERS)) t.match(p.by[id], { outcome: 'allowed', ok: true, action }, `${id}: ${action}`);

  // What went over the wire, and as which RAM action the server authorised it.
  const oss = server.state.requests.filter((q) => q.service === 'oss');
  const put = oss.find((q) => q.api === 'PutObject')!;
  const versioned = oss.find((q) => q.api === 'GetObject' && q.query.versionId !== undefined)!;
  t.match(versioned, { action: 'oss:GetObjectVersion', status: 200, key: put.key }, 'GetObject with versionId is authorised as oss:GetObjectVersion');
  t.match(versioned.query.versionId, /^CAEQ/, 'the version id the write returned');
  t.match(oss.find((q) => q.api === 'GetObjectTagging'), { action: 'oss:GetObjectTagging', status: 200, key: put.key });
  t.match(oss.find((q) => q.api === 'GetObjectACL'), { action: 'oss:GetObjectAcl', status: 200, key: put.key });
  t.match(oss.find((q) => q.api === 'GetBucketLocation'), { action: 'oss:GetBucketLocation', status: 200 });
  t.match(oss.find((q) => q.api === 'GetBucketTags'), { action: 'oss:GetBucketTagging', status: 200 }, 'no tags: 200, an empty Tagging');
  t.match(oss.find((q) => q.api === 'ListBucketInventory'), { action: 'oss:GetBucketInventory', status: 404, code: 'NoSuchInventory' }, 'no inventory: NoSuchInventory, counted as authorised');
  t.match(oss.find((q) => q.api === 'ListObjectVersions')!.query, { prefix: `${PREFIX}.backup-canary/` });

  // The request records --explain evaluates.
  t.same({ ...p.by['get-object-version']!.request, context: {} }, { action: 'oss:GetObjectVersion', resource: `acs:oss:cn-hangzhou:${ACCOUNT}:${VERSIONED}/${put.key}`, context: {} });
  t.same({ ...p.by['get-bucket-location']!.request, context: {} }, { action: 'oss:GetBucketLocation', resource: `acs:oss:cn-hangzhou:${ACCOUNT}:${VERSIONED}`, context: {} });
  t.same({ ...p.by['get-inventory-configuration']!.request, context: {} }, { action: 'oss:GetBucketInventory', resource: `acs:oss:cn-hangzhou:${ACCOUNT}:${VERSIONED}`, context: {} });
  t.same(p.json.leftovers, []);
  t.same(left(VERSIONED), [], 'every version of the canary removed by id');
});

t.test('a RAM policy without the reader actions: each reader check denied by the identity policy, implicitly', async (t) => {
  setPolicies(t, [ramPolicy(VERSIONED, [], [])]);
  const p = await probe(VERSIONED, READER_DEF);
  t.equal(p.json.verdict, 'fail');
  t.equal(p.code, 1);
  // GetBucketVersioning and ListObjectVersions stay granted (the canary's cleanup needs them).
  const denied = Object.keys(READERS).filter((id) => !['get-bucket-versioning', 'list-bucket-versions'].includes(id));
  t.same(p.failed.map((f) => f.split(':')[0]).sort(), [...denied].sort(), p.failed.join(', '));
  for (const id of denied) {
    t.match(p.by[id], {
      outcome: 'denied',
      ok: false,
      denial: {
        source: 'identity-policy',
        explicit: false,
        code: 'AccessDenied',
        httpStatus: 403,
        ec: '0003-00000202',
        accessDeniedDetail: { PolicyType: 'AccountLevelIdentityBasedPolicy', NoPermissionType: 'ImplicitDeny', AuthAction: READERS[id], AuthPrincipalType: 'AssumedRoleUser' },
      },
    }, `${id}: denied, ${READERS[id]}`);
    t.match(p.by[id]!.denial!.hint, new RegExp(`No RAM policy of role ${ROLE.replace(/[/]/g, '\\/')} allows ${READERS[id]}`), `${id}: the hint names the missing action`);
  }
  t.equal(p.by['put-object']!.outcome, 'allowed');
  t.same(p.json.leftovers, []);
  t.same(left(VERSIONED), []);
});

t.test('oss:GetObject does not grant a read by version id; an explicit Deny on oss:GetObjectVersion is explicit', async (t) => {
  // Everything but oss:GetObjectVersion: GetObject with versionId is refused although oss:GetObject is granted.
  setPolicies(t, [ramPolicy(VERSIONED, ['oss:GetObjectTagging', 'oss:GetObjectAcl'], BUCKET_READS)]);
  const p = await probe(VERSIONED, READER_DEF);
  t.same(p.failed.map((f) => f.split(':')[0]), ['get-object-version']);
  t.match(p.by['get-object-version']!.denial, { source: 'identity-policy', explicit: false, accessDeniedDetail: { AuthAction: 'oss:GetObjectVersion' } });
  t.same(left(VERSIONED), []);

  const deny = { Effect: 'Deny', Action: ['oss:GetObjectVersion'], Resource: [`acs:oss:*:*:${VERSIONED}/*`] };
  server.state.clearRequests();
  setPolicies(t, [ramPolicy(VERSIONED, OBJECT_READS, BUCKET_READS, [deny])]);
  const q = await probe(VERSIONED, READER_DEF);
  t.same(q.failed.map((f) => f.split(':')[0]), ['get-object-version']);
  t.match(q.by['get-object-version']!.denial, {
    source: 'identity-policy',
    explicit: true,
    ec: '0003-00000201',
    message: 'Access denied by bucket policy.',
    accessDeniedDetail: { PolicyType: 'AccountLevelIdentityBasedPolicy', NoPermissionType: 'ExplicitDeny', AuthAction: 'oss:GetObjectVersion' },
  }, 'the EC and AccessDeniedDetail say RAM, whatever the message says');
  t.same(left(VERSIONED), []);
});

t.test('an unversioned bucket: get-object-version skipped with the reason; tags, ACL and inventory as configured', async (t) => {
  const b = server.state.buckets.get(PLAIN)!;
  b.tags = { team: 'data' };
  b.inventories = ['daily'];
  t.teardown(() => {
    delete b.tags;
    delete b.inventories;
  });
  setPolicies(t, [ramPolicy(PLAIN, OBJECT_READS, BUCKET_READS)]);
  const p = await probe(PLAIN, READER_DEF);
  t.match(p.by['get-object-version'], { outcome: 'skipped', ok: false, reason: /not versioned/ });
  t.same(p.failed.map((f) => f.split(':')[0]), ['get-object-version'], 'a skip is never a pass');
  t.equal(p.by['list-bucket-versions']!.outcome, 'allowed', 'the version listing of an unversioned bucket lists the canary as version null');
  t.match(server.state.requests.find((q) => q.api === 'ListBucketInventory'), { status: 200 }, 'an inventory is configured: ListInventoryConfigurationsResult');
  t.match(server.state.requests.find((q) => q.api === 'GetBucketTags'), { status: 200 });
  for (const id of ['get-bucket-tagging', 'get-inventory-configuration', 'get-object-acl', 'get-object-tagging']) t.equal(p.by[id]!.outcome, 'allowed', id);
  t.same(left(PLAIN), []);
});

t.test('get-bucket-notification on OSS: skipped, OSS documents no such request', async (t) => {
  const def = join(dir, 'notification.yaml');
  writeFileSync(def, 'name: n\ndescription: d\nsource: s\nproviders: [alibaba]\nchecks:\n  assume-role: allow\n  get-bucket-notification: allow\n');
  const p = await probe(PLAIN, def);
  t.match(p.by['get-bucket-notification'], { outcome: 'skipped', ok: false, reason: /alibaba documents no equivalent of this request/ });
  t.notOk(server.state.requests.some((q) => q.service === 'oss' && 'notification' in q.query), 'nothing was sent');
});

t.test('the evaluator (--explain, dialect alibaba) agrees with the server on each recorded reader request', async (t) => {
  const granting = ramPolicy(VERSIONED, OBJECT_READS, BUCKET_READS);
  const lacking = ramPolicy(VERSIONED, [], []);
  setPolicies(t, [granting]);
  const p = await probe(VERSIONED, READER_DEF);
  for (const id of Object.keys(READERS)) {
    const req = p.by[id]!.request!;
    const request = { action: req.action, resource: req.resource, context: req.context, principal: { arn: p.json.identity.assumedRoleArn! }, resourceAccount: ACCOUNT };
    const decide = (doc: object) => evaluate({ request, policies: { identity: [{ name: 'ram', document: doc }] }, dialect: 'alibaba' }).decision;
    t.equal(decide(granting), 'allowed', `${id}: the granting policy allows ${req.action} on ${req.resource}`);
    const without = decide(lacking);
    const expected = ['get-bucket-versioning', 'list-bucket-versions'].includes(id) ? 'allowed' : 'implicit-deny';
    t.equal(without, expected, `${id}: the lacking policy: ${expected}, as the server answered in the denial test`);
  }
  t.same(left(VERSIONED), []);
});

t.test('a store that ignores the sub-resources and lists the bucket: those checks are errors, never allowed', async (t) => {
  // A proxy in front of the test server that answers GET /?location, /?tagging and /?inventory on the
  // bucket with a plain listing (as an S3-compatible store without these APIs does) and forwards the rest.
  const proxy = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/' && ['location', 'tagging', 'inventory'].some((q) => url.searchParams.has(q))) {
      res.writeHead(200, { 'Content-Type': 'application/xml', 'x-oss-request-id': '0123456789ABCDEF01234567' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>${PLAIN}</Name><Prefix></Prefix><MaxKeys>100</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`);
      return;
    }
    const upstream = new URL(server.ossEndpoint);
    const fwd = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(fwd);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    proxy.close(() => resolve());
    proxy.closeAllConnections();
  }));
  setPolicies(t, [ramPolicy(PLAIN, OBJECT_READS, BUCKET_READS)]);
  const p = await probe(PLAIN, READER_DEF, [], `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
  for (const [id, api] of [['get-bucket-location', 'GetBucketLocation'], ['get-bucket-tagging', 'GetBucketTags'], ['get-inventory-configuration', 'ListBucketInventory']]) {
    t.match(p.by[id!], { outcome: 'error', ok: false }, `${id}: an error`);
    t.match(p.by[id!]!.reason, new RegExp(`answered ${api} with <ListBucketResult>.*does not implement ${api}`), `${id}: the reason says what came back`);
  }
  t.equal(p.by['get-object-tagging']!.outcome, 'allowed', 'the object reads went through to the server');
  t.not(p.json.verdict, 'pass');
  t.same(left(PLAIN), []);
});

/** `backup-canary policy --provider alibaba --probe NAME --format json`. */
async function generated(name: string, bucket: string): Promise<PolicyDocument> {
  let out = '';
  const io = { stdout: (x: string) => void (out += x), stderr: () => undefined, env: {}, stdoutIsTTY: false };
  const args: PolicyArgs = { probe: name, bucket, prefix: PREFIX, 'allow-bucket-root': false, provider: 'alibaba', role: ROLE, format: 'json' };
  t.equal(await runPolicyCommand(args, io), 0, `policy --provider alibaba --probe ${name}`);
  return (JSON.parse(out) as { identity: PolicyDocument }).identity;
}

t.test('oss-backup-source: the generated RAM policy as the role\'s only policy passes; without its bucket reads it fails', async (t) => {
  const g = await generated('oss-backup-source', VERSIONED);
  const actions = g.Statement.flatMap((st) => st.Action);
  for (const a of ['oss:GetBucketInfo', 'oss:ListObjects', 'oss:GetObject', 'oss:GetObjectTagging', 'oss:GetBucketLocation', 'oss:GetBucketVersioning']) t.ok(actions.includes(a), `grants ${a}`);
  t.notOk(actions.includes('oss:ListBuckets'), 'list-all-buckets is expected denied: not granted');
  setPolicies(t, [g]);
  const p = await probe(VERSIONED, 'oss-backup-source');
  t.same(p.failed, [], 'every check meets its expectation');
  t.equal(p.json.verdict, 'pass');
  t.equal(p.by['list-all-buckets']!.outcome, 'denied');
  t.same(p.json.leftovers, []);
  t.same(left(VERSIONED), []);

  const without: PolicyDocument = { ...g, Statement: g.Statement.filter((st) => !st.Action.includes('oss:GetBucketLocation')) };
  t.ok(without.Statement.length < g.Statement.length, 'the bucket-level statement removed');
  server.state.clearRequests();
  setPolicies(t, [without]);
  const q = await probe(VERSIONED, 'oss-backup-source');
  t.equal(q.by['get-bucket-location']!.outcome, 'denied');
  t.equal(q.json.verdict, 'fail');
});

t.test('the adapter writes x-oss-object-acl when asked, and GetObjectACL reads it back through ali-oss', async (t) => {
  // --no-assume: the source credentials put the object (no role, so no RAM policy of a role applies).
  const adapter = new AlibabaAdapter({
    bucket: PLAIN, prefix: PREFIX, region: 'cn-hangzhou', endpoint: server.ossEndpoint, stsEndpoint: server.stsEndpoint,
    internal: false, roleArn: null, sessionName: 'acl-writer', externalId: null, durationSeconds: 900, sessionPolicy: null,
    profile: null, timeoutMs: 10_000, maxAttempts: 1,
  });
  t.teardown(() => adapter.close());
  const key = `${PREFIX}acl-probe.bin`;
  await adapter.putObject(key, Buffer.from('x'), { acl: 'private' });
  const put = server.state.requests.find((q) => q.api === 'PutObject')!;
  t.equal(put.status, 200);
  t.equal(server.state.getObject(PLAIN, key)!.acl, 'private', 'the server stored the x-oss-object-acl the adapter sent');
  const acl = await adapter.getObjectAcl(key);
  t.same(acl.unanswered, undefined, 'a GetObjectACL answer');
  // An S3 canned ACL OSS does not define: 400 InvalidArgument, an error (not a denial).
  const bad = await adapter.putObject(`${PREFIX}bad-acl.bin`, Buffer.from('x'), { acl: 'bucket-owner-full-control' }).then(() => null, (e: unknown) => e as RequestFailure);
  t.match(bad, { kind: 'error', denial: { code: 'InvalidArgument', httpStatus: 400 } });
  t.ok(bad instanceof RequestFailure);
  await adapter.deleteObject(key);
  t.same(left(PLAIN), []);
});
