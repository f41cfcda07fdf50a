// What a command may touch of the process: output streams, environment, TTY facts and the stop signal.
// Commands take an Io so tests can run them in-process.

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  stdoutIsTTY: boolean;
  stderrIsTTY?: boolean;
  /** Aborted when the process receives SIGINT/SIGTERM (reason: the signal name). */
  signal?: AbortSignal;
}

export function processIo(signal?: AbortSignal): Io {
  const io: Io = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
  if (signal) io.signal = signal;
  return io;
}
