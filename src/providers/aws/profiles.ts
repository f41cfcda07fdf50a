// Does a named profile exist, looked up where the AWS SDKs and CLI look: the shared config file
// (AWS_CONFIG_FILE, default ~/.aws/config; sections `[profile NAME]`, or `[default]`) and the shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials; sections `[NAME]`).
// ("Configuration and credential file settings in the AWS CLI"; @smithy/shared-ini-file-loader.)
// Checked before any request, so a typo in --explain-profile is exit 2, not a silent fallback.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

function sections(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*\[([^\]]+)\]\s*(?:[#;].*)?$/.exec(line);
    if (m) out.push(m[1]!.trim());
  }
  return out;
}

export interface ProfileLookup {
  exists: boolean;
  /** The files looked in. */
  files: string[];
}

export function awsProfileExists(name: string, env: NodeJS.ProcessEnv = process.env): ProfileLookup {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  const config = env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config');
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials');
  const inConfig = sections(config).some((s) => s === `profile ${name}` || (name === 'default' && s === 'default') || s.replace(/^profile\s+/, '') === name);
  const inCredentials = sections(credentials).includes(name);
  return { exists: inConfig || inCredentials, files: [config, credentials] };
}
