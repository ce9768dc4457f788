// kill -9 of the backend (serve) while a worker trains: a restarted server re-attaches to the surviving
// worker (running, still advancing, stoppable); with the worker killed too, the run comes back interrupted
// and resumes to the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runServerKill } from '../../../bench/reliability/server-kill.js';

test('(slow) server killed mid-run: re-attach to a live worker; interrupted + resumable when both died', async () => {
  const r = await runServerKill({ steps: 3 });
  assert.equal(r.reattach.statusAfterRestart, 'running');
  assert.equal(r.reattach.advancedAfterRestart, true, JSON.stringify(r.reattach));
  assert.equal(r.reattach.stoppedThroughNewServer, true, r.reattach.finalStatus);
  assert.equal(r.bothKilled.statusAfterRestart, 'interrupted');
  assert.match(r.bothKilled.reason, /worker process \d+ is gone/);
  assert.equal(r.bothKilled.resumedStatus, 'completed');
  assert.equal(r.bothKilled.resumedSteps, 3);
});
