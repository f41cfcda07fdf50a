// Ownership evidence (issue 15, Deliver item 3) over recorded AWS responses (test/fixtures/ownership/):
// the real S3 client of the AWS adapter talks to a local server that answers the recorded bodies, so
// the SDK's own deserializer parses them; BucketFacts reads the setting and the owners (with the
// owner's credentials when the role is refused), and src/core/ownership.ts decides. No RGW here: RGW
// cannot produce ownership denials (test/integration/sources-rgw.test.ts asserts what it answers).

import t from 'tap';
import type { StorageAdapter } from '../../src/core/adapter.js';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { BucketFacts } from '../../src/core/bucket.js';
import { type CheckResult, RequestFailure } from '../../src/core/model.js';
import { ownershipFinding, type OwnershipEvidence } from '../../src/core/ownership.js';
import { AwsAdapter } from '../../src/providers/aws/adapter.js';
import { FORMATS, singleRun } from '../../src/report/index.js';
import type { RunResult } from '../../src/core/model.js';

interface Recorded {
  status: number;
  body: string;
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/ownership/aws-ownership.json', import.meta.url), 'utf8')) as {
  owners: Record<'bucketOwner' | 'writer', { id: string; displayName: string }>;
  ownershipControls: Record<string, Recorded>;
  bucketAcl: Recorded;
  objectAcl: Record<string, Recorded>;
  crossAccountGet: Recorded;
  cases: { name: string; setting: string; objectAcl: string | null; readerWrote: boolean; expect: 'acl' | 'ruled-out' | 'undetermined' }[];
};

// The annotated records against schema/result.schema.json.
const schema = JSON.parse(readFileSync(new URL('../../schema/result.schema.json', import.meta.url), 'utf8')) as { $defs: Record<string, unknown> };
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
ajv.addSchema(schema, 'result');
const validate = ajv.compile({ $ref: 'result#/$defs/CheckResult' });
const validateTarget = ajv.compile({ $ref: 'result#/$defs/TargetDescription' });
const validCheck = (c: CheckResult): boolean => validate(c) as boolean;
const validTarget = (b: BucketFacts): boolean =>
  validateTarget({ provider: 'aws', bucket: BUCKET, prefix: 'backups/', region: null, endpoint, role: null, probe: 'p', ...b.describe({ sawVersions: () => false } as never) }) as boolean;

const BUCKET = 'canary-bucket';
const KEY = 'backups/.backup-canary/run/object.bin';
const BARE_403: Recorded = { status: 403, body: fx.crossAccountGet.body };

/** What the local server answers, per request kind; `refuseRole`: kinds the role's key gets a 403 for (the owner's key gets the answer). */
const state: { controls: Recorded; objectAcl: Recorded; refuseRole: Set<string>; refuseOwner: Set<string>; seen: string[] } = {
  controls: fx.ownershipControls.ObjectWriter!,
  objectAcl: fx.objectAcl['other-account']!,
  refuseRole: new Set(),
  refuseOwner: new Set(),
  seen: [],
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const objectPath = url.pathname !== `/${BUCKET}` && url.pathname !== `/${BUCKET}/`;
  const kind = url.searchParams.has('ownershipControls') ? 'controls' : url.searchParams.has('acl') ? (objectPath ? 'objectAcl' : 'bucketAcl') : 'getObject';
  const who = /Credential=OWNERKEY\//.test(req.headers.authorization ?? '') ? 'owner' : 'role';
  state.seen.push(`${who}:${kind}`);
  const answer =
    (who === 'role' ? state.refuseRole : state.refuseOwner).has(kind)
      ? kind === 'controls' ? fx.ownershipControls.denied! : BARE_403
      : kind === 'controls' ? state.controls : kind === 'bucketAcl' ? fx.bucketAcl : kind === 'objectAcl' ? state.objectAcl : fx.crossAccountGet;
  const id = /<RequestId>([^<]+)</.exec(answer.body)?.[1] ?? 'REQ0';
  res.writeHead(answer.status, { 'content-type': 'application/xml', 'x-amz-request-id': id, server: 'AmazonS3' });
  res.end(answer.body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
t.teardown(() => server.close());
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function adapter(): AwsAdapter {
  const a = new AwsAdapter({
    bucket: BUCKET, prefix: 'backups/', region: 'us-east-1', endpoint, stsEndpoint: null, pathStyle: true,
    roleArn: 'arn:aws:iam::111122223333:role/backup-reader', sessionName: 'backup-canary-test', externalId: null,
    durationSeconds: 900, sessionPolicy: null, profile: null, timeoutMs: 5000, maxAttempts: 1,
    credentials: { accessKeyId: 'ROLEKEY', secretAccessKey: 'role-secret' },
  });
  t.teardown(() => a.close());
  return a;
}
const OWNER_AS = 'the --explain-profile "admin" credentials';
const withOwner = (a: AwsAdapter): AwsAdapter => (a.useOwnerCredentials({ accessKeyId: 'OWNERKEY', secretAccessKey: 'owner-secret' }, OWNER_AS), a);
const reset = () => Object.assign(state, { controls: fx.ownershipControls.ObjectWriter!, objectAcl: fx.objectAcl['other-account']!, refuseRole: new Set(), refuseOwner: new Set(), seen: [] });

async function refusal(p: Promise<unknown>): Promise<RequestFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RequestFailure) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

t.test('GetBucketOwnershipControls: each recorded answer parsed', async (t) => {
  const a = adapter();
  for (const s of ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'] as const) {
    reset();
    state.controls = fx.ownershipControls[s]!;
    const r = await a.getBucketOwnershipControls();
    t.equal(r.setting, s, s);
    t.notOk(r.unanswered, `${s}: the document asked for`);
  }
  reset();
  state.controls = fx.ownershipControls['not-configured']!;
  const none = await a.getBucketOwnershipControls();
  t.same({ setting: none.setting, unanswered: none.unanswered }, { setting: null, unanswered: undefined }, '404 OwnershipControlsNotFoundError: authorised, no setting stored');
  state.controls = fx.ownershipControls['another-document']!;
  const other = await a.getBucketOwnershipControls();
  t.equal(other.setting, null, 'another document is never a setting');
  t.match(other.unanswered, /answered GetBucketOwnershipControls with <ListBucketResult>, not <OwnershipControls>/, 'the guard names what came back');
  state.controls = fx.ownershipControls.denied!;
  const d = await refusal(a.getBucketOwnershipControls());
  t.equal(d.kind, 'denied');
  t.equal(d.denial.rule, 'aws.s3.enhanced.identity-policy.implicit', 'a refused read is classified like any other');
});

t.test('GetBucketAcl and GetObjectAcl: the owners parsed', async (t) => {
  reset();
  const a = adapter();
  t.same((await a.getBucketOwner()).owner, fx.owners.bucketOwner, 'bucket owner from GetBucketAcl');
  state.objectAcl = fx.objectAcl['same-account']!;
  t.same((await a.getObjectAcl(KEY)).owner, fx.owners.bucketOwner, 'object owned by the bucket owner');
  state.objectAcl = fx.objectAcl['other-account']!;
  t.same((await a.getObjectAcl(KEY)).owner, fx.owners.writer, 'object owned by another account');
  state.objectAcl = fx.objectAcl['other-account-no-display-name']!;
  t.same((await a.getObjectAcl(KEY)).owner, { id: fx.owners.writer.id }, 'no DisplayName: the id alone');
  state.objectAcl = fx.ownershipControls['another-document']!;
  const wrong = await a.getObjectAcl(KEY);
  t.equal(wrong.owner, null, 'another document names no owner');
  t.match(wrong.unanswered, /not <AccessControlPolicy>/);
});

t.test('the 403 on an object another account owns names no policy', async (t) => {
  reset();
  const d = await refusal(adapter().getObject(KEY));
  t.same({ kind: d.kind, rule: d.denial.rule, source: d.denial.source, status: d.denial.httpStatus, code: d.denial.code }, { kind: 'denied', rule: 'aws.s3.forbidden', source: 'unknown', status: 403, code: 'AccessDenied' });
});

/** A denied get-object check, from the recorded 403 through the adapter. */
async function deniedGet(a: AwsAdapter): Promise<CheckResult> {
  const f = await refusal(a.getObject(KEY));
  return { id: 'get-object', action: 's3:GetObject', expect: 'allow', outcome: 'denied', ok: false, durationMs: 1, key: KEY, denial: f.denial };
}

for (const c of fx.cases) {
  t.test(`decision: ${c.name}`, async (t) => {
    reset();
    state.controls = fx.ownershipControls[c.setting]!;
    if (c.objectAcl) state.objectAcl = fx.objectAcl[c.objectAcl]!;
    else state.refuseRole.add('objectAcl');
    const a = adapter();
    const bucket = new BucketFacts(a);
    bucket.canaryKey = KEY;
    if (!c.readerWrote) bucket.writtenByAnotherIdentity();
    await bucket.read();
    const acl: CheckResult = { id: 'get-object-acl', action: 's3:GetObjectAcl', expect: 'allow', outcome: 'allowed', ok: true, durationMs: 1, key: KEY };
    try {
      const r = await a.getObjectAcl(KEY);
      bucket.recordObjectOwner(KEY, r.owner);
    } catch (e) {
      await bucket.learnObjectOwner(KEY, e);
      Object.assign(acl, { outcome: 'denied', ok: false, denial: (e as RequestFailure).denial });
    }
    const get = await deniedGet(a);
    bucket.annotate([acl, get]);
    const f = get.ownership;
    t.ok(f, 'the reader denial has an ownership finding');
    t.equal(f!.source, c.expect, f!.why);
    if (c.expect === 'acl') {
      t.equal(f!.objectOwner!.id, fx.owners.writer.id, 'evidence: the object owner');
      t.equal(f!.bucketOwner!.id, fx.owners.bucketOwner.id, 'evidence: the bucket owner');
      t.equal(f!.setting, c.setting === 'not-configured' ? 'unknown' : c.setting, 'evidence: the setting');
      t.same({ kind: f!.fix!.kind, setting: f!.fix!.setting, request: f!.fix!.request, proven: f!.fix!.proven }, { kind: 'bucket-setting', setting: 'BucketOwnerEnforced', request: 'PutBucketOwnershipControls', proven: false });
      t.match(f!.fix!.breaks.join(' '), /400 AccessControlListNotSupported/, 'what it breaks: writers sending other ACLs');
      t.match(f!.fix!.breaks.join(' '), /ACLs are disabled/, 'what it breaks: existing ACLs');
      t.ok(f!.fix!.docs.includes('https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html'), 'cites about-object-ownership');
      t.match(f!.why, new RegExp(fx.owners.writer.id), 'the one line names the object owner');
    } else {
      t.notOk(f!.fix, 'no fix without the ownership evidence');
    }
    if (c.objectAcl) t.same(acl.objectOwner && { id: acl.objectOwner.id, readAs: acl.objectOwner.readAs }, { id: c.objectAcl === 'same-account' ? fx.owners.bucketOwner.id : fx.owners.writer.id, readAs: 'probed' }, 'get-object-acl records the owner');
    else t.notOk(acl.objectOwner, 'nothing recorded when nobody could read it');
    t.ok(validCheck(get) && validCheck(acl), `valid against the schema ${JSON.stringify(validate.errors ?? [])}`);
    t.ok(validTarget(bucket), `target valid ${JSON.stringify(validateTarget.errors ?? [])}`);
  });
}

t.test("what the role may not read is read with the owner's credentials", async (t) => {
  reset();
  state.refuseRole = new Set(['controls', 'bucketAcl', 'objectAcl']);
  const a = withOwner(adapter());
  const bucket = new BucketFacts(a);
  bucket.canaryKey = KEY;
  bucket.writtenByAnotherIdentity();
  await bucket.read();
  const e = await refusal(a.getObjectAcl(KEY));
  await bucket.learnObjectOwner(KEY, e);
  const d = bucket.describe({ sawVersions: () => false } as never).objectOwnership!;
  t.same({ setting: d.setting, readAs: d.readAs, owner: d.bucketOwner }, { setting: 'ObjectWriter', readAs: OWNER_AS, owner: { ...fx.owners.bucketOwner, readAs: OWNER_AS } });
  const get = await deniedGet(a);
  bucket.annotate([get]);
  t.equal(get.ownership?.source, 'acl');
  t.equal(get.ownership?.objectOwner?.readAs, OWNER_AS, 'the object owner was read as the owner');
  t.ok(state.seen.includes('owner:objectAcl') && state.seen.includes('role:objectAcl'), 'the role first, then the owner');
});

t.test("two identities: the canary's owner is read with the writer's credentials when no owner's are given", async (t) => {
  reset();
  state.controls = fx.ownershipControls['ObjectWriter']!;
  state.refuseRole = new Set(['objectAcl']);
  const a = adapter();
  const bucket = new BucketFacts(a);
  bucket.canaryKey = KEY;
  const asked: string[] = [];
  // the writer (the producing application) owns its object: its own GetObjectAcl names it
  const writer = { getObjectAcl: async (key: string) => (asked.push(key), { retries: 0, owner: fx.owners.writer }) } as unknown as StorageAdapter;
  bucket.writtenByAnotherIdentity(writer);
  await bucket.read();
  await bucket.learnObjectOwner(KEY, await refusal(a.getObjectAcl(KEY)));
  t.same(asked, [KEY], "the writer's GetObjectAcl was sent for the canary");
  const get = await deniedGet(a);
  bucket.annotate([get]);
  t.equal(get.ownership?.source, 'acl', get.ownership?.why ?? 'no finding');
  t.same(get.ownership?.objectOwner, { ...fx.owners.writer, readAs: "the writer's credentials" });
});

t.test('refused to both: unknown, denied, and the finding undetermined', async (t) => {
  reset();
  state.refuseRole = new Set(['controls', 'bucketAcl', 'objectAcl']);
  state.refuseOwner = new Set(['controls', 'bucketAcl', 'objectAcl']);
  const a = withOwner(adapter());
  const bucket = new BucketFacts(a);
  bucket.canaryKey = KEY;
  bucket.writtenByAnotherIdentity();
  await bucket.read();
  await bucket.learnObjectOwner(KEY, await refusal(a.getObjectAcl(KEY)));
  const d = bucket.describe({ sawVersions: () => false } as never).objectOwnership!;
  t.same({ setting: d.setting, why: d.why }, { setting: 'unknown', why: 'denied' });
  t.match(d.note, /as the probed credentials denied \(AccessDenied 403\); as the --explain-profile "admin" credentials denied/);
  const get = await deniedGet(a);
  bucket.annotate([get]);
  t.equal(get.ownership?.source, 'undetermined');
  t.match(get.ownership?.why, /Object Ownership \(denied\).*object's owner.*bucket owner/);
});

t.test('without owner credentials the role is the only reader', async (t) => {
  reset();
  state.refuseRole = new Set(['controls']);
  const bucket = new BucketFacts(adapter());
  await bucket.read();
  const d = bucket.describe({ sawVersions: () => false } as never).objectOwnership!;
  t.equal(d.why, 'denied');
  t.match(d.note, /no other credentials in this run/);
  t.notOk(state.seen.some((s) => s.startsWith('owner:')), 'no request with other credentials');
});

t.test('the evidence gate: only unexplained 403s of object reads on the canary', async (t) => {
  const ev: OwnershipEvidence = {
    setting: 'ObjectWriter', bucketOwner: { id: fx.owners.bucketOwner.id, readAs: 'probed' }, objectKey: KEY,
    objectOwner: { id: fx.owners.writer.id, readAs: 'probed' }, readerWrote: false,
  };
  const denial = { stage: 'object' as const, source: 'unknown' as const, explicit: null, code: 'AccessDenied', message: 'Access Denied', httpStatus: 403, requestId: 'R', hint: 'h', rule: 'aws.s3.forbidden' };
  const check = (x: Partial<CheckResult>): CheckResult => ({ id: 'get-object', action: 's3:GetObject', expect: 'allow', outcome: 'denied', ok: false, durationMs: 1, key: KEY, denial, ...x });
  t.equal(ownershipFinding(check({}), ev)?.source, 'acl', 'the case itself');
  for (const id of ['get-object-version', 'get-object-tagging', 'get-object-acl', 'head-object']) t.equal(ownershipFinding(check({ id }), ev)?.source, 'acl', `${id} is a reader`);
  t.equal(ownershipFinding(check({ id: 'put-object' }), ev), null, 'not a read');
  t.equal(ownershipFinding(check({ id: 'get-bucket-tagging' }), ev), null, 'not an object read');
  t.equal(ownershipFinding(check({ key: 'backups/other.bin' }), ev), null, 'another object than the one whose owner is known');
  t.equal(ownershipFinding(check({ denial: { ...denial, source: 'identity-policy', explicit: false } }), ev), null, 'a response that names the policy keeps it');
  t.equal(ownershipFinding(check({ denial: { ...denial, httpStatus: 404, code: 'NoSuchKey' } }), ev), null, 'not a 403');
  t.equal(ownershipFinding(check({ outcome: 'allowed' }), ev), null, 'allowed');
  t.notOk(ownershipFinding(check({}), ev)?.fix, 'no remedy given, no fix invented');
});

t.test('every report shows the setting, the owners and the finding with its remedy', async (t) => {
  reset();
  const a = adapter();
  const bucket = new BucketFacts(a);
  bucket.canaryKey = KEY;
  bucket.writtenByAnotherIdentity();
  await bucket.read();
  bucket.recordObjectOwner(KEY, (await a.getObjectAcl(KEY)).owner);
  const acl: CheckResult = { id: 'get-object-acl', action: 's3:GetObjectAcl', expect: 'allow', outcome: 'allowed', ok: true, durationMs: 1, key: KEY };
  const get = await deniedGet(a);
  bucket.annotate([acl, get]);
  const r: RunResult = {
    schemaVersion: 1, tool: { name: 'backup-canary', version: '0.0.0' }, runId: '20261202T001500Z-0a1b2c3d', startedAt: '2026-12-02T00:15:00.000Z', verdict: 'fail',
    target: { provider: 'aws', bucket: BUCKET, prefix: 'backups/', region: 'us-east-1', endpoint: null, role: 'arn:aws:iam::111122223333:role/backup-reader', probe: 's3-backup-source', ...bucket.describe({ sawVersions: () => false } as never) },
    identity: { source: null, assumedRoleArn: null }, checks: [acl, get], leftovers: [], durationMs: 3,
  };
  const input = singleRun(r);
  const text = FORMATS.text!(input, { color: false });
  t.match(text, /Object Ownership ObjectWriter; bucket owner 79a59df9\w+ \(bucket-owner\)/, 'text: the setting and the bucket owner');
  t.match(text, /object owner: 75aa57f0\w+ \(mtd@amazon.com\)/, 'text: the object owner on get-object-acl');
  t.match(text, /ownership: source acl: Object Ownership is ObjectWriter/, 'text: the finding');
  t.match(text, /a bucket setting, not a policy change; not proven by --explain\): Set the bucket's Object Ownership to Bucket owner enforced/, 'text: the remedy, said to be a setting');
  t.match(text, /it breaks: Writers that send an ACL other than bucket-owner-full-control/, 'text: what it breaks');
  const mdown = FORMATS.markdown!(input, { color: false });
  t.match(mdown, /Object Ownership ObjectWriter/, 'markdown: the setting');
  t.match(mdown, /ownership: acl/, 'markdown: the finding in the table');
  t.match(mdown, /it breaks: Writers that send an ACL other/, 'markdown: what it breaks, under Fix');
  const json = JSON.parse(FORMATS.json!(input, { color: false })) as RunResult;
  t.equal(json.target.objectOwnership?.setting, 'ObjectWriter', 'json: target.objectOwnership');
  t.equal(json.checks[1]!.ownership?.source, 'acl', 'json: the finding');
  const junit = FORMATS.junit!(input, { color: false });
  t.match(junit, /ownership: source acl/, 'junit: the evidence lines');
});

t.test('a refused read other than GetObjectAcl learns the owner once, and what get-object-acl records stays', async (t) => {
  reset();
  state.refuseOwner = new Set(['objectAcl']);
  const a = withOwner(adapter());
  const bucket = new BucketFacts(a);
  bucket.canaryKey = KEY;
  bucket.writtenByAnotherIdentity();
  await bucket.read();
  // get-object-tagging refused: the owner is asked (and refused too); GetObjectAcl as the role was never sent
  const learning = bucket.learnObjectOwner(KEY);
  // meanwhile get-object-acl, as the role, reads the owner: that record wins
  bucket.recordObjectOwner(KEY, (await a.getObjectAcl(KEY)).owner);
  await learning;
  const get = await deniedGet(a);
  bucket.annotate([get]);
  t.equal(get.ownership?.source, 'acl', 'the owner the role read is kept');
  t.equal(get.ownership?.objectOwner?.readAs, 'probed');
  await bucket.learnObjectOwner(KEY);
  t.equal(state.seen.filter((x) => x === 'owner:objectAcl').length, 1, 'asked once');

  reset();
  const b = new BucketFacts(adapter());
  b.canaryKey = KEY;
  b.writtenByAnotherIdentity();
  await b.read();
  await b.learnObjectOwner(KEY);
  const g = await deniedGet(adapter());
  b.annotate([g]);
  t.equal(g.ownership?.source, 'undetermined');
  t.match(g.ownership?.why, /no other credentials in this run/);
  t.notMatch(g.ownership?.why, /GetObjectAcl as the probed/, 'no claim about a GetObjectAcl that was not sent');
});

t.test('a provider without Object Ownership: nothing reported, no finding', async (t) => {
  const plain = { provider: 'other', actions: { getObjectAcl: 'x:GetObjectAcl' } } as never;
  const bucket = new BucketFacts(plain);
  bucket.canaryKey = KEY;
  bucket.writtenByAnotherIdentity();
  await bucket.read().catch(() => undefined);
  t.notOk(bucket.describe({ sawVersions: () => false } as never).objectOwnership, 'no objectOwnership on the target');
  const c: CheckResult = {
    id: 'get-object', action: 'x:GetObject', expect: 'allow', outcome: 'denied', ok: false, durationMs: 1, key: KEY,
    denial: { stage: 'object', source: 'unknown', explicit: null, code: 'AccessDenied', message: '', httpStatus: 403, requestId: null, hint: 'h', rule: 'r' },
  };
  bucket.annotate([c]);
  t.notOk(c.ownership, 'no ownership finding');
});

t.test('through the plan: a refused get-object learns the owner as the owner before cleanup; the role wrote it, so ruled out', async (t) => {
  const { MemoryAdapter, denial } = await import('../helpers/memory-adapter.js');
  const { probe } = await import('../../src/core/probe.js');
  const { S3_OWNERSHIP_REMEDY } = await import('../../src/providers/aws/ownership.js');
  const writer = { id: fx.owners.writer.id };
  class OwnedMemory extends MemoryAdapter {
    readonly ownershipRemedy = S3_OWNERSHIP_REMEDY;
    async getBucketOwnershipControls() {
      this.calls.push('getBucketOwnershipControls');
      return { retries: 0, setting: 'ObjectWriter' as const };
    }
    async getBucketOwner() {
      this.calls.push('getBucketAcl');
      return { retries: 0, owner: { id: fx.owners.bucketOwner.id } };
    }
    ownerReads() {
      return {
        as: OWNER_AS,
        getBucketOwnershipControls: () => this.getBucketOwnershipControls(),
        getBucketOwner: () => this.getBucketOwner(),
        getObjectOwner: async (key: string) => {
          this.calls.push(`owner:getObjectAcl:${this.objects.has(key) ? 'present' : 'gone'}`);
          return { retries: 0, owner: writer };
        },
      };
    }
  }
  const a = new OwnedMemory();
  a.deny.set('getObject', new RequestFailure('denied', denial()));
  const r = await probe({
    adapter: a,
    target: { provider: 'memory', bucket: 'mem', prefix: 'db/', region: null, endpoint: null, role: 'arn:aws:iam::000000000000:role/r', probe: 'p' },
    plan: { prefix: 'db/', runId: 'R', partSize: 5 << 20, quick: true, assume: true, expectations: { 'put-object': 'allow', 'get-object': 'allow', 'delete-object': 'allow' } },
    version: '0.0.0',
  });
  const get = r.checks.find((c) => c.id === 'get-object')!;
  t.equal(get.outcome, 'denied');
  t.ok(a.calls.includes('owner:getObjectAcl:present'), 'the owner was read while the canary was still there');
  t.equal(get.ownership?.objectOwner?.readAs, OWNER_AS, "read with the owner's credentials");
  t.equal(get.ownership?.source, 'ruled-out', get.ownership?.why ?? 'no finding');
  t.match(get.ownership?.why, /probed identity wrote the canary itself/);
  t.match(r.target.objectOwnership, { setting: 'ObjectWriter', readAs: 'probed', bucketOwner: { id: fx.owners.bucketOwner.id } });
  t.same(r.leftovers, []);
});
