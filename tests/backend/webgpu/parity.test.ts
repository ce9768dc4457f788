// The webgpu runtime computes what the cpu runtime computes, on the built-in model's shape and on a tiny Hugging
// Face Qwen2 folder: logits, gradients, a KV-cached greedy decode with a feedback turn, one PPO step (old
// log-probs, values, actor and critic updates), and a saved checkpoint. Here the adapter is Mesa's llvmpipe (a
// software rasteriser; in CI too), so shapes are tiny. Tolerances (float32 sums in another order): logits,
// log-probs and values within 1e-4 absolute; gradients and weight updates within 1e-3 of the largest |x|;
// greedy tokens identical; checkpoints byte-identical. Every run checks for tensor leaks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tf } from '../../../backend/model/core/tf.js';
import { selectRuntime } from '../../../backend/model/runtime/runtime.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { nextTokenLoss } from '../../../backend/model/core/logprobs.js';
import { createDecodeSession } from '../../../backend/model/core/generate.js';
import { loadHfModel } from '../../../backend/model/formats/hf-import.js';
import { saveModel } from '../../../backend/model/formats/checkpoint.js';
import { Rng } from '../../../backend/model/core/rng.js';
import { BASE_MODEL_CONFIG } from '../../../backend/pretrain/base-model.js';
import { createCritic } from '../../../backend/rl/trainer.js';
import { actorUpdate, batchLogProbs, batchValues, criticUpdate, rowsTensor } from '../../../backend/rl/ppo-update.js';
import { QWEN_TINY, writeTinyModel } from '../model/hf-fixtures.js';
import { startWebGpuOrSkip } from './webgpu-available.js';

interface Result {
  logits: Float32Array;
  grads: Map<string, Float32Array>;
  decoded: number[][];
  decodedLogp: number[][];
  oldLogp: Float32Array;
  values: Float32Array;
  metrics: Record<string, number>;
  /** Weight changes of the PPO step, actor and critic. */
  deltas: Map<string, Float32Array>;
  checkpoint: Buffer;
}

let dir: string;
let cpuRuntime: 'cpu-native' | 'cpu';

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'as-webgpu-'));
  await writeTinyModel(path.join(dir, 'qwen'), QWEN_TINY, { seed: 3 });
  cpuRuntime = (await selectRuntime({ candidates: ['cpu-native', 'cpu'] })).name as 'cpu-native' | 'cpu';
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await selectRuntime({ force: 'cpu' });
});

async function snapshot(m: Transformer, prefix: string): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of m.params) out.set(prefix + name, (await v.data()).slice() as Float32Array);
  return out;
}

/** Everything the parity checks compare, computed on the active backend. */
async function measure(makeModel: () => Promise<Transformer>, tag: string): Promise<Result> {
  const before = tf.memory().numTensors;
  const model = await makeModel();
  const V = model.config.vocabSize;
  const rng = new Rng(7);
  const [B, T] = [2, 10];
  const idsArr = Int32Array.from({ length: B * T }, () => 1 + rng.int(V - 1));
  const ids = tf.tensor2d(idsArr, [B, T], 'int32');
  const mask = tf.tensor2d([[1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]]);
  let critic: Transformer | undefined;
  try {
    const lt = tf.tidy(() => model.forward(ids as tf.Tensor2D).logits); // [B, T, V]
    const logits = (await lt.data()).slice() as Float32Array;
    lt.dispose();
    const vars = model.trainableVariables();
    const { grads, value } = tf.variableGrads(() => nextTokenLoss(model.forward(ids as tf.Tensor2D).logits, ids, mask) as tf.Scalar, vars);
    const gradArrays = new Map<string, Float32Array>();
    for (const v of vars) gradArrays.set(v.name.replace(/^m\d+\//, ''), (await grads[v.name]!.data()).slice() as Float32Array);
    tf.dispose([value, ...Object.values(grads)]);

    // Greedy decoding with the KV cache, then a feedback turn appended to one row and a second call.
    const session = createDecodeSession(model, { batchSize: 2, maxLength: 40, temperature: 0, topP: 1, seed: 0 });
    const decoded: number[][] = [[], []];
    const decodedLogp: number[][] = [[], []];
    try {
      session.append(0, [1, 2, 3, 4]);
      session.append(1, [5, 6]);
      for (const turn of [0, 1]) {
        if (turn === 1) session.append(0, [7, 8, 9]);
        const r = await session.generate({ active: [true, true], maxNewTokens: [6, 6] });
        for (let i = 0; i < 2; i++) {
          decoded[i]!.push(...r.ids[i]!);
          decodedLogp[i]!.push(...r.logprobs[i]!);
        }
      }
    } finally {
      session.dispose();
    }

    // A checkpoint of the weights as loaded (read back from the device), before the PPO step changes them.
    const ckpt = path.join(dir, `ckpt-${tag}`);
    await saveModel(ckpt, model);
    const checkpoint = readFileSync(path.join(ckpt, 'model.safetensors'));

    // One PPO step on the batch: old log-probs and values without gradients, then the actor and critic updates.
    critic = await createCritic(model);
    const oldLogp = await batchLogProbs(model, idsArr, B, T, 1);
    const values = await batchValues(critic, idsArr, B, T, 2);
    const before0 = new Map([...(await snapshot(model, 'actor:')), ...(await snapshot(critic, 'critic:'))]);
    const A = T - 1;
    const adv = Float32Array.from({ length: B * A }, (_, i) => Math.sin(i));
    const lossMask = Float32Array.from({ length: B * A }, (_, i) => (i % A >= 2 ? 1 : 0));
    const refLogp = oldLogp.map((x, i) => x - 0.05 * Math.cos(i));
    const ret = Float32Array.from({ length: B * A }, (_, i) => 0.5 * Math.cos(i));
    const batch = tf.tidy(() => ({
      ids: rowsTensor(idsArr, T, 0, B, 'int32'), // [B, T]
      mask: rowsTensor(lossMask, A, 0, B), // [B, A]
      oldLogp: rowsTensor(oldLogp.map((x, i) => x + 0.1 * Math.sin(3 * i)), A, 0, B), // [B, A], ratios ≠ 1
      advantages: rowsTensor(adv, A, 0, B), // [B, A]
      refLogp: rowsTensor(refLogp, A, 0, B), // [B, A]
      oldValues: rowsTensor(values, A, 0, B), // [B, A]
      returns: rowsTensor(ret, A, 0, B), // [B, A]
    }));
    const opt = tf.train.sgd(0.05);
    const copt = tf.train.sgd(0.05);
    let metrics: Record<string, number>;
    try {
      metrics = await actorUpdate(model, opt, batch, { clipEps: 0.2, klCoef: 0.1, klKind: 'k3', entropyCoef: 0.01, gradClip: 1 });
      const cm = await criticUpdate(critic, copt, batch, 0.2, 1);
      for (const [k, v] of Object.entries(cm)) metrics[`critic.${k}`] = v;
    } finally {
      tf.dispose(Object.values(batch));
      opt.dispose();
      copt.dispose();
    }
    const after0 = new Map([...(await snapshot(model, 'actor:')), ...(await snapshot(critic, 'critic:'))]);
    const deltas = new Map<string, Float32Array>();
    for (const [k, a] of after0) deltas.set(k, a.map((x, i) => x - before0.get(k)![i]!));

    return { logits, grads: gradArrays, decoded, decodedLogp, oldLogp, values, metrics, deltas, checkpoint };
  } finally {
    tf.dispose([ids, mask]);
    critic?.dispose();
    model.dispose();
    assert.equal(tf.memory().numTensors, before, `${tag}: tensors leaked`);
  }
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  return Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
};

function assertParity(cpu: Result, gpu: Result, what: string): void {
  assert.ok(maxDiff(cpu.logits, gpu.logits) < 1e-4, `${what}: logits differ by ${maxDiff(cpu.logits, gpu.logits)}`);
  for (const [name, g] of cpu.grads) {
    const d = maxDiff(g, gpu.grads.get(name)!);
    assert.ok(d <= 1e-3 * Math.max(maxAbs(g), 1e-6), `${what}: gradient of ${name} differs by ${d} (largest |g| ${maxAbs(g)})`);
  }
  assert.deepEqual(gpu.decoded, cpu.decoded, `${what}: greedy tokens`);
  assert.ok(maxDiff(cpu.decodedLogp.flat(), gpu.decodedLogp.flat()) < 1e-4, `${what}: decoded log-probs`);
  assert.ok(maxDiff(cpu.oldLogp, gpu.oldLogp) < 1e-4, `${what}: old log-probs`);
  assert.ok(maxDiff(cpu.values, gpu.values) < 1e-4, `${what}: values`);
  for (const [k, v] of Object.entries(cpu.metrics)) {
    assert.ok(Number.isFinite(v), `${what}: metric ${k} is ${v}`);
    assert.ok(Math.abs(v - gpu.metrics[k]!) <= 1e-4 * Math.max(1, Math.abs(v)), `${what}: PPO metric ${k}: cpu ${v}, webgpu ${gpu.metrics[k]}`);
  }
  let moved = 0;
  for (const [name, d] of cpu.deltas) {
    if (maxAbs(d) > 0) moved++;
    const diff = maxDiff(d, gpu.deltas.get(name)!);
    assert.ok(diff <= 1e-3 * Math.max(maxAbs(d), 1e-6), `${what}: PPO update of ${name} differs by ${diff} (largest step ${maxAbs(d)})`);
  }
  assert.ok(moved > cpu.deltas.size / 2, `${what}: the PPO step moved ${moved} of ${cpu.deltas.size} tensors`);
  assert.ok(cpu.checkpoint.equals(gpu.checkpoint), `${what}: checkpoints differ`);
}

async function compare(t: import('node:test').TestContext, makeModel: () => Promise<Transformer>, what: string): Promise<void> {
  await selectRuntime({ force: cpuRuntime });
  const cpu = await measure(makeModel, `${what}-cpu`);
  const report = await startWebGpuOrSkip(t);
  if (!report) return;
  assert.equal(tf.getBackend(), 'webgpu', 'the backend actually active');
  const gpu = await measure(makeModel, `${what}-webgpu`);
  assertParity(cpu, gpu, what);
}

test('the built-in model on webgpu equals the cpu runtime: logits, gradients, decoding, a PPO step, checkpoint', async (t) => {
  await compare(t, async () => Transformer.create(BASE_MODEL_CONFIG, 11), 'built-in');
});

test('a Hugging Face Qwen2 folder on webgpu equals the cpu runtime', async (t) => {
  await compare(t, () => loadHfModel(path.join(dir, 'qwen')), 'qwen2');
});

test('the parity check can fail: a model with other weights gives other logits and tokens', async (t) => {
  const report = await startWebGpuOrSkip(t);
  if (!report) return;
  const a = await measure(async () => Transformer.create(BASE_MODEL_CONFIG, 11), 'seed-11');
  const b = await measure(async () => Transformer.create(BASE_MODEL_CONFIG, 12), 'seed-12');
  assert.throws(() => assertParity(a, b, 'different seeds'), /differ|greedy tokens/);
});
