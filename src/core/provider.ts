// The Provider interface: what a cloud supplies to the provider-neutral core (validation, the storage
// adapter, the explainer). Each provider folder under src/providers/ implements it; the registry only
// lists them by name.

import type { StorageAdapter } from './adapter.js';
import type { Explainer } from './explainer.js';

/** Options every provider understands; each validates what is specific to it. */
export interface CommonTargetOptions {
  bucket: string;
  prefix: string;
  region: string | null;
  endpoint: string | null;
  stsEndpoint: string | null;
  pathStyle: boolean;
  internal: boolean;
  roleArn: string | null;
  sessionName: string;
  externalId: string | null;
  durationSeconds: number;
  sessionPolicy: string | null;
  profile: string | null;
  timeoutMs: number;
  maxAttempts: number;
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

export interface Provider {
  name: string;
  /** Validate provider-specific input (role ARN form, region form); throws UsageError. */
  validate(o: CommonTargetOptions): void;
  /** Validate the --explain flags for this provider (a flag that does not apply); throws UsageError. */
  validateExplain?(e: ExplainFlags): void;
  createAdapter(o: CommonTargetOptions): StorageAdapter;
  /** For --explain; its policy files were checked when the target was prepared. */
  createExplainer(adapter: StorageAdapter, o: CommonTargetOptions, e: ExplainFlags): Explainer;
}
