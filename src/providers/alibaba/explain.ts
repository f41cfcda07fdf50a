// --explain for Alibaba Cloud OSS: read the bucket policy and the role's RAM policies once, evaluate
// each check's request record (acs: ARN, oss:/sts: action, oss:Prefix, oss:Delimiter as sent: see
// request.ts) with the common keys (acs:SourceIp, acs:SourceVpc, acs:SecureTransport) in the Alibaba
// dialect, and merge the evaluation into the result with the shared evaluator. OSS's own answer (EC, PolicyType) stands; a disagreement is shown, never hidden.

import { policyDigests } from '../../core/baseline.js';
import type { Explainer } from '../../core/explainer.js';
import type { CheckResult, RunResult } from '../../core/model.js';
import { evaluate } from '../../explain/evaluate.js';
import { explainCheck, fixScope } from '../../explain/merge.js';
import { readPolicyFile } from '../../explain/read.js';
import { unreadPolicies } from '../../explain/unread.js';
import type { ContextValue, NamedPolicy, PolicySet, RequestContext } from '../../explain/types.js';
import type { AlibabaAdapter } from './adapter.js';
import { loadSourceCredentials } from './credentials.js';
import { type AlibabaPolicies, DEFAULT_RAM_ENDPOINT, readAlibabaPolicies } from './policies.js';

export interface AlibabaExplainOptions {
  bucket: string;
  prefix: string;
  region: string;
  endpoint: string | null;
  timeoutMs: number;
  roleArn: string | null;
  sessionName: string;
  externalId: string | null;
  sessionPolicy: string | null;
  /** Profile that may read the bucket policy and RAM (default: the source credentials). */
  explainProfile: string | null;
  sourceIp: string | null;
  sourceVpc: string | null;
  /** Who calls AssumeRole, when STS GetCallerIdentity did not say. */
  callerArn: string | null;
  /** Resource Directory control policies (evaluated as the SCP layer). */
  scpFiles: string[];
  /** RAM endpoint URL; default https://ram.aliyuncs.com. */
  ramEndpoint?: string;
}

/** Read control-policy files up front so a bad file is a usage error before any request. */
function readPolicyFiles(flag: string, files: string[]): NamedPolicy[] {
  return files.map((file) => ({ name: `control-policy:${file}`, document: readPolicyFile(file, flag).text }));
}

/** STS answers the session as `acs:ram::ACCT:role/ROLE/SESSION`; RAM policies see `assumed-role`. */
export function sessionArnForEvaluation(arn: string): string {
  const m = /^acs:ram::(\d+):(?:role|assumed-role)\/([^/]+)\/(.+)$/.exec(arn);
  return m ? `acs:ram::${m[1]}:assumed-role/${m[2]}/${m[3]}` : arn;
}

export class AlibabaExplainer implements Explainer {
  private readonly controls: NamedPolicy[];

  constructor(
    private readonly adapter: AlibabaAdapter,
    private readonly o: AlibabaExplainOptions,
  ) {
    this.controls = readPolicyFiles('--scp', o.scpFiles);
  }

  async explain(result: RunResult): Promise<void> {
    let read: AlibabaPolicies;
    try {
      const credentials = this.o.explainProfile ? await loadSourceCredentials(this.o.explainProfile) : await this.adapter.sourceCredentials();
      read = await readAlibabaPolicies(this.adapter, {
        roleArn: this.o.roleArn,
        region: this.o.region,
        timeoutMs: this.o.timeoutMs,
        ramEndpoint: this.o.ramEndpoint ?? DEFAULT_RAM_ENDPOINT,
        credentials,
      });
    } catch (err) {
      const why = `no credentials to read policies with: ${err instanceof Error ? err.message : String(err)}`;
      read = { bucketPolicy: null, trust: null, identity: [], read: [], notVisible: [{ policy: 'all policies', why }] };
    }
    const warnings: string[] = [];
    if (!this.controls.length) warnings.push('no Resource Directory control policies given (--scp FILE): they were not evaluated');
    if (!this.o.sourceIp) warnings.push('acs:SourceIp is undetermined (pass --source-ip with the address OSS sees)');
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
    const r = evaluate({ request, policies, dialect: 'alibaba' });
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
      // NoPermission names no single cause (the classifier leaves the source unknown); the trust
      // policy being clear leaves the caller's own policy.
      if ((d.source === 'unknown' || d.source === 'trust-policy') && d.explicit === null) {
        d.source = 'identity-policy';
        d.hint = `The trust policy of ${this.o.roleArn} admits ${caller}, so STS's NoPermission comes from the caller's side: attach a RAM policy to ${caller} allowing sts:AssumeRole on ${this.o.roleArn} (or AliyunSTSAssumeRoleAccess).`;
        d.fix = {
          summary: d.hint,
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
    const principal: RequestContext['principal'] = { arn: sessionArnForEvaluation(sessionArn), roleArn };
    const userId = this.adapter.assumedRoleId();
    if (userId) principal.userId = userId;
    const request: RequestContext = { action: sent.action, resource: sent.resource, principal, context, resourceAccount: account };
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
  }
}
