// Colour and symbols by flag and environment; plurals; the "what changed" lines of the text report.
import t from 'tap';
import { outputStyle, plural, styled, toAscii } from '../../src/report/style.js';
import { renderText } from '../../src/report/text.js';
import { result } from '../fixtures/reports/load.js';

t.test('colour: flag, FORCE_COLOR, NO_COLOR, TERM=dumb, then the terminal', async (t) => {
  const utf = { LANG: 'en_US.UTF-8' };
  t.equal(outputStyle(utf, true).color, true);
  t.equal(outputStyle(utf, false).color, false);
  t.equal(outputStyle({ ...utf, NO_COLOR: '1' }, true).color, false);
  t.equal(outputStyle({ ...utf, NO_COLOR: '' }, true).color, true, 'an empty NO_COLOR is not set (no-color.org)');
  t.equal(outputStyle({ ...utf, FORCE_COLOR: '1' }, false).color, true);
  t.equal(outputStyle({ ...utf, FORCE_COLOR: '1', NO_COLOR: '1' }, false).color, true, 'FORCE_COLOR wins over NO_COLOR');
  t.equal(outputStyle({ ...utf, FORCE_COLOR: '0' }, true).color, false);
  t.equal(outputStyle({ ...utf, TERM: 'dumb' }, true).color, false);
  t.equal(outputStyle({ ...utf, NO_COLOR: '1' }, false, true).color, true, '--color wins');
  t.equal(outputStyle({ ...utf, FORCE_COLOR: '1' }, true, false).color, false, '--no-color wins');
});

t.test('symbols: ASCII unless the locale is UTF-8 and TERM is not dumb', async (t) => {
  t.equal(outputStyle({ LANG: 'C.UTF-8' }, true).unicode, true);
  t.equal(outputStyle({ LC_ALL: 'en_GB.utf8', LANG: 'C' }, true).unicode, true, 'LC_ALL first');
  t.equal(outputStyle({ LC_ALL: 'C', LANG: 'en_US.UTF-8' }, true).unicode, false);
  t.equal(outputStyle({ LC_CTYPE: 'de_DE.ISO-8859-1' }, true).unicode, false);
  t.equal(outputStyle({}, true).unicode, false, 'no locale set is the C locale');
  t.equal(outputStyle({ LANG: 'C.UTF-8', TERM: 'dumb' }, true).unicode, false);
  const text = renderText(result('office-ip'), { color: false });
  t.match(text, /[✓✗·→]/, 'the report has Unicode symbols');
  const ascii = styled(text, { color: false, unicode: false });
  t.notMatch(ascii, /[^\x00-\x7f]/, 'none left in ASCII');
  t.match(ascii, /^ {2}\+ /m);
  t.match(ascii, /^ {2}x /m);
  t.equal(toAscii('a → b · c ✓'), 'a -> b | c +');
});

t.test('plurals and the changes block', async (t) => {
  t.equal(plural(1, 'error'), '1 error');
  t.equal(plural(0, 'error'), '0 errors');
  t.equal(plural(2, 'canary', 'canaries'), '2 canaries');
  const r = result('office-ip');
  t.match(renderText(r, { color: false }), /\d+ allowed, \d+ denied, \d+ errors?, \d+ skipped/);
  r.changes = [{ check: 'put-object', action: 's3:PutObject', from: 'allowed', to: 'denied', since: '2026-11-30T01:30:05.000Z' }];
  r.policyChanges = [{ policy: 'bucket-policy', from: `sha256:${'a'.repeat(64)}`, to: `sha256:${'b'.repeat(64)}`, since: '2026-11-30T01:30:05.000Z' }];
  const text = renderText(r, { color: false });
  t.match(text, /^changed since 2026-11-30T01:30Z: s3:PutObject allowed → denied \(put-object\)$/m);
  t.match(text, /^policy changed since 2026-11-30T01:30Z: bucket-policy sha256:aaaaaaaaaaaa → sha256:bbbbbbbbbbbb$/m);
  r.changes = [];
  delete r.policyChanges;
  t.match(renderText(r, { color: false }), /^Nothing changed since the baseline run\.$/m);
  const named = result('pass');
  named.target.name = 'orders-db';
  named.shard = '1/3';
  t.match(renderText(named, { color: false }), /^orders-db: aws corp-backups\/db\/nightly\/ in eu-central-1 \(shard 1\/3\)$/m, 'a run section is headed by the target name');
});
