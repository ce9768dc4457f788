// Cached decoding on the native path (native-decode.ts: in-place KV store, stacked projections): the KV cache fed in
// blocks of different lengths with a mid-sequence append reproduces the full forward, equals the stock-kernel
// cache, and greedy generation (with rows stopping early, so stopped rows are compacted away) picks the same tokens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { KvCache } from '../../../backend/model/core/kv-cache.js';
import { generate } from '../../../backend/model/core/generate.js';
import { installNativeKernels, uninstallNativeKernels } from '../../../backend/model/native/native-kernels.js';
import { loadNativeAddon } from '../../../backend/model/native/native-addon.js';
import { nativeDecodeLimits } from '../../../backend/model/native/native-decode.js';
import { tinyConfig } from './tiny.js';

const skip = loadNativeAddon().reason ? `native addon unavailable: ${loadNativeAddon().reason}` : false;

before(async () => {
  await tf.setBackend('cpu');
});
after(() => uninstallNativeKernels());

const schedule: number[][][] = [
  [[1, 2, 3, 4, 5, 6], [7, 8], [9, 10, 11]],
  [[12], [13], [14]],
  [[15], [16, 17, 18, 19, 20], []],
  [[21], [22], [3]],
  [[4], [], [5]],
];

/** Per feed, each row's logits at its fed positions, and the same positions from a full forward of the row alone. */
function cachedAndFull(model: Transformer): { cached: number[][]; full: number[][] } {
  const cache = new KvCache(3);
  const seqs: number[][] = [[], [], []];
  const cached: number[][] = [];
  const full: number[][] = [];
  for (const blocks of schedule) {
    const logits = cache.feed(model, blocks, 'all'); // [B, t, V]
    const arr = logits.arraySync() as number[][][];
    logits.dispose();
    blocks.forEach((blk, i) => {
      seqs[i].push(...blk);
      const f = model.forward([seqs[i]]).logits; // [1, T, V]
      const ref = (f.arraySync() as number[][][])[0];
      f.dispose();
      blk.forEach((_, k) => {
        cached.push(arr[i][k]);
        full.push(ref[seqs[i].length - blk.length + k]);
      });
    });
  }
  cache.dispose();
  return { cached, full };
}

function maxDiff(a: number[][], b: number[][]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  a.forEach((row, i) => row.forEach((x, j) => (m = Math.max(m, Math.abs(x - b[i][j])))));
  return m;
}

test('native KV-cache decoding equals the full forward and the stock-kernel cache', { skip }, () => {
  for (const config of [tinyConfig(), tinyConfig({ qkvBias: false, tieEmbeddings: true, numKvHeads: 1 })]) {
    const model = Transformer.create(config, 7);
    const n0 = tf.memory().numTensors;
    installNativeKernels();
    const native = cachedAndFull(model);
    uninstallNativeKernels();
    const stock = cachedAndFull(model);
    assert.equal(tf.memory().numTensors, n0, 'tensor leak');
    assert.ok(maxDiff(native.cached, native.full) <= 1e-4, `native cache vs full forward: ${maxDiff(native.cached, native.full)}`);
    assert.ok(maxDiff(native.cached, stock.cached) <= 1e-4, `native vs stock cache: ${maxDiff(native.cached, stock.cached)}`);
    model.dispose();
  }
});

test('native greedy generation with early-stopping rows picks the stock tokens', { skip }, async () => {
  const model = Transformer.create(tinyConfig({ initStd: 0.5 }), 11);
  const prompts = [[1, 2, 3], [4], [5, 6, 7, 8, 9], [10, 11], [12], [13, 14, 15, 16]];
  const opts = { maxNewTokens: [12, 3, 9, 1, 12, 5], temperature: 0, stopTokenIds: [0] };
  installNativeKernels();
  const native = await generate(model, prompts, opts);
  uninstallNativeKernels();
  const stock = await generate(model, prompts, opts);
  assert.deepEqual(native.ids, stock.ids);
  assert.deepEqual(native.stopReason, stock.stopReason);
  native.logprobs.forEach((row, i) => row.forEach((lp, j) => assert.ok(Math.abs(lp - stock.logprobs[i][j]) <= 1e-4, `logprob ${i},${j}`)));
  model.dispose();
});

/** Feeds a fixed schedule with a row subset decoded apart (select → feed → mergeFrom); logits of every feed. */
function selectMergeRun(model: Transformer, toggleOff?: () => void): { logits: number[][][]; native: boolean[] } {
  const cache = new KvCache(4);
  const logits: number[][][] = [];
  const native: boolean[] = [];
  const take = (t: tf.Tensor) => {
    logits.push(t.arraySync() as number[][]);
    t.dispose();
  };
  // 70 prompt columns: past the store's first capacity (64), so it grows while in use.
  const long = Array.from({ length: 70 }, (_, i) => (i * 7) % 23);
  take(cache.feed(model, [long.slice(0, 40), [1, 2], long.slice(0, 3), [4]], 'last'));
  native.push(cache.native !== null);
  const sub = cache.select([0, 2]);
  take(sub.feed(model, [long.slice(40, 58), [5]], 'last'));
  take(sub.feed(model, [[6], [7, 8]], 'last'));
  native.push(sub.native !== null);
  cache.mergeFrom(sub, [0, 2]);
  toggleOff?.();
  take(cache.feed(model, [[9], [10], [11], [12]], 'last'));
  native.push(cache.native !== null);
  cache.dispose();
  return { logits, native };
}

test('native cache: in-place growth, select/mergeFrom of row subsets and a switch to stock kernels match the stock cache', { skip }, () => {
  const model = Transformer.create(tinyConfig({ maxPositions: 128 }), 5);
  const n0 = tf.memory().numTensors;
  uninstallNativeKernels();
  const stock = selectMergeRun(model);
  installNativeKernels();
  const native = selectMergeRun(model);
  const switched = selectMergeRun(model, () => uninstallNativeKernels()); // last feed on stock kernels
  assert.equal(tf.memory().numTensors, n0, 'tensor leak');
  assert.deepEqual(stock.native, [false, false, false]);
  assert.deepEqual(native.native, [true, true, true], 'the native run keeps its cache in the native store');
  assert.deepEqual(switched.native, [true, true, false]);
  for (const run of [native, switched])
    run.logits.forEach((l, f) => assert.ok(maxDiff(l, stock.logits[f]) <= 1e-4, `feed ${f}: ${maxDiff(l, stock.logits[f])}`));
  model.dispose();
});

test('native decoding follows weight updates (stacked q/k/v and gate/up weights are rebuilt after an assign)', { skip }, () => {
  const model = Transformer.create(tinyConfig(), 9);
  const logitsOf = () => {
    const cache = new KvCache(2);
    const t = cache.feed(model, [[1, 2, 3], [4, 5]], 'last');
    const out = t.arraySync() as number[][];
    t.dispose();
    cache.dispose();
    return out;
  };
  installNativeKernels();
  const before = logitsOf();
  for (const name of ['model.layers.1.self_attn.k_proj.weight', 'model.layers.0.mlp.up_proj.weight']) {
    const v = model.param(name);
    tf.tidy(() => v.assign(tf.mul(v, 1.5)));
  }
  const after = logitsOf();
  uninstallNativeKernels();
  const stock = logitsOf();
  assert.ok(maxDiff(before, stock) > 1e-3, 'the update changes the logits');
  assert.ok(maxDiff(after, stock) <= 1e-4, `native after the update vs stock: ${maxDiff(after, stock)}`);
  model.dispose();
});

test('large models decode with separate projection GEMMs (no stacked copies) and the same logits', { skip }, () => {
  const model = Transformer.create(tinyConfig(), 4);
  const saved = nativeDecodeLimits.stackMaxFloats;
  installNativeKernels();
  try {
    const stacked = cachedAndFull(model);
    nativeDecodeLimits.stackMaxFloats = 0; // every model counts as large
    const separate = cachedAndFull(model);
    assert.ok(maxDiff(separate.cached, stacked.cached) <= 1e-5, `separate vs stacked: ${maxDiff(separate.cached, stacked.cached)}`);
    assert.ok(maxDiff(separate.cached, separate.full) <= 1e-4);
  } finally {
    nativeDecodeLimits.stackMaxFloats = saved;
    uninstallNativeKernels();
    model.dispose();
  }
});
