// Every `backup-canary ...` example in README.md's code blocks runs as written: commands that need no
// store (probes, policy, explain, completion, --help/--version, run --dry-run) must succeed; commands
// that talk to a store run against a local RGW (AWS_ENDPOINT_URL points the tool there, so nothing
// leaves this machine) and must never be refused as usage errors (exit 2). Files the README shows in
// a fence with a file name (```yaml /etc/backup-canary/nightly.yaml) are written first; absolute
// paths are mapped into a temporary directory; profiles the examples name exist in the test's files.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DEMO, seedDemo, startRgw } from '../../scripts/rgw.mjs';
import { runCli } from '../helpers/cli.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

interface Example {
  line: number;
  text: string;
}

/** Fenced blocks: files (a fence with a file name) and command examples (sh, cron, console). */
function extract(md: string): { files: Map<string, string>; examples: Example[] } {
  const files = new Map<string, string>();
  const examples: Example[] = [];
  const fence = /^```(\S*)[ \t]*(\S*)[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;
  for (const m of md.matchAll(fence)) {
    const [, lang, name, body] = m as unknown as [string, string, string, string];
    const startLine = md.slice(0, m.index).split('\n').length + 1;
    if (name) files.set(basename(name), body);
    if (!['sh', 'cron', 'console', 'bash'].includes(lang)) continue;
    const lines = body.split('\n');
    for (let i = 0; i < lines.length; i++) {
      let text = lines[i]!;
      const at = i;
      while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]!.trim()}`;
      const start = text.search(/(^|\s|&& )backup-canary /);
      if (start < 0) continue;
      examples.push({ line: startLine + at, text: text.slice(text.indexOf('backup-canary ', start)) });
    }
  }
  return { files, examples };
}

/** Shell words of one command (quotes, $VARS), up to a comment, a redirection or a pipe. */
function words(cmd: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (c === "'" || c === '"') {
      const end = cmd.indexOf(c, i + 1);
      let inner = cmd.slice(i + 1, end);
      if (c === '"') inner = inner.replace(/\$(\w+)/g, (_, v: string) => vars[v] ?? '');
      cur += inner;
      has = true;
      i = end;
    } else if (c === '$') {
      const v = /^\$(\w+)/.exec(cmd.slice(i))![1]!;
      cur += vars[v] ?? '';
      has = true;
      i += v.length;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
      const rest = cmd.slice(i).trimStart();
      if (/^(#|>>|>|\|\||\||&&|2>)/.test(rest)) break;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

const rgw = await startRgw();
t.teardown(() => rgw.stop());
const demo = await seedDemo(rgw);
const operator = demo.users.sourceIdentity;
const dir = mkdtempSync(join(tmpdir(), 'bc-readme-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const { files, examples } = extract(readme);
for (const [name, body] of files) writeFileSync(join(dir, name), body);
writeFileSync(join(dir, 'config'), `[profile onprem]\nregion = us-east-1\nendpoint_url = ${rgw.endpoint}\n[profile security-audit]\nregion = us-east-1\nendpoint_url = ${rgw.endpoint}\n`);
writeFileSync(join(dir, 'credentials'), ['onprem', 'security-audit'].map((p) => `[${p}]\naws_access_key_id = ${operator.accessKeyId}\naws_secret_access_key = ${operator.secretAccessKey}\n`).join(''));
process.env.AWS_CONFIG_FILE = join(dir, 'config');
process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
process.env.AWS_ACCESS_KEY_ID = operator.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = operator.secretAccessKey;
process.env.AWS_ENDPOINT_URL = rgw.endpoint;
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.AWS_PROFILE;
delete process.env.AWS_REGION;
// relative paths in the examples (--output backup-canary.json, role.json) are files in the temp dir
process.chdir(dir);
// the shell variables the examples use, as a user would set them (the address RGW sees this host as)
const vars = { BACKUP_ROLE: demo.role.arn, BACKUP_BUCKET: DEMO.bucket, EGRESS_IP: '127.0.0.1' };

const OFFLINE = /^(probes|policy|explain|completion|--help|--version)$/;

t.ok(examples.length >= 15, `${examples.length} examples found`);
t.ok(examples.some((e) => /^backup-canary cleanup /.test(e.text)), 'the cleanup examples are among them');

for (const ex of examples) {
  t.test(`README.md:${ex.line}: ${ex.text.slice(0, 100)}`, async (t) => {
    const argv = words(ex.text, vars)
      .slice(1)
      .map((w) => (w.startsWith('/') && !existsSync(w) ? join(dir, basename(w)) : w));
    const r = await runCli(argv, { env: { ...process.env, LANG: 'C.UTF-8' } });
    t.comment(`exit ${r.code}: backup-canary ${argv.join(' ')}\n${(r.stderr || r.stdout).split('\n').slice(0, 3).join('\n')}`);
    t.not(r.code, 2, `not a usage error: ${r.stderr.trim()}`);
    t.notMatch(r.stderr, /Run "backup-canary --help" for usage|internal error/);
    const offline = OFFLINE.test(argv[0] ?? '') || argv.includes('--dry-run');
    if (offline) t.ok(r.code === 0 || (argv[0] === 'explain' && r.code === 1), `an example that needs no store succeeds (exit ${r.code})`);
    else t.ok([0, 1, 3].includes(r.code), `exit ${r.code} is a verdict`);
  });
}

t.test('the examples that name the demo role and bucket pass on the local RGW', async (t) => {
  const r = await runCli(['probe', '--role', demo.role.arn, '--bucket', DEMO.bucket, '--prefix', DEMO.prefix, '--path-style', '--quick'], { env: { ...process.env } });
  t.equal(r.code, 0, 'AWS_ENDPOINT_URL alone points the tool at the local RGW');
});
