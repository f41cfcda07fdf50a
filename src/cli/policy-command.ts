// `backup-canary policy`: print the least-privilege identity (AWS) or RAM (Alibaba Cloud) policy a
// probe definition needs on a bucket and prefix, and where relevant the bucket-policy exception that
// lets the role through a restrictive Deny. No request is sent; bad input is a UsageError (exit 2).

import { EXIT, UsageError } from '../core/model.js';
import { loadDefinition } from '../core/definition.js';
import { normalisePrefix, parseAwsRoleArn, validateBucket } from '../core/target.js';
import { generatePolicy, type GeneratedPolicy, type PolicyProvider } from '../policy/generate.js';
import { VERSION } from '../version.js';
import type { Io } from './io.js';
import type { PolicyArgs } from './policy-args.js';

const ALIBABA_ROLE_ARN = /^acs:ram::\d*:role\/[\w.@-]{1,64}$/i;

export async function runPolicyCommand(a: PolicyArgs, io: Io): Promise<number> {
  if (a.provider !== 'aws' && a.provider !== 'alibaba') throw new UsageError(`--provider: "${a.provider}" is not aws or alibaba`);
  const provider: PolicyProvider = a.provider;
  if (a.format !== 'text' && a.format !== 'json') throw new UsageError(`--format: "${a.format}" is not text or json`);
  const bucket = validateBucket(a.bucket);
  const prefix = normalisePrefix(a.prefix, a['allow-bucket-root']);
  let partition: string | undefined;
  if (a.role !== undefined) {
    if (provider === 'aws') partition = parseAwsRoleArn(a.role).partition;
    else if (!ALIBABA_ROLE_ARN.test(a.role)) throw new UsageError(`--role: "${a.role}" is not a RAM role ARN (expected acs:ram::<account-id>:role/<name>)`);
  }
  const profile = loadDefinition(a.probe);
  if (!profile.providers.includes(provider)) {
    throw new UsageError(`--probe: definition "${profile.name}" is for ${profile.providers.join(', ')}, not ${provider}`);
  }
  const g = generatePolicy({
    profile,
    bucket,
    prefix,
    provider,
    ...(a.role !== undefined ? { roleArn: a.role } : {}),
    ...(partition ? { partition } : {}),
  });
  if (a.format === 'json') {
    const out = {
      schemaVersion: 1,
      tool: { name: 'backup-canary', version: VERSION },
      probe: profile.name,
      provider,
      bucket,
      prefix,
      role: a.role ?? null,
      identity: g.identity,
      bucketException: g.bucketException ?? null,
      bucketGrant: g.bucketGrant ?? null,
      unexpressed: g.unexpressed,
      notes: g.notes,
    };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout(renderText(g, { probe: profile.name, source: profile.source, bucket, prefix, role: a.role ?? null }));
  }
  return EXIT.ok;
}

function renderText(g: GeneratedPolicy, t: { probe: string; source: string; bucket: string; prefix: string; role: string | null }): string {
  const kind = g.provider === 'aws' ? 'IAM identity policy' : 'RAM policy';
  const who = t.role ?? 'the backup role';
  const lines = [
    `# ${kind} for ${who}: probe definition "${t.probe}" on ${t.bucket}/${t.prefix}`,
    `# requirements from ${t.source}`,
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
