// Public types of the OSS / STS test server.

export interface PrincipalSpec {
  /** 'user' = RAM user (may call AssumeRole); 'root' = Alibaba Cloud account (may not). */
  type: 'user' | 'root';
  /** e.g. acs:ram::1234567890123456:user/backup-operator (root: acs:ram::1234567890123456:root) */
  arn: string;
  /** numeric id of the principal (RAM user id, or the account id for root) */
  uid: string;
  displayName: string;
  /**
   * Role ARNs (or `*`) the principal's own RAM policies allow sts:AssumeRole on. Omitted: any role
   * (as with AliyunSTSAssumeRoleAccess attached). A role not listed is refused with NoPermission
   * "You are not authorized to do this action. You should be authorized by RAM." (RAM FAQ about
   * RAM roles and STS tokens).
   */
  mayAssume?: string[];
  /**
   * RAM actions (`ram:DecodeDiagnosticMessage`, `ram:*`, `*`) the principal's own RAM policies allow
   * at the RAM endpoint. Omitted: none (a RAM API call is refused with NoPermission).
   */
  ramActions?: string[];
}

export interface AccessKeySpec {
  accessKeyId: string;
  accessKeySecret: string;
  principal: PrincipalSpec;
}

export interface RoleSpec {
  /** acs:ram::<account-id>:role/<role-name> */
  arn: string;
  /**
   * Caller ARNs the role's trust policy admits: a RAM user ARN, a role ARN (role chaining),
   * or `acs:ram::<account-id>:root` to trust every RAM identity of that account.
   */
  trusts: string[];
  /**
   * Alibaba Cloud services the trust policy names (`"Principal": {"Service": ["ecs.aliyuncs.com"]}`):
   * a service role. Only those services may assume it; a RAM user or role calling AssumeRole on it
   * gets NoPermission (doc 42775, "the role type is incorrect ... the service role is not allowed to
   * use AssumeRole").
   */
  services?: string[];
  /** MaxSessionDuration of the role, seconds (Alibaba default 3600, max 43200). */
  maxSessionDuration?: number;
  /** When set, AssumeRole must pass exactly this ExternalId (else NoPermission). */
  externalId?: string;
  /**
   * RAM policies attached to the role (JSON text or objects). Set: a session of the role is allowed an
   * OSS request only when a statement allows its RAM action on its resource and none denies it
   * (reader.ts; conditions: StringLike/StringEquals on oss:Prefix and oss:Delimiter only). Omitted:
   * everything not denied by a script rule is allowed, as before.
   */
  policies?: (string | object)[];
  /** RAM actions the role's RAM policies allow its sessions at the RAM endpoint (as PrincipalSpec.ramActions). */
  ramActions?: string[];
  /** RoleId used in AssumedRoleUser.AssumedRoleId; derived from the ARN when omitted. */
  roleId?: string;
}

/** A temporary credential issued by AssumeRole. */
export interface StsSession {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  expiration: Date;
  issuedAt: Date;
  durationSeconds: number;
  roleArn: string;
  roleName: string;
  roleId: string;
  accountId: string;
  sessionName: string;
  /** AssumedRoleUser.Arn as returned by AssumeRole */
  arn: string;
  assumedRoleId: string;
  policy?: string;
  externalId?: string;
  /** ARN of the caller that assumed the role */
  sourceArn: string;
}

/** Who signed a request, after authentication. */
export interface RequestPrincipal {
  type: 'user' | 'root' | 'assumed-role';
  /** RAM user / root ARN, or AssumedRoleUser.Arn for an STS session */
  arn: string;
  accountId: string;
  accessKeyId: string;
  displayName: string;
  /** only for 'assumed-role' */
  roleArn?: string;
  sessionName?: string;
  /** every ARN form a deny rule's `principal` prefix is matched against */
  matchArns: string[];
}

export interface RecordedRequest {
  service: 'oss' | 'sts';
  method: string;
  /** raw request path (URL-encoded, as sent) */
  path: string;
  query: Record<string, string>;
  host: string;
  bucket?: string;
  key?: string;
  /** API name, e.g. PutObject, HeadObject, ListObjectsV2, AssumeRole */
  api: string;
  /** RAM action used for authorization, e.g. oss:PutObject (for UploadPart too), sts:AssumeRole */
  action: string;
  /** ARN of the authenticated principal (undefined when authentication failed) */
  principal?: string;
  accessKeyId?: string;
  signature: 'v1' | 'v4' | 'acs3' | 'none';
  status: number;
  code?: string;
  ec?: string;
  requestId: string;
  at: Date;
  /** The Content-MD5 request header when one was sent, and whether it is the MD5 of the body received (else 400 InvalidDigest on PutObject/UploadPart). */
  contentMd5?: { header: string; matchesBody: boolean };
  /** Bytes in the request body. */
  bodyLength?: number;
}

export interface AccessDeniedDetail {
  PolicyType: string;
  AuthPrincipalOwnerId: string;
  AuthPrincipalType: string;
  AuthPrincipalDisplayName: string;
  NoPermissionType: 'ExplicitDeny' | 'ImplicitDeny';
  AuthAction: string;
  EncodedDiagnosticMessage: string;
}

export interface DenyRule {
  /**
   * `oss:<Api>` (exactly that API, e.g. oss:UploadPart, oss:HeadObject) or a RAM action
   * (oss:PutObject also covers InitiateMultipartUpload/UploadPart/CompleteMultipartUpload,
   * oss:GetObject covers HeadObject, oss:ListObjects covers ListObjectsV2). `oss:*` = all.
   */
  action: string;
  /** prefix of the caller's role ARN, session ARN (either form) or user ARN */
  principal?: string;
  bucket?: string;
  /** object key prefix */
  key?: string;
  status?: number;
  code?: string;
  message?: string;
  ec?: string;
  /** merged over a detail derived from the EC and the caller; `false` omits the element */
  accessDeniedDetail?: Partial<AccessDeniedDetail> | false;
  /** apply only this many times (default: forever) */
  times?: number;
}

export interface FailRule {
  /** same matching as DenyRule.action; `sts:AssumeRole` fails the STS endpoint */
  action: string;
  times: number;
  status?: number;
  code?: string;
  message?: string;
  ec?: string;
  principal?: string;
  key?: string;
}

export interface StoredObject {
  key: string;
  body: Buffer;
  etag: string; // with quotes, as sent in the ETag header
  contentType: string;
  lastModified: Date;
  type: 'Normal' | 'Multipart';
  /** User metadata (`x-oss-meta-<name>`), lower-case names. */
  meta?: Record<string, string>;
  /** On a versioned bucket: this version's id (`null` when written while Suspended). */
  versionId?: string;
  deleteMarker?: boolean;
  /** x-oss-object-acl of the write; absent: `default` (the bucket ACL). */
  acl?: string;
  /** x-oss-tagging of the write. */
  tags?: Record<string, string>;
}

export interface UploadPartRecord {
  partNumber: number;
  body: Buffer;
  etag: string;
  lastModified: Date;
}

export interface MultipartUpload {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: Date;
  contentType: string;
  parts: Map<number, UploadPartRecord>;
  /** x-oss-meta-* of InitiateMultipartUpload, given to the completed object. */
  meta?: Record<string, string>;
}

export interface Bucket {
  name: string;
  ownerId: string;
  objects: Map<string, StoredObject>;
  uploads: Map<string, MultipartUpload>;
  policy?: string;
  /** PutBucketVersioning; absent: never enabled. */
  versioning?: 'Enabled' | 'Suspended';
  /** Every version and delete marker per key, oldest first (versioned buckets). */
  versions: Map<string, StoredObject[]>;
  /** Region id (GetBucketLocation answers `oss-<region>`; RAM resources `acs:oss:<region>:...`); default cn-hangzhou. */
  region?: string;
  /** Bucket tags (GetBucketTags). */
  tags?: Record<string, string>;
  /** Ids of the bucket's inventory configurations (ListBucketInventory / GetBucketInventory). */
  inventories?: string[];
  /** The WORM retention policy (InitiateBucketWorm / CompleteBucketWorm). */
  worm?: { id: string; state: 'InProgress' | 'Locked'; days: number; created: Date };
}
