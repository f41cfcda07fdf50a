// The rules and hint tables themselves (src/providers/*/rules.ts, hints.ts) and the shared evidence
// reader (src/providers/evidence.ts): ids unique and well-formed, every row cites where its behaviour
// is documented, every hint a row names exists and every placeholder of every template is filled,
// no template is dead, every rule id a recorded-body fixture asserts is a row of its table, and every
// row is reached (by a fixture or by minimal evidence below): none is shadowed by an earlier one.

import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { AWS_RULES } from '../../src/providers/aws/rules.js';
import { AWS_HINTS } from '../../src/providers/aws/hints.js';
import { classifyAws, hintVars as awsVars, parseReason, type AwsErrorContext, type AwsErrorEvidence } from '../../src/providers/aws/classify.js';
import { ALIBABA_RULES } from '../../src/providers/alibaba/rules.js';
import { ALIBABA_HINTS } from '../../src/providers/alibaba/hints.js';
import { classifyAlibaba, evidenceFromStsError, hintVars as alibabaVars, SourceCredentialsError, type AlibabaErrorContext, type AlibabaErrorEvidence } from '../../src/providers/alibaba/classify.js';
import { matches, placeholders, type Facts, type Rule } from '../../src/providers/rule-table.js';
import { networkKind, statusFamily, statusName, xmlChildren, xmlFromBase64Header } from '../../src/providers/evidence.js';

const ID = /^(aws|alibaba)(\.[A-Za-z0-9-]+)+$/;

function hintIds(r: Rule): string[] {
  return typeof r.hint === 'string' ? [r.hint] : [r.hint.explicit, r.hint.implicit, r.hint.unsaid];
}

function fixtureRules(dir: string): { id: string; rule: string }[] {
  const url = new URL(`../fixtures/${dir}/`, import.meta.url);
  return readdirSync(url)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => (JSON.parse(readFileSync(new URL(f, url), 'utf8')) as { id: string; expect: { rule: string } }[]).map((c) => ({ id: c.id, rule: c.expect.rule })));
}

const AWS_CTX: AwsErrorContext = { service: 's3', operation: 'putObject', action: 's3:PutObject', bucket: 'b', prefix: 'p/', roleArn: 'arn:aws:iam::1:role/r', region: 'us-east-1', endpoint: null };
const ALI_CTX: AlibabaErrorContext = { service: 'oss', operation: 'putObject', action: 'oss:PutObject', bucket: 'b', prefix: 'p/', roleArn: 'acs:ram::1:role/r', region: 'cn-hangzhou', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com' };
const BASE: Facts = { service: 's3', operation: 'putObject', code: 'AccessDenied', givenCode: 'AccessDenied', status: 403, message: '', name: '', ec: '', detail: {}, network: null, bucketLevel: false };

const tables = [
  {
    name: 'aws',
    rules: AWS_RULES as readonly Rule[],
    hints: AWS_HINTS as Record<string, string>,
    vars: Object.keys(awsVars({ httpStatus: 403, requestId: null }, AWS_CTX, { ...BASE, reason: parseReason(''), roleSession: true, region: 'us-east-1', bucketRegion: undefined, endpointNamed: undefined, wrongRegion: false, rgw: false, retried: false })),
    fixtures: fixtureRules('aws-errors'),
  },
  {
    name: 'alibaba',
    rules: ALIBABA_RULES as readonly Rule[],
    hints: ALIBABA_HINTS as Record<string, string>,
    vars: Object.keys(alibabaVars({ httpStatus: 403, requestId: null, message: '' }, ALI_CTX, { ...BASE, service: 'oss', hasRole: true, endpointNamed: undefined, namedRegion: undefined, region: 'cn-hangzhou' })),
    fixtures: fixtureRules('oss-errors'),
  },
];

for (const tb of tables) {
  t.test(`${tb.name}: the rules table`, async (t) => {
    const ids = new Set<string>();
    for (const r of tb.rules) {
      t.match(r.id, ID, `${r.id}: well-formed`);
      t.notOk(ids.has(r.id), `${r.id}: unique`);
      ids.add(r.id);
      t.ok(r.doc.length > 10, `${r.id}: cites where it is documented`);
      for (const h of hintIds(r)) t.ok(Object.hasOwn(tb.hints, h), `${r.id}: hint ${h} exists`);
    }
    const last = tb.rules[tb.rules.length - 1]!;
    t.same(Object.keys(last.match), [], 'the last row is a catch-all, so every answer gets a rule');
    t.equal(last.when, undefined);
    const used = new Set(tb.rules.flatMap(hintIds));
    for (const [id, template] of Object.entries(tb.hints)) {
      t.ok(used.has(id), `hint ${id} is used by a row`);
      for (const p of placeholders(template)) t.ok(tb.vars.includes(p), `hint ${id}: {${p}} is filled`);
    }
    for (const f of tb.fixtures) t.ok(ids.has(f.rule), `fixture ${f.id}: rule ${f.rule} is a row`);
    t.ok(new Set(tb.fixtures.map((f) => f.rule)).size >= (tb.name === 'aws' ? 50 : 40), 'fixtures reach many rows');
  });
}

t.test('the walker: declarative evidence', async (t) => {
  t.ok(matches({ code: ['AccessDenied', ''] }, { ...BASE, givenCode: '', code: 'Forbidden' }), "'' matches a response without a Code");
  t.notOk(matches({ code: '' }, { ...BASE, givenCode: '', code: 'ECONNREFUSED', status: null }), "'' never matches no answer at all");
  t.ok(matches({ family: 'server' }, { ...BASE, status: 503 }));
  t.notOk(matches({ family: 'server' }, { ...BASE, status: 499 }));
  t.notOk(matches({ family: 'server' }, { ...BASE, status: null }));
  t.ok(matches({ status: 'none' }, { ...BASE, status: null }));
  t.ok(matches({ detail: { PolicyType: /bucket/i } }, { ...BASE, detail: { PolicyType: 'BucketPolicy' } }));
  t.notOk(matches({ detail: { PolicyType: /bucket/i } }, BASE), 'a detail field that is absent does not match');
  t.ok(matches({ ec: /^0002-/ }, { ...BASE, ec: '0002-00000201' }));
  t.notOk(matches({ network: 'dns' }, BASE));
});

t.test('the shared evidence reader', async (t) => {
  const xml = '<?xml version="1.0"?><Error><Code>AccessDenied</Code><AccessDeniedDetail><PolicyType>BucketPolicy</PolicyType><AuthAction>oss:GetObject</AuthAction></AccessDeniedDetail></Error>';
  t.equal(xmlFromBase64Header(Buffer.from(xml).toString('base64')), xml, 'x-oss-err decodes to the error XML');
  t.equal(xmlFromBase64Header(Buffer.from('not xml').toString('base64')), undefined);
  t.equal(xmlFromBase64Header(undefined), undefined);
  t.same(xmlChildren(xml, 'AccessDeniedDetail'), { PolicyType: 'BucketPolicy', AuthAction: 'oss:GetObject' });
  t.equal(xmlChildren('<Error/>', 'AccessDeniedDetail'), undefined);
  t.same([statusName(403), statusName(301), statusName(418)], ['Forbidden', 'MovedPermanently', 'HTTP418']);
  t.same([statusFamily(null), statusFamily(307), statusFamily(404), statusFamily(503), statusFamily(200)], ['none', 'redirect', 'client', 'server', 'other']);
  t.same(['ECONNREFUSED', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT', 'AbortError', 'ENETUNREACH', 'CERT_HAS_EXPIRED', 'EWHAT'].map(networkKind), ['refused', 'dns', 'reset', 'timeout', 'abort', 'unreachable', 'tls', 'other']);
  for (const f of ['evidence.ts', 'rule-table.ts']) {
    t.notMatch(readFileSync(new URL(`../../src/providers/${f}`, import.meta.url), 'utf8'), /'(aws|alibaba)'/, `${f} is provider-neutral`);
  }
});

// ---------------------------------------------------------------------------------------------
// Every row is reached: the recorded-body fixtures assert most; the rows they do not reach are
// asserted here from minimal evidence. A row that neither reaches is shadowed by an earlier one or
// dead, and fails this test.

const AWS_STS: AwsErrorContext = { ...AWS_CTX, service: 'sts', operation: 'assumeRole', action: 'sts:AssumeRole' };
const stsMsg = (tail: string) => `User: arn:aws:iam::1:user/ci is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/r ${tail}`;
const PHRASES: [string, string][] = [
  ['service control policy', 'scp'], ['resource control policy', 'rcp'], ['VPC endpoint policy', 'vpc-endpoint-policy'], ['permissions boundary', 'permissions-boundary'],
  ['session policy', 'session-policy'], ['resource-based policy', 'trust-policy'], ['identity-based policy', 'identity-policy'],
];
const awsCases: [string, AwsErrorEvidence, AwsErrorContext][] = [
  ['aws.local.no-credentials', { name: 'CredentialsProviderError', httpStatus: null, requestId: null }, AWS_STS],
  ['aws.local.no-credentials.code', { code: 'CredentialsProviderError', httpStatus: null, requestId: null }, AWS_STS],
  ['aws.network.unreachable', { networkCode: 'EHOSTUNREACH', httpStatus: null, requestId: null }, AWS_CTX],
  ['aws.network.other', { networkCode: 'ERR_SOMETHING', httpStatus: null, requestId: null }, AWS_CTX],
  ['aws.local.failure', { name: 'TypeError', message: 'bad input', httpStatus: null, requestId: null }, AWS_CTX],
  ['aws.credentials.other', { code: 'MissingAuthenticationToken', httpStatus: 403, requestId: 'R' }, AWS_CTX],
  ['aws.credentials.request-expired', { code: 'AccessDenied', message: 'Request has expired', httpStatus: 403, requestId: 'R' }, AWS_CTX],
  ['aws.sts.root', { code: 'AccessDenied', message: 'Roles may not be assumed by root accounts.', httpStatus: 403, requestId: 'R' }, AWS_STS],
  ...PHRASES.flatMap(([phrase, slug]): [string, AwsErrorEvidence, AwsErrorContext][] => [
    [`aws.sts.enhanced.${slug}.explicit`, { code: 'AccessDenied', message: stsMsg(`with an explicit deny in a ${phrase}`), httpStatus: 403, requestId: 'R' }, AWS_STS],
    [`aws.sts.enhanced.${slug}.implicit`, { code: 'AccessDenied', message: stsMsg(`because no ${phrase} allows the sts:AssumeRole action`), httpStatus: 403, requestId: 'R' }, AWS_STS],
  ]),
  ['aws.s3.wrong-region', { code: 'TemporaryRedirect', httpStatus: 307, requestId: 'R' }, { ...AWS_CTX, region: null }],
  ['aws.s3.enhanced.rcp.implicit', { code: 'AccessDenied', message: 'because no resource control policy allows the s3:PutObject action', httpStatus: 403, requestId: 'R' }, AWS_CTX],
  ['aws.s3.object-lock', { code: 'AccessDenied', message: 'Access Denied: object is under legal hold', httpStatus: 403, requestId: 'R' }, AWS_CTX],
  ['aws.s3.archived', { code: 'InvalidObjectState', httpStatus: 403, requestId: 'R' }, { ...AWS_CTX, operation: 'getObject', action: 's3:GetObject' }],
  ['aws.s3.precondition.retried', { code: 'PreconditionFailed', httpStatus: 412, requestId: 'R', attempts: 2 }, AWS_CTX],
  ['aws.s3.not-found', { httpStatus: 404, requestId: 'R' }, { ...AWS_CTX, operation: 'headObject', action: 's3:GetObject' }],
  ['aws.throttled.status', { httpStatus: 429, requestId: 'R' }, AWS_CTX],
  ['aws.unsupported', { code: 'NotImplemented', httpStatus: 501, requestId: 'R' }, AWS_CTX],
  ['aws.rejected', { code: 'BadDigest', httpStatus: 400, requestId: 'R' }, AWS_CTX],
];

const ALI_STS: AlibabaErrorContext = { ...ALI_CTX, service: 'sts', operation: 'assumeRole', action: 'sts:AssumeRole', endpoint: 'https://sts.cn-hangzhou.aliyuncs.com' };
const NO_ROLE: AlibabaErrorContext = { ...ALI_CTX, roleArn: null };
const ae = (over: Partial<AlibabaErrorEvidence>): AlibabaErrorEvidence => ({ httpStatus: 403, requestId: 'R', message: '', ...over });
const aliCases: [string, AlibabaErrorEvidence, AlibabaErrorContext][] = [
  ['alibaba.local.no-credentials', evidenceFromStsError(new SourceCredentialsError('no credentials')), ALI_STS],
  ...([['refused', 'ECONNREFUSED'], ['dns', 'ENOTFOUND'], ['reset', 'ECONNRESET'], ['timeout', 'TimeoutError'], ['abort', 'AbortError'], ['unreachable', 'EHOSTUNREACH'], ['tls', 'CERT_HAS_EXPIRED'], ['other', 'EWHATEVER']] as const)
    .map(([kind, code]): [string, AlibabaErrorEvidence, AlibabaErrorContext] => [`alibaba.network.${kind}`, ae({ httpStatus: null, requestId: null, networkCode: code }), ALI_CTX]),
  ['alibaba.local.failure', ae({ httpStatus: null, requestId: null, name: 'Error', message: 'boom' }), ALI_CTX],
  ['alibaba.sts.credentials.token-expired', ae({ httpStatus: 400, code: 'InvalidSecurityToken.Expired' }), ALI_STS],
  ['alibaba.sts.no-permission', ae({ code: 'NoPermission', message: 'Something undocumented.' }), ALI_STS],
  ['alibaba.sts.bad-parameters', ae({ httpStatus: 400, code: 'MissingRoleArn' }), ALI_STS],
  ['alibaba.sts.server-error', ae({ httpStatus: 500, code: 'InternalError' }), ALI_STS],
  ['alibaba.sts.no-such-action', ae({ httpStatus: 404, code: 'InvalidAction.NotFound' }), ALI_STS],
  ['alibaba.sts.forbidden', ae({ code: 'Forbidden.RAM' }), ALI_STS],
  ['alibaba.sts.rejected', ae({ httpStatus: 400, code: 'Weird' }), ALI_STS],
  ['alibaba.oss.ec.0002-00000007', ae({ code: 'SecurityTokenExpired', ec: '0002-00000007' }), NO_ROLE],
  ['alibaba.oss.code.SecurityTokenExpired.role-session', ae({ code: 'SecurityTokenExpired' }), ALI_CTX],
  ['alibaba.oss.code.SecurityTokenExpired', ae({ code: 'SecurityTokenExpired' }), NO_ROLE],
  ['alibaba.oss.code.InvalidSecurityToken', ae({ code: 'InvalidSecurityToken' }), ALI_CTX],
  ['alibaba.oss.ec.0002-00000002', ae({ code: 'InvalidAccessKeyId', ec: '0002-00000002' }), NO_ROLE],
  ['alibaba.oss.code.InvalidAccessKeyId.role-session', ae({ code: 'InvalidAccessKeyId' }), ALI_CTX],
  ['alibaba.oss.code.InvalidAccessKeyId', ae({ code: 'InvalidAccessKeyId' }), NO_ROLE],
  ['alibaba.oss.ec.0002', ae({ httpStatus: 400, code: 'InvalidArgument', ec: '0002-00000016' }), ALI_CTX],
  ['alibaba.oss.code.AccessKeyDisabled', ae({ code: 'AccessKeyDisabled' }), ALI_CTX],
  ['alibaba.oss.ec.0003-00001403', ae({ code: 'AccessDenied', ec: '0003-00001403' }), ALI_CTX],
  ['alibaba.oss.wrong-endpoint.other-region', ae({ httpStatus: 301, code: 'PermanentRedirect', endpoint: 'oss-cn-beijing.aliyuncs.com' }), ALI_CTX],
  ['alibaba.oss.wrong-endpoint.same-region', ae({ code: 'AccessDenied', endpoint: 'oss-cn-hangzhou.aliyuncs.com' }), ALI_CTX],
  ['alibaba.oss.wrong-endpoint', ae({ code: 'AccessDenied', message: 'The bucket you are attempting to access must be addressed using the specified endpoint.' }), ALI_CTX],
  ['alibaba.oss.message.referer', ae({ code: 'AccessDenied', message: 'You are denied by bucket referer policy.' }), ALI_CTX],
  ['alibaba.oss.detail.control-policy', ae({ code: 'AccessDenied', accessDeniedDetail: { PolicyType: 'ControlPolicy' } }), ALI_CTX],
  ['alibaba.oss.detail.vpc-policy', ae({ code: 'AccessDenied', accessDeniedDetail: { PolicyType: 'VpcPolicy' } }), ALI_CTX],
  ['alibaba.oss.detail.acl', ae({ code: 'AccessDenied', accessDeniedDetail: { PolicyType: 'ObjectAcl' } }), ALI_CTX],
  ['alibaba.oss.ec.0003-00000301', ae({ code: 'AccessDenied', ec: '0003-00000301' }), ALI_CTX],
  ['alibaba.oss.message.vpc-policy', ae({ code: 'AccessDenied', message: 'Access denied by VPC endpoint policy.' }), ALI_CTX],
  ['alibaba.oss.code.kms', ae({ code: 'KmsServiceNotEnabled' }), ALI_CTX],
  ['alibaba.oss.message.authorizer-policy', ae({ code: 'AccessDenied', message: "Access denied by authorizer's policy." }), ALI_CTX],
  ['alibaba.oss.message.bucket-policy', ae({ code: 'AccessDenied', message: 'You have no right to access this object because of bucket policy.' }), ALI_CTX],
  ['alibaba.oss.unsupported', ae({ httpStatus: 405, code: 'MethodNotAllowed' }), ALI_CTX],
  ['alibaba.oss.unsupported.status', ae({ httpStatus: 405, code: 'Unusual' }), ALI_CTX],
  ['alibaba.oss.throttled.status', ae({ httpStatus: 429, code: 'Unusual' }), ALI_CTX],
  ['alibaba.oss.server-error', ae({ httpStatus: 500, code: 'InternalError' }), ALI_CTX],
  ['alibaba.oss.rejected', ae({ httpStatus: 400, code: 'InvalidArgument' }), ALI_CTX],
];

t.test('every row is reached, by a fixture or by the minimal evidence above', async (t) => {
  for (const [rule, ev, ctx] of awsCases) {
    const d = classifyAws(ev, ctx).denial;
    t.equal(d.rule, rule, rule);
    t.notMatch(d.hint, /\{\w+\}/, `${rule}: every placeholder filled`);
  }
  for (const [rule, ev, ctx] of aliCases) {
    const d = classifyAlibaba(ev, ctx).denial;
    t.equal(d.rule, rule, rule);
    t.notMatch(d.hint, /\{\w+\}/, `${rule}: every placeholder filled`);
  }
  for (const [tb, cases] of [[tables[0]!, awsCases], [tables[1]!, aliCases]] as const) {
    const reached = new Set([...tb.fixtures.map((f) => f.rule), ...cases.map((c) => c[0])]);
    for (const r of tb.rules) t.ok(reached.has(r.id), `${r.id} is reached`);
  }
});
