// `backup-canary probes list` and `probes show NAME|FILE`: the probe definitions (data in probes/).

import { CHECK_IDS, checkRow } from '../core/checks.js';
import { listDefinitions, loadDefinition } from '../core/definition.js';
import type { Io } from './io.js';

export function runProbesList(io: Io): number {
  const all = listDefinitions();
  const width = Math.max(...all.map((p) => p.name.length));
  // The whole description: cutting it (at the first colon, as before) dropped what the definition requires.
  for (const p of all) io.stdout(`${p.name.padEnd(width)}  ${p.providers.join(',').padEnd(11)}  ${p.description}\n`);
  return 0;
}

export function runProbesShow(name: string, io: Io): number {
  const p = loadDefinition(name);
  const lines = [
    `${p.name}: ${p.description}`,
    `providers: ${p.providers.join(', ')}`,
    `source: ${p.source}`,
    `file: ${p.file}`,
  ];
  const opts = Object.entries(p.options);
  if (opts.length) lines.push(`options: ${opts.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (p.caveats.length) {
    lines.push('caveats:');
    for (const c of p.caveats) lines.push(`  - ${c}`);
  }
  lines.push('checks:');
  for (const id of CHECK_IDS) if (p.checks[id]) lines.push(`  ${id.padEnd(26)} ${p.checks[id]!.padEnd(5)}  ${checkRow(id)!.does}`);
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}
