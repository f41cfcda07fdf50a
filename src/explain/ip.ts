// IPv4/IPv6 addresses and CIDR blocks for IpAddress / NotIpAddress (RFC 4632 / RFC 4291 text forms).
// A policy value without a prefix length is a single address (/32 or /128).

export interface Cidr {
  family: 4 | 6;
  /** Network address with host bits cleared. */
  network: bigint;
  bits: number;
}

export function parseIPv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

export function parseIPv6(text: string): bigint | null {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // embedded IPv4 in the last 32 bits (::ffff:192.0.2.1)
  let tail: bigint | null = null;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.slice(lastColon + 1).includes('.')) {
    tail = parseIPv4(s.slice(lastColon + 1));
    if (tail === null) return null;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !rest) return null;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  if (tail !== null) n = (n & ~0xffffffffn) | tail;
  return n;
}

export function parseAddress(text: string): { family: 4 | 6; value: bigint } | null {
  const t = text.trim();
  if (t.includes(':')) {
    const v = parseIPv6(t);
    return v === null ? null : { family: 6, value: v };
  }
  const v = parseIPv4(t);
  return v === null ? null : { family: 4, value: v };
}

export function parseCidr(text: string): Cidr | null {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addr = parseAddress(slash >= 0 ? t.slice(0, slash) : t);
  if (!addr) return null;
  const max = addr.family === 4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const b = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b)) return null;
    bits = Number(b);
    if (bits > max) return null;
  }
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(max - bits);
  return { family: addr.family, network: addr.value & mask, bits };
}

export function cidrContains(cidr: Cidr, address: string): boolean {
  const a = parseAddress(address);
  if (!a || a.family !== cidr.family) return false;
  const max = cidr.family === 4 ? 32 : 128;
  const mask = cidr.bits === 0 ? 0n : ((1n << BigInt(cidr.bits)) - 1n) << BigInt(max - cidr.bits);
  return (a.value & mask) === cidr.network;
}

/** An IP condition value: a CIDR block, or (Alibaba acs:SourceIp) an address with `*` wildcards. */
export type IpValue = { kind: 'cidr'; cidr: Cidr } | { kind: 'wildcard'; octets: string[] };

/**
 * Parse an IpAddress/NotIpAddress value. With `wildcards` (Alibaba Cloud: "acs:SourceIp ... The
 * asterisk (*) wildcard is supported"), `*`, `192.168.*` and `10.*.0.*` are accepted: each `*`
 * stands for one or more whole octets (a trailing `*` for all the rest).
 */
export function parseIpValue(text: string, wildcards: boolean): IpValue | null {
  const t = text.trim();
  if (wildcards && t.includes('*')) {
    const octets = t.split('.');
    if (octets.length > 4 || !octets.every((o) => o === '*' || (/^\d{1,3}$/.test(o) && Number(o) <= 255))) return null;
    if (octets.length < 4 && octets[octets.length - 1] !== '*') return null;
    return { kind: 'wildcard', octets };
  }
  const cidr = parseCidr(t);
  return cidr ? { kind: 'cidr', cidr } : null;
}

export function ipValueContains(v: IpValue, address: string): boolean {
  if (v.kind === 'cidr') return cidrContains(v.cidr, address);
  const a = address.trim();
  if (parseIPv4(a) === null) return v.octets.length === 1 && v.octets[0] === '*' && parseAddress(a) !== null;
  const parts = a.split('.');
  for (let i = 0; i < v.octets.length; i++) {
    const o = v.octets[i]!;
    if (o === '*') {
      if (i === v.octets.length - 1) return true; // a trailing * covers every remaining octet
      continue;
    }
    if (Number(parts[i]) !== Number(o)) return false;
  }
  return parts.length === v.octets.length;
}
