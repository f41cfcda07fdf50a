// The real-client agreement test (issue 10, items 4 and 5): Debian's restic 0.14 and rclone 1.60 run
// against a real Ceph RGW with an assumed role's temporary credentials, across permission scenarios
// (role policy, bucket policy, session policy, generated policy). For every scenario and client, the
// client's success must equal the verdict of `probe --probe restic-s3` / `rclone-s3` with the same role
// and session policy; when both fail, the probe must name, among its denied checks, the IAM action of the
// request that stopped the client (its first 403 in RGW's access log, see test/helpers/rgw-access-log.ts).
// Prints the agreement table (the README's "Real clients" section) and asserts full agreement.
// Installs rclone and restic when missing; if RGW or a client cannot run, this file fails (never skips).
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectLockConfigurationCommand } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { createBucket, createRole, listEverything, putBucketPolicy, putRolePolicy, roleArn, s3For, seedDemo, startRgw, userArn } from '../../scripts/rgw.mjs';
import { clientVersions, ensureClientsInstalled } from '../../scripts/clients.mjs';
import type { RunResult } from '../../src/core/model.js';
import { runCli, useCredentials } from '../helpers/cli.js';
import { PREFIX, SCENARIOS, type Policy, type Scenario } from '../helpers/client-scenarios.js';
import { forBucket, readAccessLog, requestAction, requestKey, shortRequest, type AccessLogEntry } from '../helpers/rgw-access-log.js';
import {
  rcloneSource,
  runRcloneWorkload,
  runResticWorkload,
  TOLERATED_DENIALS,
  USER_AGENT,
  type ClientName,
  type TemporaryCredentials,
  type WorkloadResult,
} from '../helpers/real-clients.js';

const CLIENTS: ClientName[] = ['restic', 'rclone'];
const DEFINITION: Record<ClientName, string> = { restic: 'restic-s3', rclone: 'rclone-s3' };
// restic 0.14 retries a denied request 10 times with backoff (~90 s measured) before it gives up, and
// has no option to shorten that (--retry-lock only exists from 0.16 and is about foreign locks).
const COMMAND_TIMEOUT_MS: Record<ClientName, number> = { restic: 150_000, rclone: 60_000 };
// Scenarios at once. Most of a slow scenario is restic sleeping between retries, not CPU.
const CONCURRENCY = 12;

await ensureClientsInstalled({ log: (m) => t.comment(m) });
const versions = await clientVersions();
t.comment(`rclone version: ${versions.rclone}`);
t.comment(`restic version: ${versions.restic}`);

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const operator = demo.users.sourceIdentity;
const owner = demo.users.bucketOwner;
useCredentials(operator);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-canary-clients-'));
t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
const rcloneSrc = rcloneSource(path.join(root, 'rclone-src'));

const trust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: [userArn(operator.uid)] }, Action: ['sts:AssumeRole'] }],
};

/** AssumeRole as the operator, with the scenario's session policy if any: what the clients get. */
async function session(arn: string, name: string, policy?: Policy): Promise<TemporaryCredentials> {
  const sts = new STSClient({ endpoint: rgw.endpoint, region: rgw.region, credentials: { accessKeyId: operator.accessKeyId, secretAccessKey: operator.secretAccessKey } });
  try {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: name, DurationSeconds: 900, ...(policy ? { Policy: JSON.stringify(policy) } : {}) }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('AssumeRole returned no credentials');
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  } finally {
    sts.destroy();
  }
}

/** `backup-canary policy --probe NAME ... --format json`: the identity policy it prints. */
async function generatedPolicy(probe: string, bucket: string): Promise<Policy> {
  const r = await runCli(['policy', '--probe', probe, '--bucket', bucket, '--prefix', PREFIX, '--provider', 'aws', '--format', 'json']);
  if (r.code !== 0) throw new Error(`policy --probe ${probe} exited ${r.code}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { identity: Policy }).identity;
}

/** A bucket with Object Lock and a default retention, made by its owner. */
async function createLockedBucket(bucket: string, lock: { mode: 'GOVERNANCE' | 'COMPLIANCE'; days: number }): Promise<void> {
  const s3 = s3For(rgw, owner);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: lock.mode, Days: lock.days } } },
      }),
    );
  } finally {
    s3.destroy();
  }
}

interface ProbeOutcome {
  pass: boolean;
  verdict: string;
  /** The checks that failed because they were denied, with their IAM actions. */
  denied: { id: string; action: string }[];
  failed: string[];
}

async function probe(definition: string, bucket: string, arn: string, sessionPolicyFile?: string): Promise<ProbeOutcome> {
  const argv = ['probe', '--probe', definition, '--role', arn, '--bucket', bucket, '--prefix', PREFIX, '--endpoint', rgw.endpoint, '--path-style', '--format', 'json', '--timeout', '10'];
  if (sessionPolicyFile) argv.push('--session-policy', sessionPolicyFile);
  const r = await runCli(argv);
  let json: RunResult;
  try {
    json = JSON.parse(r.stdout) as RunResult;
  } catch {
    throw new Error(`probe ${definition} on ${bucket}: not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  const failed = json.checks.filter((c) => !c.ok);
  return {
    pass: r.code === 0 && json.verdict === 'pass',
    verdict: json.verdict,
    denied: failed.filter((c) => c.outcome === 'denied').map((c) => ({ id: c.id, action: c.action })),
    failed: failed.map((c) => `${c.id} (${c.outcome})`),
  };
}

interface ScenarioRun {
  scenario: Scenario;
  bucket: string;
  rolePolicy: Policy | null;
  clients: Record<ClientName, WorkloadResult>;
  probes: Record<ClientName, ProbeOutcome>;
}

async function runScenario(s: Scenario): Promise<ScenarioRun> {
  const bucket = `cl-${s.id}`;
  const role = `cl-${s.id}`;
  const arn = roleArn(role);
  const work = path.join(root, s.id);
  fs.mkdirSync(work, { recursive: true });
  if (s.objectLock) await createLockedBucket(bucket, s.objectLock);
  else await createBucket(rgw, owner, bucket);
  await createRole(rgw, role, trust);
  const rolePolicy = s.role === null ? null : typeof s.role === 'string' ? await generatedPolicy(s.role.slice('generated:'.length), bucket) : s.role(bucket);
  if (rolePolicy) await putRolePolicy(rgw, role, `${role}-policy`, rolePolicy);
  if (s.bucketPolicy) await putBucketPolicy(rgw, owner, bucket, s.bucketPolicy(bucket, arn));
  const sessionPolicy = s.session?.(bucket);
  let sessionPolicyFile: string | undefined;
  if (sessionPolicy) {
    sessionPolicyFile = path.join(work, 'session-policy.json');
    fs.writeFileSync(sessionPolicyFile, JSON.stringify(sessionPolicy));
  }
  const credentials = await session(arn, `clients-${s.id}`.slice(0, 64), sessionPolicy);
  const target = (client: ClientName) => ({
    endpoint: rgw.endpoint,
    bucket,
    path: `${PREFIX}${client}`,
    credentials,
    workDir: path.join(work, client),
    timeoutMs: COMMAND_TIMEOUT_MS[client],
  });
  const locksLeft = async () => (await listEverything(rgw, owner, bucket)).objects.filter((k) => k.startsWith(`${PREFIX}restic/locks/`));
  const [restic, other] = await Promise.all([
    runResticWorkload(target('restic'), locksLeft),
    (async () => {
      const rclone = await runRcloneWorkload(target('rclone'), rcloneSrc);
      const probes = {
        restic: await probe(DEFINITION.restic, bucket, arn, sessionPolicyFile),
        rclone: await probe(DEFINITION.rclone, bucket, arn, sessionPolicyFile),
      };
      return { rclone, probes };
    })(),
  ]);
  return { scenario: s, bucket, rolePolicy, clients: { restic, rclone: other.rclone }, probes: other.probes };
}

/** Run with at most `limit` at once, in the order given; results in the input order. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

interface Row {
  scenario: string;
  via: string;
  client: ClientName;
  clientOk: boolean;
  clientResult: string;
  probe: string;
  failingRequest: string;
  failingAction: string | null;
  agree: boolean;
  known: string | null;
  note: string;
  requests: number;
  untoleratedInSuccess: string[];
  /** Every request of this client in the scenario, "STATUS METHOD target", for diagnosis. */
  sequence: string[];
}

function compare(run: ScenarioRun, client: ClientName, log: AccessLogEntry[]): Row {
  const result = run.clients[client];
  const p = run.probes[client];
  const entries = forBucket(log, run.bucket).filter((e) => USER_AGENT[client].test(e.userAgent));
  const repoPath = `${PREFIX}${client}`;
  const denials = entries
    .filter((e) => e.status === 403)
    .map((e) => {
      const action = requestAction(e.method, e.target);
      const tolerated = TOLERATED_DENIALS[client].some((t) => t.matches({ method: e.method, key: requestKey(e.target), action, path: repoPath }));
      return { e, action, tolerated };
    });
  // The request that stopped the client: the first 403 of its failing (last) command that it does not survive.
  const last = result.runs[result.runs.length - 1]!;
  const stopping = result.ok ? undefined : denials.find((d) => !d.tolerated && d.e.at >= last.startedAt - 5 && d.e.at <= last.endedAt + 1000);
  const known = run.scenario.knownDifference?.[client] ?? null;
  let agree = result.ok === p.pass;
  let note = '';
  if (agree && !result.ok) {
    if (!stopping) {
      agree = false;
      note = `the client's failing command (${last.command}) met no 403 the probe could name`;
    } else if (!p.denied.some((d) => d.action === stopping.action)) {
      agree = false;
      note = `the probe did not name ${stopping.action} (denied: ${p.denied.map((d) => d.action).join(', ') || 'none'})`;
    }
  } else if (!agree) {
    note = result.ok ? 'FALSE FAIL: the probe failed, the client succeeded' : 'FALSE PASS: the probe passed, the client failed';
  }
  const probeText = p.pass ? 'PASS' : `FAIL: ${[...new Set(p.denied.map((d) => d.id))].join(', ') || p.failed.join(', ')}`;
  return {
    scenario: run.scenario.id,
    via: run.scenario.via,
    client,
    clientOk: result.ok,
    clientResult: `${result.ok ? 'ok' : (result.failure ?? 'failed')} (${Math.round(result.durationMs / 1000)} s)`,
    probe: probeText,
    failingRequest: stopping ? shortRequest(stopping.e).replace(`/${run.bucket}`, '/B') : '-',
    failingAction: stopping?.action ?? null,
    agree,
    known: known ? known.why : null,
    note,
    requests: entries.length,
    sequence: entries.map((e) => `${e.status} ${shortRequest(e).replace(`/${run.bucket}`, '/B')}`),
    untoleratedInSuccess: result.ok ? denials.filter((d) => !d.tolerated).map((d) => `${shortRequest(d.e)} -> ${d.action}`) : [],
  };
}

const started = Date.now();
// For working on one scenario: BC_CLIENT_SCENARIOS=id,id (a partial run fails the scenario-count assertion).
const only = (process.env.BC_CLIENT_SCENARIOS ?? '').split(',').filter(Boolean);
const selected = only.length ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;
const order = [...selected].sort((a, b) => Number(Boolean(b.slow)) - Number(Boolean(a.slow)));
const runs = await pool(order, CONCURRENCY, runScenario);
t.comment(`${runs.length} scenarios x ${CLIENTS.length} clients in ${Math.round((Date.now() - started) / 1000)} s`);
// The gateway writes its access-log lines just after answering: let the last ones land.
await new Promise((r) => setTimeout(r, 500));
const log = readAccessLog(rgw.dir);
const byId = new Map(runs.map((r) => [r.scenario.id, r]));
const rows = selected.flatMap((s) => CLIENTS.map((c) => compare(byId.get(s.id)!, c, log)));

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const table = [
  `Real clients vs probe on Ceph RGW (${versions.rclone}; ${versions.restic.split(' compiled')[0]})`,
  '| scenario | via | client | client result | probe (definition) | failing request -> action | agree |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) =>
    `| ${[
      r.scenario,
      r.via,
      r.client,
      r.clientResult,
      `${r.probe} (${DEFINITION[r.client]})`,
      r.failingAction ? `${r.failingRequest} -> ${r.failingAction}` : '-',
      r.known ? `known difference: ${r.known}` : r.agree ? 'yes' : `NO: ${r.note}`,
    ]
      .map(cell)
      .join(' | ')} |`,
  ),
  `agreement: ${rows.filter((r) => r.agree && !r.known).length}/${rows.length}`,
];
for (const line of table) t.comment(line);
for (const c of CLIENTS) for (const d of TOLERATED_DENIALS[c]) t.comment(`${c} survives a 403 on ${d.what}: ${d.why}`);
for (const run of runs) {
  for (const c of CLIENTS) {
    const w = run.clients[c];
    if (w.ok) continue;
    const last = w.runs[w.runs.length - 1]!;
    t.comment(`${run.scenario.id} ${c} ${last.command} stderr: ${last.stderrTail.replace(/\n/g, ' | ')}`);
  }
}

t.test('every client run left requests in the access log', async (t) => {
  for (const r of rows) t.ok(r.requests > 0, `${r.scenario} ${r.client}: ${r.requests} requests`);
});

t.test('a client that succeeds only met the denials it is known to survive', async (t) => {
  for (const r of rows.filter((x) => x.clientOk)) {
    t.same(r.untoleratedInSuccess, [], `${r.scenario} ${r.client}`);
    if (r.untoleratedInSuccess.length) t.comment(`${r.scenario} ${r.client} requests:\n${r.sequence.join('\n')}`);
  }
});

t.test('the generated policies, installed as the role\'s only policy, let the real clients succeed', async (t) => {
  for (const c of CLIENTS) {
    const run = byId.get(`generated-${DEFINITION[c]}`);
    if (!run) {
      t.fail(`scenario generated-${DEFINITION[c]} did not run`);
      continue;
    }
    t.ok(run.rolePolicy && run.rolePolicy.Statement.length > 0, `policy --probe ${DEFINITION[c]} printed a policy`);
    t.equal(run.clients[c].ok, true, `${c} succeeds with the policy generated for ${DEFINITION[c]} (${run.clients[c].failure ?? 'ok'})`);
  }
});

t.test('known differences still happen as described', async (t) => {
  const known = rows.filter((r) => r.known);
  for (const r of known) {
    const s = byId.get(r.scenario)!;
    const w = s.clients[r.client];
    const symptom = s.scenario.knownDifference![r.client]!.symptom;
    t.ok(!w.ok && w.runs.some((x) => symptom.test(x.stderrTail)), `${r.scenario} ${r.client}: ${r.known}`);
  }
  t.pass(`${known.length} known differences`);
});

t.test('the probe agrees with the real clients in every scenario', async (t) => {
  t.ok(runs.length >= 12 && runs.length === SCENARIOS.length, `all ${SCENARIOS.length} scenarios ran (${runs.length})`);
  for (const r of rows.filter((x) => !x.known)) {
    t.ok(r.agree, `${r.scenario} / ${r.client}: client ${r.clientResult}; probe ${r.probe}${r.failingAction ? `; stopped by ${r.failingRequest} (${r.failingAction})` : ''}${r.note ? ` - ${r.note}` : ''}`);
  }
});
