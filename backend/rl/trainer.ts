// The RL training loop (orchestration only): rollout → grade → rewards → reference log-probs → values →
// advantages → mini-batch updates of actor and critic → metrics → periodic evaluation and checkpoints.
// The maths lives in episode/rollout/advantages/losses/ppo-update; storage is the caller's (callbacks).
import { tf, type Tensor } from '../model/core/tf.js';
import type { Transformer } from '../model/core/transformer.js';
import { createDecodeSession } from '../model/core/generate.js';
import { Rng } from '../model/core/rng.js';
import type { Tokenizer } from '../model/tokenizers/tokenizer.js';
import { stopTokenIds } from '../model/tokenizers/stop-tokens.js';
import type { ChatTemplate } from '../model/tokenizers/chat-template.js';
import type { RunConfig } from './config.js';
import { dialogueFromTemplate, type Judgement } from './episode.js';
import { rollout, rolloutMetrics, type Question, type RolloutBatch } from './rollout.js';
import { computeAdvantages, estimatorForAlgorithm } from './advantages.js';
import { learningRateAt } from '../model/core/schedule.js';
import { actorUpdate, batchLogProbs, batchValues, criticUpdate, rowsTensor, type ActorBatch } from './ppo-update.js';
import type { TrainingState } from './train-checkpoint.js';
import { isStopped, StoppedError } from '../model/core/stop-point.js';
import { MIN_TOKENS_PER_ATTEMPT, episodeBudget, fitTrainingPool, longestFeedback, type FitBudgets, type TrainingPoolFit } from './context-fit.js';
import { cloneModel, createCritic, createOptimizers } from './trainer-models.js';

export { cloneModel, createCritic, createOptimizers };

export interface TrainerEnv {
  /** Trainable policy, its optimizer, and (ppo) the critic with its optimizer. */
  state: TrainingState;
  /** Frozen reference policy for the KL term (needed when kl.coef > 0). */
  reference?: Transformer;
  tokenizer: Tokenizer;
  template: ChatTemplate;
  trainQuestions: Question[];
  /** Grades one attempt's text (boxed answers only) against the gold answer. */
  judge: (text: string, gold: string) => Judgement | Promise<Judgement>;
  /** True once an attempt's text holds a complete boxed answer. */
  isAttemptComplete: (text: string) => boolean;
}

export interface StepReport {
  step: number;
  metrics: Record<string, number>;
  batch: RolloutBatch;
}

export interface TrainerHooks {
  /** Called after every step with its metrics and episodes (the caller stores them). */
  onStep(report: StepReport): void | Promise<void>;
  /** Periodic evaluation (e.g. k = 1 greedy on held-out questions); its values are added to the step's metrics. */
  evaluate?(step: number): Promise<Record<string, number>>;
  /** Writes a checkpoint of the current state for `step`. */
  checkpoint?(step: number): Promise<void>;
  /**
   * Aborted → stop promptly (see train()): a rollout is abandoned at its next token, an update finishes,
   * an evaluation is abandoned at its next token; the last completed step gets a checkpoint.
   */
  signal?: AbortSignal;
  /** Told where a stop landed, for the run's log: the phase and the step it leaves the run at. */
  onStopped?(info: StopInfo): void;
  /** Status lines (e.g. how many training questions do not fit the model's context). */
  log?(line: string): void;
}

/** Where a requested stop took effect. */
export interface StopInfo {
  /** The phase the stop request found running. */
  phase: 'rollout' | 'update' | 'evaluation' | 'between steps';
  /** Steps completed (and committed) when the run stopped. */
  stepsDone: number;
  /** The step of the checkpoint the run can resume from (null: none was written in this run yet). */
  checkpointStep: number | null;
}

/** Chunk of the no-gradient forwards (old and reference log-probs, values) when config.microBatch is unset. */
const FORWARD_MICRO_BATCH = 32;

function setLearningRate(opt: tf.Optimizer, lr: number): void {
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

/** Questions of step `step` (0-based): a seeded permutation per pass over the training set. */
export function questionsForStep(all: Question[], perStep: number, step: number, seed: number): Question[] {
  if (all.length === 0) throw new Error('no training questions');
  const out: Question[] = [];
  const start = step * perStep;
  let pass = -1;
  let order: number[] = [];
  for (let k = start; k < start + perStep; k++) {
    const p = Math.floor(k / all.length);
    if (p !== pass) {
      pass = p;
      const rng = new Rng(seed * 1000003 + p + 1);
      order = all.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    out.push(all[order[k % all.length]!]!);
  }
  return out;
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Rows `idx` of a flat [B·W] array, as a new flat [idx.length·W] array. */
function pickRows<A extends Float32Array | Int32Array>(data: A, width: number, idx: number[], make: (n: number) => A): A {
  const out = make(idx.length * width);
  idx.forEach((r, i) => out.set(data.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/** Copies the first `w` columns of each row of a flat [n·W] array. */
function narrow<A extends Float32Array | Int32Array>(data: A, W: number, w: number, n: number, make: (n: number) => A): A {
  if (w === W) return data;
  const out = make(n * w);
  for (let r = 0; r < n; r++) out.set(data.subarray(r * W, r * W + w), r * w);
  return out;
}

/** The sampling seed of episode `index` of a chunked rollout (a hash of the step's seed and the index). */
export function episodeSeed(stepSeed: number, index: number): number {
  return (Math.imul(stepSeed ^ 0x5bd1e995, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

/** The run's generation budgets against the actor's context (context-fit.ts). */
function fitBudgets(config: RunConfig, actor: Transformer): FitBudgets {
  const g = config.generation;
  return { context: actor.config.maxPositions, maxTokensPerAttempt: g.maxTokensPerAttempt, maxTotalTokens: g.maxTotalTokens };
}

const pools = new WeakMap<Question[], { key: string; fit: TrainingPoolFit<Question> }>();

/**
 * The training questions that fit the actor's context with the largest N the run draws (measured once per
 * question list and budgets, then reused by every step); the others are skipped and counted. Throws a
 * one-line error when none fits.
 */
export function trainingPool(config: RunConfig, env: TrainerEnv): TrainingPoolFit<Question> {
  const b = fitBudgets(config, env.state.actor);
  const N = config.task.mode === 'single-turn' ? null : config.task.maxAttempts;
  const key = JSON.stringify([b, N, env.template.name]);
  const hit = pools.get(env.trainQuestions);
  if (hit?.key === key) return hit.fit;
  const fit = fitTrainingPool(env.trainQuestions, { tokenizer: env.tokenizer, dialogue: dialogueFromTemplate(env.template) }, N, b);
  if (fit.kept.length === 0)
    throw new Error(
      `no training question fits the model's context (${b.context} positions) with ${N ?? 1} attempt(s) of at least ${Math.min(MIN_TOKENS_PER_ATTEMPT, b.maxTokensPerAttempt)} tokens: all ${fit.skipped.length} skipped (longest prompt ${fit.longestSkippedPrompt} tokens)`,
    );
  pools.set(env.trainQuestions, { key, fit });
  return fit;
}

/**
 * One training step (0-based `step`): returns its metrics and the rollout. With `signal`, the rollout stops at its next token once it aborts (StoppedError), and a stop
 * that arrives before the update also throws StoppedError — the state is untouched then. An update, once begun,
 * runs to its end (a half-applied update could not be checkpointed as any step).
 */
export async function trainStep(config: RunConfig, env: TrainerEnv, step: number, signal?: AbortSignal): Promise<StepReport> {
  const t0 = performance.now();
  const { actor, actorOptimizer, critic, criticOptimizer } = env.state;
  const alg = config.algorithm;
  const usesCritic = alg.name === 'ppo';
  if (usesCritic && (!critic || !criticOptimizer)) throw new Error('ppo needs a critic');
  const klNeeded = alg.kl.coef > 0;
  if (klNeeded && !env.reference) throw new Error('kl.coef > 0 needs a reference model');

  const sched = { kind: config.optimizer.schedule.kind, totalSteps: config.steps, warmupFraction: config.optimizer.schedule.warmupFraction, minLrRatio: config.optimizer.schedule.minLrRatio };
  const actorLr = learningRateAt(step, { ...sched, baseLr: config.optimizer.actorLr });
  setLearningRate(actorOptimizer, actorLr);
  if (criticOptimizer) setLearningRate(criticOptimizer, learningRateAt(step, { ...sched, baseLr: config.optimizer.criticLr }));

  // Rollout with the current policy.
  const perStep = config.rolloutBatch / alg.samplesPerPrompt;
  const pool = trainingPool(config, env);
  const questions = questionsForStep(pool.kept, perStep, step, config.seed);
  const rng = new Rng(config.seed * 7919 + step * 104729 + 17);
  const g = config.generation;
  // Context fitting: each drawn episode gets the budget its prompt and N − 1 feedback turns leave in the
  // context (at most maxTotalTokens); the decoder of a chunk is sized to its longest possible sequence.
  const budgets = fitBudgets(config, actor);
  const dialogue = dialogueFromTemplate(env.template);
  const feedbackLen = longestFeedback(env.tokenizer, dialogue, config.task.maxAttempts);
  let reducedBudget = 0;
  const fitTask = (t: { question: string; attemptsAllowed: number }) => {
    const promptLen = env.tokenizer.encode(dialogue.prompt(t.question, config.task.mode === 'multi-attempt' ? t.attemptsAllowed : null)).length;
    const fb = (t.attemptsAllowed - 1) * feedbackLen;
    // The pool holds questions that fit the largest N; a smaller N needs no more room (at least 1 token).
    const budget = episodeBudget(promptLen, t.attemptsAllowed, feedbackLen, budgets) ?? Math.max(1, Math.min(g.maxTotalTokens, budgets.context - promptLen - fb));
    if (budget < g.maxTotalTokens) reducedBudget++;
    return { maxTotalTokens: budget, longest: Math.min(budgets.context, promptLen + fb + budget) };
  };
  const sessionSeed = rng.int(2 ** 31);
  // Chunked generation (generation.batchSize set): every episode samples from its own stream, seeded by its
  // index in the batch, so the episodes do not depend on the chunk size. Unset: one session, one stream.
  const chunked = g.batchSize !== undefined;
  const decoderFor = (first: number, size: number, longest = budgets.context) =>
    createDecodeSession(actor, {
      batchSize: size,
      maxLength: longest,
      temperature: g.temperature,
      topP: g.topP,
      seed: sessionSeed,
      rowSeeds: chunked ? Array.from({ length: size }, (_, j) => episodeSeed(sessionSeed, first + j)) : undefined,
      decode: (ids) => env.tokenizer.decode(ids),
      signal,
    });
  const tGen = performance.now();
  const batch: RolloutBatch = await rollout(
    questions,
    { mode: config.task.mode, minAttempts: config.task.minAttempts, maxAttempts: config.task.maxAttempts, samplesPerPrompt: alg.samplesPerPrompt },
    { decoderFor, fitTask, tokenizer: env.tokenizer, dialogue, judge: env.judge, isAttemptComplete: env.isAttemptComplete },
    { maxTokensPerAttempt: g.maxTokensPerAttempt, maxTotalTokens: g.maxTotalTokens, stopTokenIds: stopTokenIds(env.tokenizer, env.template.endOfTurn) },
    { values: config.task.rewards, attemptDiscount: config.task.attemptDiscount },
    () => rng.next(),
    env.tokenizer.padId,
    g.batchSize ?? config.rolloutBatch,
  );
  const genSeconds = (performance.now() - tGen) / 1000;
  if (signal?.aborted) throw new StoppedError('stopped after the rollout, before the update');
  const { B, T } = batch;
  const A = T - 1;
  const lossMask = batch.actionMasks.lossMask;

  // Old log-probs under the training forward (the importance-ratio denominator), reference log-probs, values.
  const fwd = config.microBatch ?? FORWARD_MICRO_BATCH;
  const oldLogp = await batchLogProbs(actor, batch.ids, B, T, fwd);
  const refLogp = klNeeded ? await batchLogProbs(env.reference!, batch.ids, B, T, fwd) : undefined;
  const values = usesCritic ? await batchValues(critic!, batch.ids, B, T, fwd) : undefined;
  let klTokens: Float32Array | undefined;
  if (refLogp && alg.kl.target === 'reward') {
    klTokens = new Float32Array(B * A);
    for (let i = 0; i < klTokens.length; i++) klTokens[i] = lossMask[i] ? oldLogp[i]! - refLogp[i]! : 0;
  }
  await new Promise<void>((resolve) => setImmediate(resolve)); // a stop request that came during the forwards
  if (signal?.aborted) throw new StoppedError('stopped before the update');
  const { advantages, returns } = computeAdvantages(
    estimatorForAlgorithm(alg.name),
    { masks: batch.actionMasks, rewards: batch.rewards, values, groups: batch.groups, kl: klTokens },
    { gamma: alg.gamma, lambda: alg.lambda, klCoef: alg.kl.target === 'reward' ? alg.kl.coef : 0, whiten: alg.whitenAdvantages },
  );

  // Mini-batch updates; each mini-batch is cut to its longest row.
  const rowLen = batch.episodes.map((e) => e.tokens.length);
  const updates: Record<string, number>[] = [];
  const microTensors = (idx: number[]): MicroTensors => {
    const n = idx.length;
    const t = Math.max(2, ...idx.map((r) => rowLen[r]!));
    const f32 = (k: number) => new Float32Array(k);
    const cut = (data: Float32Array) => narrow(pickRows(data, A, idx, f32), A, t - 1, n, f32);
    const ids = narrow(pickRows(batch.ids, T, idx, (k) => new Int32Array(k)), T, t, n, (k) => new Int32Array(k));
    return tf.tidy(() => ({
      ids: rowsTensor(ids, t, 0, n, 'int32'), // [n, t]
      mask: rowsTensor(cut(lossMask), t - 1, 0, n), // [n, t−1]
      oldLogp: rowsTensor(cut(oldLogp), t - 1, 0, n), // [n, t−1]
      advantages: rowsTensor(cut(advantages), t - 1, 0, n), // [n, t−1]
      refLogp: refLogp && alg.kl.target === 'loss' ? rowsTensor(cut(refLogp), t - 1, 0, n) : undefined, // [n, t−1]
      oldValues: values ? rowsTensor(cut(values), t - 1, 0, n) : undefined, // [n, t−1]
      returns: values ? rowsTensor(cut(returns), t - 1, 0, n) : undefined, // [n, t−1]
    }));
  };
  const order = Array.from({ length: B }, (_, i) => i);
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    for (let i = B - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let s = 0; s < B; s += config.miniBatch) {
      const idx = order.slice(s, s + config.miniBatch);
      // Micro-batches (config.microBatch) of the mini-batch, each cut to its own longest row; their gradients
      // are accumulated into one optimizer step (ppo-update.ts: accumulatedUpdate).
      const micro = config.microBatch ?? idx.length;
      const parts: MicroTensors[] = [];
      const m: Record<string, number> = {};
      try {
        for (let u = 0; u < idx.length; u += micro) parts.push(microTensors(idx.slice(u, u + micro)));
        Object.assign(
          m,
          prefixKeys(
            await actorUpdate(actor, actorOptimizer, parts, {
              clipEps: alg.clipEps,
              clipEpsHigh: alg.clipEpsHigh,
              klCoef: alg.kl.target === 'loss' ? alg.kl.coef : 0,
              klKind: alg.kl.estimator,
              entropyCoef: alg.entropyCoef,
              gradClip: config.optimizer.gradClip,
              checkpoint: config.model.gradientCheckpointing,
            }),
            'actor',
          ),
        );
        if (usesCritic) {
          const cm = await criticUpdate(critic!, criticOptimizer!, parts.map((p) => ({ ids: p.ids, mask: p.mask, oldValues: p.oldValues!, returns: p.returns! })), alg.valueClip, config.optimizer.gradClip, config.model.gradientCheckpointing);
          Object.assign(m, prefixKeys(cm, 'critic'));
        }
      } finally {
        for (const p of parts) for (const x of Object.values(p)) x?.dispose();
      }
      updates.push(m);
    }
  }
  const metrics: Record<string, number> = rolloutMetrics(batch, config.task.maxAttempts);
  for (const key of Object.keys(updates[0] ?? {})) metrics[key] = mean(updates.map((u) => u[key]!));
  // Friendly names for the headline update metrics.
  const alias: Record<string, string> = { actorKl: 'kl', actorEntropy: 'entropy', actorClipFraction: 'clipFraction', actorApproxKl: 'approxKl', criticValueLoss: 'valueLoss', actorPolicyLoss: 'policyLoss' };
  for (const [from, to] of Object.entries(alias)) if (from in metrics) metrics[to] = metrics[from]!;
  const seconds = (performance.now() - t0) / 1000;
  const generated = batch.episodes.reduce((a, e) => a + e.generatedTokens, 0);
  metrics.lr = actorLr;
  metrics.secondsPerStep = seconds;
  metrics.generationSeconds = genSeconds;
  metrics.tokensPerSecond = generated / genSeconds;
  metrics.sequenceLength = T;
  metrics.contextSkipped = pool.skipped.length;
  metrics.reducedBudget = reducedBudget;
  return { step, metrics, batch };
}

interface MicroTensors extends ActorBatch {
  oldValues?: Tensor;
  returns?: Tensor;
}

function prefixKeys(m: Record<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) out[prefix + k[0]!.toUpperCase() + k.slice(1)] = v;
  return out;
}

/**
 * Runs steps `startStep` .. config.steps−1 (0-based), calling the hooks. When the signal aborts it stops
 * promptly, in every phase: during a rollout (abandoned at its next token; the state is still the last
 * completed step's), during an update (which finishes, then the step is committed without its evaluation),
 * during an evaluation (abandoned; the step is committed without it) or between steps; the last completed
 * step then gets a checkpoint unless it has one. Returns the number of steps completed in total.
 */
export async function train(config: RunConfig, env: TrainerEnv, hooks: TrainerHooks, startStep = 0): Promise<{ stepsDone: number; stopped: boolean }> {
  const evalEvery = config.eval.everySteps;
  const ckptEvery = config.checkpoint.everySteps;
  let step = startStep;
  // The step whose state is on disk: a resumed run starts from a checkpoint, a new one has none yet.
  let checkpointed: number | null = startStep > 0 ? startStep : null;
  const stop = async (phase: StopInfo['phase']) => {
    if (hooks.checkpoint && step > startStep && checkpointed !== step) {
      await hooks.checkpoint(step);
      checkpointed = step;
    }
    hooks.onStopped?.({ phase, stepsDone: step, checkpointStep: checkpointed });
    return { stepsDone: step, stopped: true };
  };
  const pool = trainingPool(config, env);
  if (pool.skipped.length > 0)
    hooks.log?.(
      `${pool.skipped.length} of ${env.trainQuestions.length} training questions do not fit the model's context (${env.state.actor.config.maxPositions} positions) with ${config.task.mode === 'single-turn' ? 1 : config.task.maxAttempts} attempts and are skipped (longest such prompt: ${pool.longestSkippedPrompt} tokens; ids: ${pool.skipped.slice(0, 5).join(', ')}${pool.skipped.length > 5 ? ', …' : ''})`,
    );
  while (step < config.steps) {
    // Tensor work on the cpu backends never waits on I/O, so without this the event loop would starve:
    // Ctrl-C, stop messages from the run manager and heartbeat timers are handled here, between steps.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (hooks.signal?.aborted) return stop('between steps');
    const before = tf.memory().numTensors;
    let report: StepReport;
    try {
      report = await trainStep(config, env, step, hooks.signal);
    } catch (err) {
      if (isStopped(err)) return stop('rollout');
      throw err;
    }
    // The update is synchronous tensor work: a stop request that arrived during it is read here.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const done = step + 1;
    const last = done === config.steps;
    let stopPhase: StopInfo['phase'] | null = hooks.signal?.aborted ? 'update' : null;
    if (!stopPhase && hooks.evaluate && ((evalEvery > 0 && done % evalEvery === 0) || last)) {
      try {
        Object.assign(report.metrics, await hooks.evaluate(done));
      } catch (err) {
        if (!isStopped(err)) throw err;
        stopPhase = 'evaluation'; // the step stands without its evaluation
      }
    }
    report.metrics.tensors = tf.memory().numTensors - before;
    await hooks.onStep({ ...report, step: done });
    step = done;
    if (hooks.checkpoint && ((ckptEvery > 0 && done % ckptEvery === 0) || last)) {
      await hooks.checkpoint(done);
      checkpointed = done;
    }
    if (stopPhase && step < config.steps) return stop(stopPhase);
  }
  return { stepsDone: step, stopped: false };
}
