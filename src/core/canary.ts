// Canary keys and bodies. Keys live under `<prefix>.backup-canary/<run-id>/` where the run id sorts by
// time, so a sweeper can find stale canaries later and never confuse them with real backups.

import { createHash, randomBytes } from 'node:crypto';

export const CANARY_DIR = '.backup-canary/';

/** `20261122T072807Z-3f9a1c`: UTC time to the second plus 24 random bits. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Parse a run id's time; null when the string is not a run id. */
export function runIdTime(runId: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-[0-9a-f]{6}$/.exec(runId);
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  // Date.UTC rolls month 13 or hour 25 over: only a time that prints back the same is a run id.
  if (Number.isNaN(d.getTime()) || newRunId(d).slice(0, 16) !== runId.slice(0, 16)) return null;
  return d;
}

/** `<prefix>.backup-canary/`: every run's canaries, and nothing else, live under it. */
export function canaryFolder(prefix: string): string {
  return `${prefix}${CANARY_DIR}`;
}

/** `<prefix>.backup-canary/<run-id>/`: one run's canaries. */
export function canaryRoot(prefix: string, runId: string): string {
  return `${canaryFolder(prefix)}${runId}/`;
}

export interface CanaryBody {
  bytes: Buffer;
  sha256: string;
}

export function canaryBody(size: number): CanaryBody {
  const bytes = randomBytes(size);
  return { bytes, sha256: sha256(bytes) };
}

const shared = new Map<number, CanaryBody>();

/**
 * Random bytes made once per process and size, for the large multipart part: `run` with 32 targets
 * at once would otherwise hold 32 different 5 MiB buffers. Never written to (the adapters only send
 * it). The completed object still differs per run: its second part is a per-run canaryBody.
 */
export function sharedCanaryBody(size: number): CanaryBody {
  let body = shared.get(size);
  if (!body) {
    body = canaryBody(size);
    shared.set(size, body);
  }
  return body;
}

/** SHA-256 of the buffers one after the other (no concatenated copy). */
export function sha256(...parts: Buffer[]): string {
  const h = createHash('sha256');
  for (const b of parts) h.update(b);
  return h.digest('hex');
}

export function shortId(): string {
  return randomBytes(4).toString('hex');
}
