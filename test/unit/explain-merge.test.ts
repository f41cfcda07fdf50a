// One failure never loses the run (issue 12 item 5): an error evaluating one check is reported on that
// check as explain.error and the next check is still explained; a statement that cannot be parsed in
// a policy read from the cloud is reported as not evaluated, with the policy and statement index.
import t from 'tap';
import type { CheckResult } from '../../src/core/model.js';
import { explainCheck } from '../../src/explain/merge.js';
import type { PolicySet, RequestContext } from '../../src/explain/types.js';

const ROLE = 'arn:aws:iam::111122223333:role/backup';
const request: RequestContext = {
  action: 's3:PutObject',
  resource: 'arn:aws:s3:::b/p/k',
  principal: { arn: 'arn:aws:sts::111122223333:assumed-role/backup/s', roleArn: ROLE },
  resourceAccount: '111122223333',
};
const fix = { action: 's3:PutObject', bucket: 'b', prefix: 'p/', roleArn: ROLE };

function check(id: string, outcome: 'allowed' | 'denied'): CheckResult {
  return {
    id,
    action: 's3:PutObject',
    expect: 'allow',
    outcome,
    ok: outcome === 'allowed',
    durationMs: 1,
    ...(outcome === 'denied'
      ? { denial: { stage: 'object', source: 'unknown', explicit: null, code: 'AccessDenied', message: '', httpStatus: 403, requestId: null, hint: '' } }
      : {}),
  } as CheckResult;
}

const allowPut = { name: 'role-inline:ok', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }] } };

t.test('an evaluation error is reported on its check; the next check is still explained', async (t) => {
  const broken: PolicySet = { identity: [{ name: 'role-inline:broken', document: '{"Version":"2012-10-17","Statement":' }] };
  const a = check('put-object', 'denied');
  const b = check('put-object-2', 'allowed');
  t.equal(explainCheck(a, { request, policies: broken, fix }, 'aws', ''), null);
  t.match(a.explain, { decision: 'undetermined', decidedBy: null, error: /the evaluation of s3:PutObject on arn:aws:s3:::b\/p\/k failed: role-inline:broken: not valid JSON/ });
  t.match(a.explain!.summary, /^not evaluated: /);
  t.equal(a.denial!.source, 'unknown', 'nothing is concluded from a failed evaluation');
  t.notOk(a.denial!.fix, 'no fix');
  const r = explainCheck(b, { request, policies: { identity: [allowPut] }, fix }, 'aws', '');
  t.equal(r?.decision, 'allowed');
  t.match(b.explain, { decision: 'allowed', decidedBy: 'identity-policy' });
  t.notOk(b.explain!.error);
});

t.test('an unparsable statement in a read policy: not evaluated, named by policy and index; the rest still decides', async (t) => {
  const odd = {
    name: 'role-inline:odd',
    document: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        { Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { StringEqualsWhatever: { 's3:x': 'y' } } },
      ],
    },
  };
  const c = check('put-object', 'denied');
  explainCheck(c, { request, policies: { identity: [allowPut, odd] }, fix }, 'aws', '');
  t.notOk(c.explain!.error);
  t.same(c.explain!.notEvaluated, [{ policy: 'role-inline:odd', index: 1, why: c.explain!.notEvaluated![0]!.why }]);
  t.match(c.explain!.notEvaluated![0]!.why, /unknown condition operator "StringEqualsWhatever"/);
  t.equal(c.explain!.decision, 'undetermined', 'the unparsed Deny could apply');
  t.match(c.explain!.summary, /role-inline:odd statement #1 \(not evaluated/);
});
