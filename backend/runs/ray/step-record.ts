// One step of a run as it travels from a Ray node to the studio: everything the worker stored at that step
// (metrics, episodes with their attempts, checkpoints, eval results), read from the node's scratch database
// and applied to the studio's database by replacing that step whole — so a retried or repeated record never
// duplicates a row (the step number is the idempotency key), and a step re-logged on the node replaces itself.
import type { Db } from '../../db/open-db.js';
import { addCheckpoint, addEvalResult, logStep, type EvalResultRecord } from '../../db/run-store.js';
import type { EpisodeRecord, EvalMetric, Verdict } from '../../domain/vocabulary.js';

export interface StepRecord {
  step: number;
  metrics: Array<{ name: string; value: number | null }>;
  episodes: EpisodeRecord[];
  checkpoints: Array<{ path: string; format: string }>;
  evalResults: EvalResultRecord[];
}

/** Per step, a cheap fingerprint of what is stored at it (row counts and newest ids/times): a change means "send again". */
export function stepFingerprints(db: Db, runId: number): Map<number, string> {
  const rows = db
    .prepare(
      `SELECT step, group_concat(part, '|') AS fp FROM (
         SELECT step, 'm' || count(*) || ':' || total(time) || ':' || total(coalesce(value, 0)) AS part FROM metrics WHERE run_id = ? GROUP BY step
         UNION ALL SELECT step, 'e' || count(*) || ':' || max(id) FROM episodes WHERE run_id = ? GROUP BY step
         UNION ALL SELECT step, 'c' || count(*) || ':' || max(created_at) FROM checkpoints WHERE run_id = ? GROUP BY step
         UNION ALL SELECT coalesce(step, 0), 'r' || count(*) || ':' || max(id) FROM eval_results WHERE run_id = ? GROUP BY coalesce(step, 0)
       ) GROUP BY step ORDER BY step`,
    )
    .all(runId, runId, runId, runId) as Array<{ step: number; fp: string }>;
  return new Map(rows.map((r) => [r.step, r.fp]));
}

/** Everything stored at `step` of the run (eval results without a step count as step 0, as eval/store.ts logs them). */
export function readStepRecord(db: Db, runId: number, step: number): StepRecord {
  const metrics = db.prepare('SELECT name, value FROM metrics WHERE run_id = ? AND step = ? ORDER BY name').all(runId, step) as StepRecord['metrics'];
  const eps = db
    .prepare('SELECT id, split, dataset, question_id, question, gold, sample_index, attempts_allowed, reward FROM episodes WHERE run_id = ? AND step = ? ORDER BY id')
    .all(runId, step) as Array<{ id: number; split: EpisodeRecord['split']; dataset: string; question_id: string; question: string; gold: string; sample_index: number; attempts_allowed: number; reward: number }>;
  const attemptsOf = db.prepare('SELECT response, extracted, verdict, tokens FROM attempts WHERE episode_id = ? ORDER BY idx');
  const episodes: EpisodeRecord[] = eps.map((e) => ({
    split: e.split,
    dataset: e.dataset,
    questionId: e.question_id,
    question: e.question,
    gold: e.gold,
    sampleIndex: e.sample_index,
    attemptsAllowed: e.attempts_allowed,
    reward: e.reward,
    attempts: attemptsOf.all(e.id) as Array<{ response: string; extracted: string | null; verdict: Verdict; tokens: number }>,
  }));
  const checkpoints = db.prepare('SELECT path, format FROM checkpoints WHERE run_id = ? AND step = ? ORDER BY id').all(runId, step) as StepRecord['checkpoints'];
  const evalRows = db
    .prepare(
      'SELECT checkpoint_id, checkpoint_path, step, dataset, k, n, correct, accuracy, decoding, metric, skipped FROM eval_results WHERE run_id = ? AND coalesce(step, 0) = ? ORDER BY id',
    )
    .all(runId, step) as Array<{ checkpoint_id: number | null; checkpoint_path: string | null; step: number | null; dataset: string; k: number; n: number; correct: number; accuracy: number; decoding: string; metric: EvalMetric; skipped: number }>;
  const evalResults: EvalResultRecord[] = evalRows.map((r) => ({
    ...(r.checkpoint_id !== null ? { checkpointId: r.checkpoint_id } : {}),
    ...(r.checkpoint_path !== null ? { checkpointPath: r.checkpoint_path } : {}),
    ...(r.step !== null ? { step: r.step } : {}),
    dataset: r.dataset,
    k: r.k,
    n: r.n,
    correct: r.correct,
    accuracy: r.accuracy,
    decoding: r.decoding,
    metric: r.metric,
    skipped: r.skipped,
  }));
  return { step, metrics, episodes, checkpoints, evalResults };
}

/**
 * Stores a step record in the studio's database, replacing whatever that run held at that step, in one
 * transaction. Applying the same record twice leaves the same rows.
 */
export function applyStepRecord(db: Db, runId: number, rec: StepRecord): void {
  if (!Number.isInteger(rec.step) || rec.step < 0) throw new Error(`step record: step must be a non-negative integer, got ${rec.step}`);
  db.transaction(() => {
    db.prepare('DELETE FROM metrics WHERE run_id = ? AND step = ?').run(runId, rec.step);
    db.prepare('DELETE FROM episodes WHERE run_id = ? AND step = ?').run(runId, rec.step); // attempts cascade
    db.prepare('DELETE FROM eval_results WHERE run_id = ? AND coalesce(step, 0) = ?').run(runId, rec.step);
    const metrics = Object.fromEntries(rec.metrics.map((m) => [m.name, m.value ?? Number.NaN]));
    logStep(db, runId, rec.step, { metrics, episodes: rec.episodes });
    for (const c of rec.checkpoints) addCheckpoint(db, runId, rec.step, c.path, c.format);
    for (const r of rec.evalResults) addEvalResult(db, runId, r);
  }).immediate();
}
