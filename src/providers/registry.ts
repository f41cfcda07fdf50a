// Providers by name, loaded lazily so `--help` and other providers' runs never load an SDK they do
// not need. A new provider is one folder under src/providers/ and one line here.

import type { Provider } from '../core/provider.js';
import { UsageError } from '../core/model.js';
import { own } from '../core/own.js';

export type { CommonTargetOptions, ExplainFlags, Provider } from '../core/provider.js';

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
