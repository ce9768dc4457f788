// The run status state machine on a real SQLite file: allowed moves happen, refused ones throw naming both
// statuses and change nothing, interruption never overwrites a run that moved on, and it is the only code in
// backend/ whose SQL changes runs.status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb } from '../../../backend/db/open-db.js';
import { createRun, getRun } from '../../../backend/db/run-store.js';
import { RUN_STATUSES, TERMINAL_STATUSES } from '../../../backend/domain/vocabulary.js';
import { TRANSITIONS, allowedFrom, failRun, finishRun, interruptRun, markRunning, reconcile, requeueRun } from '../../../backend/jobs/run-status.js';

function withDb(fn: (db: ReturnType<typeof openDb>) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-status-'));
  const db = openDb(path.join(dir, 'studio.db'));
  try {
    fn(db);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the transition table: queued → running → terminal; every terminal status resumes (queued) or restarts (running)', () => {
  assert.deepEqual(TRANSITIONS.queued, ['running', 'stopped', 'failed', 'interrupted']);
  assert.deepEqual(TRANSITIONS.running, ['completed', 'stopped', 'failed', 'interrupted']);
  for (const s of TERMINAL_STATUSES) assert.deepEqual(TRANSITIONS[s], ['queued', 'running']);
  assert.deepEqual(allowedFrom('completed'), ['running']);
  assert.deepEqual(allowedFrom('queued'), [...TERMINAL_STATUSES]);
  for (const s of RUN_STATUSES) assert.ok(!TRANSITIONS[s].includes(s), `${s} → ${s} is no move`);
});

test('a run lives through queued → running → completed → queued → running → failed', () => {
  withDb((db) => {
    const id = createRun(db, { kind: 'train', config: {} });
    assert.equal(getRun(db, id)!.status, 'queued');
    markRunning(db, id, { pid: process.pid, backend: 'cpu', device: 'CPU' });
    assert.equal(getRun(db, id)!.status, 'running');
    finishRun(db, id);
    assert.equal(getRun(db, id)!.status, 'completed');
    requeueRun(db, id);
    assert.equal(getRun(db, id)!.status, 'queued');
    markRunning(db, id, { pid: process.pid });
    failRun(db, id, 'boom');
    const r = getRun(db, id)!;
    assert.equal(r.status, 'failed');
    assert.equal(r.error, 'boom');
    assert.equal(r.pid, null);
  });
});

test('refused moves throw naming the run and both statuses, and change nothing', () => {
  withDb((db) => {
    const id = createRun(db, { kind: 'eval', config: {} });
    assert.throws(() => finishRun(db, id), new RegExp(`run ${id} is queued; it cannot become completed \\(allowed from: running\\)`));
    assert.throws(() => requeueRun(db, id), /is queued; it cannot become queued/);
    markRunning(db, id, { pid: process.pid });
    assert.throws(() => markRunning(db, id, { pid: process.pid }), /is running; it cannot become running/);
    finishRun(db, id, 'stopped');
    assert.throws(() => failRun(db, id, 'late'), /is stopped; it cannot become failed/);
    const r = getRun(db, id)!;
    assert.equal(r.status, 'stopped');
    assert.equal(r.error, null);
    assert.throws(() => finishRun(db, 9999), /run 9999 does not exist/);
  });
});

test('interruption and reconciliation only move runs still queued or running', () => {
  withDb((db) => {
    const done = createRun(db, { kind: 'train', config: {} });
    markRunning(db, done, { pid: process.pid });
    finishRun(db, done);
    assert.equal(interruptRun(db, done, 'too late'), false);
    assert.equal(getRun(db, done)!.status, 'completed');

    const queued = createRun(db, { kind: 'train', config: {} });
    assert.equal(interruptRun(db, queued, 'app closed'), true);
    assert.equal(getRun(db, queued)!.error, 'app closed');

    const dead = createRun(db, { kind: 'train', config: {} });
    markRunning(db, dead, { pid: 999_999_999, pidStart: null });
    const alive = createRun(db, { kind: 'train', config: {} });
    markRunning(db, alive, { pid: process.pid });
    const changed = reconcile(db, (pid) => pid === process.pid);
    assert.deepEqual(changed.map((c) => c.runId), [dead]);
    assert.match(changed[0]!.reason, /worker process 999999999 is gone/);
    assert.equal(getRun(db, dead)!.status, 'interrupted');
    assert.equal(getRun(db, alive)!.status, 'running');
  });
});

test('backend/jobs/run-status.ts is the only file whose SQL changes runs.status', () => {
  const root = path.resolve(import.meta.dirname, '../../../backend');
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  const writers = files.filter((f) => /UPDATE\s+runs\s+SET[^;`'"]*\bstatus\s*=/i.test(readFileSync(path.join(root, f), 'utf8')));
  assert.deepEqual(writers, ['jobs/run-status.ts']);
});
