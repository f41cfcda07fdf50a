// The diagnostic message OSS puts in AccessDeniedDetail.EncodedDiagnosticMessage, and that RAM
// DecodeDiagnosticMessage turns back into a DecodedDiagnosticMessage (RAM API reference
// "DecodeDiagnosticMessage", help.aliyun.com/document_detail/2362772.html; fields as in the SDK
// model @alicloud/ram20150501 DecodeDiagnosticMessageResponseBody). The encoded form is opaque to the
// client, as real OSS's is (`AQIBIAAAACB1...`, EC page 0003-00000201): AES-256-GCM under a key only
// this server holds, so only the server's RAM endpoint can read what OSS evaluated.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** DecodedDiagnosticMessage as documented (PascalCase JSON). */
export interface DecodedDiagnosticMessage {
  ExplicitDeny: boolean;
  /** RAM documents AssumeRolePolicy, ControlPolicy, AccountLevelIdentityBasedPolicy, ResourceGroupLevelIdentityBasedPolicy, SessionPolicy; OSS's AccessDeniedDetail adds BucketPolicy. */
  NoPermissionPolicyType: string;
  AuthAction: string;
  AuthResource: string;
  AuthPrincipal: { AuthPrincipalType: string; AuthPrincipalOwnerId: string; AuthPrincipalDisplayName: string };
  /** Every key the server evaluated the request with; a key the request did not carry has no values. */
  AuthConditions: Array<{ ConditionKey: string; ConditionValues: string[] }>;
  /** RAM documents these for RAM and control policies; a bucket-policy denial lists none. */
  MatchedPolicies: Array<{ Effect: string; PolicyIdentifier: string; PolicyType: string; PolicyVersion?: string; AttachedEntityType: string; AttachedScope: string }>;
}

const VERSION = Buffer.from([0x01, 0x02]);

export class DiagnosticCodec {
  private readonly key = randomBytes(32);

  encode(message: DecodedDiagnosticMessage): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(message), 'utf8'), cipher.final()]);
    return Buffer.concat([VERSION, iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** undefined: not a message this server encoded (malformed, altered, or another server's). */
  decode(encoded: string): DecodedDiagnosticMessage | undefined {
    const raw = Buffer.from(encoded, 'base64');
    if (raw.length < 2 + 12 + 16 + 2 || !raw.subarray(0, 2).equals(VERSION)) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(2, 14));
      decipher.setAuthTag(raw.subarray(14, 30));
      const text = Buffer.concat([decipher.update(raw.subarray(30)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as DecodedDiagnosticMessage;
    } catch {
      return undefined;
    }
  }
}

/** What the OSS endpoint knows of a request's network and transport, as condition keys. */
export interface RequestFacts {
  sourceIp: string;
  /** The VPC the request arrived through (state.options.sourceVpc); none from loopback by default. */
  sourceVpc?: string;
  accessKeyId: string;
  secureTransport: boolean;
}

/** The condition keys of a request as the server evaluates them (AuthConditions). */
export function authConditions(f: RequestFacts): DecodedDiagnosticMessage['AuthConditions'] {
  return [
    { ConditionKey: 'acs:SourceIp', ConditionValues: [f.sourceIp] },
    { ConditionKey: 'acs:SourceVpc', ConditionValues: f.sourceVpc ? [f.sourceVpc] : [] },
    { ConditionKey: 'acs:AccessId', ConditionValues: [f.accessKeyId] },
    { ConditionKey: 'acs:SecureTransport', ConditionValues: [String(f.secureTransport)] },
  ];
}

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
export function plainAddress(address: string | undefined): string {
  const a = address ?? '';
  return a.startsWith('::ffff:') ? a.slice('::ffff:'.length) : a;
}

/**
 * The EncodedDiagnosticMessage of a refusal: what was evaluated for it, from the AccessDeniedDetail
 * fields, the resource, the request's facts and the policies that matched (a RAM policy: its name,
 * `Custom`, attached to the `RamRole`, scope `Account`). Every refusal the server sends uses this.
 */
export function encodeRefusal(
  codec: DiagnosticCodec,
  r: {
    detail: { PolicyType: string; NoPermissionType: string; AuthAction: string; AuthPrincipalType: string; AuthPrincipalOwnerId: string; AuthPrincipalDisplayName: string };
    resource: string;
    facts: RequestFacts;
    matched?: DecodedDiagnosticMessage['MatchedPolicies'];
  },
): string {
  const d = r.detail;
  return codec.encode({
    ExplicitDeny: d.NoPermissionType === 'ExplicitDeny',
    NoPermissionPolicyType: d.PolicyType,
    AuthAction: d.AuthAction,
    AuthResource: r.resource,
    AuthPrincipal: { AuthPrincipalType: d.AuthPrincipalType, AuthPrincipalOwnerId: d.AuthPrincipalOwnerId, AuthPrincipalDisplayName: d.AuthPrincipalDisplayName },
    AuthConditions: authConditions(r.facts),
    MatchedPolicies: r.matched ?? [],
  });
}
