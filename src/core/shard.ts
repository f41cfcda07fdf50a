// `run FILE --shard INDEX/COUNT`: a stable, disjoint share of a run file's targets, so a fleet splits
// across the workers of an existing engine (a Kubernetes Indexed Job, a CI matrix).
//
// A target belongs to shard jump(sha256(name), COUNT): Lamping & Veach's jump consistent hash
// ("A Fast, Minimal Memory, Consistent Hash Algorithm", 2014, arXiv:1406.2294). It depends on the
// target's name only (not its position in the file, nor the other targets), so adding or removing
// targets never moves the others, every target is in exactly one shard, and growing COUNT by one
// moves only about 1/COUNT of them.
//
// `auto/COUNT` takes INDEX from JOB_COMPLETION_INDEX, which Kubernetes sets in each pod of an Indexed
// Job (https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode).

import { createHash } from 'node:crypto';
import { UsageError } from './model.js';

export interface Shard {
  index: number;
  count: number;
}

export const MAX_SHARDS = 10_000;

export function parseShard(spec: string, env: NodeJS.ProcessEnv): Shard {
  const m = /^(auto|\d+)\/(\d+)$/.exec(spec.trim());
  if (!m) throw new UsageError(`--shard: "${spec}" is not INDEX/COUNT (0-based, e.g. 0/4) or auto/COUNT`);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SHARDS) throw new UsageError(`--shard: COUNT ${m[2]} is out of range (1 to ${MAX_SHARDS})`);
  let raw = m[1]!;
  if (raw === 'auto') {
    const fromEnv = env.JOB_COMPLETION_INDEX;
    if (fromEnv === undefined || fromEnv === '') {
      throw new UsageError('--shard auto/COUNT: JOB_COMPLETION_INDEX is not set (Kubernetes sets it in an Indexed Job; elsewhere give the index: --shard 0/COUNT)');
    }
    if (!/^\d+$/.test(fromEnv)) throw new UsageError(`--shard auto/COUNT: JOB_COMPLETION_INDEX "${fromEnv}" is not a number`);
    raw = fromEnv;
  }
  const index = Number(raw);
  if (!Number.isSafeInteger(index) || index >= count) {
    throw new UsageError(`--shard: index ${raw} is out of range for ${count} shard${count === 1 ? '' : 's'} (0 to ${count - 1})`);
  }
  return { index, count };
}

/** The shard (0..count-1) a target name belongs to. */
export function shardOf(name: string, count: number): number {
  const key = createHash('sha256').update(name, 'utf8').digest().readBigUInt64BE(0);
  return jump(key, count);
}

/** The entries of `items` in shard `s`, in their original order. */
export function selectShard<T>(items: T[], nameOf: (item: T) => string, s: Shard): T[] {
  return items.filter((it) => shardOf(nameOf(it), s.count) === s.index);
}

export function shardLabel(s: Shard): string {
  return `${s.index}/${s.count}`;
}

const MASK = (1n << 64n) - 1n;

function jump(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key;
  while (j < buckets) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & MASK;
    j = Math.floor(((b + 1) * 2 ** 31) / (Number(k >> 33n) + 1));
  }
  return b;
}
