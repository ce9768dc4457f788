// The built-in preset's base model: supervised next-token pre-training of the built-in transformer on the
// synthetic task (loss on the model's answers only), and a checkpoint cache keyed by a hash of the spec.
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, readFile, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../model/core/tf.js';
import { Transformer } from '../model/core/transformer.js';
import { parseModelConfig, type ModelConfig } from '../model/core/config.js';
import { charTokenizer } from '../model/tokenizers/char-tokenizer.js';
import { lmTrainStep } from '../model/core/lm-train.js';
import { adam } from '../model/native/native-fused.js';
import { saveModel, loadModel } from '../model/formats/checkpoint.js';
import { Rng } from '../model/core/rng.js';
import { cosineWithWarmup } from '../model/core/schedule.js';
import { stopPoint } from '../model/core/stop-point.js';
import { shippedBaseModelsDir } from './shipped-base-models.js';
import type { SyntheticProblem } from '../data/synthetic.js';
import {
  encodeExample,
  packBatch,
  renderTrainingExample,
  trainProblems,
  type BaseTaskSpec,
  type ExampleOptions,
} from './base-model-data.js';

/**
 * The model the base model trains: smaller than BUILTIN_MODEL_CONFIG (d64 × 2 layers, 106k parameters instead
 * of d128 × 4, 802k) because a training step is ~3× cheaper and the CPU budget is what limits it (see
 * docs/RESULTS.md); maxPositions 256 holds 5 compact attempts of a boxed number with room to spare.
 */
export const BASE_MODEL_CONFIG: ModelConfig = Object.freeze(
  parseModelConfig({
    vocabSize: charTokenizer.vocabSize,
    hiddenSize: 64,
    numLayers: 2,
    numHeads: 4,
    numKvHeads: 2,
    intermediateSize: 192,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    qkvBias: false,
    tieEmbeddings: true,
    maxPositions: 256,
  }),
);

/** Everything that determines the base model's weights (and so its cache key). */
export interface BaseModelSpec extends ExampleOptions {
  config: ModelConfig;
  seed: number;
  steps: number;
  batchSize: number;
  /** Peak learning rate (cosine with 5% warm-up to a floor of 0.1×). */
  lr: number;
  task: BaseTaskSpec;
}

/** The chosen default (see docs/RESULTS.md "Base model for the built-in preset" for the measurements). */
export const DEFAULT_BASE_MODEL_SPEC: BaseModelSpec = Object.freeze({
  config: BASE_MODEL_CONFIG,
  seed: 0,
  // 6,000 steps: 2-digit sums are learned abruptly somewhere between ~1,500 and ~4,000 steps depending on the
  // seed (docs/RESULTS.md); 6,000 reached 99–100% on all three seeds measured.
  steps: 6000,
  batchSize: 32,
  lr: 3e-3,
  // 2-digit and 3-digit sums, half each: a task whose gold is a function of the question. Seed 0's 6,000-step
  // model solves the 2-digit half and ~15% of the 3-digit half greedily (52% at k = 1 on validation), and five
  // samples at temperature 1 find the sum on ~66% of questions against 56% for five greedy attempts with
  // feedback. Other seeds learn the 3-digit carries fully within 6,000 steps (seed 1: 97% at k = 1): where the
  // base model lands is seed-dependent (docs/RESULTS.md, issue #16).
  task: { families: ['add'], levels: [2, 3] } as BaseTaskSpec,
  // Only two-candidate (`root`) questions read it: the corpus writes the first-listed root 70% of the time. No
  // question of the default task has two candidates, so it changes nothing there (it stays in the spec, and so
  // in the hash of the shipped checkpoints, as it was when they were trained).
  firstCandidateShare: 0.7,
  retryExampleShare: 0.1,
  // Retry examples pair a near miss (a dropped carry, one digit off: the model's own kind of mistake) with the
  // right answer; with far first attempts the base model's retries after "incorrect" were mostly far answers
  // and five greedy attempts added 0.3 points over one, with near misses 3.0 (validation, docs/RESULTS.md).
  retryFirstAttempt: 'near-miss',
  maxAttempts: 5,
  singleTurnPromptShare: 0.2,
  answerStyle: 'boxed',
});

export interface PretrainProgress {
  step: number;
  steps: number;
  loss: number;
  lr: number;
  elapsedSeconds: number;
}

export interface PretrainOptions extends Partial<BaseModelSpec> {
  /** Called after every step. */
  onProgress?: (p: PretrainProgress) => void;
  /** Stops after the current step; the model trained so far is returned. */
  signal?: AbortSignal;
}

export interface PretrainMetrics {
  steps: number;
  parameterCount: number;
  /** Mean loss of the first and last 10% of steps. */
  firstLoss: number;
  finalLoss: number;
  /** Loss every ~steps/20 steps: [step, loss]. */
  lossCurve: [number, number][];
  /** Tokens with loss mask 1, and all token positions processed (padding included). */
  trainedTokens: number;
  batchTokens: number;
  /** Dialogues longer than the model's context: left out of their batch (never truncated), counted here. */
  skippedExamples: number;
  wallSeconds: number;
  /** CPU time of this process during training (all threads): the load-independent cost on a shared machine. */
  cpuSeconds: number;
  stepsPerSecond: number;
}

export interface PretrainResult {
  model: Transformer;
  metrics: PretrainMetrics;
  /** The spec actually used (defaults filled in). */
  spec: BaseModelSpec;
  /** The first problems the model was trained on (up to 512), for a memorisation check. */
  seenSample: SyntheticProblem[];
}

export function resolveBaseModelSpec(o: Partial<BaseModelSpec> = {}): BaseModelSpec {
  const s: BaseModelSpec = { ...DEFAULT_BASE_MODEL_SPEC, ...stripUndefined(o) };
  const bad = (field: string, msg: string): never => {
    throw new Error(`base model spec: field '${field}': ${msg}`);
  };
  if (!Number.isInteger(s.steps) || s.steps < 1) bad('steps', `must be a positive integer, got ${s.steps}`);
  if (!Number.isInteger(s.batchSize) || s.batchSize < 1) bad('batchSize', `must be a positive integer, got ${s.batchSize}`);
  if (!(s.lr > 0)) bad('lr', `must be positive, got ${s.lr}`);
  if (!(s.retryExampleShare >= 0 && s.retryExampleShare <= 1)) bad('retryExampleShare', `must be in [0, 1], got ${s.retryExampleShare}`);
  if (!(s.singleTurnPromptShare >= 0 && s.singleTurnPromptShare <= 1))
    bad('singleTurnPromptShare', `must be in [0, 1], got ${s.singleTurnPromptShare}`);
  if (!Number.isInteger(s.maxAttempts) || s.maxAttempts < 1) bad('maxAttempts', `must be a positive integer, got ${s.maxAttempts}`);
  if (s.retryFirstAttempt !== 'near-miss' && s.retryFirstAttempt !== 'far')
    bad('retryFirstAttempt', `must be 'near-miss' or 'far', got '${String(s.retryFirstAttempt)}'`);
  if (s.answerStyle !== 'boxed' && s.answerStyle !== 'reversed')
    bad('answerStyle', `must be 'boxed' or 'reversed', got '${String(s.answerStyle)}'`);
  if (s.firstCandidateShare !== undefined && !(s.firstCandidateShare >= 0 && s.firstCandidateShare <= 1))
    bad('firstCandidateShare', `must be in [0, 1], got ${s.firstCandidateShare}`);
  if (s.task.families.length === 0) bad('task.families', 'must name at least one family');
  s.config = parseModelConfig(s.config, 'base model spec: config');
  if (s.config.vocabSize !== charTokenizer.vocabSize)
    bad('config.vocabSize', `must be the char tokenizer's ${charTokenizer.vocabSize}, got ${s.config.vocabSize}`);
  return s;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Supervised pre-training on fresh train-split problems every step; loss only on the trained answer spans. */
export async function pretrainBaseModel(opts: PretrainOptions = {}): Promise<PretrainResult> {
  const { onProgress, signal, ...rest } = opts;
  const spec = resolveBaseModelSpec(rest);
  const model = Transformer.create(spec.config, spec.seed);
  const optimizer = adam(spec.lr, 0.9, 0.95, 1e-8);
  const rng = new Rng(spec.seed * 2 + 1);
  const schedule = { baseLr: spec.lr, totalSteps: spec.steps, warmupFraction: 0.05, minLrRatio: 0.1 };
  const losses: number[] = [];
  const seenSample: SyntheticProblem[] = [];
  let trainedTokens = 0;
  let batchTokens = 0;
  let skippedExamples = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // Yields to the event loop every 50 ms: a stop message or SIGTERM must be seen during the thousands of steps.
  const pause = stopPoint(undefined, 'base-model pre-training');
  try {
    for (let step = 0; step < spec.steps; step++) {
      await pause();
      if (signal?.aborted) break;
      const problems = trainProblems(spec.task, spec.seed, step, spec.batchSize);
      for (const p of problems) if (seenSample.length < 512) seenSample.push(p);
      // Retry examples come as whole batches (a step is a retry batch with probability retryExampleShare), so
      // the short single-answer dialogues are not padded to the length of the two-attempt ones.
      const exampleOpts = { ...spec, retryExampleShare: rng.next() < spec.retryExampleShare ? 1 : 0 };
      const all = problems.map((p) => encodeExample(charTokenizer, renderTrainingExample(p, exampleOpts, rng)));
      // Context fitting: a dialogue longer than the context is left out of the batch and counted.
      const rows = all.filter((r) => r.ids.length <= spec.config.maxPositions);
      skippedExamples += all.length - rows.length;
      if (rows.length === 0) continue;
      const batch = packBatch(rows, charTokenizer.padId);
      for (const m of batch.mask) trainedTokens += m;
      batchTokens += batch.batch * batch.length;
      const lr = cosineWithWarmup(step, schedule);
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const ids = tf.tensor2d(batch.ids, [batch.batch, batch.length], 'int32'); // [B, T]
      const mask = tf.tensor2d(batch.mask, [batch.batch, batch.length], 'float32'); // [B, T]
      let loss: number;
      try {
        loss = await lmTrainStep(model, optimizer, ids, mask);
      } finally {
        tf.dispose([ids, mask]);
      }
      losses.push(loss);
      onProgress?.({ step: step + 1, steps: spec.steps, loss, lr, elapsedSeconds: (performance.now() - t0) / 1000 });
    }
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    optimizer.dispose();
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const n = losses.length;
  const tenth = Math.max(1, Math.floor(n / 10));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const every = Math.max(1, Math.floor(n / 20));
  return {
    model,
    spec,
    seenSample,
    metrics: {
      steps: n,
      parameterCount: model.parameterCount(),
      firstLoss: mean(losses.slice(0, tenth)),
      finalLoss: mean(losses.slice(n - tenth)),
      lossCurve: losses.flatMap((l, i) => (i % every === 0 || i === n - 1 ? [[i + 1, l] as [number, number]] : [])),
      trainedTokens,
      batchTokens,
      skippedExamples,
      wallSeconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      stepsPerSecond: n / wallSeconds,
    },
  };
}

/** Bumped when the training recipe changes in a way the spec does not show, so old caches are not reused. */
// 2: the train split lost 10% of the problem space to the new validation split (backend/data/synthetic.ts).
export const BASE_MODEL_RECIPE_VERSION = 2;

/** Stable JSON (sorted keys) of the spec and the recipe version, and its SHA-256 prefix: the cache key. */
export function baseModelSpecHash(spec: BaseModelSpec): string {
  const stable = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(stable)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .filter(([, x]) => x !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, stable(x)]),
          )
        : v;
  const keyed = { recipe: BASE_MODEL_RECIPE_VERSION, spec };
  return createHash('sha256').update(JSON.stringify(stable(keyed))).digest('hex').slice(0, 16);
}

export interface EnsureBaseModelResult {
  model: Transformer;
  /** The checkpoint folder (config.json, model.safetensors, base-model.json); '' when training was aborted. */
  dir: string;
  /** True when it was loaded (shipped with the app, or from the cache), false when trained now. */
  cached: boolean;
  /** Where it came from: the app's shipped checkpoints, the data folder's cache, or trained now. */
  source: 'shipped' | 'cache' | 'trained';
  spec: BaseModelSpec;
  /** The training metrics (stored in base-model.json, so also present for a loaded model). */
  metrics: PretrainMetrics;
}

export interface EnsureOptions {
  onProgress?: (p: PretrainProgress) => void;
  signal?: AbortSignal;
  /** Called just before training starts (i.e. when no shipped or cached checkpoint has the spec's hash). */
  onTrain?: (spec: BaseModelSpec, dir: string) => void;
  /** Read-only folder of shipped checkpoints looked at before the cache (default shippedBaseModelsDir(): resources/base-models unless $ATTEMPT_STUDIO_SHIPPED_BASE_MODELS says otherwise; null: none). */
  shippedDir?: string | null;
  /** Train anew even when a shipped or cached checkpoint has the spec's hash (the cache entry is replaced). */
  retrain?: boolean;
}

const INFO_FILE = 'base-model.json';

/** What base-model.json holds beside the weights. */
export interface BaseModelInfo {
  hash: string;
  spec: BaseModelSpec;
  metrics: PretrainMetrics;
  createdAt?: string;
  /** A fast reproducibility check recorded at save time (backend/eval/base-model-check.ts). */
  check?: { split: 'validation'; seed: number; n: number; correctK1: number };
}

/** Loads `dir` as the base model of `spec` (hash, model config checked); throws naming the file and field. */
export async function loadBaseModelDir(dir: string, spec: BaseModelSpec): Promise<{ model: Transformer; info: BaseModelInfo }> {
  const hash = baseModelSpecHash(spec);
  const infoFile = path.join(dir, INFO_FILE);
  const info = JSON.parse(await readFile(infoFile, 'utf8')) as BaseModelInfo;
  if (info.hash !== hash) throw new Error(`${infoFile}: field 'hash' is '${info.hash}', expected '${hash}'`);
  const model = await loadModel(dir);
  if (JSON.stringify(model.config) !== JSON.stringify(spec.config)) {
    model.dispose();
    throw new Error(`${dir}: config.json does not match the spec's model config`);
  }
  return { model, info };
}

/**
 * Returns the base model for `spec`: the shipped checkpoint `shippedDir/base-<hash>/` when there is one, else
 * `cacheDir/base-<hash>/`, training and saving it first when absent or unreadable. An aborted training is
 * not cached.
 */
export async function ensureBaseModel(
  cacheDir: string,
  specIn: Partial<BaseModelSpec> = {},
  opts: EnsureOptions = {},
): Promise<EnsureBaseModelResult> {
  const spec = resolveBaseModelSpec(specIn);
  const hash = baseModelSpecHash(spec);
  const dir = path.join(cacheDir, `base-${hash}`);
  const shippedDir = opts.shippedDir === undefined ? shippedBaseModelsDir() : opts.shippedDir;
  const candidates: [string, 'shipped' | 'cache'][] = opts.retrain
    ? []
    : [...(shippedDir ? [[path.join(shippedDir, `base-${hash}`), 'shipped'] as [string, 'shipped']] : []), [dir, 'cache']];
  for (const [candidate, source] of candidates) {
    if (!(await exists(path.join(candidate, INFO_FILE)))) continue;
    try {
      const { model, info } = await loadBaseModelDir(candidate, spec);
      return { model, dir: candidate, cached: true, source, spec, metrics: info.metrics };
    } catch (err) {
      process.emitWarning(`base model ${candidate} is unusable (${(err as Error).message}); ${source === 'cache' ? 'rebuilding it' : 'looking further'}`);
    }
  }
  opts.onTrain?.(spec, dir);
  const res = await pretrainBaseModel({ ...spec, onProgress: opts.onProgress, signal: opts.signal });
  if (opts.signal?.aborted) return { model: res.model, dir: '', cached: false, source: 'trained', spec, metrics: res.metrics };
  try {
    await saveBaseModel(cacheDir, res);
  } catch (err) {
    res.model.dispose();
    throw err;
  }
  return { model: res.model, dir, cached: false, source: 'trained', spec, metrics: res.metrics };
}

/**
 * Saves a trained base model as `cacheDir/base-<hash>/` (config.json, model.safetensors, base-model.json with
 * the spec, its hash and the training metrics); returns the folder. Written into a temporary sibling folder
 * renamed into place, so a crash never leaves a half checkpoint that later looks valid.
 */
export async function saveBaseModel(
  cacheDir: string,
  res: Pick<PretrainResult, 'model' | 'spec' | 'metrics'>,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const hash = baseModelSpecHash(res.spec);
  const dir = path.join(cacheDir, `base-${hash}`);
  await mkdir(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.base-${hash}.tmp-${process.pid}-${Date.now()}`);
  try {
    await saveModel(tmp, res.model, { base_model_spec_hash: hash });
    await writeFile(
      path.join(tmp, INFO_FILE),
      JSON.stringify({ hash, spec: res.spec, metrics: res.metrics, createdAt: new Date().toISOString(), ...extra }, null, 2) + '\n',
    );
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}
