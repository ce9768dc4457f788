// The trainer on a tiny random char-level model: PPO and GRPO steps run, produce finite metrics, move the
// weights, keep the tensor count flat, and a checkpoint round-trips the actor, critic and optimizer state;
// a PPO step with activation checkpointing updates actor and critic exactly as one without.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tf } from '../../../backend/model/core/tf.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { parseModelConfig } from '../../../backend/model/core/config.js';
import { parseRunConfig } from '../../../backend/rl/config.js';
import { train, trainStep, questionsForStep, type TrainerEnv, type StepReport } from '../../../backend/rl/trainer.js';
import { saveTrainingCheckpoint, loadTrainingCheckpoint } from '../../../backend/rl/train-checkpoint.js';
import { additionQuestions, disposeTinyEnv, makeTinyEnv, tinyModelConfig } from './tiny-trainer.js';
import { installNativeKernels, uninstallNativeKernels } from '../../../backend/model/native/native-kernels.js';
import { loadNativeAddon } from '../../../backend/model/native/native-addon.js';

const modelConfig = tinyModelConfig();
const questions = additionQuestions(12);

function config(over: Record<string, unknown> = {}) {
  return parseRunConfig(
    {
      steps: 2,
      rolloutBatch: 8,
      miniBatch: 4,
      seed: 3,
      task: { mode: 'multi-attempt', minAttempts: 1, maxAttempts: 3 },
      generation: { maxTokensPerAttempt: 8, maxTotalTokens: 20, temperature: 1, topP: 1 },
      optimizer: { actorLr: 1e-2, criticLr: 1e-2 },
      eval: { everySteps: 0 },
      checkpoint: { everySteps: 0 },
      ...over,
    },
    'test config',
  );
}

const makeEnv = (withCritic: boolean, mc = modelConfig) => makeTinyEnv(questions, config(), { withCritic, modelConfig: mc });
const disposeEnv = disposeTinyEnv;

test('PPO steps: finite metrics, weights move, reference frozen, no tensor leak', async () => {
  const env = await makeEnv(true);
  try {
    const cfg = config();
    const ref0 = env.reference.param('model.norm.weight').dataSync().slice();
    const w0 = env.state.actor.param('model.layers.0.mlp.up_proj.weight').dataSync().slice();
    await trainStep(cfg, env, 0); // warm-up: optimizer slots are created on the first update
    const before = tf.memory().numTensors;
    const reports: StepReport[] = [];
    const r = await train(cfg, env, { onStep: (rep) => void reports.push(rep) }, 1);
    assert.equal(r.stepsDone, 2);
    assert.equal(tf.memory().numTensors, before, 'tensor count after steps');
    const m = reports[0]!.metrics;
    for (const key of ['reward', 'accuracy', 'accuracyFirstAttempt', 'attemptsUsed', 'kl', 'entropy', 'clipFraction', 'valueLoss', 'lr', 'tokensPerSecond', 'secondsPerStep', 'solvedAt1']) {
      assert.ok(Number.isFinite(m[key]), `${key} = ${m[key]}`);
    }
    assert.ok(m.reward! >= -1 && m.reward! <= 1);
    assert.ok(m.attemptsUsed! >= 1 && m.attemptsUsed! <= 3);
    const w1 = env.state.actor.param('model.layers.0.mlp.up_proj.weight').dataSync();
    assert.ok(w1.some((v, i) => v !== w0[i]), 'actor weights changed');
    assert.deepEqual(Array.from(env.reference.param('model.norm.weight').dataSync()), Array.from(ref0));
    // The rollout is laid out with the feedback turns masked out of the loss.
    const b = reports[0]!.batch;
    const fbTokens = b.episodes.reduce((a, e) => a + e.kinds.filter((k) => k === 'feedback').length, 0);
    const genTokens = b.episodes.reduce((a, e) => a + e.kinds.filter((k) => k === 'generated').length, 0);
    assert.equal(b.actionMasks.lossMask.reduce((a, x) => a + x, 0), genTokens);
    assert.ok(fbTokens > 0, 'some episodes got feedback');
  } finally {
    disposeEnv(env);
  }
});

test('GRPO with groups and the single-turn baseline run without a critic', async () => {
  const env = await makeEnv(false);
  try {
    const cfg = config({ algorithm: { name: 'grpo', samplesPerPrompt: 4 }, task: { mode: 'single-turn', minAttempts: 1, maxAttempts: 1 } });
    const rep = await trainStep(cfg, env, 0);
    assert.equal(rep.batch.B, 8);
    assert.deepEqual(Array.from(rep.batch.groups), [0, 0, 0, 0, 1, 1, 1, 1]);
    assert.ok(rep.batch.episodes.every((e) => e.attempts.length === 1));
    assert.ok(Number.isFinite(rep.metrics.actorLoss));
  } finally {
    disposeEnv(env);
  }
});

test('a training checkpoint round-trips actor, critic and optimizer state; the next step is identical', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-ckpt-'));
  const env = await makeEnv(true);
  try {
    const cfg = config();
    await trainStep(cfg, env, 0);
    const where = await saveTrainingCheckpoint(dir, env.state, { step: 1, config: cfg });
    const loaded = await loadTrainingCheckpoint(where);
    assert.equal(loaded.info.step, 1);
    const env2: TrainerEnv = { ...env, state: loaded };
    const a = await trainStep(cfg, env, 1);
    const b = await trainStep(cfg, env2, 1);
    assert.equal(a.metrics.reward, b.metrics.reward);
    assert.ok(Math.abs(a.metrics.actorLoss! - b.metrics.actorLoss!) < 1e-5, `${a.metrics.actorLoss} vs ${b.metrics.actorLoss}`);
    const wa = env.state.actor.param('model.layers.0.self_attn.q_proj.weight').dataSync();
    const wb = loaded.actor.param('model.layers.0.self_attn.q_proj.weight').dataSync();
    let maxDiff = 0;
    wa.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - wb[i]!))));
    assert.ok(maxDiff < 1e-5, `weights after the same step differ by ${maxDiff}`);
    loaded.actor.dispose();
    loaded.critic?.dispose();
    loaded.actorOptimizer.dispose();
    loaded.criticOptimizer?.dispose();
  } finally {
    disposeEnv(env);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('questionsForStep walks seeded passes over the data', () => {
  const a = questionsForStep(questions, 5, 0, 1).map((q) => q.id);
  const b = questionsForStep(questions, 5, 1, 1).map((q) => q.id);
  const c = questionsForStep(questions, 5, 2, 1).map((q) => q.id);
  assert.equal(new Set([...a, ...b, c[0], c[1]]).size, 12, 'first pass covers every question once');
  assert.deepEqual(questionsForStep(questions, 5, 1, 1).map((q) => q.id), b, 'deterministic');
  assert.notDeepEqual(questionsForStep(questions, 5, 0, 2).map((q) => q.id), a, 'seed matters');
});

test('no tensor leak across 20 PPO training steps', async () => {
  const env = await makeEnv(true);
  try {
    const cfg = config({ steps: 21, rolloutBatch: 4, miniBatch: 2 });
    await trainStep(cfg, env, 0); // creates the optimizer slots
    const before = tf.memory().numTensors;
    let steps = 0;
    await train(cfg, env, { onStep: () => void steps++ }, 1);
    assert.equal(steps, 20);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    disposeEnv(env);
  }
});

test('a PPO step with model.gradientCheckpointing gives the same updated actor and critic as without (stock and native kernels)', async () => {
  const twoLayers = parseModelConfig({ ...modelConfig, numLayers: 2, numHeads: 4, numKvHeads: 2, qkvBias: true });
  const paths = loadNativeAddon().reason ? [false] : [false, true];
  try {
    for (const native of paths) {
      if (native) installNativeKernels();
      else uninstallNativeKernels();
      const weights: Float32Array[][] = [];
      for (const gradientCheckpointing of [false, true]) {
        const env = await makeEnv(true, twoLayers);
        try {
          const before = tf.memory().numTensors;
          await trainStep(config({ model: { gradientCheckpointing } }), env, 0);
          // The first Adam step creates m and v for every variable; nothing else stays.
          const vars = env.state.actor.trainableVariables().length + env.state.critic!.trainableVariables().length;
          assert.equal(tf.memory().numTensors, before + 2 * vars, 'no tensor leak');
          weights.push([...env.state.actor.trainableVariables(), ...env.state.critic!.trainableVariables()].map((v) => v.dataSync().slice() as Float32Array));
        } finally {
          disposeEnv(env);
        }
      }
      const [plain, ckpt] = weights;
      let worst = 0;
      plain!.forEach((w, i) => w.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - ckpt![i]![j]!)))));
      assert.ok(worst <= 1e-6, `${native ? 'native' : 'stock'}: updated weights differ by up to ${worst}`);
      const start = Transformer.create(twoLayers, 1);
      const moved = start.trainableVariables().some((v, i) => v.dataSync().some((x, j) => x !== plain![i]![j]));
      start.dispose();
      assert.ok(moved, 'the step moved the actor');
    }
  } finally {
    uninstallNativeKernels();
  }
});
