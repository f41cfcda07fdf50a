// An in-memory StorageAdapter for unit tests of the runner's logic (dependencies, skipping, cleanup).
// Real S3 behaviour is tested against Ceph RGW in test/integration; this only drives the core.

import type { ListResult, OpMeta, Operation, PartInfo, SentRequest, StorageAdapter, UploadListing } from '../../src/core/adapter.js';
import { sha256 } from '../../src/core/canary.js';
import { type Denial, type Identity, RequestFailure } from '../../src/core/model.js';
import { S3_ACTIONS } from '../../src/providers/aws/adapter.js';
import { describeS3Request } from '../../src/providers/aws/request.js';

export function denial(code = 'AccessDenied', status: number | null = 403): Denial {
  return { stage: 'object', source: 'unknown', explicit: null, code, message: '', httpStatus: status, requestId: 'req-1', hint: 'h', rule: 'test.memory-adapter' };
}

export class MemoryAdapter implements StorageAdapter {
  readonly provider = 'memory';
  readonly actions: Record<Operation, string> = S3_ACTIONS;
  objects = new Map<string, Buffer>();
  uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
  calls: string[] = [];
  /** op → failure to throw. */
  deny = new Map<Operation, RequestFailure>();
  /** Called at the start of each op (e.g. to abort a signal mid-run). */
  onCall?: (op: Operation) => void;
  corrupt = false;
  /** Status of a NoSuchKey answer (the runner decides by status). */
  notFoundStatus: number | null = null;
  private n = 0;

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
  async putObject(key: string, body: Buffer, w: { overwrite?: boolean } = {}) {
    const m = await this.gate('putObject');
    if (this.objects.has(key) && !w.overwrite) throw new RequestFailure('error', denial('PreconditionFailed', 412));
    this.objects.set(key, Buffer.from(body));
    return m;
  }
  async headObject(key: string) {
    const m = await this.gate('headObject');
    return { ...m, size: this.objects.get(key)?.length ?? null };
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
  async createMultipartUpload(key: string) {
    const m = await this.gate('createMultipartUpload');
    const uploadId = `u${++this.n}`;
    this.uploads.set(uploadId, { key, parts: new Map() });
    return { ...m, uploadId };
  }
  async uploadPart(_key: string, uploadId: string, n: number, body: Buffer) {
    const m = await this.gate('uploadPart');
    this.uploads.get(uploadId)!.parts.set(n, body);
    return { ...m, etag: `"e${n}"` };
  }
  async listParts(_key: string, uploadId: string) {
    const m = await this.gate('listParts');
    const parts: PartInfo[] = [...this.uploads.get(uploadId)!.parts.keys()].map((n) => ({ partNumber: n, etag: `"e${n}"` }));
    return { ...m, parts };
  }
  async listMultipartUploads(prefix: string): Promise<UploadListing> {
    const m = await this.gate('listMultipartUploads');
    return { ...m, uploads: [...this.uploads].filter(([, u]) => u.key.startsWith(prefix)).map(([uploadId, u]) => ({ key: u.key, uploadId })) };
  }
  async completeMultipartUpload(key: string, uploadId: string, parts: PartInfo[]) {
    const m = await this.gate('completeMultipartUpload');
    const u = this.uploads.get(uploadId)!;
    this.objects.set(key, Buffer.concat(parts.map((p) => u.parts.get(p.partNumber)!)));
    this.uploads.delete(uploadId);
    return m;
  }
  async abortMultipartUpload(_key: string, uploadId: string) {
    const m = await this.gate('abortMultipartUpload');
    this.uploads.delete(uploadId);
    return m;
  }
  async deleteObject(key: string) {
    const m = await this.gate('deleteObject');
    this.objects.delete(key);
    return m;
  }
  close() {}
}
