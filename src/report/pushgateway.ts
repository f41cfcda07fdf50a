// Pushing the metrics of `--format prometheus` to a Prometheus Pushgateway, as batch jobs do (a
// Kubernetes CronJob has no long-lived endpoint to scrape).
//
// One group per target: PUT <url>/metrics/job/backup-canary/target/<name> with that target's
// families. PUT replaces the whole group, so checks that are gone from a definition disappear
// instead of lingering (POST would only replace families of the same name).
// Grouping-key encoding follows the Pushgateway README ("URL" section): a label value that contains
// `/` (or is empty) is sent as `<label>@base64/<base64url of the value>` (RFC 4648 §5, padding
// optional, a single `=` for the empty value); other values are URI-component encoded.
// https://github.com/prometheus/pushgateway/blob/master/README.md#url
//
// `backup_canary_last_success_timestamp_seconds` is carried over a failed run from what the
// Pushgateway holds now (GET <url>/metrics), as the textfile output carries it over from the
// previous file.

import type { RunResult } from '../core/model.js';
import { type ReportInput, targetIds } from './common.js';
import { renderPrometheus } from './prometheus.js';

export const PUSH_JOB = 'backup-canary';

export interface PushOptions {
  timeoutMs?: number;
  /** Injected in unit tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export interface PushOutcome {
  target: string;
  url: string;
}

/** A push that did not land: the HTTP answer or the network error, with the group's URL. */
export class PushError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PushError';
  }
}

/** `/metrics/job/<job>/<label>/<value>...` with the README's encoding of each part. */
export function groupingPath(job: string, labels: [string, string][] = []): string {
  const part = (name: string, value: string) => {
    if (value === '') return `${name}@base64/=`;
    if (value.includes('/')) return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url')}`;
    return `${name}/${encodeURIComponent(value)}`;
  };
  return `/metrics/${[part('job', job), ...labels.map(([n, v]) => part(n, v))].join('/')}`;
}

/** The Pushgateway's base URL, checked: http(s), no query or fragment; a trailing `/` is dropped. */
export function parsePushgatewayUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new PushUrlError(`--pushgateway: "${raw}" is not a URL (e.g. http://pushgateway:9091)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PushUrlError(`--pushgateway: "${raw}" must be an http:// or https:// URL`);
  if (u.search || u.hash) throw new PushUrlError(`--pushgateway: "${raw}" must not have a query or fragment`);
  if (u.username || u.password) throw new PushUrlError('--pushgateway: credentials in the URL are not supported (they would end up in logs)');
  return u.toString().replace(/\/+$/, '');
}

export class PushUrlError extends Error {}

/**
 * Push each target of the report as its own group. Every group is tried; a failure of one does not
 * stop the others. Returns the groups pushed; throws PushError naming every group that failed.
 */
export async function pushReport(baseUrl: string, input: ReportInput, o: PushOptions = {}): Promise<PushOutcome[]> {
  const doFetch = o.fetch ?? fetch;
  const timeoutMs = o.timeoutMs ?? 30_000;
  const names = targetIds(input.results);
  const previous = await currentMetrics(baseUrl, doFetch, timeoutMs);
  const done: PushOutcome[] = [];
  const failed: string[] = [];
  for (const [i, r] of input.results.entries()) {
    const name = names[i]!;
    const url = `${baseUrl}${groupingPath(PUSH_JOB, [['target', name]])}`;
    const body = renderPrometheus(one(input, r), previous);
    try {
      const res = await doFetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) {
        const text = (await res.text().catch(() => '')).trim().split('\n')[0]!.slice(0, 300);
        failed.push(`${url}: HTTP ${res.status}${text ? ` ${text}` : ''}`);
      } else {
        await res.arrayBuffer().catch(() => undefined);
        done.push({ target: name, url });
      }
    } catch (err) {
      failed.push(`${url}: ${describe(err)}`);
    }
  }
  if (failed.length) {
    throw new PushError(`push to the Pushgateway failed for ${failed.length} of ${input.results.length} target${input.results.length === 1 ? '' : 's'}: ${failed.join('; ')}`);
  }
  return done;
}

/** One target as a report of its own, keeping the name it has in the whole report. */
function one(input: ReportInput, r: RunResult): ReportInput {
  return { ...input, kind: 'run', results: [r], verdict: r.verdict };
}

/** What the Pushgateway exposes now, for the carry-over of last_success; '' when it cannot say. */
async function currentMetrics(baseUrl: string, doFetch: typeof fetch, timeoutMs: number): Promise<string> {
  try {
    const res = await doFetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return '';
    // only this job's groups: other jobs' series never carry backup_canary_* with our labels
    return (await res.text())
      .split('\n')
      .filter((l) => l.startsWith('backup_canary_last_success_timestamp_seconds{') && l.includes(`job="${PUSH_JOB}"`))
      .join('\n');
  } catch {
    return '';
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    if (err.name === 'TimeoutError') return 'timed out';
    if (cause?.code) return `${err.message} (${cause.code})`;
    return err.message;
  }
  return String(err);
}
