// The run manager with REAL worker processes on a tiny model: start → progress → stop with a checkpoint →
// resume to more steps on one curve; the queue limit; a SIGKILLed worker; start-up reconciliation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openDb } from '../../../backend/db/open-db.js';
import { createRun, getRun } from '../../../backend/db/run-store.js';
import { markRunning } from '../../../backend/jobs/run-status.js';
import { parseRunConfig } from '../../../backend/rl/config.js';
import { EventBus } from '../../../backend/runs/event-bus.js';
import type { EventEnvelope } from '../../../backend/api/contract.js';
import { RunManager } from '../../../backend/runs/run-manager.js';
import { existingRunFolder } from '../../../backend/db/run-folder.js';
import type { SpawnWorker } from '../../../backend/runs/spawn-worker.js';
import type { FromWorker } from '../../../backend/workers/protocol.js';
import { tinySetup } from './tiny-run.js';

function harness(dbPath: string, dataDir: string, opts: { concurrency?: number; spawn?: SpawnWorker; stopTimeoutMs?: number } = {}) {
  const db = openDb(dbPath);
  const events = new EventBus();
  const seen: EventEnvelope[] = [];
  events.subscribe((e) => seen.push(e));
  const manager = new RunManager({ db, dbPath, dataDir, events, ...opts });
  const reconciled = manager.init();
  const waitFor = (pred: (e: EventEnvelope) => boolean, what: string, ms = 120_000) =>
    new Promise<EventEnvelope>((resolve, reject) => {
      const hit = seen.find(pred);
      if (hit) return resolve(hit);
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out waiting for ${what}; saw ${JSON.stringify(seen.map((e) => [e.name, e.data]))}`));
      }, ms);
      const off = events.subscribe((e) => {
        if (pred(e)) {
          clearTimeout(timer);
          off();
          resolve(e);
        }
      });
    });
  return { db, events, seen, manager, reconciled, waitFor };
}

const statusOf = (seen: EventEnvelope[], runId: number) =>
  seen.filter((e) => e.name === 'runs:status' && e.data.runId === runId).map((e) => (e.data as { status: string }).status);

test('start → progress events → graceful stop with a checkpoint → resume continues one curve', async () => {
  const s = await tinySetup();
  const h = harness(s.dbPath, s.dir);
  try {
    const { runId, status } = h.manager.start(parseRunConfig(s.config(200, 1), 'test'));
    assert.equal(status, 'queued');
    const running = await h.waitFor((e) => e.name === 'runs:status' && e.data.runId === runId && e.data.status === 'running', 'running');
    assert.equal((running.data as { runtime?: { name: string } }).runtime?.name, 'cpu', 'the worker reports its runtime');
    await h.waitFor((e) => e.name === 'runs:progress' && e.data.step >= 2, 'step 2');
    await h.manager.stop(runId);
    await h.manager.settled(runId);
    const stopped = getRun(h.db, runId)!;
    assert.equal(stopped.status, 'stopped');
    assert.ok(stopped.stepsDone >= 2 && stopped.stepsDone < 200);
    assert.equal(stopped.backend, 'cpu');
    const ck = h.db.prepare('SELECT MAX(step) s FROM checkpoints WHERE run_id = ?').get(runId) as { s: number };
    assert.equal(ck.s, stopped.stepsDone, 'stopping wrote a checkpoint at the last step');
    assert.deepEqual(statusOf(h.seen, runId), ['queued', 'running', 'stopped']);
    const progress = h.seen.filter((e) => e.name === 'runs:progress').map((e) => (e.data as { step: number }).step);
    assert.deepEqual(progress, Array.from({ length: progress.length }, (_, i) => i + 1), 'progress events in step order');
    assert.ok(h.seen.every((e, i) => i === 0 || e.seq > h.seen[i - 1]!.seq));

    const target = stopped.stepsDone + 1;
    assert.throws(() => h.manager.resume(runId, { steps: stopped.stepsDone }), /must exceed/);
    h.manager.resume(runId, { steps: target });
    await h.waitFor((e) => e.name === 'runs:status' && e.data.runId === runId && e.data.status === 'completed', 'completed');
    await h.manager.settled(runId);
    const done = getRun(h.db, runId)!;
    assert.equal(done.stepsDone, target);
    const steps = h.db.prepare("SELECT step FROM metrics WHERE run_id = ? AND name = 'reward' ORDER BY step").all(runId) as { step: number }[];
    assert.deepEqual(steps.map((r) => r.step), Array.from({ length: target }, (_, i) => i + 1), 'one curve, no gaps or duplicates');

    assert.throws(() => h.manager.delete(9999, true), /no run/);
    const folder = existingRunFolder(h.db, s.dir, runId);
    assert.match(path.basename(folder ?? ''), new RegExp(`^${runId}-[0-9a-f]{8}$`), 'a keyed run folder');
    const del = h.manager.delete(runId, true);
    assert.equal(getRun(h.db, runId), undefined);
    assert.deepEqual(del.deletedFiles, [folder]);
    assert.equal(existsSync(del.deletedFiles[0]!), false);
  } finally {
    await h.manager.close();
    h.db.close();
    s.cleanup();
  }
});

test('concurrency 1: the second run waits in the queue until the first has finished', async () => {
  const s = await tinySetup();
  const h = harness(s.dbPath, s.dir, { concurrency: 1 });
  try {
    const a = h.manager.start(parseRunConfig(s.config(1, 0), 'a'));
    const b = h.manager.start(parseRunConfig(s.config(1, 0), 'b'));
    assert.equal(b.status, 'queued');
    assert.deepEqual(h.manager.queued, [b.runId]);
    assert.equal(h.manager.running.length, 1);
    await h.waitFor((e) => e.name === 'runs:status' && e.data.runId === b.runId && e.data.status === 'completed', 'b completed');
    const order = h.seen.filter((e) => e.name === 'runs:status').map((e) => `${(e.data as { runId: number }).runId}:${(e.data as { status: string }).status}`);
    assert.ok(order.indexOf(`${a.runId}:completed`) < order.indexOf(`${b.runId}:running`), `b ran only after a finished: ${order}`);
    assert.equal(getRun(h.db, a.runId)!.status, 'completed');
  } finally {
    await h.manager.close();
    h.db.close();
    s.cleanup();
  }
});

test('a worker killed with SIGKILL: run marked interrupted with the reason, committed rows kept', async () => {
  const s = await tinySetup();
  const h = harness(s.dbPath, s.dir);
  try {
    const { runId } = h.manager.start(parseRunConfig(s.config(500, 0), 'kill'));
    await h.waitFor((e) => e.name === 'runs:progress' && e.data.runId === runId && e.data.step >= 1, 'step 1');
    const pid = getRun(h.db, runId)!.pid!;
    assert.ok(pid > 0 && pid !== process.pid);
    process.kill(pid, 'SIGKILL');
    await h.manager.settled(runId);
    const run = getRun(h.db, runId)!;
    assert.equal(run.status, 'interrupted');
    assert.match(run.error!, new RegExp(`worker process ${pid} was killed by SIGKILL; its committed steps are kept`));
    assert.ok(run.stepsDone >= 1);
    const n = (h.db.prepare('SELECT COUNT(*) n FROM episodes WHERE run_id = ?').get(runId) as { n: number }).n;
    assert.ok(n >= 2, 'committed episodes stay');
    assert.equal(statusOf(h.seen, runId).at(-1), 'interrupted');
    assert.equal(h.manager.running.length, 0);
  } finally {
    await h.manager.close();
    h.db.close();
    s.cleanup();
  }
});

test('start-up reconciliation: dead running runs and stale queued runs become interrupted and resumable', async () => {
  const s = await tinySetup();
  try {
    const db = openDb(s.dbPath);
    const cfg = parseRunConfig(s.config(1, 0), 'x');
    const dead = createRun(db, { kind: 'train', config: cfg });
    markRunning(db, dead, { pid: 2 ** 22 + 12345 }); // above pid_max: no such process
    const queued = createRun(db, { kind: 'train', config: cfg });
    const alive = createRun(db, { kind: 'train', config: cfg });
    markRunning(db, alive, { pid: process.pid });
    db.close();
    const h = harness(s.dbPath, s.dir);
    try {
      assert.deepEqual(h.reconciled.map((r) => r.runId).sort(), [dead, queued]);
      assert.equal(getRun(h.db, dead)!.status, 'interrupted');
      assert.match(getRun(h.db, dead)!.error!, /worker process \d+ is gone/);
      assert.equal(getRun(h.db, queued)!.status, 'interrupted');
      assert.match(getRun(h.db, queued)!.error!, /queued when the app closed/);
      assert.equal(getRun(h.db, alive)!.status, 'running', 'a live worker is adopted, not touched');
      assert.deepEqual(h.manager.running, [alive]);
      assert.throws(() => h.manager.resume(alive), /already running/);
      assert.throws(() => h.manager.delete(alive, true), /stop it before deleting/);
    } finally {
      h.db.prepare("UPDATE runs SET status = 'stopped', pid = NULL WHERE id = ?").run(alive);
      await h.manager.close();
      h.db.close();
    }
  } finally {
    s.cleanup();
  }
});

test('a worker that ignores stop is killed after the timeout; the run is interrupted, resumable', async () => {
  const s = await tinySetup();
  // A fake worker process (the spawn interface) that starts, never steps, and ignores `stop`.
  const kills: string[] = [];
  const spawn: SpawnWorker = () => {
    let onMsg: (m: FromWorker) => void = () => {};
    let onExit: (c: number | null, s: NodeJS.Signals | null) => void = () => {};
    setImmediate(() => onMsg({ type: 'ready' }));
    return {
      pid: 4242,
      label: 'worker process 4242',
      send: (m) => {
        if (m.type === 'start') markRunning(h.db, m.job.runId, { pid: process.pid });
      },
      kill: (sig = 'SIGTERM') => {
        kills.push(sig);
        setImmediate(() => onExit(null, sig));
      },
      onMessage: (cb) => (onMsg = cb),
      onExit: (cb) => (onExit = cb),
      onStderr: () => {},
    };
  };
  const h = harness(s.dbPath, s.dir, { spawn, stopTimeoutMs: 50 });
  try {
    const { runId } = h.manager.start(parseRunConfig(s.config(5, 0), 'stuck'));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(getRun(h.db, runId)!.status, 'running');
    await h.manager.stop(runId);
    await h.manager.settled(runId);
    assert.deepEqual(kills, ['SIGKILL']);
    const run = getRun(h.db, runId)!;
    assert.equal(run.status, 'interrupted');
    assert.match(run.error!, /did not stop in time and was killed/);
    // The message is true: this run has no checkpoint, so resume starts over (it never claims a checkpoint).
    assert.match(run.error!, /no checkpoint yet, so resume starts it over from step 0/);
  } finally {
    await h.manager.close();
    h.db.close();
    s.cleanup();
  }
});
