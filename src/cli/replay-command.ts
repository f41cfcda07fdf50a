// `backup-canary explain --replay REPORT.json [--bucket-policy F] [--identity-policy F]... [--boundary F] [--session-policy F]... [--kms-key-policy F] [--scp F | --scp-level LEVEL=F]... [--vpce-policy F]`:
// the gate before a policy change. Exit 0 when nothing that was allowed becomes denied, 1 naming each
// check that would be, 3 when undetermined, 2 on bad input.

import { readFileSync } from 'node:fs';
import { EXIT, type RunResult, UsageError } from '../core/model.js';
import { checkPolicyFile, levelPolicyName, parseLevelFile } from '../explain/read.js';
import { replay, type Replacements } from '../explain/replay.js';
import type { Dialect, NamedPolicy } from '../explain/types.js';
import { renderReplay } from '../report/replay.js';
import type { ExplainArgs } from './explain-args.js';
import type { Io } from './io.js';
import { afterWriteFailure, checkWritable, writeOutput } from './output.js';

function readReport(file: string): RunResult[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--replay: cannot read "${file}" as JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const list = Array.isArray(doc) ? doc : typeof doc === 'object' && doc !== null && Array.isArray((doc as { results?: unknown }).results) ? (doc as { results: unknown[] }).results : [doc];
  const results = list.filter((r): r is RunResult => typeof r === 'object' && r !== null && Array.isArray((r as RunResult).checks));
  if (!results.length) throw new UsageError(`--replay: "${file}" is not a backup-canary JSON report`);
  if (!results.some((r) => r.checks.some((c) => c.explain?.input))) {
    throw new UsageError(`--replay: "${file}" records no evaluated requests (probe with --explain and --format json)`);
  }
  return results;
}

/** Flags that shape a request named on the command line, or a layer replay does not replace: refused, never ignored. */
const NOT_WITH_REPLAY = ['action', 'resource', 'principal', 'role-arn', 'resource-account', 'context', 'undetermined', 'store'] as const;

export async function runReplayCommand(a: ExplainArgs & { replay: string }, io: Io): Promise<number> {
  for (const f of NOT_WITH_REPLAY) {
    const v = (a as unknown as Record<string, unknown>)[f];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) {
      throw new UsageError(`--${f} does not apply with --replay: the report's recorded requests are re-evaluated as they were sent${f === 'store' ? ' (replay proposes no fixes)' : ''}`);
    }
  }
  if (a['principal-type'] !== undefined && a['principal-type'] !== 'arn') throw new UsageError('--principal-type does not apply with --replay: the report\'s recorded requests are re-evaluated as they were sent');
  const results = readReport(a.replay);
  const dialect = (results.flatMap((r) => r.checks).find((c) => c.explain?.input)?.explain?.input?.dialect ?? a.dialect) as Dialect;
  const load = (flag: string, file: string, name: string): NamedPolicy => ({ name, document: checkPolicyFile(file, `--${flag}`, dialect).text });
  const r: Replacements = {};
  const given: string[] = [];
  if (a['bucket-policy']) (r.resource = load('bucket-policy', a['bucket-policy'], 'bucket-policy')), given.push(`--bucket-policy ${a['bucket-policy']}`);
  if (a['identity-policy']?.length) (r.identity = a['identity-policy'].map((f) => load('identity-policy', f, `identity:${f}`))), given.push(...a['identity-policy'].map((f) => `--identity-policy ${f}`));
  if (a.scp?.length) (r.scp = a.scp.map((f) => load('scp', f, `scp:${f}`))), given.push(...a.scp.map((f) => `--scp ${f}`));
  if (a['scp-level']?.length) {
    if (a.scp?.length) throw new UsageError('--scp and --scp-level: use one (--scp puts every SCP at one level)');
    r.scp = a['scp-level'].map((v) => {
      const lf = parseLevelFile(v);
      return { ...load('scp-level', lf.file, levelPolicyName(lf)), level: lf.level };
    });
    given.push(...a['scp-level'].map((v) => `--scp-level ${v}`));
  }
  if (a['vpce-policy']?.length) (r.vpce = a['vpce-policy'].map((f) => load('vpce-policy', f, `vpce-policy:${f}`))), given.push(...a['vpce-policy'].map((f) => `--vpce-policy ${f}`));
  if (a.rcp?.length) (r.rcp = a.rcp.map((f) => load('rcp', f, `rcp:${f}`))), given.push(...a.rcp.map((f) => `--rcp ${f}`));
  if (a['trust-policy']) (r.trust = load('trust-policy', a['trust-policy'], 'trust-policy')), given.push(`--trust-policy ${a['trust-policy']}`);
  if (a.boundary) (r.boundary = load('boundary', a.boundary, 'permissions-boundary')), given.push(`--boundary ${a.boundary}`);
  if (a['session-policy']?.length) (r.session = a['session-policy'].map((f) => load('session-policy', f, `session-policy:${f}`))), given.push(...a['session-policy'].map((f) => `--session-policy ${f}`));
  if (a['kms-key-policy']) (r.kms = load('kms-key-policy', a['kms-key-policy'], `kms-key-policy:${a['kms-key-policy']}`)), given.push(`--kms-key-policy ${a['kms-key-policy']}`);
  if (!given.length) throw new UsageError('--replay: give the changed documents (--bucket-policy, --identity-policy, --boundary, --session-policy, --scp, --scp-level, --rcp, --vpce-policy, --kms-key-policy, --trust-policy)');
  if (a.output) checkWritable(a.output);
  const out = replay(results, r);
  const text = renderReplay(out, a.replay, given, a.format === 'json' ? 'json' : 'text');
  const written = a.output ? writeOutput(a.output, text, io) : (io.stdout(text), true);
  const code = out.verdict === 'pass' ? EXIT.ok : out.verdict === 'fail' ? EXIT.failed : EXIT.incomplete;
  return written ? code : afterWriteFailure(code);
}
