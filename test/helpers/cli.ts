// Run the CLI in-process (so coverage sees the real code) and capture what it prints.

import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; tty?: boolean } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (s: string) => void (stdout += s),
    stderr: (s: string) => void (stderr += s),
    env: opts.env ?? { ...process.env },
    stdoutIsTTY: opts.tty ?? false,
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Source credentials for the AWS chain: the environment, as a user would set them. */
export function useCredentials(c: { accessKeyId: string; secretAccessKey: string }): void {
  process.env.AWS_ACCESS_KEY_ID = c.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = c.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}
