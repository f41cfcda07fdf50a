// Providers by name, loaded lazily so `--help` and other providers' runs never load an SDK they do
// not need. A new provider is one folder under src/providers/ and one line here.

import type { StorageAdapter } from '../core/adapter.js';
import type { Explainer } from '../core/explainer.js';
import { UsageError } from '../core/model.js';
import { own } from '../core/own.js';

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

const loaders: Record<string, () => Promise<Provider>> = {
  aws: async () => (await import('./aws/index.js')).provider,
  alibaba: async () => (await import('./alibaba/index.js')).provider,
};

export const PROVIDER_NAMES = Object.keys(loaders);

/** The provider a role ARN belongs to: `arn:...` is AWS, `acs:...` is Alibaba Cloud. */
export function providerForRole(arn: string | null): string {
  if (arn?.startsWith('acs:')) return 'alibaba';
  return 'aws';
}

export async function loadProvider(name: string): Promise<Provider> {
  const load = own(loaders, name);
  if (!load) throw new UsageError(`--provider: "${name}" is not supported (supported: ${PROVIDER_NAMES.join(', ')})`);
  return load();
}
