// Reading RGW's beast access log (test/helpers/rgw-access-log.ts), which the real-client test uses to
// find the request that stopped restic or rclone. The lines are copied from a Ceph Pacific 16.2.15 run.
import t from 'tap';
import { forBucket, logTime, parseAccessLog, requestAction, requestKey, shortRequest } from '../helpers/rgw-access-log.js';
import { TOLERATED_DENIALS } from '../helpers/real-clients.js';

const LOG = `2026-12-01T21:23:37.969+0000 7f5f3d7a26c0  1 ====== req done req=0x7f5fc84916e0 op status=0 http_status=200 latency=0.000000000s ======
2026-12-01T21:23:37.969+0000 7f5f3d7a26c0  1 beast: 0x7f5fc84916e0: 127.0.0.1 - backup-operator [01/Dec/2026:21:23:37.969 +0000] "POST / HTTP/1.1" 200 865 - "aws-sdk-js/3.1168.0 ua/2.1 api/sts#3.1168.0" - latency=0.000000000s
2026-12-01T21:23:38.085+0000 7f5f2cf816c0  1 beast: 0x7f5fc84916e0: 127.0.0.1 - backup-operator [01/Dec/2026:21:23:38.085 +0000] "PUT /backups-locked/nightly/.seed-check-ebb05182?x-id=PutObject HTTP/1.1" 403 243 - "aws-sdk-js/3.1168.0 ua/2.1 api/s3#3.1168.0" - latency=0.000000000s
2026-12-01T21:24:01.801+0000 7f5e7a61c6c0  1 beast: 0x7f5fc84916e0: 127.0.0.1 - backup-operator [01/Dec/2026:21:24:01.781 +0000] "HEAD /backups-demo/ HTTP/1.1" 403 0 - "MinIO (linux; amd64) minio-go/v7.0.46" - latency=0.000000000s
2026-12-01T21:24:10.101+0000 7f5f537ce6c0  1 beast: 0x7f5fc84916e0: 127.0.0.1 - backup-operator [01/Dec/2026:21:24:10.097 +0000] "GET /backups-demo?delimiter=&max-keys=1000&prefix=nightly%2Frclone%2F HTTP/1.1" 200 512 - "rclone/v1.60.1-DEV" - latency=0.004000000s
2026-12-01T21:24:10.102+0000 7f5f537ce6c0  1 beast: 0x7f5fc84916e0: 127.0.0.1 - backup-operator [01/Dec/2026:21:24:10.100 +0000] "GET /backups-demo-2/x HTTP/1.1" 200 1 - "rclone/v1.60.1-DEV" - latency=0.004000000s
`;

t.test('parses beast lines and nothing else', async (t) => {
  const entries = parseAccessLog(LOG);
  t.equal(entries.length, 5);
  t.match(entries[2], { method: 'HEAD', target: '/backups-demo/', status: 403, user: 'backup-operator', client: '127.0.0.1', userAgent: /minio-go/ });
  t.equal(entries[2]!.at, Date.UTC(2026, 11, 1, 21, 24, 1, 781));
  t.equal(forBucket(entries, 'backups-demo').length, 2, 'a bucket whose name starts the same is not this bucket');
});

t.test('log timestamps with an offset', async (t) => {
  t.equal(logTime('01/Dec/2026:23:24:01.5 +0200'), Date.UTC(2026, 11, 1, 21, 24, 1, 500));
  t.ok(Number.isNaN(logTime('2026-12-01 21:24')));
  t.ok(Number.isNaN(logTime('01/Foo/2026:21:24:01 +0000')));
});

t.test('each request maps to the IAM action S3 authorises it as', async (t) => {
  const cases: [string, string, string][] = [
    ['HEAD', '/b/', 's3:ListBucket'],
    ['HEAD', '/b', 's3:ListBucket'],
    ['GET', '/b/?delimiter=%2F&list-type=2&prefix=p%2Fkeys%2F', 's3:ListBucket'],
    ['GET', '/b?delimiter=&max-keys=1000&prefix=p%2F', 's3:ListBucket'],
    ['GET', '/b/?location=', 's3:GetBucketLocation'],
    ['GET', '/b?uploads', 's3:ListBucketMultipartUploads'],
    ['GET', '/b?versions', 's3:ListBucketVersions'],
    ['GET', '/b?policy', 's3:GetBucketPolicy'],
    ['GET', '/b?acl', 's3:GetBucketAcl'],
    ['GET', '/b?versioning', 's3:GetBucketVersioning'],
    ['GET', '/b?object-lock', 's3:GetBucketObjectLockConfiguration'],
    ['POST', '/b?delete', 's3:DeleteObject'],
    ['PUT', '/b', 's3:CreateBucket'],
    ['PUT', '/b?policy', 's3:PutBucketPolicy'],
    ['DELETE', '/b?policy', 's3:DeleteBucketPolicy'],
    ['DELETE', '/b', 's3:DeleteBucket'],
    ['OPTIONS', '/b', 'unknown (OPTIONS bucket)'],
    ['HEAD', '/b/p/config', 's3:GetObject'],
    ['GET', '/b/p/data/ab/abcdef', 's3:GetObject'],
    ['GET', '/b/p/k?uploadId=2~x', 's3:ListMultipartUploadParts'],
    ['GET', '/b/p/k?acl', 's3:GetObjectAcl'],
    ['HEAD', '/b/p/k?versionId=abc', 's3:GetObjectVersion'],
    ['GET', '/b/p/k?versionId=abc', 's3:GetObjectVersion'],
    ['DELETE', '/b/p/k?versionId=abc', 's3:DeleteObjectVersion'],
    ['GET', '/b/p/k?tagging', 's3:GetObjectTagging'],
    ['PUT', '/b/p/k', 's3:PutObject'],
    ['PUT', '/b/p/k?partNumber=1&uploadId=2~x', 's3:PutObject'],
    ['PUT', '/b/p/k?acl', 's3:PutObjectAcl'],
    ['PUT', '/b/p/k?tagging', 's3:PutObjectTagging'],
    ['POST', '/b/p/k?uploads=', 's3:PutObject'],
    ['POST', '/b/p/k?uploadId=2~x', 's3:PutObject'],
    ['DELETE', '/b/p/k?uploadId=2~x', 's3:AbortMultipartUpload'],
    ['DELETE', '/b/p/locks/abc', 's3:DeleteObject'],
    ['PATCH', '/b/p/k', 'unknown (PATCH object)'],
    ['POST', '/', 'sts:AssumeRole'],
    ['GET', '/', 's3:ListAllMyBuckets'],
  ];
  for (const [method, target, action] of cases) t.equal(requestAction(method, target), action, `${method} ${target}`);
});

t.test('keys and short forms for the table', async (t) => {
  t.equal(requestKey('/b/p%2Frclone?x=1'), 'p/rclone');
  t.equal(requestKey('/b/'), '');
  t.equal(requestKey('/b/%E0%A4%A'), '%E0%A4%A', 'a broken escape stays as sent');
  t.equal(shortRequest({ method: 'GET', target: '/b/?delimiter=%2F&encoding-type=url&fetch-owner=true&list-type=2&prefix=p%2Fkeys%2F' }), 'GET /b/?delimiter=/&prefix=p/keys/');
  t.equal(shortRequest({ method: 'GET', target: '/b?delimiter=&max-keys=1000&prefix=p%2F' }), 'GET /b?delimiter=&prefix=p/');
  t.equal(shortRequest({ method: 'DELETE', target: '/b/p/locks/bbebbeca78aa00112233445566778899' }), 'DELETE /b/p/locks/bbebbeca…');
  t.equal(shortRequest({ method: 'PUT', target: '/b/k?partNumber=2&uploadId=2~abc' }), 'PUT /b/k?partNumber=2&uploadId=…');
  t.equal(shortRequest({ method: 'HEAD', target: '/b/k?versionId=vSeF9jb69e' }), 'HEAD /b/k?versionId=…');
});

t.test('denials the clients are known to survive are narrow', async (t) => {
  const restic = (d: { method: string; key: string; action: string }) => TOLERATED_DENIALS.restic.some((x) => x.matches({ ...d, path: 'p/restic' }));
  const rclone = (d: { method: string; key: string; action: string }) => TOLERATED_DENIALS.rclone.some((x) => x.matches({ ...d, path: 'p/rclone' }));
  t.ok(restic({ method: 'GET', key: '', action: 's3:GetBucketLocation' }));
  t.notOk(restic({ method: 'HEAD', key: '', action: 's3:ListBucket' }));
  t.notOk(restic({ method: 'HEAD', key: 'p/restic/config', action: 's3:GetObject' }));
  t.ok(rclone({ method: 'HEAD', key: 'p/rclone', action: 's3:GetObject' }));
  t.notOk(rclone({ method: 'HEAD', key: 'p/rclone/a.txt', action: 's3:GetObject' }), 'the HEAD after an upload is not survived');
  t.notOk(rclone({ method: 'GET', key: 'p/rclone', action: 's3:GetObject' }));
  t.ok(rclone({ method: 'HEAD', key: 'p/rclone/a.txt', action: 's3:GetObjectVersion' }), 'the read-back of a written version');
  t.notOk(rclone({ method: 'HEAD', key: 'other/a.txt', action: 's3:GetObjectVersion' }));
  t.notOk(rclone({ method: 'GET', key: 'p/rclone/a.txt', action: 's3:GetObjectVersion' }));
});
