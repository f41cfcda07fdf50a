// Types for scripts/rgw.mjs (a throwaway local Ceph RGW for tests and the demo).
import type {
  S3Client,
  S3ClientConfig,
  CreateBucketCommandOutput,
  PutBucketPolicyCommandOutput,
  DeleteBucketPolicyCommandOutput,
  PutObjectCommandOutput,
  PutObjectCommandInput,
} from '@aws-sdk/client-s3';

export type Log = (message: string) => void;

export interface RgwCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RgwUser {
  uid: string;
  /** arn:aws:iam:::user/UID, the principal form RGW trust policies use. */
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface StartRgwOptions {
  /** Cluster dir; default a fresh mkdtemp under os.tmpdir(). Must be empty, absent, or an old stopped cluster dir. */
  dir?: string;
  /** RGW HTTP port on 127.0.0.1; default a free one. */
  port?: number | string;
  /** Mon (msgr2) port on 127.0.0.1; default a free one. */
  monPort?: number | string;
  log?: Log;
  /** Daemons outlive this process (the CLI's `start`); stop them with stopRgwDir(dir). */
  detach?: boolean;
  /** Bind-test the given ports before starting (default true). false only to test daemon-level failures. */
  portPreflight?: boolean;
}

export interface RgwHandle {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  port: number;
  monPort: number;
  dir: string;
  /** DIR/ceph.conf */
  conf: string;
  region: 'us-east-1';
  admin: { uid: string; accessKeyId: string; secretAccessKey: string };
  pids: { mon: number; osd: number; rgw: number };
  /** Stops only this cluster's daemons (saved PIDs, cmdline checked), removes the dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** The policy documents this module builds (inputs accept any JSON-serialisable object). */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { AWS: string[] } | '*';
  Action: string[];
  Resource?: string[];
  Condition?: Record<string, Record<string, string[]>>;
}
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface DemoDescription {
  endpoint: string;
  region: string;
  users: {
    admin: { uid: string; accessKeyId: string; secretAccessKey: string };
    sourceIdentity: RgwUser;
    bucketOwner: RgwUser;
  };
  role: { name: string; arn: string; policyName: string; trustPolicy: PolicyDocument; policy: PolicyDocument };
  buckets: { open: string; locked: string };
  prefix: string;
  lockedBucketPolicy: { sid: string; officeCidr: string; policy: PolicyDocument };
}

export const REGION: 'us-east-1';
export const DEMO: Readonly<{
  sourceUser: { uid: string; accessKeyId: string; secretAccessKey: string };
  ownerUser: { uid: string; accessKeyId: string; secretAccessKey: string };
  roleName: string;
  rolePolicyName: string;
  bucket: string;
  lockedBucket: string;
  prefix: string;
  lockedSid: string;
  officeCidr: string;
}>;

export function ensureCephInstalled(options?: { log?: Log }): Promise<{ installed: boolean }>;
export function startRgw(options?: StartRgwOptions): Promise<RgwHandle>;
export function stopRgwDir(dir: string): Promise<{ stopped: number[] }>;

type RgwLike = Pick<RgwHandle, 'endpoint' | 'dir'> & Partial<Pick<RgwHandle, 'conf' | 'region' | 'admin'>>;

export function radosgwAdmin(rgw: RgwLike, args: string[]): Promise<unknown>;
export function createUser(
  rgw: RgwLike,
  uid: string,
  options: { accessKeyId: string; secretAccessKey: string; caps?: string; displayName?: string },
): Promise<RgwUser>;
export function roleArn(roleName: string): string;
export function userArn(uid: string): string;
export function createRole(rgw: RgwLike, roleName: string, trustPolicy: object): Promise<{ name: string; arn: string }>;
export function putRolePolicy(rgw: RgwLike, roleName: string, policyName: string, policy: object): Promise<void>;
export function deleteRolePolicy(rgw: RgwLike, roleName: string, policyName: string): Promise<void>;
/** Fails while the role still has inline policies (as IAM DeleteRole does). */
export function deleteRole(rgw: RgwLike, roleName: string): Promise<void>;

export function s3For(rgw: RgwLike, creds: RgwCredentials, extra?: Partial<S3ClientConfig>): S3Client;
export function createBucket(rgw: RgwLike, ownerCreds: RgwCredentials, bucket: string): Promise<CreateBucketCommandOutput>;
export function putBucketPolicy(rgw: RgwLike, ownerCreds: RgwCredentials, bucket: string, policy: object): Promise<PutBucketPolicyCommandOutput>;
export function deleteBucketPolicy(rgw: RgwLike, ownerCreds: RgwCredentials, bucket: string): Promise<DeleteBucketPolicyCommandOutput>;
export function putObjectAs(
  rgw: RgwLike,
  creds: RgwCredentials,
  bucket: string,
  key: string,
  body: PutObjectCommandInput['Body'],
): Promise<PutObjectCommandOutput>;
export function listEverything(
  rgw: RgwLike,
  ownerCreds: RgwCredentials,
  bucket: string,
): Promise<{ objects: string[]; uploads: { key: string; uploadId: string }[] }>;
export function assumeRole(
  rgw: RgwLike,
  creds: RgwCredentials,
  roleArn: string,
  sessionName?: string,
  durationSeconds?: number,
): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration?: Date }>;
export function demoRolePolicy(buckets?: string[], prefix?: string): PolicyDocument;
export function seedDemo(rgw: RgwLike): Promise<DemoDescription>;
