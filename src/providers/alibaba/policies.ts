// Reading the policies that decide a backup role's OSS requests, for --explain: the bucket policy
// (ali-oss getBucketPolicy) and, through RAM (@alicloud/ram20150501), the role's trust policy
// (GetRole) and the policies attached to it (ListPoliciesForRole, GetPolicy: default version). A
// policy that cannot be read is reported as not visible; the explanation then says what it could not see.

import RamModule, { GetPolicyRequest, GetRoleRequest, ListPoliciesForRoleRequest } from '@alicloud/ram20150501';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import type { NamedPolicy } from '../../explain/types.js';
import type { AlibabaAdapter } from './adapter.js';
import { evidenceFromOssError, evidenceFromStsError } from './classify.js';
import type { SourceCredentials } from './credentials.js';

export const DEFAULT_RAM_ENDPOINT = 'https://ram.aliyuncs.com';

export interface AlibabaPolicyReadOptions {
  roleArn: string | null;
  region: string;
  timeoutMs: number;
  /** RAM endpoint URL (default https://ram.aliyuncs.com). */
  ramEndpoint: string;
  credentials: SourceCredentials;
}

export interface NotVisible {
  policy: string;
  why: string;
}

export interface AlibabaPolicies {
  bucketPolicy: NamedPolicy | null;
  trust: NamedPolicy | null;
  identity: NamedPolicy[];
  /** Names of every policy read, in a stable order. */
  read: string[];
  notVisible: NotVisible[];
}

function cjsDefault<T>(m: { default: T } | T): T {
  return (typeof m === 'object' && m !== null && 'default' in m ? (m as { default: T }).default : m) as T;
}
const RamClient = cjsDefault(RamModule as unknown as { default: typeof RamModule.default });

function reasonOf(ev: ReturnType<typeof evidenceFromOssError>): string {
  const code = ev.code || ev.networkCode || ev.name || 'Error';
  return `${code}${ev.httpStatus ? ` ${ev.httpStatus}` : ''}${ev.ec ? ` (EC ${ev.ec})` : ''}${ev.message ? `: ${ev.message}` : ''}`;
}

/** A RAM client for these credentials at `ramEndpoint` (also used by diagnostic.ts). */
export function ramClient(o: Pick<AlibabaPolicyReadOptions, 'credentials' | 'ramEndpoint' | 'region' | 'timeoutMs'>): InstanceType<typeof RamClient> {
  const url = new URL(o.ramEndpoint);
  const config = new $OpenApiUtil.Config({
    accessKeyId: o.credentials.accessKeyId,
    accessKeySecret: o.credentials.accessKeySecret,
    ...(o.credentials.securityToken ? { securityToken: o.credentials.securityToken } : {}),
    endpoint: url.host,
    protocol: url.protocol.replace(':', ''),
    regionId: o.region,
    readTimeout: o.timeoutMs,
    connectTimeout: o.timeoutMs,
  });
  return new RamClient(config);
}

export async function readAlibabaPolicies(adapter: AlibabaAdapter, o: AlibabaPolicyReadOptions): Promise<AlibabaPolicies> {
  const out: AlibabaPolicies = { bucketPolicy: null, trust: null, identity: [], read: [], notVisible: [] };
  const ramMiss = (policy: string, err: unknown) => out.notVisible.push({ policy, why: reasonOf(evidenceFromStsError(err)) });

  const bucketTask = (async () => {
    const oss = adapter.ossClientFor(o.credentials, false);
    try {
      const text = await adapter.readBucketPolicy(oss);
      if (text) out.bucketPolicy = { name: 'bucket-policy', document: text };
      out.read.push(text ? 'bucket-policy' : 'bucket-policy (none set)');
    } catch (err) {
      out.notVisible.push({ policy: 'bucket-policy', why: reasonOf(evidenceFromOssError(err)) });
    }
  })();

  const roleTask = (async () => {
    if (!o.roleArn) return;
    const roleName = o.roleArn.slice(o.roleArn.lastIndexOf('/') + 1);
    const ram = ramClient(o);
    await Promise.all([
      (async () => {
        try {
          const r = await ram.getRole(new GetRoleRequest({ roleName }));
          const doc = r.body?.role?.assumeRolePolicyDocument;
          if (doc) {
            out.trust = { name: 'trust-policy', document: doc };
            out.read.push('trust-policy');
          }
        } catch (err) {
          ramMiss('trust-policy (GetRole)', err);
        }
      })(),
      (async () => {
        let attached: { policyName?: string; policyType?: string }[];
        try {
          const r = await ram.listPoliciesForRole(new ListPoliciesForRoleRequest({ roleName }));
          attached = r.body?.policies?.policy ?? [];
        } catch (err) {
          ramMiss('RAM policies of the role (ListPoliciesForRole)', err);
          return;
        }
        await Promise.all(
          attached.map(async (p) => {
            if (!p.policyName || !p.policyType) return;
            const name = `ram-policy:${p.policyType}:${p.policyName}`;
            try {
              const r = await ram.getPolicy(new GetPolicyRequest({ policyName: p.policyName, policyType: p.policyType }));
              const doc = r.body?.defaultPolicyVersion?.policyDocument;
              if (!doc) throw new Error('GetPolicy returned no default version');
              out.identity.push({ name, document: doc });
              out.read.push(name);
            } catch (err) {
              ramMiss(name, err);
            }
          }),
        );
      })(),
    ]);
  })();

  await Promise.all([bucketTask, roleTask]);
  const rank = (n: string) => ['bucket-policy', 'trust-policy', 'ram-policy'].findIndex((p) => n.startsWith(p));
  out.read.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  out.notVisible.sort((a, b) => a.policy.localeCompare(b.policy));
  out.identity.sort((a, b) => a.name.localeCompare(b.name));
  return out;
}
