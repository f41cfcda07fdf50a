// PutBucketPolicy validation, as OSS documents it (the 30-POLICY error codes,
// help.aliyun.com/en/oss/user-guide/30-policy/, and "OSS authorization syntax and elements",
// alibabacloud.com/help/en/oss/user-guide/authorization-syntax-and-elements):
//   0030-00000001  the policy must be smaller than 16 KB (EC page 0030-00000001);
//   0030-00000005  the policy does not conform to the policy syntax (EC page 0030-00000005: its example
//                  is "Version": 1, a number): not JSON, not an object, no Statement, a statement
//                  without a valid Effect ("Allow" | "Deny"), Action, Resource or Principal (the syntax
//                  page: Version, Statement, Effect, Action, Resource required; Principal "Required for
//                  Bucket Policy"; Principal [] means "*"), a Condition that is not operator -> key -> values;
//   0030-00000002  Version other than "1" (EC page 0030-00000002: "Version": "2");
//   0030-00000007  consecutive wildcards (**) in the policy (EC page help.aliyun.com/zh/oss/support/0030-00000007);
//   0030-00000008  acs:SourceIp without acs:SourceVpc in a statement (EC page 0030-00000008; the rule is
//                  shared with the evaluator: src/explain/dialects/alibaba/bucket-policy.ts).
// The pages show the request only: the HTTP status and Code (400 InvalidPolicyDocument) and which EC a
// missing Version gets (0030-00000005 here: a required element missing is a syntax error) are this
// server's choices (README.md). OSS applies 0030-00000008 to new and changed policies only; policies set
// with state.setBucketPolicy (the test's "existing" policy) are not validated.

import { sourceIpWithoutVpc } from '../../src/explain/dialects/alibaba/bucket-policy.js';
import type { OssErrorName } from './errors.js';

/** 16 KB: "Policy的长度必须小于16 KB" (EC page 0030-00000001). */
export const MAX_POLICY_BYTES = 16 * 1024;

export interface PolicyRefusal {
  error: OssErrorName;
  /** which rule refused it (for the README and tests; not sent) */
  why: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function nonEmptyStrings(v: unknown, allowEmpty = false): boolean {
  const list = Array.isArray(v) ? v : [v];
  if (!list.length) return allowEmpty;
  return list.every((x) => typeof x === 'string' && x.length > 0);
}

function statementProblem(s: unknown, i: number): string | null {
  if (!isObject(s)) return `Statement[${i}] is not an object`;
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return `Statement[${i}].Effect must be "Allow" or "Deny"`;
  if (s.Action === undefined || !nonEmptyStrings(s.Action)) return `Statement[${i}].Action is missing or empty`;
  if (s.Resource === undefined || !nonEmptyStrings(s.Resource)) return `Statement[${i}].Resource is missing or empty`;
  // "Setting this element to an empty array [] is equivalent to setting it to ["*"]"
  if (s.Principal === undefined || !nonEmptyStrings(s.Principal, true)) return `Statement[${i}].Principal is missing (required for bucket policies)`;
  if (s.Condition !== undefined) {
    if (!isObject(s.Condition)) return `Statement[${i}].Condition is not an object`;
    for (const block of Object.values(s.Condition)) {
      if (!isObject(block)) return `Statement[${i}].Condition: an operator must map keys to values`;
      for (const values of Object.values(block)) {
        const list = Array.isArray(values) ? values : [values];
        if (!list.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) return `Statement[${i}].Condition: values must be strings`;
      }
    }
  }
  return null;
}

/** Why OSS would refuse this PutBucketPolicy body, or null when it stores it. */
export function validateBucketPolicy(body: Buffer): PolicyRefusal | null {
  if (body.length >= MAX_POLICY_BYTES) return { error: 'PolicyTooLarge', why: `${body.length} bytes, the limit is under 16 KB` };
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return { error: 'PolicyInvalid', why: 'not JSON' };
  }
  if (!isObject(doc)) return { error: 'PolicyInvalid', why: 'not a JSON object' };
  if (doc.Version === undefined) return { error: 'PolicyInvalid', why: 'no Version' };
  if (typeof doc.Version !== 'string') return { error: 'PolicyInvalid', why: 'Version is not a string' };
  if (doc.Version !== '1') return { error: 'PolicyVersion', why: `Version ${JSON.stringify(doc.Version)}` };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  if (!statements.length) return { error: 'PolicyInvalid', why: 'no Statement' };
  for (let i = 0; i < statements.length; i++) {
    const p = statementProblem(statements[i], i);
    if (p) return { error: 'PolicyInvalid', why: p };
  }
  if (body.toString('utf8').includes('**')) return { error: 'PolicyConsecutiveWildcards', why: 'consecutive wildcards (**)' };
  if (sourceIpWithoutVpc(statements).length) return { error: 'PolicySourceIpWithoutVpc', why: 'acs:SourceIp without acs:SourceVpc' };
  return null;
}
