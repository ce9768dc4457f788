// Transformer: seeded init, value head, gradient check against finite differences, log-prob helpers, and a
// 20-step Adam training loop that learns without leaking tensors.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { Transformer, parameterShapes } from '../../../backend/model/core/transformer.js';
import { tokenLogProbs, entropyFromLogits } from '../../../backend/model/core/logprobs.js';
import { lmTrainStep } from '../../../backend/model/core/lm-train.js';
import { createAdam } from '../../../backend/model/formats/checkpoint.js';
import { tinyConfig } from './tiny.js';

before(async () => {
  await tf.setBackend('cpu');
});

test('seeded init is reproducible; value head gives [B, T]; HF names and shapes', async () => {
  const c = tinyConfig({ valueHead: true });
  const a = Transformer.create(c, 5);
  const b = Transformer.create(c, 5);
  const d = Transformer.create(c, 6);
  const wa = await a.param('model.layers.1.self_attn.k_proj.weight').data();
  assert.deepEqual(
    Array.from(wa),
    Array.from(await b.param('model.layers.1.self_attn.k_proj.weight').data()),
  );
  assert.notDeepEqual(
    Array.from(wa),
    Array.from(await d.param('model.layers.1.self_attn.k_proj.weight').data()),
  );
  assert.deepEqual(a.param('model.layers.0.self_attn.q_proj.weight').shape, [16, 16]);
  assert.deepEqual(a.param('model.layers.0.self_attn.k_proj.weight').shape, [8, 16]); // 2 KV heads × 4
  assert.ok(parameterShapes(c).has('lm_head.weight'));
  assert.ok(!parameterShapes(tinyConfig({ tieEmbeddings: true })).has('lm_head.weight'));
  const before = tf.memory().numTensors;
  const out = a.forward([
    [1, 2, 3],
    [4, 5, 0],
  ]);
  assert.deepEqual(out.logits.shape, [2, 3, 23]);
  assert.deepEqual(out.values!.shape, [2, 3]);
  tf.dispose([out.logits, out.values!]);
  assert.equal(tf.memory().numTensors, before);
  for (const m of [a, b, d]) m.dispose();
});

test('right padding does not change the logits of real tokens', () => {
  const m = Transformer.create(tinyConfig(), 1);
  const full = m.forward([[3, 4, 5, 6]]).logits.arraySync() as number[][][];
  const padded = m
    .forward([
      [3, 4, 0, 0],
      [3, 4, 5, 6],
    ])
    .logits.arraySync() as number[][][];
  for (let t = 0; t < 2; t++)
    for (let v = 0; v < 23; v++) assert.ok(Math.abs(full[0][t][v] - padded[0][t][v]) < 1e-5);
  m.dispose();
});

test('gradients match central finite differences on several parameters', () => {
  const m = Transformer.create(tinyConfig({ valueHead: true, numLayers: 2 }), 11);
  const ids = tf.tensor2d(
    [
      [1, 5, 9, 2, 7],
      [3, 3, 8, 0, 4],
    ],
    undefined,
    'int32',
  );
  const wl = tf.randomNormal([2, 5, 23], 0, 1, 'float32', 1);
  const wv = tf.randomNormal([2, 5], 0, 1, 'float32', 2);
  const f = () =>
    tf.tidy(() => {
      const { logits, values } = m.forward(ids as tf.Tensor2D);
      return tf.add(tf.sum(tf.mul(tf.logSoftmax(logits), wl)), tf.sum(tf.mul(values!, wv))) as tf.Scalar;
    });
  const names = [
    'model.embed_tokens.weight',
    'model.layers.0.self_attn.q_proj.weight',
    'model.layers.0.self_attn.k_proj.bias',
    'model.layers.1.self_attn.v_proj.weight',
    'model.layers.1.self_attn.o_proj.weight',
    'model.layers.0.mlp.gate_proj.weight',
    'model.layers.1.mlp.down_proj.weight',
    'model.layers.0.input_layernorm.weight',
    'model.norm.weight',
    'lm_head.weight',
    'value_head.weight',
    'value_head.bias',
  ];
  const vars = names.map((n) => m.param(n));
  const { grads, value } = tf.variableGrads(f, vars);
  value.dispose();
  const eps = 1e-2;
  let checked = 0;
  for (const v of vars) {
    const g = grads[v.name].dataSync();
    const data = v.dataSync().slice();
    // Probe the 3 entries with the largest gradients plus one arbitrary entry.
    const idx = Array.from(g.keys())
      .sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]))
      .slice(0, 3);
    idx.push(Math.floor(data.length / 2));
    for (const i of idx) {
      const probe = (delta: number) => {
        const d = data.slice();
        d[i] += delta;
        v.assign(tf.tensor(d, v.shape));
        const y = f();
        const r = y.dataSync()[0];
        y.dispose();
        return r;
      };
      const fd = (probe(eps) - probe(-eps)) / (2 * eps);
      v.assign(tf.tensor(data, v.shape));
      const tol = 5e-3 * Math.max(1, Math.abs(fd));
      assert.ok(Math.abs(fd - g[i]) <= tol, `${v.name}[${i}]: analytic ${g[i]} vs finite difference ${fd}`);
      checked++;
    }
  }
  assert.ok(checked >= 40, `only ${checked} entries checked`);
  tf.dispose([ids, wl, wv, ...Object.values(grads)]);
  m.dispose();
});

test('tokenLogProbs and entropy match a hand computation', () => {
  tf.tidy(() => {
    const logits = tf.tensor3d([
      [
        [0, Math.log(3)],
        [2, 2],
      ],
    ]); // p = [1/4, 3/4], [1/2, 1/2]
    const lp = tokenLogProbs(logits, tf.tensor2d([[1, 0]], undefined, 'int32')).arraySync() as number[][];
    assert.ok(Math.abs(lp[0][0] - Math.log(0.75)) < 1e-6);
    assert.ok(Math.abs(lp[0][1] - Math.log(0.5)) < 1e-6);
    const h = entropyFromLogits(logits).arraySync() as number[][];
    assert.ok(Math.abs(h[0][0] - -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75))) < 1e-6);
    assert.ok(Math.abs(h[0][1] - Math.log(2)) < 1e-6);
  });
});

test('20 Adam steps lower the loss and leave no tensor behind', async () => {
  const m = Transformer.create(tinyConfig(), 2);
  const opt = createAdam({ learningRate: 1e-2 });
  const ids = tf.tensor2d(
    [
      [1, 2, 3, 4, 5, 6, 7, 8],
      [8, 7, 6, 5, 4, 3, 0, 0],
    ],
    undefined,
    'int32',
  );
  const mask = tf.tensor2d([
    [1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 0, 0],
  ]);
  await lmTrainStep(m, opt, ids, mask); // creates Adam's moment variables once
  const before = tf.memory().numTensors;
  const losses: number[] = [];
  for (let s = 0; s < 20; s++) losses.push(await lmTrainStep(m, opt, ids, mask));
  assert.equal(tf.memory().numTensors, before);
  assert.ok(losses[19] < losses[0] * 0.5, `loss ${losses[0]} → ${losses[19]}`);
  tf.dispose([ids, mask]);
  opt.dispose();
  m.dispose();
});

test('creating and disposing a model leaves no tensor behind', () => {
  const start = tf.memory().numTensors;
  const m = Transformer.create(tinyConfig(), 3);
  const n = m.parameterCount();
  assert.ok(n > 0);
  m.dispose();
  assert.equal(tf.memory().numTensors, start);
});
