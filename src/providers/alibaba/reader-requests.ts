// The OSS requests of the reader checks (src/core/reader-steps.ts, issue 15), through the real ali-oss
// client; the adapter wraps each in its classified call. Read-only: nothing here writes a configuration.
// Mirrors src/providers/aws/reader-requests.ts. The RAM action of each is in actions.ts, with its page.
// - GetObjectTagging (`GET /<key>?tagging`) and GetObjectACL (`GET /<key>?acl`) of the current version
//   (no versionId): https://www.alibabacloud.com/help/doc-detail/114878.html,
//   https://www.alibabacloud.com/help/doc-detail/31987.html. An object without tags answers an empty
//   <TagSet/>; one without an ACL of its own answers <Grant>default</Grant> (it follows the bucket ACL).
// - GetObject with versionId (`GET /<key>?versionId=`), authorised as oss:GetObjectVersion
//   (https://www.alibabacloud.com/help/en/oss/developer-reference/download-objects-16, "Permissions").
// - GetBucketLocation (`GET /?location`): <LocationConstraint>oss-cn-hangzhou</LocationConstraint>
//   (https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketlocation).
// - GetBucketTags (`GET /?tagging`): "If no tags are configured for the bucket, an XML message body is
//   returned in which the Tagging element is empty" (https://www.alibabacloud.com/help/en/oss/developer-reference/getbuckettags):
//   200, allowed.
// - ListBucketInventory (`GET /?inventory`, no inventory id, unlike GetBucketInventory): a bucket with
//   no inventory answers 404 NoSuchInventory (observed on real OSS, recorded in
//   github.com/rambow-cloud/alicloud-go-sdk-x "OSS source verification", 2026-10-10): the request was
//   authorised, so it counts as answered; <ListInventoryConfigurationsResult> otherwise
//   (https://www.alibabacloud.com/help/en/oss/developer-reference/listbucketinventory).
// A 2xx answer whose XML root is not the document asked for (a store that ignores the sub-resource and
// answers the plain GET) is reported as `unanswered`, never as allowed.

import type OSS from 'ali-oss';
import type { ReadDigest } from '../../core/adapter.js';
import { sha256 } from '../../core/canary.js';

/** A read whose answer was not the document asked for: why (the plan reports it as an error). */
export interface Answered {
  unanswered?: string;
}

/** The ali-oss methods these requests use that @types/ali-oss leaves out or types loosely. */
interface ReaderClient {
  getObjectTagging(name: string, options?: Record<string, unknown>): Promise<{ res: { data?: unknown } }>;
  getACL(name: string, options?: Record<string, unknown>): Promise<{ res: { data?: unknown } }>;
  getBucketLocation(name: string): Promise<{ res: { data?: unknown } }>;
  getBucketTags(name: string): Promise<{ res: { data?: unknown } }>;
  listBucketInventory(name: string, options?: Record<string, unknown>): Promise<{ res: { data?: unknown } }>;
  get(name: string, options: Record<string, unknown>): Promise<{ content?: unknown }>;
}

const client = (oss: OSS): ReaderClient => oss as unknown as ReaderClient;

/** The root element of a raw XML body (urllib keeps it on `res.data` even when ali-oss parsed it). */
export function xmlRoot(data: unknown): string | undefined {
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : typeof data === 'string' ? data : undefined;
  if (text === undefined) return undefined;
  return /<([A-Za-z][\w.-]*)[\s>/]/.exec(text.replace(/<\?[^>]*\?>/g, ''))?.[1] ?? '';
}

/**
 * `unanswered` when the body's root is not `root`; nothing when it is. ali-oss 6.23 keeps the raw body
 * on `res.data` for every request here (urllib's response), so a body that is not there is not taken
 * for an answer either.
 */
export function checkedRoot(data: unknown, root: string, api: string): Answered {
  const seen = xmlRoot(data);
  if (seen === root) return {};
  if (seen === undefined) return { unanswered: `the ${api} answer's body was not available to check that it is <${root}>: not counted as an answer` };
  return { unanswered: `the store answered ${api} with <${seen || 'an empty body'}>, not <${root}>: it does not implement ${api} (the request was neither allowed nor denied as such)` };
}

export async function getObjectTagging(oss: OSS, key: string): Promise<Answered> {
  const r = await client(oss).getObjectTagging(key, {});
  return checkedRoot(r.res.data, 'Tagging', 'GetObjectTagging');
}

export async function getObjectAcl(oss: OSS, key: string): Promise<Answered> {
  const r = await client(oss).getACL(key, {});
  return checkedRoot(r.res.data, 'AccessControlPolicy', 'GetObjectACL');
}

export async function getObjectVersion(oss: OSS, key: string, versionId: string): Promise<{ read: ReadDigest }> {
  const r = await client(oss).get(key, { versionId });
  const content: unknown = r.content;
  const body = Buffer.isBuffer(content) ? content : Buffer.from(String(content ?? ''));
  return { read: { size: body.length, sha256: sha256(body) } };
}

export async function getBucketLocation(oss: OSS, bucket: string): Promise<Answered> {
  const r = await client(oss).getBucketLocation(bucket);
  return checkedRoot(r.res.data, 'LocationConstraint', 'GetBucketLocation');
}

export async function getBucketTagging(oss: OSS, bucket: string): Promise<Answered> {
  const r = await client(oss).getBucketTags(bucket);
  return checkedRoot(r.res.data, 'Tagging', 'GetBucketTags');
}

export async function getInventoryConfiguration(oss: OSS, bucket: string): Promise<Answered> {
  try {
    const r = await client(oss).listBucketInventory(bucket, {});
    return checkedRoot(r.res.data, 'ListInventoryConfigurationsResult', 'ListBucketInventory');
  } catch (err) {
    // No inventory configured: the request itself was authorised.
    if ((err as { code?: unknown }).code === 'NoSuchInventory') return {};
    throw err;
  }
}
