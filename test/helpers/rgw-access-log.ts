// RGW's beast access log: one line per request with method, path, status and user agent, written at
// debug level 1 into the gateway's log file (DIR/log/client.rgw.gw.log with scripts/rgw.mjs; the default
// `debug rgw = 1/5` already writes it, no setting needed). Used by the real-client test to find the
// request that stopped rclone or restic, and the IAM action that request is authorised as.
//
// A line (Ceph Pacific 16.2):
//   ... 1 beast: 0x7f5f...: 127.0.0.1 - backup-operator [01/Dec/2026:21:23:37.981 +0000]
//   "PUT /bucket/key?x-id=PutObject HTTP/1.1" 200 10 - "aws-sdk-js/3.1168.0 ..." - latency=0.096s
import fs from 'node:fs';

export interface AccessLogEntry {
  client: string;
  user: string;
  time: string;
  method: string;
  /** The request target as sent: path and query. */
  target: string;
  status: number;
  userAgent: string;
  /** The request's time (epoch milliseconds), from the bracketed timestamp. */
  at: number;
}

const LINE = /beast: \S+ (\S+) - (\S+) \[([^\]]+)\] "(\S+) (\S+) HTTP\/[\d.]+" (\d{3}) \S+ \S+ "([^"]*)"/;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "01/Dec/2026:21:23:37.981 +0000" -> epoch milliseconds (NaN when not in that form). */
export function logTime(text: string): number {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))? ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!m) return NaN;
  const month = MONTHS.indexOf(m[2]!);
  if (month < 0) return NaN;
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), Number((m[7] ?? '0').padEnd(3, '0')));
  const offset = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) * 60_000;
  return utc - offset;
}

export function parseAccessLog(text: string): AccessLogEntry[] {
  const out: AccessLogEntry[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    out.push({ client: m[1]!, user: m[2]!, time: m[3]!, method: m[4]!, target: m[5]!, status: Number(m[6]), userAgent: m[7]!, at: logTime(m[3]!) });
  }
  return out;
}

export function readAccessLog(rgwDir: string): AccessLogEntry[] {
  return parseAccessLog(fs.readFileSync(`${rgwDir}/log/client.rgw.gw.log`, 'utf8'));
}

/** Path-style requests to this bucket (its own path, or any key in it). */
export function forBucket(entries: AccessLogEntry[], bucket: string): AccessLogEntry[] {
  return entries.filter((e) => e.target === `/${bucket}` || e.target.startsWith(`/${bucket}/`) || e.target.startsWith(`/${bucket}?`));
}

/** The object key of a path-style request target ('' for the bucket itself), decoded. */
export function requestKey(target: string): string {
  const q = target.indexOf('?');
  const [, , ...keyParts] = (q < 0 ? target : target.slice(0, q)).split('/');
  const key = keyParts.join('/');
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/**
 * The IAM action a path-style S3 request is authorised as, after AWS's "Required permissions for
 * Amazon S3 API operations" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html,
 * each operation's "Permissions" section) and its "Actions, resources and condition keys for Amazon S3":
 * HeadBucket and ListObjects(V2) are s3:ListBucket (API_HeadBucket.html: "you must have permissions to
 * perform the s3:ListBucket action"); HeadObject and GetObject are s3:GetObject; every multipart write
 * (CreateMultipartUpload, UploadPart, CompleteMultipartUpload) is s3:PutObject; ListParts is
 * s3:ListMultipartUploadParts; ListMultipartUploads is s3:ListBucketMultipartUploads; GetObject and
 * HeadObject of a given versionId are s3:GetObjectVersion, DeleteObject of one s3:DeleteObjectVersion;
 * DeleteObjects (POST ?delete) is s3:DeleteObject. STS (POST / with no bucket) is sts:AssumeRole here.
 */
export function requestAction(method: string, target: string): string {
  const q = target.indexOf('?');
  const pathPart = q < 0 ? target : target.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
  const has = (k: string) => params.has(k);
  const [, bucket = '', ...keyParts] = pathPart.split('/');
  const key = keyParts.join('/');
  const m = method.toUpperCase();
  if (!bucket) return m === 'GET' ? 's3:ListAllMyBuckets' : 'sts:AssumeRole';
  if (!key) {
    if (m === 'HEAD') return 's3:ListBucket';
    if (m === 'GET') {
      if (has('location')) return 's3:GetBucketLocation';
      if (has('uploads')) return 's3:ListBucketMultipartUploads';
      if (has('versions')) return 's3:ListBucketVersions';
      if (has('policy')) return 's3:GetBucketPolicy';
      if (has('acl')) return 's3:GetBucketAcl';
      if (has('versioning')) return 's3:GetBucketVersioning';
      if (has('object-lock')) return 's3:GetBucketObjectLockConfiguration';
      return 's3:ListBucket';
    }
    if (m === 'POST' && has('delete')) return 's3:DeleteObject';
    if (m === 'PUT') return has('policy') ? 's3:PutBucketPolicy' : 's3:CreateBucket';
    if (m === 'DELETE') return has('policy') ? 's3:DeleteBucketPolicy' : 's3:DeleteBucket';
    return `unknown (${m} bucket)`;
  }
  if (m === 'GET' || m === 'HEAD') {
    if (has('uploadId')) return 's3:ListMultipartUploadParts';
    if (has('versionId')) return 's3:GetObjectVersion';
    if (has('acl')) return 's3:GetObjectAcl';
    if (has('tagging')) return 's3:GetObjectTagging';
    return 's3:GetObject';
  }
  if (m === 'PUT') {
    if (has('acl')) return 's3:PutObjectAcl';
    if (has('tagging')) return 's3:PutObjectTagging';
    return 's3:PutObject';
  }
  if (m === 'POST' && (has('uploads') || has('uploadId'))) return 's3:PutObject';
  if (m === 'DELETE') return has('uploadId') ? 's3:AbortMultipartUpload' : has('versionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject';
  return `unknown (${m} object)`;
}

const NOISE = new Set(['encoding-type', 'fetch-owner', 'max-keys', 'x-id', 'list-type']);

/** "GET /b?delimiter=/&prefix=p/", decoded, without parameters that do not change the action, with the
 * upload id and long hex object names shortened: for a table. */
export function shortRequest(e: Pick<AccessLogEntry, 'method' | 'target'>): string {
  const q = e.target.indexOf('?');
  const pathPart = (q < 0 ? e.target : e.target.slice(0, q)).replace(/[0-9a-f]{16,}/g, (h) => `${h.slice(0, 8)}…`);
  const params = [...new URLSearchParams(q < 0 ? '' : e.target.slice(q + 1))]
    .filter(([k]) => !NOISE.has(k))
    .map(([k, v]) => (k === 'uploadId' || k === 'versionId' ? `${k}=…` : v === '' ? `${k}=` : `${k}=${v}`));
  return `${e.method} ${pathPart}${params.length ? `?${params.join('&')}` : ''}`;
}
