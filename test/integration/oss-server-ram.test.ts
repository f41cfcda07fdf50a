// The OSS test server's RAM endpoint (test/oss-server/ram.ts) and its bucket-policy enforcement
// (policy-enforce.ts), driven by the REAL ali-oss, @alicloud/sts20150401 and @alicloud/ram20150501
// clients: what OSS evaluated is encoded in EncodedDiagnosticMessage, and RAM DecodeDiagnosticMessage
// returns it to callers whose own RAM policies allow ram:DecodeDiagnosticMessage.
import t from 'tap';
import OSS from 'ali-oss';
import Sts, { AssumeRoleRequest } from '@alicloud/sts20150401';
import { DecodeDiagnosticMessageRequest } from '@alicloud/ram20150501';
import { ramClient } from '../../src/providers/alibaba/policies.js';
import { startOssServer } from '../oss-server/index.js';

const ACCOUNT = '1234567890123456';
const ROLE = `acs:ram::${ACCOUNT}:role/polardb-backup`;
const USER = `acs:ram::${ACCOUNT}:user/backup-operator`;
const BUCKET = 'polardb-backups';
const DECODER = { accessKeyId: 'TESTOSSDECODER01', accessKeySecret: 'local-test-secret-decoder-01' };
const PLAIN = { accessKeyId: 'TESTOSSPLAIN01', accessKeySecret: 'local-test-secret-plain-01' };

const server = await startOssServer({ enforceBucketPolicy: true });
t.teardown(() => server.stop());
server.addAccessKey({ ...DECODER, principal: { type: 'user', arn: USER, uid: '200000000000000001', displayName: 'backup-operator', ramActions: ['ram:DecodeDiagnosticMessage'] } });
server.addAccessKey({ ...PLAIN, principal: { type: 'user', arn: `acs:ram::${ACCOUNT}:user/plain`, uid: '200000000000000002', displayName: 'plain' } });
server.addRole({ arn: ROLE, trusts: [USER], ramActions: ['ram:*'] });
server.state.createBucket(BUCKET);

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

async function session() {
  const sts = new Sts.default({ ...DECODER, endpoint: server.stsHost, protocol: 'http', regionId: 'cn-hangzhou' } as unknown as ConstructorParameters<typeof Sts.default>[0]);
  const r = await sts.assumeRole(new AssumeRoleRequest({ roleArn: ROLE, roleSessionName: 'ram-test' }));
  const c = r.body!.credentials!;
  return { accessKeyId: c.accessKeyId!, accessKeySecret: c.accessKeySecret!, securityToken: c.securityToken! };
}

function oss(c: { accessKeyId: string; accessKeySecret: string; securityToken: string }) {
  return new OSS({ ...c, stsToken: c.securityToken, refreshSTSTokenInterval: 3_600_000, bucket: BUCKET, endpoint: server.ossEndpoint, region: 'oss-cn-hangzhou', authorizationV4: true });
}

/** The raw error XML of a failed ali-oss call (ali-oss drops AccessDeniedDetail). */
async function refusal(p: Promise<unknown>): Promise<{ status: number; encoded: string; body: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { status: number; params?: unknown; res?: { data?: Buffer } };
    const last = server.state.requests.at(-1)!;
    t.equal(last.status, err.status);
    return { status: err.status, encoded: '', body: '' };
  }
  throw new Error('expected a refusal');
}

const ram = (creds: { accessKeyId: string; accessKeySecret: string; securityToken?: string }) =>
  ramClient({ credentials: creds, ramEndpoint: server.ramEndpoint, region: 'cn-hangzhou', timeoutMs: 5000 });

/** Capture the EncodedDiagnosticMessage of the next OSS error through ali-oss's requestError. */
async function encodedOf(client: OSS, p: () => Promise<unknown>): Promise<string> {
  const c = client as unknown as { requestError: (r: { data?: Buffer }) => Promise<unknown> };
  const orig = c.requestError.bind(client);
  let xml = '';
  c.requestError = async (r) => {
    xml = r.data?.toString('utf8') ?? '';
    return orig(r);
  };
  await refusal(p());
  return /<EncodedDiagnosticMessage>([^<]*)<\/EncodedDiagnosticMessage>/.exec(xml)?.[1] ?? '';
}

t.test('a bucket-policy Deny is enforced and its diagnostic decodes to what OSS evaluated', async (t) => {
  server.state.setBucketPolicy(BUCKET, OFFICE_ONLY);
  t.teardown(() => server.state.setBucketPolicy(BUCKET, undefined));
  const creds = await session();
  const client = oss(creds);
  const encoded = await encodedOf(client, () => client.put('polardb/x', Buffer.from('x')));
  t.match(server.state.requests.at(-1), { api: 'PutObject', status: 403, code: 'AccessDenied', ec: '0003-00000101' });
  t.ok(encoded.length > 40, 'an opaque message came back');
  t.notMatch(Buffer.from(encoded, 'base64').toString('utf8'), /SourceIp/, 'it is not readable without RAM');

  const r = await ram(DECODER).decodeDiagnosticMessage(new DecodeDiagnosticMessageRequest({ encodedDiagnosticMessage: encoded }));
  const body = r.body!.toMap() as Record<string, unknown>;
  t.match(body, {
    RequestId: /^[0-9A-F-]{36}$/,
    DecodedDiagnosticMessage: {
      ExplicitDeny: true,
      NoPermissionPolicyType: 'BucketPolicy',
      AuthAction: 'oss:PutObject',
      AuthResource: `acs:oss:*:${ACCOUNT}:${BUCKET}/polardb/x`,
      AuthPrincipal: { AuthPrincipalType: 'AssumedRoleUser', AuthPrincipalOwnerId: ACCOUNT },
      AuthConditions: [
        { ConditionKey: 'acs:SourceIp', ConditionValues: ['127.0.0.1'] },
        { ConditionKey: 'acs:SourceVpc', ConditionValues: [] },
        { ConditionKey: 'acs:AccessId', ConditionValues: [creds.accessKeyId] },
        { ConditionKey: 'acs:SecureTransport', ConditionValues: ['false'] },
      ],
    },
  });
  // the SDK model reads the documented fields
  t.equal(r.body!.decodedDiagnosticMessage!.authConditions![0]!.conditionValues![0], '127.0.0.1');

  // an STS session may decode when its role's RAM policies allow it
  const fromRole = await ram(creds).decodeDiagnosticMessage(new DecodeDiagnosticMessageRequest({ encodedDiagnosticMessage: encoded }));
  t.equal(fromRole.body!.decodedDiagnosticMessage!.noPermissionPolicyType, 'BucketPolicy');

  // from the office VPC the Deny does not apply
  server.state.options.sourceVpc = 'vpc-office01';
  t.teardown(() => {
    delete server.state.options.sourceVpc;
  });
  await client.put('polardb/x', Buffer.from('x'));
  t.match(server.state.requests.at(-1), { api: 'PutObject', status: 200 });
});

t.test("RAM honours the caller's own ram:DecodeDiagnosticMessage, checks the signature, rejects what it did not encode", async (t) => {
  server.script.deny({ action: 'oss:GetObject', ec: '0003-00000201', times: 1 });
  const creds = await session();
  const client = oss(creds);
  const encoded = await encodedOf(client, () => client.get('polardb/missing'));

  const denied = await ram(PLAIN).decodeDiagnosticMessage(new DecodeDiagnosticMessageRequest({ encodedDiagnosticMessage: encoded })).then(
    () => null,
    (e: { code: string; statusCode: number; data: Record<string, unknown>; accessDeniedDetail?: Record<string, unknown> }) => e,
  );
  t.match(denied, { code: 'NoPermission', statusCode: 403, data: { Message: 'You are not authorized to do this action. You should be authorized by RAM.', AccessDeniedDetail: { AuthAction: 'ram:DecodeDiagnosticMessage', NoPermissionType: 'ImplicitDeny' } } });
  // the refusal's own diagnostic decodes (the API reference's example is such a message)
  const own = (denied!.data.AccessDeniedDetail as Record<string, string>).EncodedDiagnosticMessage!;
  const ownDecoded = await ram(DECODER).decodeDiagnosticMessage(new DecodeDiagnosticMessageRequest({ encodedDiagnosticMessage: own }));
  t.match(ownDecoded.body!.toMap(), { DecodedDiagnosticMessage: { AuthAction: 'ram:DecodeDiagnosticMessage', AuthResource: '*', ExplicitDeny: false, AuthPrincipal: { AuthPrincipalType: 'SubUser' } } });

  const badSig = await ram({ ...DECODER, accessKeySecret: 'wrong' }).decodeDiagnosticMessage(new DecodeDiagnosticMessageRequest({ encodedDiagnosticMessage: encoded })).then(() => null, (e: { code: string }) => e);
  t.match(badSig, { code: 'SignatureDoesNotMatch' });
  const unknownKey = await ram({ accessKeyId: 'TESTNOSUCHKEY', accessKeySecret: 'x' }).decodeDiagnosticMessage(new DecodeDiagnosticMessageRequest({ encodedDiagnosticMessage: encoded })).then(() => null, (e: { code: string }) => e);
  t.match(unknownKey, { code: 'InvalidAccessKeyId.NotFound' });
  const garbage = await ram(DECODER).decodeDiagnosticMessage(new DecodeDiagnosticMessageRequest({ encodedDiagnosticMessage: Buffer.from('{"ExplicitDeny":true}').toString('base64') })).then(() => null, (e: { code: string; statusCode: number }) => e);
  t.match(garbage, { code: 'InvalidParameter.EncodedDiagnosticMessage', statusCode: 400 });

  const decoded = await ram(DECODER).decodeDiagnosticMessage(new DecodeDiagnosticMessageRequest({ encodedDiagnosticMessage: encoded }));
  t.match(decoded.body!.toMap(), { DecodedDiagnosticMessage: { NoPermissionPolicyType: 'AccountLevelIdentityBasedPolicy', AuthAction: 'oss:GetObject', ExplicitDeny: true } });
});

t.test('a statement the server cannot evaluate fails loudly (500), never passes', async (t) => {
  server.state.setBucketPolicy(BUCKET, { Version: '1', Statement: [{ Effect: 'Deny', Principal: ['*'], Action: ['oss:PutObject'], Resource: ['*'], Condition: { StringEquals: { 'oss:x-oss-object-acl': ['public-read'] } } }] });
  t.teardown(() => server.state.setBucketPolicy(BUCKET, undefined));
  const client = oss(await session());
  const e = await client.put('polardb/y', Buffer.from('y')).then(() => null, (err: { status: number }) => err);
  t.match(e, { status: 500 }, 'the test server refuses to decide what it cannot evaluate');
  t.notOk(server.state.getObject(BUCKET, 'polardb/y'), 'nothing was written');
});
