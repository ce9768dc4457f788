// The one definition of evaluation defaults, by model kind: a Hugging Face model gets the seed's k-attempt
// evaluation (five benchmarks, k = 1..7, a separate run per k, greedy, its token budget); the built-in character
// model keeps its small synthetic-task defaults. The CLI (`eval`, its --help), the API (eval:start, eval:defaults)
// and the UI form read them from here. Pure (no tfjs): the folder check is one existsSync.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BENCHMARK_NAMES } from '../data/registry.js';

/** How accuracy at k is measured (k-attempt.ts explains each). */
export const K_ATTEMPT_PROTOCOLS = ['one-episode', 'truncated', 'separate'] as const;
export type KAttemptProtocol = (typeof K_ATTEMPT_PROTOCOLS)[number];

/**
 * Questions decoded together, for every model kind and both front ends (`eval --batch`, eval:start's batchSize).
 * 8 keeps a Hugging Face model's key/value cache at its 8,000-token budget within a laptop's memory; the app used
 * it before the CLI and the app shared one resolve (the CLI used 16). It changes speed and memory, not results.
 */
export const EVAL_BATCH_SIZE = 8;

export type EvalModelKind = 'builtin' | 'hf';

/**
 * The largest k an evaluation reports, for every model kind: K attempts (k-attempt accuracy at k = 1..K) or N
 * samples (pass@1..N). The eval spec, eval:start, `eval --attempts` and the app's form all bound K and N by it.
 */
export const EVAL_MAX_K = 64;
/** A sampled evaluation's temperature when none is given (`eval --samples` without --temperature; eval:start). */
export const EVAL_SAMPLED_TEMPERATURE = 1;
/** The seed (sampling, synthetic questions) when none is given. */
export const EVAL_SEED = 0;

export interface EvalDefaults {
  kind: EvalModelKind;
  datasets: readonly string[];
  /** K: the sweep is k = 1..K. */
  maxAttempts: number;
  protocol: KAttemptProtocol;
  /** Most tokens one attempt may generate. */
  maxTokensPerAttempt: number;
  /** Most tokens an episode may generate; null = maxAttempts × maxTokensPerAttempt. Context fitting may cut it. */
  maxTotalTokens: number | null;
  /** Greedy decoding (k-attempt accuracy is defined on it). */
  temperature: 0;
  /** Where the values come from, for --help and the docs. */
  source: string;
  /** The largest K or N (EVAL_MAX_K). */
  maxK: number;
  /** A sampled evaluation's temperature when none is given (EVAL_SAMPLED_TEMPERATURE). */
  sampledTemperature: number;
  /** The seed when none is given (EVAL_SEED). */
  seed: number;
}

/** What every model kind shares: the bound on K and N, the sampled temperature and the seed. */
const SHARED = { maxK: EVAL_MAX_K, sampledTemperature: EVAL_SAMPLED_TEMPERATURE, seed: EVAL_SEED } as const;

export const EVAL_DEFAULTS: Readonly<Record<EvalModelKind, EvalDefaults>> = Object.freeze({
  builtin: {
    kind: 'builtin',
    datasets: ['synthetic'],
    maxAttempts: 5,
    protocol: 'one-episode',
    maxTokensPerAttempt: 64,
    maxTotalTokens: null,
    temperature: 0,
    source: 'sized for the built-in model: short boxed answers on the synthetic task',
    ...SHARED,
  },
  hf: {
    kind: 'hf',
    datasets: [...BENCHMARK_NAMES],
    maxAttempts: 7,
    protocol: 'separate',
    // The seed's evaluation (DualityRL/multi-attempt, train/openrlhf/duality/vllm_mul.py): 8,000 tokens per
    // episode, generated 64 at a time with no per-attempt cap, so one attempt may use all of it; the model's
    // context cuts it further (Qwen2.5-Math-1.5B: 4,096 positions).
    maxTokensPerAttempt: 8000,
    maxTotalTokens: 8000,
    temperature: 0,
    source: "the seed's: five benchmarks, k = 1..7 each a separate run with \"You have k attempts\", greedy, 8,000 tokens per episode",
    ...SHARED,
  },
});

/** A model folder's kind: with a tokenizer.json it is a Hugging Face model (or a checkpoint of one), else the built-in model. */
export function evalModelKind(dir: string): EvalModelKind {
  return existsSync(path.join(dir, 'tokenizer.json')) ? 'hf' : 'builtin';
}

/** The defaults for a model kind; for the built-in model evaluated on a benchmark, K = 7 as the seed reports. */
export function evalDefaultsFor(kind: EvalModelKind, datasets?: readonly string[]): EvalDefaults {
  const d = EVAL_DEFAULTS[kind];
  if (kind === 'builtin' && datasets !== undefined && datasets.some((n) => (BENCHMARK_NAMES as readonly string[]).includes(n))) return { ...d, maxAttempts: 7 };
  return d;
}

/** The effective total budget: the given one, else the kind's, else K × per-attempt. */
export function totalTokensOf(d: Pick<EvalDefaults, 'maxTotalTokens'>, K: number, perAttempt: number): number {
  return d.maxTotalTokens ?? K * perAttempt;
}

/** One line per kind for --help: "built-in model: …; Hugging Face model: …". */
export function describeEvalDefaults(): string[] {
  const line = (label: string, d: EvalDefaults) =>
    `${label}: --datasets ${d.datasets.join(',')} --attempts ${d.maxAttempts} --protocol ${d.protocol} --max-tokens ${d.maxTokensPerAttempt} --max-total-tokens ${d.maxTotalTokens ?? 'K×max-tokens'}, greedy (${d.source})`;
  return [line('built-in model', EVAL_DEFAULTS.builtin), line('Hugging Face model (a folder with tokenizer.json)', EVAL_DEFAULTS.hf)];
}
