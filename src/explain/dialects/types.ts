// What differs between policy languages. The evaluator (src/explain/*) is dialect-neutral: every rule
// that only one cloud documents lives in src/explain/dialects/<name>/ behind this interface.

import type { ContextValue, StoreSemantics } from '../types.js';

/** A caller as the dialect rules see it (a subset of context.ts's Caller, to avoid an import cycle). */
export interface DialectCaller {
  kind: string;
  arn: string | null;
  account: string | null;
  roleName?: string;
  roleArn?: string;
  sessionName?: string;
  userName?: string;
  userId?: string;
  service?: string;
}

export interface OperatorDef {
  base: string;
  negated: boolean;
}

export interface DialectRules {
  /** The dialect's name as used on the command line and in results. */
  readonly name: string;
  /** ARN scheme: `arn` (AWS) or `acs` (Alibaba Cloud). */
  readonly scheme: string;
  /** Checks the Version element; returns whether policy variables are enabled. Pushes warnings. */
  version(version: string | null, policy: string, warnings: string[], fail: (path: string, message: string) => never): boolean;
  /** The principal types a Principal object may name, e.g. AWS, Service, Federated, CanonicalUser. */
  readonly principalTypes: ReadonlySet<string>;
  /** The principal type whose `*` means everyone (AWS / RAM). */
  readonly everyoneType: string;
  /** OSS bucket policies: Principal may be a list of UIDs, ARNs or "*" (an empty list is everyone). */
  readonly principalList: boolean;
  /** Operators only this dialect documents (merged over the shared table). */
  readonly extraOperators: Readonly<Record<string, OperatorDef>>;
  /** `*` wildcards are allowed in IP address condition values (acs:SourceIp 192.168.*). */
  readonly ipWildcards: boolean;
  /** Statement elements the shared grammar accepts but this dialect does not document: a warning each. */
  readonly undocumentedElements: ReadonlySet<string>;
  /** Dialect-specific warnings about a whole policy of this kind (statements as written). */
  policyWarnings(kind: string, statements: unknown[], policy: string): string[];
  /** Keys a dry evaluation can never know (added to the request's own undetermined list). */
  readonly defaultUndetermined: readonly string[];
  /**
   * The keys the service derives from the caller: when derivedKeys() does not set one, the real
   * request does not carry it (aws:username of a role session), so it is absent, not unknown.
   */
  readonly derivedFamily: readonly string[];
  /** Service keys this action never carries (s3:prefix on anything but ListBucket): absent, not unknown. */
  actionAbsentKeys(action: string): string[];
  /** Context keys the service derives from the caller (aws:PrincipalArn, aws:userid, ...). */
  derivedKeys(caller: DialectCaller, resourceAccount: string | null): Record<string, ContextValue>;
  /** OSS: a bucket-policy statement with Principal "*" and no Condition does not apply to the owner. */
  readonly anyWithoutConditionSkipsOwner: boolean;
  /** RAM: the caller's own sts:AssumeRole permission is needed on top of the trust policy. */
  readonly trustNeedsCallerPermission: boolean;
  /** The role ARN of a role-session ARN, or null. */
  roleOfSession(arn: string): string | null;
  /** A role ARN from its account and name. */
  roleArn(account: string, name: string): string;
  /** The Version a generated policy carries. */
  readonly policyVersion: string;
  /**
   * Why an allowed request can be denied by the organisation policies given (the SCP layer: SCPs on
   * AWS, Resource Directory control policies on Alibaba): the policies given are not the enforced ones.
   */
  readonly scpNotEnforced: string;
  /** Generated statements carry a Sid (RAM policies do not use Sid). */
  readonly statementSids: boolean;
  /** The bucket ARN, and the ARN covering every bucket (ListBuckets). */
  bucketArn(bucket: string, partition: string): string;
  allBucketsArn(partition: string): string;
  /** The Principal value that names exactly one role (every session of it) in a bucket policy. */
  rolePrincipal(roleArn: string): unknown;
  /** The stores that speak this dialect, by name; the first is the cloud's own. */
  readonly stores: Readonly<Record<string, StoreSemantics>>;
  readonly defaultStore: string;
  /** The condition key holding the caller's role ARN (aws:PrincipalArn), or null when none is documented. */
  readonly principalArnKey: string | null;
  /** The condition key holding the caller's unique id (aws:userid: ROLEID:session), or null. */
  readonly userIdKey: string | null;
  /**
   * NotPrincipal values that exempt the role's session, preferred first: AWS needs the account, the
   * role and the session named; Ceph RGW excludes every user of the account when its root is named,
   * so there the role and session alone.
   */
  notPrincipalForms(roleArn: string, sessionArn: string): Array<{ form: string; value: unknown }>;
  /** The Principal value a trust policy uses to name a caller. */
  trustPrincipal(callerArn: string): unknown;
  /**
   * The network keys a request carries (--backup-source-*): the source address key, the VPC keys, the
   * VPC endpoint key (null where none is documented), and whether a request from a VPC carries no
   * public source address; the User-Agent key, which the backup's own client sets (not the canary's value).
   */
  readonly networkKeys: { sourceIp: string; sourceVpc: readonly string[]; sourceVpce: string | null; vpcHidesSourceIp: boolean; userAgent: string };
  /** The session ARN of a role ARN with a session name, or null when the ARN is not a role of this dialect. */
  sessionArnOf(roleArn: string, session: string): string | null;
}
