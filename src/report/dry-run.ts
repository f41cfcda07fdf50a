// `run FILE --dry-run`: the targets the run would probe (after --shard), one line each; no request.

import type { PreparedTarget } from '../core/run.js';
import { plural } from './style.js';

export function renderDryRun(file: string, total: number, targets: PreparedTarget[], shard: string | null): string {
  const head = shard
    ? `${file}: ${plural(total, 'target')}; shard ${shard} would probe ${plural(targets.length, 'target')}:`
    : `${file}: would probe ${plural(targets.length, 'target')}:`;
  const width = Math.max(0, ...targets.map((p) => p.name.length));
  const lines = targets.map((p) => {
    const t = p.target;
    const where = t.endpoint ? ` at ${t.endpoint}` : t.region ? ` in ${t.region}` : '';
    const who = t.roleArn ? ` as ${t.roleArn}` : ' with the source credentials';
    const w = t.writer;
    const writer = w ? `; writer ${w.roleArn ?? (w.profile ? `profile ${w.profile}` : 'the source credentials')}${w.roleArn && w.profile ? ` from profile ${w.profile}` : ''}, ACL ${w.acl ?? 'none'}` : '';
    return `  ${p.name.padEnd(width)}  ${p.providerName} ${t.bucket}/${t.prefix}${where} (${p.definition.name})${who}${writer}`;
  });
  return `${[head, ...lines].join('\n')}\nNo request was sent (--dry-run).\n`;
}
