// Activation checkpointing: on a tiny Qwen2-shaped model (GQA, q/k/v biases, tied and untied embeddings) the loss
// and the gradient of every weight equal the plain forward's, under stock tfjs and under native kernels (the
// one-op decoder layer); the forward keeps fewer tensor bytes alive; without a tape it is the plain forward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { checkpointed } from '../../../backend/model/core/checkpointed-layer.js';
import { installNativeKernels, uninstallNativeKernels } from '../../../backend/model/native/native-kernels.js';
import { loadNativeAddon } from '../../../backend/model/native/native-addon.js';
import { tinyConfig } from './tiny.js';

const noAddon = loadNativeAddon().reason ? `native addon unavailable: ${loadNativeAddon().reason}` : false;
const QWEN_SHAPES = [
  { qkvBias: true, tieEmbeddings: true, numKvHeads: 2, numLayers: 3 },
  { qkvBias: true, tieEmbeddings: false, numKvHeads: 1, numLayers: 2 },
];

function lossOf(model: Transformer, ids: tf.Tensor2D, checkpoint: boolean): tf.Scalar {
  const { logits } = model.forward(ids, { checkpoint }); // [B, T, V]
  const [B, T, V] = logits.shape;
  const logp = tf.logSoftmax(tf.reshape(tf.slice(logits, [0, 0, 0], [B, T - 1, V]), [B * (T - 1), V])); // [B·(T−1), V]
  const target = tf.oneHot(tf.reshape(tf.slice(ids, [0, 1], [B, T - 1]), [-1]), V); // [B·(T−1), V]
  return tf.neg(tf.mean(tf.sum(tf.mul(target, logp), -1))) as tf.Scalar;
}

/** Loss and every weight's gradient, with or without checkpointing; asserts no tensor leak. */
function gradients(model: Transformer, ids: tf.Tensor2D, checkpoint: boolean): Map<string, Float32Array> {
  const n0 = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => lossOf(model, ids, checkpoint), model.trainableVariables());
  const out = new Map<string, Float32Array>([['loss', value.dataSync().slice() as Float32Array]]);
  for (const [name, v] of model.params) {
    assert.ok(grads[v.name], `${name} has a gradient`);
    out.set(name, grads[v.name]!.dataSync().slice() as Float32Array);
  }
  tf.dispose([value, ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, n0, `tensor leak (checkpoint ${checkpoint})`);
  return out;
}

function maxAbsDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): { worst: number; where: string } {
  let worst = 0;
  let where = '';
  for (const [name, x] of a) {
    const y = b.get(name)!;
    assert.equal(x.length, y.length, name);
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i]! - y[i]!);
      if (!(d <= worst)) [worst, where] = [d, `${name}[${i}]`];
    }
  }
  return { worst, where };
}

function compareWithAndWithout(native: boolean): void {
  if (native) installNativeKernels();
  else uninstallNativeKernels();
  for (const over of QWEN_SHAPES) {
    const model = Transformer.create(tinyConfig(over), 11);
    const ids = tf.tensor2d([[1, 5, 7, 2, 9, 11, 3, 6], [4, 4, 8, 15, 16, 22, 0, 1]], undefined, 'int32');
    const plain = gradients(model, ids, false);
    const ckpt = gradients(model, ids, true);
    assert.equal(ckpt.get('loss')![0], plain.get('loss')![0], 'the loss is the same');
    const { worst, where } = maxAbsDiff(ckpt, plain);
    assert.ok(worst <= 1e-5, `max abs gradient difference ${worst} at ${where} (${JSON.stringify(over)})`);
    // Gradients are not all zero (the comparison would be empty otherwise).
    assert.ok([...plain.values()].some((g) => g.some((x) => Math.abs(x) > 1e-4)));
    ids.dispose();
    model.dispose();
  }
}

test('checkpointed gradients equal the plain ones (stock tfjs)', async () => {
  await tf.setBackend('cpu');
  compareWithAndWithout(false);
});

test('checkpointed gradients equal the plain ones (native kernels, one-op decoder layers)', { skip: noAddon }, async () => {
  await tf.setBackend('cpu');
  try {
    compareWithAndWithout(true);
  } finally {
    uninstallNativeKernels();
  }
});

test('a checkpointed forward under a tape keeps fewer tensor bytes alive, and without a tape is the plain forward', async () => {
  await tf.setBackend('cpu');
  uninstallNativeKernels();
  const model = Transformer.create(tinyConfig({ numLayers: 4, maxPositions: 64 }), 2);
  const ids = tf.tensor2d([Array.from({ length: 48 }, (_, i) => (i * 7) % 23)], undefined, 'int32');
  const n0 = tf.memory().numTensors;
  const liveBytes = (checkpoint: boolean) => {
    let bytes = 0;
    const { value, grads } = tf.variableGrads(() => {
      const before = tf.memory().numBytes;
      const loss = lossOf(model, ids, checkpoint);
      bytes = tf.memory().numBytes - before; // everything the forward keeps until the backward pass
      return loss;
    }, model.trainableVariables());
    tf.dispose([value, ...Object.values(grads)]);
    return bytes;
  };
  const plain = liveBytes(false);
  const ckpt = liveBytes(true);
  assert.ok(ckpt < plain * 0.6, `checkpointed forward holds ${ckpt} bytes, plain ${plain}`);
  const [a, b] = tf.tidy(() => [model.forward(ids).logits.dataSync(), model.forward(ids, { checkpoint: true }).logits.dataSync()]);
  assert.deepEqual(b, a);
  assert.equal(tf.memory().numTensors, n0, 'tensor leak');
  ids.dispose();
  model.dispose();
});

test('checkpointed() gives a layer function the same value and gradients, consts get none', async () => {
  await tf.setBackend('cpu');
  const n0 = tf.memory().numTensors;
  const x = tf.tensor2d([[0.5, -1], [2, 0.25]]); // [2, 2]
  const w = tf.tensor2d([[1, 2], [-3, 0.5]]); // [2, 2]
  const scale = tf.scalar(3);
  const f = (xx: tf.Tensor, ws: tf.Tensor[], cs: tf.Tensor[]) => tf.mul(tf.tanh(tf.matMul(xx, ws[0]!)), cs[0]!); // [2, 2]
  const loss = (ck: boolean) => (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(ck ? checkpointed(f, xx, [ww], [scale]) : f(xx, [ww], [scale])));
  const [gx, gw] = tf.grads(loss(false))([x, w]);
  const [cx, cw] = tf.grads(loss(true))([x, w]);
  assert.deepEqual(cx!.dataSync(), gx!.dataSync());
  assert.deepEqual(cw!.dataSync(), gw!.dataSync());
  tf.dispose([x, w, scale, gx!, gw!, cx!, cw!]);
  assert.equal(tf.memory().numTensors, n0, 'tensor leak');
});
