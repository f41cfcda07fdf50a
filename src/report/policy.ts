// The `policy` command's output: the generated least-privilege policy as text (comments and JSON a
// user pastes) or as one JSON document.

import type { GeneratedPolicy } from '../policy/generate.js';
import { VERSION } from '../version.js';

export interface PolicyReportInput {
  policy: GeneratedPolicy;
  /** What the provider calls the identity policy (`IAM identity policy`, `RAM policy`). */
  kind: string;
  probe: string;
  source: string;
  provider: string;
  bucket: string;
  prefix: string;
  role: string | null;
}

export function renderPolicyReport(r: PolicyReportInput, format: 'text' | 'json'): string {
  return format === 'json' ? renderPolicyJson(r) : renderPolicyText(r);
}

function renderPolicyJson(r: PolicyReportInput): string {
  const g = r.policy;
  const out = {
    schemaVersion: 1,
    tool: { name: 'backup-canary', version: VERSION },
    probe: r.probe,
    provider: r.provider,
    bucket: r.bucket,
    prefix: r.prefix,
    role: r.role,
    identity: g.identity,
    bucketException: g.bucketException ?? null,
    bucketGrant: g.bucketGrant ?? null,
    unexpressed: g.unexpressed,
    notes: g.notes,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

function renderPolicyText(r: PolicyReportInput): string {
  const g = r.policy;
  const who = r.role ?? 'the backup role';
  const lines = [
    `# ${r.kind} for ${who}: probe definition "${r.probe}" on ${r.bucket}/${r.prefix}`,
    `# requirements from ${r.source}`,
    JSON.stringify(g.identity, null, 2),
  ];
  if (g.unexpressed.length) {
    lines.push('', '# Not expressible in this policy (enforce elsewhere, or the probe reports these checks as failed):');
    for (const u of g.unexpressed) lines.push(`- ${u.check} (expected ${u.expect}): ${u.why}`);
  }
  if (g.bucketException) lines.push('', '# Bucket policy: a restrictive Deny keeps applying to everyone else', g.bucketException.summary, JSON.stringify(g.bucketException.snippet, null, 2));
  if (g.bucketGrant) lines.push('', '# Bucket policy, cross-account only', g.bucketGrant.summary, JSON.stringify(g.bucketGrant.snippet, null, 2));
  if (g.notes.length) {
    lines.push('', '# Notes');
    for (const n of g.notes) lines.push(`- ${n}`);
  }
  return `${lines.join('\n')}\n`;
}
