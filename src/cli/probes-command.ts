// `backup-canary probes list` and `probes show NAME|FILE`: the probe definitions (data in probes/).

import { CHECK_IDS } from '../core/plan.js';
import { listDefinitions, loadDefinition } from '../core/definition.js';
import type { Io } from './io.js';

export function runProbesList(io: Io): number {
  const all = listDefinitions();
  const width = Math.max(...all.map((p) => p.name.length));
  for (const p of all) io.stdout(`${p.name.padEnd(width)}  ${p.providers.join(',').padEnd(11)}  ${firstSentence(p.description)}\n`);
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
  lines.push('checks:');
  for (const id of CHECK_IDS) if (p.checks[id]) lines.push(`  ${id.padEnd(26)} ${p.checks[id]}`);
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

function firstSentence(s: string): string {
  const m = /^(.*?[.:])(\s|$)/.exec(s);
  return m ? m[1]! : s;
}
