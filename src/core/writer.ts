// The writer of a two-identity probe (issue 15, Deliver item 1): `--writer-role` / `--writer-profile`
// name a second identity, the producing application, that puts the canary the probed role (`--role`)
// then reads, and removes what it put. Provider-neutral: the writer is a second StorageAdapter made by
// the same provider from these options (its credentials: the provider's credentials.ts; its ACL
// header: the adapter's own for `WriteOptions.acl`, x-amz-acl on S3, x-oss-object-acl on OSS).
// - The writer's AssumeRole has no external id and no session policy (those flags are the role's).
// - Its session name is the role's with `-writer` (the two sessions are told apart in access logs).

import type { StorageAdapter, WriteOptions } from './adapter.js';
import type { CommonTargetOptions, WriterOptions } from './provider.js';
import type { Step } from './step.js';
import type { ProbeDefinition } from './definition.js';
import { type RunResult, UsageError, type WriterDescription } from './model.js';

/** The writer's own target options, or null without a writer. */
export function writerTarget(o: CommonTargetOptions): CommonTargetOptions | null {
  const w = o.writer;
  if (!w) return null;
  return {
    ...o,
    acting: 'writer',
    roleArn: w.roleArn,
    profile: w.profile ?? o.profile,
    sessionName: `${o.sessionName.slice(0, 64 - '-writer'.length)}-writer`,
    externalId: null,
    sessionPolicy: null,
  };
}

/** The report's `target.writer` (its `arn` is filled in once the writer's credentials were used). */
export function describeWriter(w: WriterOptions): WriterDescription {
  return { role: w.roleArn, profile: w.profile, acl: w.acl ?? 'none' };
}

/**
 * With a writer the canary object is put by the writer, not by the role: a definition that requires
 * the role's put-object to be denied cannot be probed so (the role's own put is not sent).
 */
export function checkWriterDefinition(w: WriterOptions | null | undefined, d: ProbeDefinition): void {
  if (!w) return;
  const put = d.checks['put-object'];
  if (put === 'deny') {
    throw new UsageError(`--writer-role/--writer-profile: definition "${d.name}" requires put-object to be denied to the role, but with a writer the canary is put by the writer and the role's put is not sent`);
  }
  if (put === undefined) {
    throw new UsageError(`--writer-role/--writer-profile: definition "${d.name}" has no put-object check: there is no canary for the writer to put`);
  }
}

/**
 * Runs `f` on the result as the probed identity sees it: without the writer's setup checks (the
 * explainer and the backup's vantage evaluate the role's own requests only). What `f` sets on the
 * result (explain, asBackup) is kept; the checks keep their order, each check object is the same.
 */
export function withoutWriterChecks(result: RunResult, f: (r: RunResult) => void): void {
  if (!result.checks.some((c) => c.by === 'writer')) return f(result);
  const view: RunResult = { ...result, checks: result.checks.filter((c) => c.by !== 'writer') };
  f(view);
  Object.assign(result, { ...view, checks: result.checks });
}

export async function withoutWriterChecksAsync(result: RunResult, f: (r: RunResult) => Promise<void>): Promise<void> {
  if (!result.checks.some((c) => c.by === 'writer')) return f(result);
  const view: RunResult = { ...result, checks: result.checks.filter((c) => c.by !== 'writer') };
  await f(view);
  Object.assign(result, { ...view, checks: result.checks });
}

/** The writer of a plan: its adapter, the canned ACL its put sends (null: none), whether its role is assumed. */
export interface PlanWriter {
  adapter: StorageAdapter;
  acl: string | null;
  assume: boolean;
}

/**
 * The writer's part of a plan (src/core/plan.ts): its session, started once (its AssumeRole when
 * --writer-role is given; a refusal is the writer's put's denial), and the put-object step marked as
 * the writer's, with the definition's write headers but the writer's canned ACL instead of the
 * definition's (none: no ACL header; the adapter sends it as x-amz-acl / x-oss-object-acl).
 */
export function writerSteps(w: PlanWriter | undefined): { session(): Promise<unknown>; mark(step: Step): void } {
  let assumed: Promise<unknown> | null = null;
  return {
    session: () => (assumed ??= w?.assume ? w.adapter.assumeRole() : Promise.resolve()),
    mark(step) {
      if (!w || step.id !== 'put-object') return;
      step.by = 'writer';
      const { acl: _definitionAcl, ...rest }: WriteOptions = step.sent.write ?? {};
      const out: WriteOptions = w.acl ? { ...rest, acl: w.acl } : rest;
      if (Object.keys(out).length) step.sent.write = out;
      else delete step.sent.write;
    },
  };
}
