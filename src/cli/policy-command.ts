// `backup-canary policy`: print the least-privilege identity policy (IAM, RAM) a probe definition
// needs on a bucket and prefix, and where relevant the bucket-policy exception that lets the role
// through a restrictive Deny. No request is sent; bad input is a UsageError (exit 2).

import { EXIT, UsageError } from '../core/model.js';
import { loadDefinition } from '../core/definition.js';
import { normalisePrefix, validateBucket } from '../core/target.js';
import { generatePolicy, type PolicyProvider } from '../policy/generate.js';
import { providerInfo } from '../providers/registry.js';
import { renderPolicyReport } from '../report/policy.js';
import type { Io } from './io.js';
import type { PolicyArgs } from './policy-args.js';

export async function runPolicyCommand(a: PolicyArgs, io: Io): Promise<number> {
  const info = providerInfo(a.provider);
  if (a.format !== 'text' && a.format !== 'json') throw new UsageError(`--format: "${a.format}" is not text or json`);
  const bucket = validateBucket(a.bucket);
  const prefix = normalisePrefix(a.prefix, a['allow-bucket-root']);
  // the provider's own parser: the same one `probe --role` goes through
  const partition = a.role !== undefined ? info.parseRoleArn(a.role).partition : '';
  const definition = loadDefinition(a.probe);
  if (!definition.providers.includes(info.name)) {
    throw new UsageError(`--probe: definition "${definition.name}" is for ${definition.providers.join(', ')}, not ${info.name}`);
  }
  const policy = generatePolicy({
    profile: definition,
    bucket,
    prefix,
    provider: info.name as PolicyProvider,
    ...(a.role !== undefined ? { roleArn: a.role } : {}),
    ...(partition ? { partition } : {}),
    ...(a.writer ? { writer: true } : {}),
  });
  if (a['twin-role'] !== undefined || a['twin-caller'] !== undefined) {
    const { runTwinRole } = await import('./twin-command.js');
    return runTwinRole(a, info.name, policy, io);
  }
  const report = { policy, kind: info.policyKind, probe: definition.name, source: definition.source, provider: info.name, bucket, prefix, role: a.role ?? null };
  io.stdout(renderPolicyReport(report, a.format));
  return EXIT.ok;
}
