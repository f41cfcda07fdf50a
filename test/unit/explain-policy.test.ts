// Policy parsing and validation: malformed documents fail with a PolicyError that names the policy
// and the bad field (never a raw TypeError); plus the small matchers the evaluator is built on.

import t from 'tap';
import { evaluate, parsePolicy, PolicyError, summarise, describeStatement, type PolicyKind } from '../../src/explain/index.js';
import { cidrContains, parseCidr, parseIPv6 } from '../../src/explain/ip.js';
import { compile, globMatch, literal, matchArn, matchAction, parseArn } from '../../src/explain/match.js';
import { type Lookup, parseTemplate, resolveTemplate } from '../../src/explain/variables.js';

const opts = (kind: PolicyKind = 'identity', dialect: 'aws' | 'alibaba' = 'aws') => ({ name: 'role-inline:backup', kind, dialect });
const allow = { Effect: 'Allow', Action: 's3:PutObject', Resource: '*' };

const malformed: Array<[string, unknown, RegExp, PolicyKind?, ('aws' | 'alibaba')?]> = [
  ['invalid JSON text', '{"Version": "2012-10-17",', /role-inline:backup: not valid JSON/],
  ['an array instead of an object', [allow], /a policy must be a JSON object, got an array/],
  ['null', null, /a policy must be a JSON object, got null/],
  ['missing Statement', { Version: '2012-10-17' }, /Statement: missing required element/],
  ['unknown top-level element', { Version: '2012-10-17', Statment: [allow] }, /Statment: unknown top-level element/],
  ['bad Version', { Version: '2012-10-18', Statement: [allow] }, /Version: must be "2012-10-17" or "2008-10-17"/],
  ['Version of the wrong type', { Version: ['2012-10-17'], Statement: [allow] }, /Version: must be a string, got an array/],
  ['statement that is a string', { Version: '2012-10-17', Statement: ['allow all'] }, /Statement\[0\]: a statement must be an object, got the string "allow all"/],
  ['lower-case Effect', { Version: '2012-10-17', Statement: [{ ...allow, Effect: 'allow' }] }, /Statement\[0\]\.Effect: must be "Allow" or "Deny", got the string "allow"/],
  ['missing Effect', { Version: '2012-10-17', Statement: { Action: 's3:*', Resource: '*' } }, /Statement\.Effect: must be "Allow" or "Deny", got nothing/],
  ['Sid that is a number', { Version: '2012-10-17', Statement: [{ ...allow, Sid: 7 }] }, /Statement\[0\]\.Sid: must be a string, got number 7/],
  ['unknown statement element', { Version: '2012-10-17', Statement: [{ ...allow, Actions: 's3:*' }] }, /Statement\[0\]\.Actions: unknown statement element/],
  ['missing Action', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] }, /Statement\[0\]: needs an Action or NotAction element/],
  ['both Action and NotAction', { Version: '2012-10-17', Statement: [{ ...allow, NotAction: 'iam:*' }] }, /has both Action and NotAction/],
  ['non-string action', { Version: '2012-10-17', Statement: [{ ...allow, Action: ['s3:PutObject', 42] }] }, /Statement\[0\]\.Action\[1\]: must be a string, got number 42/],
  ['empty action list', { Version: '2012-10-17', Statement: [{ ...allow, Action: [] }] }, /Statement\[0\]\.Action: must not be an empty list/],
  ['action without a service', { Version: '2012-10-17', Statement: [{ ...allow, Action: 'PutObject' }] }, /"PutObject" is not an action/],
  ['empty resource string', { Version: '2012-10-17', Statement: [{ ...allow, Resource: '' }] }, /Resource: must not be an empty string/],
  ['missing Resource in an identity policy', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*' }] }, /needs a Resource or NotResource element/],
  ['both Resource and NotResource', { Version: '2012-10-17', Statement: [{ ...allow, NotResource: 'x' }] }, /has both Resource and NotResource/],
  ['Principal in an identity policy', { Version: '2012-10-17', Statement: [{ ...allow, Principal: '*' }] }, /Statement\[0\]\.Principal: not allowed in an identity policy/],
  ['Principal in an SCP', { Version: '2012-10-17', Statement: [{ ...allow, Principal: '*' }] }, /not allowed in a service control policy/, 'scp'],
  ['missing Principal in a bucket policy', { Version: '2012-10-17', Statement: [allow] }, /needs a Principal or NotPrincipal element in a resource policy/, 'resource'],
  ['both Principal and NotPrincipal', { Version: '2012-10-17', Statement: [{ ...allow, Principal: '*', NotPrincipal: { AWS: '1' } }] }, /has both Principal and NotPrincipal/, 'resource'],
  ['NotPrincipal in a trust policy', { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'sts:AssumeRole', NotPrincipal: { AWS: '111122223333' } }] }, /NotPrincipal: not allowed in a role trust policy/, 'trust'],
  ['missing Principal in a trust policy', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }, /needs a Principal element in a role trust policy/, 'trust'],
  ['Principal as a list (AWS)', { Version: '2012-10-17', Statement: [{ ...allow, Principal: ['111122223333'] }] }, /Principal: must be "\*" or an object such as/, 'resource'],
  ['Principal of an unknown type', { Version: '2012-10-17', Statement: [{ ...allow, Principal: { User: 'alice' } }] }, /Principal\.User: unknown principal type/, 'resource'],
  ['empty Principal object', { Version: '2012-10-17', Statement: [{ ...allow, Principal: {} }] }, /Principal: must name at least one principal/, 'resource'],
  ['Principal that is a number', { Version: '2012-10-17', Statement: [{ ...allow, Principal: 5 }] }, /Principal: must be "\*" or an object, got number 5/, 'resource'],
  ['Condition that is a list', { Version: '2012-10-17', Statement: [{ ...allow, Condition: [] }] }, /Condition: must be an object of operators, got an array/],
  ['unknown operator with a hint', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { stringequals: { 'aws:username': 'a' } } }] }, /unknown condition operator "stringequals" \(did you mean StringEquals\?\)/],
  ['unknown operator', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { StringMatches: { k: 'a' } } }] }, /unknown condition operator "StringMatches"/],
  ['unknown set operator', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { 'ForSomeValues:StringLike': { k: 'a' } } }] }, /unknown set operator "ForSomeValues"/],
  ['Null with IfExists', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { NullIfExists: { k: 'true' } } }] }, /Null cannot take IfExists or a set operator/],
  ['operator block that is a string', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { StringEquals: 'x' } }] }, /StringEquals: must be an object of condition keys/],
  ['operator without keys', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { StringEquals: {} } }] }, /StringEquals: has no condition keys/],
  ['condition value that is an object', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { StringEquals: { k: { v: 1 } } } }] }, /StringEquals\."k": must be a string, number or boolean, got an object/],
  ['empty condition value list', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { StringEquals: { k: [] } } }] }, /must have at least one value/],
  ['null condition value in a list', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { StringEquals: { k: ['a', null] } } }] }, /"k"\[1\]: must be a string, number or boolean, got null/],
  ['non-numeric Numeric value', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { NumericLessThan: { 's3:max-keys': 'ten' } } }] }, /"ten" is not a number \(operator NumericLessThan\)/],
  ['variable in a Numeric value', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { NumericEquals: { 's3:max-keys': '${aws:username}' } } }] }, /is not a number/],
  ['bad date', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { DateLessThan: { 'aws:CurrentTime': 'next tuesday' } } }] }, /"next tuesday" is not a date/],
  ['bad IP block', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/33' } } }] }, /is not an IP address or CIDR block/],
  ['bad Bool value', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { Bool: { 'aws:SecureTransport': 'yes' } } }] }, /"yes" is not "true" or "false"/],
  ['bad Null value', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { Null: { k: 'maybe' } } }] }, /"maybe" is not "true" or "false"/],
  ['bad base64', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { BinaryEquals: { k: 'not base64!' } } }] }, /is not base64/],
  ['empty condition key', { Version: '2012-10-17', Statement: [{ ...allow, Condition: { StringEquals: { ' ': 'a' } } }] }, /empty condition key/],
  ['Alibaba Version other than "1"', { Version: '2012-10-17', Statement: [allow] }, /an Alibaba Cloud policy must have "Version": "1"/, 'identity', 'alibaba'],
  ['Alibaba principal list with a number', { Version: '1', Statement: [{ ...allow, Principal: ['*', 3] }] }, /Principal\[1\]: must be a string, got number 3/, 'resource', 'alibaba'],
  ['Alibaba AWS-style principal type', { Version: '1', Statement: [{ ...allow, Principal: { AWS: '*' } }] }, /Principal\.AWS: unknown principal type \(expected RAM, Service, Federated\)/, 'resource', 'alibaba'],
];

t.test('malformed policies raise a PolicyError naming the field', async (tt) => {
  for (const [label, document, message, kind, dialect] of malformed) {
    let err: unknown;
    try {
      parsePolicy(document, opts(kind, dialect));
    } catch (e) {
      err = e;
    }
    tt.ok(err instanceof PolicyError, `${label}: PolicyError`);
    tt.notOk(err instanceof TypeError, `${label}: not a TypeError`);
    tt.match((err as Error)?.message, message, `${label}: message`);
    tt.equal((err as PolicyError)?.policy, 'role-inline:backup', `${label}: names the policy`);
  }
});

t.test('statement identification in error paths includes the Sid', async (tt) => {
  tt.throws(
    () => parsePolicy({ Version: '2012-10-17', Statement: [{ Sid: 'Write', Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': 'x' } } }] }, opts()),
    /Statement\[0\]\(Sid=Write\)\.Condition\.IpAddress\."aws:SourceIp": "x" is not an IP address/,
  );
});

t.test('parsePolicy normalises single values to arrays and accepts JSON text', async (tt) => {
  const p = parsePolicy(
    JSON.stringify({ Version: '2012-10-17', Statement: { Sid: 'One', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', Principal: { AWS: '111122223333' }, Condition: { StringEquals: { 'aws:PrincipalTag/x': 1 } } } }),
    opts('resource'),
  );
  tt.equal(p.statements.length, 1);
  tt.same(p.statements[0]!.action, ['s3:GetObject']);
  tt.equal(p.statements[0]!.resource!.length, 1);
  tt.same(p.statements[0]!.principal, { any: false, entries: [{ type: 'AWS', value: '111122223333' }] });
  tt.equal(p.statements[0]!.conditions[0]!.values[0]!.raw, '1');
  tt.equal(p.variables, true);
  const oss = parsePolicy({ Version: 1, Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*', Principal: [] }] }, opts('resource', 'alibaba'));
  tt.same(oss.statements[0]!.principal, { any: true, entries: [] }, 'OSS: [] means everyone');
  const ram = parsePolicy({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: '*' } }] }, opts('trust', 'alibaba'));
  tt.equal(ram.statements[0]!.principal!.any, true);
});

t.test('evaluate() rejects bad input with a PolicyError', async (tt) => {
  const request = { action: 's3:PutObject', resource: 'arn:aws:s3:::b/k', principal: { arn: 'arn:aws:iam::111122223333:user/a' } };
  const bad: Array<[unknown, RegExp]> = [
    [null, /evaluate\(\) needs/],
    [{ request, policies: {}, dialect: 'gcp' }, /dialect: must be "aws" or "alibaba"/],
    [{ policies: {}, dialect: 'aws' }, /request: missing/],
    [{ request: { ...request, action: 'PutObject' }, policies: {}, dialect: 'aws' }, /request\.action/],
    [{ request: { ...request, resource: '' }, policies: {}, dialect: 'aws' }, /request\.resource/],
    [{ request: { ...request, principal: 'alice' }, policies: {}, dialect: 'aws' }, /request\.principal/],
    [{ request, policies: null, dialect: 'aws' }, /policies: must be an object/],
    [{ request, policies: { identity: [{ document: {} }] }, dialect: 'aws' }, /each policy must be \{ name, document \}/],
    [{ request, policies: { resource: { name: 'bucket-policy', document: '{' } }, dialect: 'aws' }, /bucket-policy: not valid JSON/],
  ];
  for (const [input, message] of bad) {
    tt.throws(() => evaluate(input as never), PolicyError);
    tt.throws(() => evaluate(input as never), message);
  }
});

t.test('glob and ARN matching', async (tt) => {
  tt.ok(globMatch(compile('a*b?c'), 'aXYZbQc'));
  tt.notOk(globMatch(compile('a*b?c'), 'aXYZbc'));
  tt.ok(globMatch(compile('*'), ''));
  tt.ok(globMatch(compile('**x'), 'abx'));
  tt.notOk(globMatch(literal('a*'), 'ab'), 'literal stars are not wildcards');
  tt.ok(globMatch(literal('a*'), 'a*'));
  tt.ok(matchAction('S3:Get*', 's3:GetObjectVersion'));
  tt.notOk(matchAction('s3:Get', 's3:GetObject'));
  tt.ok(matchArn(compile('arn:aws:s3:::b/*'), 'arn:aws:s3:::b/k:with:colons'));
  tt.notOk(matchArn(compile('arn:aws:s3:::b/*'), 'not-an-arn'));
  tt.notOk(matchArn(compile('arn:aws:iam::*:role/R'), 'arn:aws:iam::1:role/R/extra'));
  tt.ok(matchArn(compile('arn:aws:iam::*:role/*'), 'arn:aws:iam::1:role/path/R'));
  tt.ok(matchArn(compile('arn:aws:iam::1*'), 'arn:aws:iam::123:role/R'), 'a trailing * runs past colons');
  tt.notOk(matchArn(compile('arn:aws:iam:us-*:1:role/R'), 'arn:aws:iam::1:role/R'));
  tt.notOk(matchArn(compile('arn:aws:iam'), 'arn:aws:iam::1:role/R'), 'a shorter pattern without * does not match');
  tt.ok(matchArn(compile('acs:oss:*:*:bucket/*'), 'acs:oss:cn-hangzhou:123:bucket/a/b'));
  tt.notOk(matchArn(compile('acs:oss:*:*:bucket/*'), 'acs:oss:cn-hangzhou:123:other/a'));
  tt.same(parseArn('arn:aws:sts::1:assumed-role/R/s'), { scheme: 'arn', partition: 'aws', service: 'sts', region: '', account: '1', resource: 'assumed-role/R/s' });
  tt.equal(parseArn('arn:aws:s3'), null);
  tt.equal(parseArn('acs:ram'), null);
  tt.equal(parseArn('plain'), null);
});

t.test('IPv4 and IPv6 parsing', async (tt) => {
  tt.equal(parseIPv6('::'), 0n);
  tt.equal(parseIPv6('::1'), 1n);
  tt.equal(parseIPv6('1:2:3:4:5:6:7:8'), 0x00010002000300040005000600070008n);
  tt.equal(parseIPv6('fe80::1%eth0'), 0xfe800000000000000000000000000001n);
  for (const bad of ['1::2::3', '1:2:3:4:5:6:7', 'g::1', '1:2:3:4:5:6:7:8::', '::ffff:1.2.3', '12345::']) tt.equal(parseIPv6(bad), null, bad);
  for (const bad of ['1.2.3', '1.2.3.256', '1.2.3.4/40', '1.2.3.a', '::/129', '1.2.3.4/x']) tt.equal(parseCidr(bad), null, bad);
  const any6 = parseCidr('::/0')!;
  tt.ok(cidrContains(any6, '2001:db8::1'));
  tt.notOk(cidrContains(any6, 'garbage'));
  tt.ok(cidrContains(parseCidr('10.0.0.0/8')!, '10.255.0.1'));
  tt.ok(cidrContains(parseCidr('0.0.0.0/0')!, '8.8.8.8'));
});

t.test('policy variable templates', async (tt) => {
  const lookup = (key: string): Lookup =>
    key.toLowerCase() === 'aws:username' ? { state: 'present', values: ['alice'] } : key === 'aws:SourceIp' ? { state: 'undetermined' } : { state: 'absent' };
  const r = (text: string, enabled = true) => resolveTemplate(parseTemplate(text, enabled), lookup, true);
  tt.match(r('home/${aws:username}/*'), { kind: 'ok', text: 'home/alice/*' });
  tt.match(r('${aws:userid}'), { kind: 'unresolved', keys: ['aws:userid'] });
  tt.match(r('${aws:SourceIp}'), { kind: 'undetermined', keys: ['aws:SourceIp'] });
  tt.match(r('${aws:userid}${aws:SourceIp}'), { kind: 'unresolved' }, 'no value beats undetermined');
  tt.match(r("${aws:userid, 'x''y'}"), { kind: 'ok', text: "x'y" });
  tt.match(r('${aws:username}', false), { kind: 'ok', text: '${aws:username}' }, 'disabled: literal');
  for (const broken of ['${', '${}', '${ }', '${a b}', "${a, 'x}", '${a, x}', "${a, 'x' y}", "${a b, 'x'}"]) {
    tt.match(r(broken), { kind: 'ok', text: broken }, `malformed ${broken} stays literal`);
  }
});

t.test('summaries for each kind of decision', async (tt) => {
  const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
  const request = { action: 's3:PutObject', resource: 'arn:aws:s3:::b/k', principal: { arn: 'arn:aws:sts::1:assumed-role/R/s' }, resourceAccount: '1' };
  const allowed = evaluate({ request, dialect: 'aws', policies: { identity: [{ name: 'p', document: doc({ Sid: 'W', Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }) }] } });
  tt.match(summarise(allowed), /^allowed: p Sid=W \(Allow\)/);
  const implicit = evaluate({
    request,
    dialect: 'aws',
    policies: { identity: [{ name: 'p', document: doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::other/*' }) }] },
  });
  tt.match(summarise(implicit), /^implicit deny in identity-policy: no Allow matches s3:PutObject on arn:aws:s3:::b\/k \| p #0 \(Allow\): resource not matched/);
  const undetermined = evaluate({
    request,
    dialect: 'aws',
    policies: { identity: [{ name: 'p', document: doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/team}' }) }] },
  });
  tt.match(summarise(undetermined), /^undetermined \(allowed or implicit-deny\): hinges on aws:PrincipalTag\/team \| p #0 \(Allow\): resource undetermined/);
  tt.match(undetermined.reason, /could be allowed or implicit-deny/);
  tt.match(describeStatement({ ...implicit.statements[0]!, action: false, principal: false }), /action not matched; principal not matched/);
  const unknownCaller = evaluate({ request: { ...request, principal: { arn: 'arn:aws:ec2::1:instance/i-1' } }, dialect: 'aws', policies: {} });
  tt.ok(unknownCaller.warnings.some((w) => w.includes('not a recognised')));
});
