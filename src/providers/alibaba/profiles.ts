// Does a named profile exist, looked up where the Alibaba Cloud credentials library looks: the CLI
// config (ALIBABA_CLOUD_CONFIG_FILE, default ~/.aliyun/config.json; `profiles[].name`) and the
// credentials file (ALIBABA_CLOUD_CREDENTIALS_FILE, default ~/.alibabacloud/credentials; INI sections).
// ("Manage access credentials", Alibaba Cloud SDK for Node.js; @alicloud/credentials providers.)
// Checked before any request, so a typo in --explain-profile is exit 2.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export function alibabaProfileExists(name: string, env: NodeJS.ProcessEnv = process.env): { exists: boolean; files: string[] } {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  const config = env.ALIBABA_CLOUD_CONFIG_FILE ?? join(home, '.aliyun', 'config.json');
  const credentials = env.ALIBABA_CLOUD_CREDENTIALS_FILE ?? join(home, '.alibabacloud', 'credentials');
  let inConfig = false;
  const c = read(config);
  if (c) {
    try {
      const j = JSON.parse(c) as { profiles?: Array<{ name?: unknown }> };
      inConfig = Array.isArray(j.profiles) && j.profiles.some((p) => p && p.name === name);
    } catch {
      inConfig = false;
    }
  }
  const ini = read(credentials) ?? '';
  const inCredentials = ini.split(/\r?\n/).some((l) => new RegExp(`^\\s*\\[\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\]\\s*$`).test(l));
  return { exists: inConfig || inCredentials, files: [config, credentials] };
}
