// The scheduling examples in deploy/ are checked, not just shipped: the Kubernetes manifests' args run
// through `run --dry-run` with the ConfigMap's run file (and, for the Indexed Job, every completion
// index: together the pods probe each target exactly once); the systemd units pass
// `systemd-analyze verify` (Debian's systemd; required, like the other tools the suite installs).
import t from 'tap';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { findBinary } from '../../scripts/prometheus.mjs';

const exec = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const deploy = join(root, 'deploy');
const dir = mkdtempSync(join(tmpdir(), 'bc-deploy-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

type Doc = Record<string, any>;
const load = (file: string): Doc[] => parseAllDocuments(readFileSync(join(deploy, 'kubernetes', file), 'utf8')).map((d) => d.toJSON() as Doc);

const [configMap] = load('configmap.yaml');
const runFileName = Object.keys(configMap!.data)[0]!;
const mountDir = join(dir, 'etc-backup-canary');
mkdirSync(mountDir);
writeFileSync(join(mountDir, runFileName), configMap!.data[runFileName]);
const targetNames = (configMap!.data[runFileName] as string).match(/- name: (\S+)/g)!.map((l) => l.slice('- name: '.length));

/** The container of a CronJob, its args with the ConfigMap mount mapped to the temp dir. */
function container(cron: Doc) {
  t.equal(cron.apiVersion, 'batch/v1');
  t.equal(cron.kind, 'CronJob');
  t.match(cron.spec.schedule, /^\d+ \d+ \* \* \*$/, 'a nightly schedule');
  const pod = cron.spec.jobTemplate.spec.template.spec;
  t.equal(pod.restartPolicy, 'Never', 'a failed probe is a failed Job, not a restart loop');
  const c = pod.containers[0];
  const mount = c.volumeMounts.find((m: Doc) => m.name === pod.volumes[0].name);
  t.equal(pod.volumes[0].configMap.name, configMap!.metadata.name, 'the volume is the ConfigMap');
  const args = (c.args as string[]).map((a) => a.replace(mount.mountPath, mountDir));
  t.equal(c.args[0], 'run');
  t.ok(args[1]!.startsWith(mountDir), `the run file comes from the ConfigMap mount ${mount.mountPath}`);
  t.ok(args.includes('--pushgateway'), 'pushes to a Pushgateway');
  return { args, job: cron.spec.jobTemplate.spec };
}

t.test('the CronJob runs the ConfigMap run file: --dry-run lists every target', async (t) => {
  const [cron] = load('cronjob.yaml');
  const { args } = container(cron!);
  const r = await runCli([...args, '--dry-run'], { env: { ...process.env, LANG: 'C.UTF-8' } });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  for (const n of targetNames) t.match(r.stdout, new RegExp(`^  ${n} `, 'm'), n);
  t.match(r.stdout, /No request was sent \(--dry-run\)\./);
});

t.test('the Indexed Job: every completion index probes a disjoint share, together all targets', async (t) => {
  const [cron] = load('indexed-cronjob.yaml');
  const { args, job } = container(cron!);
  t.equal(job.completionMode, 'Indexed');
  const shard = args[args.indexOf('--shard') + 1]!;
  const count = Number(/^auto\/(\d+)$/.exec(shard)![1]);
  t.equal(job.completions, count, 'completions = the COUNT of --shard auto/COUNT');
  t.equal(job.parallelism, count);
  const seen: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await runCli([...args, '--dry-run'], { env: { ...process.env, JOB_COMPLETION_INDEX: String(i) } });
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, new RegExp(`shard ${i}/${count} would probe`));
    seen.push(...targetNames.filter((n) => new RegExp(`^  ${n} `, 'm').test(r.stdout)));
  }
  t.same([...seen].sort(), [...targetNames].sort(), 'each target in exactly one pod');
  const noIndex = await runCli([...args, '--dry-run'], { env: { ...process.env, JOB_COMPLETION_INDEX: '' } });
  t.equal(noIndex.code, 2, 'outside an Indexed Job, auto needs the index');
  t.match(noIndex.stderr, /JOB_COMPLETION_INDEX is not set/);
});

t.test('the Dockerfile installs the packed tool', async (t) => {
  const docker = readFileSync(join(deploy, 'Dockerfile'), 'utf8');
  t.match(docker, /npm install -g .*backup-canary-\*\.tgz/);
  t.match(docker, /^USER \d+$/m, 'a numeric user, for runAsNonRoot');
  t.match(docker, /^ENTRYPOINT \["backup-canary"\]$/m, 'the manifests\' args follow the entrypoint');
});

t.test('systemd: the service and timer pass systemd-analyze verify', async (t) => {
  const analyze = findBinary('systemd-analyze');
  t.ok(analyze, 'systemd-analyze is installed (Debian package systemd)');
  if (!analyze) return;
  // the units as installed, with ExecStart pointing at this checkout's launcher (verify checks it exists)
  const units = join(dir, 'units');
  mkdirSync(units);
  const service = readFileSync(join(deploy, 'systemd', 'backup-canary.service'), 'utf8');
  t.match(service, /^ExecStart=\/usr\/local\/bin\/backup-canary run /m);
  writeFileSync(join(units, 'backup-canary.service'), service.replace('/usr/local/bin/backup-canary', join(root, 'bin', 'backup-canary')));
  copyFileSync(join(deploy, 'systemd', 'backup-canary.timer'), join(units, 'backup-canary.timer'));
  const r = await exec(analyze, ['verify', join(units, 'backup-canary.timer'), join(units, 'backup-canary.service')]).catch((e: { code: number; stdout: string; stderr: string }) => e);
  t.equal('code' in r ? r.code : 0, 0, `${r.stdout}${r.stderr}`);
  t.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no warning (unknown keys, bad values)');
  const cal = await exec(analyze, ['calendar', /^OnCalendar=(.*)$/m.exec(readFileSync(join(units, 'backup-canary.timer'), 'utf8'))![1]!]);
  t.match(cal.stdout, /Next elapse: .* 01:30:00/);
  // the service's ExecStart args are a valid run command line (the run file is the operator's)
  const exe = /^ExecStart=\S+ (.*)$/m.exec(service)![1]!.split(' ');
  const runFile = join(dir, 'nightly.yaml');
  writeFileSync(runFile, configMap!.data[runFileName]);
  const promDir = join(dir, 'textfile');
  mkdirSync(promDir);
  const args = exe.map((a) => a.replace('/etc/backup-canary/nightly.yaml', runFile).replace('/var/lib/prometheus/node-exporter', promDir));
  const dry = await runCli([...args, '--dry-run']);
  t.equal(dry.code, 0, dry.stderr);
});
