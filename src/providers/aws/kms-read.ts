// --explain's reads for the KMS key-policy layer (issue 12 item 4), with the explain credentials:
// - the bucket's default encryption, when the run's writes do not name their SSE-KMS key:
//   GetBucketEncryption (IAM action s3:GetEncryptionConfiguration; S3 API Reference
//   "GetBucketEncryption"): a rule with SSEAlgorithm `aws:kms` or `aws:kms:dsse` and its
//   KMSMasterKeyID is the key S3 uses for writes that send no encryption header;
// - the key policy of the key that decides: kms:GetKeyPolicy with PolicyName "default" (AWS KMS API
//   Reference "GetKeyPolicy": the only valid name is `default`; errors AccessDeniedException,
//   NotFoundException, ...), through @aws-sdk/client-kms.
// The KMS endpoint: AWS_ENDPOINT_URL_KMS or the profile's `services` kms entry (config.ts
// configuredKmsEndpoint), else AWS KMS in the key's region. A store with an --endpoint and no KMS
// endpoint configured is not sent to AWS: its KMS (Ceph RGW: Vault, Barbican, KMIP, none) is not
// the AWS KMS API, so nothing is read and the layer is undetermined (kms.ts kmsLayer).

import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { evidenceFromError } from './classify.js';
import { sourceCredentials } from './credentials.js';
import { withRawBody } from './raw-body.js';
import { reasonOf } from './policies.js';
import type { BucketEncryptionRead, KeyPolicyRead } from './kms.js';

export interface KmsReadOptions {
  bucket: string;
  region: string | null;
  endpoint: string | null;
  pathStyle: boolean;
  timeoutMs: number;
  profile: string | null;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

const handler = (o: KmsReadOptions) => withRawBody({ requestTimeout: o.timeoutMs, connectionTimeout: o.timeoutMs, throwOnRequestTimeout: true });

/** The bucket's default encryption rule: its algorithm and key id (null: none set, or not SSE-KMS). */
export async function readBucketEncryption(o: KmsReadOptions): Promise<BucketEncryptionRead> {
  const s3 = new S3Client({
    region: o.region ?? 'us-east-1',
    endpoint: o.endpoint ?? undefined,
    forcePathStyle: o.pathStyle,
    credentials: sourceCredentials(o),
    requestHandler: handler(o),
    maxAttempts: 2,
  });
  try {
    const r = await s3.send(new GetBucketEncryptionCommand({ Bucket: o.bucket }));
    const rule = (r.ServerSideEncryptionConfiguration?.Rules ?? []).map((x) => x.ApplyServerSideEncryptionByDefault).find((x) => x?.SSEAlgorithm);
    return { read: true, algorithm: rule?.SSEAlgorithm ?? null, keyId: rule?.KMSMasterKeyID ?? null };
  } catch (err) {
    // "GetBucketEncryption": a bucket without a configuration answers ServerSideEncryptionConfigurationNotFoundError
    if (evidenceFromError(err).code === 'ServerSideEncryptionConfigurationNotFoundError') return { read: true, algorithm: null, keyId: null };
    return { read: false, why: `GetBucketEncryption: ${reasonOf(err)}` };
  } finally {
    s3.destroy();
  }
}

/** kms:GetKeyPolicy (PolicyName "default") of `keyId` at `endpoint` (null: AWS KMS of `region`). */
export async function readKeyPolicy(keyId: string, region: string, endpoint: string | null, o: KmsReadOptions): Promise<KeyPolicyRead> {
  // loaded only when a key policy is read: an AWS probe without --explain (or without SSE-KMS) never pays for it
  const { GetKeyPolicyCommand, KMSClient } = await import('@aws-sdk/client-kms');
  const kms = new KMSClient({
    region,
    endpoint: endpoint ?? undefined,
    credentials: sourceCredentials(o),
    requestHandler: handler(o),
    maxAttempts: 2,
  });
  try {
    const r = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }));
    if (!r.Policy) return { why: 'kms:GetKeyPolicy answered without a Policy' };
    return { document: r.Policy };
  } catch (err) {
    return { why: `kms:GetKeyPolicy: ${reasonOf(err)}` };
  } finally {
    kms.destroy();
  }
}
