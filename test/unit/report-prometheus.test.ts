// The textfile-collector file, checked by a parser written here from the text exposition format
// (https://prometheus.io/docs/instrumenting/exposition_formats/): names, labels, escaping, HELP and
// TYPE once per family before its samples, a family's samples together, no duplicate series, no
// timestamps (the textfile collector refuses them); plus naming conventions and the content.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { RunResult } from '../../src/core/model.js';
import { FORMATS, type ReportInput, singleRun } from '../../src/report/index.js';
import { escapeLabel, lastSuccesses, renderPrometheus } from '../../src/report/prometheus.js';
import { writeAtomically } from '../../src/report/write.js';
import { result, runInput } from '../fixtures/reports/load.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Parsed {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: Sample[];
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A strict parser of the text format as node_exporter's textfile collector reads it. Throws on any violation. */
function parse(text: string): Parsed {
  if (!text.endsWith('\n')) throw new Error('the last line must end with a line feed');
  const p: Parsed = { help: new Map(), type: new Map(), samples: [] };
  const closed = new Set<string>();
  let current: string | null = null;
  const series = new Set<string>();
  const enter = (family: string, line: number) => {
    if (family === current) return;
    if (closed.has(family)) throw new Error(`line ${line}: family ${family} appears in two places`);
    if (current) closed.add(current);
    current = family;
  };
  text.slice(0, -1).split('\n').forEach((line, i) => {
    const at = i + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, 'HELP' | 'TYPE', string, string];
      if (!METRIC.test(name)) throw new Error(`line ${at}: bad metric name ${name}`);
      enter(name, at);
      if (p.samples.some((s) => s.name === name)) throw new Error(`line ${at}: ${kind} for ${name} after its samples`);
      const map = kind === 'HELP' ? p.help : p.type;
      if (map.has(name)) throw new Error(`line ${at}: second ${kind} for ${name}`);
      if (kind === 'TYPE' && !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`line ${at}: bad type ${rest}`);
      if (kind === 'HELP' && /\\(?![\\n])/.test(rest)) throw new Error(`line ${at}: bad escape in HELP`);
      map.set(name, rest);
      return;
    }
    const nm = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!nm) throw new Error(`line ${at}: no metric name: ${line}`);
    const name = nm[1]!;
    enter(name, at);
    let i2 = name.length;
    const labels: Record<string, string> = {};
    if (line[i2] === '{') {
      i2++;
      while (line[i2] !== '}') {
        const lm = /^([^=]*)="/.exec(line.slice(i2));
        if (!lm) throw new Error(`line ${at}: bad label at ${i2}`);
        const ln = lm[1]!;
        if (!LABEL.test(ln) || ln.startsWith('__')) throw new Error(`line ${at}: bad label name ${ln}`);
        if (ln in labels) throw new Error(`line ${at}: label ${ln} twice`);
        i2 += lm[0].length;
        let v = '';
        for (;;) {
          const ch = line[i2++];
          if (ch === undefined) throw new Error(`line ${at}: unterminated label value`);
          if (ch === '"') break;
          if (ch === '\\') {
            const e = line[i2++];
            if (e === 'n') v += '\n';
            else if (e === '\\' || e === '"') v += e;
            else throw new Error(`line ${at}: bad escape \\${e}`);
          } else v += ch;
        }
        labels[ln] = v;
        if (line[i2] === ',') i2++;
        else if (line[i2] !== '}') throw new Error(`line ${at}: expected , or } at ${i2}`);
      }
      i2++;
    }
    const rest = line.slice(i2);
    const vm = /^ (\S+)$/.exec(rest);
    if (!vm) throw new Error(`line ${at}: expected one space and a value without timestamp, got "${rest}"`);
    const raw = vm[1]!;
    if (!/^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?Inf|NaN)$/.test(raw)) throw new Error(`line ${at}: bad value ${raw}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`line ${at}: duplicate series ${key}`);
    series.add(key);
    p.samples.push({ name, labels, value: Number(raw.replace('Inf', 'Infinity')) });
  });
  for (const s of p.samples) if (!p.type.has(s.name) || !p.help.has(s.name)) throw new Error(`${s.name} has no HELP or TYPE`);
  return p;
}

const render = (input: ReportInput, previous?: string) =>
  FORMATS.prometheus!(input, { color: false, ...(previous === undefined ? {} : { previous }) });
const get = (p: Parsed, name: string, labels: Record<string, string>) =>
  p.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const value = (p: Parsed, name: string, labels: Record<string, string>) => {
  const found = get(p, name, labels);
  if (found.length !== 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} series`);
  return found[0]!.value;
};

t.test('the parser rejects what the format forbids (so passing it means something)', async (t) => {
  const ok = '# HELP a_b x\n# TYPE a_b gauge\na_b{l="v"} 1\n';
  t.doesNotThrow(() => parse(ok));
  const bad: [string, RegExp][] = [
    ['# HELP a_b x\n# TYPE a_b gauge\na_b{l="v"} 1', /line feed/],
    [`${ok}a_b{l="v"} 2\n`, /duplicate series/],
    [`${ok}# HELP a_b y\n`, /second HELP|after its samples/],
    ['# HELP 1a x\n', /bad metric name/],
    ['# HELP a x\n# TYPE a gauge\na{1l="v"} 1\n', /bad label name/],
    ['# HELP a x\n# TYPE a gauge\na{__l="v"} 1\n', /bad label name/],
    ['# HELP a x\n# TYPE a gauge\na{l="v\\t"} 1\n', /bad escape/],
    ['# HELP a x\n# TYPE a gauge\na{l="v"} 1 1700000000000\n', /without timestamp/],
    ['# HELP a x\n# TYPE a gauge\na{l="v"} one\n', /bad value/],
    ['# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na{l="2"} 1\n', /two places/],
    ['a 1\n', /no HELP or TYPE/],
    ['# HELP a x\n# TYPE a gauges\n', /bad type/],
  ];
  for (const [text, why] of bad) t.throws(() => parse(text), why, JSON.stringify(text));
});

t.test('a run of five targets: valid, conventional names, the expected series', async (t) => {
  const text = render(runInput());
  const p = parse(text);
  const families = [...p.type.keys()];
  t.same(families, [
    'backup_canary_up',
    'backup_canary_success',
    'backup_canary_last_run_timestamp_seconds',
    'backup_canary_last_success_timestamp_seconds',
    'backup_canary_probe_duration_seconds',
    'backup_canary_leftovers',
    'backup_canary_check_success',
    'backup_canary_check_outcome',
    'backup_canary_check_duration_seconds',
  ]);
  for (const f of families) {
    t.match(f, /^backup_canary_[a-z0-9]+(_[a-z0-9]+)*$/, `${f}: prefixed snake_case`);
    t.equal(p.type.get(f), 'gauge', `${f}: a gauge (set each run, not accumulated)`);
    t.notMatch(f, /_total$/, `${f}: no counter suffix on a gauge`);
    if (/duration|timestamp/.test(f)) t.match(f, /_seconds$/, `${f}: the unit as suffix`);
    t.ok((p.help.get(f) ?? '').length > 20, `${f}: HELP says something`);
  }
  const labelNames = new Set(p.samples.flatMap((s) => Object.keys(s.labels)));
  t.same([...labelNames].sort(), ['action', 'bucket', 'check', 'expect', 'expected', 'outcome', 'prefix', 'probe', 'provider', 'target']);
  t.notOk(labelNames.has('job') || labelNames.has('instance'), 'no label the scrape sets itself');

  const nas = { target: 'office-nas', provider: 'aws', bucket: 'office-backups', prefix: 'nas/', probe: 'default' };
  const put = { ...nas, check: 'put-object', action: 's3:PutObject', expect: 'allow' };
  t.equal(value(p, 'backup_canary_check_success', put), 0);
  t.equal(value(p, 'backup_canary_check_success', { ...nas, check: 'list-prefix' }), 1);
  t.same(get(p, 'backup_canary_check_outcome', put).map((s) => [s.labels.outcome, s.value]), [['allowed', 0], ['denied', 1], ['error', 0], ['skipped', 0], ['not-probed', 0], ['evaluated', 0]]);
  t.equal(value(p, 'backup_canary_check_outcome', { ...nas, check: 'head-object', outcome: 'skipped' }), 1);
  t.equal(value(p, 'backup_canary_check_duration_seconds', put), 0.009);

  const by = (name: string) => Object.fromEntries(get(p, name, {}).filter((s) => !s.labels.expected || s.labels.expected === 'false').map((s) => [s.labels.target, s.value]));
  t.same(by('backup_canary_up'), { 'db-nightly': 1, 'dr-site': 0, 'vault-append-only': 1, 'vault-over-privileged': 1, 'office-nas': 1 });
  t.same(by('backup_canary_success'), { 'db-nightly': 1, 'dr-site': 0, 'vault-append-only': 1, 'vault-over-privileged': 0, 'office-nas': 0 });
  t.same(by('backup_canary_last_run_timestamp_seconds'), {
    'db-nightly': 1795312800.118, 'dr-site': 1795312801, 'vault-append-only': 1795312802.004, 'vault-over-privileged': 1795312803.101, 'office-nas': 1795312804.53,
  });
  t.same(by('backup_canary_last_success_timestamp_seconds'), { 'db-nightly': 1795312800.118, 'vault-append-only': 1795312802.004 }, 'absent for targets that never passed');
  t.same(by('backup_canary_probe_duration_seconds'), { 'db-nightly': 1.184, 'dr-site': 3.02, 'vault-append-only': 0.204, 'vault-over-privileged': 0.187, 'office-nas': 0.311 });
  t.same(by('backup_canary_leftovers'), { 'db-nightly': 0, 'dr-site': 0, 'vault-append-only': 0, 'vault-over-privileged': 1, 'office-nas': 0 }, 'unexpected leftovers');
  t.equal(value(p, 'backup_canary_leftovers', { target: 'vault-append-only', expected: 'true' }), 2, 'the canaries append-only must keep');

  t.equal(value(p, 'backup_canary_check_success', { target: 'vault-over-privileged', check: 'delete-object', expect: 'deny' }), 0, 'over-privileged');
  t.equal(get(p, 'backup_canary_check_success', { target: 'dr-site' }).length, 16);
  t.equal(get(p, 'backup_canary_check_outcome', {}).length, 6 * 62, 'a state set of six per check');
  const perCheck = new Map<string, number>();
  for (const s of get(p, 'backup_canary_check_outcome', {})) {
    const k = `${s.labels.target}/${s.labels.check}`;
    perCheck.set(k, (perCheck.get(k) ?? 0) + s.value);
  }
  t.ok([...perCheck.values()].every((v) => v === 1), 'exactly one outcome per check');
});

t.test('last success is carried over from the previous file while a target fails', async (t) => {
  const first = render(runInput());
  // Next night: db-nightly fails, vault-append-only still passes, office-nas passes for the first time.
  const next = runInput();
  const [db, , ap, , nas] = next.results as [RunResult, RunResult, RunResult, RunResult, RunResult];
  const later = (r: RunResult, verdict: RunResult['verdict']) => Object.assign(r, { verdict, startedAt: r.startedAt.replace('2026-11-22', '2026-11-23') });
  later(db, 'fail');
  later(ap, 'pass');
  later(nas, 'pass');
  const p = parse(render(next, first));
  const last = Object.fromEntries(get(p, 'backup_canary_last_success_timestamp_seconds', {}).map((s) => [s.labels.target, s.value]));
  t.same(last, {
    'db-nightly': 1795312800.118, // carried: it failed now
    'vault-append-only': 1795312802.004 + 86400, // passed now
    'office-nas': 1795312804.53 + 86400, // passed now, first time
  });
  t.equal(value(p, 'backup_canary_last_run_timestamp_seconds', { target: 'db-nightly' }), 1795312800.118 + 86400);

  // Carried over only for targets still in the run, matched on every target label.
  const renamed = runInput();
  renamed.results[0]!.verdict = 'fail';
  renamed.results[0]!.target.prefix = 'db/other/';
  t.same(get(parse(render(renamed, first)), 'backup_canary_last_success_timestamp_seconds', { target: 'db-nightly' }), []);
  // A previous file that is garbage is ignored, not fatal.
  t.doesNotThrow(() => parse(render(next, '\u0000garbage\nbackup_canary_last_success_timestamp_seconds{target="x 1\n')));
  t.same([...lastSuccesses('backup_canary_last_success_timestamp_seconds{target="a\\"b\\\\c\\nd"} 12.5\n').entries()], [[JSON.stringify(['a"b\\c\nd', '', '', '', '']), 12.5]]);
});

t.test('label values are escaped and read back exactly', async (t) => {
  const r = result('pass');
  r.target.name = 'weird "name"\\with\nnewline';
  r.target.prefix = 'a"b\\c/';
  r.verdict = 'fail';
  const previous = `# HELP backup_canary_last_success_timestamp_seconds x\n# TYPE backup_canary_last_success_timestamp_seconds gauge\nbackup_canary_last_success_timestamp_seconds{target="${escapeLabel(r.target.name)}",provider="aws",bucket="corp-backups",prefix="${escapeLabel(r.target.prefix)}",probe="default"} 1700000000\n`;
  const text = renderPrometheus(singleRun(r), previous);
  t.match(text, 'target="weird \\"name\\"\\\\with\\nnewline"');
  t.match(text, 'prefix="a\\"b\\\\c/"');
  const p = parse(text);
  t.equal(value(p, 'backup_canary_up', { target: 'weird "name"\\with\nnewline', prefix: 'a"b\\c/' }), 1);
  t.equal(value(p, 'backup_canary_last_success_timestamp_seconds', { prefix: 'a"b\\c/' }), 1700000000, 'carried over through the escaping');
  t.equal(escapeLabel('\\"\n'), '\\\\\\"\\n');
});

t.test('targets that look alike are distinct series; a target that never ran is down', async (t) => {
  const a = result('pass');
  const b = result('pass');
  b.target.role = 'arn:aws:iam::123456789012:role/other';
  const c: RunResult = { ...result('office-ip'), runId: '', checks: [], leftovers: [], verdict: 'error', error: 'not started: interrupted by SIGINT', interrupted: 'SIGINT', durationMs: 0 };
  const p = parse(render({ kind: 'run', results: [a, b, c], verdict: 'error', durationMs: 5, startedAt: a.startedAt }));
  t.equal(get(p, 'backup_canary_up', {}).length, 3);
  t.equal(value(p, 'backup_canary_up', { target: 'aws office-backups/nas/ (default)' }), 0);
  t.equal(get(p, 'backup_canary_check_success', { target: 'aws office-backups/nas/ (default)' }).length, 0);
});

t.test('writeAtomically: whole file or nothing, no temporary left behind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'report-write-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'backup_canary.prom');
  const text = render(runInput());
  writeAtomically(file, text);
  t.equal(readFileSync(file, 'utf8'), text);
  t.equal(statSync(file).mode & 0o777 & ~process.umask(), 0o644 & ~process.umask());
  writeFileSync(file, 'old content that is longer than the new one '.repeat(1000));
  writeAtomically(file, 'new\n');
  t.equal(readFileSync(file, 'utf8'), 'new\n', 'replaced, not overwritten in place');
  t.same(readdirSync(dir), ['backup_canary.prom'], 'no temporary file');
  const big = 'x'.repeat(5 * 1024 * 1024);
  writeAtomically(file, big);
  t.equal(readFileSync(file, 'utf8').length, big.length, 'large content written completely');

  const target = join(dir, 'is-a-directory');
  mkdirSync(target);
  mkdirSync(join(target, 'child'));
  t.throws(() => writeAtomically(target, 'x'), /EISDIR|ENOTEMPTY|EEXIST|EPERM/, 'renaming over a directory fails');
  t.same(readdirSync(dir).sort(), ['backup_canary.prom', 'is-a-directory'], 'and the temporary file is removed');
  t.throws(() => writeAtomically(join(dir, 'missing', 'x.prom'), 'x'), /ENOENT/);
});
