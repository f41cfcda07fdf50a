// `backup-canary probes list` and `probes show NAME|FILE`: the probe definitions (data in probes/),
// rendered by src/report/probes.ts.

import { listDefinitions, loadDefinition } from '../core/definition.js';
import { renderProbeDefinition, renderProbeList } from '../report/probes.js';
import type { Io } from './io.js';

export function runProbesList(io: Io): number {
  io.stdout(renderProbeList(listDefinitions()));
  return 0;
}

export function runProbesShow(name: string, io: Io): number {
  io.stdout(renderProbeDefinition(loadDefinition(name)));
  return 0;
}
