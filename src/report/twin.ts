// `policy --twin-role NAME`: the canary twin role, as text a user applies or as JSON.

import type { TwinRole } from '../policy/twin.js';
import { VERSION } from '../version.js';

export function renderTwinRole(t: TwinRole, format: 'text' | 'json'): string {
  if (format === 'json') return `${JSON.stringify({ schemaVersion: 1, tool: { name: 'backup-canary', version: VERSION }, twinRole: t }, null, 2)}\n`;
  return [
    `# Canary twin role ${t.name}: create it next to the backup role; never widen the production role's trust policy.`,
    `# Trust policy (only the canary's caller, with external id ${t.externalId}${t.sessionNamePattern ? ` and session names ${t.sessionNamePattern}` : ''}):`,
    JSON.stringify(t.trust, null, 2),
    '# Permission policy: attach the same policies as the backup role; at least this one:',
    JSON.stringify(t.permissions, null, 2),
    '# What does not carry over:',
    ...t.doesNotCarryOver.map((d) => `#  - ${d}`),
    `# Then: ${t.probeWith}`,
    '',
  ].join('\n');
}
