// A whole PPO trainer step on the webgpu runtime — sampled multi-attempt rollouts with feedback turns, graded,
// old/reference log-probs, values, GAE, actor and critic updates — equals the cpu runtime's step: the same
// episodes (sampling draws from seeded streams; the probabilities agree to ~1e-6, far from flipping a draw),
// step metrics within 1e-3 relative, weight updates within 1e-3 of the largest step; no tensor leaks.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { selectRuntime } from '../../../backend/model/runtime/runtime.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { additionQuestions, tinyAttemptComplete, tinyJudge, tinyModelConfig } from '../rl/tiny-trainer.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../../../backend/model/tokenizers/chat-template.js';
import { parseRunConfig } from '../../../backend/rl/config.js';
import { trainStep, createCritic, cloneModel, type TrainerEnv } from '../../../backend/rl/trainer.js';
import { startWebGpuOrSkip } from './webgpu-available.js';

after(async () => {
  await selectRuntime({ force: 'cpu' });
});

const modelConfig = tinyModelConfig();
const questions = additionQuestions(4);
const config = parseRunConfig(
  {
    steps: 1,
    rolloutBatch: 4,
    miniBatch: 4,
    epochs: 1,
    seed: 4,
    task: { mode: 'multi-attempt', minAttempts: 1, maxAttempts: 3 },
    generation: { maxTokensPerAttempt: 6, maxTotalTokens: 14, temperature: 1, topP: 1 },
    optimizer: { actorLr: 0.05, criticLr: 0.05 },
    eval: { everySteps: 0 },
    checkpoint: { everySteps: 0 },
  },
  'test config',
);

async function step(): Promise<{ metrics: Record<string, number>; tokens: number[][]; deltas: Map<string, Float32Array> }> {
  const before = tf.memory().numTensors;
  const base = Transformer.create(modelConfig, 9);
  const env: TrainerEnv = {
    state: {
      actor: await cloneModel(base),
      actorOptimizer: tf.train.sgd(0.05) as unknown as tf.AdamOptimizer,
      critic: await createCritic(base),
      criticOptimizer: tf.train.sgd(0.05) as unknown as tf.AdamOptimizer,
    },
    reference: base,
    tokenizer: charTokenizer,
    template: compactTemplate,
    trainQuestions: questions,
    judge: tinyJudge,
    isAttemptComplete: tinyAttemptComplete,
  };
  try {
    const rep = await trainStep(config, env, 0);
    const deltas = new Map<string, Float32Array>();
    for (const [name, v] of env.state.actor.params) {
      const now = (await v.data()) as Float32Array;
      const was = (await base.params.get(name)!.data()) as Float32Array;
      deltas.set(name, now.map((x, i) => x - was[i]!));
    }
    return { metrics: rep.metrics, tokens: rep.batch.episodes.map((e) => [...e.tokens]), deltas };
  } finally {
    env.state.actor.dispose();
    env.state.critic!.dispose();
    env.state.actorOptimizer.dispose();
    env.state.criticOptimizer!.dispose();
    base.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors leaked in a trainer step');
  }
}

test('a PPO trainer step on webgpu equals the cpu runtime\'s (episodes, metrics, weight updates)', async (t) => {
  await selectRuntime({ candidates: ['cpu-native', 'cpu'] });
  const cpu = await step();
  if (!(await startWebGpuOrSkip(t))) return;
  assert.equal(tf.getBackend(), 'webgpu');
  const gpu = await step();
  assert.deepEqual(gpu.tokens, cpu.tokens, 'the same sampled episodes');
  assert.deepEqual(Object.keys(gpu.metrics).sort(), Object.keys(cpu.metrics).sort());
  for (const [k, v] of Object.entries(cpu.metrics)) {
    if (/seconds|perSecond|Seconds/i.test(k)) continue; // timings
    assert.ok(Math.abs(v - gpu.metrics[k]!) <= 1e-3 * Math.max(1, Math.abs(v)), `${k}: cpu ${v}, webgpu ${gpu.metrics[k]}`);
  }
  let moved = 0;
  for (const [name, d] of cpu.deltas) {
    const big = d.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    if (big > 0) moved++;
    const diff = d.reduce((m, x, i) => Math.max(m, Math.abs(x - gpu.deltas.get(name)![i]!)), 0);
    assert.ok(diff <= 1e-3 * Math.max(big, 1e-6), `${name}: update differs by ${diff} (largest step ${big})`);
  }
  assert.ok(moved > 0, 'the step moved the actor');
});
