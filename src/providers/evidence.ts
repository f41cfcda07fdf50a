// The evidence reader both providers share: XML error bodies (entities, first element, flat
// children), base64 error headers (OSS `x-oss-err` on bodiless HEAD answers), names for status codes
// whose body said nothing, masking of secrets, and recognition of answers that never came (Node
// system errors, SDK timeouts, aborts). Provider-neutral: each provider's classify.ts turns what its
// SDK threw into these terms and walks its own rules table (rules.ts) over them.

/** Decode the five XML entities and numeric character references. */
export function decodeXml(text: string): string {
  return text
    .replace(/&#x([0-9a-fA-F]+);/g, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_m, dec: string) => String.fromCodePoint(parseInt(dec, 10)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The text of the first `<name>` element of an XML body; '' for an empty element, undefined if absent. */
export function xmlField(xml: string | null | undefined, name: string): string | undefined {
  if (!xml) return undefined;
  const m = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}>)`).exec(xml);
  if (!m) return undefined;
  return decodeXml((m[1] ?? '').trim());
}

/** The flat children of the first `<name>` element (e.g. OSS `<AccessDeniedDetail>`); undefined when absent or empty. */
export function xmlChildren(xml: string | null | undefined, name: string): Record<string, string> | undefined {
  const inner = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml ?? '')?.[1];
  if (inner === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const m of inner.matchAll(/<(\w+)>([\s\S]*?)<\/\1>/g)) out[m[1]!] = decodeXml(m[2]!.trim());
  return Object.keys(out).length ? out : undefined;
}

/** An error document carried base64-encoded in a header (OSS `x-oss-err`); undefined unless it decodes to XML. */
export function xmlFromBase64Header(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  return text.trimStart().startsWith('<') ? text : undefined;
}

const STATUS_NAMES: Record<number, string> = {
  301: 'MovedPermanently',
  307: 'TemporaryRedirect',
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  412: 'PreconditionFailed',
  429: 'TooManyRequests',
  500: 'InternalError',
  501: 'NotImplemented',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** The code of a response whose body did not say (bodiless HEAD, HTML from a proxy). */
export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `HTTP${status}`;
}

/** 4xx, 5xx, or a redirect: the family a status belongs to. */
export function statusFamily(status: number | null): 'none' | 'redirect' | 'client' | 'server' | 'other' {
  if (status === null) return 'none';
  if (status >= 300 && status < 400) return 'redirect';
  if (status >= 400 && status < 500) return 'client';
  if (status >= 500) return 'server';
  return 'other';
}

/** A Node system error code (ECONNREFUSED, ERR_..., TLS certificate codes). */
export function isSystemCode(code: string | undefined): code is string {
  return !!code && /^(E[A-Z0-9_]+|ERR_[A-Z0-9_]+|[A-Z_]*CERT[A-Z_]*|UNABLE_TO_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/.test(code);
}

/** What kind of "no answer" a network code is; the rules tables key their network rows on it. */
export type NetworkKind = 'refused' | 'dns' | 'reset' | 'timeout' | 'abort' | 'unreachable' | 'tls' | 'other';

export function networkKind(code: string): NetworkKind {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'TimeoutError':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'AbortError':
      return 'abort';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    default:
      return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code) ? 'tls' : 'other';
  }
}

/** Keep the first and last four characters of an access key id. */
export function maskKey(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…';
}

export interface RedactionRules {
  /** XML elements whose whole text is signing material (e.g. StringToSign). Regex source allowed. */
  secretElements: string[];
  /** XML elements holding an access key id, which is masked rather than removed. */
  keyElements: string[];
  /** Header names (regex source) whose values are credentials when echoed as `name: value` or `name=value`. */
  tokenHeaders: string;
}

/** Remove signing material and credentials from a raw body or message. */
export function redactWith(text: string, r: RedactionRules): string {
  let out = text;
  for (const el of r.secretElements) out = out.replace(new RegExp(`<(${el})>[\\s\\S]*?</\\1>`, 'g'), '<$1>[redacted]</$1>');
  for (const el of r.keyElements) {
    out = out.replace(new RegExp(`<(${el})>([\\s\\S]*?)</${el}>`, 'g'), (_m, name: string, id: string) => `<${name}>${maskKey(id.trim())}</${name}>`);
  }
  out = out.replace(new RegExp(`(${r.tokenHeaders}[=:]\\s*)[^\\s&<"]+`, 'gi'), '$1[redacted]');
  out = out.replace(/(Authorization:\s*)[^\n<]+/gi, '$1[redacted]');
  return out;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
