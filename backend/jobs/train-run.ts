// A training run end to end, as the CLI and worker processes start it: resolve the runtime, models and data
// from the run config, create (or resume) the run in SQLite, train with every step logged in one
// transaction, checkpoint, and mark the run completed / stopped / failed. Nothing here talks to a terminal.
import path from 'node:path';
import type { Db } from '../db/open-db.js';
import { explainStorageError } from '../db/storage-error.js';
import { prepareRunFolder, runFolder } from '../db/run-folder.js';
import { addCheckpoint, createRun, getRun, heartbeat, latestCheckpoint, logStep, truncateRunAfter } from '../db/run-store.js';
import { failRun, finishRun, markRunning } from './run-status.js';
import type { EpisodeRecord } from '../domain/vocabulary.js';
import { formatRuntimeReport, selectRuntime, type RuntimeReport } from '../model/runtime/runtime.js';
import { loadModel } from '../model/formats/checkpoint.js';
import { charTokenizer } from '../model/tokenizers/char-tokenizer.js';
import { loadTextInterface } from '../model/formats/model-folder.js';
import { formatEstimate } from '../model/runtime/memory-estimate.js';
import { formatBytes } from '../model/runtime/format-bytes.js';
import { checkRunMemory, policyFolder } from '../rl/memory-check.js';
import { compactTemplate, type ChatTemplate } from '../model/tokenizers/chat-template.js';
import type { Transformer } from '../model/core/transformer.js';
import type { Tokenizer } from '../model/tokenizers/tokenizer.js';
import { gradeSync } from '../math/grade.js';
import { extractAnswer } from '../math/extract-answer.js';
import { DATASET_NAMES } from '../data/registry.js';
import { evaluateKAttempt, type DatasetQuestions } from '../eval/k-attempt.js';
import { loadEvalDatasets } from '../eval/load-eval-model.js';
import { storeKAttempt } from './eval-store.js';
import type { RunConfig } from '../rl/config.js';
import { ensureBaseModel } from '../pretrain/base-model.js';
import { isStopped, StoppedError } from '../model/core/stop-point.js';
import { PRETRAIN_LABEL, pretrainReporter } from '../pretrain/pretrain-phase.js';
import { gpuBytesOf, systemSampler } from './system-metrics.js';
import { tf } from '../model/core/tf.js';
import type { RunPhase } from '../domain/run-events.js';
import type { Question } from '../rl/rollout.js';
import { questionsFor } from '../rl/run-data.js';
import { cloneModel, createCritic, createOptimizers, train, type StepReport, type TrainerEnv } from '../rl/trainer.js';
import { loadTrainingCheckpoint, pruneCheckpoints, saveTrainingCheckpoint, type TrainingState } from '../rl/train-checkpoint.js';

export interface TrainRunOptions {
  db: Db;
  /** Folder for checkpoints and cached base models (default: beside the database). */
  dataDir: string;
  config: RunConfig;
  /** Continue this run from its latest checkpoint instead of creating a new run. */
  resumeRunId?: number;
  /** Train into this already-created run row (queued by the run manager) instead of creating one. */
  runId?: number;
  signal?: AbortSignal;
  onStarted?(info: { runId: number; runtime: RuntimeReport; startStep: number }): void;
  onStep?(report: StepReport & { runId: number }): void;
  /** Status lines (model loading, data, checkpoints). */
  onLog?(line: string): void;
  /** What the run is doing before its first step (setup, pre-training the base model with progress) and then training. */
  onPhase?(phase: RunPhase): void;
}

export interface TrainRunResult {
  runId: number;
  status: 'completed' | 'stopped' | 'failed';
  steps: number;
  checkpoint: string | null;
  metrics: Record<string, number>;
  error?: string;
  /** How a stopped run ended and what resume will do (also logged). */
  note?: string;
}

export const TRAINING_CHECKPOINT_FORMAT = 'training';

/**
 * The model's tokenizer and chat template: the built-in char model uses the compact template; a model folder
 * its tokenizer.json (from the checkpoint, else the source folder) and template (model-folder.ts).
 */
async function textInterface(model: Transformer, config: RunConfig): Promise<{ tokenizer: Tokenizer; template: ChatTemplate }> {
  const source = config.model.source;
  if (source === 'builtin') return { tokenizer: charTokenizer, template: compactTemplate };
  const dirs = [config.model.checkpoint, source].filter((d): d is string => d !== undefined);
  // Studio checkpoints of the char model under a folder named for ChatML keep the ChatML strings (older runs).
  const override = source.includes('chatml') && model.config.vocabSize === charTokenizer.vocabSize ? 'chatml' : undefined;
  const { tokenizer, template } = await loadTextInterface(dirs, model.config.vocabSize, override);
  return { tokenizer, template };
}

/** Refuses, before any weights load, a run whose estimated memory exceeds the device's (memory-check.ts). */
async function checkMemory(config: RunConfig, runtime: RuntimeReport, log: (s: string) => void): Promise<void> {
  const { estimate, available, refusal } = await checkRunMemory(config, runtime.name);
  log(formatEstimate(estimate).split('\n')[0] + ` (${available.what}: ${formatBytes(available.bytes)})`);
  if (process.env.ATTEMPT_STUDIO_SKIP_MEMORY_CHECK === '1') return;
  if (refusal) throw new Error(refusal);
}

/**
 * The initial policy named by the config: a checkpoint folder, a model folder, or — for 'builtin' without a
 * checkpoint — the built-in base model, pre-trained on the synthetic task on first use and cached in
 * dataDir/models.
 */
async function initialPolicy(config: RunConfig, dataDir: string, log: (s: string) => void, signal?: AbortSignal, onPhase?: (p: RunPhase) => void): Promise<Transformer> {
  const dir = policyFolder(config);
  if (!dir) {
    const base = await ensureBaseModel(path.join(dataDir, 'models'), {}, {
      signal,
      onTrain: (spec) => {
        log(`training the built-in base model (${spec.steps} steps, cached for later runs)…`);
        onPhase?.({ name: 'pretraining', label: PRETRAIN_LABEL, done: 0, total: spec.steps, etaSeconds: null });
      },
      onProgress: pretrainReporter((p) => onPhase?.(p), log),
    });
    if (signal?.aborted && !base.dir) {
      base.model.dispose();
      throw new StoppedError(`stopped during the built-in base model's pre-training (step ${base.metrics.steps} of ${base.spec.steps}; not cached, so the next run trains it again)`);
    }
    log(`built-in base model ${base.cached ? 'reused from' : 'saved to'} ${base.dir}`);
    return base.model;
  }
  log(`loading the initial policy from ${dir}`);
  return loadModel(dir);
}


/**
 * The periodic evaluation's question sets (config.eval.datasets): 'held-out' is the held-out split, any other name
 * a built-in dataset; at most eval.maxQuestions of each (the first ones, the same at every evaluation).
 */
async function evalDatasets(config: RunConfig, heldOut: Question[]): Promise<DatasetQuestions[]> {
  const limit = config.eval.maxQuestions;
  const out: DatasetQuestions[] = [];
  for (const name of config.eval.datasets) {
    if (name === 'held-out') {
      if (heldOut.length > 0) out.push({ name, questions: heldOut.slice(0, limit ?? heldOut.length) });
      continue;
    }
    if (!DATASET_NAMES.includes(name))
      throw new Error(`eval.datasets: unknown dataset '${name}' (known: held-out, ${DATASET_NAMES.join(', ')})`);
    out.push(...(await loadEvalDatasets([name], { limit, seed: config.seed + 1 })));
  }
  return out;
}

/** Adds this session's setup time to the run's `setupSeconds` metric (kept at step 0, summed over resumes). */
function addSetupSeconds(db: Db, runId: number, seconds: number): void {
  db.prepare(
    `INSERT INTO metrics (run_id, name, step, value, time) VALUES (?, 'setupSeconds', 0, ?, ?)
     ON CONFLICT (run_id, name, step) DO UPDATE SET value = COALESCE(value, 0) + excluded.value, time = excluded.time`,
  ).run(runId, seconds, Date.now());
}

function episodeRecords(report: StepReport, dataset: string): EpisodeRecord[] {
  return report.batch.episodes.map((e, i) => ({
    split: 'train',
    dataset,
    questionId: e.task.questionId,
    question: e.task.question,
    gold: e.task.gold,
    sampleIndex: i,
    attemptsAllowed: e.task.attemptsAllowed,
    reward: report.batch.rewards[i]!,
    attempts: e.attempts,
  }));
}

function disposeState(s: Partial<TrainingState>, reference?: Transformer) {
  s.actor?.dispose();
  s.critic?.dispose();
  s.actorOptimizer?.dispose();
  s.criticOptimizer?.dispose();
  reference?.dispose();
}

/** Runs (or resumes) one training run; never throws for a failure inside the run (it is recorded). */
export async function runTraining(o: TrainRunOptions): Promise<TrainRunResult> {
  const log = o.onLog ?? (() => {});
  const { db, config } = o;
  let runId: number;
  let startStep = 0;
  if (o.resumeRunId !== undefined) {
    const run = getRun(db, o.resumeRunId);
    if (!run) throw new Error(`no run with id ${o.resumeRunId}`);
    if (run.kind !== 'train') throw new Error(`run ${run.id} is a ${run.kind} run, not a training run`);
    if (run.status === 'running') throw new Error(`run ${run.id} is still running (pid ${run.pid})`);
    runId = run.id;
  } else if (o.runId !== undefined) {
    const run = getRun(db, o.runId);
    if (!run) throw new Error(`no run with id ${o.runId}`);
    if (run.status === 'running') throw new Error(`run ${run.id} is already running (pid ${run.pid})`);
    runId = run.id;
  } else {
    runId = createRun(db, { kind: 'train', config, name: config.name, preset: config.preset });
  }
  let state: Partial<TrainingState> = {};
  let reference: Transformer | undefined;
  let lastMetrics: Record<string, number> = {};
  let lastCheckpoint: string | null = null;
  let steps = 0;
  let note: string | undefined;
  try {
    const setupStart = Date.now();
    o.onPhase?.({ name: 'setup', label: 'loading the model and data', done: null, total: null, etaSeconds: null });
    const runtime = await selectRuntime(config.runtime === 'auto' ? {} : { force: config.runtime });
    markRunning(db, runId, { pid: process.pid, backend: runtime.name, device: runtime.device });
    // The run's log records the runtime and, on webgpu, the adapter with its driver and limits.
    for (const line of formatRuntimeReport(runtime).split('\n')) if (!line.startsWith('native kernels:')) log(line);
    // The run's own folder (keyed, so another database's run 1 never shares it), checked before any work.
    const runDir = runFolder(db, o.dataDir, runId);
    prepareRunFolder(o.dataDir, runDir);
    const ckptRoot = path.join(runDir, 'checkpoints');
    if (policyFolder(config) !== undefined) await checkMemory(config, runtime, log);
    const base = await initialPolicy(config, o.dataDir, log, o.signal, o.onPhase);
    reference = base;
    const { tokenizer, template } = await textInterface(base, config);
    const usesCritic = config.algorithm.name === 'ppo';
    const ck = o.resumeRunId !== undefined ? latestCheckpoint(db, runId, TRAINING_CHECKPOINT_FORMAT) : undefined;
    if (o.resumeRunId !== undefined && !ck) {
      // Stopped or killed before its first checkpoint: its few logged steps are dropped and it starts over.
      log(`run ${runId} has no checkpoint yet: starting it over from step 0`);
      truncateRunAfter(db, runId, 0);
    }
    if (ck) {
      log(`resuming run ${runId} from step ${ck.step} (${ck.path})`);
      state = await loadTrainingCheckpoint(ck.path);
      startStep = ck.step;
      truncateRunAfter(db, runId, startStep);
      lastCheckpoint = ck.path;
    } else {
      const actor = await cloneModel(base);
      const critic = usesCritic ? await createCritic(base) : undefined;
      state = { actor, critic, ...createOptimizers(config, usesCritic) };
    }
    steps = startStep;
    const { train: trainQuestions, heldOut, dataset } = await questionsFor(config);
    log(`${trainQuestions.length} training questions from ${dataset}`);
    const evalSets = await evalDatasets(config, heldOut);
    if (evalSets.length === 0) log("no periodic evaluation: eval.datasets names only 'held-out' and dataset.heldOut is 0");
    addSetupSeconds(db, runId, (Date.now() - setupStart) / 1000);
    o.onStarted?.({ runId, runtime, startStep });
    o.onPhase?.({ name: 'training', label: 'training', done: startStep, total: config.steps, etaSeconds: null });
    const env: TrainerEnv = {
      state: state as TrainingState,
      reference: config.algorithm.kl.coef > 0 ? reference : undefined,
      tokenizer,
      template,
      trainQuestions,
      judge: (text, gold) => {
        const g = gradeSync(text, gold, { answerIs: false });
        return { verdict: g.verdict, extracted: g.extracted };
      },
      isAttemptComplete: (text) => extractAnswer(text, { answerIs: false }).answer !== null,
    };
    const sampleSystem = systemSampler(() => gpuBytesOf(tf.memory()));
    const result = await train(
      config,
      env,
      {
        signal: o.signal,
        log,
        evaluate: async (step) => {
          if (evalSets.length === 0) return {};
          // Periodic evaluation: greedy, k = 1..eval.attempts, on eval.datasets (stored as eval rows). The headline
          // evalAccuracy is the mean over the datasets of accuracy@1, as the reference's avg_acc.
          const r = await evaluateKAttempt({ model: state.actor!, tokenizer, template }, evalSets, {
            maxAttempts: config.eval.attempts,
            prompt: config.task.mode === 'single-turn' && config.eval.attempts === 1 ? 'single-turn' : 'multi-attempt',
            maxTokensPerAttempt: config.generation.maxTokensPerAttempt,
            maxTotalTokens: config.generation.maxTotalTokens,
            batchSize: 64,
            signal: o.signal,
          });
          storeKAttempt(db, runId, r, { step });
          const K = config.eval.attempts;
          const m: Record<string, number> = { evalAccuracy: r.meanAccuracyByK[0]!, [`evalAccuracy@${K}`]: r.meanAccuracyByK.at(-1)! };
          m.evalSkipped = r.datasets.reduce((a, d) => a + d.skipped.length, 0);
          if (r.datasets.length > 1) for (const d of r.datasets) m[`evalAccuracy_${d.dataset}`] = d.accuracyByK[0]!;
          const parts = r.datasets.map((d) => `${d.dataset} ${(d.accuracyByK[0]! * 100).toFixed(1)}% of ${d.n}${d.skipped.length ? ` (${d.skipped.length} skipped: too long for the context)` : ''}`);
          log(`step ${step}: eval accuracy@1 ${(m.evalAccuracy! * 100).toFixed(1)}% — ${parts.join('; ')}`);
          return m;
        },
        onStep: (report) => {
          Object.assign(report.metrics, sampleSystem());
          logStep(db, runId, report.step, { metrics: report.metrics, episodes: episodeRecords(report, dataset) });
          heartbeat(db, runId);
          lastMetrics = report.metrics;
          steps = report.step;
          o.onStep?.({ ...report, runId });
        },
        checkpoint: async (step) => {
          const where = await saveTrainingCheckpoint(ckptRoot, state as TrainingState, { step, config, runId });
          addCheckpoint(db, runId, step, where, TRAINING_CHECKPOINT_FORMAT);
          lastCheckpoint = where;
          if (config.checkpoint.keepLast) {
            for (const gone of await pruneCheckpoints(ckptRoot, config.checkpoint.keepLast)) {
              db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND path = ?').run(runId, gone);
            }
          }
          log(`checkpoint at step ${step}: ${where}`);
        },
        onStopped: (s) => {
          const where = {
            'between steps': 'between steps',
            rollout: `during the rollout of step ${s.stepsDone + 1} (dropped)`,
            update: `during the update of step ${s.stepsDone} (finished and kept, without its evaluation)`,
            evaluation: `during the evaluation of step ${s.stepsDone} (the step is kept without it)`,
          }[s.phase];
          note = `stopped ${where} with ${s.stepsDone} of ${config.steps} steps done; ${
            s.checkpointStep !== null ? `resume continues from the checkpoint at step ${s.checkpointStep}` : 'no checkpoint yet, so resume starts the run over from step 0'
          }`;
          log(note);
        },
      },
      startStep,
    );
    const status = result.stopped ? 'stopped' : 'completed';
    finishRun(db, runId, status);
    return { runId, status, steps: result.stepsDone, checkpoint: lastCheckpoint, metrics: lastMetrics, ...(note ? { note } : {}) };
  } catch (err) {
    if (isStopped(err)) {
      // Stopped before the first step (pre-training, loading): nothing trained in this run, nothing to keep.
      const ck = latestCheckpoint(db, runId, TRAINING_CHECKPOINT_FORMAT);
      note = `${err.message}; ${ck ? `resume continues from the checkpoint at step ${ck.step}` : 'no checkpoint, so resume starts the run over from step 0'}`;
      log(note);
      try {
        finishRun(db, runId, 'stopped');
      } catch {
        /* a read-only or full disk: the next start-up reconciles it */
      }
      return { runId, status: 'stopped', steps, checkpoint: lastCheckpoint, metrics: lastMetrics, note };
    }
    const message = explainStorageError(err, o.dataDir);
    try {
      failRun(db, runId, message);
    } catch {
      // The database itself cannot be written (disk full / read-only): the run stays 'running' with this
      // process's pid, and the next start-up reconciles it as interrupted once the process has exited.
    }
    return { runId, status: 'failed', steps, checkpoint: lastCheckpoint, metrics: lastMetrics, error: message };
  } finally {
    disposeState(state, reference);
  }
}
