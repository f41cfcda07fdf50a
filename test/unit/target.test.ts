import t from 'tap';
import { UsageError } from '../../src/core/model.js';
import {
  normalisePrefix,
  parseSize,
  validateBucket,
  validateDuration,
  validateEndpoint,
  validateExternalId,
  validatePartSize,
  validateRegion,
  validateSessionName,
} from '../../src/core/target.js';
import { parseAwsRoleArn } from '../../src/providers/aws/arn.js';

t.test('prefix normalisation', async (t) => {
  t.equal(normalisePrefix('db/nightly', false), 'db/nightly/');
  t.equal(normalisePrefix('/db/nightly/', false), 'db/nightly/');
  t.equal(normalisePrefix('//x', false), 'x/');
  t.equal(normalisePrefix('', true), '');
  t.throws(() => normalisePrefix('', false), { message: /--allow-bucket-root/ });
  t.throws(() => normalisePrefix('/', false), { message: /--allow-bucket-root/ });
  t.throws(() => normalisePrefix('a/../b', false), UsageError);
  t.throws(() => normalisePrefix('..', false), { message: /\.\./ });
  t.throws(() => normalisePrefix('a/./b', false), UsageError);
  t.throws(() => normalisePrefix('a//b', false), { message: /empty segment/ });
  t.throws(() => normalisePrefix('a\nb', false), { message: /control/ });
  t.throws(() => normalisePrefix('x'.repeat(1000), false), { message: /too long/ });
  t.equal(normalisePrefix('a..b/c', false), 'a..b/c/', 'dots inside a segment are fine');
});

t.test('role ARNs', async (t) => {
  t.match(parseAwsRoleArn('arn:aws:iam::123456789012:role/backup'), { account: '123456789012', name: 'backup', path: '/' });
  t.match(parseAwsRoleArn('arn:aws:iam:::role/backup'), { account: '', name: 'backup' });
  t.match(parseAwsRoleArn('arn:aws-cn:iam::123456789012:role/svc/db/backup'), { partition: 'aws-cn', path: '/svc/db/', name: 'backup' });
  for (const bad of ['backup', 'arn:aws:iam::123:role/x', 'arn:aws:s3:::bucket', 'arn:aws:iam::123456789012:user/x', 'arn:aws:iam::123456789012:role/', 'acs:ram::123:role/x']) {
    t.throws(() => parseAwsRoleArn(bad), { message: /--role/ }, bad);
  }
});

t.test('bucket names', async (t) => {
  for (const ok of ['abc', 'my-backups.2026', 'a'.repeat(63)]) t.equal(validateBucket(ok), ok);
  const bad: [string, RegExp][] = [
    ['ab', /3 to 63/],
    ['a'.repeat(64), /3 to 63/],
    ['Backups', /lowercase/],
    ['my_backups', /lowercase/],
    ['-abc', /begin and end/],
    ['abc-', /begin and end/],
    ['a..b', /adjacent/],
    ['192.168.1.1', /IP address/],
    ['xn--abc', /reserved prefix/],
    ['abc-s3alias', /reserved suffix/],
  ];
  for (const [b, re] of bad) t.throws(() => validateBucket(b), { message: re }, b);
});

t.test('session, duration, region, endpoint, sizes', async (t) => {
  t.equal(validateSessionName('backup-canary-1234'), 'backup-canary-1234');
  t.throws(() => validateSessionName('a'), UsageError);
  t.throws(() => validateSessionName('has space'), UsageError);
  t.throws(() => validateSessionName('x'.repeat(65)), UsageError);
  t.equal(validateExternalId('vendor:1234'), 'vendor:1234');
  t.throws(() => validateExternalId('x'), UsageError);
  t.equal(validateDuration(900), 900);
  t.equal(validateDuration(43200), 43200);
  t.throws(() => validateDuration(899), { message: /900 to 43200/ });
  t.throws(() => validateDuration(43201), UsageError);
  t.throws(() => validateDuration(1000.5), UsageError);
  t.equal(validateRegion('eu-central-1'), 'eu-central-1');
  t.equal(validateRegion('cn-shanghai'), 'cn-shanghai');
  t.throws(() => validateRegion('EU'), UsageError);
  t.equal(validateEndpoint('--endpoint', 'http://127.0.0.1:7480/'), 'http://127.0.0.1:7480');
  t.throws(() => validateEndpoint('--endpoint', 'not a url'), { message: /not a URL/ });
  t.throws(() => validateEndpoint('--endpoint', 'ftp://x'), { message: /http and https/ });
  t.throws(() => validateEndpoint('--endpoint', 'https://user:secret@x'), { message: /credentials/ });
  t.equal(parseSize('--part-size', '5MiB'), 5 * 1024 * 1024);
  t.equal(parseSize('--part-size', '64k'), 64 * 1024);
  t.equal(parseSize('--part-size', '1G'), 1024 ** 3);
  t.equal(parseSize('--part-size', '123'), 123);
  t.equal(parseSize('--part-size', 7), 7);
  t.throws(() => parseSize('--part-size', 'lots'), UsageError);
  t.equal(validatePartSize(5 * 1024 * 1024), 5 * 1024 * 1024);
  t.throws(() => validatePartSize(1024), { message: /out of range/ });
});
