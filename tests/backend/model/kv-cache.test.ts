// Incremental decoding through the KV cache reproduces the full forward pass, for rows of different lengths
// and after tokens are appended mid-sequence.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { KvCache } from '../../../backend/model/core/kv-cache.js';
import { tinyConfig } from './tiny.js';

before(async () => {
  await tf.setBackend('cpu');
});

/** Full-forward logits of one sequence alone: [T][V]. */
function fullLogits(model: Transformer, seq: number[]): number[][] {
  const { logits } = model.forward([seq]);
  const arr = (logits.arraySync() as number[][][])[0];
  logits.dispose();
  return arr;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('cached blocks of different lengths, single steps and a mid-sequence append match the full forward', () => {
  const model = Transformer.create(tinyConfig(), 7);
  const before = tf.memory().numTensors;
  const cache = new KvCache(3);
  const seqs: number[][] = [[], [], []];
  // Per feed: the block for each row. Row lengths differ; row 1 gets a 5-token append mid-way; row 2 idles.
  const schedule: number[][][] = [
    [
      [1, 2, 3, 4, 5, 6],
      [7, 8],
      [9, 10, 11],
    ],
    [[12], [13], [14]],
    [[15], [16, 17, 18, 19, 20], []],
    [[21], [22], [3]],
    [[4], [], [5]],
  ];
  let worst = 0;
  for (const blocks of schedule) {
    const logits = cache.feed(model, blocks, 'all'); // [B, t, V]
    const arr = logits.arraySync() as number[][][];
    logits.dispose();
    blocks.forEach((blk, i) => {
      seqs[i].push(...blk);
      const ref = fullLogits(model, seqs[i]);
      blk.forEach((_, k) => {
        const pos = seqs[i].length - blk.length + k;
        worst = Math.max(worst, maxDiff(arr[i][k], ref[pos]));
      });
    });
  }
  assert.ok(worst <= 1e-4, `max abs diff ${worst}`);
  assert.deepEqual(
    cache.lengths,
    seqs.map((s) => s.length),
  );
  // 'last' gives each row's logits at its last fed token.
  const last = cache.feed(model, [[6], [7, 8], [9]], 'last'); // [B, V]
  const lastArr = last.arraySync() as number[][];
  last.dispose();
  seqs[0].push(6);
  seqs[1].push(7, 8);
  seqs[2].push(9);
  for (let i = 0; i < 3; i++) assert.ok(maxDiff(lastArr[i], fullLogits(model, seqs[i]).at(-1)!) <= 1e-4);
  cache.dispose();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('GQA without bias and tied embeddings also matches', () => {
  const model = Transformer.create(tinyConfig({ qkvBias: false, tieEmbeddings: true, numKvHeads: 1 }), 3);
  const cache = new KvCache(2);
  const a = [1, 2, 3, 4, 5];
  const b = [6, 7];
  const l1 = cache.feed(model, [a, b], 'all');
  const l2 = cache.feed(model, [[8], [9]], 'all');
  const r1 = l1.arraySync() as number[][][];
  const r2 = l2.arraySync() as number[][][];
  tf.dispose([l1, l2]);
  const fa = fullLogits(model, [...a, 8]);
  const fb = fullLogits(model, [...b, 9]);
  assert.ok(maxDiff(r1[0][4], fa[4]) <= 1e-4);
  assert.ok(maxDiff(r1[1][1], fb[1]) <= 1e-4);
  assert.ok(maxDiff(r2[0][0], fa[5]) <= 1e-4);
  assert.ok(maxDiff(r2[1][0], fb[2]) <= 1e-4);
  cache.dispose();
  model.dispose();
});
