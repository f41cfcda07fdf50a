// Two identities in the core (issue 15, Deliver item 1), on two in-memory adapters sharing one bucket:
// the writer puts the canary (setup, by: writer) with its ACL, the role runs the rest; cleanup removes
// each version and delete marker as the identity that created it; with --no-assume what the writer
// cannot remove is retried with the source credentials; --explain never sees the writer's put.
// The real thing on Ceph RGW: test/integration/writer-rgw.test.ts.
import t from 'tap';
import type { Expectation, RunResult } from '../../src/core/model.js';
import { RequestFailure } from '../../src/core/model.js';
import { probe } from '../../src/core/probe.js';
import type { CommonTargetOptions } from '../../src/core/provider.js';
import { checkWriterDefinition, writerTarget } from '../../src/core/writer.js';
import { singleRun } from '../../src/report/common.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderText } from '../../src/report/text.js';
import { denial, MemoryAdapter } from '../helpers/memory-adapter.js';

const RUN = '20261202T000000Z-abcdef';
const target = { provider: 'memory', bucket: 'b', prefix: 'p/', region: null, endpoint: null, role: 'r', probe: 'test', writer: { role: 'w', profile: null, acl: 'bucket-owner-full-control' } };

/** A role adapter and a writer adapter on the same bucket (version ids kept apart). */
function pair(versioning: 'Off' | 'Enabled' = 'Enabled') {
  const role = new MemoryAdapter();
  const writer = new MemoryAdapter();
  writer.objects = role.objects;
  writer.versions = role.versions;
  writer.meta = role.meta;
  role.versioning = writer.versioning = versioning;
  (writer as unknown as { n: number }).n = 1000;
  return { role, writer };
}

const READ: Record<string, Expectation> = { 'put-object': 'allow', 'head-object': 'allow', 'get-object': 'allow' };

function run(role: MemoryAdapter, writer: MemoryAdapter, o: { expectations?: Record<string, Expectation>; acl?: string | null; assume?: boolean; write?: { acl?: string }; explainer?: { explain(r: RunResult): Promise<void> } } = {}) {
  return probe({
    adapter: role,
    target,
    version: 't',
    plan: {
      prefix: 'p/',
      runId: RUN,
      partSize: 5 * 1024 * 1024,
      quick: true,
      assume: o.assume ?? true,
      expectations: o.expectations ?? READ,
      ...(o.write ? { write: o.write } : {}),
      writer: { adapter: writer, acl: o.acl === undefined ? 'bucket-owner-full-control' : o.acl, assume: true },
    },
    ...(o.explainer ? { explainer: o.explainer } : {}),
  });
}

const writes = (a: MemoryAdapter) => a.calls.filter((c) => /^(put|delete|complete|create)/.test(c));
const left = (a: MemoryAdapter) => [...a.versions.values()].flat().length + a.objects.size;

t.test('the writer puts (with its ACL) and removes every version; the role only reads', async (t) => {
  const { role, writer } = pair();
  const r = await run(role, writer);
  t.equal(r.verdict, 'pass');
  const put = r.checks.find((c) => c.id === 'put-object')!;
  t.equal(put.by, 'writer');
  t.notOk(r.checks.find((c) => c.id === 'get-object')!.by, 'get-object is the role\'s');
  t.ok(writer.calls.includes('assumeRole'), 'the writer role was assumed');
  t.same(writes(writer), ['putObject', 'deleteObjectVersion'], 'the writer put and removed its version');
  t.same(writes(role), [], 'the role sent no write and no delete');
  t.ok(role.calls.includes('getObject'));
  const sent = writer.described.find((d) => d.op === 'putObject')!.sent;
  t.equal(sent.write?.acl, 'bucket-owner-full-control', "the writer's canned ACL");
  t.same(r.leftovers, []);
  t.equal(left(role), 0, 'nothing left in the bucket');
  t.equal(r.target.writer?.arn, 'arn:aws:sts::000000000000:assumed-role/r/s', "the writer's session, once its put was sent");
  const text = renderText(r, { color: false });
  t.match(text, /put-object\s+\[writer, setup\]\s+allowed/);
  t.match(text, /writer arn:aws:sts::000000000000:assumed-role\/r\/s, ACL bucket-owner-full-control: puts the canary the role reads/);
  const mdown = renderMarkdown(singleRun(r));
  t.match(mdown, /writer `arn:aws:sts::000000000000:assumed-role\/r\/s`, ACL `bucket-owner-full-control`/);
  t.match(mdown, /`put-object` \(writer, setup\)/);
  t.match(renderJunit(singleRun(r)), /put-object \(s3:PutObject, writer setup\)/);
});

t.test("--writer-acl none: no ACL header, also not the definition's", async (t) => {
  const { role, writer } = pair('Off');
  const r = await run(role, writer, { acl: null, write: { acl: 'private' } });
  t.equal(r.verdict, 'pass');
  t.notOk(writer.described.find((d) => d.op === 'putObject')!.sent.write, 'no write headers at all');
  t.same(writes(writer), ['putObject', 'deleteObject'], 'unversioned: a plain DELETE by the writer');
  t.equal(left(role), 0);
});

t.test('mixed creators: the role overwrites and deletes the writer\'s canary; each version and marker goes by its creator', async (t) => {
  const { role, writer } = pair();
  writer.deny.set('deleteObjectVersion', new RequestFailure('denied', denial()));
  const r = await run(role, writer, { expectations: { ...READ, 'overwrite-object': 'allow', 'delete-object': 'allow', 'delete-object-version': 'allow' } });
  // the role's delete-object-version check removes the canary's versions itself (it is a check of the role)
  t.equal(r.checks.find((c) => c.id === 'delete-object-version')!.outcome, 'allowed');
  t.same(r.leftovers, [], 'the role removed what its checks and the writer created');
  t.equal(left(role), 0);
  // now without that check: the writer's version stays (the writer may not delete), the role's go
  const p2 = pair();
  p2.writer.deny.set('deleteObjectVersion', new RequestFailure('denied', denial()));
  const q = await run(p2.role, p2.writer, { expectations: { ...READ, 'overwrite-object': 'allow', 'delete-object': 'allow' } });
  t.equal(q.leftovers.length, 1, 'one leftover');
  const l = q.leftovers[0]!;
  t.equal(l.by, 'writer');
  t.equal(l.versionId, 'v1001', "the writer's first version");
  t.match(l.why, /s3:DeleteObjectVersion denied/);
  t.ok(p2.role.calls.filter((c) => c === 'deleteObjectVersion').length >= 2, "the role removed its own version and its delete marker");
  t.same([...p2.role.versions.values()].flat().map((v) => v.versionId), ['v1001'], 'only the writer\'s version stays, and it is reported');
  t.match(renderText(q, { color: false }), /\(version v1001\) \(the writer's\): s3:DeleteObjectVersion denied/);
});

t.test('--no-assume: what the writer cannot remove is removed with the source credentials', async (t) => {
  const { role, writer } = pair();
  writer.deny.set('deleteObjectVersion', new RequestFailure('denied', denial()));
  const r = await run(role, writer, { assume: false });
  t.same(r.leftovers, []);
  t.equal(left(role), 0);
  t.ok(role.calls.includes('deleteObjectVersion'), 'the source credentials removed it');
  // with a role, no fallback: the writer's version is reported
  const p2 = pair();
  p2.writer.deny.set('deleteObjectVersion', new RequestFailure('denied', denial()));
  const q = await run(p2.role, p2.writer);
  t.equal(q.leftovers.length, 1);
  t.notOk(p2.role.calls.includes('deleteObjectVersion'), 'the role never deletes what the writer created');
});

t.test("the writer may not put: put-object denied (the writer's), the reads skipped, nothing written", async (t) => {
  const { role, writer } = pair();
  writer.deny.set('putObject', new RequestFailure('denied', denial()));
  const r = await run(role, writer);
  const put = r.checks.find((c) => c.id === 'put-object')!;
  t.equal(put.outcome, 'denied');
  t.equal(put.by, 'writer');
  t.match(r.checks.find((c) => c.id === 'get-object')!.reason, /needs put-object, which was denied/);
  t.equal(r.verdict, 'fail');
  t.same(r.leftovers, []);
  t.equal(left(role), 0);
  // a refused AssumeRole of the writer is its put's denial
  const p2 = pair();
  p2.writer.deny.set('assumeRole', new RequestFailure('denied', { ...denial(), stage: 'assume-role' }));
  const q = await run(p2.role, p2.writer);
  t.match(q.checks.find((c) => c.id === 'put-object'), { outcome: 'denied', by: 'writer', denial: { stage: 'assume-role' } });
  t.notOk(p2.writer.calls.includes('putObject'), 'no put without the writer session');
});

t.test("--explain evaluates the role's checks only", async (t) => {
  const { role, writer } = pair();
  const seen: string[] = [];
  const r = await run(role, writer, {
    explainer: {
      async explain(x: RunResult) {
        seen.push(...x.checks.map((c) => c.id));
        x.explain = { read: ['bucket-policy'], notVisible: [], warnings: [] };
      },
    },
  });
  t.notOk(seen.includes('put-object'), "the writer's put is not evaluated as the role");
  t.ok(seen.includes('get-object'));
  t.same(r.explain?.read, ['bucket-policy'], 'what the explainer set is kept');
  t.equal(r.checks.length, 4, 'every check is still in the result');
});

t.test("the writer's options and the definitions a writer cannot probe", async (t) => {
  const o = { bucket: 'b', prefix: 'p/', region: null, endpoint: null, stsEndpoint: null, pathStyle: false, internal: false, roleArn: 'arn:aws:iam::123456789012:role/reader', sessionName: 'backup-canary-1234', externalId: 'x', durationSeconds: 900, sessionPolicy: '{}', profile: 'src', timeoutMs: 1000, maxAttempts: 1 } satisfies CommonTargetOptions;
  t.equal(writerTarget(o), null, 'no writer');
  const w = writerTarget({ ...o, writer: { roleArn: 'arn:aws:iam::123456789012:role/app', profile: null, acl: null } })!;
  t.match(w, { acting: 'writer', roleArn: 'arn:aws:iam::123456789012:role/app', profile: 'src', sessionName: 'backup-canary-1234-writer', externalId: null, sessionPolicy: null });
  t.equal(writerTarget({ ...o, sessionName: 'x'.repeat(64), writer: { roleArn: null, profile: 'app', acl: null } })!.sessionName.length, 64, 'a session name STS accepts');
  t.equal(writerTarget({ ...o, writer: { roleArn: null, profile: 'app', acl: null } })!.profile, 'app');
  const def = (checks: Record<string, Expectation>) => ({ name: 'd', description: '', source: '', caveats: [], providers: ['aws'], options: {}, checks }) as unknown as Parameters<typeof checkWriterDefinition>[1];
  const writerOpts = { roleArn: null, profile: 'app', acl: null };
  t.throws(() => checkWriterDefinition(writerOpts, def({ 'put-object': 'deny' })), /requires put-object to be denied to the role/);
  t.throws(() => checkWriterDefinition(writerOpts, def({ 'get-object': 'allow' })), /has no put-object check/);
  t.doesNotThrow(() => checkWriterDefinition(writerOpts, def({ 'put-object': 'allow' })));
  t.doesNotThrow(() => checkWriterDefinition(null, def({ 'put-object': 'deny' })), 'no writer: anything goes');
});
