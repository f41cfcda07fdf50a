// Issue 12 item 2 on Alibaba Cloud: the source IP OSS saw, from the EncodedDiagnosticMessage of its
// AccessDeniedDetail decoded with RAM DecodeDiagnosticMessage. The OSS test server enforces the bucket
// policy's Deny statements itself (policy-enforce.ts, independent of src/explain) and encodes what it
// evaluated; its RAM endpoint decodes it for callers whose own RAM policies allow
// ram:DecodeDiagnosticMessage. Real ali-oss, @alicloud/sts20150401 and @alicloud/ram20150501 clients,
// through the core's probe with the AlibabaAdapter and AlibabaExplainer. (The CLI has no flag for the
// RAM endpoint: it always calls ram.aliyuncs.com, so this test drives the explainer directly.)
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probe } from '../../src/core/probe.js';
import { loadDefinition } from '../../src/core/definition.js';
import { newRunId } from '../../src/core/canary.js';
import type { RunResult } from '../../src/core/model.js';
import { AlibabaAdapter } from '../../src/providers/alibaba/adapter.js';
import { AlibabaExplainer, type AlibabaExplainOptions } from '../../src/providers/alibaba/explain.js';
import { FORMATS, singleRun } from '../../src/report/index.js';
import { startOssServer } from '../oss-server/index.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { schema } from '../fixtures/reports/load.js';

const ACCOUNT = '1234567890123456';
const ROLE = `acs:ram::${ACCOUNT}:role/polardb-backup`;
const DECODER = { accessKeyId: 'TESTOSSDECODER01', accessKeySecret: 'local-test-secret-decoder-01' };
const PLAIN = { accessKeyId: 'TESTOSSPLAIN01', accessKeySecret: 'local-test-secret-plain-01' };
const BUCKET = 'polardb-backups';
const PREFIX = 'polardb/nightly/';

const server = await startOssServer({ enforceBucketPolicy: true });
t.teardown(() => server.stop());
const userArn = (name: string) => `acs:ram::${ACCOUNT}:user/${name}`;
server.addAccessKey({ ...DECODER, principal: { type: 'user', arn: userArn('backup-operator'), uid: '200000000000000001', displayName: 'backup-operator', ramActions: ['ram:DecodeDiagnosticMessage'] } });
server.addAccessKey({ ...PLAIN, principal: { type: 'user', arn: userArn('backup-plain'), uid: '200000000000000002', displayName: 'backup-plain' } });
server.addRole({ arn: ROLE, trusts: [userArn('backup-operator'), userArn('backup-plain')] });
server.state.createBucket(BUCKET);

// Writes only from the office network or VPC (acs:SourceIp with acs:SourceVpc, EC 0030-00000008).
// The canary calls from 127.0.0.1, through no VPC: the server's own enforcement denies its writes.
const OFFICE_ONLY = {
  Version: '1',
  Statement: [
    {
      Sid: 'OfficeOnly',
      Effect: 'Deny',
      Principal: ['*'],
      Action: ['oss:PutObject'],
      Resource: [`acs:oss:*:${ACCOUNT}:${BUCKET}/*`],
      Condition: { NotIpAddress: { 'acs:SourceIp': ['203.0.113.0/24'] }, StringNotEquals: { 'acs:SourceVpc': ['vpc-office01'] } },
    },
  ],
};

async function run(creds: typeof DECODER, over: Partial<AlibabaExplainOptions> = {}): Promise<{ json: RunResult; by: Record<string, RunResult['checks'][number]> }> {
  const adapter = new AlibabaAdapter({
    bucket: BUCKET, prefix: PREFIX, region: 'cn-hangzhou', endpoint: server.ossEndpoint, stsEndpoint: server.stsEndpoint,
    internal: false, roleArn: ROLE, sessionName: 'backup-canary-diag', externalId: null, durationSeconds: 900,
    sessionPolicy: null, profile: null, timeoutMs: 10_000, maxAttempts: 1, credentials: creds,
  });
  const explainer = new AlibabaExplainer(adapter, {
    bucket: BUCKET, prefix: PREFIX, region: 'cn-hangzhou', endpoint: server.ossEndpoint, timeoutMs: 10_000, roleArn: ROLE,
    sessionName: 'backup-canary-diag', externalId: null, sessionPolicy: null, explainProfile: null, sourceIp: null,
    sourceVpc: null, callerArn: null, scpFiles: [], ramEndpoint: server.ramEndpoint, ...over,
  });
  try {
    const json = await probe({
      adapter,
      explainer,
      version: 'test',
      target: { provider: 'alibaba', bucket: BUCKET, prefix: PREFIX, region: 'cn-hangzhou', endpoint: server.ossEndpoint, role: ROLE, probe: 'default' },
      plan: { prefix: PREFIX, runId: newRunId(), partSize: 5 * 1024 * 1024, quick: true, assume: true, expectations: loadDefinition('default').checks },
    });
    return { json, by: Object.fromEntries(json.checks.map((c) => [c.id, c])) };
  } finally {
    adapter.close();
  }
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validate = ajv.compile(schema());
const schemaErrors = (doc: unknown) => (validate(doc) ? [] : [...(validate.errors ?? [])]);

const decodeCalls = () => server.state.requests.filter((r) => r.api === 'DecodeDiagnosticMessage');

t.beforeEach(() => {
  server.script.reset();
  server.state.setBucketPolicy(BUCKET, OFFICE_ONLY);
  server.state.clearRequests();
});

t.test('explain credentials that may decode: the source IP OSS saw is evaluated and the Deny statement matched', async (t) => {
  const { json, by } = await run(DECODER);
  const put = by['put-object']!;
  t.match(put, { outcome: 'denied', denial: { ec: '0003-00000101', source: 'resource-policy', explicit: true, accessDeniedDetail: { PolicyType: 'BucketPolicy' } } });
  t.match(put.explain, { decision: 'explicit-deny', decidedBy: 'resource-policy', statement: { policy: 'bucket-policy', sid: 'OfficeOnly', effect: 'Deny' } });
  t.match(put.explain!.conditions, [
    { key: 'acs:SourceIp', operator: 'NotIpAddress', requestValues: ['127.0.0.1'], result: true },
    { key: 'acs:SourceVpc', operator: 'StringNotEquals', requestValues: null, result: true },
  ]);
  t.notOk(put.explain!.undeterminedKeys?.includes('acs:SourceIp'), 'acs:SourceIp is known: the store told it');
  t.match(put.explain!.storeDiagnostic, {
    via: 'ram:DecodeDiagnosticMessage',
    decoded: true,
    explicitDeny: true,
    policyType: 'BucketPolicy',
    authAction: 'oss:PutObject',
    authResource: new RegExp(`^acs:oss:\\*:${ACCOUNT}:${BUCKET}/${PREFIX}`),
    conditions: [{ key: 'acs:SourceIp', values: ['127.0.0.1'] }, { key: 'acs:SourceVpc', values: [] }],
  });
  t.ok(put.explain!.storeDiagnostic!.filled!.includes('acs:SourceIp'));
  t.notOk(put.explain!.mismatch, 'the store and the evaluation agree');
  t.notOk(put.explain!.storeDiagnostic!.mismatch);
  t.equal((put.explain!.input!.request.context as Record<string, unknown>)['acs:SourceIp'], '127.0.0.1', 'the evaluated request record holds the address');

  // once per distinct message, and every denial that carried one has its record
  const denied = json.checks.filter((c) => c.outcome === 'denied' && c.denial?.accessDeniedDetail?.EncodedDiagnosticMessage);
  t.ok(denied.length >= 1);
  t.equal(decodeCalls().length, new Set(denied.map((c) => c.denial!.accessDeniedDetail!.EncodedDiagnosticMessage)).size);
  for (const c of denied) t.equal(c.explain?.storeDiagnostic?.decoded, true, c.id);

  const input = singleRun(json);
  const text = FORMATS.text!(input, { color: false });
  t.comment(text);
  t.match(text, /store diagnostic \(ram:DecodeDiagnosticMessage\): explicit deny by BucketPolicy; it evaluated acs:SourceIp=127\.0\.0\.1, acs:SourceVpc \(none\)/);
  t.match(FORMATS.markdown!(input, { color: false }), /store diagnostic \(ram:DecodeDiagnosticMessage\): explicit deny by BucketPolicy/);
  const fromJson = JSON.parse(FORMATS.json!(input, { color: false })) as RunResult;
  t.match(fromJson.checks.find((c) => c.id === 'put-object')!.explain!.storeDiagnostic, { decoded: true, policyType: 'BucketPolicy' });
  t.same(schemaErrors(fromJson), [], 'the JSON report with a decoded record validates against the schema');
});

t.test('explain credentials that may not decode: acs:SourceIp stays undetermined, the report names ram:DecodeDiagnosticMessage', async (t) => {
  const { json, by } = await run(PLAIN);
  const put = by['put-object']!;
  t.equal(put.outcome, 'denied');
  t.match(put.explain, { decision: 'undetermined', undeterminedKeys: ['acs:SourceIp'] });
  t.match(put.explain!.summary, /hinges on acs:SourceIp/);
  t.match(put.explain!.statement, { sid: null, effect: null }, 'no Deny statement is named from a guess');
  t.notOk(put.explain!.conditions, 'no decisive statement, so no conditions shown as matched');
  t.match(put.explain!.storeDiagnostic, {
    via: 'ram:DecodeDiagnosticMessage',
    decoded: false,
    error: /ram:DecodeDiagnosticMessage was refused: NoPermission 403: You are not authorized to do this action/,
    readWith: /^ram:DecodeDiagnosticMessage for the explain credentials/,
  });
  t.notOk(put.explain!.storeDiagnostic!.filled);
  t.match(json.explain!.warnings, [/control policies/, /acs:SourceIp is undetermined/, /ram:DecodeDiagnosticMessage was refused for the explain credentials/]);
  t.ok(decodeCalls().length >= 1 && decodeCalls().every((r) => r.status === 403), 'RAM refused each call');
  t.same(schemaErrors(JSON.parse(FORMATS.json!(singleRun(json), { color: false }))), [], 'a not-decoded record validates too');
  t.match(FORMATS.markdown!(singleRun(json), { color: false }), /store diagnostic not decoded: ram:DecodeDiagnosticMessage was refused/);
  const text = FORMATS.text!(singleRun(json), { color: false });
  t.match(text, /store diagnostic not decoded: ram:DecodeDiagnosticMessage was refused: .*; ram:DecodeDiagnosticMessage for the explain credentials .* would read it/);
});

t.test('the store contradicts the evaluation, and a --source-ip that is not what OSS saw: both reported', async (t) => {
  // OSS (scripted) says a RAM policy denied the write; the bucket policy read denies it too.
  server.script.deny({ action: 'oss:PutObject', principal: ROLE, ec: '0003-00000201' });
  const { by } = await run(DECODER, { sourceIp: '198.51.100.7' });
  const put = by['put-object']!;
  t.match(put.explain!.storeDiagnostic, { decoded: true, policyType: 'AccountLevelIdentityBasedPolicy' });
  t.match(put.explain!.storeDiagnostic!.mismatch, /the run was given acs:SourceIp=198\.51\.100\.7, but the store evaluated .*acs:SourceIp/);
  t.match(put.explain!.storeDiagnostic!.mismatch, /the store's diagnostic names AccountLevelIdentityBasedPolicy \(identity-policy\), the evaluation resource-policy/);
  t.match(put.explain!.mismatch, /the store's diagnostic names AccountLevelIdentityBasedPolicy/);
  t.match(put.explain!.conditions, [{ key: 'acs:SourceIp', requestValues: ['127.0.0.1'] }], "the store's address was evaluated, not --source-ip");
});

t.test('the explain credentials are --explain-profile when given: the source may not decode, the profile may', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bc-diag-'));
  const file = join(dir, 'credentials');
  writeFileSync(file, `[auditor]\ntype = access_key\naccess_key_id = ${DECODER.accessKeyId}\naccess_key_secret = ${DECODER.accessKeySecret}\n[nodecode]\ntype = access_key\naccess_key_id = ${PLAIN.accessKeyId}\naccess_key_secret = ${PLAIN.accessKeySecret}\n`);
  const saved = { creds: process.env.ALIBABA_CLOUD_CREDENTIALS_FILE, config: process.env.ALIBABA_CLOUD_CONFIG_FILE };
  process.env.ALIBABA_CLOUD_CREDENTIALS_FILE = file;
  process.env.ALIBABA_CLOUD_CONFIG_FILE = join(dir, 'no-config.json');
  t.teardown(() => {
    for (const [k, v] of [['ALIBABA_CLOUD_CREDENTIALS_FILE', saved.creds], ['ALIBABA_CLOUD_CONFIG_FILE', saved.config]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const { by } = await run(PLAIN, { explainProfile: 'auditor' });
  const put = by['put-object']!;
  t.match(put.explain, { decision: 'explicit-deny', storeDiagnostic: { decoded: true, policyType: 'BucketPolicy' } });
  t.ok(decodeCalls().every((r) => r.accessKeyId === DECODER.accessKeyId && r.status === 200), 'decoded with the profile, not the source credentials');

  // and a profile that may not decode is named in what would read it
  const { by: by2 } = await run(DECODER, { explainProfile: 'nodecode' });
  t.match(by2['put-object']!.explain, { decision: 'undetermined', storeDiagnostic: { decoded: false, error: /was refused: NoPermission 403/, readWith: 'ram:DecodeDiagnosticMessage for the --explain-profile nodecode credentials' } });
});

t.test('a response that names no source: the decoded policy type is the evidence for it', async (t) => {
  // OSS answered 0003-00000001 with an AccessDeniedDetail whose PolicyType is empty; the diagnostic
  // it returned names the bucket policy (encoded by the server, as any refusal's).
  const encoded = server.state.diagnostics.encode({
    ExplicitDeny: true,
    NoPermissionPolicyType: 'BucketPolicy',
    AuthAction: 'oss:PutObject',
    AuthResource: `acs:oss:*:${ACCOUNT}:${BUCKET}/${PREFIX}x`,
    AuthPrincipal: { AuthPrincipalType: 'AssumedRoleUser', AuthPrincipalOwnerId: ACCOUNT, AuthPrincipalDisplayName: 'polardb-backup:backup-canary-diag' },
    AuthConditions: [{ ConditionKey: 'acs:SourceIp', ConditionValues: ['127.0.0.1'] }, { ConditionKey: 'acs:SourceVpc', ConditionValues: [] }],
    MatchedPolicies: [],
  });
  server.script.deny({ action: 'oss:PutObject', principal: ROLE, ec: '0003-00000001', message: 'You have no right to access this object.', accessDeniedDetail: { PolicyType: '', EncodedDiagnosticMessage: encoded } });
  const { by } = await run(DECODER);
  const put = by['put-object']!;
  t.match(put.denial, { source: 'unknown', explicit: true }, 'the response named no policy (NoPermissionType says explicit); the denial keeps that');
  t.match(put.explain!.source, { source: 'resource-policy', explicit: true, why: /decoded diagnostic \(ram:DecodeDiagnosticMessage\) names BucketPolicy, explicit deny/ });
  t.match(put.explain, { decision: 'explicit-deny', statement: { sid: 'OfficeOnly' } });
});
