// Report formats by name. A new format is one file and one line here. Every format renders one
// probe (`kind: 'probe'`, one result) or a run of many targets (`kind: 'run'`).

import type { Verdict } from '../core/model.js';
import { counts, type ReportInput, targetNames, unexpectedLeftovers } from './common.js';
import { renderJsonReport } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderPrometheus } from './prometheus.js';
import { plural } from './style.js';
import { renderText } from './text.js';

export { aggregateVerdict, type ReportInput, singleRun, targetIds, targetName, targetNames } from './common.js';

export interface RenderOptions {
  color: boolean;
  /** JUnit `hostname` (default: this machine's name, or `localhost`). */
  hostname?: string;
  /** Prometheus: the previous content of the output file, to carry `last_success` over failed runs. */
  previous?: string;
}

export const FORMATS: Record<string, (input: ReportInput, o: RenderOptions) => string> = {
  text: (input, o) => renderTextReport(input, o),
  json: (input) => renderJsonReport(input),
  junit: (input, o) => renderJunit(input, o.hostname === undefined ? {} : { hostname: o.hostname }),
  markdown: (input) => renderMarkdown(input),
  prometheus: (input, o) => renderPrometheus(input, o.previous),
};

export const FORMAT_NAMES = Object.keys(FORMATS);

const paint = (color: boolean, code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const VERDICT_CODE: Record<Verdict, number> = { pass: 32, fail: 31, error: 31 };

/** Each result as `probe` prints it, a blank line between; a run ends with one line per target and the verdict. */
export function renderTextReport(input: ReportInput, o: Pick<RenderOptions, 'color'>): string {
  const parts = input.results.map((r) => renderText(r, { color: o.color }));
  if (input.kind === 'probe') return parts.join('\n');
  const names = targetNames(input.results);
  const word = (v: Verdict) => paint(o.color, VERDICT_CODE[v], v.toUpperCase().padEnd(5));
  const shard = input.results.find((r) => r.shard)?.shard;
  const lines = [`Run of ${plural(input.results.length, 'target')}${shard ? ` (shard ${shard})` : ''}:`];
  input.results.forEach((r, i) => {
    const unmet = r.checks.filter((k) => !k.ok).length;
    const left = unexpectedLeftovers(r).length;
    const detail =
      r.verdict === 'error'
        ? `could not complete: ${r.error ?? (r.interrupted ? `interrupted by ${r.interrupted}` : `${r.checks.filter((k) => k.outcome === 'error').map((k) => k.id).join(', ')} failed`)}`
        : `${r.checks.length - unmet}/${r.checks.length} expectations met${left ? `, ${left} canar${left === 1 ? 'y' : 'ies'} left behind` : ''}`;
    lines.push(`  ${word(r.verdict)} ${names[i]}: ${detail} (${r.durationMs} ms)`);
  });
  const by = (v: Verdict) => input.results.filter((r) => r.verdict === v).length;
  const n = counts(input.results.flatMap((r) => r.checks));
  lines.push(
    '',
    `${word(input.verdict)} ${by('pass')} passed, ${by('fail')} failed, ${by('error')} could not complete; ` +
      `${n.allowed} allowed, ${n.denied} denied, ${plural(n.error, 'error')}, ${n.skipped} skipped${n.evaluated ? `, ${n.evaluated} evaluated` : ''}${n['not-probed'] ? `, ${n['not-probed']} not probed` : ''} (${input.durationMs} ms)`,
  );
  return `${parts.join('\n')}\n${lines.join('\n')}\n`;
}
