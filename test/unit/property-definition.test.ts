// Property-based: any probe definition text, valid or broken, either parses into a sane ProbeDefinition or is
// refused with a UsageError that names the file and the line. Never a TypeError or another crash.
import t from 'tap';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseDefinition } from '../../src/core/definition.js';
import { UsageError } from '../../src/core/model.js';
import { CHECK_IDS } from '../../src/core/plan.js';

const FILE = '/defs/hostile.yaml';
const RUNS = Number(process.env.FC_RUNS ?? 400);

const VALID = `name: nightly
description: A hostile-input test definition
source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
providers: [aws]
options:
  part-size: 8MiB
  list: plain
checks:
  assume-role: allow
  put-object: allow
  delete-object: any
`;

/** Keys that are meaningful somewhere, keys that are JavaScript object internals, and noise. */
const key = fc.oneof(
  fc.constantFrom('name', 'description', 'source', 'providers', 'options', 'checks'),
  fc.constantFrom(...CHECK_IDS),
  fc.constantFrom('part-size', 'acl', 'sse', 'kms-key-id', 'storage-class', 'list'),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '<<', ''),
  fc.string({ maxLength: 12 }),
);
const scalar = fc.oneof(
  fc.constantFrom('allow', 'deny', 'any', 'aws', 'alibaba', '8MiB', 'plain', 'AES256', '', ' ', 'null', '~', 'true', 'yes', 'no'),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 5 })),
})).v;
const document = fc.dictionary(key, value, { maxKeys: 8 });

/** A valid definition with a few characters or YAML tokens inserted, replaced or removed. */
const TOKENS = ['&a ', '*a', '!!binary ', '!!str ', '!!map ', '? ', '- ', '{', '}', '[', ']', ': ', '---\n', '...\n', '%YAML 1.2\n', '#', '|', '>', '"', "'", '\t', '\n', '  ', '\u0000', '\ufeff', '\u2028', '<<: *a\n', 'checks: ', 'options:\n  constructor: x\n'];
const mutated = fc
  .array(fc.tuple(fc.nat(VALID.length), fc.nat(8), fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 6 }))), { minLength: 1, maxLength: 5 })
  .map((edits) => edits.reduce((text, [at, del, ins]) => text.slice(0, Math.min(at, text.length)) + ins + text.slice(Math.min(at, text.length) + del), VALID));

const text = fc.oneof(
  { arbitrary: document.map((d) => stringify(d)), weight: 3 },
  { arbitrary: document.map((d) => stringify(d, { collectionStyle: 'flow' })), weight: 1 },
  { arbitrary: mutated, weight: 4 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 100 }), weight: 1 },
);

function check(src: string): void {
  let profile;
  try {
    profile = parseDefinition(src, FILE);
  } catch (e) {
    if (!(e instanceof UsageError)) throw new Error(`not a UsageError: ${(e as Error)?.name}: ${(e as Error)?.message}`);
    if (!/^\/defs\/hostile\.yaml:\d+: \S/.test(e.message)) throw new Error(`the message does not name file:line: ${JSON.stringify(e.message)}`);
    return;
  }
  // Accepted: then it is a definition the probe can use.
  if (typeof profile.name !== 'string' || !profile.name) throw new Error('accepted without a name');
  const ids = Object.keys(profile.checks);
  if (!ids.length || !ids.every((id) => (CHECK_IDS as readonly string[]).includes(id))) throw new Error(`accepted with checks ${ids.join(',')}`);
  if (!Object.values(profile.checks).every((x) => ['allow', 'deny', 'any'].includes(x))) throw new Error('accepted with a bad expectation');
  if (!profile.providers.every((p) => ['aws', 'alibaba'].includes(p))) throw new Error('accepted with a bad provider');
}

t.test('the valid base definition parses', async (t) => {
  const p = parseDefinition(VALID, FILE);
  t.same(p.checks, { 'assume-role': 'allow', 'put-object': 'allow', 'delete-object': 'any' });
  t.same(p.options, { 'part-size': '8MiB', list: 'plain' });
});

t.test('any definition text: a sane ProbeDefinition, or a UsageError naming file:line; never a TypeError', async (t) => {
  const outcome = { accepted: 0, refused: 0 };
  fc.assert(
    fc.property(text, (src) => {
      check(src);
      try {
        parseDefinition(src, FILE);
        outcome.accepted++;
      } catch {
        outcome.refused++;
      }
    }),
    { numRuns: RUNS, seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined },
  );
  t.comment(`${outcome.accepted} accepted, ${outcome.refused} refused`);
  t.ok(outcome.accepted > 0 && outcome.refused > 0, 'the generator reaches both outcomes');
});

// Cases the generator found or that target a specific path; kept as plain examples.
const examples: [string, string][] = [
  ['an empty file', ''],
  ['only a comment', '# nothing here\n'],
  ['a list instead of a mapping', '- name: x\n'],
  ['checks without a value', 'name: n\ndescription: d\nsource: s\nchecks:\n'],
  ['an explicit key without a value', 'name: n\ndescription: d\nsource: s\n? checks\n'],
  ['a null key', 'name: n\ndescription: d\nsource: s\n? \n: x\nchecks:\n  put-object: allow\n'],
  ['an option named like an Object method', 'name: n\ndescription: d\nsource: s\noptions:\n  constructor: x\nchecks:\n  put-object: allow\n'],
  ['an option named __proto__', 'name: n\ndescription: d\nsource: s\noptions:\n  __proto__: x\nchecks:\n  put-object: allow\n'],
  ['a check named toString', 'name: n\ndescription: d\nsource: s\nchecks:\n  toString: allow\n'],
  ['an alias for checks', 'x: &c\n  put-object: allow\nname: n\ndescription: d\nsource: s\nchecks: *c\n'],
  ['a merge key', 'name: n\ndescription: d\nsource: s\nchecks:\n  <<: {put-object: allow}\n'],
  ['a tab-indented block', 'name: n\ndescription: d\nsource: s\nchecks:\n\tput-object: allow\n'],
  ['duplicate keys', 'name: n\nname: m\ndescription: d\nsource: s\nchecks:\n  put-object: allow\n'],
  ['a binary scalar as an expectation', 'name: n\ndescription: d\nsource: s\nchecks:\n  put-object: !!binary aGVsbG8=\n'],
  ['a providers mapping', 'name: n\ndescription: d\nsource: s\nproviders: {aws: 1}\nchecks:\n  put-object: allow\n'],
  ['a huge document of aliases', `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`).join('\n')}\nname: n\n`],
];
for (const [name, src] of examples) {
  t.test(`example: ${name}`, async (t) => {
    t.doesNotThrow(() => check(src));
  });
}
