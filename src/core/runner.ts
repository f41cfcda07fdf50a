// Runs a plan: every step starts as soon as what it needs has finished, so independent checks run
// concurrently. A step whose dependency was not allowed is skipped with the reason. Cleanup always
// runs afterwards, also when the run was interrupted.

import type { StorageAdapter } from './adapter.js';
import { type CheckResult, type Denial, type Leftover, RequestFailure } from './model.js';
import { type Plan, SkipStep, type Step, type StepOutput, VerificationError } from './plan.js';
import { type RemovalContext, removeObject, why } from './removal.js';

export interface RunOptions {
  /** Aborted on SIGINT/SIGTERM: no new step starts; cleanup still runs. */
  signal?: AbortSignal;
  /** Called when a step starts and ends (progress display). */
  onProgress?: (id: string, state: 'start' | 'end', outcome?: string) => void;
}

export interface RunnerOutput {
  checks: CheckResult[];
  leftovers: Leftover[];
}

export async function runPlan(adapter: StorageAdapter, plan: Plan, opts: RunOptions = {}): Promise<RunnerOutput> {
  const results = new Map<string, CheckResult>();
  const started = new Map<string, Promise<CheckResult>>();
  const byId = new Map(plan.steps.map((s) => [s.id, s]));

  const start = (step: Step): Promise<CheckResult> => {
    let p = started.get(step.id);
    if (!p) {
      p = (async () => {
        const deps = [...step.needs, ...step.after].map((id) => start(byId.get(id)!));
        const done = await Promise.all(deps);
        // the writer's setup steps (two identities) are sent with the writer's adapter
        const r = await execute(step.by === 'writer' && plan.writer ? plan.writer : adapter, step, done.slice(0, step.needs.length), opts);
        results.set(step.id, r);
        return r;
      })();
      started.set(step.id, p);
    }
    return p;
  };
  await Promise.all(plan.steps.map(start));

  const leftovers = await cleanup(adapter, plan, uncertainUploadCreate(plan, results));
  return { checks: plan.steps.map((s) => results.get(s.id)!), leftovers };
}

async function execute(adapter: StorageAdapter, step: Step, needs: CheckResult[], opts: RunOptions): Promise<CheckResult> {
  const base: Pick<CheckResult, 'id' | 'action' | 'expect' | 'by'> = { id: step.id, action: adapter.actions[step.op], expect: step.expect, ...(step.by ? { by: step.by } : {}) };
  const blocked = needs.find((n) => n.outcome !== 'allowed');
  if (blocked) {
    // A chain of skips names its root cause: "needs put-object, which was denied".
    if (blocked.outcome === 'skipped') return skipped(base, blocked.reason ?? `needs ${blocked.id}`);
    return skipped(base, `needs ${blocked.id}, which ${blocked.outcome === 'denied' ? 'was denied' : 'failed'}`);
  }
  if (opts.signal?.aborted) return skipped(base, `interrupted by ${String(opts.signal.reason ?? 'a signal')}`);
  if (step.evaluatedOnly) return notProbed(adapter, step, base);

  opts.onProgress?.(step.id, 'start');
  const t0 = performance.now();
  let r: CheckResult;
  try {
    const out = await step.run();
    r = { ...base, outcome: 'allowed', ok: false, durationMs: ms(t0), ...pick(out) };
  } catch (err) {
    r = err instanceof SkipStep ? skipped(base, err.message) : { ...base, ...failure(err), ok: false, durationMs: ms(t0) };
  }
  // What was sent, as it is authorised: --explain evaluates this record (a skipped step sent nothing).
  if (r.outcome !== 'skipped') r.request = adapter.describeRequest(step.op, step.sent);
  const note = r.outcome === 'denied' ? step.noteWhenDenied?.(r) : undefined;
  if (note) r.note = note;
  opts.onProgress?.(step.id, 'end', r.outcome);
  r.ok = meets(r);
  const retained = !r.ok && r.outcome === 'denied' ? step.expectedRefusal?.(r) : undefined;
  if (retained) {
    r.ok = true;
    r.note = retained;
  }
  if (r.outcome === 'allowed' && r.expect === 'deny') r.finding = step.finding ?? 'over-privileged';
  return r;
}

/**
 * A configuration write (checks.ts `evaluatedOnly`): never sent, no adapter method is called. It does
 * not count against the verdict (ok), and the report says it was not probed; --explain evaluates the
 * request recorded here (action, bucket ARN, context) and turns it into `evaluated`.
 */
function notProbed(adapter: StorageAdapter, step: Step, base: Pick<CheckResult, 'id' | 'action' | 'expect' | 'by'>): CheckResult {
  if (!base.action) return skipped(base, `no equivalent request for provider ${adapter.provider}`);
  return {
    ...base,
    outcome: 'not-probed',
    ok: true,
    durationMs: 0,
    reason: 'never sent (a configuration write would change the bucket); --explain evaluates it over the policies read',
    request: adapter.describeRequest(step.op, step.sent),
  };
}

function skipped(base: Pick<CheckResult, 'id' | 'action' | 'expect' | 'by'>, reason: string): CheckResult {
  return { ...base, outcome: 'skipped', ok: false, durationMs: 0, reason };
}

function pick(o: StepOutput): Partial<CheckResult> {
  const r: Partial<CheckResult> = {};
  if (o.caveat) r.caveat = o.caveat;
  if (o.note) r.note = o.note;
  if (o.key !== undefined) r.key = o.key;
  if (o.uploadId) r.uploadId = o.uploadId;
  if (o.retries) r.retries = o.retries;
  return r;
}

function failure(err: unknown): Pick<CheckResult, 'outcome' | 'denial' | 'reason' | 'retries' | 'key'> {
  if (err instanceof RequestFailure) {
    const r: Pick<CheckResult, 'outcome' | 'denial' | 'reason' | 'retries' | 'key'> = {
      outcome: err.kind === 'denied' ? 'denied' : 'error',
      denial: err.denial,
    };
    if (err.key !== undefined) r.key = err.key;
    if (err.retries) r.retries = err.retries;
    return r;
  }
  const verification = err instanceof VerificationError;
  const message = err instanceof Error ? err.message : String(err);
  const denial: Denial = {
    stage: 'object',
    source: 'unknown',
    explicit: null,
    code: verification ? 'VerificationFailed' : 'InternalError',
    message,
    httpStatus: null,
    requestId: null,
    hint: verification
      ? 'The store accepted the request but answered wrongly; check the endpoint, any proxy or gateway in between, and the store itself.'
      : 'An unexpected error inside backup-canary; please report it with this output.',
    rule: verification ? 'core.verification-failed' : 'core.internal-error',
  };
  return { outcome: 'error', denial, reason: message };
}

/** Whether a check's outcome meets its expectation. A skipped check never passes. */
export function meets(r: Pick<CheckResult, 'expect' | 'outcome'>): boolean {
  if (r.outcome === 'skipped' || r.outcome === 'error') return false;
  if (r.expect === 'any') return true;
  return (r.expect === 'allow') === (r.outcome === 'allowed');
}

/**
 * A CreateMultipartUpload that was retried, or that got no answer, may have opened an upload whose id
 * never reached us (the store acted, its answer was lost).
 */
function uncertainUploadCreate(plan: Plan, results: Map<string, CheckResult>): boolean {
  return plan.steps.some((s) => {
    const r = results.get(s.id);
    if (s.op !== 'createMultipartUpload' || !r || r.outcome === 'skipped') return false;
    if (r.retries) return true;
    return r.outcome === 'error' && (r.denial?.httpStatus == null || r.denial.httpStatus >= 500);
  });
}

/**
 * Abort every upload still open and delete every object still present; report what stays. With
 * `sweepUploads`, first list this run's root for uploads whose ids never reached us.
 */
export async function cleanup(
  adapter: StorageAdapter,
  plan: Pick<Plan, 'resources'> & Partial<Pick<Plan, 'root' | 'runId' | 'bucket' | 'writer' | 'writerFallback'>>,
  sweepUploads = false,
): Promise<Leftover[]> {
  const res = plan.resources;
  const leftovers: Leftover[] = [];
  const ctx: RemovalContext = { adapter, res, lock: plan.bucket?.lockInfo() ?? null };
  // Two identities: what the writer created is removed by the writer (removal.ts removeAs).
  if (plan.writer) ctx.writer = plan.writer;
  if (plan.writerFallback) ctx.writerFallback = plan.writerFallback;
  const uncertain = res.remainingObjects().some((o) => o.state === 'uncertain' || o.state === 'pending');
  const root = plan.root;
  if (sweepUploads && root && plan.runId) {
    try {
      // The run's root is `<prefix>.backup-canary/<run-id>/`: every upload under it is this run's.
      const listed = adapter.listAllUploads
        ? await adapter.listAllUploads(root)
        : (await adapter.listMultipartUploads(root)).uploads;
      for (const u of listed) if (u.key.startsWith(root)) res.uploadStarted(u.key, u.uploadId);
    } catch (err) {
      leftovers.push({ key: root, why: `may hold uploads whose CreateMultipartUpload got no clear answer; ${why(adapter.actions.listMultipartUploads, err)}` });
    }
  }
  await Promise.all([
    ...res.remainingUploads().map(async (u) => {
      try {
        await adapter.abortMultipartUpload(u.key, u.uploadId);
        res.uploadEnded(u.uploadId);
      } catch (err) {
        // Already gone (completed by an attempt whose answer was lost, or aborted): nothing stays.
        if (err instanceof RequestFailure && err.denial.code === 'NoSuchUpload') {
          res.uploadEnded(u.uploadId);
          return;
        }
        leftovers.push({ key: u.key, uploadId: u.uploadId, why: why(adapter.actions.abortMultipartUpload, err) });
      }
    }),
    ...res.remainingObjects().map(async (o) => {
      leftovers.push(...(await removeObject(ctx, o)));
    }),
  ]);
  leftovers.push(...res.foreignVersions());
  if (uncertain && root && adapter.listObjectVersions && plan.bucket?.versioned(res)) {
    // A write without a clear answer may have left a version whose id never reached us: list this
    // run's folder and report every version still there that is not reported yet (never removed
    // unless proved ours above).
    try {
      const { versions } = await adapter.listObjectVersions(root);
      for (const v of versions) {
        if (!v.key.startsWith(root) || leftovers.some((l) => l.key === v.key && (l.versionId === v.versionId || (!l.versionId && !l.uploadId)))) continue;
        const l: Leftover = { key: v.key, versionId: v.versionId, why: `a ${v.deleteMarker ? 'delete marker' : 'version'} under this run's folder that this run cannot prove it wrote: left untouched; remove it as the bucket owner if it is a canary` };
        if (v.deleteMarker) l.deleteMarker = true;
        leftovers.push(l);
      }
    } catch (err) {
      leftovers.push({ key: root, why: `may hold versions of writes that got no clear answer; ${why(adapter.actions.listObjectVersions, err)}` });
    }
  }
  return leftovers.sort((a, b) => a.key.localeCompare(b.key));
}


function ms(t0: number): number {
  return Math.round(performance.now() - t0);
}
