// In-memory state of the OSS / STS test server, and the per-test authorization script.

import { createHash, randomBytes } from 'node:crypto';
import { DiagnosticCodec } from './diagnostic.js';
import type {
  AccessKeySpec,
  Bucket,
  DenyRule,
  FailRule,
  RecordedRequest,
  RequestPrincipal,
  RoleSpec,
  StoredObject,
  StsSession,
} from './types.js';

export interface ServerOptions {
  /** AssumedRoleUser.Arn form: 'role' = acs:ram::ACCT:role/ROLE/SESSION (API reference), 'assumed-role' = acs:ram::ACCT:assumed-role/ROLE/SESSION */
  assumedRoleArnStyle: 'role' | 'assumed-role';
  /** On HEAD errors also send x-oss-err (base64 error XML) besides x-oss-ec. */
  sendOssErrOnHead: boolean;
  /** Reject requests whose date differs from the server clock by more than this (ms). */
  maxClockSkewMs: number;
  /** Enforce the Deny statements of bucket policies (policy-enforce.ts); off: authorization is scripted only. */
  enforceBucketPolicy: boolean;
  /** The VPC requests arrive through (acs:SourceVpc); undefined: none (loopback, the internet). */
  sourceVpc?: string;
}

export function accountIdOf(arn: string): string {
  const m = /^acs:ram::(\d+):/.exec(arn);
  return m?.[1] ?? '';
}

export function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

/** OSS ETag for a simple upload: quoted upper-case MD5. */
export function objectEtag(body: Buffer): string {
  return `"${md5Hex(body).toUpperCase()}"`;
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex').toUpperCase();
}

export class OssServerState {
  readonly accessKeys = new Map<string, AccessKeySpec>();
  readonly roles = new Map<string, RoleSpec>();
  /** issued STS sessions by temporary AccessKeyId */
  readonly tokens = new Map<string, StsSession>();
  readonly buckets = new Map<string, Bucket>();
  readonly requests: RecordedRequest[] = [];
  readonly options: ServerOptions;
  /** Encodes OSS's EncodedDiagnosticMessage; the RAM endpoint decodes it (diagnostic.ts). */
  readonly diagnostics = new DiagnosticCodec();

  constructor(options: Partial<ServerOptions> = {}) {
    this.options = {
      assumedRoleArnStyle: options.assumedRoleArnStyle ?? 'role',
      sendOssErrOnHead: options.sendOssErrOnHead ?? true,
      maxClockSkewMs: options.maxClockSkewMs ?? 15 * 60 * 1000,
      enforceBucketPolicy: options.enforceBucketPolicy ?? false,
      ...(options.sourceVpc ? { sourceVpc: options.sourceVpc } : {}),
    };
  }

  addAccessKey(spec: AccessKeySpec): void {
    if (/^LTAI/.test(spec.accessKeyId)) {
      throw new Error('use an obviously fake AccessKeyId (not LTAI...) for the local test server');
    }
    if (spec.accessKeyId.startsWith('STS.')) {
      throw new Error('the STS. prefix is reserved for keys issued by AssumeRole');
    }
    this.accessKeys.set(spec.accessKeyId, structuredClone(spec));
  }

  addRole(spec: RoleSpec): void {
    if (!/^acs:ram::\d+:role\/[^/]+$/.test(spec.arn)) {
      throw new Error(`role ARN must look like acs:ram::<account-id>:role/<name>: ${spec.arn}`);
    }
    this.roles.set(spec.arn.toLowerCase(), structuredClone(spec));
  }

  findRole(arn: string): RoleSpec | undefined {
    // RAM role names are case-insensitive.
    return this.roles.get(arn.toLowerCase());
  }

  createBucket(name: string, opts: { ownerId?: string; region?: string } = {}): void {
    if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name)) {
      throw new Error(`invalid OSS bucket name: ${name}`);
    }
    if (this.buckets.has(name)) return;
    this.buckets.set(name, {
      name,
      ownerId: opts.ownerId ?? '1234567890123456',
      ...(opts.region ? { region: opts.region } : {}),
      objects: new Map(),
      versions: new Map(),
      uploads: new Map(),
    });
  }

  /** Store a bucket policy (JSON text or an object); `undefined` removes it. */
  setBucketPolicy(bucket: string, policy: string | object | undefined): void {
    const b = this.requireBucket(bucket);
    if (policy === undefined) {
      delete b.policy;
      return;
    }
    b.policy = typeof policy === 'string' ? policy : JSON.stringify(policy);
  }

  /** Seed an object directly (no request is recorded). */
  putObject(bucket: string, key: string, body: Buffer | string, contentType = 'application/octet-stream'): StoredObject {
    const b = this.requireBucket(bucket);
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const obj: StoredObject = {
      key,
      body: data,
      etag: objectEtag(data),
      contentType,
      lastModified: new Date(),
      type: 'Normal',
    };
    b.objects.set(key, obj);
    return obj;
  }

  getObject(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  /** Make an issued STS credential expired (its Expiration moves into the past). */
  expireToken(accessKeyId: string): void {
    const session = this.tokens.get(accessKeyId);
    if (!session) throw new Error(`no STS session with AccessKeyId ${accessKeyId}`);
    session.expiration = new Date(Date.now() - 1000);
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  private requireBucket(name: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw new Error(`no bucket ${name}; call state.createBucket first`);
    return b;
  }
}

/** Relations between API names and the RAM actions OSS authorizes them with. */
export const RAM_ACTION: Record<string, string> = {
  PutObject: 'oss:PutObject',
  InitiateMultipartUpload: 'oss:PutObject',
  UploadPart: 'oss:PutObject',
  CompleteMultipartUpload: 'oss:PutObject',
  AbortMultipartUpload: 'oss:AbortMultipartUpload',
  ListParts: 'oss:ListParts',
  ListMultipartUploads: 'oss:ListMultipartUploads',
  GetObject: 'oss:GetObject',
  HeadObject: 'oss:GetObject',
  DeleteObject: 'oss:DeleteObject',
  ListObjectsV2: 'oss:ListObjects',
  ListObjects: 'oss:ListObjects',
  GetBucketPolicy: 'oss:GetBucketPolicy',
  GetBucketVersioning: 'oss:GetBucketVersioning',
  PutBucketVersioning: 'oss:PutBucketVersioning',
  ListObjectVersions: 'oss:ListObjectVersions',
  DeleteObjectVersion: 'oss:DeleteObjectVersion',
  GetBucketWorm: 'oss:GetBucketWorm',
  InitiateBucketWorm: 'oss:InitiateBucketWorm',
  CompleteBucketWorm: 'oss:CompleteBucketWorm',
  ExtendBucketWorm: 'oss:ExtendBucketWorm',
  PutBucketPolicy: 'oss:PutBucketPolicy',
  GetBucketInfo: 'oss:GetBucketInfo',
  // Reader checks (issue 15): reader.ts cites each page.
  GetObjectTagging: 'oss:GetObjectTagging',
  GetObjectACL: 'oss:GetObjectAcl',
  GetBucketLocation: 'oss:GetBucketLocation',
  GetBucketTags: 'oss:GetBucketTagging',
  ListBucketInventory: 'oss:GetBucketInventory',
  GetBucketInventory: 'oss:GetBucketInventory',
  AssumeRole: 'sts:AssumeRole',
};

/**
 * The RAM action a request is authorised as: RAM_ACTION by API, except GetObject with a versionId,
 * which needs oss:GetObjectVersion ("When downloading an object, if you specify the object version
 * through versionId, this permission is required",
 * https://www.alibabacloud.com/help/en/oss/developer-reference/download-objects-16).
 */
export function ramActionOf(api: string, service: 'oss' | 'sts', versioned = false): string {
  if (api === 'GetObject' && versioned) return 'oss:GetObjectVersion';
  return RAM_ACTION[api] ?? `${service}:${api}`;
}

export interface MatchTarget {
  api: string;
  service: 'oss' | 'sts';
  bucket?: string;
  key?: string;
  principal?: RequestPrincipal;
  /** The RAM action when it is not RAM_ACTION[api] (GetObject with versionId). */
  action?: string;
}

function actionMatches(pattern: string, target: MatchTarget): boolean {
  const ram = target.action ?? RAM_ACTION[target.api] ?? `${target.service}:${target.api}`;
  const apiAction = `${target.service}:${target.api}`;
  const p = pattern.toLowerCase();
  if (p === '*' || p === `${target.service}:*`) return true;
  return p === ram.toLowerCase() || p === apiAction.toLowerCase();
}

function principalMatches(prefix: string | undefined, principal: RequestPrincipal | undefined): boolean {
  if (prefix === undefined) return true;
  if (!principal) return false;
  return principal.matchArns.some((arn) => arn.startsWith(prefix));
}

function ruleMatches(
  rule: { action: string; principal?: string; bucket?: string; key?: string },
  target: MatchTarget,
): boolean {
  if (!actionMatches(rule.action, target)) return false;
  if (!principalMatches(rule.principal, target.principal)) return false;
  if (rule.bucket !== undefined && rule.bucket !== target.bucket) return false;
  if (rule.key !== undefined && !(target.key ?? '').startsWith(rule.key)) return false;
  return true;
}

/** Scripted authorization: first matching deny rule wins; anything not denied is allowed. */
export class Script {
  private denies: DenyRule[] = [];
  private fails: FailRule[] = [];

  deny(rule: DenyRule): this {
    this.denies.push({ ...rule });
    return this;
  }

  fail(rule: FailRule): this {
    this.fails.push({ ...rule });
    return this;
  }

  reset(): void {
    this.denies = [];
    this.fails = [];
  }

  /** @internal consume a matching transient fault, if any */
  takeFault(target: MatchTarget): FailRule | undefined {
    const rule = this.fails.find((r) => r.times > 0 && ruleMatches(r, target));
    if (rule) rule.times -= 1;
    return rule;
  }

  /** @internal first matching deny rule, if any */
  takeDeny(target: MatchTarget): DenyRule | undefined {
    const rule = this.denies.find((r) => (r.times === undefined || r.times > 0) && ruleMatches(r, target));
    if (rule && rule.times !== undefined) rule.times -= 1;
    return rule;
  }
}
