// Accuracy vs. number of allowed attempts from eval results: one curve per run and dataset plus the mean
// over datasets (as in the seed paper's figures), from each run's latest evaluation.
import type { EvalResultView } from '../../../backend/api/contract.js';
import type { EvalMetric } from '../../../backend/domain/vocabulary.js';

export interface AccuracyCurve {
  runId: number;
  /** A dataset name, or 'mean' (the average over the run's datasets at each k they all have). */
  dataset: string;
  /** The evaluation's training step (null when unknown). */
  step: number | null;
  /** accuracy[k − 1], null where that k was not evaluated. */
  accuracy: Array<number | null>;
  n: number;
}

/** The metrics that are accuracy curves over k, in the order to offer them. */
export const CURVE_METRICS = ['k_attempt', 'k_attempt_separate', 'pass_at_k'] as const satisfies readonly EvalMetric[];

/**
 * Curves for each run × dataset of one metric, from the latest evaluation of that pair (highest step; the
 * newest row per k), plus one 'mean' curve per run with two or more datasets. Sorted by run, then dataset.
 */
export function accuracyCurves(rows: readonly EvalResultView[], metric: string = 'k_attempt'): AccuracyCurve[] {
  const rank = (step: number | null) => step ?? -1;
  // Per run × dataset: the rows of its highest step; a k evaluated twice at that step keeps its newest row.
  const latest = new Map<string, { step: number | null; byK: Map<number, EvalResultView> }>();
  for (const r of rows) {
    if (r.metric !== metric) continue;
    const key = `${r.runId}\u0000${r.dataset}`;
    let cur = latest.get(key);
    if (!cur || rank(r.step) > rank(cur.step)) latest.set(key, (cur = { step: r.step, byK: new Map() }));
    if (rank(r.step) < rank(cur.step)) continue;
    const old = cur.byK.get(r.k);
    if (!old || r.createdAt > old.createdAt || (r.createdAt === old.createdAt && r.id > old.id)) cur.byK.set(r.k, r);
  }
  const curves: AccuracyCurve[] = [];
  for (const { step, byK } of latest.values()) {
    const rs = [...byK.values()];
    const kMax = Math.max(...rs.map((r) => r.k));
    const accuracy: Array<number | null> = Array.from({ length: kMax }, () => null);
    for (const r of rs) accuracy[r.k - 1] = r.accuracy;
    curves.push({ runId: rs[0]!.runId, dataset: rs[0]!.dataset, step, accuracy, n: Math.max(...rs.map((r) => r.n)) });
  }
  curves.sort((a, b) => a.runId - b.runId || a.dataset.localeCompare(b.dataset));
  const out: AccuracyCurve[] = [];
  for (const runId of [...new Set(curves.map((c) => c.runId))]) {
    const own = curves.filter((c) => c.runId === runId);
    out.push(...own);
    if (own.length < 2) continue;
    const kMax = Math.min(...own.map((c) => c.accuracy.length));
    const mean = Array.from({ length: kMax }, (_, i) => {
      const vals = own.map((c) => c.accuracy[i]);
      return vals.every((v): v is number => v !== null) ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
    });
    out.push({ runId, dataset: 'mean', step: own[0]!.step, accuracy: mean, n: own.reduce((a, c) => a + c.n, 0) });
  }
  return out;
}

/** The largest k across curves (the chart's x range). */
export function maxK(curves: readonly AccuracyCurve[]): number {
  return curves.reduce((m, c) => Math.max(m, c.accuracy.length), 0);
}
