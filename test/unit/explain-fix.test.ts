import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { evaluate, fixCandidates, proposeFix, provenFix, storeSemantics, type Fix, type FixRequest, type PolicySet, type RequestContext } from '../../src/explain/index.js';

const ACCT = '111122223333';
const ROLE = `arn:aws:iam::${ACCT}:role/BackupRole`;
const SESSION = `arn:aws:sts::${ACCT}:assumed-role/BackupRole/canary-1`;
const BKT = 'arn:aws:s3:::backup-bucket';

const put: RequestContext = {
  action: 's3:PutObject',
  resource: `${BKT}/canary/2024/obj`,
  principal: { arn: SESSION },
  resourceAccount: ACCT,
};
const fixReq = (over: Partial<FixRequest> = {}): FixRequest => ({
  action: 's3:PutObject',
  bucket: 'backup-bucket',
  prefix: 'canary/',
  roleArn: ROLE,
  sessionName: 'canary-1',
  ...over,
});
const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
const run = (request: RequestContext, policies: PolicySet, req: FixRequest = fixReq(), dialect: 'aws' | 'alibaba' = 'aws') =>
  proposeFix(evaluate({ request, policies, dialect }), req);

/** Every Allow statement a fix proposes: none may use wildcard actions, `*` resources or managed full-access policies. */
function assertSafe(tt: Test, fix: Fix | null, label: string) {
  if (!fix) return;
  const text = JSON.stringify(fix.snippet);
  tt.notMatch(text, /FullAccess|AdministratorAccess|arn:aws:iam::aws:policy\//, `${label}: no managed full-access policy`);
  const snippet = fix.snippet as Record<string, unknown>;
  const statements = Array.isArray(snippet.Statement) ? (snippet.Statement as Record<string, unknown>[]) : [snippet];
  for (const s of statements) {
    if (s.Effect !== 'Allow') continue;
    const actions = ([] as unknown[]).concat(s.Action ?? []);
    tt.ok(actions.length > 0, `${label}: an Allow names its actions`);
    for (const a of actions) tt.notMatch(String(a), /[*?]/, `${label}: no wildcard action (${String(a)})`);
    tt.equal(s.NotAction, undefined, `${label}: no NotAction allow`);
    const resources = ([] as unknown[]).concat(s.Resource ?? []);
    for (const r of resources) tt.not(r, '*', `${label}: no "*" resource`);
  }
}

t.test('missing object action: a role-policy statement scoped to bucket and prefix', async (tt) => {
  const fix = run(put, { identity: [{ name: 'role-inline:backup', document: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BKT}/*` }) }] });
  tt.ok(fix);
  tt.equal(fix!.policy, 'identity');
  tt.same(fix!.snippet, {
    Version: '2012-10-17',
    Statement: [{ Sid: 'BackupCanaryPutObject', Effect: 'Allow', Action: ['s3:PutObject'], Resource: 'arn:aws:s3:::backup-bucket/canary/*' }],
  });
  tt.match(fix!.summary, /role policy of arn:aws:iam::111122223333:role\/BackupRole/);
  assertSafe(tt, fix, 'put');
});

t.test('missing s3:ListBucket: the bucket ARN with a StringLike s3:prefix condition', async (tt) => {
  const fix = run({ ...put, action: 's3:ListBucket', resource: BKT, context: { 's3:prefix': 'canary/' } }, {}, fixReq({ action: 's3:ListBucket' }));
  tt.same((fix!.snippet.Statement as unknown[])[0], {
    Sid: 'BackupCanaryListBucket',
    Effect: 'Allow',
    Action: ['s3:ListBucket'],
    Resource: BKT,
    Condition: { StringLike: { 's3:prefix': ['canary/*'] } },
  });
  assertSafe(tt, fix, 'list');
});

t.test('bucket-level actions without a prefix key, and service-level ListAllMyBuckets', async (tt) => {
  const mpu = run({ ...put, action: 's3:ListBucketMultipartUploads', resource: BKT }, {}, fixReq({ action: 's3:ListBucketMultipartUploads' }));
  tt.same((mpu!.snippet.Statement as Record<string, unknown>[])[0]!.Resource, BKT);
  tt.equal((mpu!.snippet.Statement as Record<string, unknown>[])[0]!.Condition, undefined);
  const loc = run({ ...put, action: 's3:GetBucketLocation', resource: BKT }, {}, fixReq({ action: 's3:GetBucketLocation', prefix: undefined }));
  tt.same((loc!.snippet.Statement as Record<string, unknown>[])[0]!.Resource, BKT);
  const all = run({ ...put, action: 's3:ListAllMyBuckets', resource: 'arn:aws:s3:::*' }, {}, fixReq({ action: 's3:ListAllMyBuckets' }));
  tt.same((all!.snippet.Statement as Record<string, unknown>[])[0]!.Resource, 'arn:aws:s3:::*');
  const abort = run({ ...put, action: 's3:AbortMultipartUpload' }, {}, fixReq({ action: 's3:AbortMultipartUpload', prefix: '' }));
  tt.same((abort!.snippet.Statement as Record<string, unknown>[])[0]!.Resource, `${BKT}/*`);
  for (const f of [mpu, loc, all, abort]) assertSafe(tt, f, 'bucket-level');
});

const officeDeny = {
  Sid: 'OnlyOfficeMayWrite',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:PutObject',
  Resource: `${BKT}/*`,
  Condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
};

t.test('bucket-policy Deny: exempt the role in the Deny condition, never remove it', async (tt) => {
  const fix = run(
    { ...put, context: { 'aws:SourceIp': '127.0.0.1' } },
    {
      identity: [{ name: 'role-inline:backup', document: doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: `${BKT}/canary/*` }) }],
      resource: { name: 'bucket-policy', document: doc(officeDeny) },
    },
  );
  tt.equal(fix!.policy, 'bucket');
  tt.same(fix!.snippet, {
    ...officeDeny,
    Condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' }, ArnNotLike: { 'aws:PrincipalArn': ROLE } },
  });
  tt.equal((fix!.snippet as Record<string, unknown>).Effect, 'Deny', 'the Deny stays a Deny');
  tt.match(fix!.summary, 'NotIpAddress aws:SourceIp 203.0.113.0/24 vs 127.0.0.1 → matched');
  tt.match(fix!.summary, /aws:PrincipalArn is the role ARN/);
  tt.match(fix!.summary, /every session of/);
});

t.test('bucket-policy Deny that already exempts principals: the role is appended', async (tt) => {
  const deny = {
    ...officeDeny,
    Condition: { ...officeDeny.Condition, ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/Admin'] } },
  };
  const fix = run({ ...put, context: { 'aws:SourceIp': '127.0.0.1' } }, { resource: { name: 'bucket-policy', document: doc(deny) } });
  tt.same((fix!.snippet.Condition as Record<string, Record<string, unknown>>).ArnNotLike, {
    'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/Admin', ROLE],
  });
  const strDeny = { ...officeDeny, Condition: { StringNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/Admin' } } };
  const fix2 = run(put, { resource: { name: 'bucket-policy', document: doc(strDeny) } });
  tt.same((fix2!.snippet.Condition as Record<string, Record<string, unknown>>).StringNotEquals, {
    'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/Admin', ROLE],
  });
});

t.test('SCP Deny gets the same principal exception, aimed at the SCP', async (tt) => {
  const fix = run(put, {
    scp: [{ name: 'scp:no-put.json', document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Sid: 'NoPut', Effect: 'Deny', Action: 's3:PutObject', Resource: '*' }) }],
    identity: [{ name: 'role-inline:backup', document: doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }) }],
  });
  tt.equal(fix!.policy, 'scp');
  tt.same((fix!.snippet.Condition as Record<string, unknown>).ArnNotLike, { 'aws:PrincipalArn': ROLE });
});

t.test('a Deny in the role\'s own policy is not exempted: the statement must change', async (tt) => {
  const fix = run(put, {
    identity: [
      {
        name: 'role-inline:backup',
        document: doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }, { Sid: 'Freeze', Effect: 'Deny', Action: 's3:PutObject', Resource: `${BKT}/*` }),
      },
    ],
  });
  tt.equal(fix!.policy, 'identity');
  tt.match(fix!.summary, /cannot be overridden/);
  tt.same((fix!.snippet.statement as Record<string, unknown>).Sid, 'Freeze');
  tt.notOk(JSON.stringify(fix!.snippet).includes('ArnNotLike'));
});

t.test('a Deny requiring TLS: use HTTPS, exempt nobody', async (tt) => {
  const fix = run(
    { ...put, context: { 'aws:SecureTransport': 'false' } },
    {
      identity: [{ name: 'role-inline:backup', document: doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }) }],
      resource: {
        name: 'bucket-policy',
        document: doc({ Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `${BKT}/*`, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      },
    },
  );
  tt.match(fix!.summary, /HTTPS/);
  tt.same(fix!.snippet, { 'aws:SecureTransport': 'true' });
});

t.test('a Deny scoped to the session name: the session name that escapes it', async (tt) => {
  const fix = run(
    { ...put, principal: { arn: SESSION, userId: 'AROAEXAMPLEID:canary-1' } },
    {
      identity: [{ name: 'role-inline:backup', document: doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }) }],
      resource: {
        name: 'bucket-policy',
        document: doc({
          Sid: 'OnlyBackupSessions',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:PutObject',
          Resource: `${BKT}/*`,
          Condition: { StringNotLike: { 'aws:userid': 'AROAEXAMPLEID:backup-*' } },
        }),
      },
    },
  );
  tt.equal(fix!.sessionName, 'backup-canary');
  tt.equal(fix!.snippet.RoleSessionName, 'backup-canary');
  tt.equal(fix!.policy, 'bucket');
  tt.match(fix!.summary, /session name "backup-canary"/);
  // a positive Deny on the session name: pick a name outside it
  const fix2 = run(
    { ...put, principal: { arn: SESSION, userId: 'AROAEXAMPLEID:tmp-1' } },
    {
      resource: {
        name: 'bucket-policy',
        document: doc({ Sid: 'NoTemp', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `${BKT}/*`, Condition: { StringLike: { 'aws:userid': '*:tmp-*' } } }),
      },
    },
  );
  tt.equal(fix2!.sessionName, 'backup-canary');
});

t.test('an Allow that only fails on the session name: the matching session name', async (tt) => {
  const fix = run(
    { ...put, principal: { arn: SESSION, userId: 'AROAEXAMPLEID:canary-1' } },
    {
      identity: [
        {
          name: 'role-inline:backup',
          document: doc({ Sid: 'NightlyOnly', Effect: 'Allow', Action: 's3:PutObject', Resource: `${BKT}/*`, Condition: { StringLike: { 'aws:userid': '*:nightly-*' } } }),
        },
      ],
    },
  );
  tt.equal(fix!.sessionName, 'nightly-canary');
  tt.equal(fix!.policy, 'identity');
});

t.test('trust failure: the trust statement naming the caller, with the external id used', async (tt) => {
  const request: RequestContext = {
    action: 'sts:AssumeRole',
    resource: ROLE,
    principal: { arn: 'arn:aws:sts::111122223333:assumed-role/Scheduler/run-9' },
    context: { 'sts:ExternalId': 'ext-42' },
  };
  const trust = { name: 'trust-policy', document: doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }) };
  const fix = run(request, { trust }, fixReq({ action: 'sts:AssumeRole', externalId: 'ext-42' }));
  tt.equal(fix!.policy, 'trust');
  tt.same(fix!.snippet, {
    Sid: 'AllowBackupCanaryCaller',
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::111122223333:role/Scheduler' },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': 'ext-42' } },
  });
  const noExt = run({ ...request, context: {} }, { trust }, fixReq({ action: 'sts:AssumeRole', callerArn: 'arn:aws:iam::111122223333:user/ops' }));
  tt.same(noExt!.snippet, { Sid: 'AllowBackupCanaryCaller', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:user/ops' }, Action: 'sts:AssumeRole' });
  // a trust statement naming the caller whose condition fails is reported as such
  const withCond = {
    name: 'trust-policy',
    document: doc({
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:role/Scheduler' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': 'expected' } },
    }),
  };
  const near = run(request, { trust: withCond }, fixReq({ action: 'sts:AssumeRole', externalId: 'ext-42' }));
  tt.match(near!.summary, /names the caller but its condition fails/);
  tt.match(near!.summary, /StringEquals sts:ExternalId expected vs ext-42/);
  // the same statement, and this run sent no external id: send it; never a statement without the requirement
  const missing = run({ ...request, context: {}, absent: ['sts:ExternalId'] }, { trust: withCond }, fixReq({ action: 'sts:AssumeRole' }));
  tt.match(missing, { policy: 'trust', form: 'external-id', change: { kind: 'advice' }, snippet: { ExternalId: 'expected' } });
  tt.match(missing!.summary, /admits the caller only with sts:ExternalId "expected" .*this run passed no --external-id: pass --external-id/);
});

t.test('trust Deny on the role session name: the session name that passes', async (tt) => {
  const fix = run(
    { action: 'sts:AssumeRole', resource: ROLE, principal: { arn: 'arn:aws:iam::111122223333:user/ops' }, context: { 'sts:RoleSessionName': 'adhoc' } },
    {
      trust: {
        name: 'trust-policy',
        document: doc(
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:user/ops' }, Action: 'sts:AssumeRole' },
          { Sid: 'NamedSessions', Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole', Condition: { StringNotLike: { 'sts:RoleSessionName': 'backup-*' } } },
        ),
      },
    },
    fixReq({ action: 'sts:AssumeRole' }),
  );
  tt.equal(fix!.sessionName, 'backup-canary');
  tt.equal(fix!.policy, 'trust');
});

t.test('caller lacks sts:AssumeRole (cross-account): its own policy gets the statement', async (tt) => {
  const target = 'arn:aws:iam::444455556666:role/BackupRole';
  const fix = run(
    { action: 'sts:AssumeRole', resource: target, principal: { arn: SESSION } },
    { trust: { name: 'trust-policy', document: doc({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'sts:AssumeRole' }) } },
    fixReq({ action: 'sts:AssumeRole', roleArn: target }),
  );
  tt.equal(fix!.policy, 'identity');
  tt.same((fix!.snippet.Statement as unknown[])[0], { Sid: 'AllowAssumeBackupRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: target });
  assertSafe(tt, fix, 'assume');
});

t.test('cross-account bucket without a grant: a bucket-policy statement naming the role', async (tt) => {
  const fix = run(
    { ...put, resourceAccount: '444455556666' },
    { identity: [{ name: 'role-inline:backup', document: doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }) }] },
  );
  tt.equal(fix!.policy, 'bucket');
  tt.same(fix!.snippet, {
    Sid: 'BackupCanaryPutObject',
    Effect: 'Allow',
    Principal: { AWS: ROLE },
    Action: ['s3:PutObject'],
    Resource: 'arn:aws:s3:::backup-bucket/canary/*',
  });
  tt.match(fix!.summary, /cross-account/);
  assertSafe(tt, fix, 'bucket grant');
});

t.test('boundary and session policy gaps point at those policies', async (tt) => {
  const identity = [{ name: 'role-inline:backup', document: doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }) }];
  const b = run(put, { identity, boundary: { name: 'boundary', document: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) } });
  tt.equal(b!.policy, 'boundary');
  const s = run(put, { identity, session: { name: 'session', document: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) } });
  tt.equal(s!.policy, 'session');
  const scp = run(put, { identity, scp: [{ name: 'scp', document: doc({ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }) }] });
  tt.equal(scp!.policy, 'scp');
  tt.match(scp!.summary, /organisation administrators/);
  for (const f of [b, s, scp]) assertSafe(tt, f, 'gap');
});

t.test('allowed and undetermined results have no fix; wildcard actions are refused', async (tt) => {
  const identity = [{ name: 'role-inline:backup', document: doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }) }];
  tt.equal(run(put, { identity }), null);
  const und = evaluate({
    request: put,
    dialect: 'aws',
    policies: { identity, resource: { name: 'bucket-policy', document: doc(officeDeny) } },
  });
  tt.equal(und.decision, 'undetermined');
  tt.equal(proposeFix(und, fixReq()), null);
  tt.throws(() => proposeFix(und, fixReq({ action: 's3:*' })), /concrete/);
});

t.test('alibaba: RAM policy statement with Version "1" and oss:Prefix for ListObjects', async (tt) => {
  const req: RequestContext = {
    action: 'oss:PutObject',
    resource: 'acs:oss:cn-hangzhou:1234567890123456:backup-bucket/canary/x',
    principal: { arn: 'acs:ram::1234567890123456:assumed-role/backuprole/canary-1' },
    resourceAccount: '1234567890123456',
  };
  const role = 'acs:ram::1234567890123456:role/backuprole';
  const fix = run(req, {}, fixReq({ roleArn: role, action: 'oss:PutObject' }), 'alibaba');
  tt.same(fix!.snippet, { Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: 'acs:oss:*:*:backup-bucket/canary/*' }] });
  const list = run({ ...req, action: 'oss:ListObjects', resource: 'acs:oss:cn-hangzhou:1234567890123456:backup-bucket' }, {}, fixReq({ roleArn: role, action: 'oss:ListObjects' }), 'alibaba');
  tt.same((list!.snippet.Statement as unknown[])[0], {
    Effect: 'Allow',
    Action: ['oss:ListObjects'],
    Resource: 'acs:oss:*:*:backup-bucket',
    Condition: { StringLike: { 'oss:Prefix': ['canary/*'] } },
  });
  const buckets = run({ ...req, action: 'oss:ListBuckets', resource: 'acs:oss:*:1234567890123456:*' }, {}, fixReq({ roleArn: role, action: 'oss:ListBuckets' }), 'alibaba');
  tt.same((buckets!.snippet.Statement as Record<string, unknown>[])[0]!.Resource, 'acs:oss:*:*:*');
  // a bucket-policy Deny on the source IP: the request's IP joins the exception list
  const deny = run(
    { ...req, context: { 'acs:SourceIp': '10.0.0.5' } },
    {
      identity: [{ name: 'ram-policy', document: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*' }] } }],
      resource: {
        name: 'bucket-policy',
        document: {
          Version: '1',
          Statement: [
            { Effect: 'Deny', Principal: ['*'], Action: ['oss:PutObject'], Resource: ['acs:oss:*:*:backup-bucket/*'], Condition: { NotIpAddress: { 'acs:SourceIp': ['42.120.88.0/24'] } } },
          ],
        },
      },
    },
    fixReq({ roleArn: role, action: 'oss:PutObject' }),
    'alibaba',
  );
  // OSS documents no principal-ARN key: the first candidate is the principal-based NotPrincipal form,
  // the last adds the request's IP to the exception list (which exempts that source for everyone)
  tt.equal(deny!.form, 'not-principal');
  tt.same(deny!.snippet.NotPrincipal, ['arn:sts::1234567890123456:assumed-role/backuprole/*']);
  const denyResult = evaluate({
    request: { ...req, context: { 'acs:SourceIp': '10.0.0.5' } },
    policies: {
      identity: [{ name: 'ram-policy', document: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*' }] } }],
      resource: {
        name: 'bucket-policy',
        document: {
          Version: '1',
          Statement: [
            { Effect: 'Deny', Principal: ['*'], Action: ['oss:PutObject'], Resource: ['acs:oss:*:*:backup-bucket/*'], Condition: { NotIpAddress: { 'acs:SourceIp': ['42.120.88.0/24'] } } },
          ],
        },
      },
    },
    dialect: 'alibaba',
  });
  const last = fixCandidates(denyResult, fixReq({ roleArn: role, action: 'oss:PutObject' })).at(-1)!;
  tt.equal(last.form, 'source-exception');
  tt.same((last.snippet.Condition as Record<string, Record<string, unknown>>).NotIpAddress, { 'acs:SourceIp': ['42.120.88.0/24', '10.0.0.5'] });
  tt.match(last.summary, /every principal/);
  // a Deny whose condition is not a negation: keep it, explain it
  const plain = run(
    { ...req, context: { 'acs:SourceVpc': 'vpc-other' } },
    {
      resource: {
        name: 'bucket-policy',
        document: {
          Version: '1',
          Statement: [{ Effect: 'Deny', Principal: ['*'], Action: 'oss:*', Resource: '*', Condition: { StringEquals: { 'acs:SourceVpc': 'vpc-other' } } }],
        },
      },
    },
    fixReq({ roleArn: role, action: 'oss:PutObject' }),
    'alibaba',
  );
  tt.match(plain!.summary, /Keep the Deny/);
  // trust failure names the caller in a RAM principal
  const trust = run(
    { action: 'sts:AssumeRole', resource: role, principal: { arn: 'acs:ram::1234567890123456:user/alice' } },
    { trust: { name: 'trust-policy', document: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: ['acs:ram::1234567890123456:user/bob'] } }] } } },
    fixReq({ roleArn: role, action: 'sts:AssumeRole' }),
    'alibaba',
  );
  tt.same(trust!.snippet, { Effect: 'Allow', Principal: { RAM: ['acs:ram::1234567890123456:user/alice'] }, Action: 'sts:AssumeRole' });
  const assume = run(
    { action: 'sts:AssumeRole', resource: role, principal: { arn: 'acs:ram::1234567890123456:user/alice' } },
    { trust: { name: 'trust-policy', document: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: ['acs:ram::1234567890123456:root'] } }] } } },
    fixReq({ roleArn: role, action: 'sts:AssumeRole' }),
    'alibaba',
  );
  tt.equal(assume!.policy, 'identity');
  tt.same(assume!.snippet, { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: role }] });
  const xacct = run({ ...req, resourceAccount: '9999999999999999' }, { identity: [{ name: 'ram', document: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:PutObject', Resource: '*' }] } }] }, fixReq({ roleArn: role, action: 'oss:PutObject' }), 'alibaba');
  // OSS names a role's sessions as arn:sts::UID:assumed-role/ROLE/* in a bucket-policy Principal
  tt.same(xacct!.snippet.Principal, ['arn:sts::1234567890123456:assumed-role/backuprole/*']);
  for (const f of [fix, list, buckets, trust, assume, xacct]) assertSafe(tt, f, 'alibaba');
});

// EC 0030-00000008 (help.aliyun.com/zh/oss/user-guide/0030-00000008; "Bucket Policy", Important): OSS
// refuses a bucket-policy statement whose Condition uses acs:SourceIp without acs:SourceVpc. A fix that
// keeps such a statement could never be applied on OSS, however safe it evaluates: the proof rejects it.
t.test('alibaba on oss: a bucket-policy candidate with acs:SourceIp but no acs:SourceVpc is rejected (0030-00000008)', async (tt) => {
  const role = 'acs:ram::1234567890123456:role/backuprole';
  const request: RequestContext = {
    action: 'oss:PutObject',
    resource: 'acs:oss:cn-hangzhou:1234567890123456:backup-bucket/canary/x',
    principal: { arn: 'acs:ram::1234567890123456:assumed-role/backuprole/canary-1', roleArn: role },
    resourceAccount: '1234567890123456',
    context: { 'acs:SourceIp': '10.0.0.5' },
    absent: ['acs:SourceVpc'], // a request from the internet: no VPC
  };
  const bucketPolicy = (condition: Record<string, unknown>) => ({
    name: 'bucket-policy',
    document: {
      Version: '1',
      Statement: [
        // names the backup role's sessions and another account: removing the role from the list keeps
        // every other principal exactly as denied, so only the store rule can reject it
        { Effect: 'Deny', Principal: ['arn:sts::1234567890123456:assumed-role/backuprole/*', '2999999999999999'], Action: ['oss:PutObject'], Resource: ['acs:oss:*:*:backup-bucket/*'], Condition: condition },
      ],
    },
  });
  const prove = (condition: Record<string, unknown>) => {
    const policies: PolicySet = {
      identity: [{ name: 'ram-policy', document: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:backup-bucket/*' }] } }],
      resource: bucketPolicy(condition),
    };
    const input = { request, policies, dialect: 'alibaba' as const };
    const result = evaluate(input);
    tt.equal(result.decision, 'explicit-deny');
    return provenFix(input, result, fixReq({ roleArn: role, action: 'oss:PutObject' }), storeSemantics('alibaba', 'oss'))!;
  };
  const ipOnly = prove({ NotIpAddress: { 'acs:SourceIp': ['42.120.88.0/24'] } });
  const removal = ipOnly.proof.candidates.find((c) => c.form === 'remove-role-from-principal')!;
  tt.ok(removal, 'the removal candidate was tried');
  tt.equal(removal.shown, false, 'not shown: OSS would refuse the changed policy');
  tt.match(removal.checks.find((c) => c.check === 'store-supports'), { ok: false, detail: /statement #0: OSS refuses a bucket policy that uses acs:SourceIp without acs:SourceVpc \(EC 0030-00000008\)/ });
  // it is rejected by that rule alone: the role gets through and nobody else does
  tt.match(removal.checks.find((c) => c.check === 'role-allowed'), { ok: true });
  tt.match(removal.checks.find((c) => c.check === 'others-unchanged'), { ok: true });
  tt.equal(ipOnly.safe, false);
  tt.match(ipOnly.summary, /0030-00000008/, 'the reason is in what the user reads');
  // the same Deny written as OSS documents it (acs:SourceVpc beside acs:SourceIp): the removal is shown
  const withVpc = prove({ NotIpAddress: { 'acs:SourceIp': ['42.120.88.0/24'] }, StringNotLike: { 'acs:SourceVpc': ['vpc-*'] } });
  tt.equal(withVpc.safe, true);
  tt.equal(withVpc.form, 'remove-role-from-principal');
  tt.same(withVpc.snippet.Principal, ['2999999999999999']);
  tt.match(withVpc.proof.candidates.at(-1)!.checks.find((c) => c.check === 'store-supports'), { ok: true });
});

// Property: over every fixture case that ends in a denial, the proposed fix never suggests a wildcard
// action, a "*" resource or a managed full-access policy.
t.test('no fix for any fixture case suggests wildcards or full-access policies', async (tt) => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'explain');
  let checked = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const data = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      defaults?: { dialect?: 'aws' | 'alibaba'; request?: Partial<RequestContext> };
      cases: Array<{ name: string; dialect?: 'aws' | 'alibaba'; request?: Partial<RequestContext>; policies: PolicySet; expect: { error?: string } }>;
    };
    for (const c of data.cases) {
      if (c.expect.error) continue;
      const request = { ...data.defaults?.request, ...c.request } as RequestContext;
      const dialect = c.dialect ?? data.defaults?.dialect ?? 'aws';
      const result = evaluate({ request, policies: c.policies, dialect });
      const fix = proposeFix(result, {
        action: request.action,
        bucket: 'backup-bucket',
        prefix: 'canary/',
        roleArn: dialect === 'alibaba' ? 'acs:ram::1234567890123456:role/backuprole' : ROLE,
        sessionName: 'canary-1',
      });
      if (result.decision === 'implicit-deny' || result.decision === 'explicit-deny') {
        tt.ok(fix, `${file}: ${c.name}: a denial gets a fix`);
        checked++;
      }
      assertSafe(tt, fix, `${file}: ${c.name}`);
    }
  }
  tt.ok(checked > 50, `checked ${checked} denied cases`);
});
