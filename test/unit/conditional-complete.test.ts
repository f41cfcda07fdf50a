// Does the store honour If-None-Match: * on CompleteMultipartUpload (issue 13 item 7)? Measured on the
// run's own keys only (src/core/collision.ts), on an unversioned bucket only: where the store ignores it,
// target.conditionalWrites says `ignored` and multipart-complete carries the caveat collision-unguarded
// in every format (it does not fail the check or the verdict); where the store answers 412 (Amazon S3's
// documented answer) it says `honoured`. Every object and upload the measurement creates is removed; a
// deny that keeps one reports it. On a real RGW: test/integration/versions-rgw.test.ts.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { RequestFailure } from '../../src/core/model.js';
import { loadDefinition } from '../../src/core/definition.js';
import { probe } from '../../src/core/probe.js';
import { singleRun } from '../../src/report/common.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderPrometheus } from '../../src/report/prometheus.js';
import { renderText } from '../../src/report/text.js';
import { denial, MemoryAdapter } from '../helpers/memory-adapter.js';
import { REPORT_FIXTURES, schema } from '../fixtures/reports/load.js';

const xsdDir = mkdtempSync(join(tmpdir(), 'junit-xsd-'));
t.teardown(() => rmSync(xsdDir, { recursive: true, force: true }));
/** xmllint against the JUnit schema CI servers read (as test/unit/report-junit.test.ts does). */
function junitValid(xml: string): string {
  const file = join(xsdDir, `r${Math.random().toString(16).slice(2)}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', join(REPORT_FIXTURES, 'junit.xsd'), file], { encoding: 'utf8' });
  return r.status === 0 ? 'valid' : `${r.status}: ${r.stderr}${r.error ? String(r.error) : ''}`;
}
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validate = ajv.compile(schema());

const all = loadDefinition('default').checks;
const target = { provider: 'memory', bucket: 'b', prefix: 'p/', region: null, endpoint: null, role: 'r', probe: 'default' };
const run = (a: MemoryAdapter, expectations = all) =>
  probe({ adapter: a, target, version: 't', plan: { prefix: 'p/', runId: '20261202T000000Z-abcdef', partSize: 5 << 20, quick: true, assume: true, expectations } });
const complete = (r: Awaited<ReturnType<typeof run>>) => r.checks.find((c) => c.id === 'multipart-complete')!;

t.test('a store that ignores the header (as RGW): ignored, caveat collision-unguarded in every format, the verdict unchanged, nothing left', async (t) => {
  const a = new MemoryAdapter();
  const r = await run(a);
  t.match(r.target.conditionalWrites, { completeMultipartUpload: 'ignored', why: /CompleteMultipartUpload with If-None-Match: \* over this run's own object p\/\.backup-canary\/20261202T000000Z-abcdef\/conditional-[0-9a-f]{12}\.bin succeeded and replaced it/ });
  const c = complete(r);
  t.match(c, { outcome: 'allowed', ok: true, caveat: { finding: 'collision-unguarded', why: /would have been overwritten without trace.*does not hold/ } });
  t.equal(r.verdict, 'pass', 'the permissions were as expected: the caveat does not fail the verdict');
  t.same(r.leftovers, []);
  t.equal(a.objects.size, 0, 'the measuring object was removed');
  t.equal(a.uploads.size, 0, 'no upload left open');
  t.equal(a.calls.filter((x) => x === 'putObject').length, 2, 'the canary and the measuring object');
  t.equal(a.calls.filter((x) => x === 'completeMultipartUpload').length, 2, 'the canary and the measuring upload');
  t.ok(validate(r), JSON.stringify(validate.errors));

  const text = renderText(r, { color: false });
  t.match(text, /multipart-complete\s+allowed .*\n\s+finding: collision-unguarded: the store ignores If-None-Match/);
  t.match(text, /bucket: If-None-Match: \* on CompleteMultipartUpload is ignored by the store \(measured\): see collision-unguarded/);
  t.match(text, /PASS/);
  t.match(renderMarkdown(singleRun(r)), /Conditional writes: If-None-Match on CompleteMultipartUpload \*\*ignored\*\*[\s\S]*`multipart-complete` .* \*\*collision-unguarded\*\*/);
  const junit = renderJunit(singleRun(r), { hostname: 'h' });
  t.equal(junitValid(junit), 'valid', 'valid JUnit');
  t.match(junit, /<property name="finding.multipart-complete" value="collision-unguarded"\/>/);
  t.match(junit, /finding collision-unguarded \(multipart-complete, does not fail the check\)/);
  t.notMatch(junit, /<failure/, 'no failing test case');
  const prom = renderPrometheus(singleRun(r));
  t.match(prom, /backup_canary_collision_unguarded\{target="[^"]+",provider="memory",bucket="b",prefix="p\/",probe="default"\} 1/);
  t.match(prom, /backup_canary_success\{[^}]*\} 1/);
});

t.test('a store that refuses with 412 (Amazon S3): honoured, no caveat; the measuring upload aborted and its object removed', async (t) => {
  const a = new MemoryAdapter();
  a.honoursCompleteIfNoneMatch = true;
  const r = await run(a);
  t.match(r.target.conditionalWrites, { completeMultipartUpload: 'honoured', why: /was refused \(PreconditionFailed 412\)/ });
  t.notOk(complete(r).caveat);
  t.equal(r.verdict, 'pass');
  t.same(r.leftovers, []);
  t.equal(a.objects.size, 0);
  t.equal(a.uploads.size, 0, 'the refused upload was aborted');
  t.match(renderText(r, { color: false }), /If-None-Match: \* on CompleteMultipartUpload is honoured \(measured\)/);
  t.match(renderPrometheus(singleRun(r)), /backup_canary_collision_unguarded\{[^}]*\} 0/);
  t.ok(validate(r), JSON.stringify(validate.errors));
});

t.test('versioning Suspended replaces the null version as an unversioned bucket replaces the object: measured; nothing left', async (t) => {
  const a = new MemoryAdapter();
  a.versioning = 'Suspended';
  const r = await run(a);
  t.match(r.target.conditionalWrites, { completeMultipartUpload: 'ignored' });
  t.match(complete(r).caveat, { finding: 'collision-unguarded', why: /keeps no earlier version \(unversioned or versioning suspended/ });
  t.same(r.leftovers, []);
  t.equal([...a.versions.values()].flat().length, 0, 'every null version and marker removed by id');
  t.ok(validate(r), JSON.stringify(validate.errors));
});

t.test('not measured: on a versioned bucket, for an append-only definition, when the measuring write is denied', async (t) => {
  const v = new MemoryAdapter();
  v.versioning = 'Enabled';
  const rv = await run(v);
  t.match(rv.target.conditionalWrites, { completeMultipartUpload: 'unknown', why: /versioned bucket.*noncurrent version/ });
  t.equal(v.calls.filter((x) => x === 'completeMultipartUpload').length, 1, 'nothing but the canary completed');

  const ao = new MemoryAdapter();
  const ra = await run(ao, loadDefinition('append-only').checks);
  t.match(ra.target.conditionalWrites, { completeMultipartUpload: 'unknown', why: /requires deletes to be denied/ });

  const d = new MemoryAdapter();
  let puts = 0;
  d.onCall = (op) => {
    if (op === 'putObject' && ++puts === 2) d.deny.set('putObject', new RequestFailure('denied', denial()));
  };
  const rd = await run(d);
  t.match(rd.target.conditionalWrites, { completeMultipartUpload: 'unknown', why: /not measured: the PutObject of the measuring object .* was denied \(AccessDenied 403\)/ });
  t.notOk(complete(rd).caveat, 'unknown is not reported as unguarded');
  t.equal(d.objects.size, 0);

  const none = await run(new MemoryAdapter(), { 'put-object': 'allow' });
  t.notOk('conditionalWrites' in none.target, 'no multipart-complete in the plan: nothing to say');
});
