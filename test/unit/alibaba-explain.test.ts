// --explain for OSS: the bucket policy is read from the OSS test server through ali-oss; the role's
// trust and RAM policies through the real @alicloud/ram20150501 client from a minimal local RAM
// endpoint (GetRole, ListPoliciesForRole, GetPolicy; JSON as the OpenAPI documents it, signatures
// not checked). The probe runs through the core with the AlibabaAdapter and AlibabaExplainer.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { probe } from '../../src/core/probe.js';
import { loadDefinition } from '../../src/core/definition.js';
import { newRunId } from '../../src/core/canary.js';
import type { RunResult } from '../../src/core/model.js';
import type { Explainer } from '../../src/core/explainer.js';
import { AlibabaAdapter } from '../../src/providers/alibaba/adapter.js';
import { AlibabaExplainer, type AlibabaExplainOptions, sessionArnForEvaluation } from '../../src/providers/alibaba/explain.js';
import { startOssServer } from '../oss-server/index.js';

const ACCOUNT = '1234567890123456';
const ROLE = `acs:ram::${ACCOUNT}:role/polardb-backup`;
const USER = `acs:ram::${ACCOUNT}:user/backup-operator`;
const OUTSIDER_USER = `acs:ram::${ACCOUNT}:user/someone-else`;
const SOURCE = { accessKeyId: 'TESTOSSSOURCEKEY01', accessKeySecret: 'local-test-secret-source-01' };
const OUTSIDER = { accessKeyId: 'TESTOSSOUTSIDER01', accessKeySecret: 'local-test-secret-outsider-01' };
const BUCKET = 'polardb-backups';
const PREFIX = 'polardb/nightly/';

const server = await startOssServer();
t.teardown(() => server.stop());
server.addAccessKey({ ...SOURCE, principal: { type: 'user', arn: USER, uid: '200000000000000001', displayName: 'backup-operator' } });
server.addAccessKey({ ...OUTSIDER, principal: { type: 'user', arn: OUTSIDER_USER, uid: '200000000000000002', displayName: 'someone-else' } });
server.addRole({ arn: ROLE, trusts: [USER] });
server.state.createBucket(BUCKET);

const OFFICE_ONLY = {
  Version: '1',
  Statement: [
    {
      Sid: 'OfficeOnly',
      Effect: 'Deny',
      Action: ['oss:PutObject'],
      Principal: ['*'],
      Resource: [`acs:oss:*:${ACCOUNT}:${BUCKET}/*`],
      Condition: { NotIpAddress: { 'acs:SourceIp': ['203.0.113.0/24'] } },
    },
  ],
};
const ROLE_POLICY = (actions: string[]) => ({
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: actions, Resource: [`acs:oss:*:*:${BUCKET}/${PREFIX}*`] },
    { Effect: 'Allow', Action: ['oss:ListObjects', 'oss:ListMultipartUploads'], Resource: [`acs:oss:*:*:${BUCKET}`] },
  ],
});
const ALL_OBJECT_ACTIONS = ['oss:PutObject', 'oss:GetObject', 'oss:ListParts', 'oss:AbortMultipartUpload', 'oss:DeleteObject'];

/** What the fake RAM answers; tests change it. */
const ram = {
  trust: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [USER] } }] } as object,
  policies: { 'polardb-backup-write': ROLE_POLICY(ALL_OBJECT_ACTIONS) } as Record<string, object>,
  denyGetRole: false,
  denyListPolicies: false,
  calls: [] as string[],
};
const ramServer = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const action = String(req.headers['x-acs-action'] ?? '');
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    ram.calls.push(action);
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify({ RequestId: 'RAM-REQ-1', ...body }));
    };
    if (action === 'GetRole') {
      if (ram.denyGetRole) return send(403, { Code: 'NoPermission', Message: 'You are not authorized to do this action. You should be authorized by RAM.' });
      return send(200, { Role: { RoleName: q.get('RoleName'), Arn: ROLE, AssumeRolePolicyDocument: JSON.stringify(ram.trust) } });
    }
    if (action === 'ListPoliciesForRole') {
      if (ram.denyListPolicies) return send(403, { Code: 'NoPermission', Message: 'You are not authorized to do this action. You should be authorized by RAM.' });
      const policy = [...Object.keys(ram.policies), 'retired-policy'].map((name) => ({ PolicyName: name, PolicyType: 'Custom', DefaultVersion: 'v1' }));
      return send(200, { Policies: { Policy: policy } });
    }
    if (action === 'GetPolicy') {
      const doc = ram.policies[q.get('PolicyName') ?? ''];
      if (!doc) return send(404, { Code: 'EntityNotExist.Policy', Message: 'The policy does not exist.' });
      return send(200, { Policy: { PolicyName: q.get('PolicyName'), PolicyType: 'Custom' }, DefaultPolicyVersion: { VersionId: 'v1', IsDefaultVersion: true, PolicyDocument: JSON.stringify(doc) } });
    }
    return send(404, { Code: 'InvalidAction.NotFound', Message: `Specified api is not found: ${action}` });
  });
});
await new Promise<void>((r) => ramServer.listen(0, '127.0.0.1', r));
t.teardown(() => ramServer.close());
const ramEndpoint = `http://127.0.0.1:${(ramServer.address() as AddressInfo).port}`;

async function run(over: Partial<AlibabaExplainOptions> = {}, creds = SOURCE, wrap?: (e: AlibabaExplainer) => Explainer): Promise<{ json: RunResult; by: Record<string, RunResult['checks'][number]> }> {
  const adapter = new AlibabaAdapter({
    bucket: BUCKET, prefix: PREFIX, region: 'cn-hangzhou', endpoint: server.ossEndpoint, stsEndpoint: server.stsEndpoint,
    internal: false, roleArn: ROLE, sessionName: 'backup-canary-explain', externalId: over.externalId ?? null, durationSeconds: 900,
    sessionPolicy: null, profile: null, timeoutMs: 10_000, maxAttempts: 1, credentials: creds,
  });
  const explainer = new AlibabaExplainer(adapter, {
    bucket: BUCKET, prefix: PREFIX, region: 'cn-hangzhou', endpoint: server.ossEndpoint, timeoutMs: 10_000, roleArn: ROLE,
    sessionName: 'backup-canary-explain', externalId: null, sessionPolicy: null, explainProfile: null, sourceIp: null,
    sourceVpc: null, callerArn: null, scpFiles: [], ramEndpoint, ...over,
  });
  try {
    const json = await probe({
      adapter,
      explainer: wrap ? wrap(explainer) : explainer,
      version: 'test',
      target: { provider: 'alibaba', bucket: BUCKET, prefix: PREFIX, region: 'cn-hangzhou', endpoint: server.ossEndpoint, role: ROLE, probe: 'default' },
      plan: { prefix: PREFIX, runId: newRunId(), partSize: 5 * 1024 * 1024, quick: true, assume: true, expectations: loadDefinition('default').checks },
    });
    return { json, by: Object.fromEntries(json.checks.map((c) => [c.id, c])) };
  } finally {
    adapter.close();
  }
}

t.beforeEach(() => {
  server.script.reset();
  server.state.setBucketPolicy(BUCKET, undefined);
  ram.policies = { 'polardb-backup-write': ROLE_POLICY(ALL_OBJECT_ACTIONS) };
  ram.trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [USER] } }] };
  ram.denyGetRole = false;
  ram.denyListPolicies = false;
});

t.test('a healthy role: every check allowed by the policies read, nothing mismatched', async (t) => {
  const { json } = await run({ sourceIp: '198.51.100.7' });
  t.equal(json.verdict, 'pass');
  t.same(json.explain!.read, ['bucket-policy (none set)', 'trust-policy', 'ram-policy:Custom:polardb-backup-write']);
  t.same(json.explain!.notVisible.map((n) => n.policy), ['ram-policy:Custom:retired-policy']);
  t.match(json.explain!.notVisible[0]!.why, /EntityNotExist\.Policy 404/);
  t.match(json.explain!.warnings, [/control policies/]);
  for (const c of json.checks) {
    t.equal(c.explain?.decision, 'allowed', c.id);
    t.notOk(c.explain?.mismatch, `${c.id}: no mismatch`);
  }
  t.match(json.checks[0]!.explain!.summary, /trust policy of .* admits acs:ram::1234567890123456:user\/backup-operator \(the caller's own RAM policies were not read\)/);
});

t.test('the seed story with --explain: the office-IP Deny named, its condition shown, OSS and the evaluation agree', async (t) => {
  server.state.setBucketPolicy(BUCKET, OFFICE_ONLY);
  server.script.deny({ action: 'oss:PutObject', principal: ROLE, bucket: BUCKET });
  const { json, by } = await run({ sourceIp: '198.51.100.7' });
  t.equal(json.verdict, 'fail');
  t.same(json.explain!.read.slice(0, 2), ['bucket-policy', 'trust-policy']);
  const put = by['put-object']!;
  t.match(put.explain, { decision: 'explicit-deny', decidedBy: 'resource-policy' });
  t.notOk(put.explain!.mismatch);
  t.match(put.denial, { source: 'resource-policy', explicit: true, ec: '0003-00000101' });
  t.match(put.explain, {
    statement: { policy: 'bucket-policy', sid: 'OfficeOnly', effect: 'Deny' },
    conditions: [{ key: 'acs:SourceIp', operator: 'NotIpAddress', policyValues: ['203.0.113.0/24'], requestValues: ['198.51.100.7'], result: true }],
  });
  t.notOk(put.explain!.source, 'OSS named the source: the evaluation does not restate it');
  t.notOk('fix' in put.denial! || 'statement' in put.denial!, 'the denial is as the classifier made it');
  // On OSS no exemption can be proven safe for a Principal "*" Deny: NotPrincipal is not documented, and
  // adding the role's source address exempts everyone from that address (issue 12 item 6).
  t.match(put.explain!.fix, { safe: false, snippet: {} });
  t.match(put.explain!.fix!.summary, /no change could be proven safe on oss/);
  const forms = put.explain!.fix!.proof!.candidates.map((c) => [c.form, c.shown]);
  t.same(forms, [['not-principal', false], ['source-exception', false]]);
  // NotPrincipal is not an element of OSS policies ("OSS authorization syntax and elements" lists
  // Effect, Action, Principal, Resource, Condition): the capability rule rejects that candidate, by name
  const notPrincipal = put.explain!.fix!.proof!.candidates[0]!.checks.find((c) => c.check === 'store-supports');
  t.match(notPrincipal, { ok: false, detail: /^oss does not document NotPrincipal(;|$)/ });
  t.match(put.explain!.fix!.summary, /not-principal: oss does not document NotPrincipal/);
  const sourceException = put.explain!.fix!.proof!.candidates[1]!.checks.find((c) => c.check === 'others-unchanged');
  t.match(sourceException, { ok: false, detail: /another RAM user of the account goes from explicit-deny to allowed \(acs:SourceIp=198\.51\.100\.7\)/ });
  t.equal(by['list-prefix']!.explain?.decision, 'allowed');
});

t.test('without --source-ip the office-IP condition is undetermined, and the OSS hint stays', async (t) => {
  server.state.setBucketPolicy(BUCKET, OFFICE_ONLY);
  server.script.deny({ action: 'oss:PutObject', principal: ROLE, bucket: BUCKET });
  const { json, by } = await run();
  t.match(json.explain!.warnings, [/control policies/, /acs:SourceIp is undetermined/]);
  t.match(by['put-object']!.explain, { decision: 'undetermined', undeterminedKeys: ['acs:SourceIp'] });
  t.match(by['put-object']!.denial!.hint, /add an exception for the backup role rather than removing it/);
});

t.test("OSS's PolicyType and the evaluation disagree: OSS wins, the disagreement is shown", async (t) => {
  // The role's RAM policy lacks oss:ListParts; OSS (scripted) blames the bucket policy.
  ram.policies = { 'polardb-backup-write': ROLE_POLICY(['oss:PutObject', 'oss:GetObject', 'oss:AbortMultipartUpload', 'oss:DeleteObject']) };
  server.script.deny({ action: 'oss:ListParts', principal: ROLE });
  // OSS says RAM denied the abort, but the RAM policy read allows it: something unseen decided.
  server.script.deny({ action: 'oss:AbortMultipartUpload', principal: ROLE, ec: '0003-00000201', accessDeniedDetail: { NoPermissionType: 'ImplicitDeny' } });
  const { by } = await run({ sourceIp: '198.51.100.7' });
  const parts = by['multipart-list-parts']!;
  t.equal(parts.denial!.source, 'resource-policy', 'the response stands');
  t.match(parts.explain!.mismatch, /the response names resource-policy.*the evaluation found implicit-deny in identity-policy; the response stands/);
  const abort = by['multipart-abort']!;
  t.equal(abort.denial!.source, 'identity-policy');
  t.match(abort.explain!.mismatch, /the service denied oss:AbortMultipartUpload, but the policies read allow it/);
});

t.test('trust failure: the trust policy does not name the caller; the fix names it', async (t) => {
  const { by } = await run({ sourceIp: '198.51.100.7' }, OUTSIDER);
  const a = by['assume-role']!;
  // the caller's own RAM policies are not read: denied either way, but whether explicitly is unknown.
  // NoPermission names no single cause: the denial keeps that, the evaluation names the trust policy.
  t.match(a, { outcome: 'denied', denial: { source: 'unknown', code: 'NoPermission' }, explain: { decision: 'undetermined', decidedBy: 'trust-policy', source: { source: 'trust-policy', explicit: null } } });
  t.match(a.explain!.unread, [{ policy: `the RAM policies of ${OUTSIDER_USER}` }]);
  t.match(a.explain!.fix, { policy: 'trust', snippet: { Effect: 'Allow', Principal: { RAM: [OUTSIDER_USER] }, Action: 'sts:AssumeRole' } });
});

t.test("the trust policy admits the caller, yet STS says NoPermission: the caller's own RAM policy", async (t) => {
  ram.trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACCOUNT}:root`] } }] };
  const { by } = await run({}, OUTSIDER);
  const a = by['assume-role']!;
  // STS's word stays on the denial; the evaluation's reading of it is recorded, with why
  t.match(a, { outcome: 'denied', explain: { decision: 'undetermined', decidedBy: 'trust-policy', source: { source: 'identity-policy' }, fix: { policy: 'identity' } }, denial: { source: 'unknown', code: 'NoPermission' } });
  t.match(a.explain!.source!.why, /admits acs:ram::1234567890123456:user\/someone-else, so STS's NoPermission comes from the caller's side/);
  t.match(a.explain!.fix!.summary, /admits acs:ram::1234567890123456:user\/someone-else, so STS's NoPermission comes from the caller's side/);
});

t.test('RAM not readable: reported as not visible, nothing invented', async (t) => {
  ram.denyGetRole = true;
  const { json, by } = await run({ sourceIp: '198.51.100.7' });
  t.match(json.explain!.notVisible, [{ policy: 'ram-policy:Custom:retired-policy' }, { policy: 'trust-policy (GetRole)', why: /NoPermission 403: You are not authorized/ }]);
  t.match(by['assume-role']!.explain, { decision: 'undetermined', summary: /trust policy could not be read/ });
});

t.test('session ARNs are evaluated in the assumed-role form', async (t) => {
  t.equal(sessionArnForEvaluation(`acs:ram::${ACCOUNT}:role/polardb-backup/s1`), `acs:ram::${ACCOUNT}:assumed-role/polardb-backup/s1`);
  t.equal(sessionArnForEvaluation(`acs:ram::${ACCOUNT}:assumed-role/polardb-backup/s1`), `acs:ram::${ACCOUNT}:assumed-role/polardb-backup/s1`);
  t.equal(sessionArnForEvaluation('something-else'), 'something-else');
});

t.test('acs:AccessId is known (the session key the adapter received): a Deny on another key id does not leave the check undetermined', async (t) => {
  server.state.setBucketPolicy(BUCKET, {
    Version: '1',
    Statement: [{ Sid: 'RevokedKey', Effect: 'Deny', Action: ['oss:PutObject'], Principal: ['*'], Resource: [`acs:oss:*:${ACCOUNT}:${BUCKET}/*`], Condition: { StringEquals: { 'acs:AccessId': ['STS.revoked-key'] } } }],
  });
  const { by } = await run({ sourceIp: '198.51.100.7' });
  const put = by['put-object']!;
  t.equal(put.explain!.decision, 'allowed', put.explain!.summary);
  t.notOk(put.explain!.undeterminedKeys?.includes('acs:AccessId'));
  server.state.setBucketPolicy(BUCKET, undefined);
});

// Issue 12 item 5: one failure never loses the run. The AssumeRole explanation goes through the same
// lenient parse and error guard as the OSS checks (src/providers/alibaba/explain.ts explainAssume).
t.test('a trust policy the parser refuses: assume-role gets explain.error, the run goes on and every other check is explained', async (t) => {
  ram.trust = { Version: '2', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [USER] } }] };
  const { json, by } = await run({ sourceIp: '198.51.100.7' });
  const a = by['assume-role']!;
  t.equal(a.outcome, 'allowed', 'STS answered as usual');
  t.match(a.explain, { decision: 'undetermined', decidedBy: null, summary: /^not evaluated: / });
  t.match(a.explain!.error, /the evaluation of sts:AssumeRole on acs:ram::1234567890123456:role\/polardb-backup failed: .*"Version": "1"/);
  t.equal(json.verdict, 'pass');
  t.equal(by['put-object']!.explain?.decision, 'allowed', 'the next checks are still explained');
  t.equal(by['list-prefix']!.explain?.decision, 'allowed');
});

t.test('a trust policy with one unparsable Deny: reported as not evaluated with its index, never an error, never a guess', async (t) => {
  ram.trust = {
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [USER] } },
      { Effect: 'Deny', Action: 'sts:AssumeRole', Principal: { RAM: ['*'] }, Condition: { NoSuchOperator: { 'acs:SourceIp': ['10.0.0.1'] } } },
    ],
  };
  const { by } = await run({ sourceIp: '198.51.100.7' });
  const a = by['assume-role']!;
  t.notOk(a.explain!.error, a.explain!.error ?? 'no error');
  // the unread Deny could decide: undetermined, naming the statement that was not evaluated
  t.equal(a.explain!.decision, 'undetermined');
  t.match(a.explain!.summary, /trust-policy statement #1 \(not evaluated: .*unknown condition operator "NoSuchOperator"/);
  t.match(a.explain!.notEvaluated, [{ policy: 'trust-policy', index: 1 }]);
});

// The trust fix carries the run's --external-id (src/providers/alibaba/explain.ts passes it to the fix
// request; src/explain/fix.ts puts it in the statement and says so in the summary).
t.test('trust failure with an external id: the proposed trust statement requires sts:ExternalId', async (t) => {
  ram.trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [USER] }, Condition: { StringEquals: { 'sts:ExternalId': 'ext-1' } } }] };
  const { by } = await run({ sourceIp: '198.51.100.7', externalId: 'ext-1' }, OUTSIDER);
  const a = by['assume-role']!;
  t.match(a, { outcome: 'denied', explain: { decidedBy: 'trust-policy' } });
  t.same(a.explain!.fix!.snippet, { Effect: 'Allow', Principal: { RAM: [OUTSIDER_USER] }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'ext-1' } } });
  t.match(a.explain!.fix!.summary, /names only the caller and requires the external ID/);
  // without --external-id the same failure proposes no sts:ExternalId condition (nothing to put there)
  const { by: plain } = await run({ sourceIp: '198.51.100.7' }, OUTSIDER);
  t.notOk((plain['assume-role']!.explain!.fix!.snippet as Record<string, unknown>).Condition);
});

// Issue 12 item 1 on OSS: a policy that could decide but was not read makes the evaluation
// undetermined, names that policy and what would read it, and never blames (or fixes) the identity policy.
t.test('bucket policy unreadable: the denied write is undetermined, naming the bucket policy and oss:GetBucketPolicy; no identity blame', async (t) => {
  server.state.setBucketPolicy(BUCKET, OFFICE_ONLY);
  // the source credentials may not read the bucket policy; OSS denies the role's write by that policy
  server.script.deny({ action: 'oss:GetBucketPolicy', principal: USER });
  server.script.deny({ action: 'oss:PutObject', principal: ROLE, bucket: BUCKET, ec: '0003-00000001', accessDeniedDetail: {} });
  const { json, by } = await run({ sourceIp: '198.51.100.7' });
  t.match(json.explain!.notVisible, [{ policy: 'bucket-policy', why: /AccessDenied/ }]);
  t.notOk(json.explain!.read.some((r) => r.startsWith('bucket-policy')), 'the bucket policy was not read');
  const put = by['put-object']!;
  t.equal(put.outcome, 'denied');
  t.match(put.explain, { decision: 'undetermined', unread: [{ policy: 'bucket-policy', readWith: /oss:GetBucketPolicy for the source credentials, or an --explain-profile that has it/ }] });
  t.not(put.explain!.decidedBy, 'identity-policy', 'never blamed on the identity policy');
  t.not(put.explain!.source?.source, 'identity-policy');
  t.notOk(put.explain!.fix && put.explain!.fix.policy === 'identity', 'no identity-policy fix');
  t.notOk(put.explain!.fix && put.explain!.fix.policy === 'bucket', 'no fix for a policy that was not read');
  for (const c of json.checks) t.notOk(c.explain?.mismatch, `${c.id}: no false mismatch`);
});

t.test("the role's RAM policies unreadable: OSS checks undetermined, naming ListPoliciesForRole; never an identity-policy denial", async (t) => {
  ram.denyListPolicies = true;
  const { json, by } = await run({ sourceIp: '198.51.100.7' });
  t.match(json.explain!.notVisible, [{ policy: 'RAM policies of the role (ListPoliciesForRole)', why: /NoPermission 403/ }]);
  for (const id of ['put-object', 'get-object', 'list-prefix']) {
    const c = by[id]!;
    t.equal(c.outcome, 'allowed', `${id}: OSS allowed it`);
    t.match(c.explain, { decision: 'undetermined', unread: [{ policy: 'RAM policies of the role (ListPoliciesForRole)', readWith: /ram:ListPoliciesForRole and ram:GetPolicy/ }] }, id);
    t.notOk(c.explain!.mismatch, `${id}: no false mismatch`);
    t.notOk(c.explain!.fix, `${id}: no fix`);
  }
  // a denial with the RAM policies unread: undetermined, not "implicit deny by identity-policy"
  server.script.deny({ action: 'oss:DeleteObject', principal: ROLE, ec: '0003-00000001', accessDeniedDetail: {} });
  const { by: denied } = await run({ sourceIp: '198.51.100.7' });
  const del = Object.values(denied).find((c) => c.action === 'oss:DeleteObject' && c.outcome === 'denied')!;
  t.ok(del, 'a denied delete');
  t.match(del.explain, { decision: 'undetermined', unread: [{ policy: 'RAM policies of the role (ListPoliciesForRole)' }] });
  // the evaluation says what it hinges on (the unread layer), and names no statement and no source of its own
  t.match(del.explain!.summary, /hinges on RAM policies of the role \(ListPoliciesForRole\) \(not read: NoPermission 403/);
  t.notOk(del.explain!.statement, 'no statement named');
  t.notOk(del.explain!.source, 'no source inferred from policies that were not read');
  t.notOk(del.explain!.fix, 'no fix for a layer that was not read');
});

t.test('an explainer that throws anyway: the run keeps its results, says so, and marks each unexplained check', async (t) => {
  const { json, by } = await run({ sourceIp: '198.51.100.7' }, SOURCE, (e) => ({
    explain: async (r) => {
      await e.explain(r);
      for (const c of r.checks) if (c.id !== 'assume-role') delete c.explain;
      throw new Error('reading the policies failed half-way');
    },
  }));
  t.equal(json.verdict, 'pass', 'the results stand');
  t.match(json.explain!.warnings.at(-1), /^--explain failed: reading the policies failed half-way; the checks' own results stand$/);
  t.equal(by['assume-role']!.explain!.decision, 'allowed', 'what was explained stays');
  t.match(by['put-object']!.explain, { decision: 'undetermined', error: /the explanation failed before this check: reading the policies failed half-way/ });
});

t.test('the trust policy requires an external id and the run passed none: send --external-id, never a statement without it', async (t) => {
  ram.trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [USER] }, Condition: { StringEquals: { 'sts:ExternalId': 'ext-1' } } }] };
  const role = server.state.roles.get(ROLE.toLowerCase())!;
  role.externalId = 'ext-1'; // the test STS enforces the same requirement
  t.teardown(() => void delete role.externalId);
  const { by } = await run({ sourceIp: '198.51.100.7' });
  const a = by['assume-role']!;
  t.match(a, { outcome: 'denied', explain: { decidedBy: 'trust-policy' } });
  t.match(a.explain!.fix, { policy: 'trust', advice: true, safe: true, snippet: { ExternalId: 'ext-1' }, proof: { candidates: [{ form: 'external-id', shown: true }] } });
  t.match(a.explain!.fix!.summary, /admits the caller only with sts:ExternalId "ext-1" .*, and this run passed no --external-id: pass --external-id/);
  t.notOk(JSON.stringify(a.explain!.fix!.snippet).includes('"Effect"'), 'no trust statement proposed');
  // with the right --external-id the role is assumed and the trust policy admits the caller
  const { by: ok } = await run({ sourceIp: '198.51.100.7', externalId: 'ext-1' });
  t.equal(ok['assume-role']!.outcome, 'allowed');
  t.match(ok['assume-role']!.explain!.summary, /admits/);
});
