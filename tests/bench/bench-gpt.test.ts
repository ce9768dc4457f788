// Whole-model check on the benchmark GPT: gradients of every weight with native kernels + fused ops equal the
// gradients with stock tfjs kernels and plain compositions (max-abs error ≤ 1e-5 of each gradient's scale).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../backend/model/tf.js';
import { installNativeKernels, uninstallNativeKernels } from '../../backend/model/native-kernels.js';
import { loadNativeAddon } from '../../backend/model/native-addon.js';
import { BenchGpt, type BenchShape } from '../../bench/bench-gpt.js';

const skip = loadNativeAddon().reason ? `native addon unavailable: ${loadNativeAddon().reason}` : false;
const TINY: BenchShape = { name: 'tiny', vocab: 19, d: 16, layers: 2, heads: 4, kvHeads: 2, ffn: 24, seq: 9, batch: 3, genBatch: 2, genPrompt: 3, genNew: 4 };

function gradsOf(model: BenchGpt, ids: tf.Tensor): Map<string, Float32Array> {
  const vars = [...model.p.values()];
  const { value, grads } = tf.variableGrads(() => model.loss(ids), vars);
  const out = new Map<string, Float32Array>();
  for (const [k, v] of model.p) out.set(k, grads[v.name].dataSync().slice() as Float32Array);
  out.set('loss', value.dataSync().slice() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

test('benchmark GPT: native + fused gradients equal stock gradients; greedy tokens equal', { skip }, async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const ids = tf.tensor2d(Array.from({ length: TINY.batch * (TINY.seq + 1) }, (_, i) => (i * 7 + 3) % TINY.vocab), [TINY.batch, TINY.seq + 1], 'int32');
  const prompt = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');
  installNativeKernels();
  const fast = new BenchGpt(TINY, true);
  const g1 = gradsOf(fast, ids);
  const t1 = fast.generate(prompt, TINY.genNew);
  fast.dispose();
  uninstallNativeKernels();
  const stock = new BenchGpt(TINY, false);
  const g2 = gradsOf(stock, ids);
  const t2 = stock.generate(prompt, TINY.genNew);
  stock.dispose();
  for (const [name, a] of g1) {
    const b = g2.get(name)!;
    let scale = 0;
    for (const v of b) scale = Math.max(scale, Math.abs(v));
    assert.ok(scale > 0, `${name}: zero gradient`);
    for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * scale, `${name}[${i}]: ${a[i]} vs ${b[i]}`);
  }
  assert.deepEqual(t1, t2);
  tf.dispose([ids, prompt]);
  assert.equal(tf.memory().numTensors, before);
});
