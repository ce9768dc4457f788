// The SQLite store on a real file: migrations, one-transaction step logging, reconcile, WAL readers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { openSqlite } from '../../../backend/db/sqlite-binding.js';
import { openDb } from '../../../backend/db/open-db.js';
import { migrate, SCHEMA_VERSION } from '../../../backend/db/migrations.js';
import { addCheckpoint, addEvalResult, createRun, getRun, listRuns, logStep, metricsOf, truncateRunAfter } from '../../../backend/db/run-store.js';
import { failRun, finishRun, markRunning, reconcile } from '../../../backend/jobs/run-status.js';
import type { EpisodeRecord } from '../../../backend/domain/vocabulary.js';

function tempDb(): { file: string; done: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-db-'));
  return { file: path.join(dir, 'studio.db'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

const episode = (
  q: string,
  verdicts: Array<'correct' | 'wrong' | 'no_box' | 'over_budget'>,
  reward: number,
): EpisodeRecord => ({
  split: 'train',
  dataset: 'synthetic',
  questionId: q,
  question: `What is ${q}?`,
  gold: '4',
  attemptsAllowed: 3,
  reward,
  attempts: verdicts.map((v, i) => ({
    response: `attempt ${i} \\boxed{${v === 'correct' ? 4 : 5}}`,
    extracted: v === 'no_box' ? null : String(v === 'correct' ? 4 : 5),
    verdict: v,
    tokens: 10 + i,
  })),
});

test('migrations create the schema, are idempotent, and refuse a newer database', () => {
  const { file, done } = tempDb();
  try {
    const db = openDb(file);
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
        name: string;
      }>
    ).map((r) => r.name);
    assert.deepEqual(tables, [
      'attempts',
      'checkpoints',
      'episodes',
      'eval_results',
      'experiments',
      'metrics',
      'runs',
    ]);
    const id = createRun(db, { kind: 'train', config: { steps: 3 } });
    assert.equal(migrate(db), 0);
    db.close();
    const again = openDb(file); // re-open: nothing re-applied, data kept
    assert.equal(getRun(again, id)?.status, 'queued');
    again.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    again.close();
    assert.throws(
      () => openDb(file),
      new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this Attempt Studio supports \\(${SCHEMA_VERSION}\\)`),
    );
  } finally {
    done();
  }
});

test('a run through its life: create, run, log steps, checkpoint, eval, finish', () => {
  const { file, done } = tempDb();
  const db = openDb(file);
  try {
    const id = createRun(db, {
      kind: 'train',
      name: 'demo',
      preset: 'builtin-multi-attempt',
      config: { steps: 2 },
      tags: ['a'],
    });
    markRunning(db, id, { pid: process.pid, backend: 'cpu', device: 'test' });
    logStep(db, id, 1, {
      metrics: { reward: -0.5, accuracy: 0.25, kl: NaN },
      episodes: [episode('2+2', ['wrong', 'correct'], 1), episode('1+3', ['no_box', 'wrong', 'wrong'], -0.5)],
    });
    logStep(db, id, 2, { metrics: { reward: 0.25, accuracy: 0.5 } });
    const ck = addCheckpoint(db, id, 2, '/tmp/ck-2', 'tfjs');
    addEvalResult(db, id, {
      checkpointId: ck,
      step: 2,
      dataset: 'held-out',
      k: 1,
      n: 4,
      correct: 3,
      decoding: 'greedy',
    });
    finishRun(db, id);
    const run = getRun(db, id)!;
    assert.deepEqual(
      [run.status, run.stepsDone, run.pid, run.backend, run.tags],
      ['completed', 2, null, 'cpu', ['a']],
    );
    assert.deepEqual(run.config, { steps: 2 });
    const m = metricsOf(db, id, ['reward', 'kl', 'missing']);
    assert.deepEqual(
      m.reward!.map((p) => [p.step, p.value]),
      [
        [1, -0.5],
        [2, 0.25],
      ],
    );
    assert.deepEqual(
      m.kl!.map((p) => p.value),
      [null],
    );
    assert.deepEqual(m.missing, []);
    assert.deepEqual(Object.keys(metricsOf(db, id)).sort(), ['accuracy', 'kl', 'reward']);
    const eps = db
      .prepare(
        'SELECT question_id, attempts_used, solved_at, verdict, tokens FROM episodes WHERE run_id = ? ORDER BY id',
      )
      .all(id);
    assert.deepEqual(eps, [
      { question_id: '2+2', attempts_used: 2, solved_at: 1, verdict: 'correct', tokens: 21 },
      { question_id: '1+3', attempts_used: 3, solved_at: null, verdict: 'wrong', tokens: 33 },
    ]);
    assert.equal((db.prepare('SELECT count(*) AS n FROM attempts').get() as { n: number }).n, 5);
    assert.equal(
      (db.prepare('SELECT accuracy FROM eval_results').get() as { accuracy: number }).accuracy,
      0.75,
    );
    truncateRunAfter(db, id, 1);
    assert.equal(getRun(db, id)!.stepsDone, 1);
    assert.deepEqual(
      metricsOf(db, id, ['reward']).reward!.map((p) => p.step),
      [1],
    );
    const failed = createRun(db, { kind: 'eval', config: {} });
    failRun(db, failed, 'model folder missing config.json');
    assert.deepEqual(
      listRuns(db).map((r) => [r.id, r.status]),
      [
        [failed, 'failed'],
        [id, 'completed'],
      ],
    );
    assert.deepEqual(
      listRuns(db, { status: 'failed' }).map((r) => r.error),
      ['model folder missing config.json'],
    );
    assert.throws(() => markRunning(db, 999, { pid: 1 }), /run 999 does not exist/);
  } finally {
    db.close();
    done();
  }
});

test('logStep writes a step atomically: a bad episode rolls back its metrics and earlier episodes', () => {
  const { file, done } = tempDb();
  const db = openDb(file);
  try {
    const id = createRun(db, { kind: 'train', config: {} });
    logStep(db, id, 1, { metrics: { reward: 1 }, episodes: [episode('a', ['correct'], 1)] });
    const bad = { ...episode('c', ['wrong'], -0.5), attemptsAllowed: 0 }; // violates attempts_used ≤ attempts_allowed
    assert.throws(
      () => logStep(db, id, 2, { metrics: { reward: 0.5 }, episodes: [episode('b', ['correct'], 1), bad] }),
      /CHECK constraint failed/,
    );
    assert.deepEqual(
      metricsOf(db, id, ['reward']).reward!.map((p) => p.step),
      [1],
    );
    assert.equal((db.prepare('SELECT count(*) AS n FROM episodes').get() as { n: number }).n, 1);
    assert.equal((db.prepare('SELECT count(*) AS n FROM attempts').get() as { n: number }).n, 1);
    assert.equal(getRun(db, id)!.stepsDone, 1);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
    done();
  }
});

test('reconcile marks a running run whose process is gone as interrupted, with the reason', () => {
  const { file, done } = tempDb();
  const db = openDb(file);
  try {
    const child = spawnSync(process.execPath, ['-e', '0']);
    const deadPid = child.pid!;
    const dead = createRun(db, { kind: 'train', config: {} });
    markRunning(db, dead, { pid: deadPid });
    logStep(db, dead, 1, { metrics: { reward: 0 } });
    const alive = createRun(db, { kind: 'train', config: {} });
    markRunning(db, alive, { pid: process.pid });
    const changed = reconcile(db, (pid) => pid === process.pid);
    assert.deepEqual(
      changed.map((c) => c.runId),
      [dead],
    );
    const run = getRun(db, dead)!;
    assert.equal(run.status, 'interrupted');
    assert.match(run.error!, new RegExp(`worker process ${deadPid} is gone; last heartbeat `));
    assert.equal(run.stepsDone, 1);
    assert.equal(getRun(db, alive)!.status, 'running');
    assert.deepEqual(reconcile(db), []); // the real check: this process is alive; nothing else changes
  } finally {
    db.close();
    done();
  }
});

test('WAL: a reader is not blocked while a writer transaction is open', () => {
  const { file, done } = tempDb();
  const writer = openDb(file);
  const reader = openSqlite(file, { readonly: true });
  reader.pragma('busy_timeout = 0'); // a blocked read would fail at once instead of waiting
  try {
    const id = createRun(writer, { kind: 'train', config: {} });
    logStep(writer, id, 1, { metrics: { reward: 1 } });
    writer.exec('BEGIN IMMEDIATE');
    writer
      .prepare("INSERT INTO metrics (run_id, name, step, value, time) VALUES (?, 'reward', 2, 0.5, 0)")
      .run(id);
    writer.prepare('UPDATE runs SET steps_done = 2 WHERE id = ?').run(id);
    // The reader sees the last committed state, without waiting for the writer.
    assert.deepEqual(
      metricsOf(reader, id, ['reward']).reward!.map((p) => p.step),
      [1],
    );
    assert.equal(getRun(reader, id)!.stepsDone, 1);
    writer.exec('COMMIT');
    assert.deepEqual(
      metricsOf(reader, id, ['reward']).reward!.map((p) => p.step),
      [1, 2],
    );
    assert.equal(reader.pragma('journal_mode', { simple: true }), 'wal');
  } finally {
    reader.close();
    writer.close();
    done();
  }
});

test('migration 2 adds metric / checkpoint_path / skipped to eval_results, keeping rows written at version 1', async () => {
  const { MIGRATIONS } = await import('../../../backend/db/migrations.js');
  const { evalResults, latestCheckpoint } = await import('../../../backend/db/run-store.js');
  const t = tempDb();
  try {
    const raw = openSqlite(t.file);
    raw.exec(MIGRATIONS[0]!);
    raw.pragma('user_version = 1');
    raw.exec(`INSERT INTO runs (kind, status, config, created_at) VALUES ('eval', 'completed', '{}', 1);
      INSERT INTO eval_results (run_id, dataset, k, n, correct, accuracy, decoding, created_at) VALUES (1, 'amc23', 1, 40, 10, 0.25, 'greedy', 1);`);
    raw.close();
    const db = openDb(t.file);
    const [old] = evalResults(db, { runId: 1 });
    assert.equal(old!.metric, 'k_attempt');
    assert.equal(old!.skipped, 0);
    assert.equal(old!.checkpointPath, null);
    addEvalResult(db, 1, { dataset: 'amc23', k: 2, n: 40, correct: 12, decoding: 'sampled(t=1,p=1)', metric: 'pass_at_k', accuracy: 0.321, checkpointPath: '/ck', skipped: 3 });
    const rows = evalResults(db, { runId: 1 });
    assert.deepEqual(
      rows.map((r) => [r.k, r.metric, r.accuracy, r.checkpointPath, r.skipped]),
      [
        [1, 'k_attempt', 0.25, null, 0],
        [2, 'pass_at_k', 0.321, '/ck', 3],
      ],
    );
    assert.throws(() => addEvalResult(db, 1, { dataset: 'x', k: 1, n: 1, correct: 1, decoding: 'greedy', metric: 'bogus' as never }), /CHECK constraint/);
    assert.equal(latestCheckpoint(db, 1), undefined);
    addCheckpoint(db, 1, 5, '/ck5', 'safetensors');
    addCheckpoint(db, 1, 9, '/ck9', 'safetensors');
    addCheckpoint(db, 1, 7, '/ck7', 'safetensors');
    assert.equal(latestCheckpoint(db, 1)!.path, '/ck9');
    db.close();
  } finally {
    t.done();
  }
});
