// The least-privilege generator: output shapes (AWS and Alibaba), no wildcards, and - for every shipped
// definition - the generated policy, evaluated by our own evaluator on the exact request each check
// makes, allows what the definition expects allowed and denies what it expects denied.
import t from 'tap';
import { listDefinitions, loadDefinition, type ProbeDefinition } from '../../src/core/definition.js';
import type { StorageAdapter } from '../../src/core/adapter.js';
import { buildPlan, CHECK_IDS } from '../../src/core/plan.js';
import { checkSpec, generatePolicy, type GeneratedPolicy } from '../../src/policy/generate.js';
import { describeOssRequest } from '../../src/providers/alibaba/request.js';
import { describeS3Request } from '../../src/providers/aws/request.js';
import { OSS_ACTIONS } from '../../src/providers/alibaba/actions.js';
import { evaluate } from '../../src/explain/index.js';
import { sourceIpWithoutVpc, statementsOf } from '../../src/explain/dialects/alibaba/bucket-policy.js';
import type { RequestContext } from '../../src/explain/types.js';
import { S3_ACTIONS } from '../../src/providers/aws/actions.js';
import { S3_ACTIONS as FROM_ADAPTER } from '../../src/providers/aws/adapter.js';

const ACCT = '123456789012';
const ROLE = `arn:aws:iam::${ACCT}:role/nightly-backup`;
const RUN = '20261122T020000Z-3f9a1c';

t.test('the action map moved to an SDK-free file and the adapter re-exports it', async (t) => {
  t.equal(FROM_ADAPTER, S3_ACTIONS);
  t.equal(S3_ACTIONS.uploadPart, 's3:PutObject');
  t.equal(OSS_ACTIONS.listParts, 'oss:ListParts');
  t.same(Object.keys(OSS_ACTIONS).sort(), Object.keys(S3_ACTIONS).sort(), 'one OSS action per operation');
  for (const id of CHECK_IDS) {
    if (id === 'assume-role') continue;
    t.ok(checkSpec(id, S3_ACTIONS) && checkSpec(id, OSS_ACTIONS), `the generator knows ${id} (from the check catalog)`);
  }
});

t.test('default on AWS: three statements, prefix-scoped, list condition in the prefix-delimiter form', async (t) => {
  const g = generatePolicy({ profile: loadDefinition('default'), bucket: 'corp-backups', prefix: 'db/nightly/', provider: 'aws' });
  t.same(g.identity, {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'BackupObjects',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: 'arn:aws:s3:::corp-backups/db/nightly/*',
      },
      {
        Sid: 'ListBackupPrefix',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: 'arn:aws:s3:::corp-backups',
        Condition: { StringLike: { 's3:prefix': ['db/nightly/', 'db/nightly/*'] } },
      },
      { Sid: 'BackupBucketLevel', Effect: 'Allow', Action: ['s3:ListBucketMultipartUploads'], Resource: 'arn:aws:s3:::corp-backups' },
    ],
  });
  t.same(g.unexpressed, []);
  t.equal(g.bucketException, undefined, 'no role, no exception');
  t.match(g.notes.join('\n'), /sts:AssumeRole is not part of this policy/);
  t.match(g.notes.join('\n'), /Name the role \(--role\)/);
});

t.test('default on Alibaba Cloud: a RAM policy, Version "1", acs:oss resources, oss:Prefix', async (t) => {
  const g = generatePolicy({ profile: loadDefinition('default'), bucket: 'corp-backups', prefix: 'db/nightly/', provider: 'alibaba' });
  t.same(g.identity, {
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['oss:PutObject', 'oss:GetObject', 'oss:DeleteObject', 'oss:AbortMultipartUpload', 'oss:ListParts'],
        Resource: 'acs:oss:*:*:corp-backups/db/nightly/*',
      },
      { Effect: 'Allow', Action: ['oss:ListObjects'], Resource: 'acs:oss:*:*:corp-backups', Condition: { StringLike: { 'oss:Prefix': ['db/nightly/', 'db/nightly/*'] } } },
      { Effect: 'Allow', Action: ['oss:ListMultipartUploads'], Resource: 'acs:oss:*:*:corp-backups' },
    ],
  });
  t.same(g.unexpressed, []);
  const withRole = generatePolicy({ profile: loadDefinition('default'), bucket: 'b-1', prefix: 'p/', provider: 'alibaba', roleArn: 'acs:ram::1234567890123456:role/backup' });
  t.equal(withRole.bucketException, undefined, 'no principal-ARN exception on OSS');
  t.match(withRole.notes.join('\n'), /Alibaba Cloud documents no principal-ARN condition key/);
});

t.test('a plain list style lists P* only; a named role adds the bucket-policy exception and the cross-account grant', async (t) => {
  const base = loadDefinition('default');
  const profile = { ...base, options: { list: 'plain' as const } };
  const g = generatePolicy({ profile, bucket: 'corp-backups', prefix: 'db/', provider: 'aws', roleArn: ROLE });
  t.same(g.identity.Statement[1]!.Condition, { StringLike: { 's3:prefix': ['db/*'] } });
  t.same(g.bucketException!.snippet, { Condition: { ArnNotLike: { 'aws:PrincipalArn': [ROLE] } } });
  t.match(g.bucketException!.summary, /keep the Deny and exempt only this role/);
  const grant = g.bucketGrant!.snippet.Statement as Record<string, unknown>[];
  t.equal(grant.length, g.identity.Statement.length);
  for (const s of grant) t.same(s.Principal, { AWS: ROLE });
  t.match(g.bucketGrant!.summary, /Only when the role is in another account/);
  const cn = generatePolicy({ profile: base, bucket: 'b-1', prefix: 'p/', provider: 'aws', partition: 'aws-cn' });
  t.equal(cn.identity.Statement[0]!.Resource, 'arn:aws-cn:s3:::b-1/p/*');
  const fromRole = generatePolicy({ profile: base, bucket: 'b-1', prefix: 'p/', provider: 'aws', roleArn: 'arn:aws-us-gov:iam::123456789012:role/r' });
  t.equal(fromRole.identity.Statement[1]!.Resource, 'arn:aws-us-gov:s3:::b-1');
});

t.test('append-only: s3:PutObject only with If-None-Match, multipart parts apart, no DeleteObject', async (t) => {
  const g = generatePolicy({ profile: loadDefinition('append-only'), bucket: 'corp-backups', prefix: 'db/', provider: 'aws' });
  t.same(
    g.identity.Statement.map((s) => [s.Sid, s.Action, s.Condition ?? null]),
    [
      ['BackupObjects', ['s3:GetObject'], null],
      ['BackupWriteIfAbsent', ['s3:PutObject'], { Null: { 's3:if-none-match': 'false' } }],
      ['BackupMultipartParts', ['s3:PutObject'], { Bool: { 's3:ObjectCreationOperation': 'false' } }],
      ['ListBackupPrefix', ['s3:ListBucket'], { StringLike: { 's3:prefix': ['db/', 'db/*'] } }],
    ],
  );
  t.same(g.unexpressed, []);
  t.match(g.notes.join('\n'), /allowed only with If-None-Match/);
  const ali = generatePolicy({ profile: loadDefinition('append-only'), bucket: 'corp-backups', prefix: 'db/', provider: 'alibaba' });
  t.same(ali.unexpressed.map((u) => u.check), ['overwrite-object']);
  t.match(ali.unexpressed[0]!.why, /PutBucketOverwriteConfig/);
});

t.test('restore-readonly: GetObject and ListBucket only; the missing-key read needs ListBucket without a prefix condition', async (t) => {
  const g = generatePolicy({ profile: loadDefinition('restore-readonly'), bucket: 'corp-backups', prefix: 'db/', provider: 'aws' });
  t.same(g.identity.Statement, [
    { Sid: 'BackupObjects', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::corp-backups/db/*' },
    { Sid: 'ListBackupBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::corp-backups' },
  ]);
  t.match(g.notes.join('\n'), /answers 404 only to a caller that may s3:ListBucket the bucket/);
  t.same(g.unexpressed, []);
  // with listing the root expected denied, the missing-key read cannot be expressed
  const strict = { ...loadDefinition('restore-readonly'), checks: { ...loadDefinition('restore-readonly').checks, 'list-bucket-root': 'deny' as const } };
  const s = generatePolicy({ profile: strict, bucket: 'corp-backups', prefix: 'db/', provider: 'aws' });
  t.same(s.unexpressed.map((u) => u.check), ['read-missing-object']);
  t.same(s.identity.Statement[1]!.Condition, { StringLike: { 's3:prefix': ['db/', 'db/*'] } });
  // OSS has no such rule documented: the RAM policy keeps the prefix condition
  const ali = generatePolicy({ profile: loadDefinition('restore-readonly'), bucket: 'corp-backups', prefix: 'db/', provider: 'alibaba' });
  t.same(ali.identity.Statement[1]!.Condition, { StringLike: { 'oss:Prefix': ['db/', 'db/*'] } });
});

t.test('cleanup and "any": kopia gets no DeleteObject, polardb-oss gets it only for the cleanup, rclone lists "any" checks', async (t) => {
  const kopia = generatePolicy({ profile: loadDefinition('kopia-s3'), bucket: 'b-1', prefix: 'k/', provider: 'aws' });
  t.same(kopia.identity.Statement[0]!.Action, ['s3:PutObject', 's3:GetObject']);
  const polar = generatePolicy({ profile: loadDefinition('polardb-oss'), bucket: 'b-1', prefix: 'k/', provider: 'alibaba' });
  t.same(polar.identity.Statement[0]!.Action, ['oss:PutObject', 'oss:GetObject', 'oss:DeleteObject', 'oss:AbortMultipartUpload']);
  t.match(polar.notes.join('\n'), /oss:DeleteObject is included only so the probe can remove what it creates/);
  const rclone = generatePolicy({ profile: loadDefinition('rclone-s3'), bucket: 'b-1', prefix: 'k/', provider: 'aws' });
  // rclone's abort is `any`, but abort-create opens an upload: s3:AbortMultipartUpload only for the cleanup
  t.same(rclone.identity.Statement.map((s) => s.Action), [['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], ['s3:ListBucket']]);
  t.match(rclone.notes.join('\n'), /s3:AbortMultipartUpload is included only so the probe can remove what it creates/);
  t.match(rclone.notes.join('\n'), /Checks expected "any" \(multipart-list-parts, multipart-list-uploads, list-all-buckets\) get no permission/);
  t.match(rclone.identity.Statement[1]!.Condition, { StringLike: { 's3:prefix': ['k/', 'k/*'] } }, 'rclone needs no unprefixed listing');
  t.notMatch(JSON.stringify(rclone.identity), /s3:delimiter/, 'no delimiter condition: rclone delete lists without one');
  t.match(rclone.notes.join('\n'), /not conditioned on s3:delimiter: list-prefix-recursive/);
  // restic: HeadBucket (init) needs s3:ListBucket without the prefix condition, and says why
  const restic = generatePolicy({ profile: loadDefinition('restic-s3'), bucket: 'b-1', prefix: 'k/', provider: 'aws' });
  const list = restic.identity.Statement.find((s) => s.Action.includes('s3:ListBucket'))!;
  t.same(list, { Sid: 'ListBackupBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::b-1' }, 'unconditioned ListBucket');
  t.match(restic.notes.join('\n'), /head-bucket sends HeadBucket \(restic init checks the bucket with it\).*carries no s3:prefix/);
  t.same(restic.unexpressed, []);
  // HeadBucket next to a root listing expected denied cannot be expressed: reported
  const both = generatePolicy({ profile: { name: 'x', options: {}, checks: { 'head-bucket': 'allow', 'list-bucket-root': 'deny' } }, bucket: 'b-1', prefix: 'k/', provider: 'aws' });
  t.match(both.unexpressed, [{ check: 'list-bucket-root', expect: 'deny', why: /needed by head-bucket/ }]);
  // on OSS the bucket probe is GetBucketInfo: its own bucket-level action, the listing stays prefix-scoped
  const oss = generatePolicy({ profile: { name: 'x', options: {}, checks: { 'head-bucket': 'allow', 'list-prefix': 'allow' } }, bucket: 'b-1', prefix: 'k/', provider: 'alibaba' });
  t.match(oss.identity.Statement, [{ Action: ['oss:ListObjects'], Condition: { StringLike: { 'oss:Prefix': ['k/', 'k/*'] } } }, { Action: ['oss:GetBucketInfo'], Resource: 'acs:oss:*:*:b-1' }]);
  // an upload left open (create allowed, complete not required) needs abort for the cleanup
  const open = generatePolicy({ profile: { name: 'x', options: {}, checks: { 'multipart-create': 'allow' } }, bucket: 'b-1', prefix: 'k/', provider: 'aws' });
  t.same(open.identity.Statement[0]!.Action, ['s3:PutObject', 's3:AbortMultipartUpload']);
});

t.test('expectations no identity policy can meet are reported, never silently dropped', async (t) => {
  const profile = (checks: ProbeDefinition['checks']) => ({ name: 'x', options: {}, checks });
  const both = generatePolicy({ profile: profile({ 'put-object': 'allow', 'delete-object': 'allow', 'delete-multipart-object': 'deny', 'multipart-create': 'allow', 'multipart-upload-part-1': 'allow', 'multipart-complete': 'allow' }), bucket: 'b-1', prefix: 'k/', provider: 'aws' });
  t.same(both.unexpressed.map((u) => u.check), ['delete-multipart-object']);
  t.match(both.unexpressed[0]!.why, /s3:DeleteObject on the prefix is needed by delete-object/);
  const root = generatePolicy({ profile: profile({ 'list-prefix': 'allow', 'list-bucket-root': 'deny', 'write-outside-prefix': 'deny' }), bucket: 'b-1', prefix: '', provider: 'aws' });
  t.same(root.unexpressed.map((u) => u.check).sort(), ['list-bucket-root', 'write-outside-prefix']);
  t.equal(root.identity.Statement[0]!.Condition, undefined, 'no prefix condition at the bucket root');
  t.match(root.notes.join('\n'), /The prefix is the bucket root/);
  const outside = generatePolicy({ profile: profile({ 'write-outside-prefix': 'allow' }), bucket: 'b-1', prefix: 'k/', provider: 'aws' });
  t.match(outside.unexpressed[0]!.why, /grants object actions on the prefix only/);
  const listRoot = generatePolicy({ profile: profile({ 'list-bucket-root': 'allow', 'list-all-buckets': 'allow', 'read-bucket-policy': 'allow' }), bucket: 'b-1', prefix: 'k/', provider: 'aws' });
  t.same(listRoot.identity.Statement, [
    { Sid: 'ListBackupBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::b-1' },
    { Sid: 'BackupBucketLevel', Effect: 'Allow', Action: ['s3:GetBucketPolicy'], Resource: 'arn:aws:s3:::b-1' },
    { Sid: 'ListAllBuckets', Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: 'arn:aws:s3:::*' },
  ]);
  const kms = generatePolicy({ profile: { name: 'x', options: { sse: 'aws:kms', 'kms-key-id': 'alias/backup', acl: 'bucket-owner-full-control' }, checks: { 'put-object': 'allow' } }, bucket: 'b-1', prefix: 'k/', provider: 'aws' });
  t.match(kms.notes.join('\n'), /kms:GenerateDataKey and kms:Decrypt.*alias\/backup|alias\/backup.*kms:GenerateDataKey/);
  t.match(kms.notes.join('\n'), /canned ACL "bucket-owner-full-control"/);
});

const ALL_ALLOWED = Object.fromEntries(CHECK_IDS.filter((i) => i !== 'assume-role').map((i) => [i, 'allow' as const]));

/**
 * The exact request a check makes (action, resource, context keys), as the probe sends it: the plan's
 * step for the check and the provider's request record, the same record a probe's result carries.
 */
function requestFor(id: string, provider: 'aws' | 'alibaba', bucket: string, prefix: string): RequestContext | null {
  if (id === 'assume-role') return null;
  const aws = provider === 'aws';
  const stub = { provider } as unknown as StorageAdapter;
  const plan = buildPlan(stub, { prefix, runId: RUN, partSize: 5 * 1024 * 1024, quick: false, assume: false, expectations: ALL_ALLOWED, listStyle: 'prefix-delimiter' });
  const step = plan.steps.find((s) => s.id === id);
  if (!step) return null;
  const sent = step.sent;
  const record = aws
    ? describeS3Request({ bucket, roleArn: ROLE, sessionName: 's1', externalId: null }, step.op, sent)
    : describeOssRequest({ bucket, region: 'cn-hangzhou', roleArn: `acs:ram::${ACCT}:role/nightly-backup`, externalId: null }, step.op, sent);
  const principal = aws
    ? { arn: `arn:aws:sts::${ACCT}:assumed-role/nightly-backup/s1`, roleArn: ROLE }
    : { arn: `acs:ram::${ACCT}:assumed-role/nightly-backup/s1` };
  return { action: record.action, resource: record.resource, principal, context: record.context, resourceAccount: ACCT };
}

function decide(g: GeneratedPolicy, req: RequestContext): string {
  return evaluate({ request: req, policies: { identity: [{ name: 'generated', document: g.identity }] }, dialect: g.provider }).decision;
}

t.test('every shipped definition: the generated policy meets each expectation on the exact request (our evaluator)', async (t) => {
  for (const p of listDefinitions()) {
    for (const provider of p.providers as ('aws' | 'alibaba')[]) {
      for (const prefix of ['db/nightly/', 'x/']) {
        const g = generatePolicy({ profile: p, bucket: 'corp-backups', prefix, provider });
        const skip = new Set(g.unexpressed.map((u) => u.check));
        for (const [id, expect] of Object.entries(p.checks)) {
          const req = requestFor(id, provider, 'corp-backups', prefix);
          if (!req || expect === 'any' || skip.has(id)) continue;
          const d = decide(g, req);
          t.equal(d === 'allowed', expect === 'allow', `${p.name} ${provider} ${prefix} ${id}: expected ${expect}, evaluated ${d}`);
        }
      }
    }
  }
});

t.test('every statement is necessary: without it, some check expected allow is denied (our evaluator)', async (t) => {
  for (const p of listDefinitions()) {
    for (const provider of p.providers as ('aws' | 'alibaba')[]) {
      const g = generatePolicy({ profile: p, bucket: 'corp-backups', prefix: 'db/', provider });
      g.identity.Statement.forEach((_, i) => {
        const without = { ...g, identity: { ...g.identity, Statement: g.identity.Statement.filter((__, j) => j !== i) } };
        const lost = Object.entries(p.checks).filter(([id, e]) => {
          const req = requestFor(id, provider, 'corp-backups', 'db/');
          return req && e === 'allow' && decide(without, req) !== 'allowed';
        });
        // a statement added only for the cleanup (DeleteObject, AbortMultipartUpload) is needed by the cleanup
        const cleanupOnly = g.identity.Statement[i]!.Action.every((a) => /DeleteObject|AbortMultipartUpload/.test(a));
        t.ok(lost.length > 0 || cleanupOnly, `${p.name} ${provider}: statement ${i} is needed by ${lost.map(([id]) => id).join(', ') || 'the cleanup'}`);
      });
    }
  }
});

t.test('never a "*" action or a bare "*" resource, for any definition, provider or prefix', async (t) => {
  for (const p of listDefinitions()) {
    for (const provider of ['aws', 'alibaba'] as const) {
      for (const prefix of ['db/nightly/', '']) {
        const g = generatePolicy({ profile: p, bucket: 'corp-backups', prefix, provider, roleArn: provider === 'aws' ? ROLE : 'acs:ram::1:role/r' });
        const docs = [g.identity.Statement, (g.bucketGrant?.snippet.Statement ?? []) as typeof g.identity.Statement];
        for (const s of docs.flat()) {
          for (const a of s.Action) t.notMatch(a, /\*/, `${p.name} ${provider}: action ${a}`);
          for (const r of ([] as string[]).concat(s.Resource)) t.not(r, '*', `${p.name} ${provider}: resource ${r}`);
          t.ok(s.Action.length > 0);
        }
      }
    }
  }
});

// EC 0030-00000008 (help.aliyun.com/zh/oss/user-guide/0030-00000008): OSS refuses a bucket policy whose
// statement uses acs:SourceIp without acs:SourceVpc. Whatever the generator emits for Alibaba Cloud
// (the RAM policy today; any bucket-policy snippet it may gain) must keep that rule.
t.test('alibaba: no generated statement uses acs:SourceIp without acs:SourceVpc (EC 0030-00000008)', async (t) => {
  t.same(sourceIpWithoutVpc([{ Effect: 'Deny', Condition: { NotIpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } } }]), [0], 'the check itself flags a bad statement');
  let documents = 0;
  for (const profile of listDefinitions()) {
    const name = profile.name;
    if (!(profile.providers as string[]).includes('alibaba')) continue;
    for (const roleArn of [undefined, 'acs:ram::1234567890123456:role/backup']) {
      const g = generatePolicy({ profile, bucket: 'b-1', prefix: 'p/', provider: 'alibaba', ...(roleArn ? { roleArn } : {}) });
      for (const doc of [g.identity, g.bucketException?.snippet, g.bucketGrant?.snippet]) {
        if (!doc) continue;
        documents++;
        t.same(sourceIpWithoutVpc(statementsOf(doc)), [], `${name}${roleArn ? ' with a role' : ''}: every statement keeps the rule`);
      }
      // OSS has no principal-ARN key: no bucket-policy exception is generated for it
      t.equal(g.bucketException, undefined, `${name}: no bucket-policy exception on OSS`);
    }
  }
  t.ok(documents > 0, 'some Alibaba documents were checked');
});

t.test('a backup source with a writer (--writer): no s3:PutObject and no cleanup delete for the role; without it, the note says why they are there', async (t) => {
  for (const name of ['s3-backup-source', 'aws-backup-s3']) {
    const own = generatePolicy({ profile: loadDefinition(name), bucket: 'corp-data', prefix: 'data/', provider: 'aws' });
    const ownActions = own.identity.Statement.flatMap((s) => s.Action);
    for (const a of ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion']) t.ok(ownActions.includes(a), `${name}: ${a} when the role writes its own canary`);
    t.ok(own.notes.some((n) => /included only because the probed role writes the canary its reads read.*--writer/.test(n)), `${name}: the note says why`);
    const w = generatePolicy({ profile: loadDefinition(name), bucket: 'corp-data', prefix: 'data/', provider: 'aws', writer: true });
    const actions = w.identity.Statement.flatMap((s) => s.Action);
    for (const a of ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion']) t.notOk(actions.includes(a), `${name} --writer: no ${a}`);
    for (const a of ['s3:GetObject', 's3:GetObjectTagging', 's3:ListBucket', 's3:GetBucketLocation']) t.ok(actions.includes(a), `${name} --writer: still ${a}`);
    t.same(w.unexpressed, [], `${name} --writer: nothing unexpressed (put-object is not the role's)`);
    t.ok(w.notes.some((n) => /put-object is the writer's put.*The writer needs s3:PutObject/.test(n)), `${name} --writer: the note names what the writer needs`);
    t.notOk(w.notes.some((n) => /included only so the probe can remove/.test(n)), `${name} --writer: no cleanup note`);
  }
  // a definition that writes for itself gets no such note
  const d = generatePolicy({ profile: loadDefinition('default'), bucket: 'corp-data', prefix: 'data/', provider: 'aws' });
  t.notOk(d.notes.some((n) => /writes the canary its reads read/.test(n)), 'default: no backup-source note');
});

t.test('oss-backup-source with --writer: no oss:PutObject and no oss:Delete* for the role', async (t) => {
  const own = generatePolicy({ profile: loadDefinition('oss-backup-source'), bucket: 'corp-data', prefix: 'data/', provider: 'alibaba' });
  t.ok(own.identity.Statement.flatMap((s) => s.Action).includes('oss:PutObject'));
  t.ok(own.notes.some((n) => /oss:PutObject \(put-object\) and the cleanup's deletes are included only because/.test(n)));
  const w = generatePolicy({ profile: loadDefinition('oss-backup-source'), bucket: 'corp-data', prefix: 'data/', provider: 'alibaba', writer: true });
  const actions = w.identity.Statement.flatMap((s) => s.Action);
  t.notOk(actions.some((a) => /^oss:(Put|Delete)/.test(a)), `no oss:Put*/oss:Delete* (${actions.join(', ')})`);
  t.ok(actions.includes('oss:GetObject'));
  t.ok(w.notes.some((n) => /The writer needs oss:PutObject/.test(n)));
});
