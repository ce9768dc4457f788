// A training run end to end, as the CLI and worker processes start it: resolve the runtime, models and data
// from the run config, create (or resume) the run in SQLite, train with every step logged in one
// transaction, checkpoint, and mark the run completed / stopped / failed. Nothing here talks to a terminal.
import path from 'node:path';
import type { Db } from '../db/open-db.js';
import { explainStorageError } from '../db/storage-error.js';
import { addCheckpoint, createRun, getRun, heartbeat, latestCheckpoint, logStep, truncateRunAfter } from '../db/run-store.js';
import { failRun, finishRun, markRunning } from './run-status.js';
import type { EpisodeRecord } from '../domain/vocabulary.js';
import { selectRuntime, type RuntimeReport } from '../model/runtime/runtime.js';
import { loadModel } from '../model/formats/checkpoint.js';
import { charTokenizer } from '../model/tokenizers/char-tokenizer.js';
import { loadTextInterface } from '../model/formats/model-folder.js';
import { formatBytes, formatEstimate } from '../model/runtime/memory-estimate.js';
import { checkRunMemory, policyFolder } from '../rl/memory-check.js';
import { compactTemplate, type ChatTemplate } from '../model/tokenizers/chat-template.js';
import type { Transformer } from '../model/core/transformer.js';
import type { Tokenizer } from '../model/tokenizers/tokenizer.js';
import { gradeSync } from '../math/grade.js';
import { extractAnswer } from '../math/extract-answer.js';
import { loadDataset } from '../data/registry.js';
import { splitSpaceSize } from '../data/synthetic.js';
import { importDataset } from '../data/importer.js';
import { evaluateKAttempt } from '../eval/k-attempt.js';
import { storeKAttempt } from './eval-store.js';
import type { RunConfig } from '../rl/config.js';
import { ensureBaseModel } from '../pretrain/base-model.js';
import type { Question } from '../rl/rollout.js';
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
}

export interface TrainRunResult {
  runId: number;
  status: 'completed' | 'stopped' | 'failed';
  steps: number;
  checkpoint: string | null;
  metrics: Record<string, number>;
  error?: string;
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
async function initialPolicy(config: RunConfig, dataDir: string, log: (s: string) => void, signal?: AbortSignal): Promise<Transformer> {
  const dir = policyFolder(config);
  if (!dir) {
    const base = await ensureBaseModel(path.join(dataDir, 'models'), {}, {
      signal,
      onTrain: (spec) => log(`training the built-in base model (${spec.steps} steps, cached for later runs)…`),
    });
    if (signal?.aborted && !base.dir) throw new Error('stopped while training the base model');
    log(`built-in base model ${base.cached ? 'reused from' : 'saved to'} ${base.dir}`);
    return base.model;
  }
  log(`loading the initial policy from ${dir}`);
  return loadModel(dir);
}

/** Training questions and held-out questions for the config's dataset. */
export async function questionsFor(config: RunConfig): Promise<{ train: Question[]; heldOut: Question[]; dataset: string }> {
  const d = config.dataset;
  const toQ = (r: { id: string; question: string; answer: string }): Question => ({ id: r.id, question: r.question, gold: r.answer });
  if (d.source === 'synthetic') {
    const task = { families: d.synthetic?.families, levels: d.synthetic?.levels };
    // Distinct questions, at most half of what the split holds (a small task is cycled through, not exhausted).
    const room = Math.floor(splitSpaceSize('train', task.families, task.levels) / 2);
    const count = Math.min(20000, room, Math.max(2000, config.rolloutBatch * config.steps));
    const train = await loadDataset('synthetic', { ...task, seed: config.seed, count, split: 'train' });
    const test = await loadDataset('synthetic', { ...task, seed: config.seed + 1, count: d.heldOut, split: 'test' });
    return { train: train.records.map(toQ), heldOut: test.records.map(toQ), dataset: 'synthetic' };
  }
  const loaded = /\.(jsonl|json|parquet)$/i.test(d.source)
    ? await importDataset(d.source, { questionField: d.questionField, answerField: d.answerField })
    : await loadDataset(d.source);
  const all = loaded.records.map(toQ);
  if (all.length <= d.heldOut) throw new Error(`dataset ${d.source}: ${all.length} questions, not more than heldOut (${d.heldOut})`);
  return { train: all.slice(0, all.length - d.heldOut), heldOut: all.slice(all.length - d.heldOut), dataset: path.basename(d.source) };
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
  try {
    const runtime = await selectRuntime(config.runtime === 'auto' ? {} : { force: config.runtime });
    markRunning(db, runId, { pid: process.pid, backend: runtime.name, device: runtime.device });
    const ckptRoot = path.join(o.dataDir, 'runs', String(runId), 'checkpoints');
    if (policyFolder(config) !== undefined) await checkMemory(config, runtime, log);
    const base = await initialPolicy(config, o.dataDir, log, o.signal);
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
    o.onStarted?.({ runId, runtime, startStep });
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
    const result = await train(
      config,
      env,
      {
        signal: o.signal,
        log,
        evaluate: async (step) => {
          // Periodic evaluation: greedy, k = 1..eval.attempts, on the held-out questions (stored as eval rows).
          const limit = config.eval.maxQuestions ?? heldOut.length;
          const r = await evaluateKAttempt({ model: state.actor!, tokenizer, template }, [{ name: 'held-out', questions: heldOut.slice(0, limit) }], {
            maxAttempts: config.eval.attempts,
            prompt: config.task.mode === 'single-turn' && config.eval.attempts === 1 ? 'single-turn' : 'multi-attempt',
            maxTokensPerAttempt: config.generation.maxTokensPerAttempt,
            maxTotalTokens: config.generation.maxTotalTokens,
            batchSize: 64,
          });
          storeKAttempt(db, runId, r, { step });
          const d = r.datasets[0]!;
          log(`step ${step}: held-out accuracy@1 ${(d.accuracyByK[0]! * 100).toFixed(1)}% (${d.n} questions)`);
          return { evalAccuracy: d.accuracyByK[0]!, [`evalAccuracy@${config.eval.attempts}`]: d.accuracyByK.at(-1)! };
        },
        onStep: (report) => {
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
      },
      startStep,
    );
    const status = result.stopped ? 'stopped' : 'completed';
    finishRun(db, runId, status);
    return { runId, status, steps: result.stepsDone, checkpoint: lastCheckpoint, metrics: lastMetrics };
  } catch (err) {
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
