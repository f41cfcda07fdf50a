// The rules and hint tables themselves (src/providers/*/rules.ts, hints.ts) and the shared evidence
// reader (src/providers/evidence.ts): ids unique and well-formed, every row cites where its behaviour
// is documented, every hint a row names exists and every placeholder of every template is filled,
// no template is dead, and every rule id a recorded-body fixture asserts is a row of its table.

import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { AWS_RULES } from '../../src/providers/aws/rules.js';
import { AWS_HINTS } from '../../src/providers/aws/hints.js';
import { hintVars as awsVars, parseReason, type AwsErrorContext } from '../../src/providers/aws/classify.js';
import { ALIBABA_RULES } from '../../src/providers/alibaba/rules.js';
import { ALIBABA_HINTS } from '../../src/providers/alibaba/hints.js';
import { hintVars as alibabaVars, type AlibabaErrorContext } from '../../src/providers/alibaba/classify.js';
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
    vars: Object.keys(awsVars({ httpStatus: 403, requestId: null }, AWS_CTX, { ...BASE, reason: parseReason(''), roleSession: true, bucketRegion: undefined, endpointNamed: undefined, wrongRegion: false, rgw: false, retried: false })),
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
  t.ok(matches({ status: { min: 500 } }, { ...BASE, status: 503 }));
  t.notOk(matches({ status: { min: 500 } }, { ...BASE, status: null }));
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
