// Server-side signature computation: OSS V1 (HMAC-SHA1), OSS V4 (OSS4-HMAC-SHA256) and
// Alibaba OpenAPI V3 (ACS3-HMAC-SHA256). Each function rebuilds the string the client must
// have signed from what arrived on the wire.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type Headers = Record<string, string>;

/** Query parameters in arrival order, decoded (no '+' to space conversion, as OSS does). */
export type QueryList = Array<[string, string]>;

export function parseQuery(rawQuery: string): QueryList {
  if (!rawQuery) return [];
  return rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((pair) => {
      const i = pair.indexOf('=');
      const k = i < 0 ? pair : pair.slice(0, i);
      const v = i < 0 ? '' : pair.slice(i + 1);
      return [safeDecode(k), safeDecode(v)] as [string, string];
    });
}

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** RFC 3986 encoding as both OSS V4 and ACS3 specify it (space %20, * %2A, ~ unencoded). */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

// ---------------------------------------------------------------------------------------------
// OSS V1: Authorization: OSS <AccessKeyId>:<base64(hmac-sha1(secret, StringToSign))>

/**
 * Sub-resources that belong to the V1 CanonicalizedResource (documented list, "Include a V1
 * signature in the Authorization header"); other query parameters (prefix, max-keys, ...) are
 * not signed.
 */
export const V1_SUBRESOURCES = new Set([
  'acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append',
  'tagging', 'objectMeta', 'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style', 'styleName',
  'replication', 'replicationProgress', 'replicationLocation', 'cname', 'bucketInfo', 'comp', 'qos', 'live',
  'status', 'vod', 'startTime', 'endTime', 'symlink', 'x-oss-process', 'response-content-type',
  'x-oss-traffic-limit', 'response-content-language', 'response-expires', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'udf', 'udfName', 'udfImage', 'udfId',
  'udfImageDesc', 'udfApplication', 'udfApplicationLog', 'restore', 'callback', 'callback-var', 'qosInfo',
  'policy', 'stat', 'encryption', 'versions', 'versioning', 'versionId', 'requestPayment',
  'x-oss-request-payer', 'sequential', 'inventory', 'inventoryId', 'continuation-token', 'asyncFetch',
  'worm', 'wormId', 'wormExtend', 'withHashContext', 'x-oss-enable-md5', 'x-oss-enable-sha1',
  'x-oss-enable-sha256', 'x-oss-hash-ctx', 'x-oss-md5-ctx', 'transferAcceleration', 'regionList',
  'cloudboxes', 'x-oss-ac-source-ip', 'x-oss-ac-subnet-mask', 'x-oss-ac-vpc-id', 'x-oss-ac-forward-allow',
  'metaQuery', 'resourceGroup', 'rtc', 'accessPoint', 'accessPointPolicy', 'httpsConfig',
]);

export function v1StringToSign(method: string, headers: Headers, resource: string, query: QueryList): string {
  const lines = [
    method.toUpperCase(),
    headers['content-md5'] ?? '',
    headers['content-type'] ?? '',
    headers['x-oss-date'] ?? headers['date'] ?? '',
  ];
  const ossHeaders = Object.keys(headers)
    .filter((k) => k.startsWith('x-oss-'))
    .sort()
    .map((k) => `${k}:${(headers[k] ?? '').trim()}`);
  const subs = query
    .filter(([k]) => V1_SUBRESOURCES.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`));
  const canonicalResource = subs.length > 0 ? `${resource}?${subs.join('&')}` : resource;
  return [...lines, ...ossHeaders, canonicalResource].join('\n');
}

export function v1Signature(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(Buffer.from(stringToSign, 'utf8')).digest('base64');
}

// ---------------------------------------------------------------------------------------------
// OSS V4: Authorization: OSS4-HMAC-SHA256 Credential=<ak>/<date>/<region>/oss/aliyun_v4_request,
//         [AdditionalHeaders=<h1;h2>,]Signature=<hex>

export interface V4Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  product: string;
  additionalHeaders: string[];
  signature: string;
}

export function parseV4Authorization(value: string): V4Authorization | undefined {
  const prefix = 'OSS4-HMAC-SHA256 ';
  if (!value.startsWith(prefix)) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(prefix.length).split(',')) {
    const i = part.indexOf('=');
    if (i < 0) return undefined;
    fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const credential = fields.get('Credential');
  const signature = fields.get('Signature');
  if (!credential || !signature) return undefined;
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aliyun_v4_request') return undefined;
  const [accessKeyId, date, region, product] = scope as [string, string, string, string, string];
  const additional = fields.get('AdditionalHeaders');
  return {
    accessKeyId,
    date,
    region,
    product,
    additionalHeaders: additional ? additional.split(';').map((h) => h.trim().toLowerCase()).filter(Boolean) : [],
    signature,
  };
}

export function v4CanonicalRequest(
  method: string,
  headers: Headers,
  bucket: string | undefined,
  key: string,
  query: QueryList,
  additionalHeaders: string[],
): string {
  const uri = rfc3986(`/${bucket ? `${bucket}/` : ''}${key}`).replace(/%2F/g, '/');
  const canonicalQuery = query
    .map(([k, v]) => [rfc3986(k), v === '' ? '' : rfc3986(v)] as [string, string])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join('&');
  const signed = new Set(additionalHeaders);
  for (const h of Object.keys(headers)) {
    if (h === 'content-type' || h === 'content-md5' || h.startsWith('x-oss-')) signed.add(h);
  }
  const canonicalHeaders = [...signed]
    .sort()
    .map((h) => `${h}:${(headers[h] ?? '').trim()}\n`)
    .join('');
  const additional = [...new Set(additionalHeaders)].sort().join(';');
  const payload = headers['x-oss-content-sha256'] ?? 'UNSIGNED-PAYLOAD';
  return [method.toUpperCase(), uri, canonicalQuery, canonicalHeaders, additional, payload].join('\n');
}

export function v4StringToSign(auth: V4Authorization, timestamp: string, canonicalRequest: string): string {
  return [
    'OSS4-HMAC-SHA256',
    timestamp,
    `${auth.date}/${auth.region}/${auth.product}/aliyun_v4_request`,
    sha256Hex(canonicalRequest),
  ].join('\n');
}

export function v4Signature(secret: string, auth: V4Authorization, stringToSign: string): string {
  const kDate = createHmac('sha256', `aliyun_v4${secret}`).update(auth.date).digest();
  const kRegion = createHmac('sha256', kDate).update(auth.region).digest();
  const kProduct = createHmac('sha256', kRegion).update(auth.product).digest();
  const kSigning = createHmac('sha256', kProduct).update('aliyun_v4_request').digest();
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Alibaba OpenAPI V3: Authorization: ACS3-HMAC-SHA256 Credential=<ak>,SignedHeaders=<h1;h2>,Signature=<hex>

export interface Acs3Authorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAcs3Authorization(value: string): Acs3Authorization | undefined {
  const prefix = 'ACS3-HMAC-SHA256 ';
  if (!value.startsWith(prefix)) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(prefix.length).split(',')) {
    const i = part.indexOf('=');
    if (i < 0) return undefined;
    fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || signed === undefined || !signature) return undefined;
  return { accessKeyId, signedHeaders: signed.split(';').filter(Boolean), signature };
}

export function acs3CanonicalRequest(
  method: string,
  pathname: string,
  query: QueryList,
  headers: Headers,
  signedHeaders: string[],
  hashedPayload: string,
): string {
  const canonicalUri = pathname === '' ? '/' : pathname;
  const canonicalQuery = query
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as [string, string])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${(headers[h] ?? '').trim()}\n`).join('');
  return [method.toUpperCase(), canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders.join(';'), hashedPayload].join(
    '\n',
  );
}

export function acs3StringToSign(canonicalRequest: string): string {
  return `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
}

export function acs3Signature(secret: string, stringToSign: string): string {
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}
