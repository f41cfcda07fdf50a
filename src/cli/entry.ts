// Process entry: wire signals to an AbortSignal, run, exit with the code. Standard output that could
// not be written whole (a full disk, an I/O error) is said on standard error and the exit code is 3
// (or the command's worse one), as for --output files; a reader that closed the pipe (EPIPE, e.g.
// `| head`) chose to stop reading and changes nothing.

import { main } from './main.js';
import { processIo } from './io.js';
import { afterWriteFailure } from './output.js';

export async function run(): Promise<void> {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (ac.signal.aborted) process.exit(sig === 'SIGTERM' ? 143 : 130);
    process.stderr.write(`backup-canary: ${sig} received, cleaning up canaries (send again to stop at once)\n`);
    ac.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io = processIo(ac.signal);
  let code = await main(process.argv.slice(2), io);
  const failure = await io.stdoutFailure();
  if (failure && failure.code !== 'EPIPE') {
    process.stderr.write(`backup-canary: cannot write standard output: ${failure.message}; the report is incomplete\n`);
    code = afterWriteFailure(code);
  }
  process.exitCode = code;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
