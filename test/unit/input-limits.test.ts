// Input limits before parsing (issue 13, item 9): YAML nesting depth (as for policy files), value
// length and file size of run files and probe definitions, and control/bidi/invisible characters in
// run-file names and values. Each is refused with the file and line, exit 2 through the CLI.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDefinition, parseDefinition } from '../../src/core/definition.js';
import { loadRunFile, parseRunFile } from '../../src/core/runfile.js';
import { checkText, invisibleCharacter, printable } from '../../src/core/target.js';
import { checkYamlLimits, MAX_YAML_DEPTH } from '../../src/core/yaml.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bc-limits-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string | Buffer) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

const deepFlow = (n: number) => `targets: ${'['.repeat(n)}${']'.repeat(n)}\n`;
const deepBlock = (n: number) => `targets:\n${Array.from({ length: n }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}x\n`;
const deepMap = (n: number) => `${Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`;
const compact = (n: number) => `targets:\n  ${'- '.repeat(n)}x\n`;

t.test('nesting deeper than the cap is refused with the line, before the parser sees it', async (t) => {
  for (const [name, text, line] of [
    ['flow', deepFlow(100_000), 1],
    ['block sequences', deepBlock(1000), MAX_YAML_DEPTH + 1],
    ['block mappings', deepMap(1000), MAX_YAML_DEPTH + 1],
    ['compact sequences', compact(1000), 2],
  ] as const) {
    t.throws(() => parseRunFile(text, 'r.yaml'), { name: 'UsageError', message: new RegExp(`^r\\.yaml:${line}: the run file nests mappings and sequences more than 64 levels deep$`) }, name);
  }
  // 100 000 flow levels used to exhaust the parser (stack or memory): now refused in milliseconds
  const t0 = performance.now();
  t.throws(() => parseRunFile(deepFlow(100_000), 'r.yaml'), /more than 64 levels/);
  t.ok(performance.now() - t0 < 2000, 'refused quickly');
});

t.test('real files nest far less than the cap; nesting under it is still parsed', async (t) => {
  const ok = 'defaults:\n  region: us-east-1\ntargets:\n  - bucket: b\n    prefix: "db/[x]"\n  - {bucket: c, prefix: "a{b}"}\n  - bucket: d\n    session-name: >-\n      not-nesting\n';
  t.doesNotThrow(() => checkYamlLimits(ok, 'r.yaml', { what: 'run file', maxBytes: 1 << 20 }));
  t.equal(parseRunFile(ok, 'r.yaml').targets.length, 3);
  // exactly at the cap: the lexer passes it on, the run-file checks then refuse its shape
  t.doesNotThrow(() => checkYamlLimits(deepFlow(MAX_YAML_DEPTH - 1), 'r.yaml', { what: 'run file', maxBytes: 1 << 20 }));
  t.throws(() => checkYamlLimits(deepFlow(MAX_YAML_DEPTH), 'r.yaml', { what: 'run file', maxBytes: 1 << 20 }), /more than 64 levels/);
});

t.test('a run file with one 9 MiB value is refused before it is parsed', async (t) => {
  const f = file('big-value.yaml', `targets:\n  - bucket: b\n    prefix: ${'x'.repeat(9 * 1024 * 1024)}\n`);
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  t.throws(() => loadRunFile(f), { name: 'UsageError', message: /big-value\.yaml:3: a value of 9437184 characters; at most 65536 in a run file$/ });
  const grew = process.memoryUsage().heapUsed - before;
  t.ok(grew < 120 * 1024 * 1024, `heap grew by ${Math.round(grew / 1024 / 1024)} MB (the parser's document would take hundreds)`);
  const r = await runCli(['run', f]);
  t.equal(r.code, 2);
  t.match(r.stderr, /^backup-canary: .*big-value\.yaml:3: a value of 9437184 characters/);
  // a block scalar spread over many lines is one value too
  t.throws(() => parseRunFile(`targets:\n  - bucket: |\n${'      aaaaaaaaaa\n'.repeat(10_000)}`, 'r.yaml'), /^r\.yaml:3: a value of \d+ characters; at most 65536/);
});

t.test('file sizes are checked before reading', async (t) => {
  t.throws(() => loadRunFile(file('huge.yaml', Buffer.alloc(11 * 1024 * 1024, 0x20))), /the run file has 11534336 bytes; at most 10485760/);
  const def = file('huge-def.yaml', Buffer.alloc(300 * 1024, 0x20));
  t.throws(() => loadDefinition(def), /a probe definition is at most 262144 bytes/);
  t.throws(() => loadRunFile(dir), /is not a regular file/);
});

t.test('probe definitions: nesting capped with the file and line', async (t) => {
  const head = 'name: deep\ndescription: d\nsource: s\nchecks:\n';
  t.throws(() => parseDefinition(`${head}  put-object: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, 'd.yaml'), { name: 'UsageError', message: /^d\.yaml:5: the probe definition nests mappings and sequences more than 64 levels deep$/ });
  const f = file('deep-def.yaml', `${head}${deepMap(200).replace(/^/gm, '  ')}`);
  const r = await runCli(['probes', 'show', f]);
  t.equal(r.code, 2);
  t.match(r.stderr, /^backup-canary: --probe: .*deep-def\.yaml:\d+: the probe definition nests mappings and sequences more than 64 levels deep\n/);
});

t.test('run files: control, bidi and invisible characters refused in names and values', async (t) => {
  const cases: [string, RegExp][] = [
    ['targets:\n  - name: "nightly\\u202e"\n    bucket: b\n', /^r\.yaml:2: targets\[0\]: "name" contains U\+202E \(RIGHT-TO-LEFT OVERRIDE\); control and invisible characters are not allowed$/],
    ['targets:\n  - bucket: b\n    prefix: "db/\\u2066x/"\n', /^r\.yaml:3: targets\[0\]: "prefix" contains U\+2066 \(LEFT-TO-RIGHT ISOLATE\)/],
    ['defaults:\n  session-name: "a\\u200bb"\ntargets:\n  - bucket: b\n', /^r\.yaml:2: defaults: "session-name" contains U\+200B \(ZERO WIDTH SPACE\)/],
    ['targets:\n  - bucket: "b\\x1b[31m"\n', /^r\.yaml:2: targets\[0\]: "bucket" contains U\+001B \(a control character\)/],
  ];
  for (const [text, re] of cases) t.throws(() => parseRunFile(text, 'r.yaml'), { name: 'UsageError', message: re }, text);
  const f = file('bidi.yaml', 'targets:\n  - name: "a\\u2069"\n    bucket: b\n');
  const r = await runCli(['run', f]);
  t.equal(r.code, 2);
  t.match(r.stderr, /bidi\.yaml:2: targets\[0\]: "name" contains U\+2069/);
  t.notMatch(r.stderr, /\u2069/, 'the character itself is never printed');
});

t.test('which characters count', async (t) => {
  for (const c of ['\u202e', '\u202a', '\u2066', '\u2069', '\u200b', '\u200e', '\u200f', '\u061c', '\ufeff', '\u2028', '\u00ad', '\u0000', '\u007f', '\u0085', '\u{e0041}', '\u2060', '\u2064']) {
    t.ok(invisibleCharacter(`a${c}b`), `U+${c.codePointAt(0)!.toString(16)} refused`);
  }
  for (const s of ['db/nightly/', 'é/ü/', '日本/', 'emoji-🪣/', 'a b', 'a~b@c']) t.equal(invisibleCharacter(s), null, `${s} accepted`);
  t.equal(checkText('--x', 'fine'), 'fine');
  t.equal(printable('a\u202eb\nc'), 'a\\u{202e}b\\u{a}c');
});
