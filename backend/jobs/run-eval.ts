// The executor of the eval job kind: the one function that runs an eval run, whoever started it. The CLI
// (`attempt-studio eval`) calls it in its own process; the app's eval worker (workers/eval-worker.ts) calls it
// in a worker process the run manager started. It validates the run's stored config (kinds/eval-job.ts),
// selects the runtime, loads the model and the questions (the held-out split from the source run's config),
// runs k-attempt accuracy or sampled pass@k, stores everything in one transaction (eval-store.ts) and moves the
// run's status through run-status.ts: running → completed, or failed with the reason (a config that fails the
// schema included: the run fails with the field named, the process does not crash).
import type { Db } from '../db/open-db.js';
import { getRun } from '../db/run-store.js';
import type { RuntimeReport } from '../model/runtime/runtime.js';
import type { KAttemptResult } from '../eval/k-attempt.js';
import type { SampledResult } from '../eval/sampled.js';
import type { DatasetQuestions } from '../eval/k-attempt.js';
import { failRun, finishRun, markRunning } from './run-status.js';
import { parseEvalJobSpec, type EvalJobSpec } from './kinds/eval-job.js';

export interface RunEvalOptions {
  db: Db;
  /** A queued eval run whose stored config is its spec. */
  runId: number;
  onStarted?(runtime: RuntimeReport, spec: EvalJobSpec): void;
  onLog?(line: string): void;
  /** Units of work done / total (a unit = one question-run, or one question's samples). */
  onProgress?(done: number, total: number, dataset: string): void;
}

export type EvalOutcome =
  | { status: 'completed'; spec: EvalJobSpec; maxPositions: number; kAttempt: KAttemptResult; sampled?: undefined }
  | { status: 'completed'; spec: EvalJobSpec; maxPositions: number; sampled: SampledResult; kAttempt?: undefined }
  | { status: 'failed'; error: string };

/** The questions of the spec's datasets, in its order; 'held-out' is the source run's own held-out split. */
async function questionsOf(db: Db, spec: EvalJobSpec): Promise<DatasetQuestions[]> {
  const { loadEvalDatasets } = await import('../eval/load-eval-model.js');
  const { HELD_OUT, heldOutQuestions } = await import('../eval/held-out.js');
  const limit = spec.limit ?? undefined;
  const named = await loadEvalDatasets(spec.datasets.filter((d) => d !== HELD_OUT), { limit, seed: spec.seed });
  const data: DatasetQuestions[] = [];
  for (const name of spec.datasets) {
    if (name !== HELD_OUT) data.push(named.find((d) => d.name === name)!);
    else {
      const source = spec.sourceRun === null ? undefined : getRun(db, spec.sourceRun);
      if (!source) throw new Error(`the held-out split belongs to run ${spec.sourceRun ?? '(none)'}, which no longer exists`);
      data.push(await heldOutQuestions(source.config, `run ${source.id}'s stored config`, limit));
    }
  }
  return data;
}

/**
 * A stop (Ctrl-C or SIGTERM in the CLI, `stop` in the app's worker): a running eval run becomes stopped and the
 * process leaves. Nothing of it is stored (an evaluation stores all its rows at the end, in one transaction) and
 * there is nothing to resume. Returns whether the run was running.
 */
export function stopEvalRun(db: Db, runId: number): boolean {
  try {
    if (getRun(db, runId)?.status !== 'running') return false;
    finishRun(db, runId, 'stopped');
    return true;
  } catch {
    return false; // it ended (completed or failed) in between: that status stands
  }
}

/** Runs eval run `runId` to its end; never throws for a failure of the job itself (the run is marked failed). */
export async function runEval(o: RunEvalOptions): Promise<EvalOutcome> {
  const { db, runId } = o;
  const log = o.onLog ?? (() => {});
  try {
    const row = getRun(db, runId);
    if (!row) throw new Error(`no run with id ${runId}`);
    const spec = parseEvalJobSpec(row.config, `run ${runId}'s stored config`);
    const { selectRuntime } = await import('../model/runtime/runtime.js');
    const runtime = await selectRuntime(spec.runtime === 'auto' ? {} : { force: spec.runtime });
    markRunning(db, runId, { pid: process.pid, backend: runtime.name, device: runtime.device });
    o.onStarted?.(runtime, spec);
    const { loadEvalModel } = await import('../eval/load-eval-model.js');
    log(`loading ${spec.checkpoint}`);
    let m;
    try {
      m = await loadEvalModel(spec.checkpoint, spec.template ?? undefined);
    } catch (err) {
      throw new Error(`cannot load checkpoint ${spec.checkpoint}: ${(err as Error).message}`);
    }
    try {
      const data = await questionsOf(db, spec);
      log(`${data.reduce((s, d) => s + d.questions.length, 0)} questions from ${spec.datasets.join(', ')}`);
      const gen = { batchSize: spec.batchSize, maxTokensPerAttempt: spec.maxTokensPerAttempt, maxTotalTokens: spec.maxTotalTokens, onProgress: o.onProgress };
      const store = await import('./eval-store.js');
      const target = { checkpointId: spec.checkpointId ?? undefined, checkpointPath: spec.checkpoint, step: spec.step ?? undefined };
      const maxPositions = m.model.config.maxPositions;
      if (spec.samples === null) {
        const { evaluateKAttempt } = await import('../eval/k-attempt.js');
        const r = await evaluateKAttempt(m, data, { ...gen, maxAttempts: spec.maxAttempts, protocol: spec.protocol!, prompt: spec.prompt });
        for (const d of r.datasets) log(`${d.dataset}: ${d.accuracyByK.map((a, i) => `k=${i + 1} ${(a * 100).toFixed(1)}%`).join(', ')} (${d.n} questions)`);
        store.storeKAttempt(db, runId, r, target);
        finishRun(db, runId, 'completed');
        return { status: 'completed', spec, maxPositions, kAttempt: r };
      }
      const { evaluateSampled } = await import('../eval/sampled.js');
      const r = await evaluateSampled(m, data, { ...gen, samples: spec.samples, temperature: spec.temperature, seed: spec.seed, prompt: spec.prompt });
      for (const d of r.datasets) log(`${d.dataset}: mean accuracy ${(d.meanAccuracy * 100).toFixed(1)}% over ${d.samplesPerQuestion} samples of ${d.questions} questions`);
      store.storeSampled(db, runId, r, target);
      finishRun(db, runId, 'completed');
      return { status: 'completed', spec, maxPositions, sampled: r };
    } finally {
      m.model.dispose();
    }
  } catch (err) {
    const error = (err as Error).message;
    try {
      failRun(db, runId, error);
    } catch {
      /* the run was moved already (a stop marked it stopped): that status stands */
    }
    return { status: 'failed', error };
  }
}
