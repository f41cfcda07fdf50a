// The check catalog (src/core/checks.ts): one row per check, and everything that needs to know whether a
// request is bucket- or object-level reads it - the plan, the request records both providers attach,
// the classifiers' stage, the fix's resource and the policy generator. Bugs it fixed: GetBucketPolicy
// and ListBuckets were explained on `arn:aws:s3:::BUCKET/` and classified at stage `object`.
import t from 'tap';
import type { Operation } from '../../src/core/adapter.js';
import { NOT_A_CHECK, CHECKS, CHECK_IDS, checkRow, isBucketLevel, levelOf } from '../../src/core/checks.js';
import { buildPlan } from '../../src/core/plan.js';
import { runPlan } from '../../src/core/runner.js';
import { RequestFailure } from '../../src/core/model.js';
import { proposeFix } from '../../src/explain/fix.js';
import { evaluate } from '../../src/explain/evaluate.js';
import { fixScope } from '../../src/explain/merge.js';
import { OSS_ACTIONS } from '../../src/providers/alibaba/actions.js';
import { classifyAlibaba } from '../../src/providers/alibaba/classify.js';
import { describeOssRequest } from '../../src/providers/alibaba/request.js';
import { S3_ACTIONS } from '../../src/providers/aws/actions.js';
import { classifyAws } from '../../src/providers/aws/classify.js';
import { describeS3Request } from '../../src/providers/aws/request.js';
import { denial, MemoryAdapter } from '../helpers/memory-adapter.js';

const ROLE = 'arn:aws:iam::123456789012:role/backup';
const RAM_ROLE = 'acs:ram::1234567890123456:role/backup';
const ALL = Object.fromEntries(CHECK_IDS.filter((i) => i !== 'assume-role').map((i) => [i, 'allow' as const]));

function sentOf(id: string, prefix = 'db/') {
  const plan = buildPlan(new MemoryAdapter(), { prefix, runId: 'R1', partSize: 5 * 1024 * 1024, quick: false, assume: true, expectations: ALL });
  const step = plan.steps.find((s) => s.id === id)!;
  return { op: step.op, sent: step.sent };
}
const s3 = (id: string) => {
  const { op, sent } = sentOf(id);
  return describeS3Request({ bucket: 'b', roleArn: ROLE, sessionName: 's', externalId: null }, op, sent);
};
const oss = (id: string) => {
  const { op, sent } = sentOf(id);
  return describeOssRequest({ bucket: 'b', region: 'cn-hangzhou', roleArn: RAM_ROLE, externalId: null }, op, sent);
};

t.test('one row per check id, unique, every operation used, one level per operation', async (t) => {
  t.equal(new Set(CHECK_IDS).size, CHECKS.length);
  for (const op of Object.keys(S3_ACTIONS) as Operation[]) {
    const rows = CHECKS.filter((c) => c.op === op);
    if (NOT_A_CHECK[op]) {
      // bucket configuration reads and the version listing of cleanup: requests, not checks
      t.same(rows, [], `${op} is not a check`);
      t.equal(levelOf(op), NOT_A_CHECK[op], `${op} has its level`);
      // OSS has no Object Ownership setting (src/providers/alibaba/actions.ts): empty, never sent
      if (op === 'getBucketOwnershipControls') t.equal(OSS_ACTIONS[op], '', `${op} has no OSS action`);
      else t.ok(OSS_ACTIONS[op], `${op} has an OSS action`);
      continue;
    }
    t.ok(rows.length > 0, `${op} is used by a check`);
    t.same([...new Set(rows.map((r) => r.level))], [levelOf(op)], `${op}: every row agrees on the level`);
    // OSS documents no bucket notification configuration, and the configuration writes are never sent
    // nor mapped there (src/providers/alibaba/actions.ts): empty, and skipped
    if (['getBucketNotification', 'putBucketNotification', 'putInventoryConfiguration'].includes(op)) t.equal(OSS_ACTIONS[op], '', `${op} has no OSS action`);
    else t.ok(OSS_ACTIONS[op], `${op} has an OSS action`);
  }
  for (const c of CHECKS) for (const d of [...c.needs, ...c.after]) t.ok(checkRow(d), `${c.id} -> ${d} is a check`);
  t.same(
    CHECKS.filter((c) => c.level === 'bucket' || c.level === 'service').map((c) => c.id),
    [
      'head-bucket', 'list-prefix', 'list-prefix-recursive', 'multipart-list-uploads', 'list-bucket-root', 'list-all-buckets', 'read-bucket-policy',
      'list-bucket-versions', 'get-bucket-versioning', 'get-bucket-location', 'get-bucket-tagging', 'get-bucket-notification', 'get-inventory-configuration',
      'put-bucket-notification', 'put-inventory-configuration',
    ],
  );
});

t.test('configuration writes: rows never sent (evaluatedOnly), on the bucket ARN, no adapter method', async (t) => {
  const never = CHECKS.filter((c) => 'evaluatedOnly' in c && c.evaluatedOnly).map((c) => c.id);
  t.same(never, ['put-bucket-notification', 'put-inventory-configuration'], 'exactly the two configuration writes');
  t.same(s3('put-bucket-notification'), { action: 's3:PutBucketNotification', resource: 'arn:aws:s3:::b', context: {} });
  t.same(s3('put-inventory-configuration'), { action: 's3:PutInventoryConfiguration', resource: 'arn:aws:s3:::b', context: {} });
});

t.test('request records: bucket-level requests on the bucket ARN, ListBuckets account-wide, objects on their key', async (t) => {
  t.same(s3('read-bucket-policy'), { action: 's3:GetBucketPolicy', resource: 'arn:aws:s3:::b', context: {} });
  t.same(s3('list-all-buckets'), { action: 's3:ListAllMyBuckets', resource: 'arn:aws:s3:::*', context: {} });
  t.same(s3('multipart-list-uploads'), { action: 's3:ListBucketMultipartUploads', resource: 'arn:aws:s3:::b', context: {} });
  t.same(s3('head-bucket'), { action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: {} }, 'HeadBucket: ListBucket with no s3:prefix');
  t.same(s3('list-prefix'), { action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': 'db/', 's3:delimiter': '/', 's3:max-keys': 100 } });
  t.same(s3('list-prefix-recursive'), { action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': 'db/', 's3:max-keys': 100 } }, 'no delimiter sent');
  t.same(s3('list-bucket-root').context, { 's3:prefix': '', 's3:delimiter': '/', 's3:max-keys': 100 });
  t.same(s3('put-object'), { action: 's3:PutObject', resource: 'arn:aws:s3:::b/db/.backup-canary/R1/object.bin', context: { 's3:if-none-match': '*', 's3:ObjectCreationOperation': true } });
  t.same(s3('overwrite-object').context, { 's3:ObjectCreationOperation': true }, 'the overwrite sends no If-None-Match');
  t.same(s3('multipart-upload-part-1').context, { 's3:ObjectCreationOperation': false });
  t.equal(s3('write-outside-prefix').resource, 'arn:aws:s3:::b/.backup-canary/R1/outside-prefix.bin');
  t.same(s3('assume-role'), { action: 'sts:AssumeRole', resource: ROLE, context: { 'sts:RoleSessionName': 's' } });

  t.same(oss('head-bucket'), { action: 'oss:GetBucketInfo', resource: 'acs:oss:cn-hangzhou:1234567890123456:b', context: {} });
  t.same(oss('read-bucket-policy').resource, 'acs:oss:cn-hangzhou:1234567890123456:b');
  t.same(oss('list-all-buckets').resource, 'acs:oss:*:1234567890123456:*');
  t.same(oss('list-prefix-recursive').context, { 'oss:Prefix': 'db/' });
  t.same(oss('list-prefix').context, { 'oss:Prefix': 'db/', 'oss:Delimiter': '/' });
  t.equal(oss('get-object').resource, 'acs:oss:cn-hangzhou:1234567890123456:b/db/.backup-canary/R1/object.bin');
});

t.test('the plain list style sends no delimiter on list-prefix; write headers are recorded when sent', async (t) => {
  const plan = buildPlan(new MemoryAdapter(), { prefix: 'p/', runId: 'R', partSize: 5 << 20, quick: true, assume: false, expectations: ALL, listStyle: 'plain', write: { acl: 'bucket-owner-full-control' } });
  const by = Object.fromEntries(plan.steps.map((s) => [s.id, s]));
  t.equal(by['list-prefix']!.sent.delimiter, undefined);
  t.notOk(by['multipart-upload-part-2'], 'no part 2 with --quick');
  t.same(by['multipart-list-parts']!.needs, ['multipart-upload-part-1']);
  t.same(by['head-bucket']!.needs, [], 'no assume-role dependency without a role');
  const put = describeS3Request({ bucket: 'b', roleArn: null, sessionName: 's', externalId: null }, 'putObject', by['put-object']!.sent);
  t.equal(put.context['s3:x-amz-acl'], 'bucket-owner-full-control');
  const part = describeS3Request({ bucket: 'b', roleArn: null, sessionName: 's', externalId: null }, 'uploadPart', by['multipart-upload-part-1']!.sent);
  t.notOk('s3:x-amz-acl' in part.context, 'parts carry no ACL header');
});

t.test('the classifiers take the stage from the catalog: bucket-level denials are stage bucket', async (t) => {
  const ev = { code: 'AccessDenied', message: 'Access Denied', httpStatus: 403, requestId: 'r' };
  for (const op of ['getBucketPolicy', 'listBuckets', 'headBucket', 'listObjects', 'listMultipartUploads'] as Operation[]) {
    t.equal(isBucketLevel(op), true);
    const aws = classifyAws(ev, { service: 's3', operation: op, action: S3_ACTIONS[op], bucket: 'b', prefix: 'db/', roleArn: ROLE, region: null, endpoint: null });
    t.equal(aws.denial.stage, 'bucket', `aws ${op}`);
    t.notMatch(aws.denial.hint, /arn:aws:s3:::b\//, `aws ${op}: the hint names no object ARN`);
    const ali = classifyAlibaba(ev, { service: 'oss', operation: op, action: OSS_ACTIONS[op], bucket: 'b', prefix: 'db/', roleArn: RAM_ROLE, region: 'cn-hangzhou', endpoint: 'http://x' });
    t.equal(ali.denial.stage, 'bucket', `alibaba ${op}`);
  }
  const put = classifyAws(ev, { service: 's3', operation: 'putObject', action: 's3:PutObject', bucket: 'b', prefix: 'db/', roleArn: ROLE, region: null, endpoint: null });
  t.equal(put.denial.stage, 'object');
});

t.test('the fix for a denied HeadBucket is an unconditioned ListBucket on the bucket; for GetBucketPolicy the bucket ARN', async (t) => {
  const check = (id: string) => ({ id, action: '', expect: 'allow' as const, outcome: 'denied' as const, ok: false, durationMs: 0 });
  const principal = { arn: 'arn:aws:sts::123456789012:assumed-role/backup/s', roleArn: ROLE };
  for (const [id, want] of [
    ['head-bucket', { Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::b' }],
    ['read-bucket-policy', { Action: ['s3:GetBucketPolicy'], Resource: 'arn:aws:s3:::b' }],
    ['list-prefix', { Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::b', Condition: { StringLike: { 's3:prefix': ['db/*'] } } }],
    ['list-all-buckets', { Action: ['s3:ListAllMyBuckets'], Resource: 'arn:aws:s3:::*' }],
  ] as const) {
    const rec = s3(id);
    const result = evaluate({ request: { action: rec.action, resource: rec.resource, principal, context: rec.context }, policies: { identity: [{ name: 'none', document: { Version: '2012-10-17', Statement: [] } }] }, dialect: 'aws' });
    const fix = proposeFix(result, { action: rec.action, bucket: 'b', prefix: 'db/', roleArn: ROLE, ...fixScope(check(id)) })!;
    const st = (fix.snippet.Statement as Record<string, unknown>[])[0]!;
    t.match(st, want, id);
    if (!('Condition' in want)) t.notOk(st.Condition, `${id}: no condition`);
    // the fix, evaluated on the same request, allows it
    const after = evaluate({ request: { action: rec.action, resource: rec.resource, principal, context: rec.context }, policies: { identity: [{ name: 'fix', document: fix.snippet }] }, dialect: 'aws' });
    t.equal(after.decision, 'allowed', `${id}: the fix allows the request it is for`);
  }
});

t.test('runner: each result carries the request it sent; a skipped check none; head-bucket and the recursive listing run', async (t) => {
  const a = new MemoryAdapter();
  const plan = buildPlan(a, { prefix: 'p/', runId: 'R', partSize: 5 << 20, quick: true, assume: true, expectations: { 'head-bucket': 'allow', 'put-object': 'allow', 'list-prefix': 'allow', 'list-prefix-recursive': 'allow', 'read-bucket-policy': 'allow' } });
  const out = await runPlan(a, plan);
  const by = Object.fromEntries(out.checks.map((c) => [c.id, c]));
  t.equal(by['head-bucket']!.outcome, 'allowed');
  t.equal(by['list-prefix-recursive']!.outcome, 'allowed');
  t.same(by['list-prefix-recursive']!.request!.context, { 's3:prefix': 'p/', 's3:max-keys': 100 });
  t.same(a.listings.find((l) => l.delimiter === undefined), { prefix: 'p/', delimiter: undefined, startAfter: 'p/.backup-canary/R/' }, 'the recursive listing sends no delimiter');
  t.equal(by['read-bucket-policy']!.outcome, 'skipped', 'the memory adapter has no GetBucketPolicy');
  t.notOk(by['read-bucket-policy']!.request, 'nothing was sent');
  t.equal(by['head-bucket']!.request!.resource, 'arn:aws:s3:::mem');

  const denied = new MemoryAdapter();
  denied.deny.set('headBucket', new RequestFailure('denied', denial('Forbidden', 403)));
  const d = await runPlan(denied, buildPlan(denied, { prefix: 'p/', runId: 'R', partSize: 5 << 20, quick: true, assume: true, expectations: { 'head-bucket': 'allow' } }));
  const hb = d.checks.find((c) => c.id === 'head-bucket')!;
  t.equal(hb.outcome, 'denied');
  t.same(hb.request, { action: 's3:ListBucket', resource: 'arn:aws:s3:::mem', context: {} }, 'a denied request is recorded too');
});

t.test('read-missing-object: a 403 gets the check\'s note beside the classifier\'s hint, which stays as it was', async (t) => {
  const a = new MemoryAdapter();
  a.deny.set('getObject', new RequestFailure('denied', denial('AccessDenied', 403)));
  const out = await runPlan(a, buildPlan(a, { prefix: 'p/', runId: 'R', partSize: 5 << 20, quick: true, assume: false, expectations: { 'read-missing-object': 'allow' } }));
  const c = out.checks[0]!;
  t.equal(c.denial!.hint, 'h', 'the hint is the classifier\'s');
  t.match(c.note, /bucket-level s3:ListBucket/);
});
