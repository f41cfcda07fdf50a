// `npm run demo`: start a throwaway Ceph RGW on 127.0.0.1 (installing Debian's packages if needed),
// seed a backup role and two buckets, and probe a healthy target and a broken one (a bucket policy
// that only lets office IPs write) with the real binary. Everything is stopped and removed at the end.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { radosgwAdmin, seedDemo, startRgw } from './rgw.mjs';

// The SDK's Node-version notice is for the SDK's users, not for the demo's audience.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = `${root}bin/backup-canary`;
if (!existsSync(`${root}dist/main.js`)) {
  const b = spawnSync(process.execPath, [`${root}scripts/build.mjs`], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}

const say = (s) => process.stdout.write(`${s}\n`);
say('Starting a local Ceph RADOS Gateway on 127.0.0.1 (S3 + STS + IAM, real policies)...');
const rgw = await startRgw({ log: () => {} });
let code = 0;
const awsDir = mkdtempSync(join(tmpdir(), 'backup-canary-demo-'));
try {
  const demo = await seedDemo(rgw);
  const op = demo.users.sourceIdentity;
  // --explain reads the bucket policy and the role's policies with a profile that may: here the
  // bucket owner (given read access to roles), from a shared credentials file as a user would have.
  const owner = demo.users.bucketOwner;
  await radosgwAdmin(rgw, ['caps', 'add', `--uid=${owner.uid}`, '--caps=roles=read']);
  writeFileSync(join(awsDir, 'credentials'), `[policy-reader]\naws_access_key_id = ${owner.accessKeyId}\naws_secret_access_key = ${owner.secretAccessKey}\n`, { mode: 0o600 });
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: op.accessKeyId,
    AWS_SECRET_ACCESS_KEY: op.secretAccessKey,
    AWS_SHARED_CREDENTIALS_FILE: join(awsDir, 'credentials'),
    AWS_CONFIG_FILE: join(awsDir, 'config'),
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  say(`RGW at ${rgw.endpoint}; role ${demo.role.arn} may write under ${demo.prefix} in both buckets;`);
  say(`bucket ${demo.buckets.locked} also has a bucket policy "${demo.lockedBucketPolicy.sid}" denying writes from outside ${demo.lockedBucketPolicy.officeCidr}.`);

  const probe = (bucket, extra = []) => {
    const argv = ['probe', '--role', demo.role.arn, '--bucket', bucket, '--prefix', demo.prefix, '--endpoint', rgw.endpoint, '--path-style', ...extra];
    say(`\n$ backup-canary ${argv.join(' ')}`);
    const r = spawnSync(bin, argv, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    say(`(exit code ${r.status})`);
    return r.status;
  };
  say('\n1. A healthy target: every action a backup needs is allowed.');
  const healthy = probe(demo.buckets.open);
  say('\n2. A broken target: the security team restricted writes to office IPs.');
  say('   --explain reads the policies and evaluates each request; --source-ip is the address RGW sees.');
  const broken = probe(demo.buckets.locked, ['--explain', '--explain-profile', 'policy-reader', '--source-ip', '127.0.0.1']);
  if (healthy !== 0 || broken !== 1) {
    say(`\ndemo: unexpected exit codes (healthy ${healthy}, broken ${broken}; expected 0 and 1)`);
    code = 1;
  }
} catch (e) {
  process.stderr.write(`demo: ${e instanceof Error ? e.message.split('\n')[0] : e}\n`);
  code = 1;
} finally {
  rmSync(awsDir, { recursive: true, force: true });
  await rgw.stop();
  say('\nLocal RGW stopped and removed.');
}
process.exit(code);
