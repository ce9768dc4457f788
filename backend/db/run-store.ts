// Typed reads and writes of runs and what they log: create a run, heartbeat, log one step
// (metrics + episodes + attempts) in one transaction, list runs, read metric series, reconcile dead runs.
import type { Db } from './open-db.js';
import { repeatCount } from '../domain/repeat-rule.js';
import { solvedAtOf, type EpisodeRecord, type EvalMetric, type RunKind, type RunStatus } from '../domain/vocabulary.js';
import { sameProcessAlive } from './process-identity.js';


export interface RunRow {
  id: number;
  experimentId: number | null;
  kind: RunKind;
  status: RunStatus;
  name: string;
  preset: string | null;
  config: unknown;
  backend: string | null;
  device: string | null;
  pid: number | null;
  heartbeatAt: number | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  stepsDone: number;
  tags: string[];
  notes: string;
}

export interface StepLog {
  /** Metric name → value at this step (non-finite values are stored as NULL). */
  metrics?: Record<string, number>;
  episodes?: EpisodeRecord[];
}

const now = () => Date.now();

interface RawRun {
  id: number;
  experiment_id: number | null;
  kind: RunKind;
  status: RunStatus;
  name: string;
  preset: string | null;
  config: string;
  backend: string | null;
  device: string | null;
  pid: number | null;
  heartbeat_at: number | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  steps_done: number;
  tags: string;
  notes: string;
}

function toRun(r: RawRun): RunRow {
  return {
    id: r.id,
    experimentId: r.experiment_id,
    kind: r.kind,
    status: r.status,
    name: r.name,
    preset: r.preset,
    config: JSON.parse(r.config),
    backend: r.backend,
    device: r.device,
    pid: r.pid,
    heartbeatAt: r.heartbeat_at,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    stepsDone: r.steps_done,
    tags: JSON.parse(r.tags) as string[],
    notes: r.notes,
  };
}

/** Records a new run as `queued` with its resolved config; returns its id. */
export function createRun(
  db: Db,
  run: {
    kind: RunKind;
    config: unknown;
    name?: string;
    preset?: string;
    experimentId?: number;
    tags?: string[];
    notes?: string;
  },
): number {
  const info = db
    .prepare(
      'INSERT INTO runs (experiment_id, kind, status, name, preset, config, created_at, tags, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(
      run.experimentId ?? null,
      run.kind,
      'queued',
      run.name ?? '',
      run.preset ?? null,
      JSON.stringify(run.config),
      now(),
      JSON.stringify(run.tags ?? []),
      run.notes ?? '',
    );
  return Number(info.lastInsertRowid);
}

function changeOne(db: Db, runId: number, sql: string, ...params: unknown[]): void {
  if (db.prepare(sql).run(...params).changes !== 1) throw new Error(`run ${runId} does not exist`);
}

export function heartbeat(db: Db, runId: number): void {
  changeOne(db, runId, 'UPDATE runs SET heartbeat_at = ? WHERE id = ?', now(), runId);
}

/**
 * Writes one step's metrics, episodes and their attempts, advances `steps_done` to `step` (steps count from
 * 1; step 0 may hold pre-training metrics) and beats the heart — all in ONE transaction: either the whole
 * step is stored or none of it. Re-logging a metric at the same step replaces it.
 */
export function logStep(db: Db, runId: number, step: number, log: StepLog): void {
  if (!Number.isInteger(step) || step < 0)
    throw new Error(`logStep: step must be a non-negative integer, got ${step}`);
  const putMetric = db.prepare(
    'INSERT OR REPLACE INTO metrics (run_id, name, step, value, time) VALUES (?, ?, ?, ?, ?)',
  );
  const putEpisode = db.prepare(
    `INSERT INTO episodes (run_id, step, split, dataset, question_id, question, gold, sample_index, attempts_allowed, attempts_used, solved_at, reward, verdict, tokens, repeats)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const putAttempt = db.prepare(
    'INSERT INTO attempts (episode_id, idx, response, extracted, verdict, tokens) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const advance = db.prepare(
    'UPDATE runs SET steps_done = MAX(steps_done, ?), heartbeat_at = ? WHERE id = ?',
  );
  db.transaction(() => {
    const t = now();
    if (advance.run(step, t, runId).changes !== 1) throw new Error(`run ${runId} does not exist`);
    for (const [name, value] of Object.entries(log.metrics ?? {}))
      putMetric.run(runId, name, step, Number.isFinite(value) ? value : null, t);
    (log.episodes ?? []).forEach((e, i) => {
      if (e.attempts.length === 0) throw new Error(`logStep: episode ${i} of step ${step} has no attempts`);
      const tokens = e.attempts.reduce((s, a) => s + a.tokens, 0);
      const episodeId = putEpisode.run(
        runId,
        step,
        e.split,
        e.dataset,
        e.questionId,
        e.question,
        e.gold,
        e.sampleIndex ?? 0,
        e.attemptsAllowed,
        e.attempts.length,
        solvedAtOf(e.attempts),
        e.reward,
        e.attempts.at(-1)!.verdict,
        tokens,
        repeatCount(e.attempts),
      ).lastInsertRowid;
      e.attempts.forEach((a, idx) =>
        putAttempt.run(episodeId, idx, a.response, a.extracted, a.verdict, a.tokens),
      );
    });
  }).immediate();
}

/** On resume from a checkpoint at `step`: drops the metrics and episodes logged after it. */
export function truncateRunAfter(db: Db, runId: number, step: number): void {
  db.transaction(() => {
    db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, step);
    db.prepare('DELETE FROM episodes WHERE run_id = ? AND step > ?').run(runId, step);
    db.prepare('UPDATE runs SET steps_done = MIN(steps_done, ?) WHERE id = ?').run(step, runId);
  }).immediate();
}

export function addCheckpoint(db: Db, runId: number, step: number, path: string, format: string): number {
  return Number(
    (db
      .prepare(
        `INSERT INTO checkpoints (run_id, step, path, format, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, step, format) DO UPDATE SET path = excluded.path, created_at = excluded.created_at
         RETURNING id`,
      )
      .get(runId, step, path, format, now()) as { id: number }).id,
  );
}

export interface CheckpointRow {
  id: number;
  step: number;
  path: string;
  format: string;
}

/** The run's newest checkpoint (by step), of the given format or of any format. */
export function latestCheckpoint(db: Db, runId: number, format?: string): CheckpointRow | undefined {
  const where = format === undefined ? '' : ' AND format = ?';
  return db
    .prepare(`SELECT id, step, path, format FROM checkpoints WHERE run_id = ?${where} ORDER BY step DESC, id DESC LIMIT 1`)
    .get(...(format === undefined ? [runId] : [runId, format])) as CheckpointRow | undefined;
}


export interface EvalResultRecord {
  checkpointId?: number;
  /** The evaluated checkpoint folder. */
  checkpointPath?: string;
  step?: number;
  dataset: string;
  k: number;
  n: number;
  correct: number;
  decoding: string;
  /** Default 'k_attempt'. */
  metric?: EvalMetric;
  /** The value when it is not correct / n (pass@k's unbiased estimator). */
  accuracy?: number;
  /** Questions that did not fit the model's context (not in n). */
  skipped?: number;
}

export function addEvalResult(db: Db, runId: number, r: EvalResultRecord): number {
  const accuracy = r.accuracy ?? (r.n > 0 ? r.correct / r.n : 0);
  return Number(
    db
      .prepare(
        'INSERT INTO eval_results (run_id, checkpoint_id, step, dataset, k, n, correct, accuracy, decoding, created_at, metric, checkpoint_path, skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        runId,
        r.checkpointId ?? null,
        r.step ?? null,
        r.dataset,
        r.k,
        r.n,
        r.correct,
        accuracy,
        r.decoding,
        now(),
        r.metric ?? 'k_attempt',
        r.checkpointPath ?? null,
        r.skipped ?? 0,
      ).lastInsertRowid,
  );
}

export interface EvalResultRow extends Required<
  Omit<EvalResultRecord, 'checkpointId' | 'checkpointPath' | 'step'>
> {
  id: number;
  runId: number;
  checkpointId: number | null;
  checkpointPath: string | null;
  step: number | null;
  createdAt: number;
}

/** Eval results, every filter optional (the API's eval:results, the tests): by run, metric, dataset, k and step. */
export function evalResults(db: Db, f: { runId?: number; dataset?: string; k?: number; metric?: string } = {}): EvalResultRow[] {
  return db
    .prepare(
      `SELECT id, run_id AS runId, checkpoint_id AS checkpointId, checkpoint_path AS checkpointPath, metric, skipped, step, dataset, k, n,
              correct, accuracy, decoding, created_at AS createdAt
       FROM eval_results WHERE (@runId IS NULL OR run_id = @runId) AND (@dataset IS NULL OR dataset = @dataset) AND (@k IS NULL OR k = @k)
         AND (@metric IS NULL OR metric = @metric)
       ORDER BY run_id, metric, dataset, k, step, id`,
    )
    .all({ runId: f.runId ?? null, dataset: f.dataset ?? null, k: f.k ?? null, metric: f.metric ?? null }) as EvalResultRow[];
}

/** Changes what the researcher owns on a run (name, tags, notes); other fields are the worker's. Returns whether the run exists. */
export function updateRunMeta(db: Db, runId: number, meta: { name?: string; tags?: string[]; notes?: string }): boolean {
  const r = db
    .prepare('UPDATE runs SET name = COALESCE(@name, name), tags = COALESCE(@tags, tags), notes = COALESCE(@notes, notes) WHERE id = @runId')
    .run({ runId, name: meta.name ?? null, tags: meta.tags ? JSON.stringify(meta.tags) : null, notes: meta.notes ?? null });
  return r.changes > 0;
}

/** The last logged value of one metric per run (e.g. the latest reward for the runs table). */
export function lastMetricValues(db: Db, name: string): Map<number, number | null> {
  const rows = db
    .prepare(
      `SELECT m.run_id AS runId, m.value AS value FROM metrics m
         JOIN (SELECT run_id, MAX(step) AS step FROM metrics WHERE name = @name GROUP BY run_id) last ON last.run_id = m.run_id AND last.step = m.step
       WHERE m.name = @name`,
    )
    .all({ name }) as Array<{ runId: number; value: number | null }>;
  return new Map(rows.map((r) => [r.runId, r.value]));
}

/** The newest checkpoint (highest step, then newest row) a run saved, or undefined. */
export function getRun(db: Db, runId: number): RunRow | undefined {
  const r = db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as RawRun | undefined;
  return r && toRun(r);
}

/** Runs, newest first, optionally filtered by kind and/or status. */
export function listRuns(db: Db, filter: { kind?: RunKind; status?: RunStatus } = {}): RunRow[] {
  const rows = db
    .prepare(
      'SELECT * FROM runs WHERE (@kind IS NULL OR kind = @kind) AND (@status IS NULL OR status = @status) ORDER BY id DESC',
    )
    .all({ kind: filter.kind ?? null, status: filter.status ?? null }) as RawRun[];
  return rows.map(toRun);
}

export interface MetricPoint {
  step: number;
  value: number | null;
  time: number;
}

/** A run's metric series by name, each sorted by step (all metrics when `names` is omitted). */
export function metricsOf(db: Db, runId: number, names?: string[]): Record<string, MetricPoint[]> {
  const rows = (
    names
      ? db
          .prepare(
            `SELECT name, step, value, time FROM metrics WHERE run_id = ? AND name IN (SELECT value FROM json_each(?)) ORDER BY name, step`,
          )
          .all(runId, JSON.stringify(names))
      : db
          .prepare('SELECT name, step, value, time FROM metrics WHERE run_id = ? ORDER BY name, step')
          .all(runId)
  ) as Array<MetricPoint & { name: string }>;
  const out: Record<string, MetricPoint[]> = {};
  for (const n of names ?? []) out[n] = [];
  for (const { name, ...p } of rows) (out[name] ??= []).push(p);
  return out;
}

/** Whether a run's recorded worker (pid + start token) is still alive — not just some process with its pid. */
export function workerAlive(db: Db, runId: number): boolean {
  const r = db.prepare('SELECT pid, pid_start FROM runs WHERE id = ?').get(runId) as { pid: number | null; pid_start: string | null } | undefined;
  return r !== undefined && r.pid !== null && sameProcessAlive(r.pid, r.pid_start);
}
