// An in-memory StorageAdapter for unit tests of the runner's logic (dependencies, skipping, cleanup).
// Real S3 behaviour is tested against Ceph RGW in test/integration; this only drives the core.

import { createHash } from 'node:crypto';
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
  PartInfo,
  SentRequest,
  StorageAdapter,
  UploadListing,
  VersioningStatus,
  WriteMeta,
} from '../../src/core/adapter.js';
import { sha256 } from '../../src/core/canary.js';
import { type Denial, type Identity, RequestFailure } from '../../src/core/model.js';
import { S3_ACTIONS } from '../../src/providers/aws/adapter.js';
import { describeS3Request } from '../../src/providers/aws/request.js';

export function denial(code = 'AccessDenied', status: number | null = 403): Denial {
  return { stage: 'object', source: 'unknown', explicit: null, code, message: '', httpStatus: status, requestId: 'req-1', hint: 'h', rule: 'test.memory-adapter' };
}

/** One version (or delete marker) of a key, as S3 keeps them. */
export interface MemVersion {
  versionId: string;
  body: Buffer | null;
  etag: string;
  metadata: Record<string, string>;
  retainUntil?: Date;
  mode?: string;
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

export class MemoryAdapter implements StorageAdapter {
  readonly provider = 'memory';
  readonly actions: Record<Operation, string> = S3_ACTIONS;
  /** Current objects (the latest version when it is not a delete marker). */
  objects = new Map<string, Buffer>();
  /** Every version, oldest first, when versioning is Enabled or Suspended. */
  versions = new Map<string, MemVersion[]>();
  /** Metadata and ETag of the current object (unversioned). */
  meta = new Map<string, { etag: string; metadata: Record<string, string> }>();
  versioning: VersioningStatus = 'Off';
  lock: ObjectLockInfo = { enabled: false, mode: null, days: null };
  uploads = new Map<string, { key: string; parts: Map<number, Buffer>; metadata: Record<string, string> }>();
  calls: string[] = [];
  /** op → failure to throw. */
  deny = new Map<Operation, RequestFailure>();
  /** op → failure thrown after the op took effect (the store acted, its answer was lost). */
  lose = new Map<Operation, RequestFailure>();
  /** Called at the start of each op (e.g. to abort a signal mid-run). */
  onCall?: (op: Operation) => void;
  corrupt = false;
  /** The role has s3:BypassGovernanceRetention: a request with the bypass header passes a GOVERNANCE retention. */
  mayBypassGovernance = false;
  /** As S3: no version id on the write means no lock (src/core/bucket.ts learnFromWrite). */
  lockNeedsVersioning = false;
  /** The operations sent with x-amz-bypass-governance-retention: true. */
  bypassSent: Operation[] = [];
  /** Refuse CompleteMultipartUpload over an existing key with 412, as Amazon S3 does with If-None-Match: * (default: ignore it, as Ceph RGW does). */
  honoursCompleteIfNoneMatch = false;
  /** Status of a NoSuchKey answer (the runner decides by status). */
  notFoundStatus: number | null = null;
  private n = 0;
  /**
   * key → another writer that writes the key right after a write of ours there took effect
   * (PutObject or CompleteMultipartUpload), before our next request: it is given what we wrote and
   * returns its own bytes, metadata and (optionally) the ETag the store then reports. Fires once.
   */
  writeAfter = new Map<string, (ours: { body: Buffer; etag: string; metadata: Record<string, string> }) => { body: Buffer; metadata?: Record<string, string>; etag?: string }>();

  identity(): Identity {
    return { source: 'arn:aws:iam::000000000000:user/test', assumedRoleArn: 'arn:aws:sts::000000000000:assumed-role/r/s' };
  }
  private async gate(op: Operation): Promise<OpMeta> {
    this.calls.push(op);
    this.onCall?.(op);
    await new Promise((r) => setImmediate(r));
    const f = this.deny.get(op);
    if (f) throw f;
    return { retries: 0 };
  }
  /** The requests the steps described, in order (what the results carry). */
  described: { op: Operation; sent: SentRequest }[] = [];
  describeRequest(op: Operation, sent: SentRequest) {
    this.described.push({ op, sent });
    return describeS3Request({ bucket: 'mem', roleArn: 'arn:aws:iam::000000000000:role/r', sessionName: 's', externalId: null }, op, sent);
  }
  async assumeRole() {
    return this.gate('assumeRole');
  }
  async headBucket() {
    return this.gate('headBucket');
  }
  /** Write the current object at `key` (a new version when versioned). */
  write(key: string, body: Buffer, etag: string, metadata: Record<string, string>): string | undefined {
    this.objects.set(key, Buffer.from(body));
    this.meta.set(key, { etag, metadata });
    if (this.versioning === 'Off') return undefined;
    const list = this.versions.get(key) ?? [];
    const versionId = this.versioning === 'Suspended' ? 'null' : `v${++this.n}`;
    const v: MemVersion = { versionId, body: Buffer.from(body), etag, metadata };
    if (this.lock.enabled && this.lock.mode && this.lock.days) {
      v.retainUntil = new Date(Date.now() + this.lock.days * 86_400_000);
      v.mode = this.lock.mode;
    }
    this.versions.set(key, [...list.filter((x) => x.versionId !== versionId), v]);
    return versionId;
  }
  /** The other writer of `writeAfter`, if one waits for this key. */
  private otherWriter(key: string, body: Buffer, etag: string, metadata: Record<string, string>): void {
    const w = this.writeAfter.get(key);
    if (!w) return;
    this.writeAfter.delete(key);
    const o = w({ body: Buffer.from(body), etag, metadata: { ...metadata } });
    this.write(key, o.body, o.etag ?? md5(o.body), o.metadata ?? {});
  }
  async putObject(key: string, body: Buffer, w: CanaryWrite & { overwrite?: boolean } = {}): Promise<WriteMeta> {
    const m = await this.gate('putObject');
    if (this.objects.has(key) && !w.overwrite) throw new RequestFailure('error', denial('PreconditionFailed', 412));
    const versionId = this.write(key, body, md5(body), { ...(w.metadata ?? {}) });
    this.otherWriter(key, body, md5(body), { ...(w.metadata ?? {}) });
    const lost = this.lose.get('putObject');
    if (lost) throw lost;
    return { ...m, etag: `"${md5(body)}"`, ...(versionId ? { versionId } : {}) };
  }
  async headObject(key: string, versionId?: string): Promise<HeadMeta> {
    const m = await this.gate('headObject');
    if (versionId && this.versioning !== 'Off') {
      const v = this.versions.get(key)?.find((x) => x.versionId === versionId);
      if (!v || !v.body) throw new RequestFailure('error', denial('NoSuchVersion', 404));
      const h: HeadMeta = { ...m, size: v.body.length, versionId, etag: `"${v.etag}"`, metadata: v.metadata };
      if (v.retainUntil) h.retainUntil = v.retainUntil.toISOString();
      if (v.mode) h.lockMode = v.mode;
      return h;
    }
    const b = this.objects.get(key);
    // HEAD has no body: a missing key is 404 NotFound (403 without s3:ListBucket, as notFoundStatus sets).
    if (!b) throw new RequestFailure('error', denial('NotFound', this.notFoundStatus ?? 404));
    const meta = this.meta.get(key);
    const h: HeadMeta = { ...m, size: b.length, metadata: meta?.metadata ?? {} };
    if (meta) h.etag = `"${meta.etag}"`;
    const latest = this.versions.get(key)?.at(-1);
    if (latest) h.versionId = latest.versionId;
    return h;
  }
  async getObject(key: string) {
    const m = await this.gate('getObject');
    const b = this.objects.get(key);
    if (!b) throw new RequestFailure('error', denial('NoSuchKey', this.notFoundStatus));
    const body = this.corrupt ? Buffer.from('x') : b;
    return { ...m, read: { size: body.length, sha256: sha256(body) } };
  }
  /** The listings asked for: prefix, delimiter (undefined: none sent), start-after. */
  listings: { prefix: string; delimiter: string | undefined; startAfter: string | undefined }[] = [];
  async listObjects(prefix: string, delimiter: string | undefined, startAfter?: string): Promise<ListResult> {
    this.listings.push({ prefix, delimiter, startAfter });
    const m = await this.gate('listObjects');
    const keys: string[] = [];
    const cps = new Set<string>();
    for (const k of this.objects.keys()) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const i = delimiter ? rest.indexOf(delimiter) : -1;
      if (i >= 0) cps.add(prefix + rest.slice(0, i + 1));
      else keys.push(k);
    }
    return { ...m, keys, commonPrefixes: [...cps] };
  }
  async createMultipartUpload(key: string, w: CanaryWrite = {}) {
    const m = await this.gate('createMultipartUpload');
    const uploadId = `u${++this.n}`;
    this.uploads.set(uploadId, { key, parts: new Map(), metadata: { ...(w.metadata ?? {}) } });
    return { ...m, uploadId };
  }
  async uploadPart(_key: string, uploadId: string, n: number, body: Buffer) {
    const m = await this.gate('uploadPart');
    this.uploads.get(uploadId)!.parts.set(n, body);
    return { ...m, etag: `"${md5(body)}"` };
  }
  async listParts(_key: string, uploadId: string) {
    const m = await this.gate('listParts');
    const parts: PartInfo[] = [...this.uploads.get(uploadId)!.parts].map(([n, b]) => ({ partNumber: n, etag: `"${md5(b)}"` }));
    return { ...m, parts };
  }
  async listMultipartUploads(prefix: string): Promise<UploadListing> {
    const m = await this.gate('listMultipartUploads');
    return { ...m, uploads: [...this.uploads].filter(([, u]) => u.key.startsWith(prefix)).map(([uploadId, u]) => ({ key: u.key, uploadId })) };
  }
  async completeMultipartUpload(key: string, uploadId: string, parts: PartInfo[]): Promise<WriteMeta> {
    const m = await this.gate('completeMultipartUpload');
    if (this.honoursCompleteIfNoneMatch && this.objects.has(key)) throw new RequestFailure('error', denial('PreconditionFailed', 412));
    const u = this.uploads.get(uploadId)!;
    const bodies = parts.map((p) => u.parts.get(p.partNumber)!);
    const etag = `${createHash('md5').update(Buffer.concat(bodies.map((b) => createHash('md5').update(b).digest()))).digest('hex')}-${bodies.length}`;
    const versionId = this.write(key, Buffer.concat(bodies), etag, u.metadata);
    this.otherWriter(key, Buffer.concat(bodies), etag, u.metadata);
    this.uploads.delete(uploadId);
    const lost = this.lose.get('completeMultipartUpload');
    if (lost) throw lost;
    return { ...m, etag: `"${etag}"`, ...(versionId ? { versionId } : {}) };
  }
  async abortMultipartUpload(_key: string, uploadId: string) {
    const m = await this.gate('abortMultipartUpload');
    this.uploads.delete(uploadId);
    return m;
  }
  async deleteObject(key: string): Promise<DeleteMeta> {
    const m = await this.gate('deleteObject');
    this.objects.delete(key);
    this.meta.delete(key);
    if (this.versioning === 'Off') return m;
    // A delete marker (Suspended: the null version is replaced by a null marker).
    const versionId = this.versioning === 'Suspended' ? 'null' : `m${++this.n}`;
    const list = (this.versions.get(key) ?? []).filter((x) => x.versionId !== versionId);
    this.versions.set(key, [...list, { versionId, body: null, etag: '', metadata: {} }]);
    return { ...m, deleteMarker: true, versionId };
  }
  /** Whether the version's retention refuses this request (GOVERNANCE: unless bypassed with the permission). */
  private held(v: MemVersion | undefined, op: Operation, opts?: LockBypass): boolean {
    if (opts?.bypassGovernance) this.bypassSent.push(op);
    if (!v?.retainUntil || v.retainUntil.getTime() <= Date.now()) return false;
    return !(v.mode === 'GOVERNANCE' && opts?.bypassGovernance && this.mayBypassGovernance);
  }
  async deleteObjectVersion(key: string, versionId: string, opts?: LockBypass): Promise<OpMeta> {
    const m = await this.gate('deleteObjectVersion');
    if (this.versioning === 'Off') {
      if (versionId === 'null') {
        this.objects.delete(key);
        this.meta.delete(key);
      }
      return m;
    }
    const list = this.versions.get(key) ?? [];
    const v = list.find((x) => x.versionId === versionId);
    if (this.held(v, 'deleteObjectVersion', opts)) throw new RequestFailure('denied', denial('AccessDenied', 403));
    const rest = list.filter((x) => x.versionId !== versionId);
    if (rest.length) this.versions.set(key, rest);
    else this.versions.delete(key);
    const latest = rest.at(-1);
    if (latest?.body) {
      this.objects.set(key, latest.body);
      this.meta.set(key, { etag: latest.etag, metadata: latest.metadata });
    } else {
      this.objects.delete(key);
      this.meta.delete(key);
    }
    return m;
  }
  async getBucketVersioning() {
    return { ...(await this.gate('getBucketVersioning')), status: this.versioning };
  }
  async getObjectLockConfiguration() {
    return { ...(await this.gate('getObjectLockConfiguration')), lock: { ...this.lock } };
  }
  async listObjectVersions(prefix: string): Promise<OpMeta & { versions: ObjectVersion[] }> {
    const m = await this.gate('listObjectVersions');
    const versions: ObjectVersion[] = [];
    for (const [key, list] of this.versions) {
      if (!key.startsWith(prefix)) continue;
      list.forEach((v, i) => versions.push({ key, versionId: v.versionId, isLatest: i === list.length - 1, deleteMarker: v.body === null }));
    }
    // an object written while versioning was off is listed as version "null", as S3 lists it
    for (const key of this.objects.keys()) {
      if (key.startsWith(prefix) && !this.versions.has(key)) versions.push({ key, versionId: 'null', isLatest: true, deleteMarker: false });
    }
    return { ...m, versions };
  }
  // Reader checks (src/core/reader-steps.ts): answered from the store, refused through `deny`.
  async getObjectTagging(key: string): Promise<OpMeta> {
    const m = await this.gate('getObjectTagging');
    if (!this.objects.has(key)) throw new RequestFailure('error', denial('NoSuchKey', 404));
    return m;
  }
  async getObjectAcl(key: string): Promise<OpMeta> {
    const m = await this.gate('getObjectAcl');
    if (!this.objects.has(key)) throw new RequestFailure('error', denial('NoSuchKey', 404));
    return m;
  }
  async getObjectVersion(key: string, versionId: string) {
    const m = await this.gate('getObjectVersion');
    const v = this.versions.get(key)?.find((x) => x.versionId === versionId);
    if (!v || !v.body) throw new RequestFailure('error', denial('NoSuchVersion', 404));
    const body = this.corrupt ? Buffer.from('x') : v.body;
    return { ...m, read: { size: body.length, sha256: sha256(body) } };
  }
  async getBucketLocation() {
    return this.gate('getBucketLocation');
  }
  async getBucketTagging() {
    return this.gate('getBucketTagging');
  }
  async getBucketNotification() {
    return this.gate('getBucketNotification');
  }
  async getInventoryConfiguration() {
    return this.gate('getInventoryConfiguration');
  }
  async putObjectRetention(key: string, versionId: string, mode: string, retainUntil: Date, opts?: LockBypass): Promise<OpMeta> {
    const m = await this.gate('putObjectRetention');
    const v = this.versions.get(key)?.find((x) => x.versionId === versionId);
    if (!v) throw new RequestFailure('error', denial('NoSuchVersion', 404));
    if (!this.lock.enabled) throw new RequestFailure('error', denial('InvalidRequest', 400));
    if (v.retainUntil && retainUntil < v.retainUntil && this.held(v, 'putObjectRetention', opts)) throw new RequestFailure('denied', denial('AccessDenied', 403));
    v.retainUntil = retainUntil;
    v.mode = mode;
    return m;
  }
  close() {}
}
