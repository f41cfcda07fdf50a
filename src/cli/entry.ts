// Process entry: wire signals to an AbortSignal, run, exit with the code.

import { main, processIo } from './main.js';

export async function run(): Promise<void> {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (ac.signal.aborted) process.exit(sig === 'SIGTERM' ? 143 : 130);
    process.stderr.write(`backup-canary: ${sig} received, cleaning up canaries (send again to stop at once)\n`);
    ac.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await main(process.argv.slice(2), processIo(ac.signal));
  process.exitCode = code;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
