// Stopping real worker processes (issue 18): a run stopped during the built-in base model's pre-training, or by
// SIGTERM to its worker, ends `stopped` by itself (not killed after the stop timeout), with a log line that says
// truthfully what resume will do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDb } from '../../../backend/db/open-db.js';
import { getRun, latestCheckpoint } from '../../../backend/db/run-store.js';
import { parseRunConfig } from '../../../backend/rl/config.js';
import { EventBus } from '../../../backend/runs/event-bus.js';
import type { EventEnvelope } from '../../../backend/api/contract.js';
import { RunManager } from '../../../backend/runs/run-manager.js';
import { tinySetup } from './tiny-run.js';

function harness(dbPath: string, dataDir: string) {
  const db = openDb(dbPath);
  const events = new EventBus();
  const seen: EventEnvelope[] = [];
  events.subscribe((e) => seen.push(e));
  // A stop that is not honoured would be killed after this and the run marked interrupted, not stopped.
  const manager = new RunManager({ db, dbPath, dataDir, events, stopTimeoutMs: 90_000 });
  manager.init();
  const waitFor = (pred: (e: EventEnvelope) => boolean, what: string, ms = 180_000) =>
    new Promise<EventEnvelope>((resolve, reject) => {
      const hit = seen.find(pred);
      if (hit) return resolve(hit);
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      const off = events.subscribe((e) => {
        if (pred(e)) {
          clearTimeout(timer);
          off();
          resolve(e);
        }
      });
    });
  const logs = (runId: number) => seen.filter((e) => e.name === 'runs:log' && e.data.runId === runId).map((e) => (e.data as { line: string }).line);
  return { db, manager, waitFor, logs };
}

test('runs:stop during the base model’s pre-training: the worker stops by itself; resume will start over', async () => {
  // Without the shipped base model (as after a change of its spec), a run on the built-in model pre-trains it.
  process.env.ATTEMPT_STUDIO_SHIPPED_BASE_MODELS = 'none';
  const s = await tinySetup('as-stop-pre-');
  const h = harness(s.dbPath, s.dir);
  try {
    const cfg = parseRunConfig({ ...s.config(5), model: { source: 'builtin' } }, 'test');
    const { runId } = h.manager.start(cfg);
    await h.waitFor((e) => e.name === 'runs:log' && e.data.runId === runId && /training the built-in base model/.test((e.data as { line: string }).line), 'pre-training');
    await h.manager.stop(runId);
    await h.manager.settled(runId);
    const run = getRun(h.db, runId)!;
    assert.equal(run.status, 'stopped', `${run.status}: ${run.error}`);
    assert.equal(latestCheckpoint(h.db, runId), undefined);
    assert.ok(h.logs(runId).some((l) => /stopped during the built-in base model's pre-training .*no checkpoint, so resume starts the run over/.test(l)), h.logs(runId).join('\n'));
  } finally {
    delete process.env.ATTEMPT_STUDIO_SHIPPED_BASE_MODELS;
    await h.manager.close();
    h.db.close();
    s.cleanup();
  }
});

test('SIGTERM to a training worker stops the run promptly with a checkpoint of its last completed step', async () => {
  const s = await tinySetup('as-stop-term-');
  const h = harness(s.dbPath, s.dir);
  try {
    const { runId } = h.manager.start(parseRunConfig(s.config(500, 0), 'test'));
    await h.waitFor((e) => e.name === 'runs:progress' && e.data.runId === runId && e.data.step >= 2, 'step 2');
    process.kill(getRun(h.db, runId)!.pid!, 'SIGTERM');
    await h.manager.settled(runId);
    const run = getRun(h.db, runId)!;
    assert.equal(run.status, 'stopped', `${run.status}: ${run.error}`);
    assert.ok(run.stepsDone >= 2 && run.stepsDone < 500);
    assert.equal(latestCheckpoint(h.db, runId)?.step, run.stepsDone);
    assert.ok(h.logs(runId).some((l) => new RegExp(`with ${run.stepsDone} of 500 steps done; resume continues from the checkpoint at step ${run.stepsDone}`).test(l)), h.logs(runId).join('\n'));
  } finally {
    await h.manager.close();
    h.db.close();
    s.cleanup();
  }
});
