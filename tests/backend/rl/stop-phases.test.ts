// A stop request is honoured promptly in every phase of training (issue 18): during a rollout (abandoned at its
// next token, the state still the last completed step's), during an update (it finishes, the step is committed
// without its evaluation), during an evaluation (abandoned, the step committed without it), between steps, and
// during the base model's pre-training (a timer-driven abort is seen: the loop yields to the event loop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { parseModelConfig } from '../../../backend/model/core/config.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../../../backend/model/tokenizers/chat-template.js';
import { gradeSync } from '../../../backend/math/grade.js';
import { extractAnswer } from '../../../backend/math/extract-answer.js';
import { parseRunConfig } from '../../../backend/rl/config.js';
import { train, cloneModel, createOptimizers, type TrainerEnv, type StopInfo } from '../../../backend/rl/trainer.js';
import { evaluateKAttempt } from '../../../backend/eval/k-attempt.js';
import { pretrainBaseModel } from '../../../backend/pretrain/base-model.js';
import { isStopped } from '../../../backend/model/core/stop-point.js';

const modelConfig = parseModelConfig({ vocabSize: charTokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, numKvHeads: 1, intermediateSize: 24, rmsNormEps: 1e-6, ropeTheta: 10000, qkvBias: false, tieEmbeddings: true, maxPositions: 128, initStd: 0.5 });
const questions = Array.from({ length: 12 }, (_, i) => ({ id: `q${i}`, question: `${i}+${i}=`, gold: String(2 * i) }));

const config = (over: Record<string, unknown> = {}) =>
  parseRunConfig(
    {
      steps: 5,
      rolloutBatch: 4,
      miniBatch: 2,
      seed: 3,
      algorithm: { name: 'grpo', samplesPerPrompt: 2, kl: { coef: 0 } },
      task: { mode: 'multi-attempt', minAttempts: 2, maxAttempts: 3 },
      generation: { maxTokensPerAttempt: 8, maxTotalTokens: 24, temperature: 1, topP: 1 },
      eval: { everySteps: 1 },
      checkpoint: { everySteps: 0 },
      ...over,
    },
    'stop test',
  );

/** A GRPO trainer env on a tiny random model, and a run of train() that records what the hooks saw. */
async function run(o: {
  ac: AbortController;
  cfg?: ReturnType<typeof config>;
  judgeHook?: (calls: number) => void;
  onStep?: (step: number) => void;
  /** Called before each optimizer update is applied. */
  onUpdate?: () => void;
  evaluate?: (step: number, env: TrainerEnv) => Promise<Record<string, number>>;
}) {
  const base = Transformer.create(modelConfig, 1);
  const actor = await cloneModel(base);
  base.dispose();
  const cfg = o.cfg ?? config();
  const { actorOptimizer } = createOptimizers(cfg, false);
  const apply = actorOptimizer.applyGradients.bind(actorOptimizer);
  actorOptimizer.applyGradients = (g) => {
    o.onUpdate?.();
    return apply(g);
  };
  let judged = 0;
  const env: TrainerEnv = {
    state: { actor, actorOptimizer },
    tokenizer: charTokenizer,
    template: compactTemplate,
    trainQuestions: questions,
    judge: (text, gold) => {
      o.judgeHook?.(++judged);
      const g = gradeSync(text, gold, { answerIs: false });
      return { verdict: g.verdict, extracted: g.extracted };
    },
    isAttemptComplete: (text) => extractAnswer(text, { answerIs: false }).answer !== null,
  };
  const seen = { steps: [] as number[], checkpoints: [] as number[], evaluated: [] as number[], stopped: undefined as StopInfo | undefined, weightsAtCheckpoint: undefined as Float32Array | undefined };
  const weights = () => actor.param('model.layers.0.mlp.up_proj.weight').dataSync().slice() as Float32Array;
  try {
    const result = await train(cfg, env, {
      signal: o.ac.signal,
      onStep: (r) => {
        seen.steps.push(r.step);
        o.onStep?.(r.step);
      },
      evaluate: async (step) => {
        seen.evaluated.push(step);
        return o.evaluate ? o.evaluate(step, env) : {};
      },
      checkpoint: async (step) => {
        seen.checkpoints.push(step);
        seen.weightsAtCheckpoint = weights();
      },
      onStopped: (s) => (seen.stopped = s),
    });
    return { result, seen, weightsAfter: weights(), env };
  } finally {
    actor.dispose();
    actorOptimizer.dispose();
  }
}

test('rollout: a stop during step 2’s rollout ends it at the next token; step 1 is checkpointed with untouched weights', async () => {
  const ac = new AbortController();
  let step1Done = false;
  const before = tf.memory().numTensors;
  const { result, seen, weightsAfter } = await run({ ac, onStep: (s) => (step1Done = s === 1), judgeHook: () => step1Done && ac.abort() });
  assert.deepEqual(result, { stepsDone: 1, stopped: true });
  assert.deepEqual(seen.steps, [1]);
  assert.deepEqual(seen.checkpoints, [1]);
  assert.deepEqual(seen.stopped, { phase: 'rollout', stepsDone: 1, checkpointStep: 1 });
  assert.deepEqual(weightsAfter, seen.weightsAtCheckpoint, 'the abandoned rollout changed nothing');
  assert.equal(tf.memory().numTensors - before, 0, 'no tensor leaked by the abandoned rollout');
});

test('update: a stop during step 2’s update lets it finish; step 2 is committed without its evaluation, then checkpointed', async () => {
  const ac = new AbortController();
  let stepsDone = 0;
  const { result, seen } = await run({ ac, onStep: (s) => (stepsDone = s), onUpdate: () => stepsDone === 1 && ac.abort() });
  assert.deepEqual(result, { stepsDone: 2, stopped: true });
  assert.deepEqual(seen.steps, [1, 2]);
  assert.deepEqual(seen.evaluated, [1], 'step 2 skipped its evaluation');
  assert.deepEqual(seen.checkpoints, [2]);
  assert.deepEqual(seen.stopped, { phase: 'update', stepsDone: 2, checkpointStep: 2 });
});

test('evaluation: a stop during step 2’s evaluation abandons it at the next token; step 2 is committed and checkpointed', async () => {
  const ac = new AbortController();
  let generatedAfterStop = false;
  const { result, seen } = await run({
    ac,
    evaluate: async (step, env): Promise<Record<string, number>> => {
      if (step !== 2) return {};
      ac.abort();
      try {
        await evaluateKAttempt({ model: env.state.actor, tokenizer: charTokenizer, template: compactTemplate }, [{ name: 'held-out', questions }], {
          maxAttempts: 2,
          maxTokensPerAttempt: 8,
          maxTotalTokens: 16,
          batchSize: 4,
          signal: ac.signal,
          onProgress: (done) => (generatedAfterStop ||= done > 0),
        });
      } catch (err) {
        assert.ok(isStopped(err), String(err));
        throw err;
      }
      return { evalAccuracy: 1 };
    },
  });
  assert.equal(generatedAfterStop, false, 'no batch of the evaluation finished after the stop');
  assert.deepEqual(result, { stepsDone: 2, stopped: true });
  assert.deepEqual(seen.steps, [1, 2]);
  assert.deepEqual(seen.checkpoints, [2]);
  assert.deepEqual(seen.stopped, { phase: 'evaluation', stepsDone: 2, checkpointStep: 2 });
});

test('between steps, and before any step: the stop is taken at once; a run with no step done writes no checkpoint', async () => {
  const ac = new AbortController();
  const a = await run({ ac, onStep: (s) => s === 1 && ac.abort() });
  assert.deepEqual(a.result, { stepsDone: 1, stopped: true });
  assert.deepEqual(a.seen.checkpoints, [1]);
  assert.equal(a.seen.stopped?.phase, 'between steps');
  const ac2 = new AbortController();
  ac2.abort();
  const b = await run({ ac: ac2 });
  assert.deepEqual(b.result, { stepsDone: 0, stopped: true });
  assert.deepEqual(b.seen.checkpoints, []);
  assert.deepEqual(b.seen.stopped, { phase: 'between steps', stepsDone: 0, checkpointStep: null });
});

test('pre-training: an abort from a timer (a stop message, SIGTERM) is seen while the steps run', async () => {
  const ac = new AbortController();
  const steps = 4000;
  let atAbort = -1;
  let last = 0;
  const timer = setTimeout(() => {
    atAbort = last;
    ac.abort();
  }, 300);
  const tiny = parseModelConfig({ vocabSize: charTokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, numKvHeads: 1, intermediateSize: 32, rmsNormEps: 1e-6, ropeTheta: 10000, qkvBias: false, tieEmbeddings: true, maxPositions: 96 });
  const { model, metrics } = await pretrainBaseModel({ config: tiny, seed: 0, steps, batchSize: 2, lr: 1e-2, task: { families: ['add'], levels: [1] }, signal: ac.signal, onProgress: (p) => (last = p.step) });
  clearTimeout(timer);
  model.dispose();
  assert.ok(atAbort >= 0, 'the timer fired while pre-training ran');
  assert.ok(metrics.steps < steps, `pre-training ran all ${steps} steps: the abort was not seen`);
  assert.ok(metrics.steps <= atAbort + 1, `stopped within a step of the abort (${atAbort} → ${metrics.steps})`);
});
