// The provider-neutral result model. Everything a report prints comes from these types;
// the JSON report serialises them as the versioned contract (see README "JSON contract").

/** Where in the request's life the denial happened. */
export type DenialStage = 'credentials' | 'assume-role' | 'network' | 'bucket' | 'object';

/** Which kind of policy or setting the denial came from. `unknown` when the response cannot tell. */
export type DenialSource =
  | 'trust-policy'
  | 'identity-policy'
  | 'resource-policy'
  | 'scp'
  | 'rcp'
  | 'permissions-boundary'
  | 'session-policy'
  | 'vpc-endpoint-policy'
  | 'kms'
  | 'acl'
  | 'object-lock'
  | 'endpoint'
  | 'unknown';

export interface Denial {
  stage: DenialStage;
  source: DenialSource;
  /** true: an explicit Deny; false: nothing allowed it; null: the response does not say. */
  explicit: boolean | null;
  code: string;
  message: string;
  httpStatus: number | null;
  requestId: string | null;
  /** AWS's x-amz-id-2 (support asks for it), when the response had one. */
  extendedRequestId?: string;
  /** A concrete next step for the person reading the report. */
  hint: string;
  /**
   * The id of the classification rule that produced this denial (src/providers/<provider>/rules.ts,
   * e.g. `aws.s3.enhanced.resource-policy.explicit`, `alibaba.oss.ec.0003-00000101`), or of the core's
   * own (`core.verification-failed`, `core.internal-error`).
   */
  rule: string;
  /** Provider-specific evidence (e.g. OSS EC code), only when present. */
  ec?: string;
  recommendDoc?: string;
  accessDeniedDetail?: Record<string, string>;
}

/** With --explain: the smallest safe change, as a policy snippet, evaluated before it is shown. */
export interface ExplainFix {
  /** The evidence (the deciding statement) and the change, in one sentence. */
  summary: string;
  /** The change alone, where the summary starts with the evidence (the text report's "why" line has it). */
  remedy?: string;
  /** true: advice, no policy change (the snippet describes the statement to change). */
  advice?: boolean;
  policy: string;
  snippet: Record<string, unknown>;
  sessionName?: string;
  /** false: no candidate could be proven safe on the store; nothing is to be applied. */
  safe?: boolean;
  /** Each candidate's evaluations on the patched policy set (role allowed, others unchanged, store supports). */
  proof?: { store: string; candidates: Array<{ form: string; summary: string; shown: boolean; checks: Array<{ check: string; ok: boolean; detail: string; evaluations?: unknown[] }> }> };
}

export interface DenialStatement {
  /** e.g. `bucket-policy`, `role-inline:<name>`, `role-managed:<arn>`, `trust-policy`, `scp:<file>`. */
  policy: string;
  sid: string | null;
  index: number | null;
  effect: 'Allow' | 'Deny' | null;
}

export interface DenialCondition {
  key: string;
  operator: string;
  policyValues: string[];
  /** null: the request has no such key; 'undetermined': the tool cannot know it (e.g. aws:SourceIp). */
  requestValues: string[] | null | 'undetermined';
  result: boolean | 'undetermined';
}

/** With --explain, per check: what the local evaluation of the policies says. */
export interface CheckExplain {
  decision: 'allowed' | 'explicit-deny' | 'implicit-deny' | 'undetermined';
  decidedBy: string | null;
  /** One line: the decisive statement and condition. */
  summary: string;
  undeterminedKeys?: string[];
  /** Where the evaluation and what the service did disagree; never hidden. */
  mismatch?: string;
  /** Policies that could have decided but were not read, and what would read them. */
  unread?: { policy: string; why: string; readWith?: string }[];
  /** Statements of read policies that could not be parsed, so were not evaluated. */
  notEvaluated?: { policy: string; index: number; why: string }[];
  /** The evaluation of this check failed: what could not be evaluated and why (the run went on). */
  error?: string;
  /**
   * The source of the denial as the evaluation names it, with why, when the response did not name one
   * (or named a cause the evaluation rules out). The denial itself keeps what the service said.
   */
  source?: { source: DenialSource; explicit: boolean | null; why: string };
  /** The statement that decided (explicit deny), or the policies that did not allow. */
  statement?: DenialStatement;
  /** The conditions of that statement, each with the request's value. */
  conditions?: DenialCondition[];
  fix?: ExplainFix;
  /** An allowed check: the conditions its allow hinges on (src/explain/hinges.ts). */
  hingesOn?: HingeRecord[];
  /** The role session names (or patterns) the read policies let pass, when they distinguish sessions. */
  sessionNames?: string[];
  /** What was evaluated: the request as authorised, and the policies by slot (names in explain.policies). */
  input?: EvaluationInputRecord;
  /**
   * The KMS call the store makes for this request (S3 with SSE-KMS: kms:GenerateDataKey / kms:Decrypt
   * on the key), evaluated on its own against the key policy (src/explain/kms-call.ts).
   */
  kms?: { action: string; resource: string; explain: CheckExplain };
  /**
   * The store's own account of this denial, when its response carried one (an encoded diagnostic
   * message, decoded with the explain credentials): what it evaluated and which policy type denied, or
   * why it could not be read and which permission would read it. Keys it names were evaluated.
   */
  storeDiagnostic?: StoreDiagnostic;
  /** A refused AssumeRole on a role only a service can assume (src/explain/service-role.ts). */
  serviceRole?: { role: string; serviceLinked: boolean; services: string[] };
}

/** A store's decoded diagnostic of one denial (CheckExplain.storeDiagnostic). */
export interface StoreDiagnostic {
  /** The call that decodes it, e.g. `ram:DecodeDiagnosticMessage`. */
  via: string;
  decoded: boolean;
  /** Not decoded: why (the call refused or failed); the keys it would have told stay undetermined. */
  error?: string;
  /** Not decoded: the permission (and for whom) that would read it. */
  readWith?: string;
  /** Decoded: whether the store says an explicit Deny decided (null: it did not say). */
  explicitDeny?: boolean | null;
  /** Decoded: the policy type the store says denied (e.g. BucketPolicy, AccountLevelIdentityBasedPolicy). */
  policyType?: string | null;
  authAction?: string;
  authResource?: string;
  principal?: { type: string | null; ownerId: string | null; displayName: string | null };
  /** Decoded: the request's condition keys as the store evaluated them (no values: the request had none). */
  conditions?: { key: string; values: string[] }[];
  /** Decoded: the policies the store says matched. */
  matchedPolicies?: { effect: string | null; identifier: string | null; type: string | null; version: string | null; attachedEntityType: string | null; attachedScope: string | null }[];
  /** The context keys filled into this check's evaluated request from the diagnostic. */
  filled?: string[];
  /** Where the diagnostic contradicts the evaluation, or a value the run was given (--source-ip). */
  mismatch?: string;
}

export interface HingeRecord {
  key: string;
  operator: string;
  values: string[];
  policy: string;
  sid: string | null;
  effect: 'Allow' | 'Deny';
  /** One phrase: `aws:SourceIp in 127.0.0.0/8, 203.0.113.0/24`. */
  holds: string;
  /** The key's value was not known in this run (the allow may not hold even here). */
  undetermined?: boolean;
  /** A session name (or pattern) in a principal ARN or aws:userid decides. */
  sessionNames?: string[];
}

/** A check's evaluation input, replayable (`explain --replay`): documents are in RunResult.explain.policies. */
export interface EvaluationInputRecord {
  dialect: string;
  store: string | null;
  request: Record<string, unknown>;
  /** Slot -> policy names (identity/scp/rcp/vpce/session: lists). */
  policies: Record<string, string | string[]>;
  notVisible?: { slot: string; policy: string; why: string; readWith?: string }[];
}

/** `--backup-*`: the backup's own vantage, and each check evaluated from it. */
export interface AsBackup {
  verdict: 'pass' | 'fail' | 'undetermined';
  vantage: { sourceIp?: string; sourceVpc?: string; sourceVpce?: string; sessionName?: string; principal?: string };
  checks: AsBackupCheck[];
}

export interface AsBackupCheck {
  id: string;
  action: string;
  decision: 'allowed' | 'explicit-deny' | 'implicit-deny' | 'undetermined';
  decidedBy: string | null;
  /** The statement that decides from the backup's vantage (a Deny that applies, or the granting Allow). */
  statement: { policy: string; sid: string | null; effect: 'Allow' | 'Deny' | null } | null;
  summary: string;
  ok: boolean;
  /** Where the live check and the backup's verdict differ: the statement that makes the difference. */
  differs?: string;
}

export interface ExplainSummary {
  /** Policies read, by name. */
  read: string[];
  /** Policies that could not be read, and why. */
  notVisible: { policy: string; why: string }[];
  warnings: string[];
  /** `sha256:<hex>` of each policy document read, by name (for `--baseline`: which document changed). */
  digests?: Record<string, string>;
  /** The policy documents evaluated, by name (what `explain --replay` replaces). */
  policies?: Record<string, unknown>;
}

export type Expectation = 'allow' | 'deny' | 'any';
/**
 * `not-probed`: a check whose request is never sent (a configuration write, src/core/checks.ts
 * `evaluatedOnly`); without --explain nothing decided it. `evaluated`: such a check with --explain: the
 * request it describes was evaluated over the policies read (`explain.decision`), still never sent.
 */
export type Outcome = 'allowed' | 'denied' | 'error' | 'skipped' | 'not-probed' | 'evaluated';

/** The request a check sent, as it is authorised: what --explain evaluates. */
export interface RequestRecord {
  /** e.g. `s3:ListBucket`, `oss:GetBucketInfo`, `sts:AssumeRole`. */
  action: string;
  /** The ARN authorised: an object ARN, the bucket ARN, `*` (account-level), or the role ARN. */
  resource: string;
  /** The condition keys the request set, with their values (e.g. s3:prefix, s3:delimiter, s3:max-keys). */
  context: Record<string, string | number | boolean>;
  /** Further permissions the request needs, e.g. s3:BypassGovernanceRetention when it sent x-amz-bypass-governance-retention: true. */
  also?: string[];
}

export interface CheckResult {
  id: string;
  action: string;
  expect: Expectation;
  outcome: Outcome;
  ok: boolean;
  durationMs: number;
  key?: string;
  uploadId?: string;
  /** Why a check was skipped, or what went wrong for an `error` that is not a denial. */
  reason?: string;
  /** What the check sent (absent when it was skipped before sending). */
  request?: RequestRecord;
  /** What the check itself knows about its denial (e.g. read-missing-object's 403 may be about listing). */
  note?: string;
  explain?: CheckExplain;
  /**
   * `over-privileged`: allowed where the definition requires a denial (the object, if any, was removed
   * at once). `not-immutable`: a request the bucket's Object Lock / WORM retention must refuse succeeded.
   */
  finding?: 'over-privileged' | 'not-immutable';
  /** Retries the SDK made before the final answer. */
  retries?: number;
  denial?: Denial;
  /**
   * `writer`: sent by the writer (`--writer-role` / `--writer-profile`) as setup, not by the probed
   * identity: the writer's put of the canary the role then reads. Absent: sent by the probed identity.
   */
  by?: 'writer';
  /**
   * A finding that does not fail the check (the permissions were as expected) but limits the tool's
   * guarantee. `collision-unguarded`: the store ignores the conditional create on CompleteMultipartUpload
   * on an unversioned bucket (target.conditionalWrites): an object another writer created at the
   * canary key during the completion would have been overwritten without trace.
   */
  caveat?: { finding: 'collision-unguarded'; why: string };
  /** get-object-acl: the canary object's owner (read as the owner's credentials when the role may not). */
  objectOwner?: OwnerRecord;
  /** A reader denial on the canary object: whether object ownership explains it (src/core/ownership.ts). */
  ownership?: OwnershipFinding;
}

/** Who sent a request or created an object: the probed identity (the role, or the source with --no-assume) or the writer. */
export type Creator = 'probe' | 'writer';

/** The writer of a two-identity probe (src/core/writer.ts): who put the canaries the role reads. */
export interface WriterDescription {
  /** --writer-role, or null (the writer is --writer-profile's credentials, or the source chain's). */
  role: string | null;
  /** --writer-profile, or null (the source credentials' chain). */
  profile: string | null;
  /** The canned ACL the writer's put sends (--writer-acl), or `none` (no ACL header). */
  acl: string;
  /** Who the writer was, once its credentials were used: the assumed role session's ARN, else the caller. */
  arn?: string | null;
}

export interface Leftover {
  key: string;
  uploadId?: string;
  /** On a versioned bucket: the version (or delete marker) that stays. */
  versionId?: string;
  deleteMarker?: boolean;
  /** A version under Object Lock / WORM retention: until when, and the mode. Expected, not a failure. */
  retainUntil?: string;
  mode?: string;
  why: string;
  /** `writer`: the writer created it (its removal was the writer's). Absent: the probed identity's. */
  by?: 'writer';
}

/** What the probe learned about the bucket's versioning before writing (or from the writes' answers). */
export interface VersioningDescription {
  status: 'Enabled' | 'Suspended' | 'Off' | 'unknown';
  /** `GetBucketVersioning`, or `write-responses` when the role may not read it. */
  from: 'GetBucketVersioning' | 'write-responses';
  /** What could not be read, and why. */
  note?: string;
}

export interface ObjectLockDescription {
  /** null: could not be read. */
  enabled: boolean | null;
  /** COMPLIANCE / GOVERNANCE (S3 default retention), WORM (OSS); null: no default retention. */
  mode: string | null;
  days: number | null;
  /** OSS WORM: InProgress or Locked. */
  state?: string;
  /** The configuration could not be read and the lock was learned from the canary's write (HEAD of its version) or a refused delete. */
  from?: 'write-responses';
  note?: string;
}

/** An owner as an ACL document names it, and with whose credentials it was read. */
export interface OwnerRecord {
  id: string;
  displayName?: string;
  /** `role`: the probed credentials; otherwise whose (e.g. `the --explain-profile "admin" credentials`). */
  readAs: string;
}

/**
 * The bucket's Object Ownership (issue 15), read once before the first write like versioning and lock.
 * `unknown` says why: `denied` (neither the role nor the owner's credentials may read it),
 * `not-configured` (no setting stored: a bucket made before BucketOwnerEnforced existed, or one whose
 * setting was deleted; ACLs then decide who owns an object, as under ObjectWriter), `not-implemented`
 * (the store answered another document or refused the request as unsupported), `not-supported` (the
 * provider has no such setting), `failed` (any other error).
 */
export interface ObjectOwnershipDescription {
  setting: 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter' | 'unknown';
  why?: 'denied' | 'not-configured' | 'not-implemented' | 'not-supported' | 'failed';
  /** `role` or whose credentials read it; absent when nothing could read it. */
  readAs?: string;
  /** The bucket owner from the bucket's ACL document, when it could be read. */
  bucketOwner?: OwnerRecord;
  note?: string;
}

/**
 * Whether a reader denial on the canary object is the object ownership case (src/core/ownership.ts):
 * `acl` only with all the evidence (setting, object owner, bucket owner); `undetermined` when some is
 * missing; `ruled-out` when the evidence shows ownership is not the cause.
 */
export interface OwnershipFinding {
  source: 'acl' | 'undetermined' | 'ruled-out';
  /** One line: the evidence and the conclusion. */
  why: string;
  setting: ObjectOwnershipDescription['setting'];
  objectOwner: OwnerRecord | null;
  bucketOwner: OwnerRecord | null;
  /** With `acl`: the documented remedy. A bucket setting, not a policy patch: --explain does not prove it. */
  fix?: {
    kind: 'bucket-setting';
    setting: string;
    request: string;
    action: string;
    change: string;
    breaks: string[];
    proven: false;
    docs: string[];
  };
}

export type Verdict = 'pass' | 'fail' | 'error';

/** `--baseline`: a check whose outcome differs from the baseline run's (src/core/baseline.ts). */
export interface CheckChange {
  check: string;
  action: string;
  /** `absent`: the check was not in that run (a definition change). */
  from: Outcome | 'absent';
  to: Outcome | 'absent';
  since: string;
}

export interface PolicyChange {
  policy: string;
  /** `sha256:<hex>` of the document, null when it was not read in that run. */
  from: string | null;
  to: string | null;
  since: string;
}


export interface TargetDescription {
  /** The target's name in a run file (`backup-canary run`). */
  name?: string;
  provider: string;
  bucket: string;
  prefix: string;
  region: string | null;
  endpoint: string | null;
  role: string | null;
  probe: string;
  /** Read before writing (issue 13): versioned buckets keep versions and delete markers. */
  versioning?: VersioningDescription;
  objectLock?: ObjectLockDescription;
  /** A two-identity probe: the writer that put the canaries the role reads (--writer-role / --writer-profile). */
  writer?: WriterDescription;
  /** Object Ownership of the bucket and its owner (issue 15). */
  objectOwnership?: ObjectOwnershipDescription;
  /** Measured on the probe's own keys (src/core/collision.ts): does the store refuse a conditional create over an existing object? */
  conditionalWrites?: ConditionalWrites;
}

/** Whether the store honours If-None-Match: * (OSS x-oss-forbid-overwrite) on CompleteMultipartUpload. */
export interface ConditionalWrites {
  completeMultipartUpload: 'honoured' | 'ignored' | 'unknown';
  /** The evidence, or why it was not measured. */
  why: string;
}

export interface Identity {
  /** The caller before AssumeRole (ARN when known, else a description of the credential source). */
  source: string | null;
  assumedRoleArn: string | null;
}

export interface RunResult {
  schemaVersion: 1;
  tool: { name: 'backup-canary'; version: string };
  runId: string;
  startedAt: string;
  verdict: Verdict;
  target: TargetDescription;
  identity: Identity;
  checks: CheckResult[];
  leftovers: Leftover[];
  /** With --explain: which policies were read and which could not be. */
  explain?: ExplainSummary;
  /** With --backup-*: every check's request evaluated from the backup's vantage. */
  asBackup?: AsBackup;
  /** A target that could not run at all (`backup-canary run`): why. */
  error?: string;
  /** Set when the run was interrupted by a signal. */
  interrupted?: string;
  /** `run --shard`: the share of the run file this result belongs to, e.g. `1/4`. */
  shard?: string;
  /** With a baseline (`--baseline`, or run's state file): checks whose outcome changed since. */
  changes?: CheckChange[];
  /** With a baseline and --explain on both runs: policy documents whose digest changed. */
  policyChanges?: PolicyChange[];
  durationMs: number;
}

/** Thrown by provider adapters for any failed request; `denial` carries the classified evidence. */
export class RequestFailure extends Error {
  readonly denial: Denial;
  readonly kind: 'denied' | 'error';
  readonly retries: number;
  /** The object key (or listed prefix) of the refused request: a denied check reports it too. */
  readonly key: string | undefined;
  constructor(kind: 'denied' | 'error', denial: Denial, retries = 0, key?: string) {
    super(denial.message || denial.code);
    this.name = 'RequestFailure';
    this.kind = kind;
    this.denial = denial;
    this.retries = retries;
    this.key = key;
  }
}

/** Bad input from the user: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT = { ok: 0, failed: 1, usage: 2, incomplete: 3, sigint: 130, sigterm: 143 } as const;
