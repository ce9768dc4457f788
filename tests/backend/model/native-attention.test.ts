// Fused attention, rotary-on-rows and log-prob pick (native forward and backward) against their stock tfjs
// compositions run on stock kernels: values and gradients within 1e-5 of the tensor's scale, no leaks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor } from '../../../backend/model/core/tf.js';
import { installNativeKernels, uninstallNativeKernels } from '../../../backend/model/native/native-kernels.js';
import { loadNativeAddon } from '../../../backend/model/native/native-addon.js';
import { attentionRows, attentionRowsReference, rotaryRows, rotaryRowsReference } from '../../../backend/model/native/native-attention.js';
import { tokenLogProbs } from '../../../backend/model/core/logprobs.js';
import { MASKED } from '../../../backend/model/core/ops.js';

const skip = loadNativeAddon().reason ? `native addon unavailable: ${loadNativeAddon().reason}` : false;

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-5): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * scale, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** Value and gradients of sum(f(inputs)·r) with native kernels (fused) and with stock kernels (reference). */
function compare(fused: (...x: Tensor[]) => Tensor, reference: (...x: Tensor[]) => Tensor, inputs: Tensor[], r: Tensor, what: string): void {
  const run = (f: (...x: Tensor[]) => Tensor) =>
    tf.tidy(() => [f(...inputs), ...tf.grads((...x: Tensor[]) => tf.sum(tf.mul(f(...x), r)))(inputs)].map((t) => t.dataSync().slice()));
  const got = run(fused);
  uninstallNativeKernels();
  try {
    const want = run(reference);
    got.forEach((a, i) => close(a, want[i], `${what} ${i === 0 ? 'value' : `gradient ${i - 1}`}`));
  } finally {
    installNativeKernels();
  }
}

before(async () => {
  await tf.setBackend('cpu');
  if (!skip) installNativeKernels();
});
after(() => uninstallNativeKernels());

test('fused attention on rows: value and q/k/v gradients equal the stock composition', { skip }, () => {
  // [B, T, H, Hkv, S, D, mask shape]
  const cases: [number, number, number, number, number, number, number[]][] = [
    [2, 5, 4, 2, 5, 8, [1, 1, 1, 5, 5]], // causal training mask, GQA
    [3, 1, 4, 4, 7, 6, [3, 1, 1, 1, 7]], // decode step against a cache, per-row mask
    [1, 3, 6, 2, 9, 4, [1, 2, 3, 3, 9]], // mask over every axis
    [2, 4, 2, 1, 6, 2, [2, 1, 1, 4, 6]], // multi-query, per-row mask with fully masked rows
  ];
  cases.forEach(([B, T, H, Hkv, S, D, mshape], n) => {
    const before = tf.memory().numTensors;
    const q = rnd([B, T, H, D], 10 + n);
    const k = rnd([B, Hkv, S, D], 20 + n);
    const v = rnd([B, Hkv, S, D], 30 + n);
    const r = rnd([B, T, H, D], 40 + n);
    const size = mshape.reduce((a, b) => a * b, 1);
    const m = new Float32Array(size);
    for (let i = 0; i < size; i++) m[i] = n === 0 ? (i % S > Math.floor(i / S) % T ? MASKED : 0) : (i * 7919) % 3 === 0 ? MASKED : 0;
    if (n === 3) m.fill(MASKED, 0, S); // row 0, t 0 sees nothing: a uniform softmax, as in the stock path
    const mask = tf.tensor(m, mshape);
    compare((a, b, c) => attentionRows(a, b, c, mask), (a, b, c) => attentionRowsReference(a, b, c, mask), [q, k, v], r, `attention case ${n}`);
    tf.dispose([q, k, v, r, mask]);
    assert.equal(tf.memory().numTensors, before);
  });
});

test('fused rotary on rows: value and gradient equal the stock composition', { skip }, () => {
  for (const [B, T, H, D, cb] of [[2, 5, 3, 8, 1], [3, 4, 2, 6, 3], [1, 1, 1, 2, 1]]) {
    const before = tf.memory().numTensors;
    const x = rnd([B, T, H, D], B + T);
    const cos = rnd([cb, 1, T, D / 2], 2);
    const sin = rnd([cb, 1, T, D / 2], 3);
    const r = rnd([B, T, H, D], 4);
    compare((a) => rotaryRows(a, cos, sin), (a) => rotaryRowsReference(a, cos, sin), [x], r, `rotary [${B},${T},${H},${D}] cos batch ${cb}`);
    tf.dispose([x, cos, sin, r]);
    assert.equal(tf.memory().numTensors, before);
  }
});

test('fused log-prob pick: tokenLogProbs value and gradient equal the stock one-hot/logSumExp path', { skip }, () => {
  const before = tf.memory().numTensors;
  const logits = tf.tidy(() => tf.mul(rnd([3, 4, 7], 5), 4));
  const targets = tf.tensor2d([[0, 6, 3, 2], [1, 1, 5, 4], [6, 0, 2, 3]], undefined, 'int32');
  const r = rnd([3, 4], 6);
  compare((x) => tokenLogProbs(x, targets), (x) => tokenLogProbs(x, targets), [logits], r, 'tokenLogProbs');
  tf.dispose([logits, targets, r]);
  assert.equal(tf.memory().numTensors, before);
});
