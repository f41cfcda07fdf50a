// The generator's note on a backup source's put-object (issue 15): a definition that reads a bucket
// (any reader request of src/core/reader-steps.ts) and writes nothing but put-object has put-object
// only to make the canary its reads read. Without a writer the role needs s3:PutObject and the
// cleanup's deletes for that alone; with a writer (`policy --writer`, `probe --writer-role`) it needs
// none of them, and the writer does.

import type { Operation } from '../core/adapter.js';
import type { Expectation } from '../core/model.js';

const READER_OPS: readonly Operation[] = ['getObjectTagging', 'getObjectAcl', 'getObjectVersion', 'listObjectVersions', 'getBucketLocation', 'getBucketTagging', 'getBucketNotification', 'getInventoryConfiguration'];
const WRITE_OPS: readonly Operation[] = ['putObject', 'createMultipartUpload', 'uploadPart', 'completeMultipartUpload', 'abortMultipartUpload', 'deleteObject', 'deleteObjectVersion', 'putObjectRetention'];

export function backupSourceNote(checks: { id: string; op: Operation; expect: Expectation }[], actions: Record<Operation, string>, writer: boolean): string[] {
  const reads = checks.some((c) => c.expect !== 'deny' && READER_OPS.includes(c.op));
  const onlyPut = checks.filter((c) => c.expect === 'allow' && WRITE_OPS.includes(c.op)).every((c) => c.id === 'put-object');
  if (!reads || !onlyPut || !checks.some((c) => c.id === 'put-object')) return [];
  return [
    writer
      ? `With a writer (probe --writer-role / --writer-profile), put-object is the writer's put: the role gets no ${actions.putObject} and no cleanup delete of the canary. The writer needs ${actions.putObject} on the prefix (with the canned ACL it sends, --writer-acl) and ${actions.deleteObject}${actions.deleteObjectVersion ? ` (${actions.deleteObjectVersion} on a versioned bucket)` : ''} to remove what it put.`
      : `${actions.putObject} (put-object) and the cleanup's deletes are included only because the probed role writes the canary its reads read: a reader needs none of them. Probe with a writer (--writer-role / --writer-profile) and generate with --writer to leave them out.`,
  ];
}
