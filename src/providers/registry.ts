// Providers by name. What is known without an SDK (names, ARN schemes, dialects, the flags each adds)
// is loaded at once; the adapters are loaded lazily, so `--help`, `policy` and other providers' runs
// never load an SDK they do not need. A new provider is one folder under src/providers/ (arn.ts,
// info.ts, index.ts, ...) and one line in each table here.

import { UsageError } from '../core/model.js';
import { own } from '../core/own.js';
import type { Provider, ProviderFlag, ProviderInfo } from '../core/provider.js';
import { info as aws } from './aws/info.js';
import { info as alibaba } from './alibaba/info.js';

export type { CommonTargetOptions, ExplainFlags, Provider, ProviderInfo } from '../core/provider.js';

/** The first one is the default (for a target without a role, or `policy` without --provider). */
const infos: ProviderInfo[] = [aws, alibaba];

const loaders: Record<string, () => Promise<Provider>> = {
  aws: async () => (await import('./aws/index.js')).provider,
  alibaba: async () => (await import('./alibaba/index.js')).provider,
};

export const PROVIDER_NAMES = infos.map((p) => p.name);
export const DEFAULT_PROVIDER = infos[0]!.name;
/** The policy languages, by provider (`explain --dialect`). */
export const DIALECTS = [...new Set(infos.map((p) => p.dialect))];

/** The provider a role ARN belongs to, by its scheme (`arn:` AWS, `acs:` Alibaba Cloud); else the default. */
export function providerForRole(arn: string | null): string {
  return infos.find((p) => arn?.startsWith(p.arnScheme))?.name ?? DEFAULT_PROVIDER;
}

/** Every provider's SDK-free description, default first. */
export function providerInfos(): readonly ProviderInfo[] {
  return infos;
}

export function providerInfo(name: string): ProviderInfo {
  const p = infos.find((i) => i.name === name);
  if (!p) throw unsupported(name);
  return p;
}

/** Every provider's own flags (each declared once, for every command and run file that takes a target). */
export function providerFlags(): (ProviderFlag & { provider: string })[] {
  return infos.flatMap((p) => p.flags.map((f) => ({ ...f, provider: p.name })));
}

export async function loadProvider(name: string): Promise<Provider> {
  const load = own(loaders, name);
  if (!load) throw unsupported(name);
  return load();
}

function unsupported(name: string): UsageError {
  return new UsageError(`--provider: "${name}" is not supported (supported: ${PROVIDER_NAMES.join(', ')})`);
}
