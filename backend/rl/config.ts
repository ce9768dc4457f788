// The one schema of a training run (zod): every field with its default and help text, cross-field checks,
// unknown keys rejected; `parseRunConfig` turns JSON (optionally naming a preset) into a resolved config.
import { z } from 'zod';
import { PRESETS, PRESET_NAMES } from './presets.js';
import { FAMILIES, type Family } from '../data/synthetic.js';
import { allowedKeys, describeFields, isPlain, mergeConfigInput, type FieldDoc, type Json } from './config-fields.js';

export { mergeConfigInput, type FieldDoc };

/**
 * The runtime names of backend/model/runtime/runtime.ts, repeated here so that the config (validated in the UI too)
 * does not load TensorFlow.js; a test keeps the two lists equal.
 */
export const CONFIG_RUNTIME_NAMES = ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'cpu-native', 'wasm', 'cpu'] as const;

const int = (min: number) => z.number().int().min(min);
const prob = z.number().min(0).max(1);

const taskSchema = z
  .strictObject({
    mode: z
      .enum(['multi-attempt', 'single-turn'])
      .default('multi-attempt')
      .describe(
        'multi-attempt: N attempts with feedback after each wrong one; single-turn: the baseline, one attempt and the plain prompt',
      ),
    minAttempts: int(1)
      .default(1)
      .describe(
        'Smallest number of attempts N drawn per training sample (uniform in minAttempts..maxAttempts)',
      ),
    maxAttempts: int(1).default(5).describe('Largest number of attempts N drawn per training sample'),
    rewards: z
      .strictObject({
        correct: z.number().default(1).describe('Reward when any attempt is correct'),
        wrong: z
          .number()
          .default(-0.5)
          .describe('Reward when some attempt had a boxed answer but none was correct'),
        noBox: z
          .number()
          .default(-1)
          .describe('Reward when no attempt ever had a boxed answer (includes running out of budget)'),
      })
      .prefault({})
      .describe('Episode reward values (reference: +1 / −0.5 / −1)'),
    attemptDiscount: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .describe(
        'Per-attempt discount δ on the success reward: solving at attempt i (0-based) earns correct·δ^i; 1 = off (reference)',
      ),
  })
  .prefault({})
  .describe('The task: multi-attempt episodes or the single-turn baseline');

const algorithmSchema = z
  .strictObject({
    name: z
      .enum(['ppo', 'grpo', 'rloo', 'reinforce++'])
      .default('ppo')
      .describe(
        'ppo: GAE with a critic (reference); grpo: group-normalised; rloo: leave-one-out baseline; reinforce++: KL-penalised returns, no critic',
      ),
    samplesPerPrompt: int(1)
      .default(1)
      .describe('Samples drawn per prompt in a rollout (grpo and rloo need at least 2)'),
    gamma: prob
      .default(1)
      .describe('Discount γ inside an attempt (gae, reinforce++); the feedback span always uses 1'),
    lambda: prob.default(0.99).describe('GAE λ inside an attempt; the feedback span always uses 1'),
    clipEps: z
      .number()
      .gt(0)
      .max(1)
      .default(0.2)
      .describe('PPO clip range ε: the probability ratio is kept in [1 − ε, 1 + ε]'),
    clipEpsHigh: z
      .number()
      .gt(0)
      .max(10)
      .optional()
      .describe('Upper clip range if different from ε (asymmetric clipping); unset = ε'),
    valueClip: z.number().gt(0).default(0.2).describe('Value clipping range around the rollout-time value'),
    whitenAdvantages: z
      .boolean()
      .optional()
      .describe(
        'Whiten advantages over the batch (masked); unset = the estimator default (gae, reinforce++: yes; grpo, rloo: no)',
      ),
    kl: z
      .strictObject({
        estimator: z
          .enum(['k1', 'k2', 'k3'])
          .default('k3')
          .describe('KL estimator to the frozen reference model (k3 in the reference)'),
        coef: z.number().min(0).default(0.01).describe('KL coefficient; 0 = no reference model'),
        target: z
          .enum(['loss', 'reward'])
          .default('loss')
          .describe(
            'loss: added to the actor loss (reference); reward: folded into token rewards (REINFORCE++ style)',
          ),
      })
      .prefault({})
      .describe('KL regularisation to the initial policy'),
    entropyCoef: z
      .number()
      .min(0)
      .default(0)
      .describe('Entropy bonus coefficient in the actor loss (0 = metric only)'),
  })
  .prefault({})
  .describe('The RL algorithm and its credit assignment');

const optimizerSchema = z
  .strictObject({
    actorLr: z.number().gt(0).default(5e-7).describe('Peak learning rate of the policy'),
    criticLr: z.number().gt(0).default(1e-5).describe('Peak learning rate of the critic (ppo only)'),
    beta1: z.number().min(0).lt(1).default(0.9).describe('Adam β1'),
    beta2: z.number().min(0).lt(1).default(0.95).describe('Adam β2'),
    epsilon: z.number().gt(0).default(1e-8).describe('Adam ε'),
    weightDecay: z.number().min(0).default(0).describe('Decoupled weight decay (0 = off)'),
    gradClip: z.number().gt(0).default(1).describe('Clip the global gradient norm to this value'),
    schedule: z
      .strictObject({
        kind: z
          .enum(['cosine', 'constant'])
          .default('cosine')
          .describe('Learning-rate schedule after warm-up'),
        warmupFraction: z
          .number()
          .min(0)
          .lt(1)
          .default(0.03)
          .describe('Share of the steps spent in linear warm-up'),
        minLrRatio: prob.default(0.1).describe('Cosine floor as a fraction of the peak learning rate'),
      })
      .prefault({})
      .describe('Learning-rate schedule'),
  })
  .prefault({})
  .describe('Adam optimizers of actor and critic');

const generationSchema = z
  .strictObject({
    maxTokensPerAttempt: int(1).default(3000).describe('Most tokens the model may generate in one attempt'),
    maxTotalTokens: int(1)
      .default(3000)
      .describe('Most tokens the model may generate over the whole episode (all attempts)'),
    temperature: z.number().gt(0).default(1).describe('Sampling temperature during rollouts'),
    topP: z.number().gt(0).max(1).default(1).describe('Nucleus sampling threshold during rollouts'),
    batchSize: int(1)
      .optional()
      .describe(
        'Episodes decoded together (one KV cache); the rollout batch is generated chunk by chunk, each sequence with its own seeded sampling stream. Unset = the whole rolloutBatch at once',
      ),
  })
  .prefault({})
  .describe('Sampling during rollouts');

const evalSchema = z
  .strictObject({
    everySteps: int(0).default(10).describe('Evaluate every n steps (0 = only at the end)'),
    attempts: int(1).default(1).describe('k: attempts allowed in the periodic evaluation (greedy decoding)'),
    datasets: z
      .array(z.string().min(1))
      .default(['held-out'])
      .describe(
        "Datasets to evaluate on: 'held-out' (the held-out split of the training set) or built-in benchmark names / files",
      ),
    maxQuestions: int(1)
      .optional()
      .describe('Evaluate on at most this many questions per dataset (unset = all)'),
  })
  .prefault({})
  .describe('Periodic evaluation');

const checkpointSchema = z
  .strictObject({
    everySteps: int(0).default(50).describe('Write a checkpoint every n steps (0 = only at the end)'),
    keepLast: int(1).optional().describe('Keep only the last n checkpoints (unset = keep all)'),
  })
  .prefault({})
  .describe('Checkpointing');

const modelSchema = z
  .strictObject({
    source: z
      .string()
      .min(1)
      .default('builtin')
      .describe("'builtin' (the embedded small model) or the path of a Hugging Face model folder"),
    checkpoint: z
      .string()
      .min(1)
      .optional()
      .describe('Start from this checkpoint instead of the source weights'),
    gradientCheckpointing: z
      .boolean()
      .default(false)
      .describe(
        'Activation checkpointing in the updates of policy and critic: each decoder layer keeps only its input for the backward pass and recomputes its forward there (same gradients, about one more forward pass of time, far less activation memory on long episodes)',
      ),
  })
  .prefault({})
  .describe('The policy (and, for ppo, the critic backbone)');

const datasetSchema = z
  .strictObject({
    source: z
      .string()
      .min(1)
      .default('synthetic')
      .describe(
        "Training questions: 'synthetic' (generated), a built-in dataset name (e.g. 'math_train', 'math500'), or a JSONL/JSON/Parquet file",
      ),
    questionField: z
      .string()
      .min(1)
      .optional()
      .describe('Field holding the question (unset = first of question, problem, Question, input)'),
    answerField: z.string().min(1).optional().describe("Field holding the gold answer (unset = 'answer')"),
    heldOut: int(0).default(200).describe('Questions held out of training for the periodic evaluation'),
    synthetic: z
      .strictObject({
        families: z
          .array(z.enum(FAMILIES as [Family, ...Family[]]))
          .min(1)
          .optional()
          .describe(`Problem families of the synthetic task (${FAMILIES.join(', ')}); unset = all`),
        levels: z.array(int(1)).min(1).optional().describe('Difficulty levels (1-based); unset = all levels of each family'),
      })
      .optional()
      .describe("The synthetic task's problems (source 'synthetic' only)"),
  })
  .prefault({})
  .describe('Training data');

const runConfigObject = z.strictObject({
  name: z.string().min(1).optional().describe('A name for the run, shown in lists and charts'),
  preset: z.enum(PRESET_NAMES).optional().describe('The preset these values start from'),
  task: taskSchema,
  algorithm: algorithmSchema,
  optimizer: optimizerSchema,
  steps: int(1).default(100).describe('Training steps (one rollout batch and its updates per step)'),
  rolloutBatch: int(1).default(1024).describe('Episodes generated per step'),
  miniBatch: int(1).default(128).describe('Episodes per optimizer update (must divide rolloutBatch)'),
  microBatch: int(1)
    .optional()
    .describe(
      'Episodes per forward/backward pass: each mini-batch is split into micro-batches whose gradients are accumulated (token-weighted) before one optimizer step; also the chunk of the no-gradient log-prob and value passes. Unset = the whole miniBatch at once (must divide miniBatch)',
    ),
  epochs: int(1).default(1).describe('Passes over each rollout batch'),
  generation: generationSchema,
  eval: evalSchema,
  checkpoint: checkpointSchema,
  seed: int(0).default(0).describe('Random seed (sampling, attempt counts, data order, initialisation)'),
  model: modelSchema,
  dataset: datasetSchema,
  runtime: z
    .enum(['auto', ...CONFIG_RUNTIME_NAMES])
    .default('auto')
    .describe("Compute runtime: 'auto' picks the fastest available"),
});

/** Cross-field checks, each naming the field it blames. */
export const runConfigSchema = runConfigObject.superRefine((c, ctx) => {
  const bad = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (c.task.minAttempts > c.task.maxAttempts)
    bad(
      ['task', 'minAttempts'],
      `must be ≤ task.maxAttempts (${c.task.maxAttempts}), got ${c.task.minAttempts}`,
    );
  if (c.task.mode === 'single-turn' && (c.task.minAttempts !== 1 || c.task.maxAttempts !== 1))
    bad(
      ['task', 'maxAttempts'],
      'single-turn mode has exactly 1 attempt: set minAttempts and maxAttempts to 1',
    );
  const r = c.task.rewards;
  if (!(r.correct > r.wrong && r.correct > r.noBox))
    bad(['task', 'rewards', 'correct'], `must exceed wrong (${r.wrong}) and noBox (${r.noBox})`);
  if (c.miniBatch > c.rolloutBatch || c.rolloutBatch % c.miniBatch !== 0)
    bad(['miniBatch'], `must divide rolloutBatch (${c.rolloutBatch}), got ${c.miniBatch}`);
  if (c.microBatch !== undefined && (c.microBatch > c.miniBatch || c.miniBatch % c.microBatch !== 0))
    bad(['microBatch'], `must divide miniBatch (${c.miniBatch}), got ${c.microBatch}`);
  if (c.generation.batchSize !== undefined && c.generation.batchSize > c.rolloutBatch)
    bad(['generation', 'batchSize'], `must be ≤ rolloutBatch (${c.rolloutBatch}), got ${c.generation.batchSize}`);
  if (c.rolloutBatch % c.algorithm.samplesPerPrompt !== 0)
    bad(
      ['algorithm', 'samplesPerPrompt'],
      `must divide rolloutBatch (${c.rolloutBatch}), got ${c.algorithm.samplesPerPrompt}`,
    );
  if ((c.algorithm.name === 'grpo' || c.algorithm.name === 'rloo') && c.algorithm.samplesPerPrompt < 2)
    bad(['algorithm', 'samplesPerPrompt'], `${c.algorithm.name} needs at least 2 samples per prompt`);
  if (c.algorithm.name === 'grpo' || c.algorithm.name === 'rloo') {
    if (c.miniBatch % c.algorithm.samplesPerPrompt !== 0)
      bad(
        ['miniBatch'],
        `must be a multiple of algorithm.samplesPerPrompt (${c.algorithm.samplesPerPrompt}) so groups stay whole`,
      );
  }
  if (c.algorithm.kl.target === 'reward' && c.algorithm.name !== 'reinforce++')
    bad(
      ['algorithm', 'kl', 'target'],
      "'reward' is only supported with reinforce++ (the other algorithms add the KL to the actor loss)",
    );
  if (c.generation.maxTokensPerAttempt > c.generation.maxTotalTokens)
    bad(
      ['generation', 'maxTokensPerAttempt'],
      `must be ≤ generation.maxTotalTokens (${c.generation.maxTotalTokens})`,
    );
});

export type RunConfig = z.output<typeof runConfigSchema>;

export interface ConfigProblem {
  path: string;
  message: string;
}

/** A config that failed validation: every problem with the path of its field. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${source}: invalid run config (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/**
 * Validates a run config given as a JSON string or a parsed value; `source` names it in errors (a file path,
 * '--preset NAME', ...). A `preset` key starts from that preset, the other keys override it. Throws a
 * {@link ConfigError} listing every bad field with its path; returns the config with all defaults filled in.
 */
export function parseRunConfig(json: unknown, source: string): RunConfig {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new ConfigError(source, [{ path: '', message: `not valid JSON: ${(err as Error).message}` }]);
    }
  }
  if (!isPlain(value))
    throw new ConfigError(source, [
      {
        path: '',
        message: `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`,
      },
    ]);
  if (value.preset !== undefined) {
    const name = value.preset;
    if (typeof name !== 'string' || !Object.hasOwn(PRESETS, name)) {
      throw new ConfigError(source, [
        {
          path: 'preset',
          message: `unknown preset ${JSON.stringify(name)} (available: ${PRESET_NAMES.join(', ')})`,
        },
      ]);
    }
    value = mergeConfigInput(PRESETS[name as keyof typeof PRESETS] as Json, value);
  }
  const result = runConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    const at = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.push({
          path: at ? `${at}.${key}` : key,
          message: `unknown key (allowed: ${allowedKeys(runConfigObject.shape, issue.path).join(', ')})`,
        });
    } else problems.push({ path: at, message: issue.message });
  }
  throw new ConfigError(source, problems);
}

/** The resolved config of a named preset. */
export function presetRunConfig(name: string): RunConfig {
  return parseRunConfig({ preset: name }, `preset '${name}'`);
}

/** Help text, kind and bounds of every run config field (leaves and sections), in schema order: for `--help`, docs and the UI's forms. */
export function describeRunConfigFields(): FieldDoc[] {
  return describeFields(runConfigObject.shape);
}
