// The project's transformer with native kernels + fused ops (cpu-native, incl. the one-op decoder layer) against
// stock tfjs kernels: gradients of every weight (max-abs error ≤ 1e-5 of each gradient's scale) and the loss agree;
// fused Adam steps agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { createAdam } from '../../../backend/model/formats/checkpoint.js';
import { installNativeKernels, uninstallNativeKernels } from '../../../backend/model/native/native-kernels.js';
import { loadNativeAddon } from '../../../backend/model/native/native-addon.js';
import { tinyConfig } from './tiny.js';
import { layerWeightNames, nativeLayer } from '../../../backend/model/native/native-layer.js';
import { causalMask } from '../../../backend/model/core/ops.js';

const skip = loadNativeAddon().reason ? `native addon unavailable: ${loadNativeAddon().reason}` : false;

function lossOf(model: Transformer, ids: tf.Tensor2D): tf.Scalar {
  const { logits } = model.forward(ids); // [B, T, V]
  const [B, T, V] = logits.shape;
  const logp = tf.logSoftmax(tf.reshape(logits, [B * T, V])); // [B·T, V]
  const target = tf.oneHot(tf.reshape(tf.concat([tf.slice(ids, [0, 1], [B, T - 1]), tf.zeros([B, 1], 'int32')], 1), [B * T]), V);
  return tf.neg(tf.mean(tf.sum(tf.mul(target, logp), -1))) as tf.Scalar;
}

function run(native: boolean, over: Parameters<typeof tinyConfig>[0] = { qkvBias: true, tieEmbeddings: false }): { grads: Map<string, Float32Array>; afterAdam: Map<string, Float32Array> } {
  if (native) installNativeKernels();
  else uninstallNativeKernels();
  const config = tinyConfig(over);
  const model = Transformer.create(config, 5);
  const ids = tf.tensor2d([[1, 5, 7, 2, 9, 11, 3], [4, 4, 8, 15, 16, 22, 0]], undefined, 'int32');
  const n0 = tf.memory().numTensors; // after creation: Transformer.create's own bookkeeping is not under test here
  const vars = model.trainableVariables();
  const { value, grads } = tf.variableGrads(() => lossOf(model, ids), vars);
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.params) out.set(name, grads[v.name].dataSync().slice() as Float32Array);
  out.set('loss', value.dataSync().slice() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  const opt = createAdam({ learningRate: 1e-2 });
  for (let i = 0; i < 3; i++) opt.minimize(() => lossOf(model, ids), false, vars);
  const afterAdam = new Map<string, Float32Array>();
  for (const [name, v] of model.params) afterAdam.set(name, v.dataSync().slice() as Float32Array);
  opt.dispose();
  assert.equal(tf.memory().numTensors, n0, `tensor leak in the ${native ? 'native' : 'stock'} gradient/Adam path`);
  model.dispose();
  ids.dispose();
  return { grads: out, afterAdam };
}

function assertClose(a: Map<string, Float32Array>, b: Map<string, Float32Array>, what: string, tol: number): void {
  for (const [name, x] of a) {
    const y = b.get(name)!;
    let scale = 0;
    for (const v of y) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < y.length; i++) assert.ok(Math.abs(x[i] - y[i]) <= tol * Math.max(scale, 1e-30), `${what} ${name}[${i}]: ${x[i]} vs ${y[i]}`);
  }
}

test('transformer gradients and Adam steps with native kernels + fused ops equal stock tfjs', { skip }, async () => {
  await tf.setBackend('cpu');
  try {
    // GQA with q/k/v biases and untied embeddings; MQA with tied embeddings and no biases.
    for (const over of [{ qkvBias: true, tieEmbeddings: false }, { qkvBias: false, tieEmbeddings: true, numKvHeads: 1 }]) {
      const fast = run(true, over);
      const stock = run(false, over);
      assertClose(fast.grads, stock.grads, 'gradient', 1e-5);
      // After three Adam steps the weights still agree closely (differences are float rounding, amplified by Adam).
      assertClose(fast.afterAdam, stock.afterAdam, 'weights after Adam', 1e-4);
    }
  } finally {
    uninstallNativeKernels();
  }
});

test('under native kernels a full-sequence pass runs each decoder layer as one native op', { skip }, async () => {
  await tf.setBackend('cpu');
  installNativeKernels();
  try {
    const c = tinyConfig();
    const model = Transformer.create(c, 3);
    const B = 2;
    const T = 5;
    const D = c.hiddenSize / c.numHeads;
    tf.tidy(() => {
      const h = tf.randomNormal([B * T, c.hiddenSize]); // [N, C]
      const cos = tf.ones([1, 1, T, D / 2]); // [1, 1, T, D/2]
      const sin = tf.zeros([1, 1, T, D / 2]); // [1, 1, T, D/2]
      const weights = layerWeightNames(c, 0).map((n) => model.param(n));
      const y = nativeLayer(c, D, B, T, h, cos, sin, causalMask(T), weights);
      assert.ok(y, 'the layer op applies to the model config');
      assert.deepEqual(y.shape, [B * T, c.hiddenSize]);
      // A mask that is not broadcastable to the attention scores is left to the per-op path.
      assert.equal(nativeLayer(c, D, B, T, h, cos, sin, tf.zeros([3, 1, 1, T, T]), weights), null);
    });
    model.dispose();
  } finally {
    uninstallNativeKernels();
  }
});
