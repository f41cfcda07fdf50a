// Validation and normalisation of everything that names a target. Pure functions: they either
// return a clean value or throw UsageError with one line naming the bad field.

import { UsageError } from './model.js';

/** Role ARN: `arn:<partition>:iam::<12 digits or empty for S3-compatible stores>:role/<path/>name`. */
const AWS_ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::(\d{12})?:role\/((?:[\x21-\x7e]+\/)*)([\w+=,.@-]{1,64})$/;

export interface RoleArn {
  arn: string;
  partition: string;
  account: string;
  path: string;
  name: string;
}

export function parseAwsRoleArn(value: string): RoleArn {
  const m = AWS_ROLE_ARN.exec(value);
  if (!m) {
    throw new UsageError(
      `--role: "${value}" is not an IAM role ARN (expected arn:aws:iam::<account-id>:role/<name>)`,
    );
  }
  return { arn: value, partition: m[1]!, account: m[2] ?? '', path: m[3] ? `/${m[3]}` : '/', name: m[4]! };
}

/** Bucket naming rules for general purpose buckets (Amazon S3 user guide, "Bucket naming rules"). */
export function validateBucket(value: string): string {
  const problem = bucketProblem(value);
  if (problem) throw new UsageError(`--bucket: "${value}" is not a valid bucket name: ${problem}`);
  return value;
}

function bucketProblem(b: string): string | null {
  if (b.length < 3 || b.length > 63) return 'it must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(b)) return 'only lowercase letters, digits, dots and hyphens are allowed';
  if (!/^[a-z0-9]/.test(b) || !/[a-z0-9]$/.test(b)) return 'it must begin and end with a letter or digit';
  if (b.includes('..')) return 'it must not contain two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(b)) return 'it must not be formatted as an IP address';
  if (b.startsWith('xn--') || b.startsWith('sthree-')) return 'it must not start with a reserved prefix';
  if (b.endsWith('-s3alias') || b.endsWith('--ol-s3') || b.endsWith('.mrap') || b.endsWith('--x-s3'))
    return 'it must not end with a reserved suffix';
  return null;
}

/**
 * Normalise the backup prefix: no leading `/`, a trailing `/` added. A `..` or `.` segment, an empty
 * segment (`a//b`) and control characters are refused; an empty prefix needs allowBucketRoot.
 */
export function normalisePrefix(value: string, allowBucketRoot: boolean): string {
  let p = value.replace(/^\/+/, '');
  if (/[\x00-\x1f\x7f]/.test(p)) throw new UsageError('--prefix: control characters are not allowed');
  if (p === '') {
    if (!allowBucketRoot) {
      throw new UsageError('--prefix is empty: canaries would be written at the bucket root; pass --allow-bucket-root to do that on purpose');
    }
    return '';
  }
  if (!p.endsWith('/')) p += '/';
  const segments = p.slice(0, -1).split('/');
  if (segments.some((s) => s === '..' || s === '.')) throw new UsageError(`--prefix: "${value}" has a "." or ".." segment`);
  if (segments.some((s) => s === '')) throw new UsageError(`--prefix: "${value}" has an empty segment ("//")`);
  if (Buffer.byteLength(p) > 900) throw new UsageError('--prefix is too long (keys are limited to 1024 bytes)');
  return p;
}

/** STS RoleSessionName: 2-64 characters of [\w+=,.@-]. */
export function validateSessionName(value: string): string {
  if (!/^[\w+=,.@-]{2,64}$/.test(value)) {
    throw new UsageError(
      `--session-name: "${value}" is not valid (2 to 64 characters: letters, digits and _+=,.@-)`,
    );
  }
  return value;
}

/** STS ExternalId: 2-1224 characters of [\w+=,.@:/-]. */
export function validateExternalId(value: string): string {
  if (!/^[\w+=,.@:/-]{2,1224}$/.test(value)) {
    throw new UsageError('--external-id is not valid (2 to 1224 characters: letters, digits and _+=,.@:/-)');
  }
  return value;
}

export function validateDuration(value: number): number {
  if (!Number.isInteger(value) || value < 900 || value > 43200) {
    throw new UsageError(`--duration: ${value} is out of range (900 to 43200 seconds)`);
  }
  return value;
}

export function validateRegion(value: string): string {
  if (!/^[a-z]{2}(-[a-z0-9]+){1,4}$/.test(value)) throw new UsageError(`--region: "${value}" is not a region name`);
  return value;
}

export function validateEndpoint(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag}: "${value}" is not a URL (expected e.g. https://s3.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${flag}: only http and https endpoints are supported`);
  }
  if (url.username || url.password) throw new UsageError(`${flag}: credentials must not be part of the URL`);
  return url.toString().replace(/\/$/, '');
}

export function validatePositive(flag: string, value: number, max: number): number {
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new UsageError(`${flag}: ${value} is out of range (greater than 0, at most ${max})`);
  }
  return value;
}

const MiB = 1024 * 1024;
/** S3: every part but the last is at least 5 MiB; parts are at most 5 GiB. We cap at 512 MiB. */
export function validatePartSize(value: number): number {
  if (!Number.isInteger(value) || value < 5 * MiB || value > 512 * MiB) {
    throw new UsageError(`--part-size: ${value} is out of range (${5 * MiB} to ${512 * MiB} bytes)`);
  }
  return value;
}

/** Sizes as bytes or with a unit: `5242880`, `5MiB`, `8M`, `64KiB`. */
export function parseSize(flag: string, value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(value.trim());
  if (!m) throw new UsageError(`${flag}: "${value}" is not a size (e.g. 5242880 or 8MiB)`);
  const unit = (m[2] ?? 'b').toLowerCase()[0]!;
  const mult = unit === 'k' ? 1024 : unit === 'm' ? MiB : unit === 'g' ? 1024 * MiB : 1;
  return Number(m[1]) * mult;
}
