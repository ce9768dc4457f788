// Short version of the worker kill -9 scenario (20 random kill points in `npm run reliability`): after a
// kill mid-run the database is sound, every committed step has its rows, the run is interrupted, and
// --resume ends on exactly the curve of an uninterrupted run with the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWorkerKill } from '../../../bench/reliability/worker-kill.js';

test('(slow) kill -9 of a training process, then --resume: same curve as the uninterrupted run', async () => {
  const r = await runWorkerKill({ trials: 1, steps: 4, every: 2, seed: 3, afterStep: 1 });
  const t = r.details[0]!;
  assert.deepEqual(t.problems, []);
  assert.equal(r.integrityOk, 1);
  assert.equal(r.rowsComplete, 1);
  assert.equal(t.curveMatches, true);
  assert.equal(t.maxCurveDiff, 0);
  assert.equal(t.statusAfterReconcile, 'interrupted');
  assert.equal(r.markedInterrupted, 1);
  assert.ok(t.stepsAtKill >= 1 && t.stepsAtKill < 4, String(t.stepsAtKill));
});
