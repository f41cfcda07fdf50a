// The S3 requests of the reader checks (src/core/reader-steps.ts, issue 15); the adapter wraps each in
// its classified call. Read-only: nothing here writes a configuration.
// - GetObjectTagging / GetObjectAcl of the current version (no versionId: s3:GetObjectTagging,
//   s3:GetObjectAcl; with one they would be s3:GetObjectVersionTagging / s3:GetObjectVersionAcl).
// - GetObject with VersionId: s3:GetObjectVersion (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
// - GetBucketTagging answers NoSuchTagSet when the bucket has no tags: the request was authorised
//   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html).
// - GetBucketNotificationConfiguration (s3:GetBucketNotification) answers an empty configuration when none is set.
// - ListBucketInventoryConfigurations is authorised as s3:GetInventoryConfiguration
//   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBucketInventoryConfigurations.html); it
//   needs no configuration id, unlike GetBucketInventoryConfiguration.
// Ownership evidence (src/core/bucket.ts; read once, not checks):
// - GetBucketOwnershipControls (s3:GetBucketOwnershipControls) answers <OwnershipControls><Rule>
//   <ObjectOwnership>; 404 OwnershipControlsNotFoundError ("The bucket ownership controls were not
//   found") when the bucket has none: "The bucket was created before the BucketOwnerEnforced ownership
//   setting was introduced and you've never explicitly applied this value", or it was deleted with
//   DeleteBucketOwnershipControls; "By default, Amazon S3 sets OwnershipControls for all newly created
//   buckets" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketOwnershipControls.html):
//   since April 2023 new buckets get BucketOwnerEnforced (https://aws.amazon.com/blogs/aws/heads-up-amazon-s3-security-changes-are-coming-in-april-of-2023/).
// - GetBucketAcl (s3:GetBucketAcl) / GetObjectAcl: <AccessControlPolicy><Owner><ID> is the bucket's /
//   object's owner (canonical user id); "Requests to read ACLs are still supported" with ACLs disabled
//   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html).

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketTaggingCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListBucketInventoryConfigurationsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { AclOwner, ObjectOwnershipSetting, OpMeta, OwnerAnswer, OwnershipAnswer, ReadDigest } from '../../core/adapter.js';

/** A read whose answer was not the configuration asked for: why (the plan reports it as an error). */
export type ConfigMeta = OpMeta & { unanswered?: string };

/**
 * Checks that a successful answer is the document the request asks for (its XML root element): an
 * S3-compatible store that does not implement a bucket sub-resource may ignore `?inventory` and answer
 * the plain GET on the bucket, a ListBucketResult the SDK would read as an empty configuration. Runs
 * inside the deserializer (priority low), reads the raw body and hands the SDK the same bytes.
 */
function expectRoot(cmd: { middlewareStack: unknown }, root: string, seen: { root?: string }): void {
  (cmd.middlewareStack as { add: (m: unknown, o: unknown) => void }).add(
    (next: (a: unknown) => Promise<{ response: { statusCode?: number; body?: unknown } }>) => async (args: unknown) => {
      const out = await next(args);
      const res = out.response;
      if ((res.statusCode ?? 0) < 300 && res.body && typeof (res.body as Readable).on === 'function') {
        const chunks: Buffer[] = [];
        for await (const c of res.body as Readable) chunks.push(Buffer.from(c as Uint8Array));
        const text = Buffer.concat(chunks).toString('utf8');
        seen.root = /<([A-Za-z][\w.-]*)[\s>/]/.exec(text.replace(/<\?[^>]*\?>/g, ''))?.[1] ?? '';
        res.body = Readable.from([Buffer.from(text)]);
      }
      return out;
    },
    { step: 'deserialize', priority: 'low', name: `expectRoot${root}` },
  );
}

function checkedRoot(seen: { root?: string }, root: string, api: string): string | undefined {
  if (seen.root === undefined || seen.root === root) return undefined;
  return `the store answered ${api} with <${seen.root || 'an empty body'}>, not <${root}>: it does not implement ${api} (the request was neither allowed nor denied as such)`;
}
import { evidenceFromError } from './classify.js';

function meta(r: { $metadata: { attempts?: number } }): OpMeta {
  return { retries: Math.max(0, (r.$metadata.attempts ?? 1) - 1) };
}

/** Send a configuration read and check that the answer is the document asked for. */
async function sendChecked(s3: S3Client, cmd: { middlewareStack: unknown }, root: string, api: string): Promise<ConfigMeta> {
  return (await sendCheckedOutput(s3, cmd, root, api)).meta;
}

/** The same, with the SDK's output (what the document says). */
async function sendCheckedOutput<T>(s3: S3Client, cmd: { middlewareStack: unknown }, root: string, api: string): Promise<{ meta: ConfigMeta; out: T }> {
  const seen: { root?: string } = {};
  expectRoot(cmd, root, seen);
  const out = (await s3.send(cmd as never)) as T & { $metadata: { attempts?: number } };
  const r = meta(out);
  const why = checkedRoot(seen, root, api);
  return { meta: why ? { ...r, unanswered: why } : r, out };
}

/** The <Owner> of an ACL document (ID; DisplayName only where S3 still sends it). */
function ownerOf(o: { ID?: string; DisplayName?: string } | undefined): AclOwner | null {
  if (!o?.ID) return null;
  return o.DisplayName ? { id: o.ID, displayName: o.DisplayName } : { id: o.ID };
}

const SETTINGS: readonly ObjectOwnershipSetting[] = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];

export async function getObjectTagging(s3: S3Client, bucket: string, key: string): Promise<ConfigMeta> {
  return sendChecked(s3, new GetObjectTaggingCommand({ Bucket: bucket, Key: key }), 'Tagging', 'GetObjectTagging');
}

export async function getObjectAcl(s3: S3Client, bucket: string, key: string): Promise<ConfigMeta & { owner: AclOwner | null }> {
  const r = await sendCheckedOutput<{ Owner?: { ID?: string; DisplayName?: string } }>(s3, new GetObjectAclCommand({ Bucket: bucket, Key: key }), 'AccessControlPolicy', 'GetObjectAcl');
  return { ...r.meta, owner: r.meta.unanswered ? null : ownerOf(r.out.Owner) };
}

export async function getBucketOwner(s3: S3Client, bucket: string): Promise<OwnerAnswer> {
  const r = await sendCheckedOutput<{ Owner?: { ID?: string; DisplayName?: string } }>(s3, new GetBucketAclCommand({ Bucket: bucket }), 'AccessControlPolicy', 'GetBucketAcl');
  return { ...r.meta, owner: r.meta.unanswered ? null : ownerOf(r.out.Owner) };
}

export async function getBucketOwnershipControls(s3: S3Client, bucket: string): Promise<OwnershipAnswer> {
  let r;
  try {
    r = await sendCheckedOutput<{ OwnershipControls?: { Rules?: { ObjectOwnership?: string }[] } }>(
      s3, new GetBucketOwnershipControlsCommand({ Bucket: bucket }), 'OwnershipControls', 'GetBucketOwnershipControls',
    );
  } catch (err) {
    // No setting stored: the request itself was authorised (404 OwnershipControlsNotFoundError).
    if (evidenceFromError(err).code === 'OwnershipControlsNotFoundError') return { retries: 0, setting: null };
    throw err;
  }
  if (r.meta.unanswered) return { ...r.meta, setting: null };
  const value = r.out.OwnershipControls?.Rules?.[0]?.ObjectOwnership;
  const setting = SETTINGS.find((x) => x === value);
  if (!setting) return { ...r.meta, setting: null, unanswered: `the store answered GetBucketOwnershipControls with ObjectOwnership ${JSON.stringify(value ?? '')}, not one of ${SETTINGS.join(', ')}` };
  return { ...r.meta, setting };
}

export async function getObjectVersion(s3: S3Client, bucket: string, key: string, versionId: string): Promise<OpMeta & { read: ReadDigest }> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of (r.Body as AsyncIterable<Uint8Array> | undefined) ?? []) {
    h.update(chunk);
    size += chunk.length;
  }
  return { ...meta(r), read: { size, sha256: h.digest('hex') } };
}

export async function getBucketLocation(s3: S3Client, bucket: string): Promise<ConfigMeta> {
  return sendChecked(s3, new GetBucketLocationCommand({ Bucket: bucket }), 'LocationConstraint', 'GetBucketLocation');
}

export async function getBucketTagging(s3: S3Client, bucket: string): Promise<ConfigMeta> {
  try {
    return await sendChecked(s3, new GetBucketTaggingCommand({ Bucket: bucket }), 'Tagging', 'GetBucketTagging');
  } catch (err) {
    // No tags set: the request itself was authorised (AWS and RGW: 404 NoSuchTagSet).
    if (evidenceFromError(err).code === 'NoSuchTagSet') return { retries: 0 };
    throw err;
  }
}

export async function getBucketNotification(s3: S3Client, bucket: string): Promise<ConfigMeta> {
  return sendChecked(s3, new GetBucketNotificationConfigurationCommand({ Bucket: bucket }), 'NotificationConfiguration', 'GetBucketNotificationConfiguration');
}

export async function getInventoryConfiguration(s3: S3Client, bucket: string): Promise<ConfigMeta> {
  return sendChecked(s3, new ListBucketInventoryConfigurationsCommand({ Bucket: bucket }), 'ListInventoryConfigurationsResult', 'ListBucketInventoryConfigurations');
}
