// The one-command demo on the embedded default: build (or reuse) the built-in base model, train the
// single-turn baseline and the multi-attempt policy for the same budget, evaluate both (and the base model)
// at k = 1..K on the synthetic test split with greedy decoding (and the baseline's sampled pass@k beside the
// multi-attempt policy's Succ@k), and write the table, CSV, SVG chart and a JSON summary; every run, episode
// and eval row also lands in SQLite so the app shows them. A stop (Ctrl-C) ends it with the runs marked
// stopped and nothing evaluated.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../db/open-db.js';
import { createRun } from '../db/run-store.js';
import { failRun, finishRun, markRunning } from './run-status.js';
import { selectRuntime } from '../model/runtime/runtime.js';
import { loadModel } from '../model/formats/checkpoint.js';
import { charTokenizer } from '../model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../model/tokenizers/chat-template.js';
import type { Transformer } from '../model/core/transformer.js';
import { generateSynthetic, type Family } from '../data/synthetic.js';
import { ensureBaseModel, DEFAULT_BASE_MODEL_SPEC, type BaseModelSpec } from '../pretrain/base-model.js';
import { mergeConfigInput, parseRunConfig, type RunConfig } from '../rl/config.js';
import { runTraining, type TrainRunResult } from './train-run.js';
import { accuracyChartSvg } from '../export/accuracy-chart-svg.js';
import { toCsv } from '../export/csv.js';
import { evaluateKAttempt, type KAttemptResult } from '../eval/k-attempt.js';
import type { KAttemptProtocol } from '../eval/eval-defaults.js';
import type { EvalQuestion } from '../eval/run-questions.js';
import { evaluateSampled } from '../eval/sampled.js';
import { storeKAttempt, storeSampled } from './eval-store.js';
import {
  demoComparisons,
  describeReward,
  describeTask,
  summarisePolicy,
  summariseSampled,
  type DemoSummary,
  type PolicySummary,
  type SampledSummaryRow,
} from '../eval/demo-summary.js';
import { trainInWorkers } from './train-in-workers.js';
import { DEMO_BUDGETS, demoBudgetOf, type DemoBudget } from './kinds/demo-job.js';
import type { SpawnWorker } from '../runs/spawn-worker.js';

export interface DemoOptions {
  db: Db;
  dbPath: string;
  dataDir: string;
  outDir: string;
  seed: number;
  quick: boolean;
  /** Overrides of the chosen budget (e.g. a tiny demo in tests). */
  budget?: Partial<DemoBudget>;
  /** Overrides of the base model's spec (task, learning rate, ...); its steps come from the budget. */
  baseSpec?: Partial<Omit<BaseModelSpec, 'steps'>>;
  /** Run-config values merged into both policies' configs (same for both, so the budget stays equal). */
  rlConfig?: Record<string, unknown>;
  /** Train the two policies at once in two worker processes (default: when the machine has ≥ 2 cores). */
  parallel?: boolean;
  /**
   * How accuracy at k is measured (k-attempt.ts): 'one-episode' (default; one episode whose prompt allows K
   * attempts) or 'separate' (the reference's N = k prompt for each k).
   */
  protocol?: KAttemptProtocol;
  /** Which synthetic split the evaluation reads: 'test' (the demo's, default) or 'validation' (all tuning). */
  split?: 'validation' | 'test';
  /** Train the base model anew even when a shipped or cached one has its spec (`demo --train-base`). */
  trainBase?: boolean;
  /** Where shipped base models are looked for (default resources/base-models; null: none). */
  shippedBaseModels?: string | null;
  signal?: AbortSignal;
  /** A phase started: name, and its share of the expected total time. */
  onPhase?(name: string): void;
  /** Progress inside the current phase (done / total units). */
  onProgress?(done: number, total: number, values?: Record<string, number>): void;
  onLog?(line: string): void;
  /** How the training workers start (default: local processes; `demo --ray` passes the Ray backend's). */
  spawn?: SpawnWorker;
}

/** Thrown when the demo was stopped (Ctrl-C): its runs are marked stopped and nothing was evaluated. */
export class DemoStopped extends Error {
  constructor(
    readonly phase: string,
    readonly runIds: number[],
  ) {
    super(`the demo was stopped during ${phase}${runIds.length ? `; runs ${runIds.join(', ')} are marked stopped` : ''}; nothing was evaluated`);
    this.name = 'DemoStopped';
  }
}

/** The demo's unseen questions for a seed: the synthetic test split (or validation) of the base model's task. */
export function demoTestQuestions(
  seed: number,
  count: number,
  task: { families: Family[]; levels: number[]; digits?: Partial<Record<Family, number[][]>> },
  split: 'validation' | 'test' = 'test',
): EvalQuestion[] {
  return generateSynthetic({ seed: seed + 1000, count, split, families: task.families, levels: task.levels, digits: task.digits }).map((p) => ({
    id: p.id,
    question: p.question,
    gold: p.answer,
  }));
}

/** Greedy k-attempt accuracy of a built-in model on the demo's questions, k = 1..K. */
export function evaluateDemoModel(
  model: Transformer,
  questions: EvalQuestion[],
  K: number,
  protocol: KAttemptProtocol,
  onProgress?: (done: number, total: number) => void,
): Promise<KAttemptResult> {
  return evaluateKAttempt({ model, tokenizer: charTokenizer, template: compactTemplate }, [{ name: 'synthetic', questions }], {
    maxAttempts: K,
    protocol,
    maxTokensPerAttempt: 32,
    maxTotalTokens: 32 * K,
    batchSize: 64,
    onProgress,
  });
}

/** Runs the demo; throws if a training run fails (its reason is in the database too), DemoStopped when stopped. */
export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const t0 = performance.now();
  const budget = demoBudgetOf(o.quick, o.budget);
  const log = o.onLog ?? (() => {});
  const split = o.split ?? 'test';
  const runtime = await selectRuntime();
  await mkdir(o.outDir, { recursive: true });

  // 1. The base model: shipped with the app, cached in the data folder, or trained now (--train-base).
  o.onPhase?.('base model');
  const spec = { ...DEFAULT_BASE_MODEL_SPEC, ...o.baseSpec, seed: o.seed, steps: budget.baseSteps };
  const base = await ensureBaseModel(path.join(o.dataDir, 'models'), spec, {
    signal: o.signal,
    retrain: o.trainBase,
    ...(o.shippedBaseModels !== undefined ? { shippedDir: o.shippedBaseModels } : {}),
    onTrain: () => log(`training the built-in base model (${spec.steps} steps); it is cached for later runs`),
    onProgress: (p) => o.onProgress?.(p.step, p.steps, { loss: p.loss }),
  });
  if (o.signal?.aborted) {
    base.model.dispose();
    throw new DemoStopped('the base model', []);
  }
  log(
    base.source === 'shipped'
      ? `base model shipped with the app: ${base.dir}`
      : base.cached
        ? `base model reused from ${base.dir}`
        : `base model saved to ${base.dir}`,
  );
  const task = base.spec.task;

  // 2. Two policies with the same RL budget: at once in two worker processes when there are two cores.
  const configFor = (preset: 'builtin-baseline' | 'builtin-multi-attempt', name: string) =>
    parseRunConfig(
      mergeConfigInput({
        preset,
        name: `demo ${name} (seed ${o.seed})`,
        model: { source: 'builtin', checkpoint: base.dir },
        dataset: { source: 'synthetic', synthetic: { families: task.families, levels: task.levels } },
        steps: budget.rlSteps,
        rolloutBatch: budget.rolloutBatch,
        miniBatch: Math.min(16, budget.rolloutBatch),
        seed: o.seed,
        eval: { everySteps: 0, maxQuestions: 32 },
        checkpoint: { everySteps: 0 },
      }, o.rlConfig ?? {}),
      `demo ${name}`,
    );
  const configs = [configFor('builtin-baseline', 'baseline'), configFor('builtin-multi-attempt', 'multi-attempt')];
  const parallel = o.parallel ?? os.availableParallelism() >= 2;
  let trained: TrainRunResult[];
  try {
    trained = parallel ? await trainParallel(o, configs, budget) : await trainInTurn(o, configs);
  } catch (err) {
    base.model.dispose();
    throw err;
  }
  if (o.signal?.aborted) {
    base.model.dispose();
    throw new DemoStopped('RL training', trained.map((r) => r.runId));
  }
  for (const [r, name] of [[trained[0]!, 'baseline'], [trained[1]!, 'multi-attempt']] as const) {
    if (r.status === 'failed' || !r.checkpoint) base.model.dispose();
    if (r.status === 'failed') throw new Error(`demo ${name} training failed: ${r.error}`);
    if (!r.checkpoint) throw new Error(`demo ${name} training left no checkpoint`);
  }
  const [baselineRun, multiRun] = trained as [TrainRunResult, TrainRunResult];

  // 3. k-attempt evaluation of all three on the same unseen questions, and the baseline's sampled pass@k.
  const questions = demoTestQuestions(o.seed, budget.testQuestions, task, split);
  const stopCheck = (phase: string) => {
    if (o.signal?.aborted) throw new DemoStopped(phase, []);
  };
  const evaluate = async (model: Transformer, name: string) => {
    stopCheck(`the evaluation of the ${name}`);
    o.onPhase?.(`evaluate ${name}`);
    return evaluateDemoModel(model, questions, budget.attempts, o.protocol ?? 'one-episode', (done, total) => o.onProgress?.(done, total));
  };
  const baseEvalRun = createRun(o.db, { kind: 'eval', config: { demo: true, model: base.dir, split }, name: `demo base model (seed ${o.seed})` });
  markRunning(o.db, baseEvalRun, { pid: process.pid, backend: runtime.name, device: runtime.device });
  let baseEval: KAttemptResult;
  try {
    baseEval = await evaluate(base.model, 'base model');
  } catch (err) {
    if (err instanceof DemoStopped) finishRun(o.db, baseEvalRun, 'stopped');
    else failRun(o.db, baseEvalRun, (err as Error).message);
    throw err;
  } finally {
    base.model.dispose();
  }
  storeKAttempt(o.db, baseEvalRun, baseEval, { checkpointPath: base.dir });
  finishRun(o.db, baseEvalRun);
  const results: Record<'baseline' | 'multiAttempt', PolicySummary> = {} as never;
  let baselineSampled: SampledSummaryRow | undefined;
  const temperature = configs[0]!.generation.temperature;
  for (const [key, run] of [
    ['baseline', baselineRun],
    ['multiAttempt', multiRun],
  ] as const) {
    const model = await loadModel(run.checkpoint!);
    try {
      const r = await evaluate(model, key === 'baseline' ? 'baseline' : 'multi-attempt');
      storeKAttempt(o.db, run.runId, r, { step: run.steps, checkpointPath: run.checkpoint! });
      results[key] = summarisePolicy(run.runId, r.datasets[0]!);
      if (key === 'baseline') {
        stopCheck('the sampled evaluation of the baseline');
        o.onPhase?.(`sample the baseline (${budget.attempts} per question, temperature ${temperature})`);
        const sampled = await evaluateSampled({ model, tokenizer: charTokenizer, template: compactTemplate }, [{ name: 'synthetic', questions }], {
          samples: budget.attempts,
          prompt: 'single-turn',
          temperature,
          topP: 1,
          seed: o.seed,
          maxTokensPerAttempt: 32,
          maxTotalTokens: 32,
          batchSize: 64,
          onProgress: (done, total) => o.onProgress?.(done, total),
        });
        storeSampled(o.db, run.runId, sampled, { step: run.steps, checkpointPath: run.checkpoint! });
        baselineSampled = summariseSampled(sampled.datasets[0]!, temperature);
      }
    } finally {
      model.dispose();
    }
  }
  const baseSummary = summarisePolicy(baseEvalRun, baseEval.datasets[0]!);

  // 4. Artefacts.
  const K = budget.attempts;
  const rows = [
    { name: 'base model', key: 'base', d: baseSummary },
    { name: 'single-turn baseline', key: 'baseline', d: results.baseline },
    { name: 'multi-attempt', key: 'multiAttempt', d: results.multiAttempt },
  ];
  const csvFile = path.join(o.outDir, 'accuracy-vs-attempts.csv');
  const chartFile = path.join(o.outDir, 'accuracy-vs-attempts.svg');
  const summaryFile = path.join(o.outDir, 'summary.json');
  const csvRows: (string | number)[][] = [['policy', 'run_id', 'k', 'n', 'correct', 'accuracy', 'repeat_rate']];
  for (const r of rows) {
    for (let k = 1; k <= K; k++) csvRows.push([r.key, r.d.runId ?? '', k, r.d.n, r.d.correctByK[String(k)]!, r.d.accuracyByK[String(k)]!, r.d.repeatRate]);
  }
  await writeFile(csvFile, toCsv(csvRows));
  const series = (d: PolicySummary) => Array.from({ length: K }, (_, i) => d.accuracyByK[String(i + 1)]!);
  await writeFile(
    chartFile,
    accuracyChartSvg(
      [
        { label: 'base model', accuracy: series(baseSummary), color: '#888888' },
        { label: 'single-turn baseline (RL)', accuracy: series(results.baseline) },
        { label: 'multi-attempt (RL)', accuracy: series(results.multiAttempt) },
      ],
      { title: `Accuracy vs number of attempts (synthetic ${split}, ${questions.length} questions, greedy)` },
    ),
  );
  const full = DEMO_BUDGETS.full;
  const summary: DemoSummary = {
    seed: o.seed,
    quick: o.quick,
    smokeTest: o.quick || budget.rlSteps < full.rlSteps || budget.testQuestions < full.testQuestions || budget.rolloutBatch < full.rolloutBatch,
    task: { description: describeTask(task), families: task.families, levels: task.levels },
    reward: {
      baseline: describeReward(configs[0]!.task.rewards, configs[0]!.task.attemptDiscount),
      multiAttempt: describeReward(configs[1]!.task.rewards, configs[1]!.task.attemptDiscount),
      values: configs[1]!.task.rewards,
      attemptDiscount: { baseline: configs[0]!.task.attemptDiscount, multiAttempt: configs[1]!.task.attemptDiscount },
    },
    split,
    wallSeconds: (performance.now() - t0) / 1000,
    backend: runtime.name,
    device: runtime.device,
    attempts: K,
    protocol: o.protocol ?? 'one-episode',
    testQuestions: questions.length,
    rlSteps: budget.rlSteps,
    baseModel: { dir: base.dir, cached: base.cached, source: base.source, steps: base.spec.steps },
    policies: { base: baseSummary, baseline: results.baseline, multiAttempt: results.multiAttempt },
    baselineSampled: baselineSampled!,
    comparisons: demoComparisons(results.multiAttempt, results.baseline, baselineSampled!),
    files: { csv: csvFile, chart: chartFile, summary: summaryFile },
    db: o.dbPath,
  };
  await writeFile(summaryFile, JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

/** Both policies at once, each in its own worker process; a stop reaches both workers. */
async function trainParallel(o: DemoOptions, configs: RunConfig[], budget: DemoBudget): Promise<TrainRunResult[]> {
  o.onPhase?.('baseline + multi-attempt (two workers)');
  const stepsDone = [0, 0];
  return trainInWorkers({
    db: o.db,
    dbPath: o.dbPath,
    dataDir: o.dataDir,
    configs,
    signal: o.signal,
    onLog: o.onLog,
    ...(o.spawn ? { spawn: o.spawn } : {}),
    onStep: (i, step) => {
      stepsDone[i] = step;
      o.onProgress?.(stepsDone[0]! + stepsDone[1]!, 2 * budget.rlSteps);
    },
  });
}

/** One policy after the other in this process (a one-core machine); a stop ends the current one. */
async function trainInTurn(o: DemoOptions, configs: RunConfig[]): Promise<TrainRunResult[]> {
  const out: TrainRunResult[] = [];
  for (const [config, name] of [[configs[0]!, 'baseline'], [configs[1]!, 'multi-attempt']] as const) {
    if (o.signal?.aborted) break;
    o.onPhase?.(name);
    out.push(
      await runTraining({
        db: o.db,
        dataDir: o.dataDir,
        config,
        signal: o.signal,
        onLog: o.onLog,
        onStep: ({ step, metrics }) => o.onProgress?.(step, config.steps, { reward: metrics.reward!, acc: metrics.accuracy! }),
      }),
    );
  }
  return out;
}
