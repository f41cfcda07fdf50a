// AWS S3 and S3-compatible stores: source credentials from the standard AWS chain, AssumeRole through
// STS, and the S3 requests of the probe plan. Every failure becomes a classified RequestFailure.

import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
  UploadPartCommand,
  type ObjectCannedACL,
  type ObjectLockRetentionMode,
  type PutObjectCommandInput,
  type ServerSideEncryption,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type {
  CanaryWrite,
  DeleteMeta,
  HeadMeta,
  LockBypass,
  ListResult,
  ObjectLockInfo,
  ObjectVersion,
  OpMeta,
  Operation,
  OwnerAnswer,
  OwnerReads,
  OwnershipAnswer,
  PartInfo,
  ReadDigest,
  SentRequest,
  StorageAdapter,
  UploadListing,
  VersioningStatus,
  WriteMeta,
  WriteOptions,
} from '../../core/adapter.js';
import { LIST_MAX_KEYS } from '../../core/checks.js';
import { type Identity, type RequestRecord, RequestFailure } from '../../core/model.js';
import { type AwsErrorContext, classifyAws, evidenceFromError } from './classify.js';
import { S3_ACTIONS } from './actions.js';
import { withRawBody } from './raw-body.js';
import { sourceCredentials } from './credentials.js';
import type { CommonTargetOptions } from '../../core/provider.js';
import { describeS3Request } from './request.js';
import * as reader from './reader-requests.js';
import { UserAgentLog } from './user-agent.js';
import { S3_OWNERSHIP_REMEDY } from './ownership.js';

/** The common target options (src/core/provider.ts) as the AWS provider reads them. */
export type AwsTargetOptions = Omit<CommonTargetOptions, 'internal'> & {
  /** Source credentials given directly (tests, run files); otherwise the standard AWS chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** --explain is on: denial hints do not ask for it. */
  explain?: boolean;
};

export { S3_ACTIONS } from './actions.js';

const DEFAULT_REGION = 'us-east-1';
/** Listing bound for the sweeper: 100 pages of 1000. */
const MAX_PAGES = 100;

export class AwsAdapter implements StorageAdapter {
  readonly provider = 'aws';
  readonly actions = S3_ACTIONS;
  private readonly o: AwsTargetOptions;
  private readonly handler: NodeHttpHandler;
  private s3: S3Client | null = null;
  private sts: STSClient | null = null;
  private ident: Identity = { source: null, assumedRoleArn: null };
  private roleId: string | null = null;
  /** The User-Agent each operation's requests carried (aws:UserAgent; user-agent.ts). */
  private readonly userAgents = new UserAgentLog();
  /** The owner's credentials for the ownership reads the role may not make (useOwnerCredentials). */
  private owner: { credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider; as: string; s3?: S3Client } | null = null;
  readonly ownershipRemedy = S3_OWNERSHIP_REMEDY;
  // "Object Lock works only in versioned buckets" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html)
  readonly lockNeedsVersioning = true;

  constructor(o: AwsTargetOptions) {
    this.o = o;
    this.handler = new NodeHttpHandler({
      requestTimeout: o.timeoutMs,
      connectionTimeout: o.timeoutMs,
      throwOnRequestTimeout: true,
    });
  }

  identity(): Identity {
    return { ...this.ident };
  }

  describeRequest(op: Operation, sent: SentRequest): RequestRecord {
    const r = describeS3Request(this.o, op, sent);
    // aws:UserAgent: the header the request carried, recorded after signing (user-agent.ts); for
    // AssumeRole the STS request's (GetCallerIdentity, sent beside it, is outside the scope)
    const ua = this.userAgents.of(op);
    if (ua) r.context['aws:UserAgent'] = ua;
    return r;
  }

  /** The session's aws:userid (`<role id>:<session name>`), once assumed. */
  assumedRoleId(): string | null {
    return this.roleId;
  }

  /** The source credentials, for reading policies when no --explain-profile is given. */
  sourceCredentialsForExplain(): AwsCredentialIdentity | AwsCredentialIdentityProvider {
    return this.sourceCredentials();
  }

  /**
   * With --explain: the credentials that read the policies (the --explain-profile's, else the source
   * credentials) also read the bucket's Object Ownership, its owner and the canary's owner when the
   * role may not. Without a role (--no-assume) the probed credentials are already the source ones.
   */
  useOwnerCredentials(credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider, as: string): void {
    if (!this.o.roleArn) return;
    this.owner = { credentials, as };
  }

  ownerReads(): OwnerReads | null {
    const o = this.owner;
    if (!o) return null;
    const client = () => (o.s3 ??= this.s3Client(o.credentials));
    const run = async <T>(op: Operation, key: string | undefined, fn: (s3: S3Client) => Promise<T>): Promise<T> => {
      try {
        return await fn(client());
      } catch (err) {
        throw this.fail(op, err, key);
      }
    };
    return {
      as: o.as,
      getBucketOwnershipControls: () => run('getBucketOwnershipControls', undefined, (s3) => reader.getBucketOwnershipControls(s3, this.o.bucket)),
      getBucketOwner: () => run('getBucketAcl', undefined, (s3) => reader.getBucketOwner(s3, this.o.bucket)),
      getObjectOwner: (key) => run('getObjectAcl', key, (s3) => reader.getObjectAcl(s3, this.o.bucket, key)),
    };
  }

  private region(): string | undefined {
    return this.o.region ?? (this.o.endpoint || this.o.stsEndpoint ? DEFAULT_REGION : undefined);
  }

  private sourceCredentials(): AwsCredentialIdentity | AwsCredentialIdentityProvider {
    return sourceCredentials(this.o);
  }

  private stsClient(): STSClient {
    if (!this.sts) {
      this.sts = new STSClient({
        region: this.region(),
        endpoint: this.o.stsEndpoint ?? this.o.endpoint ?? undefined,
        credentials: this.sourceCredentials(),
        requestHandler: withRawBody(this.handler),
        maxAttempts: this.o.maxAttempts,
      });
      this.userAgents.install(this.sts.middlewareStack);
    }
    return this.sts;
  }

  private s3Client(credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider): S3Client {
    const s3 = new S3Client({
      region: this.region(),
      endpoint: this.o.endpoint ?? undefined,
      forcePathStyle: this.o.pathStyle,
      credentials,
      requestHandler: withRawBody(this.handler),
      maxAttempts: this.o.maxAttempts,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.userAgents.install(s3.middlewareStack);
    return s3;
  }

  private context(op: Operation, key?: string): AwsErrorContext {
    const c: AwsErrorContext = {
      service: op === 'assumeRole' ? 'sts' : 's3',
      operation: op,
      action: S3_ACTIONS[op],
      bucket: this.o.bucket,
      prefix: this.o.prefix,
      roleArn: this.o.roleArn,
      region: this.o.region,
      endpoint: op === 'assumeRole' ? (this.o.stsEndpoint ?? this.o.endpoint) : this.o.endpoint,
      explain: this.o.explain === true,
      sessionPolicy: this.o.sessionPolicy !== null,
      externalId: this.o.externalId !== null,
    };
    if (key !== undefined) c.key = key;
    return c;
  }

  private fail(op: Operation, err: unknown, key?: string): RequestFailure {
    if (err instanceof RequestFailure) return err;
    const ev = evidenceFromError(err);
    const { kind, denial } = classifyAws(ev, this.context(op, key));
    return new RequestFailure(kind, denial, Math.max(0, (ev.attempts ?? 1) - 1), key);
  }

  private async call<T>(op: Operation, key: string | undefined, fn: (s3: S3Client) => Promise<T>): Promise<T> {
    try {
      return await this.userAgents.within(op, () => fn(this.bucketClient()));
    } catch (err) {
      throw this.fail(op, err, key);
    }
  }

  private bucketClient(): S3Client {
    // Without AssumeRole (--no-assume) the source credentials are probed directly.
    this.s3 ??= this.s3Client(this.sourceCredentials());
    return this.s3;
  }

  async assumeRole(): Promise<OpMeta> {
    const RoleArn = this.o.roleArn;
    if (!RoleArn) throw new Error('assumeRole called without a role');
    const sts = this.stsClient();
    // Who is calling, for the report: in parallel, and optional (S3-compatible stores may not have it).
    const who = sts.send(new GetCallerIdentityCommand({})).then(
      (r) => r.Arn ?? null,
      () => null,
    );
    try {
      const r = await this.userAgents.within('assumeRole', () => sts.send(
        new AssumeRoleCommand({
          RoleArn,
          RoleSessionName: this.o.sessionName,
          DurationSeconds: this.o.durationSeconds,
          ExternalId: this.o.externalId ?? undefined,
          Policy: this.o.sessionPolicy ?? undefined,
        }),
      ));
      const c = r.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
      this.s3 = this.s3Client({
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      });
      this.ident = { source: await who, assumedRoleArn: r.AssumedRoleUser?.Arn ?? null };
      this.roleId = r.AssumedRoleUser?.AssumedRoleId ?? null;
      return { retries: retries(r) };
    } catch (err) {
      this.ident = { source: await who, assumedRoleArn: null };
      throw this.fail('assumeRole', err);
    }
  }

  /** With --no-assume: name the caller for the report. */
  async whoAmI(): Promise<void> {
    try {
      const r = await this.stsClient().send(new GetCallerIdentityCommand({}));
      this.ident = { source: r.Arn ?? null, assumedRoleArn: null };
    } catch {
      // Not every S3-compatible store has STS GetCallerIdentity; the report then says "unknown".
    }
  }

  headBucket(): Promise<OpMeta> {
    return this.call('headBucket', undefined, async (s3) => meta(await s3.send(new HeadBucketCommand({ Bucket: this.o.bucket }))));
  }

  putObject(key: string, body: Buffer, w: CanaryWrite & { overwrite?: boolean } = {}): Promise<WriteMeta> {
    // Content-MD5 computed here from the buffer: AWS requires it (or an x-amz-checksum-* header) on
    // Object Lock buckets ("The Content-MD5 or x-amz-sdk-checksum-algorithm header is required for any
    // request to upload an object with a retention period configured using Amazon S3 Object Lock",
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html), and RGW Pacific checks it
    // (BadDigest). The SDK's own default checksums stay off (WHEN_REQUIRED): with them RGW refuses
    // streamed bodies (411 MissingContentLength). On the wire: test/integration/checksums-rgw.test.ts.
    return this.call('putObject', key, async (s3) => {
      const r = await s3.send(
        new PutObjectCommand({
          Bucket: this.o.bucket,
          Key: key,
          Body: body,
          ContentMD5: md5Base64(body),
          ...(w.overwrite ? {} : { IfNoneMatch: '*' }),
          ...writeHeaders(w),
          ...(w.metadata ? { Metadata: w.metadata } : {}),
        }),
      );
      return written(r);
    });
  }

  headObject(key: string, versionId?: string): Promise<HeadMeta> {
    return this.call('headObject', key, async (s3) => {
      const r = await s3.send(new HeadObjectCommand({ Bucket: this.o.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
      const h: HeadMeta = { ...meta(r), size: r.ContentLength ?? null };
      if (r.VersionId) h.versionId = r.VersionId;
      if (r.ETag) h.etag = r.ETag;
      if (r.Metadata) h.metadata = Object.fromEntries(Object.entries(r.Metadata).map(([k, v]) => [k.toLowerCase(), v]));
      if (r.ObjectLockRetainUntilDate) h.retainUntil = r.ObjectLockRetainUntilDate.toISOString();
      if (r.ObjectLockMode) h.lockMode = r.ObjectLockMode;
      return h;
    });
  }

  getObject(key: string): Promise<OpMeta & { read: ReadDigest }> {
    return this.call('getObject', key, async (s3) => {
      const r = await s3.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: key }));
      // hashed as it streams in: 32 targets at once never hold 32 downloaded parts
      const h = createHash('sha256');
      let size = 0;
      for await (const chunk of (r.Body as AsyncIterable<Uint8Array> | undefined) ?? []) {
        h.update(chunk);
        size += chunk.length;
      }
      return { ...meta(r), read: { size, sha256: h.digest('hex') } };
    });
  }

  listObjects(prefix: string, delimiter: string | undefined, startAfter?: string): Promise<ListResult> {
    return this.call('listObjects', prefix, async (s3) => {
      // StartAfter (the plan's choice, just before its canaries) does not change how it is authorised.
      const r = await s3.send(
        new ListObjectsV2Command({
          Bucket: this.o.bucket,
          Prefix: prefix,
          ...(delimiter !== undefined ? { Delimiter: delimiter } : {}),
          ...(startAfter !== undefined ? { StartAfter: startAfter } : {}),
          MaxKeys: LIST_MAX_KEYS,
        }),
      );
      return {
        ...meta(r),
        keys: (r.Contents ?? []).map((c) => c.Key ?? ''),
        commonPrefixes: (r.CommonPrefixes ?? []).map((c) => c.Prefix ?? ''),
      };
    });
  }

  createMultipartUpload(key: string, w: CanaryWrite = {}): Promise<OpMeta & { uploadId: string }> {
    return this.call('createMultipartUpload', key, async (s3) => {
      const r = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: this.o.bucket, Key: key, ...writeHeaders(w), ...(w.metadata ? { Metadata: w.metadata } : {}) }),
      );
      if (!r.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
      return { ...meta(r), uploadId: r.UploadId };
    });
  }

  uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<OpMeta & { etag: string }> {
    // Content-MD5 as on PutObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html).
    return this.call('uploadPart', key, async (s3) => {
      const r = await s3.send(
        new UploadPartCommand({ Bucket: this.o.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentMD5: md5Base64(body) }),
      );
      return { ...meta(r), etag: r.ETag ?? '' };
    });
  }

  listParts(key: string, uploadId: string): Promise<OpMeta & { parts: PartInfo[] }> {
    return this.call('listParts', key, async (s3) => {
      const r = await s3.send(new ListPartsCommand({ Bucket: this.o.bucket, Key: key, UploadId: uploadId }));
      const parts = (r.Parts ?? []).map((p) => {
        const part: PartInfo = { partNumber: p.PartNumber ?? 0, etag: p.ETag ?? '' };
        if (p.Size !== undefined) part.size = p.Size;
        return part;
      });
      return { ...meta(r), parts };
    });
  }

  listMultipartUploads(prefix: string): Promise<UploadListing> {
    return this.call('listMultipartUploads', prefix, async (s3) => {
      const r = await s3.send(
        new ListMultipartUploadsCommand({ Bucket: this.o.bucket, Prefix: prefix }),
      );
      return { ...meta(r), uploads: (r.Uploads ?? []).map((u) => ({ key: u.Key ?? '', uploadId: u.UploadId ?? '' })) };
    });
  }

  completeMultipartUpload(key: string, uploadId: string, parts: PartInfo[]): Promise<WriteMeta> {
    return this.call('completeMultipartUpload', key, async (s3) =>
      written(
        await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.o.bucket,
            Key: key,
            UploadId: uploadId,
            IfNoneMatch: '*',
            MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
          }),
        ),
      ),
    );
  }

  abortMultipartUpload(key: string, uploadId: string): Promise<OpMeta> {
    return this.call('abortMultipartUpload', key, async (s3) =>
      meta(await s3.send(new AbortMultipartUploadCommand({ Bucket: this.o.bucket, Key: key, UploadId: uploadId }))),
    );
  }

  deleteObject(key: string): Promise<DeleteMeta> {
    return this.call('deleteObject', key, async (s3) => {
      const r = await s3.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: key }));
      const d: DeleteMeta = meta(r);
      if (r.DeleteMarker) d.deleteMarker = true;
      if (r.VersionId) d.versionId = r.VersionId;
      return d;
    });
  }

  deleteObjectVersion(key: string, versionId: string, opts: LockBypass = {}): Promise<OpMeta> {
    // x-amz-bypass-governance-retention only for the lock proof on a GOVERNANCE retention (never in cleanup).
    const bypass = opts.bypassGovernance ? { BypassGovernanceRetention: true } : {};
    return this.call('deleteObjectVersion', key, async (s3) =>
      meta(await s3.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: key, VersionId: versionId, ...bypass }))),
    );
  }

  getBucketVersioning(): Promise<OpMeta & { status: VersioningStatus }> {
    return this.call('getBucketVersioning', undefined, async (s3) => {
      const r = await s3.send(new GetBucketVersioningCommand({ Bucket: this.o.bucket }));
      const status: VersioningStatus = r.Status === 'Enabled' ? 'Enabled' : r.Status === 'Suspended' ? 'Suspended' : 'Off';
      return { ...meta(r), status };
    });
  }

  getObjectLockConfiguration(): Promise<OpMeta & { lock: ObjectLockInfo }> {
    return this.call('getObjectLockConfiguration', undefined, async (s3) => {
      try {
        const r = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: this.o.bucket }));
        const c = r.ObjectLockConfiguration;
        const d = c?.Rule?.DefaultRetention;
        const days = d?.Days ?? (d?.Years !== undefined ? d.Years * 365 : null);
        return { ...meta(r), lock: { enabled: c?.ObjectLockEnabled === 'Enabled', mode: d?.Mode ?? null, days } };
      } catch (err) {
        // No Object Lock on the bucket: the request itself was authorised (AWS and RGW: 404).
        const code = evidenceFromError(err).code;
        if (code === 'ObjectLockConfigurationNotFoundError' || code === 'ObjectLockConfigurationNotFound') {
          return { retries: 0, lock: { enabled: false, mode: null, days: null } };
        }
        throw err;
      }
    });
  }

  listObjectVersions(prefix: string): Promise<OpMeta & { versions: ObjectVersion[] }> {
    return this.call('listObjectVersions', prefix, async (s3) => {
      const versions: ObjectVersion[] = [];
      let KeyMarker: string | undefined;
      let VersionIdMarker: string | undefined;
      let retriesSeen = 0;
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await s3.send(new ListObjectVersionsCommand({ Bucket: this.o.bucket, Prefix: prefix, KeyMarker, VersionIdMarker }));
        retriesSeen += retries(r);
        for (const v of r.Versions ?? []) {
          const e: ObjectVersion = { key: v.Key ?? '', versionId: v.VersionId ?? 'null', isLatest: Boolean(v.IsLatest), deleteMarker: false };
          if (v.Size !== undefined) e.size = v.Size;
          if (v.ETag) e.etag = v.ETag;
          if (v.LastModified) e.lastModified = v.LastModified.toISOString();
          versions.push(e);
        }
        for (const m of r.DeleteMarkers ?? []) {
          const e: ObjectVersion = { key: m.Key ?? '', versionId: m.VersionId ?? 'null', isLatest: Boolean(m.IsLatest), deleteMarker: true };
          if (m.LastModified) e.lastModified = m.LastModified.toISOString();
          versions.push(e);
        }
        if (!r.IsTruncated) return { retries: retriesSeen, versions };
        KeyMarker = r.NextKeyMarker;
        VersionIdMarker = r.NextVersionIdMarker;
      }
      throw new Error(`more than ${MAX_PAGES * 1000} versions under ${prefix}: narrow the prefix`);
    });
  }

  putObjectRetention(key: string, versionId: string, mode: string, retainUntil: Date, opts: LockBypass = {}): Promise<OpMeta> {
    // PutObjectRetention requires Content-MD5 (or a checksum); the SDK adds one for this operation
    // even with WHEN_REQUIRED. x-amz-bypass-governance-retention only when the lock proof asks for it.
    const bypass = opts.bypassGovernance ? { BypassGovernanceRetention: true } : {};
    return this.call('putObjectRetention', key, async (s3) =>
      meta(
        await s3.send(
          new PutObjectRetentionCommand({
            Bucket: this.o.bucket,
            Key: key,
            VersionId: versionId,
            Retention: { Mode: mode as ObjectLockRetentionMode, RetainUntilDate: retainUntil },
            ...bypass,
          }),
        ),
      ),
    );
  }

  // Reader checks (issue 15): the requests are in reader-requests.ts.
  getObjectTagging(key: string): Promise<OpMeta & { unanswered?: string }> {
    return this.call('getObjectTagging', key, (s3) => reader.getObjectTagging(s3, this.o.bucket, key));
  }
  getObjectAcl(key: string): Promise<OwnerAnswer> {
    return this.call('getObjectAcl', key, (s3) => reader.getObjectAcl(s3, this.o.bucket, key));
  }
  // Ownership evidence (src/core/bucket.ts).
  getBucketOwnershipControls(): Promise<OwnershipAnswer> {
    return this.call('getBucketOwnershipControls', undefined, (s3) => reader.getBucketOwnershipControls(s3, this.o.bucket));
  }
  getBucketOwner(): Promise<OwnerAnswer> {
    return this.call('getBucketAcl', undefined, (s3) => reader.getBucketOwner(s3, this.o.bucket));
  }
  getObjectVersion(key: string, versionId: string): Promise<OpMeta & { read: ReadDigest }> {
    return this.call('getObjectVersion', key, (s3) => reader.getObjectVersion(s3, this.o.bucket, key, versionId));
  }
  getBucketLocation(): Promise<OpMeta & { unanswered?: string }> {
    return this.call('getBucketLocation', undefined, (s3) => reader.getBucketLocation(s3, this.o.bucket));
  }
  getBucketTagging(): Promise<OpMeta & { unanswered?: string }> {
    return this.call('getBucketTagging', undefined, (s3) => reader.getBucketTagging(s3, this.o.bucket));
  }
  getBucketNotification(): Promise<OpMeta & { unanswered?: string }> {
    return this.call('getBucketNotification', undefined, (s3) => reader.getBucketNotification(s3, this.o.bucket));
  }
  getInventoryConfiguration(): Promise<OpMeta & { unanswered?: string }> {
    return this.call('getInventoryConfiguration', undefined, (s3) => reader.getInventoryConfiguration(s3, this.o.bucket));
  }

  listBuckets(): Promise<OpMeta> {
    return this.call('listBuckets', undefined, async (s3) => meta(await s3.send(new ListBucketsCommand({}))));
  }

  getBucketPolicy(): Promise<OpMeta> {
    return this.call('getBucketPolicy', undefined, async (s3) => {
      try {
        return meta(await s3.send(new GetBucketPolicyCommand({ Bucket: this.o.bucket })));
      } catch (err) {
        // No policy set: the request itself was authorised.
        if (evidenceFromError(err).code === 'NoSuchBucketPolicy') return { retries: 0 };
        throw err;
      }
    });
  }

  listKeys(prefix: string): Promise<string[]> {
    return this.call('listObjects', prefix, async (s3) => {
      const keys: string[] = [];
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await s3.send(new ListObjectsV2Command({ Bucket: this.o.bucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(r.Contents ?? []).map((c) => c.Key ?? ''));
        if (!r.IsTruncated || !r.NextContinuationToken) return keys;
        token = r.NextContinuationToken;
      }
      throw new Error(`more than ${MAX_PAGES * 1000} keys under ${prefix}: narrow the prefix`);
    });
  }

  listAllUploads(prefix: string): Promise<{ key: string; uploadId: string }[]> {
    return this.call('listMultipartUploads', prefix, async (s3) => {
      const out: { key: string; uploadId: string }[] = [];
      let KeyMarker: string | undefined;
      let UploadIdMarker: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await s3.send(new ListMultipartUploadsCommand({ Bucket: this.o.bucket, Prefix: prefix, KeyMarker, UploadIdMarker }));
        out.push(...(r.Uploads ?? []).map((u) => ({ key: u.Key ?? '', uploadId: u.UploadId ?? '' })));
        if (!r.IsTruncated) return out;
        KeyMarker = r.NextKeyMarker;
        UploadIdMarker = r.NextUploadIdMarker;
      }
      throw new Error(`more than ${MAX_PAGES * 1000} uploads under ${prefix}: narrow the prefix`);
    });
  }

  close(): void {
    this.owner?.s3?.destroy();
    this.s3?.destroy();
    this.sts?.destroy();
    this.handler.destroy();
  }
}

function writeHeaders(w: WriteOptions): Partial<PutObjectCommandInput> {
  const h: Partial<PutObjectCommandInput> = {};
  if (w.acl) h.ACL = w.acl as ObjectCannedACL;
  if (w.sse) h.ServerSideEncryption = w.sse as ServerSideEncryption;
  if (w.kmsKeyId) h.SSEKMSKeyId = w.kmsKeyId;
  if (w.storageClass) h.StorageClass = w.storageClass as StorageClass;
  return h;
}

function md5Base64(body: Buffer): string {
  return createHash('md5').update(body).digest('base64');
}

function written(r: { $metadata: { attempts?: number }; VersionId?: string; ETag?: string }): WriteMeta {
  const w: WriteMeta = meta(r);
  if (r.VersionId) w.versionId = r.VersionId;
  if (r.ETag) w.etag = r.ETag;
  return w;
}

function retries(r: { $metadata: { attempts?: number } }): number {
  return Math.max(0, (r.$metadata.attempts ?? 1) - 1);
}

function meta(r: { $metadata: { attempts?: number } }): OpMeta {
  return { retries: retries(r) };
}
