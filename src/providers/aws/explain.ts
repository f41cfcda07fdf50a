// --explain for AWS S3 and S3-compatible stores: read the policies once, evaluate each check's request
// record (action, resource ARN and the context keys it set, recorded when it was sent: see
// request.ts) as the principal that sent it, and merge the evaluation into the result.

import { policyDigests } from '../../core/baseline.js';
import type { Explainer } from '../../core/explainer.js';
import type { CheckResult, RunResult } from '../../core/model.js';
import { explainCheck, fixScope } from '../../explain/merge.js';
import { RGW_REQUEST_ID } from '../../explain/dialects/aws/stores.js';
import { readPolicyFile } from '../../explain/read.js';
import { unreadPolicies } from '../../explain/unread.js';
import type { ContextValue, NamedPolicy, PolicySet, RequestContext } from '../../explain/types.js';
import type { AwsAdapter } from './adapter.js';
import { readAwsPolicies, type ReadPolicies } from './policies.js';

export interface AwsExplainOptions {
  bucket: string;
  prefix: string;
  region: string | null;
  endpoint: string | null;
  pathStyle: boolean;
  timeoutMs: number;
  roleArn: string | null;
  sessionName: string;
  externalId: string | null;
  sessionPolicy: string | null;
  /** Shared-config profile that may read policies; default: the source credentials. */
  explainProfile: string | null;
  sourceIp: string | null;
  sourceVpc: string | null;
  sourceVpce: string | null;
  /** Who calls AssumeRole, when the store cannot say (no sts:GetCallerIdentity). */
  callerArn: string | null;
  scpFiles: string[];
  rcpFiles: string[];
  /** The store a fix is proven on; null: aws-s3 without --endpoint, else detected from request ids. */
  store?: string | null;
}

/** Headers the probe never sends: their condition keys are absent from its requests, not unknown. */
const ABSENT_S3_KEYS = [
  's3:prefix',
  's3:delimiter',
  's3:max-keys',
  's3:if-none-match',
  's3:x-amz-acl',
  's3:x-amz-grant-full-control',
  's3:x-amz-grant-read',
  's3:x-amz-grant-write',
  's3:x-amz-server-side-encryption',
  's3:x-amz-server-side-encryption-aws-kms-key-id',
  's3:x-amz-storage-class',
  's3:x-amz-copy-source',
  's3:x-amz-metadata-directive',
  's3:object-lock-mode',
  's3:object-lock-retain-until-date',
  's3:object-lock-legal-hold',
  's3:RequestObjectTag/*',
  's3:RequestObjectTagKeys',
  'aws:RequestTag/*',
  'aws:TagKeys',
];

/** Read SCP/RCP files up front so a bad file is a usage error before any request. */
export function readPolicyFiles(flag: string, files: string[]): NamedPolicy[] {
  return files.map((file) => ({ name: `${flag.slice(2)}:${file}`, document: readPolicyFile(file, flag).text }));
}

export class AwsExplainer implements Explainer {
  private readonly scps: NamedPolicy[];
  private readonly rcps: NamedPolicy[];

  constructor(
    private readonly adapter: AwsAdapter,
    private readonly o: AwsExplainOptions,
  ) {
    this.scps = readPolicyFiles('--scp', o.scpFiles);
    this.rcps = readPolicyFiles('--rcp', o.rcpFiles);
  }

  async explain(result: RunResult): Promise<void> {
    const read = await readAwsPolicies({
      bucket: this.o.bucket,
      roleArn: this.o.roleArn,
      region: this.o.region,
      endpoint: this.o.endpoint,
      pathStyle: this.o.pathStyle,
      timeoutMs: this.o.timeoutMs,
      profile: this.o.explainProfile,
      ...(this.o.explainProfile ? {} : { credentials: this.adapter.sourceCredentialsForExplain() }),
    });
    const warnings: string[] = [];
    if (!this.scps.length) warnings.push('no SCPs given (--scp FILE): service control policies were not evaluated');
    if (!this.rcps.length) warnings.push('no RCPs given (--rcp FILE): resource control policies were not evaluated');
    if (!this.o.sourceIp) warnings.push('aws:SourceIp is undetermined (pass --source-ip with the address the store sees)');
    const unseen = [
      ...read.notVisible.map((n) => n.policy),
      ...(this.scps.length ? [] : ['SCPs']),
      ...(this.rcps.length ? [] : ['RCPs']),
      'VPC endpoint policies, ACLs, KMS key policies',
    ].join('; ');
    result.explain = { read: [...read.read, ...this.scps.map((p) => p.name), ...this.rcps.map((p) => p.name)], notVisible: read.notVisible, warnings };
    result.explain.digests = policyDigests([read.bucketPolicy, read.trust, read.boundary, ...read.identity, ...this.scps, ...this.rcps]);

    this.store = this.o.store ?? detectStore(this.o.endpoint, result);
    if (!this.o.store && this.o.endpoint) warnings.push(`fixes are proven for ${this.store} (detected; pass --store to choose)`);
    for (const check of result.checks) {
      if (check.outcome !== 'allowed' && check.outcome !== 'denied') continue;
      if (check.action === 'sts:AssumeRole') this.explainAssume(check, read, result);
      else this.explainS3(check, read, result, unseen);
    }
  }

  private store = 'aws-s3';

  private common(): Record<string, ContextValue> {
    const now = new Date();
    const ctx: Record<string, ContextValue> = {
      'aws:SecureTransport': this.o.endpoint ? this.o.endpoint.startsWith('https:') : true,
      'aws:CurrentTime': now.toISOString(),
      'aws:EpochTime': Math.floor(now.getTime() / 1000),
    };
    if (this.o.sourceIp) ctx['aws:SourceIp'] = this.o.sourceIp;
    if (this.o.sourceVpc) ctx['aws:SourceVpc'] = this.o.sourceVpc;
    if (this.o.sourceVpce) ctx['aws:SourceVpce'] = this.o.sourceVpce;
    if (this.o.region) ctx['aws:RequestedRegion'] = this.o.region;
    return ctx;
  }

  private explainAssume(check: CheckResult, read: ReadPolicies, result: RunResult): void {
    const caller = this.o.callerArn ?? result.identity.source;
    if (!read.trust || !caller || !this.o.roleArn) {
      check.explain = {
        decision: 'undetermined',
        decidedBy: null,
        summary: !read.trust
          ? 'the trust policy could not be read (see explain.notVisible)'
          : 'the caller is unknown (the store has no sts:GetCallerIdentity): pass --caller-arn',
      };
      return;
    }
    const sent = check.request;
    if (!sent) return;
    const context = { ...this.common(), ...sent.context };
    const request: RequestContext = { action: sent.action, resource: sent.resource, principal: { arn: caller }, context };
    if (!this.o.externalId) request.absent = ['sts:ExternalId'];
    const fix = { action: 'sts:AssumeRole', bucket: this.o.bucket, prefix: this.o.prefix, roleArn: this.o.roleArn, sessionName: this.o.sessionName, callerArn: caller };
    // the caller's own identity policies are not read: where they could decide, nothing is concluded
    const policies: PolicySet = {
      trust: read.trust,
      notVisible: [{ slot: 'identity', policy: `the identity policies of ${caller}`, why: 'not read (only the role\'s policies are read)', readWith: 'iam:ListUserPolicies/iam:GetUserPolicy for the caller' }],
    };
    explainCheck(check, { request, policies, fix: this.o.externalId ? { ...fix, externalId: this.o.externalId } : fix, store: this.store }, 'aws', 'the caller\'s own identity policies');
  }

  private explainS3(check: CheckResult, read: ReadPolicies, result: RunResult, unseen: string): void {
    const roleArn = this.o.roleArn;
    const sessionArn = result.identity.assumedRoleArn;
    const sent = check.request;
    if (!roleArn || !sessionArn || !sent) return; // --no-assume: the caller's own policies are not read
    const context = { ...this.common(), ...sent.context };
    const userId = this.adapter.assumedRoleId();
    const principal: RequestContext['principal'] = { arn: sessionArn, roleArn };
    if (userId) principal.userId = userId;
    // keys the request did not set are absent (the probe sends no such header), not unknown
    const set = new Set(Object.keys(sent.context).map((k) => k.toLowerCase()));
    const absent = ABSENT_S3_KEYS.filter((k) => !set.has(k.toLowerCase()));
    const request: RequestContext = { action: sent.action, resource: sent.resource, principal, context, absent };
    const account = /^arn:[^:]+:iam::(\d*):/.exec(roleArn)?.[1];
    if (account !== undefined) request.resourceAccount = account;
    const policies: PolicySet = { identity: read.identity };
    if (read.bucketPolicy) policies.resource = read.bucketPolicy;
    if (read.boundary) policies.boundary = read.boundary;
    if (this.o.sessionPolicy) policies.session = { name: 'session-policy', document: this.o.sessionPolicy };
    if (this.scps.length) policies.scp = this.scps;
    if (this.rcps.length) policies.rcp = this.rcps;
    const unread = unreadPolicies(read.notVisible, this.o.explainProfile).filter((u) => u.slot !== 'trust');
    if (unread.length) policies.notVisible = unread;
    const roleId = userId?.split(':')[0];
    explainCheck(
      check,
      {
        request,
        policies,
        fix: { action: sent.action, bucket: this.o.bucket, prefix: this.o.prefix, roleArn, sessionName: this.o.sessionName, ...fixScope(check), ...(roleId ? { roleId } : {}) },
        store: this.store,
      },
      'aws',
      unseen,
    );
  }
}

/** Without --endpoint: AWS S3. With one: Ceph RGW when a response carried an RGW request id (`tx...-default`), else the conservative s3-compatible table. */
export function detectStore(endpoint: string | null, result: RunResult): string {
  if (!endpoint) return 'aws-s3';
  const ids = result.checks.map((c) => c.denial?.requestId).filter((x): x is string => typeof x === 'string');
  return ids.some((id) => RGW_REQUEST_ID.test(id)) ? 'ceph-rgw' : 's3-compatible';
}
