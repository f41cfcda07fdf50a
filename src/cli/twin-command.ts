// `backup-canary policy --twin-role NAME --twin-caller ARN [--twin-external-id ID] [--role REAL]`.

import { randomBytes } from 'node:crypto';
import { EXIT, UsageError } from '../core/model.js';
import { validateExternalId } from '../core/target.js';
import type { GeneratedPolicy } from '../policy/generate.js';
import { twinRole } from '../policy/twin.js';
import { renderTwinRole } from '../report/twin.js';
import type { Io } from './io.js';
import type { PolicyArgs } from './policy-args.js';

export function runTwinRole(a: PolicyArgs, provider: string, permissions: GeneratedPolicy, io: Io): number {
  const name = a['twin-role'];
  if (name === undefined) throw new UsageError('--twin-caller goes with --twin-role NAME');
  if (!/^[\w+=,.@-]{1,64}$/.test(name)) throw new UsageError(`--twin-role: "${name}" is not a role name (1-64 of letters, digits and +=,.@_-)`);
  const caller = a['twin-caller'];
  if (caller === undefined) throw new UsageError('--twin-role: --twin-caller ARN is required (the identity the canary runs as)');
  if (!/^(arn|acs):[^:]*:[^:]+:[^:]*:[^:]*:.+$/.test(caller)) throw new UsageError(`--twin-caller: "${caller}" is not an ARN`);
  const externalId = validateExternalId(a['twin-external-id'] ?? `backup-canary-${randomBytes(8).toString('hex')}`);
  const t = twinRole({ name, provider: provider === 'alibaba' ? 'alibaba' : 'aws', caller, externalId, permissions, realRole: a.role ?? null });
  io.stdout(renderTwinRole(t, a.format === 'json' ? 'json' : 'text'));
  return EXIT.ok;
}
