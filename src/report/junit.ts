// JUnit XML for CI servers: one <testsuite> per target, one <testcase> per check, valid against the
// Apache Ant JUnit schema that Jenkins and most CI servers read (windyroad/JUnit-Schema JUnit.xsd,
// copied to test/fixtures/reports/junit.xsd; the tests validate every output with xmllint).
//
// That schema decides the shape:
// - the root is <testsuites>, each <testsuite> with `package` and `id`; <properties>, <system-out>
//   and <system-err> are required (in that order around the test cases);
// - <failure> and <error> require `type`;
// - `timestamp` is `YYYY-MM-DDTHH:MM:SS` without a time zone: it is the run's start in UTC;
// - there is no <skipped> element and no `skipped` attribute.
//
// Skipped checks. "A skipped check never counts as passed" (runner.ts `meets`): the probe's verdict
// fails on every skipped check, whatever its expectation. CI servers treat <skipped> as not failed,
// so a skipped check is a <failure type="skipped" message="skipped: needs put-object, which was
// denied"> (an expectation that could not be checked is not met), or an <error type="interrupted">
// when a signal stopped the run (the verdict is `error` then). The suite's failures and errors thus
// add up to the expectations the probe reports as not met, and a green suite means a passing probe.

import { hostname as osHostname } from 'node:os';
import type { CheckResult, RunResult } from '../core/model.js';
import { evidenceLines, expectedWord, fixSentence, type ReportInput, sourceText, targetNames, unexpectedLeftovers } from './common.js';
import { vantageLabel } from './vantage.js';

export interface JunitOptions {
  /** Default: this machine's name, or `localhost` when it has none. */
  hostname?: string;
}

export function renderJunit(input: ReportInput, o: JunitOptions = {}): string {
  const host = (o.hostname ?? osHostname()).trim() || 'localhost';
  const names = targetNames(input.results);
  const suites = input.results.map((r, i) => suite(r, names[i]!, i, host));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join('')}</testsuites>\n`;
}

interface Case {
  name: string;
  time: number;
  result?: { element: 'failure' | 'error'; type: string; message: string; text: string };
}

function suite(r: RunResult, name: string, id: number, host: string): string {
  const cases: Case[] = r.checks.map((k) => checkCase(k, r));
  // A target that could not run at all (`run`: bad credentials source, interrupted before it started).
  if (r.error) cases.unshift({ name: 'probe', time: r.durationMs, result: { element: 'error', type: r.interrupted ? 'interrupted' : 'not-run', message: r.error, text: r.error } });
  // --backup-*: every check evaluated as the backup sends it; a failure there fails the run (after-run.ts)
  if (r.asBackup) {
    const b = r.asBackup;
    const c: Case = { name: `as the backup (${vantageLabel(b.vantage)})`, time: 0 };
    const failed = b.checks.filter((k) => !k.ok && k.decision !== 'undetermined');
    if (b.verdict === 'fail') {
      const line = (k: (typeof failed)[number]) => `${k.id}: ${k.differs ?? k.summary}`;
      c.result = { element: 'failure', type: 'backup-vantage', message: `from the backup's vantage ${failed.length} check${failed.length === 1 ? '' : 's'} would be denied: ${failed.map((k) => k.id).join(', ')}`, text: failed.map(line).join('\n') };
    }
    cases.push(c);
  }
  const unexpected = unexpectedLeftovers(r);
  if (r.leftovers.length) {
    const c: Case = { name: 'cleanup', time: 0 };
    if (unexpected.length) {
      c.result = {
        element: 'failure',
        type: 'leftover',
        message: `${unexpected.length} canar${unexpected.length === 1 ? 'y' : 'ies'} left behind: ${unexpected.map(leftoverText).join('; ')}`,
        text: unexpected.map(leftoverText).join('\n'),
      };
    }
    cases.push(c);
  }
  const failures = cases.filter((c) => c.result?.element === 'failure').length;
  const errors = cases.filter((c) => c.result?.element === 'error').length;
  const out: string[] = [];
  out.push(
    `  <testsuite package="backup-canary" id="${id}" name="${attr(name)}" timestamp="${junitTimestamp(r.startedAt)}"` +
      ` hostname="${attr(host)}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${seconds(r.durationMs)}">\n`,
  );
  out.push('    <properties>\n');
  for (const [k, v] of properties(r)) out.push(`      <property name="${attr(k)}" value="${attr(v)}"/>\n`);
  out.push('    </properties>\n');
  for (const c of cases) {
    const head = `    <testcase classname="${attr(name)}" name="${attr(c.name)}" time="${seconds(c.time)}"`;
    if (!c.result) {
      out.push(`${head}/>\n`);
      continue;
    }
    const { element, type, message, text: body } = c.result;
    out.push(`${head}>\n      <${element} type="${attr(type)}" message="${attr(message)}">${text(body)}</${element}>\n    </testcase>\n`);
  }
  const summary = [
    `${r.verdict.toUpperCase()}: ${r.checks.filter((k) => k.ok).length}/${r.checks.length} expectations met`,
    `run ${r.runId}, canaries under ${r.target.prefix}.backup-canary/${r.runId}/`,
  ];
  if (r.interrupted) summary.push(`interrupted by ${r.interrupted}`);
  for (const k of r.checks.filter((x) => x.outcome === 'not-probed')) summary.push(`not probed: ${k.id} (${k.action}): ${k.reason ?? 'never sent'}`);
  if (r.target.conditionalWrites) summary.push(`conditional writes: CompleteMultipartUpload ${r.target.conditionalWrites.completeMultipartUpload}: ${r.target.conditionalWrites.why}`);
  for (const k of r.checks.filter((x) => x.caveat)) summary.push(`finding ${k.caveat!.finding} (${k.id}, does not fail the check): ${k.caveat!.why}`);
  if (r.explain) {
    summary.push(`explain: read ${r.explain.read.join(', ') || 'no policy'}`);
    for (const n of r.explain.notVisible) summary.push(`explain: not visible: ${n.policy}: ${n.why}`);
    for (const w of r.explain.warnings) summary.push(`explain: note: ${w}`);
  }
  out.push(`    <system-out>${text(summary.join('\n'))}</system-out>\n`);
  const left = r.leftovers.map((l) => `left behind${unexpected.includes(l) ? '' : ' (expected by the definition)'}: ${leftoverText(l)}`);
  out.push(`    <system-err>${text(left.join('\n'))}</system-err>\n`);
  out.push('  </testsuite>\n');
  return out.join('');
}

function checkCase(k: CheckResult, r: RunResult): Case {
  const c: Case = { name: `${k.id} (${k.action}${k.by === 'writer' ? ', writer setup' : ''})${k.outcome === 'not-probed' ? ' [not probed]' : k.outcome === 'evaluated' ? ' [evaluated, never sent]' : ''}`, time: k.durationMs };
  if (k.ok) return c;
  if (k.outcome === 'evaluated') {
    // never sent: the evaluation of the policies read decided, and it does not meet the expectation
    const d = k.explain?.decision ?? 'undetermined';
    const fix = k.explain?.fix ? ` ${k.explain.fix.summary}` : '';
    c.result = { element: 'failure', type: `evaluated-${d}`, message: `${k.action} (never sent) evaluates to ${d}, expected ${expectedWord(k)}: ${k.explain?.summary ?? ''}.${fix}`, text: evidenceLines(k).join('\n') };
    return c;
  }
  const evidence = evidenceLines(k).join('\n');
  const expected = expectedWord(k);
  if (k.outcome === 'skipped') {
    c.result = r.interrupted
      ? { element: 'error', type: 'interrupted', message: `skipped: ${k.reason ?? `interrupted by ${r.interrupted}`}`, text: evidence }
      : { element: 'failure', type: 'skipped', message: `skipped: ${k.reason ?? 'not run'}`, text: evidence };
    return c;
  }
  if (k.outcome === 'error') {
    const d = k.denial;
    const what = d ? `${d.code}${d.httpStatus !== null ? ` ${d.httpStatus}` : ''}${d.message ? `: ${d.message}` : ''}` : (k.reason ?? 'failed');
    c.result = { element: 'error', type: d?.code ?? 'error', message: `${k.action} could not complete at stage ${d?.stage ?? 'unknown'}: ${what}${d ? `. ${fixSentence(k)}` : ''}`, text: evidence };
    return c;
  }
  if (k.outcome === 'allowed') {
    const why = k.explain ? `; ${k.explain.summary}` : '';
    c.result = {
      element: 'failure',
      type: k.finding ?? 'allowed',
      message: `${k.action} was allowed, expected denied${k.finding ? ` (${k.finding})` : ''}: remove the permission that grants it${why}`,
      text: evidence,
    };
    return c;
  }
  const d = k.denial;
  c.result = {
    element: 'failure',
    type: 'denied',
    message: `${k.action} was denied, expected ${expected}: stage ${d?.stage ?? 'unknown'}, ${d ? sourceText(k) : 'no evidence'}. ${fixSentence(k)}`.trimEnd(),
    text: evidence,
  };
  return c;
}

function properties(r: RunResult): [string, string][] {
  const t = r.target;
  const p: [string, string][] = [
    ['provider', t.provider],
    ['bucket', t.bucket],
    ['prefix', t.prefix],
    ['probe', t.probe],
  ];
  if (t.region) p.push(['region', t.region]);
  if (t.endpoint) p.push(['endpoint', t.endpoint]);
  if (t.role) p.push(['role', t.role]);
  if (r.identity.source) p.push(['identity.source', r.identity.source]);
  if (r.identity.assumedRoleArn) p.push(['identity.assumedRoleArn', r.identity.assumedRoleArn]);
  p.push(['runId', r.runId], ['startedAt', r.startedAt], ['verdict', r.verdict], ['tool.version', r.tool.version]);
  if (r.interrupted) p.push(['interrupted', r.interrupted]);
  if (r.target.conditionalWrites) p.push(['conditionalWrites.completeMultipartUpload', r.target.conditionalWrites.completeMultipartUpload]);
  for (const k of r.checks.filter((x) => x.caveat)) p.push([`finding.${k.id}`, k.caveat!.finding]);
  return p;
}

function leftoverText(l: RunResult['leftovers'][number]): string {
  return `${l.key}${l.uploadId ? ` (upload ${l.uploadId})` : ''}: ${l.why}`;
}

/** The schema's timestamp: `YYYY-MM-DDTHH:MM:SS`, no fraction, no zone (UTC here). */
export function junitTimestamp(iso: string): string {
  const d = new Date(iso);
  const t = Number.isNaN(d.getTime()) ? new Date(0) : d;
  return t.toISOString().slice(0, 19);
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/**
 * XML 1.0 allows only #x9 #xA #xD, #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF. Any other
 * character (control characters, U+FFFE/U+FFFF, unpaired surrogates) cannot appear even as a
 * character reference; it is replaced by its visible escape `\u001b`, so the evidence survives.
 */
export function xmlChars(s: string): string {
  return s.replace(
    /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Element text: `&`, `<`, `>` escaped; CR kept as a reference (a parser would turn it into LF). */
export function text(s: string): string {
  return xmlChars(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Attribute values (double-quoted): also `"`, and TAB/LF/CR as references so normalisation keeps them. */
export function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}
