import t from 'tap';
import { listDefinitions, loadDefinition, parseDefinition } from '../../src/core/definition.js';
import { CHECK_IDS } from '../../src/core/plan.js';

t.test('the shipped default probe loads: what a backup does, all required', async (t) => {
  const p = loadDefinition('default');
  t.equal(p.name, 'default');
  t.equal(Object.keys(p.checks).length, 16);
  t.ok(Object.keys(p.checks).every((id) => (CHECK_IDS as readonly string[]).includes(id)));
  t.ok(Object.values(p.checks).every((e) => e === 'allow'));
  t.same(p.providers, ['aws', 'alibaba']);
});

t.test('every shipped definition loads', async (t) => {
  const all = listDefinitions();
  t.ok(all.length >= 1);
  for (const p of all) t.ok(p.file.endsWith(`${p.name}.yaml`), `${p.name}: the file is named after the definition`);
});

t.test('providers and options are validated', async (t) => {
  const base = 'name: x\ndescription: d\nsource: s\nchecks:\n  put-object: allow\n';
  const p = parseDefinition(`${base}providers: [aws]\noptions:\n  acl: bucket-owner-full-control\n  part-size: 8MiB\n  list: plain\n`, 'f.yaml');
  t.same(p.providers, ['aws']);
  t.same(p.options, { acl: 'bucket-owner-full-control', 'part-size': '8MiB', list: 'plain' });
  t.throws(() => parseDefinition(`${base}providers: [azure]\n`, 'f.yaml'), { message: /^f\.yaml:6: unknown provider "azure"/ });
  t.throws(() => parseDefinition(`${base}providers: aws\n`, 'f.yaml'), { message: /^f\.yaml:6: "providers" must be a list/ });
  t.throws(() => parseDefinition(`${base}options:\n  acl: everyone\n`, 'f.yaml'), { message: /^f\.yaml:7: option "acl": "everyone" is not valid/ });
  t.throws(() => parseDefinition(`${base}options:\n  colour: red\n`, 'f.yaml'), { message: /^f\.yaml:7: unknown option "colour"/ });
  t.throws(() => parseDefinition('name: x\ndescription: d\nsource: s\nchecks: {}\n', 'f.yaml'), { message: /"checks" is empty/ });
});

t.test('malformed definitions name the file and line', async (t) => {
  const ok = 'name: x\ndescription: d\nsource: s\nchecks:\n  put-object: allow\n';
  t.equal(parseDefinition(ok, 'f.yaml').checks['put-object'], 'allow');
  t.throws(() => parseDefinition(ok.replace('allow', 'maybe'), 'f.yaml'), { message: /^f\.yaml:5: check "put-object": expectation must be allow, deny or any/ });
  t.throws(() => parseDefinition(ok.replace('put-object', 'put-objekt'), 'f.yaml'), { message: /^f\.yaml:5: unknown check "put-objekt"/ });
  t.throws(() => parseDefinition(ok + 'colour: red\n', 'f.yaml'), { message: /^f\.yaml:6: unknown key "colour"/ });
  t.throws(() => parseDefinition('name: x\nchecks: {}\n', 'f.yaml'), { message: /missing "description"/ });
  t.throws(() => parseDefinition('- a\n- b\n', 'f.yaml'), { message: /mapping/ });
  t.throws(() => parseDefinition('name: [unclosed\n', 'f.yaml'), { message: /^f\.yaml:\d+:/ });
  t.throws(() => parseDefinition('name: x\ndescription: d\nsource: s\nchecks: 3\n', 'f.yaml'), { message: /^f\.yaml:4: "checks" must map/ });
  t.same(parseDefinition(`${ok}caveats:\n  - one\n  - two   words\n`, 'f.yaml').caveats, ['one', 'two words']);
  t.same(parseDefinition(ok, 'f.yaml').caveats, [], 'caveats are optional');
  t.throws(() => parseDefinition(`${ok}caveats: just text\n`, 'f.yaml'), { message: /^f\.yaml:6: "caveats" must be a list of sentences/ });
  t.throws(() => parseDefinition(`${ok}caveats:\n  - ok\n  - {a: 1}\n`, 'f.yaml'), { message: /^f\.yaml:8: a caveat must be a non-empty string/ });
  t.equal(parseDefinition(ok.replace('put-object', 'head-bucket'), 'f.yaml').checks['head-bucket'], 'allow', 'head-bucket is a check');
  t.throws(() => loadDefinition('no-such-probe'), { message: /no probe definition "no-such-probe"/ });
  t.throws(() => loadDefinition('Bad Name'), { message: /not a probe name/ });
});
