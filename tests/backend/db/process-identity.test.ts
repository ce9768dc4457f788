// "Reconcile trusts the pid" fixed: a run's worker is identified by pid + start token, so a dead worker whose
// pid the OS gave to another process is marked interrupted (and that process is never signalled).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb } from '../../../backend/db/open-db.js';
import { createRun, getRun, workerAlive } from '../../../backend/db/run-store.js';
import { markRunning, reconcile } from '../../../backend/jobs/run-status.js';
import { pidExists, processStartToken, sameProcessAlive } from '../../../backend/db/process-identity.js';
import { RunManager } from '../../../backend/runs/run-manager.js';
import { EventBus } from '../../../backend/runs/event-bus.js';

const supported = process.platform !== 'win32';

test('start tokens: stable for one process, different for another, null for no process', { skip: !supported && 'no start time on Windows' }, async () => {
  const mine = processStartToken(process.pid);
  assert.ok(mine);
  assert.equal(processStartToken(process.pid), mine);
  const child = spawn('sleep', ['30']);
  try {
    await new Promise((r) => child.once('spawn', r));
    const theirs = processStartToken(child.pid!);
    assert.ok(theirs && theirs !== mine);
    assert.equal(sameProcessAlive(child.pid!, theirs), true);
    assert.equal(sameProcessAlive(child.pid!, mine), false, 'same pid, other start time: not the recorded process');
    assert.equal(sameProcessAlive(child.pid!, null), true, 'no recorded token: the pid is all there is');
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  assert.equal(pidExists(child.pid!), false);
  assert.equal(processStartToken(child.pid!), null);
  assert.equal(processStartToken(-1), null);
});

test('a run whose pid now belongs to another process is reconciled as interrupted; the stranger is not signalled', { skip: !supported && 'no start time on Windows' }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-pid-'));
  const file = path.join(dir, 'r.db');
  const db = openDb(file);
  // A live process standing in for "some later process that got the dead worker's pid".
  const stranger = spawn('sleep', ['30']);
  await new Promise((r) => stranger.once('spawn', r));
  try {
    const reused = createRun(db, { kind: 'train', config: {} });
    markRunning(db, reused, { pid: stranger.pid!, pidStart: 'linux:an-earlier-boot-or-start:12345' });
    const mineRun = createRun(db, { kind: 'train', config: {} });
    markRunning(db, mineRun, { pid: process.pid }); // the token is read from the OS
    assert.equal(workerAlive(db, reused), false);
    assert.equal(workerAlive(db, mineRun), true);

    // The run manager at start-up: reconciles the reused-pid run instead of adopting it.
    const manager = new RunManager({ db, dbPath: file, dataDir: dir, events: new EventBus(), pollMs: 50 });
    const changed = manager.init();
    assert.deepEqual(changed.map((c) => c.runId), [reused]);
    const run = getRun(db, reused)!;
    assert.equal(run.status, 'interrupted');
    assert.match(run.error!, new RegExp(`worker process ${stranger.pid} is gone \\(its pid now belongs to another process\\)`));
    assert.equal(getRun(db, mineRun)!.status, 'running', 'a live worker is still adopted');
    assert.deepEqual(manager.running, [mineRun]);
    await manager.close();
    assert.equal(pidExists(stranger.pid!), true, 'the stranger was never signalled');
    assert.deepEqual(reconcile(db), []);
  } finally {
    stranger.kill('SIGKILL');
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
