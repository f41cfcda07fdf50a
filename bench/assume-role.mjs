// Benchmark helper (not shipped): sts:AssumeRole with the source credentials from the environment,
// printed as shell `export` lines for the rclone script (rclone 1.60 cannot assume a role itself).
// Env: BENCH_ENDPOINT, BENCH_ROLE; AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the source identity).
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

const sts = new STSClient({
  endpoint: process.env.BENCH_ENDPOINT,
  region: process.env.AWS_REGION || 'us-east-1',
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
});
try {
  const r = await sts.send(new AssumeRoleCommand({ RoleArn: process.env.BENCH_ROLE, RoleSessionName: `bench-rclone-${process.pid}`, DurationSeconds: 900 }));
  const c = r.Credentials;
  const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
  process.stdout.write(`export SESSION_AK=${q(c.AccessKeyId)} SESSION_SK=${q(c.SecretAccessKey)} SESSION_TOKEN=${q(c.SessionToken)}\n`);
} finally {
  sts.destroy();
}
