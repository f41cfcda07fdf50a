// Alibaba Cloud OSS: source credentials from Alibaba's standard chain, AssumeRole through
// @alicloud/sts20150401, and the OSS requests of the probe plan through ali-oss. Every failure
// becomes a classified RequestFailure that keeps OSS's EC, RecommendDoc and AccessDeniedDetail.
//
// What the SDKs do and do not do for timeouts and retries:
// - ali-oss: `timeout` is both the connect and the response timeout of each request. `retryMax`
//   retries only network failures and connect timeouts (urllib status -1/-2), 500 ms apart; it never
//   retries a response timeout, an HTTP error (5xx, throttling) or a stream upload (UploadPart always
//   streams), so those get one attempt whatever --max-attempts says.
// - @alicloud/openapi-core (STS): readTimeout/connectTimeout; no retry unless `retryOptions`, which
//   we set to retry throttling, 5xx and connection failures up to --max-attempts.

import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import OSS from 'ali-oss';
import StsModule, { AssumeRoleRequest } from '@alicloud/sts20150401';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { createHash } from 'node:crypto';
import type {
  CanaryWrite,
  DeleteMeta,
  HeadMeta,
  ListResult,
  ObjectLockInfo,
  ObjectVersion,
  OpMeta,
  Operation,
  PartInfo,
  ReadDigest,
  SentRequest,
  StorageAdapter,
  UploadListing,
  VersioningStatus,
  WriteMeta,
  WriteOptions,
} from '../../core/adapter.js';
import { sha256 } from '../../core/canary.js';
import { LIST_MAX_KEYS } from '../../core/checks.js';
import { type Identity, type RequestRecord, RequestFailure } from '../../core/model.js';
import {
  type AlibabaErrorContext,
  type AlibabaErrorEvidence,
  classifyAlibaba,
  evidenceFromOssError,
  evidenceFromStsError,
  type OssRawResponse,
  RAW_KEY,
} from './classify.js';
import { OSS_ACTIONS } from './actions.js';
import { credentialsFor, type SourceCredentials } from './credentials.js';
import type { CommonTargetOptions } from '../../core/provider.js';
import { describeOssRequest } from './request.js';
import * as reader from './reader-requests.js';

/**
 * The common target options (src/core/provider.ts) as the Alibaba provider reads them: `endpoint` is
 * the OSS endpoint (default https://oss-<region>[-internal].aliyuncs.com), `stsEndpoint` defaults to
 * https://sts.<region>.aliyuncs.com (sts-vpc.<region> with internal).
 */
export type AlibabaTargetOptions = Omit<CommonTargetOptions, 'region' | 'pathStyle'> & {
  /** Region id, e.g. cn-hangzhou (resolved by the provider; see info.ts). */
  region: string;
  /** Source credentials given directly (tests); otherwise Alibaba's standard chain. */
  credentials?: SourceCredentials;
  /** --explain is on: denial hints do not ask for it. */
  explain?: boolean;
};

export { OSS_ACTIONS };

/** OSS headers for a probe definition's write options. */
export function writeHeaders(w: WriteOptions): Record<string, string> {
  const h: Record<string, string> = {};
  if (w.acl) h['x-oss-object-acl'] = w.acl;
  if (w.sse) h['x-oss-server-side-encryption'] = w.sse === 'aws:kms' ? 'KMS' : w.sse;
  if (w.kmsKeyId) h['x-oss-server-side-encryption-key-id'] = w.kmsKeyId;
  if (w.storageClass) h['x-oss-storage-class'] = w.storageClass;
  return h;
}

/** User metadata as OSS headers (`x-oss-meta-<name>`). */
function metaHeaders(w: CanaryWrite): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(w.metadata ?? {})) h[`x-oss-meta-${k}`] = v;
  return h;
}

/** The version id and ETag of a write, from OSS's response headers. */
function writtenOss(headers: unknown, etag?: string): { versionId?: string; etag?: string } {
  const h = (headers ?? {}) as Record<string, string | undefined>;
  const out: { versionId?: string; etag?: string } = {};
  if (h['x-oss-version-id']) out.versionId = h['x-oss-version-id'];
  const e = etag ?? h.etag;
  if (e) out.etag = e;
  return out;
}

interface OssVersionsPage {
  objects?: { name: string; versionId?: string; isLatest?: boolean; size: number; etag?: string; lastModified?: string }[];
  deleteMarker?: { name: string; versionId?: string; lastModified?: string }[];
  isTruncated?: boolean;
  nextKeyMarker?: string | null;
  nextVersionIdMarker?: string | null;
}

/** The default export of a CommonJS module, whether the loader (Node, esbuild) unwrapped it or not. */
function cjsDefault<T>(m: { default: T } | T): T {
  return (typeof m === 'object' && m !== null && 'default' in m ? (m as { default: T }).default : m) as T;
}
const StsClient = cjsDefault(StsModule as unknown as { default: typeof StsModule.default });
type StsClientType = InstanceType<typeof StsClient>;

/** ali-oss options the @types leave out. */
type OssOptions = OSS.Options & { retryMax?: number; agent?: HttpAgent; httpsAgent?: HttpsAgent };

/** The internals of ali-oss 6.23 this adapter hooks (see wrapClient). */
interface OssInternals {
  requestError(result: Record<string, unknown>): Promise<Error>;
  urllib: { request(url: string, params: unknown): Promise<unknown> };
}

export function ossEndpointOf(o: Pick<AlibabaTargetOptions, 'endpoint' | 'region' | 'internal'>): string {
  return o.endpoint ?? `https://oss-${o.region}${o.internal ? '-internal' : ''}.aliyuncs.com`;
}

export function stsEndpointOf(o: Pick<AlibabaTargetOptions, 'stsEndpoint' | 'region' | 'internal'>): string {
  return o.stsEndpoint ?? `https://sts${o.internal ? '-vpc' : ''}.${o.region}.aliyuncs.com`;
}

export class AlibabaAdapter implements StorageAdapter {
  readonly provider = 'alibaba';
  readonly actions = OSS_ACTIONS;
  private readonly o: AlibabaTargetOptions;
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });
  private readonly attempts = new AsyncLocalStorage<{ n: number }>();
  private source: Promise<SourceCredentials> | null = null;
  private oss: OSS | null = null;
  private ident: Identity = { source: null, assumedRoleArn: null };
  private roleId: string | null = null;
  private sourceHasToken = false;

  constructor(o: AlibabaTargetOptions) {
    this.o = o;
  }

  identity(): Identity {
    return { ...this.ident };
  }

  describeRequest(op: Operation, sent: SentRequest): RequestRecord {
    const r = describeOssRequest(this.o, op, sent);
    // acs:UserAgent is the request's User-Agent header. ali-oss 6.x (lib/client.js _getUserAgent,
    // lib/common/utils/createRequest.js) sends its client's `userAgent` as User-Agent on every Node
    // request, unchanged per request ("aliyun-sdk-nodejs/<version> <platform>"), and this adapter
    // sets no User-Agent of its own: so the value is exactly known. STS calls use another client.
    if (op !== 'assumeRole' && this.userAgent) r.context['acs:UserAgent'] = this.userAgent;
    return r;
  }

  /** The User-Agent header ali-oss sends on every OSS request (the value of acs:UserAgent). */
  private userAgent: string | null = null;

  /** `<role id>:<session name>` of the assumed session, for --explain. */
  assumedRoleId(): string | null {
    return this.roleId;
  }

  /** The session's AccessKey ID (an identifier, not a secret): the value of acs:AccessId, for --explain. */
  sessionAccessKeyId(): string | null {
    return this.sessionKeyId;
  }

  private sessionKeyId: string | null = null;

  /** The source credentials (memoized), for STS and for reading policies with --explain. */
  sourceCredentials(): Promise<SourceCredentials> {
    this.source ??= credentialsFor(this.o);
    return this.source;
  }

  /** An ali-oss client for `creds`, hooked to keep error bodies and count attempts. */
  ossClientFor(creds: { accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined }, retries = true): OSS {
    const endpoint = ossEndpointOf(this.o);
    const options: OssOptions = {
      accessKeyId: creds.accessKeyId,
      accessKeySecret: creds.accessKeySecret,
      bucket: this.o.bucket,
      region: `oss-${this.o.region}`,
      internal: this.o.internal,
      secure: endpoint.startsWith('https:'),
      timeout: this.o.timeoutMs,
      authorizationV4: true,
      agent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      retryMax: retries ? this.o.maxAttempts - 1 : 0,
    };
    // An explicit endpoint is passed as given; otherwise ali-oss builds oss-<region>[-internal] itself.
    if (this.o.endpoint) options.endpoint = this.o.endpoint;
    if (creds.securityToken) {
      options.stsToken = creds.securityToken;
      // Only silences ali-oss's advice to configure refreshing: a probe is shorter than any session.
      options.refreshSTSTokenInterval = 24 * 3600 * 1000;
    }
    const client = new OSS(options);
    const ua = (client as unknown as { userAgent?: unknown }).userAgent;
    if (typeof ua === 'string' && ua) this.userAgent = ua;
    this.wrapClient(client);
    return client;
  }

  /**
   * ali-oss turns an error response into an Error and drops RecommendDoc, AccessDeniedDetail and the
   * response headers; a network failure loses its system code (ECONNREFUSED becomes RequestError).
   * Keep them on the error under RAW_KEY. Also count the attempts of each operation (retryMax).
   */
  private wrapClient(client: OSS): void {
    const inner = client as unknown as OssInternals;
    const requestError = inner.requestError.bind(client);
    inner.requestError = async (result) => {
      const err = await requestError(result);
      const raw: OssRawResponse = {};
      if (typeof result.status === 'number') raw.status = result.status;
      const headers = result.headers as Record<string, unknown> | undefined;
      if (headers && typeof headers === 'object') {
        raw.headers = {};
        for (const h of ['x-oss-request-id', 'x-oss-ec', 'x-oss-err', 'content-type', 'server', 'date']) {
          const v = headers[h];
          if (typeof v === 'string') raw.headers[h] = v;
        }
      }
      const data = result.data;
      if (Buffer.isBuffer(data) && data.length > 0) raw.body = data.subarray(0, 64 * 1024).toString('utf8');
      else if (typeof data === 'string' && data) raw.body = data.slice(0, 64 * 1024);
      // a bodiless HEAD's x-oss-err header is kept as it came: the classifier decodes it (../evidence.ts)
      if (typeof result.code === 'string') raw.sysCode = result.code;
      Object.defineProperty(err, RAW_KEY, { value: raw, enumerable: false });
      return err;
    };
    const urllib = inner.urllib;
    const store = this.attempts;
    inner.urllib = {
      request(url, params) {
        const s = store.getStore();
        if (s) s.n++;
        return urllib.request(url, params);
      },
    };
  }

  private context(op: Operation, key?: string): AlibabaErrorContext {
    const c: AlibabaErrorContext = {
      service: op === 'assumeRole' ? 'sts' : 'oss',
      operation: op,
      action: OSS_ACTIONS[op],
      bucket: this.o.bucket,
      prefix: this.o.prefix,
      roleArn: this.o.roleArn,
      region: this.o.region,
      endpoint: op === 'assumeRole' ? stsEndpointOf(this.o) : ossEndpointOf(this.o),
      durationSeconds: this.o.durationSeconds,
      sourceHasToken: this.sourceHasToken,
      explain: this.o.explain === true,
      sessionPolicy: this.o.sessionPolicy !== null,
      externalId: this.o.externalId !== null,
    };
    if (key !== undefined) c.key = key;
    return c;
  }

  private fail(op: Operation, err: unknown, attempts: number, key?: string): RequestFailure {
    if (err instanceof RequestFailure) return err;
    const ev: AlibabaErrorEvidence = op === 'assumeRole' ? evidenceFromStsError(err) : evidenceFromOssError(err);
    if (attempts > 0) ev.attempts = attempts;
    const { kind, denial } = classifyAlibaba(ev, this.context(op, key));
    return new RequestFailure(kind, denial, Math.max(0, attempts - 1), key);
  }

  private async bucketClient(): Promise<OSS> {
    // Without AssumeRole (--no-assume) the source credentials are probed directly.
    if (!this.oss) {
      const c = await this.sourceCredentials();
      this.sourceHasToken = Boolean(c.securityToken);
      this.oss ??= this.ossClientFor(c);
    }
    return this.oss;
  }

  private async call<T>(op: Operation, key: string | undefined, fn: (oss: OSS) => Promise<T>): Promise<T & OpMeta> {
    const count = { n: 0 };
    try {
      const client = await this.bucketClient();
      const r = await this.attempts.run(count, () => fn(client));
      return { ...r, retries: Math.max(0, count.n - 1) };
    } catch (err) {
      throw this.fail(op, err, count.n, key);
    }
  }

  private stsClient(creds: SourceCredentials, counter: { n: number }): StsClientType {
    const url = new URL(stsEndpointOf(this.o));
    const retry = {
      retryable: this.o.maxAttempts > 1,
      retryCondition: [
        {
          // darabonba counts attempts, the first included.
          maxAttempts: this.o.maxAttempts,
          exception: ['ThrottlingError', 'ServerError', 'RequestTimeoutError'],
          errorCode: ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'],
          // duck-typed BackoffPolicy: counts the retries the SDK makes.
          backoff: { getDelayTime: (ctx: { retriesAttempted: number }) => (counter.n++, Math.min(200 * 2 ** ctx.retriesAttempted, 5000)) },
        },
      ],
      noRetryCondition: [],
    };
    const config = new $OpenApiUtil.Config({
      accessKeyId: creds.accessKeyId,
      accessKeySecret: creds.accessKeySecret,
      ...(creds.securityToken ? { securityToken: creds.securityToken } : {}),
      endpoint: url.host,
      protocol: url.protocol.replace(':', ''),
      regionId: this.o.region,
      readTimeout: this.o.timeoutMs,
      connectTimeout: this.o.timeoutMs,
    });
    (config as unknown as { retryOptions: unknown }).retryOptions = retry;
    return new StsClient(config);
  }

  async assumeRole(): Promise<OpMeta> {
    if (!this.o.roleArn) throw new Error('assumeRole called without a role');
    const retries = { n: 0 };
    let creds: SourceCredentials;
    try {
      creds = await this.sourceCredentials();
    } catch (err) {
      throw this.fail('assumeRole', err, 0);
    }
    this.sourceHasToken = Boolean(creds.securityToken);
    const sts = this.stsClient(creds, retries);
    // Who is calling, for the report: in parallel, and optional.
    const who = this.stsClient(creds, { n: 0 })
      .getCallerIdentity()
      .then(
        (r) => r.body?.arn ?? null,
        () => null,
      );
    try {
      const req = new AssumeRoleRequest({
        roleArn: this.o.roleArn,
        roleSessionName: this.o.sessionName,
        durationSeconds: this.o.durationSeconds,
      });
      if (this.o.externalId) req.externalId = this.o.externalId;
      if (this.o.sessionPolicy) req.policy = this.o.sessionPolicy;
      const r = await sts.assumeRole(req);
      const c = r.body?.credentials;
      if (!c?.accessKeyId || !c.accessKeySecret || !c.securityToken) throw new Error('AssumeRole returned no credentials');
      this.oss = this.ossClientFor({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken });
      this.ident = { source: await who, assumedRoleArn: r.body?.assumedRoleUser?.arn ?? null };
      this.roleId = r.body?.assumedRoleUser?.assumedRoleId ?? null;
      this.sessionKeyId = c.accessKeyId;
      return { retries: retries.n };
    } catch (err) {
      this.ident = { source: await who, assumedRoleArn: null };
      throw this.fail('assumeRole', err, retries.n + 1);
    }
  }

  /** GetBucketInfo (`GET /?bucketInfo`, oss:GetBucketInfo): OSS's documented bucket probe. */
  headBucket(): Promise<OpMeta> {
    return this.call('headBucket', undefined, async (oss) => {
      await oss.getBucketInfo(this.o.bucket);
      return {};
    });
  }

  putObject(key: string, body: Buffer, w: CanaryWrite & { overwrite?: boolean } = {}): Promise<WriteMeta> {
    // x-oss-forbid-overwrite: an existing object answers 409 FileAlreadyExists and stays untouched
    // (OSS: not on a versioned bucket, where it has no effect; the plan then checks the versions).
    // The plan asks for `overwrite` only on a key this run created (the overwrite-object check).
    // Content-MD5: OSS checks it and answers 400 InvalidDigest on a mismatch (a common request header:
    // https://www.alibabacloud.com/help/en/oss/developer-reference/common-http-headers). ali-oss 6.23
    // would add it to a buffer body by itself (lib/common/utils/createRequest.js); sent explicitly so
    // it does not hang on that default. On the wire: oss-probe.test.ts, oss-versions.test.ts.
    const headers = {
      ...writeHeaders(w),
      ...metaHeaders(w),
      'Content-MD5': createHash('md5').update(body).digest('base64'),
      ...(w.overwrite ? {} : { 'x-oss-forbid-overwrite': 'true' }),
    };
    return this.call('putObject', key, async (oss) => {
      const r = await oss.put(key, body, { mime: 'application/octet-stream', headers });
      return writtenOss(r.res.headers);
    });
  }

  headObject(key: string, versionId?: string): Promise<HeadMeta> {
    return this.call('headObject', key, async (oss) => {
      const r = await oss.head(key, versionId ? ({ versionId } as OSS.HeadObjectOptions) : {});
      const h = r.res.headers as Record<string, string | undefined>;
      const len = h['content-length'];
      const out: Omit<HeadMeta, 'retries'> = { size: len !== undefined && /^\d+$/.test(len) ? Number(len) : null };
      if (h['x-oss-version-id']) out.versionId = h['x-oss-version-id'];
      if (h.etag) out.etag = h.etag;
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(h)) if (k.startsWith('x-oss-meta-') && typeof v === 'string') metadata[k.slice('x-oss-meta-'.length)] = v;
      out.metadata = metadata;
      return out;
    });
  }

  getObject(key: string): Promise<OpMeta & { read: ReadDigest }> {
    return this.call('getObject', key, async (oss) => {
      const r = await oss.get(key);
      const content: unknown = r.content;
      const body = Buffer.isBuffer(content) ? content : Buffer.from(String(content ?? ''));
      return { read: { size: body.length, sha256: sha256(body) } };
    });
  }

  listObjects(prefix: string, delimiter: string | undefined, startAfter?: string): Promise<ListResult> {
    return this.call('listObjects', prefix, async (oss) => {
      // start-after (the plan's choice, just before its canaries) does not change how it is authorised.
      const q = { prefix, 'max-keys': LIST_MAX_KEYS, ...(startAfter !== undefined ? { 'start-after': startAfter } : {}), ...(delimiter !== undefined ? { delimiter } : {}) };
      const r = await oss.listV2(q, {});
      return {
        keys: (r.objects ?? []).map((o) => o.name),
        commonPrefixes: r.prefixes ?? [],
      };
    });
  }

  createMultipartUpload(key: string, w: CanaryWrite = {}): Promise<OpMeta & { uploadId: string }> {
    return this.call('createMultipartUpload', key, async (oss) => {
      const r = await oss.initMultipartUpload(key, { mime: 'application/octet-stream', headers: { ...writeHeaders(w), ...metaHeaders(w) } });
      if (!r.uploadId) throw new Error('InitiateMultipartUpload returned no UploadId');
      return { uploadId: r.uploadId };
    });
  }

  uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<OpMeta & { etag: string }> {
    // OSS: every part but the last is at least 100 KB; the plan's first part is --part-size (>= 5 MiB)
    // and the last 64 KiB, so both sizes are valid.
    // Content-MD5 must be given here: ali-oss sends a part as a stream in Node and computes none for
    // streams (lib/common/multipart.js uploadPart; createRequest.js only hashes `content`).
    return this.call('uploadPart', key, async (oss) => {
      const md5 = createHash('md5').update(body).digest('base64');
      const r = await (oss.uploadPart as (...a: unknown[]) => Promise<{ etag: string }>)(key, uploadId, partNumber, body, 0, body.length, { headers: { 'Content-MD5': md5 } });
      return { etag: r.etag };
    });
  }

  listParts(key: string, uploadId: string): Promise<OpMeta & { parts: PartInfo[] }> {
    return this.call('listParts', key, async (oss) => {
      const r = await oss.listParts(key, uploadId);
      // ali-oss hands back xml2js output: one <Part> is an object, several are an array.
      const raw = r.parts as unknown;
      const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Record<string, string | undefined>[];
      const parts = list.map((p) => {
        const part: PartInfo = { partNumber: Number(p.PartNumber ?? 0), etag: p.ETag ?? '' };
        if (p.Size !== undefined) part.size = Number(p.Size);
        return part;
      });
      return { parts };
    });
  }

  listMultipartUploads(prefix: string): Promise<UploadListing> {
    return this.call('listMultipartUploads', prefix, async (oss) => {
      const r = await oss.listUploads({ prefix, 'max-uploads': 1000 }, {});
      return { uploads: (r.uploads ?? []).map((u) => ({ key: u.name, uploadId: u.uploadId })) };
    });
  }

  completeMultipartUpload(key: string, uploadId: string, parts: PartInfo[]): Promise<WriteMeta> {
    return this.call('completeMultipartUpload', key, async (oss) => {
      const r = await oss.completeMultipartUpload(
        key,
        uploadId,
        parts.map((p) => ({ number: p.partNumber, etag: p.etag })),
        { headers: { 'x-oss-forbid-overwrite': 'true' } },
      );
      return writtenOss((r as { res: { headers: unknown } }).res.headers, (r as { etag?: string }).etag);
    });
  }

  abortMultipartUpload(key: string, uploadId: string): Promise<OpMeta> {
    return this.call('abortMultipartUpload', key, async (oss) => {
      await oss.abortMultipartUpload(key, uploadId);
      return {};
    });
  }

  deleteObject(key: string): Promise<DeleteMeta> {
    return this.call('deleteObject', key, async (oss) => {
      const r = await oss.delete(key);
      const h = r.res.headers as Record<string, string | undefined>;
      const d: { deleteMarker?: boolean; versionId?: string } = {};
      if (h['x-oss-delete-marker'] === 'true') d.deleteMarker = true;
      if (h['x-oss-version-id']) d.versionId = h['x-oss-version-id'];
      return d;
    });
  }

  /** DeleteObject with versionId (oss:DeleteObjectVersion). */
  deleteObjectVersion(key: string, versionId: string): Promise<OpMeta> {
    return this.call('deleteObjectVersion', key, async (oss) => {
      await oss.delete(key, { versionId } as OSS.RequestOptions);
      return {};
    });
  }

  /** GetBucketVersioning: https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketversioning */
  getBucketVersioning(): Promise<OpMeta & { status: VersioningStatus }> {
    return this.call('getBucketVersioning', undefined, async (oss) => {
      const r = (await (oss as unknown as { getBucketVersioning(b: string): Promise<{ versionStatus?: string }> }).getBucketVersioning(this.o.bucket));
      const status: VersioningStatus = r.versionStatus === 'Enabled' ? 'Enabled' : r.versionStatus === 'Suspended' ? 'Suspended' : 'Off';
      return { status };
    });
  }

  /**
   * GetBucketWorm (https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketworm): a
   * bucket-level retention policy keeps every object for RetentionPeriodInDays after it was written;
   * 404 NoSuchWORMConfiguration when none is set.
   */
  getObjectLockConfiguration(): Promise<OpMeta & { lock: ObjectLockInfo }> {
    return this.call('getObjectLockConfiguration', undefined, async (oss) => {
      try {
        const r = await (oss as unknown as { getBucketWorm(b: string): Promise<{ state?: string; days?: string | number }> }).getBucketWorm(this.o.bucket);
        const days = r.days !== undefined ? Number(r.days) : null;
        const lock: ObjectLockInfo = { enabled: true, mode: 'WORM', days: Number.isFinite(days) ? days : null };
        if (r.state) lock.state = r.state;
        return { lock };
      } catch (err) {
        if ((err as { code?: string }).code === 'NoSuchWORMConfiguration') return { lock: { enabled: false, mode: null, days: null } };
        throw err;
      }
    });
  }

  /** ListObjectVersions (GetBucketVersions), paginated. */
  listObjectVersions(prefix: string): Promise<OpMeta & { versions: ObjectVersion[] }> {
    return this.call('listObjectVersions', prefix, async (oss) => {
      const versions: ObjectVersion[] = [];
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      const client = oss as unknown as { getBucketVersions(q: Record<string, unknown>, o: Record<string, unknown>): Promise<OssVersionsPage> };
      for (let page = 0; page < 10_000; page++) {
        const q: Record<string, unknown> = { prefix, maxKeys: 1000 };
        if (keyMarker !== undefined) q.keyMarker = keyMarker;
        if (versionIdMarker !== undefined) q.versionIdMarker = versionIdMarker;
        const r = await client.getBucketVersions(q, {});
        for (const v of r.objects ?? []) {
          const e: ObjectVersion = { key: v.name, versionId: v.versionId ?? 'null', isLatest: Boolean(v.isLatest), deleteMarker: false };
          if (Number.isFinite(v.size)) e.size = v.size;
          if (v.etag) e.etag = v.etag;
          if (v.lastModified) e.lastModified = new Date(v.lastModified).toISOString();
          versions.push(e);
        }
        for (const m of r.deleteMarker ?? []) {
          const e: ObjectVersion = { key: m.name, versionId: m.versionId ?? 'null', isLatest: false, deleteMarker: true };
          if (m.lastModified) e.lastModified = new Date(m.lastModified).toISOString();
          versions.push(e);
        }
        if (!r.isTruncated || !r.nextKeyMarker) break;
        keyMarker = r.nextKeyMarker;
        versionIdMarker = r.nextVersionIdMarker ?? undefined;
      }
      return { versions };
    });
  }

  // Reader checks (issue 15): the requests are in reader-requests.ts.
  getObjectTagging(key: string): Promise<OpMeta & reader.Answered> {
    return this.call('getObjectTagging', key, (oss) => reader.getObjectTagging(oss, key));
  }
  getObjectAcl(key: string): Promise<OpMeta & reader.Answered> {
    return this.call('getObjectAcl', key, (oss) => reader.getObjectAcl(oss, key));
  }
  getObjectVersion(key: string, versionId: string): Promise<OpMeta & { read: ReadDigest }> {
    return this.call('getObjectVersion', key, (oss) => reader.getObjectVersion(oss, key, versionId));
  }
  getBucketLocation(): Promise<OpMeta & reader.Answered> {
    return this.call('getBucketLocation', undefined, (oss) => reader.getBucketLocation(oss, this.o.bucket));
  }
  getBucketTagging(): Promise<OpMeta & reader.Answered> {
    return this.call('getBucketTagging', undefined, (oss) => reader.getBucketTagging(oss, this.o.bucket));
  }
  getInventoryConfiguration(): Promise<OpMeta & reader.Answered> {
    return this.call('getInventoryConfiguration', undefined, (oss) => reader.getInventoryConfiguration(oss, this.o.bucket));
  }

  listBuckets(): Promise<OpMeta> {
    return this.call('listBuckets', undefined, async (oss) => {
      await oss.listBuckets({ 'max-keys': 1 }, {});
      return {};
    });
  }

  getBucketPolicy(): Promise<OpMeta> {
    return this.call('getBucketPolicy', undefined, async (oss) => {
      await this.readBucketPolicy(oss);
      return {};
    });
  }

  /**
   * The bucket policy text, or null when none is set (404 NoSuchBucketPolicy). ali-oss sets
   * `successStatuses` only after sending, so getBucketPolicy never throws on an error status: turn
   * any other status into the usual error here.
   */
  async readBucketPolicy(oss: OSS): Promise<string | null> {
    const r = (await oss.getBucketPolicy(this.o.bucket)) as unknown as { status: number; res: { status: number; headers: unknown; data: unknown } };
    if (r.status === 200) return Buffer.isBuffer(r.res.data) ? r.res.data.toString('utf8') : String(r.res.data ?? '');
    if (r.status === 404) {
      const err = await (oss as unknown as OssInternals).requestError({ status: r.res.status, headers: r.res.headers, data: r.res.data });
      if ((err as { code?: string }).code === 'NoSuchBucketPolicy') return null;
      throw err;
    }
    throw await (oss as unknown as OssInternals).requestError({ status: r.res.status, headers: r.res.headers, data: r.res.data });
  }

  /** The sweeper: every key under `prefix` (ListObjectsV2, paginated). */
  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    await this.call('listObjects', prefix, async (oss) => {
      let token: string | undefined;
      for (let page = 0; page < 10_000; page++) {
        const q: OSS.ListV2ObjectsQuery = { prefix, 'max-keys': 1000 };
        if (token) q['continuation-token'] = token;
        const r = await oss.listV2(q, {});
        keys.push(...(r.objects ?? []).map((o) => o.name));
        if (!r.isTruncated || !r.nextContinuationToken) break;
        token = r.nextContinuationToken;
      }
      return {};
    });
    return keys;
  }

  /** The sweeper: every incomplete multipart upload under `prefix` (paginated). */
  async listAllUploads(prefix: string): Promise<{ key: string; uploadId: string }[]> {
    const uploads: { key: string; uploadId: string }[] = [];
    await this.call('listMultipartUploads', prefix, async (oss) => {
      let keyMarker: string | undefined;
      let idMarker: string | undefined;
      for (let page = 0; page < 10_000; page++) {
        const q: OSS.ListUploadsQuery = { prefix, 'max-uploads': 1000 };
        if (keyMarker) q['key-marker'] = keyMarker;
        if (idMarker) q['upload-id-marker'] = idMarker;
        const r = await oss.listUploads(q, {});
        uploads.push(...(r.uploads ?? []).map((u) => ({ key: u.name, uploadId: u.uploadId })));
        if (!r.isTruncated || !r.nextKeyMarker) break;
        keyMarker = String(r.nextKeyMarker);
        idMarker = r.nextUploadIdMarker ? String(r.nextUploadIdMarker) : undefined;
      }
      return {};
    });
    return uploads;
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
