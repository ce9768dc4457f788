// Named starting points for a training run (inputs to the run-config schema, which fills in the rest):
// the built-in model scaled for a CPU, and the reference's recipe for Qwen2.5-Math-1.5B (docs/RECIPE.md).

/** The reference's credit assignment (docs/ARCHITECTURE.md, "The method"): PPO, GAE γ = 1, λ = 0.99, ε = 0.2, k3 KL 0.01 in the loss. */
const referencePpo = {
  name: 'ppo',
  gamma: 1,
  lambda: 0.99,
  clipEps: 0.2,
  valueClip: 0.2,
  kl: { estimator: 'k3', coef: 0.01, target: 'loss' },
};

/**
 * The reference's 1.5B recipe (DualityRL/multi-attempt train/examples/script/multi_attempt.sh and baseline.sh on
 * OpenRLHF; every value and its source is in docs/RECIPE.md, which a test keeps equal to this preset).
 */
const qwenReference = {
  // Activation checkpointing, as the reference (--gradient_checkpointing): without it the activations of
  // one 4,096-token episode alone need ~68 GiB (memory-estimate.ts).
  model: { source: 'models/Qwen2.5-Math-1.5B', gradientCheckpointing: true },
  // The reference trains on all 8,523 MATH level 3–5 questions and evaluates on the five benchmarks instead.
  dataset: { source: 'math_train', heldOut: 0 },
  algorithm: referencePpo,
  optimizer: {
    actorLr: 5e-7,
    criticLr: 1e-5,
    beta1: 0.9,
    beta2: 0.95,
    gradClip: 1.0,
    schedule: { kind: 'cosine', warmupFraction: 0.03, minLrRatio: 0.1 },
  },
  // --num_episodes 160 passes over the prompts in batches of --rollout_batch_size 1024 (the last partial batch
  // dropped): 160 × ⌊8,523 / 1,024⌋ = 1,280 rollout steps.
  steps: 1280,
  rolloutBatch: 1024,
  miniBatch: 128,
  // One GPU: decode 64 episodes at a time and accumulate the gradient one episode at a time (memory-check.ts).
  microBatch: 1,
  epochs: 1,
  generation: { maxTokensPerAttempt: 3000, maxTotalTokens: 3000, temperature: 1, topP: 1, batchSize: 64 },
  // --eval_steps 8: greedy k = 1 on the five benchmarks (all questions; eval.maxQuestions samples fewer).
  eval: { everySteps: 8, attempts: 1, datasets: ['aime24', 'amc23', 'math500', 'minerva_math', 'olympiadbench'] },
  // --save_steps 8, --max_ckpt_num 2.
  checkpoint: { everySteps: 8, keepLast: 2 },
  // train_ppo_ray.py's --seed default.
  seed: 42,
};

/**
 * The built-in small model on the synthetic task, sized to run on a laptop CPU in minutes. These are
 * starting values chosen for scale (short answers, small batches, a larger learning rate for a small
 * model), not tuned results.
 */
const builtinCpu = {
  model: { source: 'builtin' },
  // The task the built-in base model is pre-trained on (DEFAULT_BASE_MODEL_SPEC.task; a test keeps them equal).
  dataset: { source: 'synthetic', heldOut: 200, synthetic: { families: ['add'], levels: [2, 3] } },
  algorithm: referencePpo,
  optimizer: {
    actorLr: 3e-4,
    criticLr: 3e-4,
    beta1: 0.9,
    beta2: 0.95,
    gradClip: 1.0,
    schedule: { kind: 'cosine', warmupFraction: 0.03, minLrRatio: 0.1 },
  },
  steps: 200,
  rolloutBatch: 64,
  miniBatch: 16,
  epochs: 2,
  generation: { maxTokensPerAttempt: 32, maxTotalTokens: 160, temperature: 1, topP: 1 },
  eval: { everySteps: 20, attempts: 1, maxQuestions: 200 },
  checkpoint: { everySteps: 50 },
};

const multiAttempt = { task: { mode: 'multi-attempt', minAttempts: 1, maxAttempts: 5 } };
/**
 * The built-in multi-attempt preset uses the seed's reward as it is (+1 / −0.5 / −1, no per-attempt discount).
 * A discount δ < 1 (`task.attemptDiscount`, an option of the method, docs/ARCHITECTURE.md) stays available; docs/RESULTS.md records the
 * runs with δ = 0.5 and what it changed.
 */
const builtinMultiAttempt = multiAttempt;
const baseline = { task: { mode: 'single-turn', minAttempts: 1, maxAttempts: 1 } };

export const PRESETS = {
  'builtin-multi-attempt': { ...builtinCpu, ...builtinMultiAttempt },
  'builtin-baseline': { ...builtinCpu, ...baseline },
  'qwen2.5-math-1.5b-multi-attempt': { ...qwenReference, ...multiAttempt },
  'qwen2.5-math-1.5b-baseline': { ...qwenReference, ...baseline },
} as const;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as [PresetName, ...PresetName[]];
