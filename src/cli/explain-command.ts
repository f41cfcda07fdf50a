// `backup-canary explain`: evaluate one request against policy files, with no cloud call.
// Exit codes: 0 allowed, 1 denied, 3 undetermined (it hinges on a key whose value is unknown), 2 input.

import { EXIT, UsageError } from '../core/model.js';
import { evaluate, PolicyError, provenFix, storeSemantics, summarise } from '../explain/index.js';
import { DIALECT_NAMES, rulesOf } from '../explain/dialects/index.js';
import { checkPolicyFile, levelPolicyName, parseLevelFile } from '../explain/read.js';
import type { ContextScalar, ContextValue, Dialect, EvaluationResult, NamedPolicy, PolicySet, RequestContext } from '../explain/types.js';
import { renderExplainReport } from '../report/explain.js';
import type { ExplainArgs } from './explain-args.js';
import type { Io } from './io.js';
import { afterWriteFailure, checkWritable, writeOutput } from './output.js';

export async function runExplainCommand(a: ExplainArgs, io: Io): Promise<number> {
  if (a.replay !== undefined) {
    const { runReplayCommand } = await import('./replay-command.js');
    return runReplayCommand({ ...a, replay: a.replay }, io);
  }
  const dialect = a.dialect as Dialect;
  const request = requestOf(a);
  const policies = policiesOf(a);
  let store;
  try {
    store = storeSemantics(dialect, a.store);
  } catch (e) {
    throw new UsageError(`--store: ${(e as Error).message}`);
  }
  if (a.output) checkWritable(a.output);
  let result: EvaluationResult;
  try {
    result = evaluate({ request, policies, dialect });
  } catch (e) {
    if (e instanceof PolicyError) throw new UsageError(e.message);
    throw e;
  }
  const target = fixTarget(request, a['role-arn']);
  const externalId = request.context?.['sts:ExternalId'];
  const fixReq = target ? { action: request.action, ...target, ...(typeof externalId === 'string' ? { externalId } : {}) } : null;
  const fix = fixReq && !/[*?]/.test(request.action) ? provenFix({ request, policies, dialect }, result, fixReq, store) : null;
  const text = renderExplainReport({ request, result, summary: summarise(result), fix }, a.format === 'json' ? 'json' : 'text');
  const written = a.output ? writeOutput(a.output, text, io) : (io.stdout(text), true);
  const code = result.decision === 'allowed' ? EXIT.ok : result.decision === 'undetermined' ? EXIT.incomplete : EXIT.failed;
  return written ? code : afterWriteFailure(code);
}

function principalOf(a: ExplainArgs): RequestContext['principal'] {
  const type = a['principal-type'] ?? 'arn';
  if (type === 'anonymous') {
    if (a.principal !== undefined) throw new UsageError('--principal-type anonymous: give no --principal');
    return { anonymous: true };
  }
  if (a.principal === undefined) throw new UsageError('--principal: required (or --principal-type anonymous)');
  if (type === 'service') {
    if (!/^[a-z0-9.-]+\.(amazonaws\.com|aliyuncs\.com)$/.test(a.principal)) throw new UsageError(`--principal: "${a.principal}" is not a service principal (e.g. ec2.amazonaws.com)`);
    return { service: a.principal };
  }
  if (!/^(arn|acs):/.test(a.principal) && !/^\d{12,16}$/.test(a.principal)) throw new UsageError(`--principal: "${a.principal}" is not an ARN or account id`);
  return { arn: a.principal };
}

function requestOf(a: ExplainArgs): RequestContext {
  if (a.action === undefined) throw new UsageError('--action: required (or --replay REPORT.json)');
  if (a.resource === undefined) throw new UsageError('--resource: required (or --replay REPORT.json)');
  if (!/^[\w-]+:[\w*?]+$/.test(a.action)) throw new UsageError(`--action: "${a.action}" is not an action (service:Action)`);
  if (a.resource !== '*' && !/^(arn|acs):/.test(a.resource)) throw new UsageError(`--resource: "${a.resource}" is not an ARN (or *)`);
  const context: Record<string, ContextValue> = {};
  for (const kv of a.context ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--context: "${kv}" is not key=value`);
    const key = kv.slice(0, i);
    const value: ContextScalar = kv.slice(i + 1);
    const prev = context[key];
    context[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  const request: RequestContext = { action: a.action!, resource: a.resource!, principal: principalOf(a), context };
  if (a['role-arn']) request.principal.roleArn = a['role-arn'];
  if (a.undetermined?.length) request.undetermined = a.undetermined;
  if (a['resource-account'] !== undefined) {
    if (!/^\d{12,16}$/.test(a['resource-account'])) throw new UsageError(`--resource-account: "${a['resource-account']}" is not an account id`);
    request.resourceAccount = a['resource-account'];
  }
  return request;
}

function policiesOf(a: ExplainArgs): PolicySet {
  // Each file is parsed as it is read, so an error names its flag and file.
  const load = (flag: string, file: string, name: string): NamedPolicy => ({
    name,
    document: checkPolicyFile(file, `--${flag}`, a.dialect as Dialect).text,
  });
  const p: PolicySet = {};
  const ids = a['identity-policy'] ?? [];
  if (ids.length) p.identity = ids.map((f) => load('identity-policy', f, `identity:${f}`));
  if (a['bucket-policy']) p.resource = load('bucket-policy', a['bucket-policy'], 'bucket-policy');
  if (a['trust-policy']) p.trust = load('trust-policy', a['trust-policy'], 'trust-policy');
  if (a.boundary) p.boundary = load('boundary', a.boundary, `permissions-boundary:${a.boundary}`);
  if (a['session-policy']?.length) p.session = a['session-policy'].map((f) => load('session-policy', f, `session-policy:${f}`));
  if (a.scp?.length) p.scp = a.scp.map((f) => load('scp', f, `scp:${f}`));
  if (a.rcp?.length) p.rcp = a.rcp.map((f) => load('rcp', f, `rcp:${f}`));
  for (const value of a['scp-level'] ?? []) {
    const lf = parseLevelFile(value);
    p.scp = [...(p.scp ?? []), { ...load('scp-level', lf.file, levelPolicyName(lf)), level: lf.level }];
  }
  if (a['kms-key-policy']) p.kms = load('kms-key-policy', a['kms-key-policy'], 'kms-key-policy');
  if (a['vpce-policy']?.length) p.vpce = a['vpce-policy'].map((f) => load('vpce-policy', f, `vpce-policy:${f}`));
  if (!Object.keys(p).length) throw new UsageError('name at least one policy file (--identity-policy, --bucket-policy, --trust-policy, --kms-key-policy, ...)');
  if (p.scp?.length && a.scp?.length && a['scp-level']?.length) {
    throw new UsageError('--scp and --scp-level: use one (--scp puts every SCP at one level)');
  }
  return p;
}

/** Bucket, prefix and role for a fix, from the request's ARNs. */
function fixTarget(r: RequestContext, roleArn: string | undefined): { bucket: string; prefix: string; roleArn: string } | null {
  const m = /^(?:arn:[^:]+:s3:::|acs:oss:[^:]*:[^:]*:)([^/]+)(?:\/(.*))?$/.exec(r.resource);
  const role = roleArn ?? roleFromSession(r.principal.arn ?? '') ?? (r.action.startsWith('sts:') ? r.resource : null);
  if (r.resource === '*') return role ? { bucket: '', prefix: '', roleArn: role } : null;
  if (!role) return null;
  if (!m) return { bucket: '', prefix: '', roleArn: role };
  const key = m[2] ?? '';
  return { bucket: m[1]!, prefix: key.includes('/') ? key.slice(0, key.lastIndexOf('/') + 1) : '', roleArn: role };
}

function roleFromSession(arn: string): string | null {
  for (const d of DIALECT_NAMES) {
    const role = rulesOf(d).roleOfSession(arn);
    if (role) return role;
  }
  return null;
}
