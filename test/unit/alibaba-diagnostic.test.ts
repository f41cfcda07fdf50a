// RAM DecodeDiagnosticMessage on the provider side (src/providers/alibaba/diagnostic.ts): the decoded
// message parsed from the documented bodies (test/fixtures/ram/decode-diagnostic-message.json, each
// with its origin), its condition keys filled into the request the evaluator sees, the record on the
// explanation, contradictions with the evaluation, and calls that fail or are over the bound.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { evaluate } from '../../src/explain/evaluate.js';
import type { RequestContext } from '../../src/explain/types.js';
import {
  contextFromDiagnostic,
  decodeDiagnostics,
  decodedRecord,
  diagnosticMismatch,
  failedRecord,
  layerOfPolicyType,
  MAX_DECODES,
  parseDecodedDiagnostic,
  withStoreContext,
} from '../../src/providers/alibaba/diagnostic.js';

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/ram/decode-diagnostic-message.json', import.meta.url), 'utf8')) as Array<{ id: string; origin: string; body: unknown }>;
const body = (id: string) => fixtures.find((f) => f.id === id)!.body;

t.test('the documented example parses field by field', async (t) => {
  const d = parseDecodedDiagnostic(body('documented-example'))!;
  t.same(d, {
    explicitDeny: true,
    policyType: 'AccountLevelIdentityBasedPolicy',
    authAction: 'ram:DecodeDiagnosticMessage',
    authResource: '*',
    principal: { type: 'SubUser', ownerId: '196813200012****', displayName: '28877424437521****' },
    conditions: [{ key: 'acs:SourceIp', values: ['172.16.215.218'] }],
    matchedPolicies: [{ effect: 'Deny', identifier: 'MyPolicyName', type: 'Custom', version: 'v1', attachedEntityType: 'RamUser', attachedScope: 'Account' }],
  });
  t.equal(layerOfPolicyType(d.policyType), 'identity-policy');
  t.equal(layerOfPolicyType('BucketPolicy'), 'resource-policy');
  t.equal(layerOfPolicyType('SomethingNew'), null, 'an undocumented type names no layer');
});

t.test('bodies without the documented object, and fields of the wrong type, are not guessed', async (t) => {
  t.equal(parseDecodedDiagnostic({ RequestId: 'x' }), null);
  t.equal(parseDecodedDiagnostic('not json'), null);
  t.equal(parseDecodedDiagnostic({ DecodedDiagnosticMessage: [] }), null);
  const d = parseDecodedDiagnostic({ DecodedDiagnosticMessage: { ExplicitDeny: 'true', NoPermissionPolicyType: 7, AuthConditions: [{ ConditionValues: ['1.2.3.4'] }, { ConditionKey: 'acs:SourceIp', ConditionValues: ['1.2.3.4', 5] }] } })!;
  t.equal(d.explicitDeny, null, 'a string "true" is not a boolean');
  t.equal(d.policyType, null);
  t.same(d.conditions, [{ key: 'acs:SourceIp', values: ['1.2.3.4'] }], 'a condition without a key is dropped, a non-string value too');
  t.same(d.matchedPolicies, []);
  t.equal(d.principal, null);
});

t.test('condition keys: values filled, an empty list is absent, the VPC keys together', async (t) => {
  const vpc = parseDecodedDiagnostic(body('oss-bucket-policy-role-session-vpc'))!;
  t.same(contextFromDiagnostic(vpc), { context: { 'acs:SourceIp': '100.104.0.9', 'acs:SourceVpc': 'vpc-polardb01', 'acs:SourceVpcId': 'vpc-polardb01' }, absent: [] });
  const none = parseDecodedDiagnostic({ DecodedDiagnosticMessage: { AuthConditions: [{ ConditionKey: 'acs:SourceIp', ConditionValues: ['127.0.0.1'] }, { ConditionKey: 'acs:SourceVpc', ConditionValues: [] }] } })!;
  t.same(contextFromDiagnostic(none), { context: { 'acs:SourceIp': '127.0.0.1' }, absent: ['acs:SourceVpc', 'acs:SourceVpcId'] });
});

const REQUEST: RequestContext = {
  action: 'oss:PutObject',
  resource: 'acs:oss:cn-hangzhou:1234567890123456:polardb-backups/polardb/nightly/x',
  principal: { arn: 'acs:ram::1234567890123456:assumed-role/polardb-backup/s', roleArn: 'acs:ram::1234567890123456:role/polardb-backup' },
  context: { 'acs:SecureTransport': true, 'acs:SourceIp': '198.51.100.7' },
  absent: ['sts:ExternalId', 'acs:SourceIp'],
  resourceAccount: '1234567890123456',
};

t.test("the store's keys replace the run's, and leave the absent/undetermined lists", async (t) => {
  const d = parseDecodedDiagnostic(body('oss-bucket-policy-role-session-vpc'))!;
  const { request, filled, overridden } = withStoreContext({ ...REQUEST, undetermined: ['acs:SourceVpc'] }, d);
  t.same(request.context, { 'acs:SecureTransport': true, 'acs:SourceIp': '100.104.0.9', 'acs:SourceVpc': 'vpc-polardb01', 'acs:SourceVpcId': 'vpc-polardb01' });
  t.same(request.absent, ['sts:ExternalId']);
  t.same(request.undetermined, []);
  t.same(filled, ['acs:SourceIp', 'acs:SourceVpc', 'acs:SourceVpcId']);
  t.same(overridden, ['acs:SourceIp=198.51.100.7'], 'the --source-ip the run was given is named');
  t.equal((REQUEST.context as Record<string, unknown>)['acs:SourceIp'], '198.51.100.7', 'the input is not changed');
});

t.test('filled keys decide the evaluation: undetermined without them, the Deny with them', async (t) => {
  const policy = {
    Version: '1',
    Statement: [{ Sid: 'OfficeOnly', Effect: 'Deny', Principal: ['*'], Action: ['oss:PutObject'], Resource: ['acs:oss:*:1234567890123456:polardb-backups/*'], Condition: { NotIpAddress: { 'acs:SourceIp': ['203.0.113.0/24'] }, StringNotEquals: { 'acs:SourceVpc': ['vpc-office01'] } } }],
  };
  const allowAll = { name: 'ram-policy:Custom:write', document: { Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:*'], Resource: ['*'] }] } };
  const policies = { resource: { name: 'bucket-policy', document: policy }, identity: [allowAll] };
  const bare: RequestContext = { ...REQUEST, context: { 'acs:SecureTransport': true }, absent: ['sts:ExternalId'] };
  const before = evaluate({ request: bare, policies, dialect: 'alibaba' });
  t.equal(before.decision, 'undetermined');
  t.same(before.undeterminedKeys.sort(), ['acs:SourceIp', 'acs:SourceVpc']);

  const store = parseDecodedDiagnostic({ DecodedDiagnosticMessage: { ExplicitDeny: true, NoPermissionPolicyType: 'BucketPolicy', AuthConditions: [{ ConditionKey: 'acs:SourceIp', ConditionValues: ['127.0.0.1'] }, { ConditionKey: 'acs:SourceVpc', ConditionValues: [] }] } })!;
  const after = evaluate({ request: withStoreContext(bare, store).request, policies, dialect: 'alibaba' });
  t.equal(after.decision, 'explicit-deny');
  t.equal(after.decidedBy, 'resource-policy');
  t.same(after.undeterminedKeys, []);
  t.equal(diagnosticMismatch(store, { decision: after.decision, decidedBy: after.decidedBy, statement: { policy: 'bucket-policy' } }), null, 'they agree');

  // from the office VPC the same Deny does not apply: the store's VPC is evaluated too
  const office = parseDecodedDiagnostic(body('oss-bucket-policy-role-session-vpc'))!;
  office.conditions[1]!.values = ['vpc-office01'];
  t.equal(evaluate({ request: withStoreContext(bare, office).request, policies, dialect: 'alibaba' }).decision, 'allowed');
});

t.test('contradictions between the store and the evaluation are named', async (t) => {
  const doc = parseDecodedDiagnostic(body('documented-example'))!;
  t.match(diagnosticMismatch(doc, { decision: 'explicit-deny', decidedBy: 'resource-policy', statement: { policy: 'bucket-policy' } }), /names AccountLevelIdentityBasedPolicy \(identity-policy\), the evaluation resource-policy; the store matched Deny policy MyPolicyName, the evaluation named bucket-policy/);
  t.equal(diagnosticMismatch(doc, { decision: 'explicit-deny', decidedBy: 'identity-policy', statement: { policy: 'ram-policy:Custom:MyPolicyName' } }), null, 'the matched policy is the one the evaluation named');
  t.match(diagnosticMismatch(doc, { decision: 'implicit-deny', decidedBy: 'identity-policy' }), /says explicit deny, the evaluation found no Deny/);
  t.match(diagnosticMismatch(doc, { decision: 'allowed', decidedBy: null }), /denied it, but the policies read allow it/);
  t.equal(diagnosticMismatch(doc, { decision: 'undetermined', decidedBy: null }), null, 'an undetermined evaluation contradicts nothing');
  t.match(diagnosticMismatch({ ...doc, explicitDeny: false, matchedPolicies: [] }, { decision: 'explicit-deny', decidedBy: 'identity-policy' }), /says implicit deny, the evaluation found a Deny statement/);
});

t.test('the records: decoded, and not decoded with what would read it', async (t) => {
  const d = parseDecodedDiagnostic(body('documented-example'))!;
  t.match(decodedRecord(d, ['acs:SourceIp']), { via: 'ram:DecodeDiagnosticMessage', decoded: true, explicitDeny: true, policyType: 'AccountLevelIdentityBasedPolicy', authAction: 'ram:DecodeDiagnosticMessage', authResource: '*', filled: ['acs:SourceIp'], matchedPolicies: [{ identifier: 'MyPolicyName' }] });
  t.same(failedRecord('NoPermission 403: You are not authorized', true, null), {
    via: 'ram:DecodeDiagnosticMessage',
    decoded: false,
    error: 'ram:DecodeDiagnosticMessage was refused: NoPermission 403: You are not authorized',
    readWith: 'ram:DecodeDiagnosticMessage for the explain credentials (the source credentials; or pass --explain-profile)',
  });
  t.match(failedRecord('ECONNREFUSED', false, 'auditor'), { error: 'the diagnostic message could not be decoded: ECONNREFUSED', readWith: 'ram:DecodeDiagnosticMessage for the --explain-profile auditor credentials' });
});

t.test('a RAM endpoint that does not answer: every message gets its failure, nothing throws; the bound holds', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const messages = Array.from({ length: MAX_DECODES + 2 }, (_, i) => `msg-${i}`);
  const out = await decodeDiagnostics([...messages, 'msg-0', ''], {
    credentials: { accessKeyId: 'TESTKEY', accessKeySecret: 'secret' },
    ramEndpoint: `http://127.0.0.1:${port}`,
    region: 'cn-hangzhou',
    timeoutMs: 2000,
  });
  t.equal(out.size, messages.length, 'once per distinct message; an empty one is skipped');
  const first = out.get('msg-0')!;
  t.match(first, { ok: false, denied: false, why: /ECONNREFUSED/ });
  t.match(out.get(`msg-${MAX_DECODES}`), { ok: false, why: /more than 20 distinct diagnostic messages/ });
});
