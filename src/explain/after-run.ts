// After a probe's --explain: the documents evaluated go into the report once (explain.policies), and
// with --backup-* every check is evaluated again from the backup's vantage; a check the backup would
// fail fails the run although the live check passed.

import type { RunResult } from '../core/model.js';
import { hoistPolicies } from './record.js';
import { adviseServiceRole } from './service-role.js';
import { type BackupVantage, evaluateAsBackup } from './vantage.js';

export function afterExplain(result: RunResult, backup: BackupVantage | undefined): void {
  if (result.explain) hoistPolicies(result);
  // a service-linked role is known by its name alone; a service-only trust from the policy read
  adviseServiceRole(result);
  if (!result.explain) return;
  if (!backup) return;
  result.asBackup = evaluateAsBackup(result, backup);
  if (result.asBackup.verdict === 'fail' && result.verdict === 'pass') result.verdict = 'fail';
}
