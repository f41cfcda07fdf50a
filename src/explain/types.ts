// Types shared by the policy evaluator. The evaluator is scoped to what a backup touches
// (S3/OSS object and bucket requests, sts:AssumeRole) but implements the policy language
// completely for those requests: every element, operator and layer a real policy can use.

/** Three-valued truth: `'undetermined'` when the answer depends on a context key we cannot know. */
export type Tri = true | false | 'undetermined';

import type { DialectName } from './dialects/names.js';

/** A policy language; its rules live in src/explain/dialects/<name>/. */
export type Dialect = DialectName;

/** Which kind of policy a document is; decides which elements it may (or must) contain. */
export type PolicyKind =
  | 'identity'
  | 'resource'
  | 'trust'
  | 'boundary'
  | 'session'
  | 'scp'
  | 'rcp'
  | 'kms'
  | 'vpce';

export type Layer =
  | 'scp'
  | 'rcp'
  | 'resource-policy'
  | 'identity-policy'
  | 'permissions-boundary'
  | 'session-policy'
  | 'trust-policy'
  | 'kms-key-policy'
  | 'vpc-endpoint-policy';

/** The slots of a PolicySet. */
export type PolicySlot = 'identity' | 'resource' | 'trust' | 'boundary' | 'session' | 'scp' | 'rcp' | 'kms' | 'vpce';

/** A policy that could decide but was not read: the evaluation is undetermined where it could decide. */
export interface UnreadPolicy {
  slot: PolicySlot;
  /** e.g. `bucket-policy`, `role policies of arn:aws:iam::1:role/backup`. */
  policy: string;
  /** Why it was not read: the service's answer (AccessDenied, NotImplemented, ...). */
  why: string;
  /** What would read it: a permission (`s3:GetBucketPolicy`) and/or `--explain-profile`. */
  readWith?: string;
}

export type Decision = 'allowed' | 'explicit-deny' | 'implicit-deny';

/** A policy document with the name it is reported under, e.g. `bucket-policy`, `role-inline:backup`. */
export interface NamedPolicy {
  name: string;
  /** JSON text or an already-parsed object. */
  document: unknown;
  /**
   * Only for SCPs/RCPs: the organisation level (root, OU id, account) the policy is attached to.
   * Every level must allow; policies at one level are a union. Omitted: all policies form one level.
   */
  level?: string;
}

export interface PolicySet {
  identity?: NamedPolicy[];
  resource?: NamedPolicy;
  trust?: NamedPolicy;
  boundary?: NamedPolicy;
  session?: NamedPolicy | NamedPolicy[];
  scp?: NamedPolicy[];
  rcp?: NamedPolicy[];
  /**
   * KMS key policy of the key the request uses (kms:* actions): the key policy must allow, directly
   * or by delegating to the account (then the identity policies must allow too); IAM alone cannot.
   */
  kms?: NamedPolicy;
  /** VPC endpoint policies the request passes through: each must allow; a Deny in one wins. */
  vpce?: NamedPolicy[];
  /** Policies that could decide but could not be read (not visible: denied, not implemented). */
  notVisible?: UnreadPolicy[];
  /**
   * Policies read from the cloud: a statement that cannot be parsed is reported as not evaluated
   * (the layer is then undetermined where that statement could decide) instead of failing.
   */
  lenient?: boolean;
}

export type ContextScalar = string | number | boolean;
export type ContextValue = ContextScalar | ContextScalar[];

export interface RequestPrincipal {
  /**
   * The caller's ARN: an assumed-role session (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`),
   * an IAM user, the account root, or the Alibaba forms (`acs:ram::UID:assumed-role/ROLE/SESSION`).
   */
  arn?: string;
  /** The caller's account; derived from `arn` when omitted. */
  account?: string;
  /** For a role session: the role's ARN including its path (the session ARN drops the path). */
  roleArn?: string;
  /** Unique id: aws:userid, or the Alibaba UID of a RAM user. */
  userId?: string;
  /** A service principal making the request, e.g. `ec2.amazonaws.com`. */
  service?: string;
  /** A federated principal (identity provider ARN, `cognito-identity.amazonaws.com`, ...). */
  federated?: string;
  canonicalUser?: string;
  anonymous?: boolean;
}

export interface RequestContext {
  /** e.g. `s3:PutObject`, `oss:PutObject`, `sts:AssumeRole`. */
  action: string;
  /** e.g. `arn:aws:s3:::bucket/key`, `acs:oss:*:1234:bucket/key`, `arn:aws:iam::1234:role/Backup`. */
  resource: string;
  principal: RequestPrincipal;
  /** The account owning the resource (bucket owner). Derived from the resource ARN when it names one. */
  resourceAccount?: string;
  /** Known context keys (names are case-insensitive). Arrays are multivalued keys. */
  context?: Record<string, ContextValue>;
  /**
   * Keys whose value the tool cannot know. Entries may end in `*` (e.g. `aws:PrincipalTag/*`).
   * Added to a built-in list of keys every real request carries but a dry evaluation cannot see
   * (aws:SourceIp, aws:SecureTransport, aws:CurrentTime, ...).
   */
  undetermined?: string[];
  /** Keys known to be absent from the real request; overrides the built-in undetermined list. */
  absent?: string[];
}

export interface EvaluateInput {
  request: RequestContext;
  policies: PolicySet;
  dialect: Dialect;
  /**
   * Evaluate as a particular store enforces the language (default: as the cloud documents it).
   * Used to prove a fix on the store it will be applied to (Ceph RGW differs from AWS S3).
   */
  store?: StoreSemantics;
}

/** How a store enforces the policy language where it departs from the cloud's documentation. */
export interface StoreSemantics {
  /** e.g. `aws-s3`, `ceph-rgw`, `oss`. */
  name: string;
  /** Condition keys the store does not support: a condition on one never matches (the statement does not apply). */
  unsupportedKeys: string[];
  /** A negated operator (StringNotEquals, ...) on a key missing from the request never matches. */
  negatedMissingNeverMatches: boolean;
  /** A Deny statement written with NotAction is ignored. */
  denyNotActionIgnored: boolean;
  /** NotPrincipal excludes a caller any entry names (its role ARN suffices), not only with its account listed. */
  notPrincipalAnyEntry: boolean;
  /** Statement elements the store does not document (a fix must not rely on them). */
  undocumentedElements: string[];
}

export interface ConditionResult {
  operator: string;
  key: string;
  /** Policy values after variable substitution (an unresolved variable shows as written). */
  policyValues: string[];
  /** Request values; `null` when the key is absent, `'undetermined'` when it cannot be known. */
  requestValues: string[] | null | 'undetermined';
  result: Tri;
  /** Why, when the result did not come from comparing values (absent key, IfExists, ...). */
  note?: string;
  /** Context keys (the condition's own, or ones used in policy variables) that left it undetermined. */
  undeterminedKeys?: string[];
}

/** How a matched Principal grants access; decides which other layers must also allow. */
export type PrincipalGrant =
  | 'direct' // names the caller itself: user ARN, exact role-session ARN, account root calling
  | 'role' // names the role whose session is calling (or "*" for a session): boundary/session policies still limit
  | 'account' // names the caller's account: the account must delegate through identity policies
  | 'external'; // service, federated or anonymous caller: no identity policies exist

export interface StatementResult {
  policy: string;
  layer: Layer;
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  action: boolean;
  resource: Tri;
  principal: Tri;
  principalGrant?: PrincipalGrant;
  conditions: ConditionResult[];
  conditionsResult: Tri;
  applies: Tri;
  /** Statements kept for display although they did not apply: which part failed. */
  failedOn?: Array<'action' | 'resource' | 'principal' | 'condition'>;
  /** Keys this statement's outcome depends on but which cannot be known. */
  undeterminedKeys?: string[];
  /** Evaluation notes (e.g. the OSS bucket-owner rule, NotPrincipal with a permissions boundary). */
  notes?: string[];
  /** The statement as written in the policy. */
  statement: Record<string, unknown>;
}

export interface LayerResult {
  layer: Layer;
  policies: string[];
  /** Any Allow statement applies (for SCP/RCP: every level has one). */
  allows: Tri;
  /** SCP/RCP given by organisation level (`NamedPolicy.level`): whether each level allows, in the order given. */
  levels?: Array<{ level: string; policies: string[]; allows: Tri }>;
  /** Any Deny statement applies. */
  denies: Tri;
  /** Statements whose action matched the request. */
  statements: StatementResult[];
}

export interface EvaluationResult {
  /** `'undetermined'` when the outcome depends on `undeterminedKeys`; see `possibleDecisions`. */
  decision: Decision | 'undetermined';
  /** The outcomes the undetermined keys could still lead to (one entry when determined). */
  possibleDecisions: Decision[];
  /** true when the decision hinges on a key the tool cannot know. */
  undetermined: boolean;
  undeterminedKeys: string[];
  /** The layer that decided (or, when undetermined, the layer the decision hinges on). */
  decidedBy: Layer | null;
  /** The statements that decided: applying Denies, granting Allows, or near-miss Allows for an implicit deny. */
  statements: StatementResult[];
  layers: LayerResult[];
  crossAccount: boolean;
  /** One human sentence. */
  reason: string;
  warnings: string[];
  dialect: Dialect;
  request: { action: string; resource: string; principal: string };
  /** Policies that could have decided but were not read (from PolicySet.notVisible). */
  unread: UnreadPolicy[];
  /** Statements that could not be parsed (lenient policies), so were not evaluated. */
  notEvaluated: Array<{ policy: string; layer: Layer; index: number; why: string }>;
}
