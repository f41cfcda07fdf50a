// The `probes list` and `probes show` output: the probe definitions (probes/*.yaml) as text.

import { CHECK_IDS, checkRow } from '../core/checks.js';
import type { ProbeDefinition } from '../core/definition.js';

/** One line per definition: name, providers, the whole description. */
export function renderProbeList(all: ProbeDefinition[]): string {
  const width = Math.max(...all.map((p) => p.name.length));
  // The whole description: cutting it (at the first colon, as before) dropped what the definition requires.
  return all.map((p) => `${p.name.padEnd(width)}  ${p.providers.join(',').padEnd(11)}  ${p.description}\n`).join('');
}

/** One definition: where it comes from, its options and caveats, each check's expectation and request. */
export function renderProbeDefinition(p: ProbeDefinition): string {
  const lines = [`${p.name}: ${p.description}`, `providers: ${p.providers.join(', ')}`, `source: ${p.source}`, `file: ${p.file}`];
  const opts = Object.entries(p.options);
  if (opts.length) lines.push(`options: ${opts.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (p.caveats.length) {
    lines.push('caveats:');
    for (const c of p.caveats) lines.push(`  - ${c}`);
  }
  lines.push('checks:');
  for (const id of CHECK_IDS) if (p.checks[id]) lines.push(`  ${id.padEnd(26)} ${p.checks[id]!.padEnd(5)}  ${checkRow(id)!.does}`);
  return `${lines.join('\n')}\n`;
}
