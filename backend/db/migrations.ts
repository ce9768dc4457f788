// The SQLite schema as an ordered list of migrations; the database's `user_version` is the number applied.
// Times are Unix milliseconds; attempt and step indices are documented per column. Append, never edit.
import type { Database } from 'better-sqlite3';

/** Migration i (0-based) brings the schema from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE experiments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
  );

  CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    experiment_id INTEGER REFERENCES experiments(id) ON DELETE SET NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('train', 'eval')),
    status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'stopped', 'failed', 'interrupted')),
    name          TEXT NOT NULL DEFAULT '',
    preset        TEXT,
    config        TEXT NOT NULL CHECK (json_valid(config)),  -- the resolved run config
    backend       TEXT,                                      -- compute runtime actually used
    device        TEXT,
    pid           INTEGER,                                   -- the worker process while running
    heartbeat_at  INTEGER,
    error         TEXT,                                      -- why it failed / was interrupted
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    ended_at      INTEGER,
    steps_done    INTEGER NOT NULL DEFAULT 0,
    tags          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    notes         TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX runs_by_status ON runs(status);
  CREATE INDEX runs_by_experiment ON runs(experiment_id);

  -- One value per (run, metric, step): the charts read a run's series by name.
  CREATE TABLE metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name   TEXT NOT NULL,
    step   INTEGER NOT NULL,
    value  REAL,                       -- NULL for a non-finite value
    time   INTEGER NOT NULL,
    PRIMARY KEY (run_id, name, step)
  ) WITHOUT ROWID;

  CREATE TABLE episodes (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step             INTEGER NOT NULL,
    split            TEXT NOT NULL,               -- 'train' or 'eval'
    dataset          TEXT NOT NULL,
    question_id      TEXT NOT NULL,
    question         TEXT NOT NULL,
    gold             TEXT NOT NULL,
    sample_index     INTEGER NOT NULL DEFAULT 0,  -- which sample of its prompt (grpo/rloo groups)
    attempts_allowed INTEGER NOT NULL CHECK (attempts_allowed >= 1),
    attempts_used    INTEGER NOT NULL CHECK (attempts_used BETWEEN 1 AND attempts_allowed),
    solved_at        INTEGER,                     -- 0-based index of the correct attempt; NULL if unsolved
    reward           REAL NOT NULL,
    verdict          TEXT NOT NULL CHECK (verdict IN ('correct', 'wrong', 'no_box', 'over_budget')),  -- the last attempt's
    tokens           INTEGER NOT NULL DEFAULT 0   -- generated tokens over all attempts
  );
  CREATE INDEX episodes_by_run_step ON episodes(run_id, step, verdict);
  CREATE INDEX episodes_by_run_verdict ON episodes(run_id, verdict);

  CREATE TABLE attempts (
    episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,        -- 0-based attempt index
    response   TEXT NOT NULL,
    extracted  TEXT,                    -- the graded answer; NULL when there was no box
    verdict    TEXT NOT NULL CHECK (verdict IN ('correct', 'wrong', 'no_box', 'over_budget')),
    tokens     INTEGER NOT NULL,
    PRIMARY KEY (episode_id, idx)
  ) WITHOUT ROWID;

  CREATE TABLE checkpoints (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step       INTEGER NOT NULL,
    path       TEXT NOT NULL,
    format     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (run_id, step, format)
  );

  CREATE TABLE eval_results (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    checkpoint_id INTEGER REFERENCES checkpoints(id) ON DELETE SET NULL,
    step          INTEGER,
    dataset       TEXT NOT NULL,
    k             INTEGER NOT NULL CHECK (k >= 1),
    n             INTEGER NOT NULL CHECK (n >= 0),
    correct       INTEGER NOT NULL CHECK (correct BETWEEN 0 AND n),
    accuracy      REAL NOT NULL,
    decoding      TEXT NOT NULL,           -- 'greedy' or 'sampled(t=…,p=…)'
    created_at    INTEGER NOT NULL
  );
  CREATE INDEX eval_results_by_run ON eval_results(run_id, dataset, k);
  `,
  // 2: what an eval_results row measures, which checkpoint folder it evaluated (also when that folder is
  // not in `checkpoints`) and how many questions did not fit the model's context.
  `
  ALTER TABLE eval_results ADD COLUMN metric TEXT NOT NULL DEFAULT 'k_attempt'
    CHECK (metric IN ('k_attempt', 'k_attempt_separate', 'pass_at_k', 'mean_accuracy'));
    -- k_attempt: solved within k attempts of one N = K episode; k_attempt_separate: a run with N = k;
    -- pass_at_k: unbiased estimator in accuracy (n, correct count samples); mean_accuracy: per sample.
  ALTER TABLE eval_results ADD COLUMN checkpoint_path TEXT;
  ALTER TABLE eval_results ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0 CHECK (skipped >= 0);
  `,
  // 3: the attempts explorer. `repeats` counts an episode's retries whose answer equals an earlier wrong
  // answer of the same episode (logStep compares normalised answers; rows written before this migration
  // are backfilled by exact string match). Its indexes all end in `step`, so with the implicit rowid they
  // deliver one run's episodes in (step, id) order — the explorer's keyset — whatever single filter drives.
  `
  ALTER TABLE episodes ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0 CHECK (repeats >= 0);
  UPDATE episodes SET repeats = (
    SELECT COUNT(*) FROM attempts a
    WHERE a.episode_id = episodes.id AND a.idx > 0 AND a.extracted IS NOT NULL
      AND EXISTS (SELECT 1 FROM attempts b WHERE b.episode_id = a.episode_id AND b.idx < a.idx AND b.verdict = 'wrong' AND b.extracted = a.extracted)
  ) WHERE attempts_used > 1;
  DROP INDEX episodes_by_run_step;
  DROP INDEX episodes_by_run_verdict;
  CREATE INDEX episodes_by_run_step ON episodes(run_id, step);
  CREATE INDEX episodes_by_run_verdict ON episodes(run_id, verdict, step);
  CREATE INDEX episodes_by_run_split ON episodes(run_id, split, step);
  CREATE INDEX episodes_by_run_dataset ON episodes(run_id, dataset, step);
  CREATE INDEX episodes_solved_later ON episodes(run_id, step) WHERE solved_at > 0;
  CREATE INDEX episodes_repeating ON episodes(run_id, step) WHERE repeats > 0;
  `,
  // 4: the worker's process start token beside its pid (db/process-identity.ts), so a pid the OS has given
  // to another process no longer keeps a dead run 'running'.
  `
  ALTER TABLE runs ADD COLUMN pid_start TEXT;
  `,
  // 5: the name of the run's folder under <data folder>/runs (db/run-folder.ts): the run id plus a random key,
  // so runs of two databases sharing one data folder never share (and overwrite) a folder.
  `
  ALTER TABLE runs ADD COLUMN folder TEXT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Applies every migration newer than the database's `user_version`, each in its own transaction together
 * with the version bump. Idempotent. A database written by a newer Attempt Studio is refused, not touched.
 * Returns the number of migrations applied.
 */
export function migrate(db: Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `database ${db.name} has schema version ${current}, newer than this Attempt Studio supports (${SCHEMA_VERSION}); upgrade the app`,
    );
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return SCHEMA_VERSION - current;
}
