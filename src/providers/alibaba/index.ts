// The Alibaba Cloud provider: OSS through ali-oss, roles through Alibaba STS. Chosen for `acs:` role
// ARNs or with --provider alibaba. Everything here validates before any request is sent.

import { UsageError } from '../../core/model.js';
import { validateRegion } from '../../core/target.js';
import type { CommonTargetOptions, Provider } from '../../core/provider.js';
import { AlibabaAdapter } from './adapter.js';
import { storeSemantics } from '../../explain/proof.js';
import { alibabaProfileExists } from './profiles.js';
import { AlibabaExplainer } from './explain.js';

/** `acs:ram::<account-id>:role/<name>`: RAM role names are 1-64 letters, digits, `.`, `-` (and `_`). */
const ACS_ROLE_ARN = /^acs:ram::(\d{5,20}):role\/([A-Za-z0-9._-]{1,64})$/;

export function parseAcsRoleArn(value: string): { account: string; name: string } {
  const m = ACS_ROLE_ARN.exec(value);
  if (!m) throw new UsageError(`--role: "${value}" is not a RAM role ARN (expected acs:ram::<account-id>:role/<name>)`);
  return { account: m[1]!, name: m[2]! };
}

/** The region id an OSS endpoint names (`oss-cn-hangzhou[-internal].aliyuncs.com`), if any. */
export function regionFromOssEndpoint(endpoint: string | null): string | null {
  if (!endpoint) return null;
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return null;
  }
  return /^(?:[^.]+\.)?oss-([a-z]{2}(?:-[a-z0-9]+){1,4}?)(?:-internal)?\.aliyuncs\.com$/.exec(host)?.[1] ?? null;
}

/** --region, else the region of an OSS --endpoint; required (it names the endpoints and the V4 scope). */
export function resolveRegion(o: Pick<CommonTargetOptions, 'region' | 'endpoint'>): string {
  if (o.region) {
    if (/^oss-/.test(o.region)) {
      throw new UsageError(`--region: "${o.region}" is an OSS endpoint prefix; pass the region id (${o.region.slice(4)})`);
    }
    return validateRegion(o.region);
  }
  const fromEndpoint = regionFromOssEndpoint(o.endpoint);
  if (fromEndpoint) return fromEndpoint;
  throw new UsageError('--region is required for Alibaba Cloud (e.g. --region cn-hangzhou), unless --endpoint is an oss-<region>.aliyuncs.com URL');
}

export function validateAlibaba(o: CommonTargetOptions): string {
  if (o.roleArn) parseAcsRoleArn(o.roleArn);
  const region = resolveRegion(o);
  if (o.bucket.includes('.')) throw new UsageError(`--bucket: "${o.bucket}" is not a valid OSS bucket name: OSS bucket names have no dots`);
  if (o.pathStyle) throw new UsageError('--path-style does not apply to OSS, which only serves virtual-hosted requests');
  if (o.internal && o.endpoint) throw new UsageError('--internal picks the -internal endpoint of --region; with --endpoint, name that endpoint yourself');
  // Alibaba STS accepts fewer characters in a session name than AWS STS.
  if (!/^[\w.@-]{2,64}$/.test(o.sessionName)) {
    throw new UsageError(`--session-name: "${o.sessionName}" is not valid for Alibaba Cloud STS (2 to 64 characters: letters, digits and . @ - _)`);
  }
  return region;
}

export const provider: Provider = {
  name: 'alibaba',
  validate(o) {
    validateAlibaba(o);
  },
  createAdapter(o) {
    return new AlibabaAdapter({
      bucket: o.bucket,
      prefix: o.prefix,
      region: resolveRegion(o),
      endpoint: o.endpoint,
      stsEndpoint: o.stsEndpoint,
      internal: o.internal,
      roleArn: o.roleArn,
      sessionName: o.sessionName,
      externalId: o.externalId,
      durationSeconds: o.durationSeconds,
      sessionPolicy: o.sessionPolicy,
      profile: o.profile,
      timeoutMs: o.timeoutMs,
      maxAttempts: o.maxAttempts,
    });
  },
  validateExplain(e) {
    if (e.explainProfile) {
      const p = alibabaProfileExists(e.explainProfile);
      if (!p.exists) throw new UsageError(`--explain-profile: no profile "${e.explainProfile}" in ${p.files.join(' or ')}`);
    }
    if (e.store) {
      try {
        storeSemantics('alibaba', e.store);
      } catch (err) {
        throw new UsageError(`--store: ${(err as Error).message}`);
      }
    }
    if (e.rcpFiles.length) throw new UsageError('--rcp does not apply to Alibaba Cloud (it has no resource control policies); pass Resource Directory control policies with --scp');
    if (e.sourceVpce) throw new UsageError('--source-vpce does not apply to Alibaba Cloud; use --source-vpc');
  },
  createExplainer(adapter, o, e) {
    return new AlibabaExplainer(adapter as AlibabaAdapter, {
      bucket: o.bucket,
      prefix: o.prefix,
      region: resolveRegion(o),
      endpoint: o.endpoint,
      timeoutMs: o.timeoutMs,
      roleArn: o.roleArn,
      sessionName: o.sessionName,
      externalId: o.externalId,
      sessionPolicy: o.sessionPolicy,
      explainProfile: e.explainProfile,
      sourceIp: e.sourceIp,
      sourceVpc: e.sourceVpc,
      callerArn: e.callerArn,
      scpFiles: e.scpFiles,
    });
  },
};
