// --shard: stable, disjoint shares of a run file's targets by target name (jump consistent hash).
import t from 'tap';
import { parseRunFile } from '../../src/core/runfile.js';
import { parseShard, selectShard, shardOf } from '../../src/core/shard.js';

const names = Array.from({ length: 12 }, (_, i) => `db-${String(i + 1).padStart(2, '0')}`);
const file = `defaults:\n  prefix: nightly/\ntargets:\n${names.map((n) => `  - name: ${n}\n    bucket: corp-backups\n    role: arn:aws:iam::123456789012:role/backup\n`).join('')}`;
const rf = parseRunFile(file, 'fleet.yaml');

t.test('three shards of a 12-target run file are disjoint, cover all and are stable', async (t) => {
  const shards = [0, 1, 2].map((index) => selectShard(rf.targets, (e) => e.name, { index, count: 3 }).map((e) => e.name));
  t.comment(`shards: ${shards.map((s) => s.join(',')).join(' | ')}`);
  const all = shards.flat();
  t.equal(all.length, 12, 'every target once');
  t.same([...new Set(all)].sort(), names, 'together they are the whole file');
  t.ok(shards.every((s) => s.length > 0 && s.length < 12), 'no shard has all or none of them');
  // stable: the same again, from a reordered file, and with targets added
  const again = [0, 1, 2].map((index) => selectShard(rf.targets, (e) => e.name, { index, count: 3 }).map((e) => e.name));
  t.same(again, shards);
  const reordered = parseRunFile(`targets:\n${[...names].reverse().map((n) => `  - name: ${n}\n    bucket: b\n`).join('')}`, 'r.yaml');
  t.same([0, 1, 2].map((index) => selectShard(reordered.targets, (e) => e.name, { index, count: 3 }).map((e) => e.name).sort()), shards.map((s) => [...s].sort()));
  const grown = [...names, 'new-1', 'new-2', 'new-3'];
  for (const n of names) t.equal(shardOf(n, 3), shards.findIndex((s) => s.includes(n)), `${n} stays in its shard when targets are added`);
  t.equal(grown.length, 15);
});

t.test('growing the shard count moves few targets (consistent hashing)', async (t) => {
  const many = Array.from({ length: 2000 }, (_, i) => `target-${i}`);
  const moved = many.filter((n) => shardOf(n, 8) !== shardOf(n, 9)).length;
  t.ok(moved < 2000 / 9 + 100, `${moved} of 2000 moved from 8 to 9 shards (about 1/9 expected)`);
  t.ok(many.every((n) => shardOf(n, 9) === shardOf(n, 8) || shardOf(n, 9) === 8), 'a moved target moves to the new shard only');
  const sizes = Array.from({ length: 8 }, (_, i) => many.filter((n) => shardOf(n, 8) === i).length);
  t.ok(sizes.every((s) => s > 180 && s < 320), `balanced: ${sizes.join(', ')}`);
  t.equal(shardOf('anything', 1), 0);
});

t.test('--shard INDEX/COUNT and auto/COUNT', async (t) => {
  t.same(parseShard('0/3', {}), { index: 0, count: 3 });
  t.same(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3' }), { index: 3, count: 4 });
  t.throws(() => parseShard('auto/4', {}), /JOB_COMPLETION_INDEX is not set/);
  t.throws(() => parseShard('auto/4', { JOB_COMPLETION_INDEX: '4' }), /index 4 is out of range for 4 shards \(0 to 3\)/);
  t.throws(() => parseShard('auto/4', { JOB_COMPLETION_INDEX: 'x' }), /is not a number/);
  t.throws(() => parseShard('3/3', {}), /out of range/);
  t.throws(() => parseShard('1/0', {}), /COUNT 0 is out of range/);
  t.throws(() => parseShard('1-3', {}), /is not INDEX\/COUNT/);
  t.throws(() => parseShard('-1/3', {}), { name: 'UsageError' });
});
