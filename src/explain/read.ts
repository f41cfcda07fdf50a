// Read a policy document from a file given on the command line (--identity-policy, --bucket-policy,
// --trust-policy, --boundary, --scp, --rcp, --session-policy), with a size cap checked BEFORE the
// file is read or parsed: a 10 MB "policy" costs hundreds of MB of heap once parsed and evaluated.
//
// The cap is generous on purpose. The largest policies the clouds accept are far smaller:
//   AWS: IAM managed policy 6,144 characters; inline policies of a role 10,240 in total;
//        SCP/RCP 5,120 (10,240 since May 2026); session policy 2,048 packed; S3 bucket policy 20 KB.
//   Alibaba Cloud: RAM policy 6,144 characters; OSS bucket policy 16 KB.
// So a real policy, even pretty-printed with deep indentation, never comes near MAX_POLICY_BYTES.
// Nesting is capped too: 1 MiB of `[` is 500,000 levels, which JSON.parse accepts (its parser is
// iterative) but anything recursive afterwards (JSON.stringify of a session policy) overflows the
// stack. A policy nests 6 levels at most (document, Statement, statement, Condition, operator,
// values array), so MAX_POLICY_DEPTH never bites a real one.
// Policies fetched from the cloud (GetBucketPolicy, GetRole, GetPolicyVersion, RAM GetPolicy) are
// bounded by those service limits and do not come through here.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../core/model.js';
import { findDuplicateKey } from './json.js';
import { parsePolicy, PolicyError } from './policy.js';
import type { Dialect, PolicyKind } from './types.js';

/** The largest policy file accepted: 1 MiB, 50 times AWS's largest policy (a 20 KB bucket policy). */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** The deepest nesting of arrays and objects accepted. */
export const MAX_POLICY_DEPTH = 64;

export interface PolicyFile {
  /** The file's text (UTF-8). */
  text: string;
  /** The parsed JSON. */
  json: unknown;
}

/** How deep arrays and objects nest in JSON text, counting brackets outside strings; stops past `limit`. */
export function nestingDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code ?? 'error';

function size(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

function tooLarge(label: string, file: string, what: string): UsageError {
  return new UsageError(
    `${label}: "${file}" is too large: a policy document is at most ${MAX_POLICY_BYTES / 1024} KiB ` +
      `(AWS's largest, a bucket policy, is 20 KB); this one is ${what}`,
  );
}

/**
 * Read and JSON-parse a policy file named by `label` (a flag such as `--identity-policy`). Missing,
 * unreadable, directory, over-size, too deeply nested and non-JSON files are a UsageError naming the
 * flag and the file.
 * At most MAX_POLICY_BYTES + 1 bytes are read, also from pipes and devices whose size stat cannot tell
 * (`<(…)`, /dev/stdin).
 */
export function readPolicyFile(file: string, label: string): PolicyFile {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new UsageError(`${label}: cannot read "${file}": ${errno(e)}`);
  }
  let text: string;
  try {
    let st;
    try {
      st = fstatSync(fd);
    } catch (e) {
      throw new UsageError(`${label}: cannot read "${file}": ${errno(e)}`);
    }
    if (st.isDirectory()) throw new UsageError(`${label}: cannot read "${file}": it is a directory, not a policy file`);
    if (st.isFile() && st.size > MAX_POLICY_BYTES) throw tooLarge(label, file, size(st.size));
    // Read up to one byte past the cap: a regular file may have grown since fstat, and a pipe or
    // device has no size to check up front.
    const buf = Buffer.allocUnsafe(MAX_POLICY_BYTES + 1);
    let len = 0;
    try {
      for (;;) {
        const n = readSync(fd, buf, len, buf.length - len, null);
        if (n === 0) break;
        len += n;
        if (len > MAX_POLICY_BYTES) throw tooLarge(label, file, `more than ${size(MAX_POLICY_BYTES)}`);
      }
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`${label}: cannot read "${file}": ${errno(e)}`);
    }
    text = buf.toString('utf8', 0, len);
  } finally {
    closeSync(fd);
  }
  if (nestingDepth(text, MAX_POLICY_DEPTH) > MAX_POLICY_DEPTH) {
    throw new UsageError(`${label}: "${file}" nests arrays and objects more than ${MAX_POLICY_DEPTH} levels deep; a policy needs 6`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${label}: "${file}" is not valid JSON: ${(e as Error).message}`);
  }
  const dup = findDuplicateKey(text);
  if (dup) throw new UsageError(`${label}: "${file}": duplicate key ${JSON.stringify(dup.key)}${dup.path ? ` in ${dup.path}` : ' at the top level'}: a policy must not repeat an element`);
  return { text, json };
}

/**
 * A policy file read and parsed in the given dialect, so that a malformed one (`"Effect": "Maybe"`)
 * is refused before any request, not discovered after the probe ran.
 */
export function checkPolicyFile(file: string, label: string, dialect: Dialect): PolicyFile {
  const read = readPolicyFile(file, label);
  checkPolicy(read.text, file, label, dialect);
  return read;
}

/** A parsed policy document checked in the given dialect; the error names the flag and the file. */
export function checkPolicy(document: unknown, file: string, label: string, dialect: Dialect): void {
  try {
    parsePolicy(document, { name: `${label.replace(/^--/, '')}:${file}`, kind: KIND[label] ?? 'identity', dialect });
  } catch (e) {
    if (e instanceof PolicyError) throw new UsageError(`${label}: ${e.message}`);
    throw e;
  }
}

/** One `--scp-level LEVEL=FILE` value: an SCP (Alibaba: a control policy) attached at one organisation level. */
export interface LevelFile {
  level: string;
  file: string;
}

/** A level name: root, an OU or folder id, account (letters, digits, `.`, `_`, `-`). */
const LEVEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * `LEVEL=FILE` (`root=root.json`, `ou-prod=ou.json`, `account=acct.json`), the syntax of `--scp-level` for
 * `explain`, `probe`, `run` and the run-file key. AWS Organizations: every level from the root through
 * each OU to the account must allow, and the SCPs attached at one level are a union
 * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html#how_scps_allow);
 * Alibaba Resource Directory control policies are evaluated level by level up to the root folder the same
 * way (https://help.aliyun.com/en/oss/user-guide/control-policy, "Evaluation principles").
 */
export function parseLevelFile(value: string, label = '--scp-level'): LevelFile {
  const i = value.indexOf('=');
  if (i <= 0 || i === value.length - 1) throw new UsageError(`${label}: "${value}" is not LEVEL=FILE (e.g. root=root.json)`);
  const level = value.slice(0, i);
  if (!LEVEL_NAME.test(level)) {
    throw new UsageError(`${label}: "${level}" is not a level name (root, an OU id such as ou-prod, account: letters, digits, ".", "_", "-")`);
  }
  return { level, file: value.slice(i + 1) };
}

/** The name an SCP given at a level has in reports (`scp:root:root.json`). */
export function levelPolicyName(lf: LevelFile): string {
  return `scp:${lf.level}:${lf.file}`;
}

/** The kind of policy each flag names (a resource or trust policy needs a Principal). */
const KIND: Record<string, PolicyKind> = {
  '--identity-policy': 'identity',
  '--bucket-policy': 'resource',
  '--trust-policy': 'trust',
  '--boundary': 'boundary',
  '--session-policy': 'session',
  '--scp': 'scp',
  '--rcp': 'rcp',
  '--scp-level': 'scp',
  '--kms-key-policy': 'kms',
  '--vpce-policy': 'vpce',
};
