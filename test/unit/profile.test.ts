import t from 'tap';
import { loadProfile, parseProfile } from '../../src/core/profile.js';
import { CHECK_IDS } from '../../src/core/plan.js';

t.test('the shipped default probe loads and covers every check', async (t) => {
  const p = loadProfile('default');
  t.equal(p.name, 'default');
  t.same(Object.keys(p.checks).sort(), [...CHECK_IDS].sort());
  t.ok(Object.values(p.checks).every((e) => e === 'allow'));
});

t.test('malformed definitions name the file and line', async (t) => {
  const ok = 'name: x\ndescription: d\nsource: s\nchecks:\n  put-object: allow\n';
  t.equal(parseProfile(ok, 'f.yaml').checks['put-object'], 'allow');
  t.throws(() => parseProfile(ok.replace('allow', 'maybe'), 'f.yaml'), { message: /^f\.yaml:5: check "put-object": expectation must be allow, deny or any/ });
  t.throws(() => parseProfile(ok.replace('put-object', 'put-objekt'), 'f.yaml'), { message: /^f\.yaml:5: unknown check "put-objekt"/ });
  t.throws(() => parseProfile(ok + 'colour: red\n', 'f.yaml'), { message: /^f\.yaml:6: unknown key "colour"/ });
  t.throws(() => parseProfile('name: x\nchecks: {}\n', 'f.yaml'), { message: /missing "description"/ });
  t.throws(() => parseProfile('- a\n- b\n', 'f.yaml'), { message: /mapping/ });
  t.throws(() => parseProfile('name: [unclosed\n', 'f.yaml'), { message: /^f\.yaml:\d+:/ });
  t.throws(() => parseProfile('name: x\ndescription: d\nsource: s\nchecks: 3\n', 'f.yaml'), { message: /^f\.yaml:4: "checks" must map/ });
  t.throws(() => loadProfile('no-such-probe'), { message: /no probe definition "no-such-probe"/ });
  t.throws(() => loadProfile('Bad Name'), { message: /not a probe name/ });
});
