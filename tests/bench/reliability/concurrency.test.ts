// Two training workers and the UI's reads (API lanes + SSE) on one database for 20 s (10 min in
// `npm run reliability`): no SQLITE_BUSY or other error reaches the UI, no run fails, no reported step is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConcurrency } from '../../../bench/reliability/concurrency.js';

test('(slow) two workers + UI reads on one database: no SQLITE_BUSY surfaced, no lost rows', async () => {
  const r = await runConcurrency({ seconds: 20 });
  assert.equal(r.busySurfaced, 0, r.errorSamples.join('\n'));
  assert.equal(r.readErrors, 0, r.errorSamples.join('\n'));
  assert.ok(r.readRequests > 20, `only ${r.readRequests} reads`);
  assert.deepEqual(r.runStatuses, ['stopped', 'stopped'], JSON.stringify(r.runErrors));
  assert.ok(r.stepsReported >= 2, `steps reported: ${r.stepsReported}`);
  assert.equal(r.lostSteps, 0);
  assert.ok(r.stepsCommitted >= r.stepsReported);
});
