// Minimal XML helpers for the OSS test server. Only what the OSS wire protocol needs:
// escaping, building flat elements, and reading the CompleteMultipartUpload body.

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<name>value</name>`; the value is escaped. Undefined values produce nothing. */
export function el(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>` + already-built children + `</name>`. */
export function wrap(name: string, children: string): string {
  return `<${name}>${children}</${name}>`;
}

export function xmlDocument(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

function unescapeXml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export interface CompletePart {
  partNumber: number;
  etag: string;
}

/**
 * Parse `<CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>...</CompleteMultipartUpload>`.
 * Returns undefined when the document is not of that shape (the server answers MalformedXML).
 */
export function parseCompleteMultipartUpload(body: string): CompletePart[] | undefined {
  const root = /<CompleteMultipartUpload(?:\s[^>]*)?>([\s\S]*)<\/CompleteMultipartUpload>/.exec(body);
  if (!root) return undefined;
  const inner = root[1] ?? '';
  const parts: CompletePart[] = [];
  const partRe = /<Part>([\s\S]*?)<\/Part>/g;
  let m: RegExpExecArray | null;
  while ((m = partRe.exec(inner)) !== null) {
    const part = m[1] ?? '';
    const num = /<PartNumber>\s*([^<]*?)\s*<\/PartNumber>/.exec(part);
    const etag = /<ETag>\s*([^<]*?)\s*<\/ETag>/.exec(part);
    if (!num || !etag || !/^\d+$/.test(num[1] ?? '')) return undefined;
    parts.push({ partNumber: Number(num[1]), etag: unescapeXml(etag[1] ?? '') });
  }
  if (parts.length === 0) return undefined;
  return parts;
}
