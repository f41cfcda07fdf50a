// The OSS side of the reader checks (issue 15, Deliver item 5): the RAM action and request record of
// each (src/providers/alibaba/actions.ts, request.ts), the answer check of reader-requests.ts (a 2xx
// that is not the document asked for is never an allow), and the OSS test server's RAM policy
// decisions (test/oss-server/reader.ts), which the integration test oss-sources.test.ts relies on.
import t from 'tap';
import type { Operation } from '../../src/core/adapter.js';
import { buildPlan } from '../../src/core/plan.js';
import { OSS_ACTIONS } from '../../src/providers/alibaba/actions.js';
import { checkedRoot, xmlRoot } from '../../src/providers/alibaba/reader-requests.js';
import { describeOssRequest } from '../../src/providers/alibaba/request.js';
import { conditionKeys, parseTagging, ramDecision } from '../oss-server/reader.js';
import { ramActionOf } from '../oss-server/state.js';
import { MemoryAdapter } from '../helpers/memory-adapter.js';

const ACCT = '1234567890123456';
const ROLE = `acs:ram::${ACCT}:role/backup-reader`;
const READERS: [string, Operation, string, 'object' | 'bucket'][] = [
  ['get-object-tagging', 'getObjectTagging', 'oss:GetObjectTagging', 'object'],
  ['get-object-acl', 'getObjectAcl', 'oss:GetObjectAcl', 'object'],
  ['get-object-version', 'getObjectVersion', 'oss:GetObjectVersion', 'object'],
  ['list-bucket-versions', 'listObjectVersions', 'oss:ListObjectVersions', 'bucket'],
  ['get-bucket-versioning', 'getBucketVersioning', 'oss:GetBucketVersioning', 'bucket'],
  ['get-bucket-location', 'getBucketLocation', 'oss:GetBucketLocation', 'bucket'],
  ['get-bucket-tagging', 'getBucketTagging', 'oss:GetBucketTagging', 'bucket'],
  ['get-inventory-configuration', 'getInventoryConfiguration', 'oss:GetBucketInventory', 'bucket'],
];

t.test('each reader check: the documented RAM action, on the object or the bucket', async (t) => {
  const ids = Object.fromEntries(READERS.map(([id]) => [id, 'allow' as const]));
  const plan = buildPlan(new MemoryAdapter(), { prefix: 'db/', runId: 'R1', partSize: 5 * 1024 * 1024, quick: false, assume: true, expectations: { ...ids, 'put-object': 'allow' } });
  for (const [id, op, action, level] of READERS) {
    t.equal(OSS_ACTIONS[op], action, `${op} is ${action}`);
    const step = plan.steps.find((s) => s.id === id)!;
    t.equal(step.op, op, id);
    const r = describeOssRequest({ bucket: 'src', region: 'cn-hangzhou', roleArn: ROLE, externalId: null }, op, step.sent);
    t.equal(r.action, action, `${id}: ${action}`);
    if (level === 'bucket') t.equal(r.resource, `acs:oss:cn-hangzhou:${ACCT}:src`, `${id}: the bucket`);
    else t.match(r.resource, new RegExp(`^acs:oss:cn-hangzhou:${ACCT}:src/db/\\.backup-canary/R1/`), `${id}: the canary object`);
    t.same(r.context, {}, `${id}: no condition key is set`);
  }
  t.equal(OSS_ACTIONS.getBucketNotification, '', 'OSS has no bucket notification configuration: no action, the check is skipped');
  t.not(OSS_ACTIONS.getObjectVersion, OSS_ACTIONS.getObject, 'a read by version id is not oss:GetObject');
});

t.test('the answer check: the XML root must be the document asked for', async (t) => {
  t.equal(xmlRoot(Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<Tagging><TagSet/></Tagging>')), 'Tagging');
  t.equal(xmlRoot('<LocationConstraint>oss-cn-hangzhou</LocationConstraint >'), 'LocationConstraint');
  t.equal(xmlRoot(Buffer.alloc(0)), '', 'an empty body has no root');
  t.equal(xmlRoot(undefined), undefined, 'no body kept: nothing to check');
  t.same(checkedRoot(Buffer.from('<Tagging></Tagging>'), 'Tagging', 'GetBucketTags'), {}, 'an empty Tagging is the documented "no tags" answer');
  const listing = checkedRoot(Buffer.from('<?xml version="1.0"?><ListBucketResult><Name>b</Name></ListBucketResult>'), 'ListInventoryConfigurationsResult', 'ListBucketInventory');
  t.match(listing.unanswered, /answered ListBucketInventory with <ListBucketResult>, not <ListInventoryConfigurationsResult>: it does not implement ListBucketInventory/);
  t.match(checkedRoot(Buffer.alloc(0), 'AccessControlPolicy', 'GetObjectACL').unanswered, /with <an empty body>/);
  t.match(checkedRoot({ AccessControlList: {} }, 'AccessControlPolicy', 'GetObjectACL').unanswered, /body was not available/, 'a parsed body, not the raw one: never an answer');
});

t.test('the test server authorises GetObject with versionId as oss:GetObjectVersion, and nothing else changes', async (t) => {
  t.equal(ramActionOf('GetObject', 'oss', true), 'oss:GetObjectVersion');
  t.equal(ramActionOf('GetObject', 'oss', false), 'oss:GetObject');
  t.equal(ramActionOf('HeadObject', 'oss', true), 'oss:GetObject', 'HeadObject by version: not documented otherwise, unchanged');
  t.equal(ramActionOf('ListBucketInventory', 'oss'), 'oss:GetBucketInventory');
  t.equal(ramActionOf('GetBucketTags', 'oss'), 'oss:GetBucketTagging');
  t.equal(ramActionOf('GetObjectACL', 'oss'), 'oss:GetObjectAcl');
});

t.test('the test server\'s RAM decisions: Allow needed, Deny wins, wildcards, listing conditions, unknown conditions refused', async (t) => {
  const obj = `acs:oss:cn-hangzhou:${ACCT}:src/db/x.bin`;
  const allow = { Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:Get*'], Resource: [`acs:oss:*:${ACCT}:src/db/*`] }] };
  t.equal(ramDecision([allow], 'oss:GetObjectVersion', obj, {}), 'allow');
  t.equal(ramDecision([allow], 'oss:getobjectacl', obj, {}), 'allow', 'action names are case-insensitive');
  t.equal(ramDecision([allow], 'oss:PutObject', obj, {}), 'implicit', 'no Allow: implicit');
  t.equal(ramDecision([allow], 'oss:GetObject', `acs:oss:cn-hangzhou:${ACCT}:src/other/x.bin`, {}), 'implicit', 'outside the resource');
  const deny = { Version: '1', Statement: { Effect: 'Deny', Action: 'oss:GetObjectVersion', Resource: '*' } };
  t.equal(ramDecision([allow, deny], 'oss:GetObjectVersion', obj, {}), 'explicit', 'a Deny wins over an Allow, in any policy');
  t.equal(ramDecision([JSON.stringify(allow)], 'oss:GetObject', obj, {}), 'allow', 'JSON text is read too');
  const list = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:ListObjects', Resource: `acs:oss:*:*:src`, Condition: { StringLike: { 'oss:Prefix': ['db/', 'db/*'] } } }] };
  const bucket = `acs:oss:cn-hangzhou:${ACCT}:src`;
  t.equal(ramDecision([list], 'oss:ListObjects', bucket, conditionKeys('ListObjectsV2', new Map([['prefix', 'db/.backup-canary/']]))), 'allow');
  t.equal(ramDecision([list], 'oss:ListObjects', bucket, conditionKeys('ListObjectsV2', new Map([['prefix', 'etc/']]))), 'implicit');
  t.equal(ramDecision([list], 'oss:ListObjects', bucket, {}), 'implicit', 'a condition on a key the request does not carry does not hold');
  const odd = { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } } }] };
  t.throws(() => ramDecision([odd], 'oss:GetObject', obj, {}), /RAM condition operator IpAddress is not supported/, 'never a silent allow on a condition it cannot evaluate');
  t.same(parseTagging('team=data&env=prod%20eu'), { team: 'data', env: 'prod eu' });
  t.equal(parseTagging(undefined), undefined);
});
