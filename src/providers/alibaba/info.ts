// The Alibaba Cloud provider (OSS, RAM and STS) as far as it is known without loading an SDK: its
// names, its ARNs, the flag it adds and its validation. index.ts adds the adapter and the explainer.

import { UsageError } from '../../core/model.js';
import type { CommonTargetOptions, ProviderInfo } from '../../core/provider.js';
import { rulesOf } from '../../explain/dialects/index.js';
import { alibabaProfileExists } from './profiles.js';
import { validateRegion } from '../../core/target.js';
import { parseAcsRoleArn, parseRamRoleArn } from './arn.js';
import { policyFacts } from './policy-facts.js';

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

export const info: ProviderInfo = {
  name: 'alibaba',
  dialect: 'alibaba',
  policyKind: 'RAM policy',
  policy: policyFacts,
  arnScheme: 'acs:',
  parseRoleArn: parseRamRoleArn,
  // PutObject's x-oss-object-acl: default (inherit the bucket's), private, public-read, public-read-write
  // (https://www.alibabacloud.com/help/en/oss/user-guide/object-acl).
  cannedAcls: ['default', 'private', 'public-read', 'public-read-write'],
  validateWriter(w) {
    if (w.profile) {
      const p = alibabaProfileExists(w.profile);
      if (!p.exists) throw new UsageError(`--writer-profile: no profile "${w.profile}" in ${p.files.join(' or ')}`);
    }
  },
  flags: [
    {
      name: 'internal',
      option: 'internal',
      describe: 'Alibaba Cloud: use the -internal OSS endpoint and the sts-vpc STS endpoint of --region (for hosts inside that region)',
    },
  ],
  validate(o) {
    validateAlibaba(o);
  },
  validateExplain(e) {
    if (e.explainProfile) {
      const p = alibabaProfileExists(e.explainProfile);
      if (!p.exists) throw new UsageError(`--explain-profile: no profile "${e.explainProfile}" in ${p.files.join(' or ')}`);
    }
    if (e.store && !Object.hasOwn(rulesOf(info.dialect).stores, e.store)) {
      throw new UsageError(`--store: "${e.store}" is not a store of this provider (${Object.keys(rulesOf(info.dialect).stores).join(', ')})`);
    }
    if (e.rcpFiles.length) throw new UsageError('--rcp does not apply to Alibaba Cloud (it has no resource control policies); pass Resource Directory control policies with --scp');
    if (e.kmsKeyPolicyFile) throw new UsageError('--kms-key-policy applies to AWS only; on Alibaba Cloud the KMS permissions are in the RAM policies already read');
    if (e.sourceVpce) throw new UsageError('--source-vpce does not apply to Alibaba Cloud; use --source-vpc');
  },
};
