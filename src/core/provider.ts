// The Provider interface: what a cloud supplies to the provider-neutral core. Each provider folder
// under src/providers/ implements it in the same files (arn.ts: its ARN parsing; info.ts: what is known
// without loading an SDK — names, dialect, the flags it adds, validation; index.ts: the adapter and the
// explainer); the registry only lists them by name.

import type { Operation, StorageAdapter } from './adapter.js';
import type { Explainer } from './explainer.js';
import type { Dialect } from '../explain/types.js';

/** Options every provider understands; built once from the flags (src/core/options.ts). */
export interface CommonTargetOptions {
  bucket: string;
  prefix: string;
  region: string | null;
  endpoint: string | null;
  stsEndpoint: string | null;
  /** Set by the AWS provider's --path-style flag (false elsewhere). */
  pathStyle: boolean;
  /** Set by the Alibaba provider's --internal flag (false elsewhere). */
  internal: boolean;
  roleArn: string | null;
  sessionName: string;
  externalId: string | null;
  durationSeconds: number;
  sessionPolicy: string | null;
  profile: string | null;
  timeoutMs: number;
  maxAttempts: number;
  /** --explain is on (the classifiers' hints then do not ask for it). */
  explain?: boolean;
  /** --writer-role / --writer-profile / --writer-acl: a second identity puts the canaries the role reads. */
  writer?: WriterOptions | null;
  /** `writer`: these options are the writer's own (src/core/writer.ts), for its adapter and credentials. */
  acting?: 'writer';
}

/** The writer of a two-identity probe (issue 15): who puts the canaries the probed role reads. */
export interface WriterOptions {
  /** --writer-role: assumed with the writer's credentials; null: the writer's credentials themselves. */
  roleArn: string | null;
  /** --writer-profile: the writer's credentials; null: the source credentials' chain (--profile). */
  profile: string | null;
  /** --writer-acl: the canned ACL the writer's put sends; null: `none`, no ACL header. */
  acl: string | null;
}

/** Flags of --explain. */
export interface ExplainFlags {
  explainProfile: string | null;
  sourceIp: string | null;
  sourceVpc: string | null;
  sourceVpce: string | null;
  callerArn: string | null;
  scpFiles: string[];
  rcpFiles: string[];
  /** --kms-key-policy: the key policy of the SSE-KMS key the writes use (AWS; evaluated for the KMS calls S3 makes). */
  kmsKeyPolicyFile?: string | null;
  /** The store a fix is proven on (aws-s3, ceph-rgw, s3-compatible, oss); null: detected. */
  store?: string | null;
  /** --backup-*: the backup's vantage (src/explain/vantage.ts). */
  backup?: { sourceIp?: string; sourceVpc?: string; sourceVpce?: string; sessionName?: string; principal?: string };
}

/** A role ARN, parsed by the provider it belongs to. */
export interface RoleArn {
  arn: string;
  /** `aws`, `aws-cn`, ... for AWS; empty where the provider has no partitions. */
  partition: string;
  account: string;
  /** IAM path (`/` when none). */
  path: string;
  name: string;
}

/** A flag one provider adds to `probe`, `cleanup` and run files; its value goes to one target option. */
export interface ProviderFlag {
  name: string;
  option: 'pathStyle' | 'internal';
  describe: string;
}

/** What the least-privilege generator (src/policy/generate.ts) needs to know of a provider's policies. */
export interface PolicyFacts {
  /** The IAM/RAM action each operation is authorised as. */
  actions: Record<Operation, string>;
  /** The listing's prefix and delimiter condition keys (`s3:prefix`, `oss:Prefix`). */
  prefixKey: string;
  delimiterKey: string;
  /** GET/HEAD of a missing key answers 404 only to a caller that may list the bucket without a prefix (S3). */
  missingKeyNeedsUnprefixedList: boolean;
  /** A bucket check (HeadBucket) is authorised as the listing action without a prefix (S3). */
  headBucketIsUnprefixedList: boolean;
  /** Conditional-write keys (s3:if-none-match, s3:ObjectCreationOperation) let a policy deny overwrites. */
  conditionalWriteKeys: boolean;
  /** Why an overwrite cannot be denied by an identity policy, where it cannot (`{prefix}` filled in). */
  overwriteUnexpressible: string | null;
  /** A canned-ACL condition key exists on writes (s3:x-amz-acl). */
  cannedAclKey: boolean;
  /** Bucket policies can exempt one role from a Deny and grant a role of another account (AWS). */
  bucketPolicyForRole: boolean;
  /** Said instead where bucketPolicyForRole is false and a role is named. */
  noBucketPolicyForRole: string;
  /** The note on sts:AssumeRole (never part of the generated policy). */
  assumeRoleNote: string;
  /** The partition of ARNs when no role names one (AWS `aws`; '' where there are none). */
  defaultPartition: string;
  /** A canary twin role (src/policy/twin.ts): its trust policy for one caller, and what differs. */
  twin: {
    /** The trust-policy key that pins the session name, or null where none is documented. */
    sessionNameKey: string | null;
    trustPolicy(caller: string, condition: Record<string, Record<string, string>>): Record<string, unknown>;
    /** What a service-linked role is exempt from that the twin is not. */
    controlPolicyExemption: string;
  };
}

/** What is known about a provider without loading its SDK (for --help, `policy`, validation). */
export interface ProviderInfo {
  name: string;
  /** The policy language its policies are written in (the `explain` evaluator's dialect name). */
  dialect: Dialect;
  /** What its identity policies are called in output (e.g. `IAM identity policy`). */
  policyKind: string;
  /** The scheme its ARNs start with (`arn:`, `acs:`): a role ARN picks its provider. */
  arnScheme: string;
  /** What its policies can express, for the least-privilege generator. */
  policy: PolicyFacts;
  /** Parses a role ARN; throws UsageError naming `flag`. */
  parseRoleArn(value: string, flag?: string): RoleArn;
  flags: ProviderFlag[];
  /**
   * The canned ACLs an object write may send (--writer-acl), as the provider's PutObject documents
   * them (S3 x-amz-acl, OSS x-oss-object-acl); the adapter sends `WriteOptions.acl` in its own header.
   */
  cannedAcls: readonly string[];
  /** Validate the writer's input that needs the provider's files (does --writer-profile exist); throws UsageError. */
  validateWriter?(w: WriterOptions): void;
  /** Validate provider-specific input (role ARN form, region form); throws UsageError. */
  validate(o: CommonTargetOptions): void;
  /** Validate the --explain flags for this provider (a flag that does not apply); throws UsageError. */
  validateExplain?(e: ExplainFlags): void;
}

export interface Provider extends ProviderInfo {
  /**
   * Fill in what the provider's standard configuration sets (AWS: region and endpoint from the
   * environment and the shared-config profile), before any request; throws UsageError.
   */
  resolve?(o: CommonTargetOptions, env: NodeJS.ProcessEnv): Promise<CommonTargetOptions>;
  createAdapter(o: CommonTargetOptions): StorageAdapter;
  /** For --explain; its policy files were checked when the target was prepared. */
  createExplainer(adapter: StorageAdapter, o: CommonTargetOptions, e: ExplainFlags): Explainer;
}
