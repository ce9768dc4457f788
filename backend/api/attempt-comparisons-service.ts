// The API's `eval:comparisons`: the comparisons beside greedy k-attempt accuracy (docs/RESULTS.md, issue #16),
// computed from a run's stored evaluation with backend/eval/attempt-comparisons.ts — its Succ@k, the
// unique-answer ratio across attempts and SCoRe's first-to-second-attempt deltas, and, given a baseline run
// with a sampled evaluation, Succ@k beside the baseline's pass@k at the same k.
import type { Db } from '../db/open-db.js';
import { getRun } from '../db/run-store.js';
import { storedEvalEpisodes, storedPassAtK } from '../db/eval-attempts-query.js';
import { attemptComparisons, succVsPass, type FirstSecondDeltas, type SuccVsPassRow } from '../eval/attempt-comparisons.js';
import { ApiError } from './api-error.js';

/** One dataset of a run's latest k-attempt evaluation, compared. */
export interface AttemptComparisonsView {
  runId: number;
  dataset: string;
  step: number;
  /** Questions (one K-attempt episode each) and K. */
  n: number;
  attempts: number;
  /** Success within k sequential attempts with feedback, k = 1..K. */
  succByK: number[];
  /** Distinct answers over attempts made, mean over episodes with a retry; null: no episode had one. */
  uniqueAnswerRatio: number | null;
  /** SCoRe's Δ(t1, t2), Δi→c, Δc→i between the first and second attempt. */
  deltas: FirstSecondDeltas;
  /** The baseline's sampled pass@k on the same dataset (null: no baseline asked, or it has none stored there). */
  baseline: { runId: number; step: number | null; passByK: Record<number, number>; rows: SuccVsPassRow[] } | null;
}

export function evalComparisons(db: Db, q: { runId: number; baselineRunId?: number | undefined }): AttemptComparisonsView[] {
  for (const [id, field] of [[q.runId, 'runId'], [q.baselineRunId, 'baselineRunId']] as const)
    if (id !== undefined && !getRun(db, id)) throw new ApiError(404, `no run with id ${id}`, field);
  const passes = q.baselineRunId === undefined ? [] : storedPassAtK(db, q.baselineRunId);
  return storedEvalEpisodes(db, q.runId)
    .filter((d) => d.episodes.length > 0)
    .map((d) => {
      const c = attemptComparisons(d.episodes, d.attemptsAllowed);
      const pass = passes.find((p) => p.dataset === d.dataset);
      return {
        runId: q.runId,
        dataset: d.dataset,
        step: d.step,
        n: c.n,
        attempts: d.attemptsAllowed,
        succByK: c.succByK,
        uniqueAnswerRatio: c.uniqueAnswerRatio,
        deltas: c.deltas,
        baseline: pass ? { runId: q.baselineRunId!, step: pass.step, passByK: pass.passByK, rows: succVsPass(c.succByK, pass.passByK) } : null,
      };
    });
}
