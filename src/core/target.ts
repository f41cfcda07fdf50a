// Validation and normalisation of everything that names a target. Pure functions: they either
// return a clean value or throw UsageError with one line naming the bad field. Role ARNs are each
// provider's (src/providers/*/arn.ts).

import { UsageError } from './model.js';

/**
 * Characters that are not seen but change what is shown or matched: C0 and C1 controls, the soft
 * hyphen, bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E/F, U+202A-U+202E,
 * U+2066-U+2069: "Trojan Source", CVE-2021-42574), zero-width characters (U+200B-U+200D, U+2060,
 * U+FEFF), invisible operators (U+2061-U+2064), line and paragraph separators, interlinear
 * annotation controls and tag characters (Unicode UAX #9; Unicode "Default_Ignorable_Code_Point").
 */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\u{e0000}-\u{e0fff}]/u;

const NAMES: Record<string, string> = {
  '200b': 'ZERO WIDTH SPACE',
  '200c': 'ZERO WIDTH NON-JOINER',
  '200d': 'ZERO WIDTH JOINER',
  '200e': 'LEFT-TO-RIGHT MARK',
  '200f': 'RIGHT-TO-LEFT MARK',
  '202a': 'LEFT-TO-RIGHT EMBEDDING',
  '202b': 'RIGHT-TO-LEFT EMBEDDING',
  '202c': 'POP DIRECTIONAL FORMATTING',
  '202d': 'LEFT-TO-RIGHT OVERRIDE',
  '202e': 'RIGHT-TO-LEFT OVERRIDE',
  '2066': 'LEFT-TO-RIGHT ISOLATE',
  '2067': 'RIGHT-TO-LEFT ISOLATE',
  '2068': 'FIRST STRONG ISOLATE',
  '2069': 'POP DIRECTIONAL ISOLATE',
  feff: 'ZERO WIDTH NO-BREAK SPACE',
};

/** `U+202E (RIGHT-TO-LEFT OVERRIDE)` for the first invisible or control character, else null. */
export function invisibleCharacter(value: string): string | null {
  const m = INVISIBLE.exec(value);
  if (!m) return null;
  const hex = m[0].codePointAt(0)!.toString(16).padStart(4, '0');
  const name = NAMES[hex] ?? (m[0] < ' ' || m[0] === '\x7f' ? 'a control character' : undefined);
  return `U+${hex.toUpperCase()}${name ? ` (${name})` : ''}`;
}

/** Refuses control, bidirectional and other invisible characters in a name or path (`flag` names it). */
export function checkText(flag: string, value: string): string {
  const c = invisibleCharacter(value);
  if (c) throw new UsageError(`${flag}: contains ${c}; control and invisible characters are not allowed`);
  return value;
}

/** The text with every control and invisible character shown as `\u{202e}`: for messages that quote input. */
export function printable(value: string): string {
  return value.replace(new RegExp(INVISIBLE.source, 'gu'), (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** Bucket naming rules for general purpose buckets (Amazon S3 user guide, "Bucket naming rules"). */
export function validateBucket(value: string): string {
  checkText('--bucket', value);
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
  let p = checkText('--prefix', value).replace(/^\/+/, '');
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
  checkText('--session-name', value);
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
