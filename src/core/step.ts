// A step of the probe plan (src/core/plan.ts) and the errors a step throws; in a file of its own so the
// plan's step builders (plan.ts, lock-steps.ts) share them without importing each other.

import type { Operation, SentRequest } from './adapter.js';
import type { CheckResult, Expectation } from './model.js';

/** Thrown by a step when the service answered but the answer is wrong (bytes, listing). */
export class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationError';
  }
}

/** Thrown by a step that does not apply to this target (e.g. no prefix, so nothing is outside it). */
export class SkipStep extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SkipStep';
  }
}

export interface StepOutput {
  retries: number;
  key?: string;
  uploadId?: string;
  /** What the check knows about its own allowed request (kept as the result's note). */
  note?: string;
  /** A finding that does not fail the check (multipart-complete: collision-unguarded). */
  caveat?: { finding: 'collision-unguarded'; why: string };
}

export interface Step {
  id: string;
  op: Operation;
  /** What the step sends (the adapter turns it into the result's request record). */
  sent: SentRequest;
  expect: Expectation;
  /** Steps that must have been allowed for this one to run. */
  needs: string[];
  /** What the check knows about a denial of its own request (kept beside the classifier's denial). */
  noteWhenDenied?: (r: CheckResult) => string | undefined;
  /** Steps that must have finished (whatever their outcome) before this one starts. */
  after: string[];
  /**
   * A denial that is expected although the definition says allow: the bucket's Object Lock / WORM
   * retention refused a delete or overwrite of the canary (src/core/bucket.ts retentionRefused). The
   * note it returns is kept, and the check meets its expectation: retained canaries are expected.
   */
  expectedRefusal?: (r: CheckResult) => string | undefined;
  /** `writer`: sent by the writer (two identities, issue 15) as setup, with the writer's adapter. */
  by?: 'writer';
  /** The finding when allowed where a denial is required (default `over-privileged`). */
  finding?: 'not-immutable';
  /** Never sent (checks.ts `evaluatedOnly`): the runner reports it `not-probed` and never calls run(). */
  evaluatedOnly?: true;
  run(): Promise<StepOutput>;
}

