// The command line. yargs parses and validates flags; command handlers live in their own files and
// are imported only when their command runs, so `--help` and `--version` load no cloud SDK.

import yargs, { type Argv, type MiddlewareFunction } from 'yargs';
import { EXIT, UsageError } from '../core/model.js';
import { printable } from '../core/target.js';
import { VERSION } from '../version.js';
import { cleanupBuilder, type CleanupArgs } from './cleanup-args.js';
import { explainBuilder, type ExplainArgs } from './explain-args.js';
import { probeBuilder, type ProbeArgs } from './probe-args.js';
import { policyBuilder, type PolicyArgs } from './policy-args.js';
import { runBuilder, type RunArgs } from './run-args.js';
import { checkValues } from './strict-values.js';
import type { Io } from './io.js';

export { type Io, processIo } from './io.js';

export async function main(argv: string[], io: Io): Promise<number> {
  // The SDK warns on every run that future releases need Node 22; our users cannot act on that.
  io.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let code: number = EXIT.ok;
  const cli = yargs()
    // `--role.0=1` is an unknown flag, not an object; words after `--` are kept apart (and refused)
    .parserConfiguration({ 'dot-notation': false, 'populate--': true })
    .scriptName('backup-canary')
    .usage('$0 <command> [options]\n\nProve that the backup role can really write: assume it, run real requests on a canary key, say which policy denied what.')
    .command<ProbeArgs>(
      'probe',
      'Assume the backup role and run real object and multipart requests on a canary key under the backup prefix',
      probeBuilder,
      async (args) => {
        const { runProbeCommand } = await import('./probe-command.js');
        code = await runProbeCommand(args, io);
      },
    )
    // Values yargs would accept silently are refused first; then, for a flag given twice, the last
    // one wins (a wrapper's defaults can be overridden), except for the repeatable ones.
    // (yargs passes its instance as a second argument; its types do not declare it)
    .middleware(((parsed: Record<string, unknown> & { _: (string | number)[] }, y: Argv) => {
      checkValues(argv, parsed, y);
      // the repeatable options are the ones each builder declares `array: true` (and their camelCase aliases)
      const arrays = (y as unknown as { getOptions(): { array: string[] } }).getOptions().array;
      const repeatable = new Set(arrays.flatMap((k) => [k, k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())]));
      for (const [k, v] of Object.entries(parsed)) {
        if (k === '_' || k === '--' || !Array.isArray(v) || repeatable.has(k)) continue;
        parsed[k] = v[v.length - 1];
      }
    }) as unknown as MiddlewareFunction, true)
    .command<ExplainArgs>(
      'explain',
      'Evaluate one request against policy files, with no cloud call (check a policy change before applying it)',
      explainBuilder,
      async (args) => {
        const { runExplainCommand } = await import('./explain-command.js');
        code = await runExplainCommand(args, io);
      },
    )
    .command<RunArgs>(
      'run <file>',
      'Probe many targets from one run file with bounded concurrency; one verdict (nightly cron, pipelines)',
      runBuilder,
      async (args) => {
        const { runRunCommand } = await import('./run-command.js');
        code = await runRunCommand(args, io);
      },
    )
    .command<PolicyArgs>(
      'policy',
      'Print the least-privilege identity (IAM or RAM) policy a probe definition needs, and the bucket-policy exception',
      policyBuilder,
      async (args) => {
        const { runPolicyCommand } = await import('./policy-command.js');
        code = await runPolicyCommand(args, io);
      },
    )
    .command<CleanupArgs>(
      'cleanup',
      'Sweep stale canaries (older than --older-than) under <prefix>.backup-canary/; removes only with --yes',
      cleanupBuilder,
      async (args) => {
        const { runCleanupCommand } = await import('./cleanup-command.js');
        code = await runCleanupCommand(args, io);
      },
    )
    .command('probes', 'List or show the probe definitions (probes/*.yaml)', (y) =>
      y
        .command('list', 'List the shipped probe definitions', {}, async () => {
          const { runProbesList } = await import('./probes-command.js');
          code = runProbesList(io);
        })
        .command(
          'show <name>',
          'Show one definition: its checks, expectations and options',
          (s) => s.positional('name', { type: 'string', demandOption: true, describe: 'Definition name or YAML file' }),
          async (args) => {
            const { runProbesShow } = await import('./probes-command.js');
            code = runProbesShow(args.name, io);
          },
        )
        .demandCommand(1, 'Name a subcommand: probes list, or probes show NAME'),
    )
    // `backup-canary completion >> ~/.bashrc` (bash; zsh with bashcompinit): yargs prints the script and
    // answers the shell's --get-yargs-completions calls with commands and flags
    .completion('completion', 'Print a shell completion script (bash, or zsh with bashcompinit): backup-canary completion >> ~/.bashrc')
    .demandCommand(1, 'Name a command: probe, run, cleanup, explain, policy, probes or completion')
    .strict()
    .version(VERSION)
    .alias('h', 'help')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .epilogue(
      'Exit codes: 0 every expectation met; 1 an expectation failed; 2 usage or input error; 3 the probe could not complete; 130/143 interrupted.',
    )
    .exitProcess(false)
    .fail((msg, err) => {
      // yargs spreads some messages over lines ("Invalid values:\n  Argument: format, ..."): keep one
      throw err ?? new UsageError(msg.replace(/:?\s*\n\s*/g, ': '));
    });

  try {
    let helpText = '';
    await (cli as Argv).parseAsync(argv, {}, (_err, _parsed, output) => {
      helpText = output;
    });
    if (helpText) io.stdout(`${helpText}\n`);
    return code;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`backup-canary: ${firstLine(err.message)}\nRun "backup-canary --help" for usage.\n`);
      return EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`backup-canary: internal error: ${firstLine(message)}\n`);
    if (io.env.BACKUP_CANARY_DEBUG && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return EXIT.incomplete;
  }
}

/** The first line of a message, with the control and invisible characters of quoted input made visible. */
function firstLine(s: string): string {
  return printable(s.split('\n').find((l) => l.trim()) ?? s);
}
