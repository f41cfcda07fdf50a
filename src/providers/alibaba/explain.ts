// --explain for Alibaba Cloud OSS: read the bucket policy and the role's RAM policies once, evaluate
// each check's request record (acs: ARN, oss:/sts: action, oss:Prefix, oss:Delimiter as sent: see
// request.ts) with the common keys (acs:SourceIp, acs:SourceVpc, acs:SecureTransport) in the Alibaba
// dialect, and merge the evaluation into the result with the shared evaluator. OSS's own answer (EC, PolicyType) stands; a disagreement is shown, never hidden.

import { policyDigests } from '../../core/baseline.js';
import type { Explainer } from '../../core/explainer.js';
import type { CheckResult, DenialSource, RunResult } from '../../core/model.js';
import { evaluate } from '../../explain/evaluate.js';
import { explainCheck, fixScope, recordEvaluationError } from '../../explain/merge.js';
import { readPolicyFile } from '../../explain/read.js';
import { unreadPolicies } from '../../explain/unread.js';
import type { ContextValue, NamedPolicy, PolicySet, RequestContext } from '../../explain/types.js';
import type { AlibabaAdapter } from './adapter.js';
import { loadSourceCredentials } from './credentials.js';
import { type AlibabaPolicies, DEFAULT_RAM_ENDPOINT, readAlibabaPolicies } from './policies.js';
import { type DecodeOutcome, decodeDiagnostics, decodedRecord, DECODE_ACTION, diagnosticMismatch, failedRecord, layerOfPolicyType, withStoreContext } from './diagnostic.js';
import type { CommonTargetOptions, ExplainFlags } from '../../core/provider.js';

/**
 * The target's options and the --explain flags (src/core/provider.ts). `explainProfile`: the profile
 * that may read the bucket policy and RAM (default: the source credentials); `callerArn`: who calls
 * AssumeRole, when STS GetCallerIdentity did not say; `scpFiles`: Resource Directory control policies
 * (evaluated as the SCP layer). No --source-vpce and no --rcp on Alibaba Cloud (refused in info.ts).
 */
export type AlibabaExplainOptions = Pick<CommonTargetOptions, 'bucket' | 'prefix' | 'endpoint' | 'timeoutMs' | 'roleArn' | 'sessionName' | 'externalId' | 'sessionPolicy'> &
  Pick<ExplainFlags, 'explainProfile' | 'sourceIp' | 'sourceVpc' | 'callerArn' | 'scpFiles' | 'scpLevels'> & {
    region: string;
    /** RAM endpoint URL; default https://ram.aliyuncs.com. */
    ramEndpoint?: string;
  };

/** Read control-policy files up front so a bad file is a usage error before any request. */
function readPolicyFiles(flag: string, files: string[]): NamedPolicy[] {
  return files.map((file) => ({ name: `control-policy:${file}`, document: readPolicyFile(file, flag).text }));
}

/**
 * --scp (one level) and --scp-level LEVEL=FILE: control policies by folder level; each level up to the
 * root folder must allow (https://help.aliyun.com/en/oss/user-guide/control-policy, "Evaluation principles").
 */
function readScps(o: Pick<ExplainFlags, 'scpFiles' | 'scpLevels'>): NamedPolicy[] {
  const levelled = (o.scpLevels ?? []).map((lf) => ({ name: `control-policy:${lf.level}:${lf.file}`, document: readPolicyFile(lf.file, '--scp-level').text, level: lf.level }));
  return [...readPolicyFiles('--scp', o.scpFiles), ...levelled];
}

/** STS answers the session as `acs:ram::ACCT:role/ROLE/SESSION`; RAM policies see `assumed-role`. */
export function sessionArnForEvaluation(arn: string): string {
  const m = /^acs:ram::(\d+):(?:role|assumed-role)\/([^/]+)\/(.+)$/.exec(arn);
  return m ? `acs:ram::${m[1]}:assumed-role/${m[2]}/${m[3]}` : arn;
}

/** The EncodedDiagnosticMessage of an OSS denial's AccessDeniedDetail. */
function diagnosticOf(check: CheckResult): string | undefined {
  return check.denial?.accessDeniedDetail?.EncodedDiagnosticMessage || undefined;
}

export class AlibabaExplainer implements Explainer {
  private readonly controls: NamedPolicy[];
  /** Each distinct diagnostic message of this run's denials, decoded (or why not). */
  private decoded = new Map<string, DecodeOutcome>();

  constructor(
    private readonly adapter: AlibabaAdapter,
    private readonly o: AlibabaExplainOptions,
  ) {
    this.controls = readScps(o);
  }

  async explain(result: RunResult): Promise<void> {
    let read: AlibabaPolicies;
    let decoded = new Map<string, DecodeOutcome>();
    try {
      const credentials = this.o.explainProfile ? await loadSourceCredentials(this.o.explainProfile) : await this.adapter.sourceCredentials();
      const ramEndpoint = this.o.ramEndpoint ?? DEFAULT_RAM_ENDPOINT;
      const messages = result.checks.map((c) => (c.outcome === 'denied' && c.action !== 'sts:AssumeRole' ? diagnosticOf(c) : undefined)).filter((m): m is string => !!m);
      [read, decoded] = await Promise.all([
        readAlibabaPolicies(this.adapter, { roleArn: this.o.roleArn, region: this.o.region, timeoutMs: this.o.timeoutMs, ramEndpoint, credentials }),
        // decoding never loses the run: decodeDiagnostics records each failure, and anything else is one here
        messages.length
          ? decodeDiagnostics(messages, { credentials, ramEndpoint, region: this.o.region, timeoutMs: this.o.timeoutMs }).catch(
              (err: unknown) => new Map(messages.map((m): [string, DecodeOutcome] => [m, { ok: false, why: err instanceof Error ? err.message : String(err), denied: false }])),
            )
          : Promise.resolve(decoded),
      ]);
    } catch (err) {
      const why = `no credentials to read policies with: ${err instanceof Error ? err.message : String(err)}`;
      read = { bucketPolicy: null, trust: null, identity: [], read: [], notVisible: [{ policy: 'all policies', why }] };
      for (const c of result.checks) {
        const m = c.outcome === 'denied' ? diagnosticOf(c) : undefined;
        if (m) decoded.set(m, { ok: false, why, denied: false });
      }
    }
    this.decoded = decoded;
    const warnings: string[] = [];
    if (!this.controls.length) warnings.push('no Resource Directory control policies given (--scp FILE, or --scp-level LEVEL=FILE per folder level): they were not evaluated');
    if (!this.o.sourceIp) warnings.push(`acs:SourceIp is undetermined (pass --source-ip with the address OSS sees); a denial whose diagnostic message OSS returned is evaluated with the keys ${DECODE_ACTION} decodes`);
    const refused = [...decoded.values()].filter((d) => !d.ok && d.denied).length;
    if (refused) warnings.push(`${DECODE_ACTION} was refused for the explain credentials: ${refused} diagnostic message${refused === 1 ? '' : 's'} not decoded, their keys stay undetermined`);
    const unseen = [
      ...read.notVisible.map((n) => n.policy),
      ...(this.controls.length ? [] : ['control policies']),
      'VPC endpoint policies, bucket and object ACLs, Block Public Access, KMS key policies',
    ].join('; ');
    result.explain = { read: [...read.read, ...this.controls.map((p) => p.name)], notVisible: read.notVisible, warnings };
    result.explain.digests = policyDigests([read.bucketPolicy, read.trust, ...read.identity, ...this.controls]);

    for (const check of result.checks) {
      if (check.outcome !== 'allowed' && check.outcome !== 'denied') continue;
      if (check.action === 'sts:AssumeRole') this.explainAssume(check, read, result);
      else this.explainOss(check, read, result, unseen);
    }
  }

  private common(): Record<string, ContextValue> {
    const ctx: Record<string, ContextValue> = {
      'acs:SecureTransport': this.o.endpoint ? this.o.endpoint.startsWith('https:') : true,
      'acs:CurrentTime': new Date().toISOString(),
    };
    if (this.o.sourceIp) ctx['acs:SourceIp'] = this.o.sourceIp;
    if (this.o.sourceVpc) ctx['acs:SourceVpc'] = this.o.sourceVpc;
    return ctx;
  }

  private explainAssume(check: CheckResult, read: AlibabaPolicies, result: RunResult): void {
    const caller = this.o.callerArn ?? result.identity.source;
    if (!read.trust || !caller || !this.o.roleArn) {
      check.explain = {
        decision: 'undetermined',
        decidedBy: null,
        summary: !read.trust
          ? 'the trust policy could not be read (see explain.notVisible)'
          : 'the caller is unknown (STS GetCallerIdentity did not answer): pass --caller-arn',
      };
      return;
    }
    const sent = check.request;
    if (!sent) return;
    const context = { ...this.common(), ...sent.context };
    const request: RequestContext = { action: sent.action, resource: sent.resource, principal: { arn: caller }, context };
    if (!this.o.externalId) request.absent = ['sts:ExternalId'];
    // the caller's own RAM policies are not read: unread, so nothing is concluded from their absence
    const policies: PolicySet = {
      trust: read.trust,
      notVisible: [{ slot: 'identity', policy: `the RAM policies of ${caller}`, why: 'not read (only the role\'s policies are read)', readWith: 'ram:ListPoliciesForUser and ram:GetPolicy' }],
    };
    const fix = { action: 'sts:AssumeRole', bucket: this.o.bucket, prefix: this.o.prefix, roleArn: this.o.roleArn, sessionName: this.o.sessionName, callerArn: caller, ...(this.o.externalId ? { externalId: this.o.externalId } : {}) };

    // On Alibaba Cloud the caller's own RAM policies must also allow sts:AssumeRole. They are not read
    // here, so when the trust policy admits the caller, the evaluation cannot decide by itself.
    // One failure never loses the run (issue 12 item 5): the same lenient parse as explainCheck, and
    // a trust policy that still cannot be evaluated is this check's explain.error, never a throw.
    let r: ReturnType<typeof evaluate>;
    try {
      r = evaluate({ request, policies: { lenient: true, ...policies }, dialect: 'alibaba' });
    } catch (err) {
      recordEvaluationError(check, request.resource, err);
      return;
    }
    const trust = r.layers.find((l) => l.layer === 'trust-policy');
    if (r.decidedBy === 'identity-policy' && trust?.allows === true && trust.denies === false) {
      const admits = `the trust policy of ${this.o.roleArn} admits ${caller}`;
      if (check.outcome === 'allowed') {
        check.explain = { decision: 'allowed', decidedBy: 'trust-policy', summary: `${admits} (the caller's own RAM policies were not read)` };
        return;
      }
      check.explain = {
        decision: 'undetermined',
        decidedBy: 'trust-policy',
        summary: `${admits}; the caller's own RAM policies were not read`,
      };
      const d = check.denial!;
      // NoPermission names no single cause (the classifier leaves the source unknown, or says
      // trust-policy); the trust policy being clear leaves the caller's own policy. The denial keeps
      // STS's word; the evaluation's reading is recorded under check.explain.
      if ((d.source === 'unknown' || d.source === 'trust-policy') && d.explicit === null) {
        const remedy = `attach a RAM policy to ${caller} allowing sts:AssumeRole on ${this.o.roleArn} (or AliyunSTSAssumeRoleAccess).`;
        check.explain.source = { source: 'identity-policy', explicit: null, why: `${admits}, so STS's NoPermission comes from the caller's side` };
        check.explain.fix = {
          summary: `The trust policy of ${this.o.roleArn} admits ${caller}, so STS's NoPermission comes from the caller's side: ${remedy}`,
          policy: 'identity',
          snippet: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: this.o.roleArn }] },
        };
      }
      return;
    }
    explainCheck(check, { request, policies, fix }, 'alibaba', "the caller's own RAM policies");
  }

  private explainOss(check: CheckResult, read: AlibabaPolicies, result: RunResult, unseen: string): void {
    const roleArn = this.o.roleArn;
    const sessionArn = result.identity.assumedRoleArn;
    const sent = check.request;
    if (!roleArn || !sessionArn || !sent) return; // --no-assume: the caller's own policies are not read
    const account = /^acs:ram::(\d+):/.exec(roleArn)?.[1] ?? '*';
    const context = { ...this.common(), ...sent.context };
    // the session's AccessKey ID is known: acs:AccessId is filled, not undetermined
    const keyId = this.adapter.sessionAccessKeyId();
    if (keyId) context['acs:AccessId'] = keyId;
    const principal: RequestContext['principal'] = { arn: sessionArnForEvaluation(sessionArn), roleArn };
    const userId = this.adapter.assumedRoleId();
    if (userId) principal.userId = userId;
    let request: RequestContext = { action: sent.action, resource: sent.resource, principal, context, resourceAccount: account };
    // OSS's own account of this denial: the keys it evaluated replace what the tool had
    const message = check.outcome === 'denied' ? diagnosticOf(check) : undefined;
    const outcome = message ? this.decoded.get(message) : undefined;
    let filled: string[] = [];
    let overridden: string[] = [];
    if (outcome?.ok) ({ request, filled, overridden } = withStoreContext(request, outcome.decoded));
    const policies: PolicySet = { identity: read.identity };
    if (read.bucketPolicy) policies.resource = read.bucketPolicy;
    if (this.o.sessionPolicy) policies.session = { name: 'session-policy', document: this.o.sessionPolicy };
    if (this.controls.length) policies.scp = this.controls;
    const unread = unreadPolicies(read.notVisible, this.o.explainProfile).filter((u) => u.slot !== 'trust');
    if (unread.length) policies.notVisible = unread;
    explainCheck(
      check,
      { request, policies, fix: { action: sent.action, bucket: this.o.bucket, prefix: this.o.prefix, roleArn, sessionName: this.o.sessionName, ...fixScope(check) } },
      'alibaba',
      unseen,
    );
    if (outcome && check.explain) this.recordDiagnostic(check, outcome, filled, overridden);
  }

  /** The decoded diagnostic (or why there is none) on the explanation; a contradiction is a mismatch. */
  private recordDiagnostic(check: CheckResult, outcome: DecodeOutcome, filled: string[], overridden: string[]): void {
    const ex = check.explain!;
    if (!outcome.ok) {
      ex.storeDiagnostic = failedRecord(outcome.why, outcome.denied, this.o.explainProfile);
      return;
    }
    const d = outcome.decoded;
    const rec = decodedRecord(d, filled);
    const notes: string[] = [];
    if (overridden.length) notes.push(`the run was given ${overridden.join(', ')}, but the store evaluated ${filled.join(', ')} as decoded: the store's values were evaluated`);
    const contradiction = ex.error ? null : diagnosticMismatch(d, ex);
    if (contradiction) {
      notes.push(contradiction);
      ex.mismatch = ex.mismatch ? `${ex.mismatch}; ${contradiction}` : contradiction;
    }
    if (notes.length) rec.mismatch = notes.join('; ');
    // the store naming the policy type that denied is evidence for the source, where the response named none
    // (or named the layer without saying whether a Deny matched)
    const layer = layerOfPolicyType(d.policyType);
    const denial = check.denial;
    const unsaid = denial?.source === layer && denial.explicit === null && d.explicitDeny !== null;
    if (layer && (denial?.source === 'unknown' || unsaid)) {
      ex.source = { source: layer as DenialSource, explicit: d.explicitDeny, why: `the store's decoded diagnostic (${DECODE_ACTION}) names ${d.policyType}${d.explicitDeny === null ? '' : d.explicitDeny ? ', explicit deny' : ', implicit deny'}` };
    }
    ex.storeDiagnostic = rec;
  }
}
