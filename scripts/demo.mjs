// `npm run demo`: start a throwaway Ceph RGW on 127.0.0.1 (installing Debian's packages if needed),
// seed a backup role and two buckets, and probe a healthy target and a broken one (a bucket policy
// that only lets office IPs write) with the real binary. Everything is stopped and removed at the end.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { seedDemo, startRgw } from './rgw.mjs';

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
try {
  const demo = await seedDemo(rgw);
  const op = demo.users.sourceIdentity;
  const env = { ...process.env, AWS_ACCESS_KEY_ID: op.accessKeyId, AWS_SECRET_ACCESS_KEY: op.secretAccessKey };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  say(`RGW at ${rgw.endpoint}; role ${demo.role.arn} may write under ${demo.prefix} in both buckets;`);
  say(`bucket ${demo.buckets.locked} also has a bucket policy "${demo.lockedBucketPolicy.sid}" denying writes from outside ${demo.lockedBucketPolicy.officeCidr}.`);

  const probe = (bucket) => {
    const argv = ['probe', '--role', demo.role.arn, '--bucket', bucket, '--prefix', demo.prefix, '--endpoint', rgw.endpoint, '--path-style'];
    say(`\n$ backup-canary ${argv.join(' ')}`);
    const r = spawnSync(bin, argv, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    say(`(exit code ${r.status})`);
    return r.status;
  };
  say('\n1. A healthy target: every action a backup needs is allowed.');
  const healthy = probe(demo.buckets.open);
  say('\n2. A broken target: the security team restricted writes to office IPs.');
  const broken = probe(demo.buckets.locked);
  if (healthy !== 0 || broken !== 1) {
    say(`\ndemo: unexpected exit codes (healthy ${healthy}, broken ${broken}; expected 0 and 1)`);
    code = 1;
  }
} catch (e) {
  process.stderr.write(`demo: ${e instanceof Error ? e.message.split('\n')[0] : e}\n`);
  code = 1;
} finally {
  await rgw.stop();
  say('\nLocal RGW stopped and removed.');
}
process.exit(code);
