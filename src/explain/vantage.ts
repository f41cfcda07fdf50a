// As the backup would send them (issue 11 item 2): every check's recorded request (record.ts) is
// evaluated a second time with the backup's vantage - its source address, VPC, VPC endpoint, role
// session name, or its own principal (a service, or the real role when the canary runs on a twin) -
// instead of the canary's. A check the backup would fail fails the run although the live check
// passed, and where the two verdicts differ the statement that makes the difference is named.

import type { AsBackup, AsBackupCheck, RunResult } from '../core/model.js';
import { rulesOf } from './dialects/index.js';
import { evaluate } from './evaluate.js';
import { recordedInputs } from './record.js';
import { describeStatement, summarise } from './summary.js';
import type { Dialect, EvaluationResult, RequestContext, StatementResult } from './types.js';

export interface BackupVantage {
  sourceIp?: string;
  sourceVpc?: string;
  sourceVpce?: string;
  sessionName?: string;
  /** A service principal (`backup.amazonaws.com`) or an ARN (the real role, or a session of it). */
  principal?: string;
}

/** `from 198.51.100.7, via vpce-1, session daebaksrv-S3Backup, as backup.amazonaws.com`. */
export function describeVantage(v: BackupVantage): string {
  const parts: string[] = [];
  if (v.sourceIp) parts.push(`from ${v.sourceIp}`);
  if (v.sourceVpc) parts.push(`in ${v.sourceVpc}`);
  if (v.sourceVpce) parts.push(`via ${v.sourceVpce}`);
  if (v.sessionName) parts.push(`session ${v.sessionName}`);
  if (v.principal) parts.push(`as ${v.principal}`);
  return parts.join(', ');
}

function setKey(r: RequestContext, key: string, value: string): void {
  const ctx = { ...(r.context ?? {}) };
  for (const k of Object.keys(ctx)) if (k.toLowerCase() === key.toLowerCase()) delete ctx[k];
  ctx[key] = value;
  r.context = ctx;
  if (r.absent) r.absent = r.absent.filter((k) => k.toLowerCase() !== key.toLowerCase());
}

function dropKey(r: RequestContext, key: string): void {
  const ctx = { ...(r.context ?? {}) };
  for (const k of Object.keys(ctx)) if (k.toLowerCase() === key.toLowerCase()) delete ctx[k];
  r.context = ctx;
  r.absent = [...(r.absent ?? []), key];
}

function unknownKey(r: RequestContext, key: string): void {
  const ctx = { ...(r.context ?? {}) };
  for (const k of Object.keys(ctx)) if (k.toLowerCase() === key.toLowerCase()) delete ctx[k];
  r.context = ctx;
  if (r.absent) r.absent = r.absent.filter((k) => k.toLowerCase() !== key.toLowerCase());
  r.undetermined = [...(r.undetermined ?? []), key];
}

function withSession(arn: string, session: string): string {
  return arn.replace(/(:assumed-role\/[^/]+\/).+$/, `$1${session}`);
}

/** The backup's request: the canary's, with the vantage's keys and principal. null: not the backup's request. */
export function asBackupRequest(req: RequestContext, v: BackupVantage, dialect: Dialect): RequestContext | null {
  const r: RequestContext = JSON.parse(JSON.stringify(req)) as RequestContext;
  const rules = rulesOf(dialect);
  const keys = rules.networkKeys;
  const assume = /^sts:AssumeRole/i.test(r.action);
  // the User-Agent recorded is the canary's SDK's; the backup's client sends its own, not known here
  unknownKey(r, keys.userAgent);
  if (v.sourceIp) setKey(r, keys.sourceIp, v.sourceIp);
  if (v.sourceVpc) for (const k of keys.sourceVpc) setKey(r, k, v.sourceVpc);
  if (v.sourceVpce && keys.sourceVpce) setKey(r, keys.sourceVpce, v.sourceVpce);
  // e.g. AWS: a request through a VPC endpoint carries no public aws:SourceIp
  if ((v.sourceVpce || v.sourceVpc) && !v.sourceIp && keys.vpcHidesSourceIp) dropKey(r, keys.sourceIp);
  const session = v.sessionName;
  if (v.principal) {
    if (/^[a-z0-9.-]+\.(amazonaws\.com|aliyuncs\.com)$/i.test(v.principal)) {
      r.principal = { service: v.principal };
    } else if (assume) {
      return null; // the real role does not assume itself: its trust is not the canary's question
    } else if (/:role\//.test(v.principal)) {
      const sess = session ?? /\/([^/]+)$/.exec(req.principal.arn ?? '')?.[1] ?? 'backup';
      const arn = rules.sessionArnOf(v.principal, sess) ?? v.principal;
      r.principal = { arn, roleArn: v.principal };
      r.undetermined = [...(r.undetermined ?? []), 'aws:userid'];
    } else {
      r.principal = { arn: v.principal };
    }
  } else if (session) {
    if (assume) {
      for (const k of Object.keys(r.context ?? {})) if (/RoleSessionName$/i.test(k)) r.context![k] = session;
    } else if (r.principal.arn) {
      r.principal = { ...r.principal, arn: withSession(r.principal.arn, session) };
      if (r.principal.userId?.includes(':')) r.principal.userId = `${r.principal.userId.split(':')[0]}:${session}`;
    }
  }
  return r;
}

function decisive(r: EvaluationResult): StatementResult | undefined {
  if (r.decision === 'explicit-deny') return r.statements.find((s) => s.effect === 'Deny' && s.applies === true);
  if (r.decision === 'allowed') return r.statements.find((s) => s.effect === 'Allow');
  return r.statements.find((s) => s.effect === 'Deny' && s.applies !== false) ?? r.statements[0];
}

function named(s: StatementResult | undefined): string {
  return s ? `${s.policy}${s.sid ? ` Sid ${s.sid}` : ` #${s.index}`}` : 'no statement';
}

/** Every recorded check, from the backup's vantage. */
export function evaluateAsBackup(result: RunResult, v: BackupVantage): AsBackup {
  const checks: AsBackupCheck[] = [];
  for (const input of recordedInputs(result)) {
    const request = asBackupRequest(input.request, v, input.dialect);
    if (!request) continue;
    const live = evaluate({ request: input.request, policies: input.policies, dialect: input.dialect });
    const r = evaluate({ request, policies: input.policies, dialect: input.dialect });
    const s = decisive(r);
    const e = input.check.expect;
    const ok = r.decision === 'undetermined' ? e === 'any' : e === 'allow' ? r.decision === 'allowed' : e === 'deny' ? r.decision !== 'allowed' : true;
    const c: AsBackupCheck = {
      id: input.check.id,
      action: input.check.action,
      decision: r.decision,
      decidedBy: r.decidedBy,
      statement: s && r.decision !== 'implicit-deny' ? { policy: s.policy, sid: s.sid ?? null, effect: s.effect } : null,
      summary: summarise(r),
      ok,
    };
    // a configuration write never sent (outcome evaluated): this run's answer is its evaluation
    const liveAllowed = input.check.outcome === 'allowed' || (input.check.outcome === 'evaluated' && live.decision === 'allowed');
    const backupAllowed = r.decision === 'allowed';
    if (r.decision !== 'undetermined' && liveAllowed !== backupAllowed) {
      const made = backupAllowed ? decisive(live) : s;
      c.differs = `this run was ${input.check.outcome === 'evaluated' ? `evaluated ${live.decision} (never sent)` : input.check.outcome}; from the backup's vantage ${made ? describeStatement(made) : `no statement of ${r.decidedBy ?? 'the policies'} allows it`}`;
    }
    checks.push(c);
  }
  const verdict = checks.some((c) => !c.ok && c.decision !== 'undetermined') ? 'fail' : checks.some((c) => !c.ok) ? 'undetermined' : 'pass';
  const vantage: AsBackup['vantage'] = {};
  for (const k of ['sourceIp', 'sourceVpc', 'sourceVpce', 'sessionName', 'principal'] as const) if (v[k]) vantage[k] = v[k];
  return { verdict, vantage, checks };
}

/** The headline statement of a backup check: `bucket-policy Sid OfficeOnly`. */
export function backupStatementName(c: AsBackupCheck): string {
  if (c.statement) return `${c.statement.policy}${c.statement.sid ? ` Sid ${c.statement.sid}` : ''}`;
  return c.decision === 'implicit-deny' ? `no Allow in ${c.decidedBy ?? 'the policies'}` : c.decision;
}

export { named as statementLabel };
