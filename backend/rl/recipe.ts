// The seed's training recipe for Qwen2.5-Math-1.5B, value by value with where each value is stated (the authors'
// public repository DualityRL/multi-attempt at 32d8641, on OpenRLHF), and the run-config field that carries it.
// The Qwen presets (presets.ts) follow it; a test keeps the two equal and docs/RECIPE.md equal to this table;
// `train --preset qwen2.5-math-1.5b-… --dry-run` prints it beside the config's own values.
import type { RunConfig } from './config.js';

export interface RecipeRow {
  setting: string;
  /** The reference's value, as stated. */
  reference: string;
  /** Where it is stated (file and flag) or how it follows. */
  source: string;
  /** The run-config field that carries it (dotted path), if the studio has one. */
  field?: string;
  /** The value the Qwen presets give that field (checked by a test); absent where the studio differs or has no field. */
  preset?: unknown;
  /** Only for the multi-attempt preset (the baseline is single-turn). */
  multiAttemptOnly?: true;
  /** How the studio differs, where it does. */
  note?: string;
}

const S = 'train/examples/script/multi_attempt.sh';
const A = 'train/openrlhf/cli/train_ppo_ray.py';

export const RECIPE: readonly RecipeRow[] = [
  { setting: 'base model', reference: 'Qwen/Qwen2.5-Math-1.5B', source: `${S} PRETRAIN`, field: 'model.source', preset: 'models/Qwen2.5-Math-1.5B', note: 'a local folder of the downloaded model' },
  { setting: 'training data', reference: 'MATH levels 3–5, 8,523 questions (math_level3to5_data)', source: `${S} --prompt_data`, field: 'dataset.source', preset: 'math_train' },
  { setting: 'held-out split', reference: 'none: all questions train, the benchmarks evaluate', source: `${S} (no eval split)`, field: 'dataset.heldOut', preset: 0 },
  { setting: 'algorithm', reference: 'PPO with a critic (GAE)', source: `${A} --advantage_estimator default gae`, field: 'algorithm.name', preset: 'ppo' },
  { setting: 'attempts N per episode', reference: 'uniform 1..5', source: `${A} --min_attempt 1, --max_attempt 5 (defaults)`, field: 'task.maxAttempts', preset: 5, multiAttemptOnly: true },
  { setting: 'rewards', reference: '+1 correct, −0.5 boxed wrong, −1 no box', source: 'train/openrlhf/duality/vllm_mul.py', field: 'task.rewards', preset: { correct: 1, wrong: -0.5, noBox: -1 } },
  { setting: 'per-attempt discount', reference: '1 (off)', source: `${A} --attempt_discount default 1`, field: 'task.attemptDiscount', preset: 1 },
  { setting: 'actor learning rate', reference: '5e-7', source: `${S} --actor_learning_rate`, field: 'optimizer.actorLr', preset: 5e-7 },
  { setting: 'critic learning rate', reference: '1e-5', source: `${S} --critic_learning_rate`, field: 'optimizer.criticLr', preset: 1e-5 },
  {
    setting: 'schedule',
    reference: 'cosine, warm-up ⌈3 %⌉ of the steps, floor 0.1 × peak',
    source: 'train/openrlhf/trainer/ray/ppo_actor.py get_scheduler("cosine_with_min_lr")',
    field: 'optimizer.schedule',
    preset: { kind: 'cosine', warmupFraction: 0.03, minLrRatio: 0.1 },
    note: 'the reference steps it per optimizer update (8 per rollout step), the studio per rollout step',
  },
  { setting: 'Adam betas', reference: '(0.9, 0.95)', source: `${A} --adam_betas default`, field: 'optimizer.beta2', preset: 0.95 },
  { setting: 'weight decay', reference: '0', source: `${A} --l2 default`, field: 'optimizer.weightDecay', preset: 0 },
  { setting: 'gradient clipping', reference: 'global norm 1.0', source: `${A} --max_norm default`, field: 'optimizer.gradClip', preset: 1 },
  { setting: 'rollouts per step', reference: '1,024', source: `${S} --rollout_batch_size`, field: 'rolloutBatch', preset: 1024 },
  { setting: 'episodes per update', reference: '128', source: `${S} --train_batch_size`, field: 'miniBatch', preset: 128 },
  { setting: 'epochs per rollout', reference: '1', source: `${S} --max_epochs`, field: 'epochs', preset: 1 },
  { setting: 'samples per prompt', reference: '1', source: `${S} --n_samples_per_prompt`, field: 'algorithm.samplesPerPrompt', preset: 1 },
  {
    setting: 'training steps',
    reference: '160 passes × ⌊8,523 / 1,024⌋ = 1,280 rollout steps',
    source: `${S} --num_episodes 160; ppo_trainer.py loops over a drop-last loader of 1,024 prompts`,
    field: 'steps',
    preset: 1280,
    note: 'the published figures use the best checkpoint by eval accuracy; at which step is not stated',
  },
  { setting: 'generated tokens per episode', reference: '3,000, no per-attempt cap', source: `${S} --generate_max_len; vllm_mul.py`, field: 'generation.maxTotalTokens', preset: 3000 },
  { setting: 'prompt length', reference: 'at most 1,024 tokens', source: `${S} --prompt_max_len`, note: 'no prompt cap: context fitting gives each episode the room the context leaves, and skips what cannot fit' },
  { setting: 'sampling', reference: 'temperature 1, top-p 1', source: `${S} --temperature; ${A} --top_p default`, field: 'generation.temperature', preset: 1 },
  { setting: 'KL to the reference', reference: 'k3, coefficient 0.01, in the actor loss', source: `${S} --init_kl_coef 0.01 --direct_kl --use_kl_estimator_k3`, field: 'algorithm.kl', preset: { estimator: 'k3', coef: 0.01, target: 'loss' } },
  { setting: 'GAE γ', reference: '1', source: `${A} --gamma default`, field: 'algorithm.gamma', preset: 1 },
  { setting: 'GAE λ', reference: '0.99', source: `${S} --lambd`, field: 'algorithm.lambda', preset: 0.99 },
  { setting: 'PPO clip ε', reference: '0.2', source: `${A} --eps_clip default`, field: 'algorithm.clipEps', preset: 0.2 },
  { setting: 'value clip', reference: '0.2', source: `${A} --value_clip default`, field: 'algorithm.valueClip', preset: 0.2 },
  { setting: 'advantage whitening', reference: 'on', source: `${A} --disable_normalize_adv not given`, field: 'algorithm.whitenAdvantages', note: 'unset = on for gae' },
  { setting: 'loss reduction', reference: 'token-level mean', source: `${S} --disable_seq_mean`, note: 'the studio always takes the token-level mean' },
  { setting: 'reward normalisation', reference: 'on', source: `${S} --normalize_reward`, note: 'not implemented in the studio' },
  { setting: 'precision and sharding', reference: 'bf16, ZeRO-3, Adam offloaded, flash attention', source: `${S} --bf16 --zero_stage 3 --adam_offload --flash_attn`, note: 'the studio computes in float32 (tfjs) on one device' },
  { setting: 'activation checkpointing', reference: 'on', source: `${S} --gradient_checkpointing`, field: 'model.gradientCheckpointing', preset: true },
  { setting: 'micro-batches', reference: '8 per GPU × 4 GPUs (update), 16 (rollout)', source: `${S} --micro_train_batch_size --micro_rollout_batch_size`, field: 'microBatch', preset: 1, note: 'one GPU: 1-episode micro-batches accumulated, 64 episodes decoded together' },
  { setting: 'answer check during generation', reference: 'every 64 tokens', source: `${A} --mul_num_token default`, note: 'the studio checks at every closing brace' },
  { setting: 'evaluation during training', reference: 'every 8 steps', source: `${S} --eval_steps`, field: 'eval.everySteps', preset: 8 },
  {
    setting: 'its questions',
    reference: 'the five benchmarks in full, greedy, k = 1, 3,000 tokens',
    source: 'train/openrlhf/utils/utils.py vllm_math_evaluate',
    field: 'eval.datasets',
    preset: ['aime24', 'amc23', 'math500', 'minerva_math', 'olympiadbench'],
    note: 'eval.maxQuestions evaluates the first N of each instead',
  },
  { setting: 'checkpoints', reference: 'every 8 steps, the last 2 kept', source: `${S} --save_steps 8 --max_ckpt_num 2`, field: 'checkpoint.keepLast', preset: 2 },
  { setting: 'seed', reference: '42', source: `${A} --seed default`, field: 'seed', preset: 42 },
  {
    setting: 'final evaluation',
    reference: 'k = 1..7, a separate run per k ("You have k attempts"), greedy, 8,000 tokens per episode, five benchmarks',
    source: 'README.md "Evaluate"; vllm_mul.py __main__ generate_max_len=8000',
    note: "the `eval` command's defaults for a Hugging Face model (backend/eval/eval-defaults.ts)",
  },
];

/** The value of a dotted path in a config. */
export function configValue(config: RunConfig, field: string): unknown {
  let v: unknown = config;
  for (const key of field.split('.')) v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[key];
  return v;
}

const show = (v: unknown) => (v === undefined ? 'unset' : typeof v === 'string' ? v : JSON.stringify(v));

/** The recipe as a Markdown table (docs/RECIPE.md holds exactly this). */
export function recipeMarkdown(): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const lines = ['| setting | reference | source (DualityRL/multi-attempt @ 32d8641) | run-config field (Qwen presets) | note |', '|---|---|---|---|---|'];
  for (const r of RECIPE)
    lines.push(`| ${esc(r.setting)} | ${esc(r.reference)} | ${esc(r.source)} | ${r.field ? `\`${r.field}\`${r.preset !== undefined ? ` = ${esc(show(r.preset))}` : ''}` : '—'} | ${esc(r.note ?? '')} |`);
  return lines.join('\n');
}

/** The recipe beside a config's own values, one line per setting (for `train --dry-run`). */
export function recipeLines(config: RunConfig): string[] {
  return RECIPE.map((r) => {
    const ours = r.field ? `${r.field} = ${show(configValue(config, r.field))}` : (r.note ?? '');
    return `  ${r.setting}: ${r.reference} [${r.source}] → ${ours}`;
  });
}
