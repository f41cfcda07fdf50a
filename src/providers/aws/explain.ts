// --explain for AWS S3 and S3-compatible stores: read the policies once, evaluate each check's request
// record (action, resource ARN and the context keys it set, recorded when it was sent: see
// request.ts) as the principal that sent it, and merge the evaluation into the result.

import { policyDigests } from '../../core/baseline.js';
import type { Explainer } from '../../core/explainer.js';
import type { CheckResult, RunResult } from '../../core/model.js';
import { explainKmsCall } from '../../explain/kms-call.js';
import { explainCheck, fixScope } from '../../explain/merge.js';
import { RGW_REQUEST_ID } from '../../explain/dialects/aws/stores.js';
import { readPolicyFile } from '../../explain/read.js';
import { unreadPolicies } from '../../explain/unread.js';
import type { ContextValue, NamedPolicy, PolicySet, RequestContext, UnreadPolicy } from '../../explain/types.js';
import type { AwsAdapter } from './adapter.js';
import { decidingKey, keyPolicyReadable, kmsActionOf, kmsKeyArn, kmsLayer, kmsWrites, type KmsLayer, type KmsRead } from './kms.js';
import { readBucketEncryption, readKeyPolicy, type KmsReadOptions } from './kms-read.js';
import { configuredKmsEndpoint } from './config.js';
import { readAwsPolicies, type ReadPolicies } from './policies.js';
import { partitionOfArn } from './request.js';
import type { CommonTargetOptions, ExplainFlags } from '../../core/provider.js';

/**
 * The target's options and the --explain flags (src/core/provider.ts). `explainProfile`: the
 * shared-config profile that may read policies (default: the source credentials); `callerArn`: who
 * calls AssumeRole, when the store cannot say (no sts:GetCallerIdentity).
 */
export type AwsExplainOptions = Pick<
  CommonTargetOptions,
  'bucket' | 'prefix' | 'region' | 'endpoint' | 'pathStyle' | 'timeoutMs' | 'roleArn' | 'sessionName' | 'externalId' | 'sessionPolicy'
> &
  Partial<Pick<CommonTargetOptions, 'profile'>> &
  ExplainFlags;

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
  /** --kms-key-policy: the key policy of the writes' SSE-KMS key. */
  private readonly kmsPolicy: NamedPolicy | null;

  constructor(
    private readonly adapter: AwsAdapter,
    private readonly o: AwsExplainOptions,
    /** Where AWS_ENDPOINT_URL_KMS and the profile are looked up (the CLI's environment). */
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.scps = readPolicyFiles('--scp', o.scpFiles);
    this.rcps = readPolicyFiles('--rcp', o.rcpFiles);
    this.kmsPolicy = o.kmsKeyPolicyFile ? readPolicyFiles('--kms-key-policy', [o.kmsKeyPolicyFile])[0]! : null;
  }

  async explain(result: RunResult): Promise<void> {
    const reader: KmsReadOptions = {
      bucket: this.o.bucket,
      region: this.o.region,
      endpoint: this.o.endpoint,
      pathStyle: this.o.pathStyle,
      timeoutMs: this.o.timeoutMs,
      profile: this.o.explainProfile,
      ...(this.o.explainProfile ? {} : { credentials: this.adapter.sourceCredentialsForExplain() }),
    };
    const [read, kms] = await Promise.all([readAwsPolicies({ ...reader, roleArn: this.o.roleArn }), this.readKms(result, reader)]);
    this.explainRead(result, read, kms);
  }

  /**
   * The KMS layer's reads (kms-read.ts): the bucket's default encryption when the writes name no
   * key, then kms:GetKeyPolicy of the key that decides, unless --kms-key-policy gives it.
   */
  private async readKms(result: RunResult, reader: KmsReadOptions): Promise<KmsRead> {
    const writes = kmsWrites(result.checks);
    const out: KmsRead = {};
    if (!writes) out.encryption = await readBucketEncryption(reader);
    const key = decidingKey(writes, out.encryption);
    if (!key || this.kmsPolicy) return out;
    if (!key.keyId) {
      out.notCalled = 'the key is the AWS managed key aws/s3, whose id is not known here';
      return out;
    }
    if (!keyPolicyReadable(key.keyId)) {
      out.notCalled = `the key is named by an alias (${key.keyId}); kms:GetKeyPolicy takes a key id or key ARN`;
      return out;
    }
    let endpoint: Awaited<ReturnType<typeof configuredKmsEndpoint>>;
    try {
      endpoint = await configuredKmsEndpoint(this.env, this.o.explainProfile ?? this.o.profile ?? null);
    } catch (err) {
      out.notCalled = `the KMS endpoint is not usable: ${(err as Error).message}`;
      return out;
    }
    if (!endpoint && this.o.endpoint) {
      out.notCalled = `the store at ${this.o.endpoint} is not AWS and no KMS endpoint is configured (AWS_ENDPOINT_URL_KMS): its KMS, if any, is not the AWS KMS API`;
      return out;
    }
    const region = /^arn:[^:]+:kms:([^:]+):/.exec(key.keyId)?.[1] ?? this.o.region ?? 'us-east-1';
    out.keyPolicy = { keyId: key.keyId, read: await readKeyPolicy(key.keyId, region, endpoint?.value ?? null, reader) };
    return out;
  }

  /** Evaluate every check over the policies read (also what a test drives with recorded inputs). */
  explainRead(result: RunResult, read: ReadPolicies, kmsRead?: KmsRead): void {
    const warnings: string[] = [];
    if (!this.scps.length) warnings.push('no SCPs given (--scp FILE): service control policies were not evaluated');
    if (!this.rcps.length) warnings.push('no RCPs given (--rcp FILE): resource control policies were not evaluated');
    if (!this.o.sourceIp) warnings.push('aws:SourceIp is undetermined (pass --source-ip with the address the store sees)');
    const kms = this.kmsKeyPolicy(result, warnings, kmsRead);
    const unseen = [
      ...read.notVisible.map((n) => n.policy),
      ...(this.scps.length ? [] : ['SCPs']),
      ...(this.rcps.length ? [] : ['RCPs']),
      kms?.policy ? 'VPC endpoint policies, ACLs' : 'VPC endpoint policies, ACLs, KMS key policies',
    ].join('; ');
    const notVisible = [...read.notVisible, ...(kms?.unread ? [{ policy: kms.unread.policy, why: kms.unread.why }] : [])];
    result.explain = { read: [...read.read, ...this.scps.map((p) => p.name), ...this.rcps.map((p) => p.name), ...(kms?.policy ? [kms.policy.name] : [])], notVisible, warnings };
    result.explain.digests = policyDigests([read.bucketPolicy, read.trust, read.boundary, ...read.identity, ...this.scps, ...this.rcps, ...(kms?.policy ? [kms.policy] : [])]);

    this.store = this.o.store ?? detectStore(this.o.endpoint, result);
    if (!this.o.store && this.o.endpoint) warnings.push(`fixes are proven for ${this.store} (detected; pass --store to choose)`);
    for (const check of result.checks) {
      // not-probed: a configuration write never sent; its request record is evaluated all the same
      if (check.outcome !== 'allowed' && check.outcome !== 'denied' && check.outcome !== 'not-probed') continue;
      if (check.action === 'sts:AssumeRole') this.explainAssume(check, read, result);
      else this.explainS3(check, read, result, unseen, kms);
    }
  }

  /**
   * The KMS key-policy layer (kms.ts kmsLayer): none when no write calls KMS (no SSE-KMS in the
   * writes, and a bucket default that is not SSE-KMS); else the --kms-key-policy file, the policy
   * kms:GetKeyPolicy read, or an unread entry saying which key policy, why, and what would read it.
   */
  private kmsKeyPolicy(result: RunResult, warnings: string[], kmsRead: KmsRead | undefined): KmsLayer | null {
    const writes = kmsWrites(result.checks);
    const enc = kmsRead?.encryption;
    if (!writes && enc && !enc.read) {
      warnings.push(`the bucket's default encryption was not read (${enc.why}): if it is SSE-KMS, its key policy also decides the writes and was not evaluated (s3:GetEncryptionConfiguration for the explain credentials)`);
    }
    const key = decidingKey(writes, enc);
    if (!key) {
      if (this.kmsPolicy) warnings.push('--kms-key-policy was given, but no write of this run uses SSE-KMS (definition sse: aws:kms, or the bucket\'s default encryption); the key policy was not evaluated');
      return null;
    }
    const account = /^arn:[^:]+:iam::(\d{12}):/.exec(this.o.roleArn ?? '')?.[1] ?? null;
    const keyArn = kmsKeyArn(key.keyId, partitionOfArn(this.o.roleArn ?? result.identity.assumedRoleArn), this.o.region, account);
    if (key.from === 'bucket-default') warnings.push(`the writes send no encryption header: the bucket's default encryption (SSE-KMS, key ${key.keyId ?? 'aws/s3'}) decides their KMS calls`);
    return kmsLayer(key, keyArn, this.kmsPolicy, kmsRead);
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

  private explainS3(check: CheckResult, read: ReadPolicies, result: RunResult, unseen: string, kms: KmsLayer | null): void {
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
    const kmsAction = kms ? kmsActionOf(check, kms.from === 'bucket-default') : null;
    if (!kms || !kmsAction) return;
    this.explainKms(check, kms, kmsAction, { request, policies }, unseen);
  }

  /** The KMS call S3 makes for this check, as the role session, against the key policy (or its unread entry). */
  private explainKms(check: CheckResult, kms: KmsLayer, action: string, s3: { request: RequestContext; policies: PolicySet }, unseen: string): void {
    const roleArn = this.o.roleArn!;
    if (!kms.keyArn) {
      // the key the request used is not known here: its policy and the identity statements naming it cannot be matched
      check.explain!.kms = {
        action,
        resource: 'unknown',
        explain: {
          decision: 'undetermined',
          decidedBy: null,
          summary: 'the SSE-KMS key is not known (no kms-key-id, or an alias, in the probe definition): the KMS call was not evaluated; set kms-key-id to the key ARN',
        },
      };
      return;
    }
    // S3 calls KMS with the caller's credentials (a forward access session): aws:ViaAWSService is true
    // ("AWS global condition context keys"); the network keys of that call are S3's, not the probe's
    const network = ['aws:SourceIp', 'aws:SourceVpc', 'aws:SourceVpce', 'aws:SecureTransport'];
    const context: Record<string, ContextValue> = { ...this.common(), 'aws:ViaAWSService': true };
    for (const k of network) delete context[k];
    const caller = s3.request.principal.arn ? /^arn:[^:]+:sts::(\d{12}):/.exec(s3.request.principal.arn)?.[1] : undefined;
    if (caller) context['kms:CallerAccount'] = caller;
    if (this.o.region && !this.o.endpoint) context['kms:ViaService'] = `s3.${this.o.region}.amazonaws.com`;
    // S3's encryption context is the object ARN, or the bucket ARN with an S3 Bucket Key: not known here
    const request: RequestContext = { action, resource: kms.keyArn, principal: s3.request.principal, context, undetermined: ['kms:EncryptionContext:*', 'kms:EncryptionContextKeys', ...network] };
    const account = /^arn:[^:]+:kms:[^:]+:(\d{12}):/.exec(kms.keyArn)?.[1];
    if (account) request.resourceAccount = account;
    // the caller's side as for the S3 request; the key policy takes the bucket policy's place
    const policies: PolicySet = { ...s3.policies };
    delete policies.resource;
    delete policies.notVisible;
    const unread = [...(s3.policies.notVisible ?? []).filter((u) => u.slot !== 'resource'), ...(kms.unread ? [kms.unread] : [])];
    if (unread.length) policies.notVisible = unread;
    if (kms.policy) policies.kms = kms.policy;
    const fix = { action, bucket: this.o.bucket, prefix: this.o.prefix, roleArn, sessionName: this.o.sessionName, resource: kms.keyArn };
    explainKmsCall(check, { request, policies, fix, store: this.store }, 'aws', unseen);
  }
}

/** Without --endpoint: AWS S3. With one: Ceph RGW when a response carried an RGW request id (`tx...-default`), else the conservative s3-compatible table. */
export function detectStore(endpoint: string | null, result: RunResult): string {
  if (!endpoint) return 'aws-s3';
  const ids = result.checks.map((c) => c.denial?.requestId).filter((x): x is string => typeof x === 'string');
  return ids.some((id) => RGW_REQUEST_ID.test(id)) ? 'ceph-rgw' : 's3-compatible';
}
