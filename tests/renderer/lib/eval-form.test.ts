// The Evaluate form's checks: every way K and the question limit can be wrong gets a plain message (issue #24).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evalFormProblems } from '../../../renderer/src/lib/eval-form.js';

test('evaluate form: K from 1 to 64, a limit of at least 1 or empty, at least one dataset', () => {
  assert.deepEqual(evalFormProblems({ datasets: ['held-out'], attempts: 5, limit: null }), {});
  assert.deepEqual(evalFormProblems({ datasets: ['held-out'], attempts: 64, limit: 1 }), {});
  assert.match(evalFormProblems({ datasets: ['held-out'], attempts: 0, limit: null }).attempts!, /from 1 to 64.*got 0/);
  assert.match(evalFormProblems({ datasets: ['held-out'], attempts: 1000, limit: null }).attempts!, /got 1000/);
  assert.match(evalFormProblems({ datasets: ['held-out'], attempts: 2.5, limit: null }).attempts!, /whole number/);
  assert.match(evalFormProblems({ datasets: ['held-out'], attempts: null, limit: null }).attempts!, /required/);
  assert.match(evalFormProblems({ datasets: ['held-out'], attempts: 2, limit: -5 }).limit!, /at least 1.*got -5/);
  assert.match(evalFormProblems({ datasets: [], attempts: 2, limit: 3 }).datasets!, /at least one dataset/);
});
