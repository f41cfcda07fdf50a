// Reading the policies that decide a backup role's requests, for --explain: the bucket policy, the
// role's trust policy, permissions boundary, inline and attached managed policies. A policy that
// cannot be read (denied, or not implemented by an S3-compatible store) is reported as not visible;
// the explanation then says what it could not see.

import { GetBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { NamedPolicy } from '../../explain/types.js';
import { evidenceFromError } from './classify.js';
import { withRawBody } from './raw-body.js';
import { sourceCredentials } from './credentials.js';
import type { CommonTargetOptions } from '../../core/provider.js';

export type PolicyReadOptions = Pick<CommonTargetOptions, 'bucket' | 'roleArn' | 'region' | 'endpoint' | 'pathStyle' | 'timeoutMs' | 'profile'> & {
  /** IAM endpoint; defaults to --endpoint for S3-compatible stores, else AWS's global IAM endpoint. */
  iamEndpoint?: string | null;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
};

export interface NotVisible {
  policy: string;
  why: string;
}

export interface ReadPolicies {
  bucketPolicy: NamedPolicy | null;
  trust: NamedPolicy | null;
  boundary: NamedPolicy | null;
  identity: NamedPolicy[];
  /** Names of every policy read, in the order read. */
  read: string[];
  notVisible: NotVisible[];
}

/** IAM returns policy documents URL-encoded (RFC 3986). */
export function decodePolicyDocument(doc: string): string {
  try {
    return decodeURIComponent(doc);
  } catch {
    return doc;
  }
}

function roleNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** Why a read failed, from the error's evidence (code, status, message; "does not implement" for 405/NotImplemented). */
export function reasonOf(err: unknown): string {
  const ev = evidenceFromError(err);
  const code = ev.code || ev.name || ev.networkCode || 'Error';
  if (ev.httpStatus === 405 || code === 'MethodNotAllowed' || code === 'NotImplemented') {
    return `the store does not implement this API (${code}${ev.httpStatus ? ` ${ev.httpStatus}` : ''})`;
  }
  return `${code}${ev.httpStatus ? ` ${ev.httpStatus}` : ''}${ev.message ? `: ${ev.message}` : ''}`;
}

export async function readAwsPolicies(o: PolicyReadOptions): Promise<ReadPolicies> {
  const credentials = sourceCredentials(o);
  const region = o.region ?? 'us-east-1';
  const handler = withRawBody({ requestTimeout: o.timeoutMs, connectionTimeout: o.timeoutMs, throwOnRequestTimeout: true });
  const s3 = new S3Client({
    region,
    endpoint: o.endpoint ?? undefined,
    forcePathStyle: o.pathStyle,
    credentials,
    requestHandler: handler,
    maxAttempts: 2,
  });
  const iamEndpoint = o.iamEndpoint ?? o.endpoint;
  const iam = new IAMClient({
    region: iamEndpoint ? region : 'us-east-1',
    endpoint: iamEndpoint ?? undefined,
    credentials,
    requestHandler: handler,
    maxAttempts: 2,
  });
  const out: ReadPolicies = { bucketPolicy: null, trust: null, boundary: null, identity: [], read: [], notVisible: [] };
  const miss = (policy: string, err: unknown) => out.notVisible.push({ policy, why: reasonOf(err) });

  try {
    const bucketTask = (async () => {
      try {
        const r = await s3.send(new GetBucketPolicyCommand({ Bucket: o.bucket }));
        if (r.Policy) out.bucketPolicy = { name: 'bucket-policy', document: r.Policy };
        out.read.push('bucket-policy');
      } catch (err) {
        const ev = evidenceFromError(err);
        if (ev.code === 'NoSuchBucketPolicy') out.read.push('bucket-policy (none set)');
        else miss('bucket-policy', err);
      }
    })();

    const roleTask = (async () => {
      if (!o.roleArn) return;
      const RoleName = roleNameOf(o.roleArn);
      try {
        const r = await iam.send(new GetRoleCommand({ RoleName }));
        const trust = r.Role?.AssumeRolePolicyDocument;
        if (trust) {
          out.trust = { name: 'trust-policy', document: decodePolicyDocument(trust) };
          out.read.push('trust-policy');
        }
        const boundaryArn = r.Role?.PermissionsBoundary?.PermissionsBoundaryArn;
        if (boundaryArn) {
          try {
            const doc = await managedDocument(iam, boundaryArn);
            out.boundary = { name: `permissions-boundary:${boundaryArn}`, document: doc };
            out.read.push(out.boundary.name);
          } catch (err) {
            miss(`permissions-boundary:${boundaryArn}`, err);
          }
        }
      } catch (err) {
        miss('trust-policy and permissions boundary (GetRole)', err);
      }
      await Promise.all([
        (async () => {
          try {
            const names = await listAll(async (Marker) => {
              const r = await iam.send(new ListRolePoliciesCommand({ RoleName, Marker }));
              return { items: r.PolicyNames ?? [], next: r.IsTruncated ? r.Marker : undefined };
            });
            for (const PolicyName of names) {
              try {
                const p = await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
                out.identity.push({ name: `role-inline:${PolicyName}`, document: decodePolicyDocument(p.PolicyDocument ?? '') });
                out.read.push(`role-inline:${PolicyName}`);
              } catch (err) {
                miss(`role-inline:${PolicyName}`, err);
              }
            }
          } catch (err) {
            miss('inline role policies (ListRolePolicies)', err);
          }
        })(),
        (async () => {
          try {
            const attached = await listAll(async (Marker) => {
              const r = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName, Marker }));
              return { items: r.AttachedPolicies ?? [], next: r.IsTruncated ? r.Marker : undefined };
            });
            for (const a of attached) {
              if (!a.PolicyArn) continue;
              try {
                out.identity.push({ name: `role-managed:${a.PolicyArn}`, document: await managedDocument(iam, a.PolicyArn) });
                out.read.push(`role-managed:${a.PolicyArn}`);
              } catch (err) {
                miss(`role-managed:${a.PolicyArn}`, err);
              }
            }
          } catch (err) {
            miss('attached managed role policies (ListAttachedRolePolicies)', err);
          }
        })(),
      ]);
    })();
    await Promise.all([bucketTask, roleTask]);
  } finally {
    s3.destroy();
    iam.destroy();
  }
  // Reads run in parallel; report them in a stable order.
  const rank = (n: string) => ['bucket-policy', 'trust-policy', 'permissions-boundary', 'role-inline', 'role-managed'].findIndex((p) => n.startsWith(p));
  out.read.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  out.notVisible.sort((a, b) => a.policy.localeCompare(b.policy));
  out.identity.sort((a, b) => a.name.localeCompare(b.name));
  return out;
}

async function managedDocument(iam: IAMClient, PolicyArn: string): Promise<string> {
  const p = await iam.send(new GetPolicyCommand({ PolicyArn }));
  const VersionId = p.Policy?.DefaultVersionId;
  if (!VersionId) throw new Error(`GetPolicy ${PolicyArn} returned no default version`);
  const v = await iam.send(new GetPolicyVersionCommand({ PolicyArn, VersionId }));
  return decodePolicyDocument(v.PolicyVersion?.Document ?? '');
}

async function listAll<T>(page: (marker: string | undefined) => Promise<{ items: T[]; next: string | undefined }>): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  for (let i = 0; i < 50; i++) {
    const r = await page(marker);
    all.push(...r.items);
    if (!r.next) break;
    marker = r.next;
  }
  return all;
}
