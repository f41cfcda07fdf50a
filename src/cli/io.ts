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

/** The process's Io, and `stdoutFailure()`: how writing to standard output failed, once it is flushed. */
export function processIo(signal?: AbortSignal): Io & { stdoutFailure(): Promise<NodeJS.ErrnoException | null> } {
  // A full disk (`probe > /full/report.txt`) or a closed pipe surfaces as an 'error' event on the
  // stream, not as an exception: kept here (no crash, no stack trace) and reported by entry.ts.
  let failure: NodeJS.ErrnoException | null = null;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => void (failure ??= e));
  const io: Io & { stdoutFailure(): Promise<NodeJS.ErrnoException | null> } = {
    stdout: (s) => {
      if (!failure && !process.stdout.destroyed) process.stdout.write(s);
    },
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdoutFailure: () =>
      new Promise((resolve) => {
        const done = () => setImmediate(() => resolve(failure));
        if (failure || process.stdout.destroyed) return done();
        process.stdout.write('', (e) => {
          if (e) failure ??= e as NodeJS.ErrnoException;
          done();
        });
      }),
  };
  if (signal) io.signal = signal;
  return io;
}
