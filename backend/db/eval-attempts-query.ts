// What the attempt comparisons (backend/eval/attempt-comparisons.ts) read of one run's stored evaluation: per
// dataset, the k-attempt episodes of its latest evaluation with every attempt's verdict and answer, and the
// sampled pass@k of its latest sampled evaluation. Reads only.
import type { Db } from './open-db.js';
import type { AttemptRecord } from '../domain/vocabulary.js';

export interface StoredEvalEpisodes {
  dataset: string;
  /** The evaluation's step (the latest step with eval episodes of this dataset). */
  step: number;
  /** K: the attempts the episodes allowed. */
  attemptsAllowed: number;
  /** One per question, attempts in order. */
  episodes: Array<Array<Pick<AttemptRecord, 'verdict' | 'extracted'>>>;
}

/**
 * The k-attempt episodes of the run's latest evaluation, per dataset. At that step, the episodes with the most
 * attempts allowed are the K-attempt ones (a sampled evaluation's episodes allow one attempt; the 'separate'
 * protocol's runs allow k = 1..K); per question the one that used the most attempts (the 'truncated' protocol
 * repeats a question once per k with the same prompt), first stored on a tie.
 */
export function storedEvalEpisodes(db: Db, runId: number): StoredEvalEpisodes[] {
  const latest = db
    .prepare(
      `SELECT dataset, MAX(step) AS step FROM episodes WHERE run_id = ? AND split = 'eval' GROUP BY dataset ORDER BY dataset`,
    )
    .all(runId) as Array<{ dataset: string; step: number }>;
  const rows = db.prepare(
    `SELECT e.id, e.question_id AS questionId, e.attempts_allowed AS allowed, e.attempts_used AS used
     FROM episodes e
     WHERE e.run_id = @runId AND e.split = 'eval' AND e.dataset = @dataset AND e.step = @step AND e.sample_index = 0
       AND e.attempts_allowed = (SELECT MAX(attempts_allowed) FROM episodes
                                 WHERE run_id = @runId AND split = 'eval' AND dataset = @dataset AND step = @step)
     ORDER BY e.id`,
  );
  const attempts = db.prepare('SELECT verdict, extracted FROM attempts WHERE episode_id = ? ORDER BY idx');
  return latest.map(({ dataset, step }) => {
    const eps = rows.all({ runId, dataset, step }) as Array<{ id: number; questionId: string; allowed: number; used: number }>;
    const byQuestion = new Map<string, { id: number; used: number }>();
    for (const e of eps) {
      const seen = byQuestion.get(e.questionId);
      if (!seen || e.used > seen.used) byQuestion.set(e.questionId, { id: e.id, used: e.used });
    }
    return {
      dataset,
      step,
      attemptsAllowed: eps[0]?.allowed ?? 0,
      episodes: [...byQuestion.values()].map((e) => attempts.all(e.id) as Array<Pick<AttemptRecord, 'verdict' | 'extracted'>>),
    };
  });
}

export interface StoredPassAtK {
  dataset: string;
  step: number | null;
  /** k → pass@k (the unbiased estimator over the samples per question). */
  passByK: Record<number, number>;
}

/** The run's sampled pass@k per dataset, from its latest evaluation that stored one. */
export function storedPassAtK(db: Db, runId: number): StoredPassAtK[] {
  const rows = db
    .prepare(
      `SELECT dataset, step, k, accuracy, id FROM eval_results WHERE run_id = ? AND metric = 'pass_at_k' ORDER BY dataset, id`,
    )
    .all(runId) as Array<{ dataset: string; step: number | null; k: number; accuracy: number; id: number }>;
  const out = new Map<string, StoredPassAtK>();
  for (const r of rows) {
    const cur = out.get(r.dataset);
    // Rows come in insertion order: a later evaluation (a new step, or k = 1 again) starts over.
    if (!cur || cur.step !== r.step || r.k === 1) out.set(r.dataset, { dataset: r.dataset, step: r.step, passByK: { [r.k]: r.accuracy } });
    else cur.passByK[r.k] = r.accuracy;
  }
  return [...out.values()];
}
