// The one-command demo on the embedded default: build (or reuse) the built-in base model, train the
// single-turn baseline and the multi-attempt policy for the same budget, evaluate both (and the base model)
// at k = 1..K on the synthetic test split with greedy decoding, and write the table, CSV, SVG chart and a
// JSON summary; every run, episode and eval row also lands in SQLite so the app shows them.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../db/open-db.js';
import { createRun } from '../db/run-store.js';
import { finishRun, markRunning } from './run-status.js';
import { selectRuntime } from '../model/runtime/runtime.js';
import { loadModel } from '../model/formats/checkpoint.js';
import { charTokenizer } from '../model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../model/tokenizers/chat-template.js';
import type { Transformer } from '../model/core/transformer.js';
import type { EpisodeResult } from '../rl/episode.js';
import { generateSynthetic, type Family } from '../data/synthetic.js';
import { ensureBaseModel, DEFAULT_BASE_MODEL_SPEC, type BaseModelSpec } from '../pretrain/base-model.js';
import { mergeConfigInput, parseRunConfig } from '../rl/config.js';
import { runTraining, type TrainRunResult } from './train-run.js';
import { accuracyChartSvg } from '../export/accuracy-chart-svg.js';
import { toCsv } from '../export/csv.js';
import { evaluateKAttempt, sweepFromSolvedAt, type KAttemptDatasetResult, type KAttemptProtocol, type KAttemptResult } from '../eval/k-attempt.js';
import type { EvalQuestion } from '../eval/run-questions.js';
import { storeKAttempt } from './eval-store.js';
import { trainInWorkers } from './train-in-workers.js';

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
  signal?: AbortSignal;
  /** A phase started: name, and its share of the expected total time. */
  onPhase?(name: string): void;
  /** Progress inside the current phase (done / total units). */
  onProgress?(done: number, total: number, values?: Record<string, number>): void;
  onLog?(line: string): void;
}

export interface DemoBudget {
  baseSteps: number;
  rlSteps: number;
  rolloutBatch: number;
  testQuestions: number;
  attempts: number;
}

/** Budgets of the full demo and of --quick. */
export const DEMO_BUDGETS: Record<'full' | 'quick', DemoBudget> = {
  full: { baseSteps: DEFAULT_BASE_MODEL_SPEC.steps, rlSteps: 300, rolloutBatch: 64, testQuestions: 300, attempts: 5 },
  quick: { baseSteps: 150, rlSteps: 6, rolloutBatch: 32, testQuestions: 60, attempts: 5 },
};

export interface PolicySummary {
  runId: number | null;
  accuracyByK: Record<string, number>;
  correctByK: Record<string, number>;
  n: number;
  repeatRate: number;
  switchToCorrectRate: number;
  /** Accuracy gained from k = 1 to k = 2 (fraction). */
  gain1to2: number;
  /** The same sweep per synthetic family (the part of the question id before ':'), e.g. `add`, `root`. */
  byFamily: Record<string, { n: number; accuracyByK: Record<string, number> }>;
}

export interface DemoSummary {
  seed: number;
  quick: boolean;
  wallSeconds: number;
  backend: string;
  device: string;
  attempts: number;
  /** How accuracy at k was measured (see DemoOptions.protocol). */
  protocol: KAttemptProtocol;
  testQuestions: number;
  rlSteps: number;
  baseModel: { dir: string; cached: boolean; steps: number };
  policies: { base: PolicySummary; baseline: PolicySummary; multiAttempt: PolicySummary };
  files: { csv: string; chart: string; summary: string };
  db: string;
}

/** One policy's row of the summary from its evaluation on the demo's dataset. */
export function summarisePolicy(runId: number | null, d: KAttemptDatasetResult): PolicySummary {
  const byK = (xs: number[]) => Object.fromEntries(xs.map((x, i) => [String(i + 1), x]));
  const K = d.accuracyByK.length;
  // One episode of K attempts per question ('one-episode'), or one run per k whose episodes allow k attempts.
  const oneEpisode = d.episodes.every((e) => e.task.attemptsAllowed === K);
  const families = new Map<string, EpisodeResult[]>();
  for (const e of d.episodes) {
    const family = e.task.questionId.split(':')[0]!;
    families.set(family, [...(families.get(family) ?? []), e]);
  }
  const byFamily = Object.fromEntries(
    [...families].sort(([a], [b]) => a.localeCompare(b)).map(([f, eps]) => {
      const n = oneEpisode ? eps.length : eps.filter((e) => e.task.attemptsAllowed === K).length;
      const correct = oneEpisode
        ? sweepFromSolvedAt(eps.map((e) => e.solvedAt), K)
        : Array.from({ length: K }, (_, i) => eps.filter((e) => e.task.attemptsAllowed === i + 1 && e.solvedAt !== null).length);
      return [f, { n, accuracyByK: byK(correct.map((c) => c / n)) }];
    }),
  );
  return {
    runId,
    accuracyByK: byK(d.accuracyByK),
    correctByK: byK(d.correctByK),
    n: d.n,
    repeatRate: d.retry.repeatRate,
    switchToCorrectRate: d.retry.switchToCorrectRate,
    gain1to2: (d.accuracyByK[1] ?? d.accuracyByK[0]!) - d.accuracyByK[0]!,
    byFamily,
  };
}

/**
 * The accuracy table as text: one row per policy, one column per k, plus the repeat rate; when the test split
 * mixes several families, an indented row per family under each policy.
 */
export function formatDemoTable(rows: { name: string; d: PolicySummary }[], K: number): string {
  const head = ['policy', ...Array.from({ length: K }, (_, i) => `k=${i + 1}`), 'repeat'];
  const cells = (name: string, byK: Record<string, number>, repeat: string) => [
    name,
    ...Array.from({ length: K }, (_, i) => `${(byK[String(i + 1)]! * 100).toFixed(1)}%`),
    repeat,
  ];
  const body = rows.flatMap((r) => {
    const families = Object.entries(r.d.byFamily ?? {});
    return [
      cells(r.name, r.d.accuracyByK, `${(r.d.repeatRate * 100).toFixed(1)}%`),
      ...(families.length > 1 ? families.map(([f, x]) => cells(`  ${f} (${x.n})`, x.accuracyByK, '')) : []),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

/** The demo's unseen test questions for a seed (the synthetic test split of the base model's task). */
export function demoTestQuestions(seed: number, count: number, task: { families: Family[]; levels: number[] }): EvalQuestion[] {
  return generateSynthetic({ seed: seed + 1000, count, split: 'test', families: task.families, levels: task.levels }).map((p) => ({
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

/** Runs the demo; throws if a training run fails (its reason is in the database too). */
export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const t0 = performance.now();
  const budget: DemoBudget = { ...(o.quick ? DEMO_BUDGETS.quick : DEMO_BUDGETS.full), ...o.budget };
  const log = o.onLog ?? (() => {});
  const runtime = await selectRuntime();
  await mkdir(o.outDir, { recursive: true });

  // 1. The base model (cached by its spec; the quick demo uses a shorter one).
  o.onPhase?.('base model');
  const spec = { ...DEFAULT_BASE_MODEL_SPEC, ...o.baseSpec, seed: o.seed, steps: budget.baseSteps };
  const base = await ensureBaseModel(path.join(o.dataDir, 'models'), spec, {
    signal: o.signal,
    onTrain: () => log(`training the built-in base model (${spec.steps} steps); it is cached for later runs`),
    onProgress: (p) => o.onProgress?.(p.step, p.steps, { loss: p.loss }),
  });
  log(base.cached ? `base model reused from ${base.dir}` : `base model saved to ${base.dir}`);
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
  if (parallel) {
    o.onPhase?.('baseline + multi-attempt (two workers)');
    const stepsDone = [0, 0];
    trained = await trainInWorkers({
      db: o.db,
      dbPath: o.dbPath,
      dataDir: o.dataDir,
      configs,
      signal: o.signal,
      onLog: log,
      onStep: (i, step) => {
        stepsDone[i] = step;
        o.onProgress?.(stepsDone[0]! + stepsDone[1]!, 2 * budget.rlSteps);
      },
    });
  } else {
    trained = [];
    for (const [config, name] of [[configs[0]!, 'baseline'], [configs[1]!, 'multi-attempt']] as const) {
      o.onPhase?.(name);
      trained.push(
        await runTraining({
          db: o.db,
          dataDir: o.dataDir,
          config,
          signal: o.signal,
          onLog: log,
          onStep: ({ step, metrics }) => o.onProgress?.(step, config.steps, { reward: metrics.reward!, acc: metrics.accuracy! }),
        }),
      );
    }
  }
  for (const [r, name] of [[trained[0]!, 'baseline'], [trained[1]!, 'multi-attempt']] as const) {
    if (r.status === 'failed') throw new Error(`demo ${name} training failed: ${r.error}`);
    if (!r.checkpoint) throw new Error(`demo ${name} training left no checkpoint`);
  }
  const [baselineRun, multiRun] = trained as [TrainRunResult, TrainRunResult];

  // 3. k-attempt evaluation of all three on the same unseen test questions.
  const questions = demoTestQuestions(o.seed, budget.testQuestions, task);
  const evaluate = async (model: Transformer, name: string) => {
    o.onPhase?.(`evaluate ${name}`);
    return evaluateDemoModel(model, questions, budget.attempts, o.protocol ?? 'one-episode', (done, total) => o.onProgress?.(done, total));
  };
  const baseEvalRun = createRun(o.db, { kind: 'eval', config: { demo: true, model: base.dir }, name: `demo base model (seed ${o.seed})` });
  markRunning(o.db, baseEvalRun, { pid: process.pid, backend: runtime.name, device: runtime.device });
  const baseEval = await evaluate(base.model, 'base model');
  storeKAttempt(o.db, baseEvalRun, baseEval, { checkpointPath: base.dir });
  finishRun(o.db, baseEvalRun);
  base.model.dispose();
  const results: Record<'baseline' | 'multiAttempt', PolicySummary> = {} as never;
  for (const [key, run] of [
    ['baseline', baselineRun],
    ['multiAttempt', multiRun],
  ] as const) {
    const model = await loadModel(run.checkpoint!);
    try {
      const r = await evaluate(model, key === 'baseline' ? 'baseline' : 'multi-attempt');
      storeKAttempt(o.db, run.runId, r, { step: run.steps, checkpointPath: run.checkpoint! });
      results[key] = summarisePolicy(run.runId, r.datasets[0]!);
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
      { title: `Accuracy vs number of attempts (synthetic test, ${questions.length} questions, greedy)` },
    ),
  );
  const summary: DemoSummary = {
    seed: o.seed,
    quick: o.quick,
    wallSeconds: (performance.now() - t0) / 1000,
    backend: runtime.name,
    device: runtime.device,
    attempts: K,
    protocol: o.protocol ?? 'one-episode',
    testQuestions: questions.length,
    rlSteps: budget.rlSteps,
    baseModel: { dir: base.dir, cached: base.cached, steps: base.spec.steps },
    policies: { base: baseSummary, baseline: results.baseline, multiAttempt: results.multiAttempt },
    files: { csv: csvFile, chart: chartFile, summary: summaryFile },
    db: o.dbPath,
  };
  await writeFile(summaryFile, JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
