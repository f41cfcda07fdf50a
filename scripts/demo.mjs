// `npm run demo`: start a throwaway Ceph RGW on 127.0.0.1 (installing Debian's packages if needed),
// seed a backup role and two buckets, and probe a healthy target and a broken one (a bucket policy
// that only lets office IPs write) with the real binary. Then the same story on Alibaba Cloud OSS, against
// a local stand-in: the OSS/STS wire-protocol test server of test/oss-server/ (bundled from TypeScript
// with esbuild into a temp dir), scripted to deny the PolarDB backup role the way OSS does.
// Everything is stopped and removed at the end.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
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
  const alibaba = await ossSection();
  if (healthy !== 0 || broken !== 1 || alibaba !== 1) {
    say(`\ndemo: unexpected exit codes (healthy ${healthy}, broken ${broken}, OSS stand-in ${alibaba}; expected 0, 1 and 1)`);
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

/** Section 3: the seed story of test/integration/oss-probe.test.ts, against the OSS/STS test server. */
async function ossSection() {
  say('\n3. Alibaba Cloud OSS, against a LOCAL STAND-IN: not the real Alibaba Cloud OSS or STS.');
  say('   The stand-in is the OSS + STS wire-protocol test server of test/oss-server/ on 127.0.0.1, in memory.');
  say('   It does not evaluate policies: it is scripted to answer the role\'s writes as OSS does for this policy.');
  const dir = mkdtempSync(join(tmpdir(), 'backup-canary-demo-oss-'));
  let server;
  try {
    // node cannot import the server's TypeScript: bundle it (node built-ins only) into the temp dir.
    const outfile = join(dir, 'oss-server.mjs');
    await build({
      entryPoints: [`${root}test/oss-server/index.ts`],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile,
      logLevel: 'warning',
    });
    const { startOssServer } = await import(pathToFileURL(outfile).href);
    server = await startOssServer();

    // The same fixtures as the test; the credentials are fake and only this server knows them.
    const account = '1234567890123456';
    const role = `acs:ram::${account}:role/polardb-backup`;
    const user = `acs:ram::${account}:user/backup-operator`;
    const source = { accessKeyId: 'DEMOOSSSOURCEKEY01', accessKeySecret: 'local-demo-secret-not-a-real-key' };
    const bucket = 'polardb-backups';
    const prefix = 'polardb/pc-2ze3example/';
    const officeCidr = '203.0.113.0/24';
    server.addAccessKey({ ...source, principal: { type: 'user', arn: user, uid: '200000000000000001', displayName: 'backup-operator' } });
    server.addRole({ arn: role, trusts: [user] });
    server.state.createBucket(bucket);
    server.state.setBucketPolicy(bucket, {
      Version: '1',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['oss:PutObject'],
          Principal: ['*'],
          Resource: [`acs:oss:*:${account}:${bucket}/*`],
          Condition: { NotIpAddress: { 'acs:SourceIp': [officeCidr] } },
        },
      ],
    });
    // What OSS answers for it: 403 AccessDenied, EC 0003-00000101, AccessDeniedDetail PolicyType BucketPolicy.
    server.script.deny({ action: 'oss:PutObject', principal: role, bucket });
    say(`   Stand-in OSS at ${server.ossEndpoint}, stand-in STS at ${server.stsEndpoint};`);
    say(`   ${user} may assume ${role};`);
    say(`   bucket ${bucket} has a bucket policy denying oss:PutObject from outside ${officeCidr} (office IPs).`);
    say('   No --explain here: it also reads the role\'s RAM policies from the RAM API (ram.aliyuncs.com), which');
    say('   the stand-in does not serve; the report\'s "run with --explain" is for a real account.');

    const env = { ...process.env, ALIBABA_CLOUD_ACCESS_KEY_ID: source.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: source.accessKeySecret };
    for (const k of ['ALIBABA_CLOUD_SECURITY_TOKEN', 'ALIBABA_CLOUD_PROFILE', 'ALIBABA_CLOUD_CREDENTIALS_FILE']) delete env[k];
    const argv = [
      'probe', '--role', role, '--bucket', bucket, '--prefix', prefix, '--region', 'cn-hangzhou',
      '--endpoint', server.ossEndpoint, '--sts-endpoint', server.stsEndpoint, '--probe', 'polardb-oss', '--timeout', '10',
    ];
    say(`\n$ backup-canary ${argv.join(' ')}`);
    // Not spawnSync: the stand-in runs in this process and must keep answering while the probe runs.
    const status = await new Promise((resolve, reject) => {
      const child = spawn(bin, argv, { env, stdio: ['ignore', 'inherit', 'inherit'] });
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    say(`(exit code ${status})`);
    return status;
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
    say('\nLocal OSS/STS stand-in stopped and removed.');
  }
}
