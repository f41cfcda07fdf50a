// The Provider interface: what a cloud supplies to the provider-neutral core. Each provider folder
// under src/providers/ implements it in the same files (arn.ts: its ARN parsing; info.ts: what is known
// without loading an SDK — names, dialect, the flags it adds, validation; index.ts: the adapter and the
// explainer); the registry only lists them by name.

import type { StorageAdapter } from './adapter.js';
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
  /** The store a fix is proven on (aws-s3, ceph-rgw, s3-compatible, oss); null: detected. */
  store?: string | null;
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

/** What is known about a provider without loading its SDK (for --help, `policy`, validation). */
export interface ProviderInfo {
  name: string;
  /** The policy language its policies are written in (the `explain` evaluator's dialect name). */
  dialect: Dialect;
  /** What its identity policies are called in output (e.g. `IAM identity policy`). */
  policyKind: string;
  /** The scheme its ARNs start with (`arn:`, `acs:`): a role ARN picks its provider. */
  arnScheme: string;
  /** Parses a role ARN; throws UsageError naming `flag`. */
  parseRoleArn(value: string, flag?: string): RoleArn;
  flags: ProviderFlag[];
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
