// The model computes the same on the wasm backend as on cpu (the benchmark's fastest offline runtime).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { selectRuntime } from '../../../backend/model/runtime/runtime.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { KvCache } from '../../../backend/model/core/kv-cache.js';
import { nextTokenLoss } from '../../../backend/model/core/logprobs.js';
import { generate } from '../../../backend/model/core/generate.js';
import { tinyConfig } from './tiny.js';

after(async () => {
  await selectRuntime({ force: 'cpu' });
});

async function run(backend: 'cpu' | 'wasm') {
  await selectRuntime({ force: backend });
  const m = Transformer.create(tinyConfig({ valueHead: true }), 17);
  const before = tf.memory().numTensors;
  const seqs = [
    [1, 2, 3, 4, 5, 6],
    [7, 8, 9, 0, 0, 0],
  ];
  const logits = tf.tidy(() => Array.from(m.forward(seqs).logits.dataSync()));
  const ids = tf.tensor2d(seqs, undefined, 'int32');
  const mask = tf.tensor2d([
    [1, 1, 1, 1, 1, 1],
    [1, 1, 1, 0, 0, 0],
  ]);
  const vars = m.trainableVariables();
  const { grads, value } = tf.variableGrads(
    () => nextTokenLoss(m.forward(ids).logits, ids, mask) as tf.Scalar,
    vars,
  );
  const grad = Array.from(grads[vars[3].name].dataSync());
  tf.dispose([value, ids, mask, ...Object.values(grads)]);
  const cache = new KvCache(2);
  const stepLogits = cache.feed(m, [[1, 2, 3], [7]], 'last');
  const cached = Array.from(stepLogits.dataSync());
  stepLogits.dispose();
  cache.dispose();
  const greedy = await generate(m, [[1, 2], [3]], { maxNewTokens: 8, temperature: 0 });
  assert.equal(tf.memory().numTensors, before, `${backend} leaked tensors`);
  m.dispose();
  return { logits, grad, cached, greedy: greedy.ids };
}

test('wasm matches cpu: logits, gradients, cached decoding, greedy tokens', async () => {
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
  assert.ok(maxDiff(cpu.logits, wasm.logits) < 1e-4);
  assert.ok(maxDiff(cpu.grad, wasm.grad) < 1e-4);
  assert.ok(maxDiff(cpu.cached, wasm.cached) < 1e-4);
  assert.deepEqual(wasm.greedy, cpu.greedy);
});
